"""MiniGrid reward features: progress towards the mission, each in [0, 1]."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.KEY)
from envgen.rewards.views.minigrid import build_view

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


def features(state, params) -> jax.Array:
    """Potential features of one MiniGrid state (float32[len(FEATURES)], each in [0, 1])."""
    v = build_view(state, params)
    is_put = v.mission_kind == C.M_PUT_NEAR
    return jnp.stack([
        jnp.where(v.target_held, 1.0, _close(v.target_distance)),
        v.target_held.astype(jnp.float32),
        _close(v.goal_distance),
        jnp.where(is_put, _close(v.put_distance), 0.0),
        jnp.minimum(v.doors_open / 4.0, 1.0),
        jnp.maximum(1.0 - v.doors_locked / 4.0, 0.0),
        (v.carrying_type == C.KEY).astype(jnp.float32),
        v.target_visible.astype(jnp.float32),
    ]).astype(jnp.float32)


def events(prev, state, info, params) -> jax.Array:
    """One-step events (float32[2]): mission success, and an episode end without it."""
    success = info["success"]
    return jnp.stack([success, info["terminated"] & ~success]).astype(jnp.float32)
