"""Rewards as data: weights over documented features, held in each task's pytree.

A dense reward is

    r = task_weight * r_task + bonus . events(s, s') + gamma * Phi(s') * (1 - terminated) - Phi(s)
        [+ a bank program, for the rare reward that needs code]

with ``Phi(s) = potential . features(s)``. Features lie in [0, 1] and potential weights are
non-negative with a bounded sum, so the shaping part is potential-based (Ng et al., 1999): over any
episode it adds at most ``sum(potential)`` and a policy that loops gains nothing by looping (with
``gamma < 1`` it loses). ``gamma`` should be the learner's discount: in that learner's discounted return
shaping adds exactly ``gamma**T * Phi(s_T) - Phi(s_0)``, within ``+-sum(potential)``, while standing
still costs ``(1 - gamma) * Phi(s)`` per step undiscounted; configs keep it in [MIN_GAMMA, MAX_GAMMA] so
that cost stays a small fraction of the potential (gamma 0 would make it all of it, every step).
Events (achievements, mission success) pay once per occurrence. Because the weights
are leaves of the task pytree, any mix of rewards batches at the cost of one reward function.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from flax import struct

from envgen.envs.batching import batch_cond

MAX_POTENTIAL = 1.0  # bound on sum(potential): the most shaping can pay over a whole episode
# Range of a config's shaping discount: learners' discounts, where standing still costs at most
# (1 - MIN_GAMMA) of the potential per step instead of all of it.
MIN_GAMMA = 0.9
MAX_GAMMA = 1.0
DEFAULT_CLIP = 10.0  # bound on |reward| of one step after sanitising generated rewards


@struct.dataclass
class RewardTerms:
    """One task's reward specification (a pytree; batch it with a leading axis)."""

    task_weight: jax.Array  # float32: weight of the environment's own (sparse) reward
    potential: jax.Array  # float32[F]: weights of Phi over the family's FEATURES (>= 0)
    bonus: jax.Array  # float32[E]: one-time payments for the family's EVENTS
    gamma: jax.Array  # float32: discount used by the shaping term (match the learner's)
    program: jax.Array  # int32: id of a bank program added on top, -1 for none
    clip: jax.Array  # float32: |reward| bound applied after sanitising

    @classmethod
    def task_only(cls, num_features: int, num_events: int, gamma: float = 0.99) -> RewardTerms:
        """The environment's own reward and nothing else."""
        return cls(task_weight=jnp.float32(1.0), potential=jnp.zeros((num_features,), jnp.float32),
                   bonus=jnp.zeros((num_events,), jnp.float32), gamma=jnp.float32(gamma),
                   program=jnp.int32(-1), clip=jnp.float32(DEFAULT_CLIP))


def task_only(family: str, gamma: float = 0.99) -> RewardTerms:
    """Task-reward-only terms sized for ``family``'s features and events."""
    from envgen.rewards.features import feature_module

    mod = feature_module(family)
    return RewardTerms.task_only(len(mod.FEATURES), len(mod.EVENTS), gamma)


def potential(terms: RewardTerms, features: jax.Array) -> jax.Array:
    """Phi(s) for one state's feature vector."""
    return jnp.dot(terms.potential, features).astype(jnp.float32)


def state_potential(features_module: Any, terms: RewardTerms, state: Any, params: Any) -> jax.Array:
    """Phi of a family state under ``terms``, computing only what the weights use.

    ``features_module`` is the family's feature module: its ``potential(state, params, weights)`` when it
    has one (feature groups nobody weights are skipped), otherwise every feature, skipped altogether
    when no element of a ``vmap`` batch has a non-zero weight (a task-reward batch). Equal to
    ``potential(terms, features_module.features(state, params))``.
    """
    fn = getattr(features_module, "potential", None)
    if fn is not None:
        return jnp.asarray(fn(state, params, terms.potential), jnp.float32)

    def full(state, params, weights):
        return jnp.dot(weights, features_module.features(state, params)).astype(jnp.float32)

    return batch_cond(jnp.any(terms.potential != 0), full, lambda *_: jnp.float32(0.0), state, params, terms.potential)


def sanitize(reward: jax.Array, bound: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Non-finite -> 0, then clip to [-bound, bound]; also returns whether anything was changed."""
    finite = jnp.isfinite(reward)
    safe = jnp.where(finite, reward, 0.0)
    clipped = jnp.clip(safe, -bound, bound)
    return clipped.astype(jnp.float32), (~finite) | (clipped != safe)


def dense_reward(terms: RewardTerms, task_reward: jax.Array, phi_prev: jax.Array, phi_next: jax.Array,
                 events: jax.Array, terminated: jax.Array, program_reward: jax.Array | None = None):
    """The dense reward of one transition, sanitised: ``(reward, shaping, sanitised)``.

    ``shaping`` is the potential-based part alone (for logging); ``sanitised`` is True when a
    non-finite or out-of-bound value had to be replaced.
    """
    shaping = terms.gamma * phi_next * (1.0 - terminated.astype(jnp.float32)) - phi_prev
    raw = terms.task_weight * task_reward + jnp.dot(terms.bonus, events) + shaping
    if program_reward is not None:
        program_reward, bad = sanitize(program_reward, terms.clip)
        raw = raw + jnp.where(terms.program >= 0, program_reward, 0.0)
    else:
        bad = jnp.zeros((), bool)
    reward, clipped = sanitize(raw, terms.clip)
    return reward, shaping.astype(jnp.float32), bad | clipped
