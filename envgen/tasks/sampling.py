"""Task batches from a parameter space: domain randomisation, the default source of fresh tasks."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from envgen.tasks.space import ParamSpace
from envgen.tasks.task import Task


def tasks_from_vectors(env: Any, space: ParamSpace, key: jax.Array, u: jax.Array, reward: Any = None) -> Task:
    """Tasks for vectors ``u`` (shape [n, ndim]) of ``space``, each with a freshly generated level.

    ``reward`` is one :class:`RewardTerms` shared by all (default: the environment's own reward).
    Jittable with ``env`` and ``space`` closed over.
    """
    n = u.shape[0]
    params = jax.vmap(space.to_params)(u)
    reward = env.default_reward() if reward is None else reward
    rewards = jax.tree.map(lambda x: jnp.broadcast_to(x, (n, *jnp.shape(x))), reward)
    return env.make_tasks(jax.random.split(key, n), params, rewards)


def random_tasks(env: Any, space: ParamSpace, key: jax.Array, n: int, low: Any = 0.0, high: Any = 1.0,
                 reward: Any = None) -> Task:
    """Domain randomisation: ``n`` tasks uniform over the box ``[low, high]`` of ``space``'s unit cube."""
    k_u, k_level = jax.random.split(key)
    return tasks_from_vectors(env, space, k_level, space.sample(k_u, (n,), low, high), reward)
