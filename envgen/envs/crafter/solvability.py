"""Is a Crafter config's goal reachable? Checks the tech tree against generated worlds.

For each of several seeds a level is generated (jit + vmap), the region the player can reach from the
start is flood-filled (walking, and tunnelling through minable rock), and the materials next to it are
counted. A host-side walk of Crafter's tech tree then decides, per goal achievement, whether every
prerequisite can be obtained from the start inventory, pre-placed stations and reachable materials.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from envgen.envs.crafter.constants import (
    ACHIEVEMENTS,
    COAL,
    DIAMOND,
    FURNACE,
    GRASS,
    INVENTORY_ITEMS,
    IRON,
    MINE_TOOL,
    PATH,
    PLACE_COSTS,
    RECIPES,
    SAND,
    STONE,
    TABLE,
    TREE,
    WATER,
)
from envgen.envs.crafter.state import EnvParams, StaticEnvParams
from envgen.envs.crafter.worldgen import generate_level

_COUNTED = {"tree": TREE, "stone": STONE, "coal": COAL, "iron": IRON, "diamond": DIAMOND, "water": WATER,
            "grass": GRASS, "path": PATH, "table": TABLE, "furnace": FURNACE}


def _dilate(mask: jax.Array) -> jax.Array:
    up = jnp.pad(mask[1:], ((0, 1), (0, 0)))
    down = jnp.pad(mask[:-1], ((1, 0), (0, 0)))
    left = jnp.pad(mask[:, 1:], ((0, 0), (0, 1)))
    right = jnp.pad(mask[:, :-1], ((0, 0), (1, 0)))
    return mask | up | down | left | right


def reachable_counts(tiles: jax.Array, start: jax.Array) -> jax.Array:
    """Counts (one per name in ``_COUNTED``) of tiles the player can stand on or face from the start."""
    passable = ((tiles == GRASS) | (tiles == SAND) | (tiles == PATH) | (tiles == STONE) | (tiles == COAL)
                | (tiles == IRON) | (tiles == DIAMOND))
    reach = jnp.zeros(tiles.shape, bool).at[start[0], start[1]].set(True)
    reach = jax.lax.fori_loop(0, 2 * tiles.shape[0], lambda _, r: _dilate(r) & passable, reach)
    near = _dilate(reach)
    return jnp.stack([jnp.sum(near & (tiles == m)) for m in _COUNTED.values()])


@partial(jax.jit, static_argnames=("static", "seeds"))
def _survey(key: jax.Array, params: EnvParams, static: StaticEnvParams, seeds: int):
    def one(k):
        level = generate_level(k, params, static)
        worldgen_cows = level.cows.alive.sum()
        return reachable_counts(level.map, level.player_pos), worldgen_cows

    return jax.vmap(one)(jax.random.split(key, seeds))


@dataclasses.dataclass
class SolvabilityReport:
    """Outcome of :func:`check_goal`: ``ok`` when every goal is reachable in enough seeds."""

    ok: bool
    fraction: float  # share of seeds in which all goals are reachable
    reasons: list[str]  # distinct reasons for failing seeds, most frequent first

    def diagnosis(self) -> str:
        """One paragraph a person or an LLM repair prompt can act on."""
        if self.ok:
            return f"goal reachable in {self.fraction:.0%} of sampled worlds"
        return (f"goal reachable in only {self.fraction:.0%} of sampled worlds; "
                + "; ".join(self.reasons[:5]))


class _TechTree:
    """Crafter's prerequisites evaluated against one world's reachable materials."""

    def __init__(self, counts: dict[str, int], params: EnvParams, worldgen_cows: int):
        self.c = counts
        self.p = params
        self.inv = {item: int(params.initial_inventory[i]) for i, item in enumerate(INVENTORY_ITEMS)}
        self.cows = worldgen_cows

    def has(self, item: str) -> str | None:
        """None if ``item`` can be obtained, else the reason it cannot."""
        if self.inv.get(item, 0) > 0:
            return None
        if item == "wood":
            return None if self.c["tree"] > 0 else "no reachable tree for wood"
        if item == "sapling":
            return None if self.c["grass"] > 0 and float(self.p.sapling_prob) > 0 else "no grass to find saplings"
        if item in MINE_TOOL:
            if self.c[item] == 0:
                return f"no reachable {item}"
            return self.has(MINE_TOOL[item])
        if item in RECIPES:
            return self.craft(item)
        raise KeyError(item)

    def craft(self, tool: str) -> str | None:
        cost, furnace = RECIPES[tool]
        why = self.station("table") or (self.station("furnace") if furnace else None)
        for item in cost:
            why = why or self.has(item)
        return None if why is None else f"cannot make {tool}: {why}"

    def station(self, name: str) -> str | None:
        placed = bool(self.p.place_table if name == "table" else self.p.place_furnace) or self.c[name] > 0
        return None if placed else self._need(PLACE_COSTS[f"place_{name}"][0], name)

    def _need(self, item: str, station: str) -> str | None:
        why = self.has(item)
        return None if why is None else f"cannot place a {station}: {why}"

    def achievement(self, name: str) -> str | None:
        p = self.p
        hostile = not bool(p.peaceful)
        if name.startswith("collect_"):
            item = name[len("collect_"):]
            if item == "drink":
                return None if self.c["water"] > 0 else "no reachable water"
            if item == "sapling":
                return self.has("sapling")
            # collecting means mining a tile, not having the item already
            saved, self.inv = self.inv, {**self.inv, item: 0}
            try:
                return self.has(item)
            finally:
                self.inv = saved
        if name.startswith("make_"):
            return self.craft(name[len("make_"):])
        if name in PLACE_COSTS:
            return self.has(PLACE_COSTS[name][0])
        if name == "eat_plant":
            if int(p.max_steps) < 320 and not bool(p.place_plant):
                return "episode too short for a sapling to ripen (needs > 300 steps)"
            return None if bool(p.place_plant) else self.has("sapling")
        if name == "eat_cow":
            cows = float(p.cow_density) > 0 or int(p.spawn_cows) > 0 or self.cows > 0
            return None if cows else "no cows: cow_density is 0 and none are spawned"
        if name == "defeat_zombie":
            ok = hostile and (float(p.zombie_density) > 0 or int(p.spawn_zombies) > 0)
            return None if ok else "no zombies (peaceful or zombie_density 0)"
        if name == "defeat_skeleton":
            ok = hostile and (int(p.spawn_skeletons) > 0 or (float(p.skeleton_density) > 0 and self.c["path"] >= 6))
            return None if ok else "no skeletons (peaceful, density 0, or no cave paths)"
        if name == "wake_up":
            ok = int(p.max_steps) > 120 or int(p.initial_vitals[3]) < 9
            return None if ok else "episode too short to get tired and sleep"
        raise KeyError(name)


def check_goal(params: EnvParams, goals: Sequence[str], seeds: int = 8, key: jax.Array | None = None,
               static: StaticEnvParams | None = None, min_fraction: float = 0.75) -> SolvabilityReport:
    """Check that every achievement in ``goals`` is obtainable in at least ``min_fraction`` of
    ``seeds`` generated worlds of this (unbatched) config."""
    unknown = [g for g in goals if g not in ACHIEVEMENTS]
    if unknown:
        raise ValueError(f"unknown achievements {unknown}; known: {', '.join(ACHIEVEMENTS)}")
    static = static or StaticEnvParams()
    key = jax.random.key(0) if key is None else key
    counts, cows = jax.device_get(_survey(key, params, static, seeds))
    return _judge(counts, cows, jax.device_get(params), goals, min_fraction)


def _judge(counts: np.ndarray, cows: np.ndarray, host_params: EnvParams, goals: Sequence[str],
           min_fraction: float = 0.75) -> SolvabilityReport:
    """The tech-tree walk over each surveyed world (``counts[seed, material]``, ``cows[seed]``)."""
    seeds = len(counts)
    reasons: Counter[str] = Counter()
    good = 0
    for s in range(seeds):
        tree = _TechTree({n: int(counts[s, i]) for i, n in enumerate(_COUNTED)}, host_params, int(cows[s]))
        fails = [f"{g}: {why}" for g in goals if (why := tree.achievement(g)) is not None]
        good += not fails
        reasons.update(fails)
    fraction = good / seeds
    ranked = [f"{r} (in {n}/{seeds} worlds)" for r, n in reasons.most_common()]
    return SolvabilityReport(ok=fraction >= min_fraction, fraction=fraction, reasons=ranked)


# -- the generator's survey (envgen.registry: a family's ``solvability`` module) --------------------


def survey_measure(levels, params: EnvParams) -> dict:
    """What the solvability survey keeps of a batch of generated levels (inside its jit)."""
    del params
    return {"counts": jax.vmap(reachable_counts)(levels.map, levels.player_pos),
            "cows": levels.cows.alive.sum(axis=-1)}


def survey_report(row: dict, params: EnvParams, targets: list[str], seeds: int) -> dict:
    """One config's report from its survey row: every target achievable in enough worlds."""
    if not targets:
        return {"ok": False, "fraction": 0.0, "seeds": seeds, "targets": [], "diagnosis": "no valid targets to check"}
    rep = _judge(np.asarray(row["counts"]), np.asarray(row["cows"]), jax.device_get(params), targets)
    return {"ok": bool(rep.ok), "fraction": float(rep.fraction), "seeds": seeds, "targets": list(targets),
            "diagnosis": rep.diagnosis()}

