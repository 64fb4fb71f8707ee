"""A tiny StateView family for the sandbox tests (the real ones live in envgen/rewards/views/)."""

from __future__ import annotations

from typing import ClassVar

import jax
import jax.numpy as jnp
from flax import struct

N_ITEMS = 5


@struct.dataclass
class Stats:
    steps: jax.Array  # int32 ()
    food: jax.Array  # float32 ()


@struct.dataclass
class StateView:
    health: jax.Array  # float32 (), 0..9
    pos: jax.Array  # int32 (2,)
    inventory: jax.Array  # int32 (N_ITEMS,)
    goal_dist: jax.Array  # float32 (), >= 0
    done: jax.Array  # bool ()
    stats: Stats
    HELPERS: ClassVar[tuple[str, ...]] = ("has", "dist_to")

    def has(self, item) -> jax.Array:
        """True when the inventory holds at least one of ``item``."""
        return self.inventory[item] > 0

    def dist_to(self, x, y) -> jax.Array:
        """Manhattan distance from the position to (x, y)."""
        return jnp.abs(self.pos[0] - x) + jnp.abs(self.pos[1] - y)


def _views(u: jax.Array) -> StateView:
    # One uniform draw per view, cut into fields: cheap to compile, which every validation child pays.
    return StateView(
        health=u[:, 0] * 9.0,
        pos=(u[:, 1:3] * 16).astype(jnp.int32),
        inventory=(u[:, 3 : 3 + N_ITEMS] * 4).astype(jnp.int32),
        goal_dist=u[:, 8] * 20.0,
        done=u[:, 9] < 0.1,
        stats=Stats(steps=(u[:, 10] * 100).astype(jnp.int32), food=u[:, 11]),
    )


def sample_views(key: jax.Array, n: int) -> tuple[StateView, StateView, jax.Array]:
    """``n`` random (prev, state, action) triples, batched on the leading axis."""
    u = jax.random.uniform(key, (n, 25))
    return _views(u[:, :12]), _views(u[:, 12:24]), (u[:, 24] * 6).astype(jnp.int32)
