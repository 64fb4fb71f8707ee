"""MiniGrid reward features: progress towards the mission, each in [0, 1]."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from envgen.envs.batching import batch_cond
from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.KEY)
from envgen.rewards.views import minigrid as V  # noqa: N812 (parts of the view: V.goal_part)

_SPAN = 25.0  # the static grid side: distances are scaled by it

FEATURES: tuple[str, ...] = ("target_close", "target_held", "goal_close", "put_close", "doors_open",
                             "doors_unlocked", "key_held", "target_visible")
FEATURE_DOCS: dict[str, str] = {
    "target_close": "1 - d/25 for the Manhattan distance d to the mission object (1 when held, 0 if absent)",
    "target_held": "1 while the agent carries the mission object",
    "goal_close": "1 - d/25 for the distance to the nearest goal tile (0 if none)",
    "put_close": "put_near: 1 - d/25 for the Chebyshev distance between the object and its target",
    "doors_open": "open doors / 4 (at most 1)",
    "doors_unlocked": "1 - locked doors / 4 (at least 0)",
    "key_held": "1 while the agent carries a key",
    "target_visible": "1 while the mission object is within the 7x7 view window (or held)",
}
EVENTS: tuple[str, ...] = ("success", "failure")
EVENT_DOCS: dict[str, str] = {
    "success": "1 on the step the mission is achieved",
    "failure": "1 on a step that ends the episode without success (lava, a wrong pickup or drop)",
}


def _close(dist: jax.Array) -> jax.Array:
    return jnp.clip(1.0 - dist / _SPAN, 0.0, 1.0)


def _target_features(state, params) -> jax.Array:
    target_pos, target_dist, held, visible = V.target_part(state)
    put = _close(V.put_part(state, target_pos, held))
    return jnp.stack([jnp.where(held, 1.0, _close(target_dist)), held.astype(jnp.float32),
                      jnp.where(state.mission[0] == C.M_PUT_NEAR, put, 0.0), visible.astype(jnp.float32)])


def _goal_features(state, params) -> jax.Array:
    return _close(V.goal_part(state)[1])[None]


def _door_features(state, params) -> jax.Array:
    opened, _, locked = V.door_part(state)
    return jnp.stack([jnp.minimum(opened / 4.0, 1.0), jnp.maximum(1.0 - locked / 4.0, 0.0)])


def _key_features(state, params) -> jax.Array:
    return (state.carrying[0] == C.KEY).astype(jnp.float32)[None]


# Features computed together (they share a grid scan), as (function, the FEATURES indices it returns).
_GROUPS = ((_target_features, (0, 1, 3, 7)), (_goal_features, (2,)), (_door_features, (4, 5)),
           (_key_features, (6,)))
_ORDER = np.argsort(np.concatenate([idx for _, idx in _GROUPS]))  # group outputs -> FEATURES order


def features(state, params) -> jax.Array:
    """Potential features of one MiniGrid state (float32[len(FEATURES)], each in [0, 1])."""
    parts = jnp.concatenate([fn(state, params) for fn, _ in _GROUPS])
    return parts[_ORDER].astype(jnp.float32)


def potential(state, params, weights: jax.Array) -> jax.Array:
    """``weights . features(state, params)``, computing only the feature groups with a non-zero weight:
    under ``vmap``, a group no element of the batch weights costs nothing (a task-reward batch pays for
    no grid scan)."""
    phi = jnp.float32(0.0)
    for fn, idx in _GROUPS:
        w = weights[np.array(idx)]

        def part(state, params, w, fn=fn):
            return jnp.dot(w, fn(state, params)).astype(jnp.float32)

        phi = phi + batch_cond(jnp.any(w != 0), part, lambda *_: jnp.float32(0.0), state, params, w)
    return phi


def events(prev, state, info, params) -> jax.Array:
    """One-step events (float32[2]): mission success, and an episode end without it."""
    success = info["success"]
    return jnp.stack([success, info["terminated"] & ~success]).astype(jnp.float32)
