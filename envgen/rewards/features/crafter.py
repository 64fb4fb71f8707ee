"""Crafter reward features: inventory, vitals and what lies close to the player, each in [0, 1].

Distances look only at the 9x9 area around the player (the agent's view is 9x7): a full-map scan per
material costs more than the step itself under ``vmap``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from envgen.envs.crafter.constants import (
    ACHIEVEMENTS,
    COAL,
    DIAMOND,
    FURNACE,
    INVENTORY_ITEMS,
    IRON,
    MAX_ITEM,
    RIPE_PLANT,
    STONE,
    TABLE,
    TREE,
    WATER,
)
from envgen.envs.crafter.step import nearby_tiles

WINDOW = 9  # side of the area searched for nearby materials and creatures
_CLOSE_MATERIALS = {"tree": TREE, "stone": STONE, "coal": COAL, "iron": IRON, "diamond": DIAMOND,
                    "water": WATER, "table": TABLE, "furnace": FURNACE, "ripe_plant": RIPE_PLANT}
_CLOSE_MOBS = ("cow", "zombie", "skeleton")

FEATURES: tuple[str, ...] = (
    *INVENTORY_ITEMS, "health", "food", "drink", "energy", "near_table", "near_furnace",
    *(f"close_{m}" for m in _CLOSE_MATERIALS), *(f"close_{m}" for m in _CLOSE_MOBS),
)
FEATURE_DOCS: dict[str, str] = {
    **{item: f"{item.replace('_', ' ')} in the inventory / 9" for item in INVENTORY_ITEMS},
    **{v: f"{v} / 9" for v in ("health", "food", "drink", "energy")},
    "near_table": "1 if a table is in the 3x3 area around the player (crafting possible)",
    "near_furnace": "1 if a furnace is in the 3x3 area around the player",
    **{f"close_{m}": f"1 - d/9 for the nearest {m.replace('_', ' ')} within the 9x9 area (0 if none)"
       for m in (*_CLOSE_MATERIALS, *_CLOSE_MOBS)},
}
EVENTS: tuple[str, ...] = (*(f"unlock_{a}" for a in ACHIEVEMENTS), "damage")
EVENT_DOCS: dict[str, str] = {
    **{f"unlock_{a}": f"1 on the step '{a}' is first unlocked this episode" for a in ACHIEVEMENTS},
    "damage": "health points lost this step / 9 (0 when health rises)",
}


def _closeness(dist: jax.Array, present: jax.Array) -> jax.Array:
    return jnp.where(present, 1.0 - dist / WINDOW, 0.0)


def features(state, params=None) -> jax.Array:
    """Potential features of one Crafter state (float32[len(FEATURES)], each in [0, 1])."""
    n = state.map.shape[0]
    pos = state.player_pos
    origin = jnp.clip(pos - WINDOW // 2, 0, n - WINDOW)
    area = jax.lax.dynamic_slice(state.map, (origin[0], origin[1]), (WINDOW, WINDOW))
    offs = jnp.arange(WINDOW)
    dx = jnp.abs(origin[0] + offs - pos[0])[:, None]
    dy = jnp.abs(origin[1] + offs - pos[1])[None, :]
    dist = (dx + dy).astype(jnp.float32)
    close = [jnp.min(jnp.where(area == mat, dist, WINDOW)) for mat in _CLOSE_MATERIALS.values()]
    close = [_closeness(d, d < WINDOW) for d in close]
    for mobs in (state.cows, state.zombies, state.skeletons):
        d = jnp.abs(mobs.pos - pos).sum(-1).astype(jnp.float32)
        d = jnp.min(jnp.where(mobs.alive, d, WINDOW))
        close.append(_closeness(d, d < WINDOW))
    around = nearby_tiles(state.map, pos)
    inv = jnp.minimum(state.inventory, MAX_ITEM).astype(jnp.float32) / MAX_ITEM
    vitals = jnp.clip(state.vitals, 0, 9).astype(jnp.float32) / 9.0
    near = jnp.stack([jnp.any(around == TABLE), jnp.any(around == FURNACE)]).astype(jnp.float32)
    return jnp.concatenate([inv, vitals, near, jnp.stack(close)]).astype(jnp.float32)


def events(prev, state, info, params=None) -> jax.Array:
    """One-step events (float32[len(EVENTS)]): achievements unlocked on this step, damage taken."""
    unlocked = (state.achievements & ~prev.achievements).astype(jnp.float32)
    damage = jnp.maximum(prev.vitals[0] - state.vitals[0], 0).astype(jnp.float32) / 9.0
    return jnp.concatenate([unlocked, damage[None]])
