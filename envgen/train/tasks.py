"""Batches of tasks for the student: the task-source hook between chunks and fresh levels per chunk.

A batch of tasks is the env's params pytree with a leading axis, one entry per env slot. A task source is
any ``sample_tasks(key, n) -> tasks``; teachers (domain randomisation, PLR, an LLM) plug in there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

TaskSource = Callable[[jax.Array, int], Any]


def repeat_tasks(params: Any, n: int, batched: bool = False) -> Any:
    """``n`` copies of one task stacked on a new leading axis, or (``batched``) a batch cycled to ``n``."""
    if not jax.tree.leaves(params):
        raise ValueError("params has no array leaves")
    if not batched:
        return jax.tree.map(lambda x: jnp.broadcast_to(jnp.asarray(x), (n, *jnp.shape(x))), params)
    size = jax.tree.leaves(params)[0].shape[0]
    return jax.tree.map(lambda x: jnp.asarray(x)[jnp.arange(n) % size], params)


def fixed_tasks(params: Any, batched: bool = False) -> TaskSource:
    """The default task source: the target task(s), repeated over the env slots."""

    def sample_tasks(key: jax.Array, n: int) -> Any:
        del key
        return repeat_tasks(params, n, batched)

    return sample_tasks


def level_refresher(env) -> Callable[[jax.Array, Any, Any], tuple[Any, Any]] | None:
    """``refresh(key, env_state, tasks) -> (env_state, tasks)`` giving every slot a newly generated level
    for its next episode, or None when the env has no levels.

    A :class:`~envgen.envs.task_env.TaskEnv` regenerates the tasks' levels (``env.refresh``: the task is
    the next-level slot); a family env gets the level written into each slot's stored level. World
    generation runs once per chunk for the batch, never inside ``step``.
    """
    if hasattr(env, "refresh") and hasattr(env, "make_tasks"):
        return lambda key, env_state, tasks: (env_state, env.refresh(key, tasks))
    if not hasattr(env, "generate_level"):
        return None

    def refresh(key: jax.Array, env_state: Any, tasks: Any) -> tuple[Any, Any]:
        if not hasattr(env_state, "level"):
            return env_state, tasks
        n = jax.tree.leaves(env_state)[0].shape[0]
        levels = jax.vmap(env.generate_level)(jax.random.split(key, n), tasks)
        return env_state.replace(level=levels), tasks

    return refresh
