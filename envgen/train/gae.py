"""Generalised advantage estimation that bootstraps on truncation and not on termination."""

from __future__ import annotations

import jax
import jax.numpy as jnp


def gae(rewards: jax.Array, values: jax.Array, next_values: jax.Array, terminated: jax.Array, dones: jax.Array,
        gamma: float, lam: float) -> tuple[jax.Array, jax.Array]:
    """Advantages and value targets for time-major ``[T, ...]`` arrays.

    ``next_values[t]`` is V of the state reached by step t *before* any auto-reset (the value of
    ``final_observation``), so a truncated step bootstraps from where the episode was cut off; a
    terminated step does not bootstrap; and no advantage flows back across an episode boundary (``dones``
    = terminated or truncated).
    """
    live = 1.0 - terminated.astype(jnp.float32)
    carry_on = 1.0 - dones.astype(jnp.float32)
    deltas = rewards + gamma * next_values * live - values

    def backwards(next_adv, xs):
        delta, cont = xs
        adv = delta + gamma * lam * cont * next_adv
        return adv, adv

    _, advantages = jax.lax.scan(backwards, jnp.zeros_like(deltas[0]), (deltas, carry_on), reverse=True)
    return advantages, advantages + values
