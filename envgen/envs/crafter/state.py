"""Crafter state, level and params as flax.struct pytrees.

``EnvParams`` holds every per-config knob as an array leaf (vmappable, never static);
``StaticEnvParams`` holds only shapes and capacities and is the same for every config by default.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from envgen.envs.crafter.constants import CHUNK, GRASS, NUM_ACHIEVEMENTS


@struct.dataclass
class StaticEnvParams:
    """Shapes shared by every config of a batch (compile-time constants)."""

    map_size: int = 64
    view_width: int = 9  # local view columns, as in Crafter
    view_height: int = 7  # local view rows (Crafter's 9x9 grid minus two inventory rows)
    max_zombies: int = 8
    max_cows: int = 6
    max_skeletons: int = 6
    max_arrows: int = 6
    max_plants: int = 32  # placing a sapling fails while all plant slots are in use
    tile_pixels: int = 7  # pixel observation: pixels per tile


@struct.dataclass
class Mobs:
    """A fixed-capacity population: slot i is used when ``alive[i]``."""

    pos: jax.Array  # (N, 2) int32, (x, y)
    health: jax.Array  # (N,) int32
    alive: jax.Array  # (N,) bool
    cooldown: jax.Array  # (N,) int32: zombie attack cooldown / skeleton reload
    born: jax.Array  # (N,) int32 creation order: a kind's members update oldest first, as in Crafter

    @classmethod
    def empty(cls, n: int) -> Mobs:
        return cls(jnp.zeros((n, 2), jnp.int32), jnp.zeros((n,), jnp.int32), jnp.zeros((n,), bool),
                   jnp.zeros((n,), jnp.int32), jnp.zeros((n,), jnp.int32))


@struct.dataclass
class Arrows:
    pos: jax.Array  # (N, 2) int32
    direction: jax.Array  # (N, 2) int32
    alive: jax.Array  # (N,) bool
    born: jax.Array  # (N,) int32 creation order (arrows update oldest first)

    @classmethod
    def empty(cls, n: int) -> Arrows:
        return cls(jnp.zeros((n, 2), jnp.int32), jnp.zeros((n, 2), jnp.int32), jnp.zeros((n,), bool),
                   jnp.zeros((n,), jnp.int32))


@struct.dataclass
class Plants:
    """Saplings as Crafter's plant objects, in fixed-capacity slots (the map shows them as tiles)."""

    pos: jax.Array  # (P, 2) int32
    grown: jax.Array  # (P,) int32 steps grown near the player, saturating at PLANT_RIPE_AGE + 1
    alive: jax.Array  # (P,) bool
    damaged: jax.Array  # (P,) bool: hit by an arrow (health 0), removed at the plant's next update

    @classmethod
    def empty(cls, n: int) -> Plants:
        return cls(jnp.zeros((n, 2), jnp.int32), jnp.zeros((n,), jnp.int32), jnp.zeros((n,), bool),
                   jnp.zeros((n,), bool))


def num_chunks(static: StaticEnvParams) -> int:
    """Chunks per map side (the last one may be partial, as in Crafter)."""
    return -(-static.map_size // CHUNK)


@struct.dataclass
class Level:
    """What auto-reset restores: the generated world and the start-of-episode player state."""

    map: jax.Array  # (W, H) uint8 material ids, indexed [x, y]
    player_pos: jax.Array  # (2,) int32
    zombies: Mobs
    cows: Mobs
    skeletons: Mobs
    plants: Plants
    chunks_seen: jax.Array  # (C, C) bool: chunks that ever held an object (only these are balanced)


@struct.dataclass
class EnvState:
    """Full dynamic state of one Crafter episode."""

    map: jax.Array  # ripe plants are RIPE_PLANT tiles
    player_pos: jax.Array
    player_dir: jax.Array  # int32 index into DIRECTIONS
    vitals: jax.Array  # (4,) int32 health, food, drink, energy
    inventory: jax.Array  # (12,) int32
    hunger: jax.Array  # float32 counters, as in Crafter
    thirst: jax.Array
    fatigue: jax.Array
    recover: jax.Array
    sleeping: jax.Array  # bool
    last_health: jax.Array  # health at the end of the player's previous update (wakes a hurt sleeper)
    achievements: jax.Array  # (22,) bool unlocked this episode
    zombies: Mobs
    cows: Mobs
    skeletons: Mobs
    arrows: Arrows
    plants: Plants
    chunks_seen: jax.Array  # (C, C) bool
    light: jax.Array  # float32 daylight in [0, 1]
    time: jax.Array  # int32 steps taken this episode
    level: Level


def _f(x: float) -> jax.Array:
    return jnp.asarray(x, jnp.float32)


def _i(x: int) -> jax.Array:
    return jnp.asarray(x, jnp.int32)


def _b(x: bool) -> jax.Array:
    return jnp.asarray(x, bool)


@struct.dataclass
class EnvParams:
    """Every knob of one Crafter config. Defaults reproduce Crafter (see docs/crafter.md).

    All fields are arrays so a batch of different configs is one pytree with a leading axis.
    """

    # episode and reward
    max_steps: jax.Array = struct.field(default_factory=lambda: _i(10000))
    achievement_weights: jax.Array = struct.field(
        default_factory=lambda: jnp.ones((NUM_ACHIEVEMENTS,), jnp.float32))
    health_reward: jax.Array = struct.field(default_factory=lambda: _f(0.1))
    # time of day
    day_length: jax.Array = struct.field(default_factory=lambda: _i(300))
    daylight_cycle: jax.Array = struct.field(default_factory=lambda: _b(True))
    # start state
    initial_inventory: jax.Array = struct.field(default_factory=lambda: jnp.zeros((12,), jnp.int32))
    initial_vitals: jax.Array = struct.field(default_factory=lambda: jnp.full((4,), 9, jnp.int32))
    place_table: jax.Array = struct.field(default_factory=lambda: _b(False))
    place_furnace: jax.Array = struct.field(default_factory=lambda: _b(False))
    place_plant: jax.Array = struct.field(default_factory=lambda: _b(False))
    spawn_cows: jax.Array = struct.field(default_factory=lambda: _i(0))
    spawn_zombies: jax.Array = struct.field(default_factory=lambda: _i(0))
    spawn_skeletons: jax.Array = struct.field(default_factory=lambda: _i(0))
    # world generation (noise thresholds of Crafter's worldgen; biome presets move these)
    start_threshold: jax.Array = struct.field(default_factory=lambda: _f(0.5))
    start_material: jax.Array = struct.field(default_factory=lambda: _i(GRASS))
    water_gain: jax.Array = struct.field(default_factory=lambda: _f(1.0))
    mountain_gain: jax.Array = struct.field(default_factory=lambda: _f(1.0))
    mountain_abs: jax.Array = struct.field(default_factory=lambda: _b(False))
    mountain_threshold: jax.Array = struct.field(default_factory=lambda: _f(0.15))
    cave_threshold: jax.Array = struct.field(default_factory=lambda: _f(0.15))
    cave_min_mountain: jax.Array = struct.field(default_factory=lambda: _f(0.3))
    tunnel_threshold: jax.Array = struct.field(default_factory=lambda: _f(0.4))
    coal_noise: jax.Array = struct.field(default_factory=lambda: _f(0.0))
    coal_uniform: jax.Array = struct.field(default_factory=lambda: _f(0.85))
    iron_noise: jax.Array = struct.field(default_factory=lambda: _f(0.4))
    iron_uniform: jax.Array = struct.field(default_factory=lambda: _f(0.75))
    diamond_min_mountain: jax.Array = struct.field(default_factory=lambda: _f(0.18))
    diamond_uniform: jax.Array = struct.field(default_factory=lambda: _f(0.994))
    lava_min_mountain: jax.Array = struct.field(default_factory=lambda: _f(0.3))
    lava_noise: jax.Array = struct.field(default_factory=lambda: _f(0.35))
    sand_water_low: jax.Array = struct.field(default_factory=lambda: _f(0.25))
    sand_water_high: jax.Array = struct.field(default_factory=lambda: _f(0.35))
    sand_noise: jax.Array = struct.field(default_factory=lambda: _f(-0.2))
    water_threshold: jax.Array = struct.field(default_factory=lambda: _f(0.3))
    tree_noise: jax.Array = struct.field(default_factory=lambda: _f(0.0))
    tree_uniform: jax.Array = struct.field(default_factory=lambda: _f(0.8))
    # mobs at world generation
    cow_uniform: jax.Array = struct.field(default_factory=lambda: _f(0.985))
    zombie_uniform: jax.Array = struct.field(default_factory=lambda: _f(0.993))
    skeleton_uniform: jax.Array = struct.field(default_factory=lambda: _f(0.95))
    # mob balancing (per 12x12 chunk every 10 steps) and stats
    peaceful: jax.Array = struct.field(default_factory=lambda: _b(False))
    zombie_density: jax.Array = struct.field(default_factory=lambda: _f(1.0))
    skeleton_density: jax.Array = struct.field(default_factory=lambda: _f(1.0))
    cow_density: jax.Array = struct.field(default_factory=lambda: _f(1.0))
    zombie_spawn_prob: jax.Array = struct.field(default_factory=lambda: _f(0.3))
    zombie_despawn_prob: jax.Array = struct.field(default_factory=lambda: _f(0.4))
    skeleton_spawn_prob: jax.Array = struct.field(default_factory=lambda: _f(0.1))
    skeleton_despawn_prob: jax.Array = struct.field(default_factory=lambda: _f(0.1))
    cow_spawn_prob: jax.Array = struct.field(default_factory=lambda: _f(0.01))
    cow_despawn_prob: jax.Array = struct.field(default_factory=lambda: _f(0.1))
    zombie_health: jax.Array = struct.field(default_factory=lambda: _i(5))
    cow_health: jax.Array = struct.field(default_factory=lambda: _i(3))
    skeleton_health: jax.Array = struct.field(default_factory=lambda: _i(3))
    zombie_damage: jax.Array = struct.field(default_factory=lambda: _i(2))
    zombie_sleep_damage: jax.Array = struct.field(default_factory=lambda: _i(7))
    arrow_damage: jax.Array = struct.field(default_factory=lambda: _i(2))
    # resources
    sapling_prob: jax.Array = struct.field(default_factory=lambda: _f(0.1))
    trees_deplete: jax.Array = struct.field(default_factory=lambda: _b(False))


def stack_params(params: list[EnvParams]) -> EnvParams:
    """Stack single configs into one batched EnvParams (leading axis = env index)."""
    return jax.tree.map(lambda *xs: jnp.stack(xs), *params)


def tree_bytes(tree) -> int:
    """Bytes held by the array leaves of a pytree."""
    return int(sum(np.asarray(x).nbytes for x in jax.tree.leaves(tree)))
