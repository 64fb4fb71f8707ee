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


def _views(key: jax.Array, n: int) -> StateView:
    k = jax.random.split(key, 6)
    return StateView(
        health=jax.random.uniform(k[0], (n,), minval=0.0, maxval=9.0),
        pos=jax.random.randint(k[1], (n, 2), 0, 16),
        inventory=jax.random.randint(k[2], (n, N_ITEMS), 0, 4),
        goal_dist=jax.random.uniform(k[3], (n,), minval=0.0, maxval=20.0),
        done=jax.random.bernoulli(k[4], 0.1, (n,)),
        stats=Stats(steps=jax.random.randint(k[5], (n,), 0, 100), food=jax.random.uniform(k[5], (n,))),
    )


def sample_views(key: jax.Array, n: int) -> tuple[StateView, StateView, jax.Array]:
    """``n`` random (prev, state, action) triples, batched on the leading axis."""
    kp, ks, ka = jax.random.split(key, 3)
    return _views(kp, n), _views(ks, n), jax.random.randint(ka, (n,), 0, 6)
