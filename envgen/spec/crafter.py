"""Crafter config spec: EnvGen's vocabulary (target_biome, *_rarity, inventory_settings) and the raw
knobs of world generation, mobs and rewards, compiled to ``EnvParams``."""

from __future__ import annotations

import difflib
from enum import StrEnum
from typing import Any, ClassVar, Literal

import jax.numpy as jnp
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from envgen.envs.crafter.constants import ACHIEVEMENTS, GRASS, INVENTORY_ITEMS, PATH
from envgen.spec.base import Spec

_STRICT = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class Biome(StrEnum):
    natural = "natural"
    grassland = "grassland"
    mountain = "mountain"
    beaches = "beaches"


Rarity = Literal["very common", "very_common", "common", "rare"]

# EnvGen's biome transforms of the noise fields (target_biome).
BIOMES: dict[str, dict[str, Any]] = {
    "natural": {},
    "mountain": {"mountain_abs": True, "water_gain": 0.1, "start_threshold": 0.6, "start_material": PATH},
    "beaches": {"mountain_gain": 0.1, "start_threshold": 0.8},
    "grassland": {"water_gain": 0.1, "mountain_gain": 0.1, "start_threshold": 0.6},
}
# EnvGen's rarity words as "uniform() > threshold" cut-offs (the "very common" spelling works here).
RARITY_THRESHOLDS: dict[str, dict[str, float]] = {
    "coal": {"rare": 0.95, "common": 0.85, "very common": 0.75},
    "iron": {"rare": 0.85, "common": 0.75, "very common": 0.65},
    "diamond": {"rare": 0.994, "common": 0.90, "very common": 0.85},
    "tree": {"rare": 0.9, "common": 0.8, "very common": 0.7},
}


def _count(desc: str) -> Any:
    return Field(0, ge=0, le=9, description=desc)


class InventorySettings(BaseModel):
    """Items the agent starts with (0-9 each), and stations placed next to the start."""

    model_config = _STRICT
    sapling: int = _count("saplings in the starting inventory")
    wood: int = _count("wood in the starting inventory")
    stone: int = _count("stone in the starting inventory")
    coal: int = _count("coal in the starting inventory")
    iron: int = _count("iron in the starting inventory")
    diamond: int = _count("diamonds in the starting inventory")
    wood_pickaxe: int = Field(0, ge=0, le=1, description="start with a wood pickaxe (0 or 1)")
    stone_pickaxe: int = Field(0, ge=0, le=1, description="start with a stone pickaxe (0 or 1)")
    iron_pickaxe: int = Field(0, ge=0, le=1, description="start with an iron pickaxe (0 or 1)")
    wood_sword: int = Field(0, ge=0, le=1, description="start with a wood sword (0 or 1)")
    stone_sword: int = Field(0, ge=0, le=1, description="start with a stone sword (0 or 1)")
    iron_sword: int = Field(0, ge=0, le=1, description="start with an iron sword (0 or 1)")
    table: bool = Field(False, description="place a crafting table next to the start")
    furnace: bool = Field(False, description="place a furnace next to the start")
    plant: bool = Field(False, description="place a sapling 5 steps from ripe near the start")


class Vitals(BaseModel):
    """Starting health, food, drink and energy (Crafter starts all at 9)."""

    model_config = _STRICT
    health: int = Field(9, ge=1, le=9, description="starting health")
    food: int = Field(9, ge=0, le=9, description="starting food")
    drink: int = Field(9, ge=0, le=9, description="starting drink")
    energy: int = Field(9, ge=0, le=9, description="starting energy (below 9 the agent may sleep)")


class WorldSettings(BaseModel):
    """Raw world-generation thresholds (Crafter's worldgen rules); unset fields keep the biome's values."""

    model_config = _STRICT
    start_threshold: float | None = Field(None, ge=0.0, le=1.0, description="start-area cut-off; higher = smaller")
    water_gain: float | None = Field(None, ge=0.0, le=3.0, description="multiplier of the water noise")
    mountain_gain: float | None = Field(None, ge=0.0, le=3.0, description="multiplier of the mountain noise")
    mountain_threshold: float | None = Field(None, ge=-1.0, le=1.0, description="mountain above this")
    cave_threshold: float | None = Field(None, ge=-1.0, le=1.0, description="caves (path) above this")
    tunnel_threshold: float | None = Field(None, ge=-1.0, le=1.0, description="tunnels (path) above this")
    coal_uniform: float | None = Field(None, ge=0.0, le=1.0, description="coal if uniform() > this")
    iron_uniform: float | None = Field(None, ge=0.0, le=1.0, description="iron if uniform() > this")
    diamond_uniform: float | None = Field(None, ge=0.0, le=1.0, description="diamond if uniform() > this")
    lava_noise: float | None = Field(None, ge=-1.0, le=1.0, description="lava where noise above this")
    water_threshold: float | None = Field(None, ge=-1.0, le=2.0, description="water above this")
    tree_uniform: float | None = Field(None, ge=0.0, le=1.0, description="tree if uniform() > this")


class MobSettings(BaseModel):
    """Creature populations and strength."""

    model_config = _STRICT
    peaceful: bool = Field(False, description="no zombies or skeletons at all")
    zombie_density: float = Field(1.0, ge=0.0, le=3.0, description="scales Crafter's zombie targets per chunk")
    skeleton_density: float = Field(1.0, ge=0.0, le=3.0, description="scales skeleton targets in caves")
    cow_density: float = Field(1.0, ge=0.0, le=3.0, description="scales cow targets per chunk")
    spawn_cows: int = Field(0, ge=0, le=6, description="cows placed within a few tiles of the start")
    spawn_zombies: int = Field(0, ge=0, le=8, description="zombies placed within a few tiles of the start")
    spawn_skeletons: int = Field(0, ge=0, le=6, description="skeletons placed near the start")
    zombie_health: int = Field(5, ge=1, le=20, description="zombie health points")
    cow_health: int = Field(3, ge=1, le=20, description="cow health points")
    skeleton_health: int = Field(3, ge=1, le=20, description="skeleton health points")
    zombie_damage: int = Field(2, ge=0, le=9, description="damage of a zombie hit on an awake player")
    arrow_damage: int = Field(2, ge=0, le=9, description="damage of an arrow")


class CrafterSpec(Spec):
    """One Crafter environment. Defaults reproduce Crafter; EnvGen's fields are accepted as-is."""

    family_name: ClassVar[str] = "crafter"
    target_biome: Biome = Field(Biome.natural, description="grassland | mountain | beaches | natural (all)")
    coal_rarity: Rarity | None = Field(None, description="very common | common | rare")
    iron_rarity: Rarity | None = Field(None, description="very common | common | rare")
    diamond_rarity: Rarity | None = Field(None, description="very common | common | rare")
    tree_rarity: Rarity | None = Field(None, description="very common | common | rare")
    inventory_settings: InventorySettings = Field(default_factory=InventorySettings)
    vitals: Vitals = Field(default_factory=Vitals)
    world: WorldSettings = Field(default_factory=WorldSettings)
    mobs: MobSettings = Field(default_factory=MobSettings)
    day_length: int = Field(300, ge=10, le=100000, description="steps in one day/night cycle")
    daylight_cycle: bool = Field(True, description="false = always day")
    max_steps: int = Field(10000, ge=1, le=100000, description="episode length limit")
    achievement_weights: dict[str, float] = Field(
        default_factory=dict, description="reward for first unlocking an achievement (default 1 each)")
    health_reward: float = Field(0.1, ge=0.0, le=1.0, description="reward per health point gained or lost")
    sapling_prob: float = Field(0.1, ge=0.0, le=1.0, description="chance that 'do' on grass gives a sapling")
    trees_deplete: bool = Field(False, description="a tree turns to grass when wood is collected")

    @model_validator(mode="before")
    @classmethod
    def _accept_envgen_layout(cls, data: Any) -> Any:
        """EnvGen nests biome and rarities under ``environment_settings``; flatten it."""
        if isinstance(data, dict) and isinstance(data.get("environment_settings"), dict):
            data = dict(data)
            nested = data.pop("environment_settings")
            for key, value in nested.items():
                data.setdefault(key, value)
        return data

    @field_validator("achievement_weights")
    @classmethod
    def _check_achievements(cls, weights: dict[str, float]) -> dict[str, float]:
        for name, weight in weights.items():
            if name not in ACHIEVEMENTS:
                close = difflib.get_close_matches(name, ACHIEVEMENTS, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise ValueError(f"unknown achievement {name!r}; {hint}known: {', '.join(ACHIEVEMENTS)}")
            if not -10.0 <= weight <= 10.0:
                raise ValueError(f"{name}: weight {weight} outside allowed range [-10, 10]")
        return weights

    def compile(self, static_params: Any = None):
        """Build the EnvParams pytree of this config."""
        from envgen.envs.crafter.state import EnvParams

        values: dict[str, Any] = dict(BIOMES[self.target_biome.value])
        values.setdefault("start_material", GRASS)
        for res in ("coal", "iron", "diamond", "tree"):
            word = getattr(self, f"{res}_rarity")
            if word is not None:
                values[f"{res}_uniform"] = RARITY_THRESHOLDS[res][word.replace("_", " ")]
        values.update({k: v for k, v in self.world.model_dump().items() if v is not None})
        inv = self.inventory_settings
        values["initial_inventory"] = [getattr(inv, item) for item in INVENTORY_ITEMS]
        values["initial_vitals"] = [self.vitals.health, self.vitals.food, self.vitals.drink, self.vitals.energy]
        values.update(place_table=inv.table, place_furnace=inv.furnace, place_plant=inv.plant)
        values.update(self.mobs.model_dump())
        weights = [self.achievement_weights.get(a, 1.0) for a in ACHIEVEMENTS]
        values.update(achievement_weights=weights, day_length=self.day_length, daylight_cycle=self.daylight_cycle,
                      max_steps=self.max_steps, health_reward=self.health_reward, sapling_prob=self.sapling_prob,
                      trees_deplete=self.trees_deplete)
        defaults = EnvParams()
        # Keep each leaf's default dtype, so every compiled config batches with every other one.
        return defaults.replace(**{
            k: jnp.asarray(v, dtype=getattr(defaults, k).dtype) for k, v in values.items()})
