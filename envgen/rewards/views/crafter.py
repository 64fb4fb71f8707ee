"""The read-only StateView that Crafter reward programs are written against.

A generated program is ``def reward(prev, state, action):`` where ``prev`` and ``state`` are views of
the state before and after the step. Every field is a float32 scalar, so any arithmetic between
fields is well typed. Fields a program does not read cost nothing: XLA removes them under ``jit``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import struct

from envgen.envs.crafter.constants import (
    ACHIEVEMENTS,
    COAL,
    DIAMOND,
    FURNACE,
    GRASS,
    INVENTORY_ITEMS,
    IRON,
    LAVA,
    PLANT,
    RIPE_PLANT,
    STONE,
    TABLE,
    TREE,
    WATER,
)
from envgen.envs.crafter.step import DIRS, nearby_tiles, tile_at

NO_TARGET = 99.0  # distance reported when nothing of that kind exists
_DIST_MATERIALS = {"tree": TREE, "stone": STONE, "coal": COAL, "iron": IRON, "diamond": DIAMOND,
                   "water": WATER, "lava": LAVA, "table": TABLE, "furnace": FURNACE, "grass": GRASS,
                   "plant": PLANT}
_FACING = {"tree": TREE, "stone": STONE, "coal": COAL, "iron": IRON, "diamond": DIAMOND, "water": WATER,
           "lava": LAVA, "table": TABLE, "furnace": FURNACE, "grass": GRASS, "plant": PLANT}


def _field_names() -> list[str]:
    return (list(INVENTORY_ITEMS) + ["health", "food", "drink", "energy"] + list(ACHIEVEMENTS)
            + ["achievement_count", "x", "y", "sleeping", "daylight", "time"]
            + [f"dist_{m}" for m in _DIST_MATERIALS] + ["dist_cow", "dist_zombie", "dist_skeleton"]
            + [f"facing_{m}" for m in _FACING] + ["facing_cow", "facing_zombie", "facing_skeleton",
                                                  "near_table", "near_furnace"])


FIELD_DOCS: dict[str, str] = {
    **{item: f"count of {item.replace('_', ' ')} in the inventory (0-9)" for item in INVENTORY_ITEMS},
    "health": "health points (0-9; 0 = dead)", "food": "food level (0-9)", "drink": "drink level (0-9)",
    "energy": "energy level (0-9)",
    **{a: f"1.0 once '{a}' has been unlocked this episode, else 0.0" for a in ACHIEVEMENTS},
    "achievement_count": "number of achievements unlocked this episode (0-22)",
    "x": "player column (0-63)", "y": "player row (0-63)", "sleeping": "1.0 while asleep",
    "daylight": "daylight level (0 = night, 1 = day)", "time": "steps taken this episode",
    **{f"dist_{m}": f"Manhattan distance to the nearest {m} tile ({NO_TARGET:g} if none)" for m in _DIST_MATERIALS},
    **{f"dist_{m}": f"Manhattan distance to the nearest {m} ({NO_TARGET:g} if none)"
       for m in ("cow", "zombie", "skeleton")},
    **{f"facing_{m}": f"1.0 if the tile the player faces is {m}" for m in _FACING},
    **{f"facing_{m}": f"1.0 if the player faces a {m}" for m in ("cow", "zombie", "skeleton")},
    "near_table": "1.0 if a table is within the 3x3 area around the player (crafting possible)",
    "near_furnace": "1.0 if a furnace is within the 3x3 area around the player",
}

StateView = struct.dataclass(type("StateView", (), {
    "__annotations__": {name: jax.Array for name in _field_names()},
    "__doc__": "Read-only view of a Crafter state for reward programs; every field is a float32 scalar.",
    "__module__": __name__,
}))


def _is(tiles: jax.Array, mat: int) -> jax.Array:
    """Tiles of material ``mat``; a plant is a plant whether ripe or not."""
    return (tiles == mat) | ((tiles == RIPE_PLANT) if mat == PLANT else False)


def build_view(state, params=None) -> StateView:
    """The view of one (unbatched) Crafter ``EnvState``; vmap it for batches."""
    f = lambda x: jnp.asarray(x, jnp.float32)
    n = state.map.shape[0]
    xs, ys = jnp.meshgrid(jnp.arange(n), jnp.arange(n), indexing="ij")
    l1 = (jnp.abs(xs - state.player_pos[0]) + jnp.abs(ys - state.player_pos[1])).astype(jnp.float32)
    values = {item: f(state.inventory[i]) for i, item in enumerate(INVENTORY_ITEMS)}
    values.update(health=f(state.vitals[0]), food=f(state.vitals[1]), drink=f(state.vitals[2]),
                  energy=f(state.vitals[3]))
    values.update({a: f(state.achievements[i]) for i, a in enumerate(ACHIEVEMENTS)})
    values.update(achievement_count=f(state.achievements.sum()), x=f(state.player_pos[0]),
                  y=f(state.player_pos[1]), sleeping=f(state.sleeping), daylight=f(state.light),
                  time=f(state.time))
    for name, mat in _DIST_MATERIALS.items():
        values[f"dist_{name}"] = jnp.min(jnp.where(_is(state.map, mat), l1, NO_TARGET))
    target = state.player_pos + DIRS[state.player_dir]
    facing = tile_at(state.map, target)
    for name, mobs in (("cow", state.cows), ("zombie", state.zombies), ("skeleton", state.skeletons)):
        d = jnp.abs(mobs.pos - state.player_pos).sum(-1).astype(jnp.float32)
        values[f"dist_{name}"] = jnp.min(jnp.where(mobs.alive, d, NO_TARGET))
        values[f"facing_{name}"] = f((mobs.alive & jnp.all(mobs.pos == target, axis=-1)).any())
    for name, mat in _FACING.items():
        values[f"facing_{name}"] = f(_is(facing, mat))
    area = nearby_tiles(state.map, state.player_pos)
    values.update(near_table=f(jnp.any(area == TABLE)), near_furnace=f(jnp.any(area == FURNACE)))
    return StateView(**values)


def sample_views(key: jax.Array, n: int):
    """``n`` plausible (prev, state, action) triples for the sandbox's smoke rollout.

    Sampled field by field over each field's range (no simulator needed, so validation stays fast);
    ``state`` differs from ``prev`` by small steps, as consecutive states do.
    """
    names = _field_names()
    k_prev, k_delta, k_action, k_mask = jax.random.split(key, 4)
    hi = jnp.asarray([_upper(name) for name in names], jnp.float32)
    binary = jnp.asarray([_upper(name) == 1.0 and name not in _CONTINUOUS for name in names])
    u = jax.random.uniform(k_prev, (n, len(names)))
    continuous = jnp.asarray([name in _CONTINUOUS for name in names])
    prev = jnp.where(binary, (u > 0.5).astype(jnp.float32), jnp.floor(u * (hi + 1.0)).clip(0, hi))
    prev = jnp.where(continuous, u * hi, prev)
    delta = jax.random.randint(k_delta, (n, len(names)), -1, 2).astype(jnp.float32)
    change = jax.random.bernoulli(k_mask, 0.3, (n, len(names)))
    state = jnp.where(change, jnp.clip(prev + jnp.where(continuous, 0.05 * delta, delta), 0.0, hi), prev)
    state = jnp.where(binary, jnp.maximum(state, prev * (prev > 0)), state)  # unlocks never revert

    def to_view(arr):
        return StateView(**{name: arr[:, i] for i, name in enumerate(names)})

    return to_view(prev), to_view(state), jax.random.randint(k_action, (n,), 0, 17)


_CONTINUOUS = ("daylight",)  # real values, not counts: sampled uniformly, not on integers
MAX_TIME = 100_000.0  # the largest max_steps a config may set


def _upper(name: str) -> float:
    if name in ACHIEVEMENTS or name.startswith(("facing_", "near_")) or name == "sleeping":
        return 1.0
    if name.startswith("dist_"):
        return NO_TARGET
    return {"achievement_count": 22.0, "x": 63.0, "y": 63.0, "daylight": 1.0, "time": MAX_TIME}.get(name, 9.0)
