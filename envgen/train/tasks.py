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
    """``refresh(key, env_state, tasks) -> (env_state, tasks)`` writing a newly generated level into every
    slot of a family env's state for its next episode, or None when the env has no levels of its own.

    For a plain family env (gymnax-style, its level held in the state). A
    :class:`~envgen.envs.task_env.TaskEnv` gets a pool of levels per slot instead (:func:`level_pool`).
    World generation runs once per chunk for the batch, never inside ``step``.
    """
    if is_task_env(env) or not hasattr(env, "generate_level"):
        return None

    def refresh(key: jax.Array, env_state: Any, tasks: Any) -> tuple[Any, Any]:
        if not hasattr(env_state, "level"):
            return env_state, tasks
        n = jax.tree.leaves(env_state)[0].shape[0]
        levels = env.generate_levels(jax.random.split(key, n), tasks)
        return env_state.replace(level=levels), tasks

    return refresh


def is_task_env(env: Any) -> bool:
    """Whether ``env`` runs :class:`~envgen.tasks.Task` pytrees (its ``step`` takes the next-level slot)."""
    return hasattr(env, "refresh") and hasattr(env, "make_tasks")


def level_pool(env: Any, key: jax.Array, tasks: Any, size: int, fresh: jax.Array) -> Any:
    """Each slot's levels for one chunk: ``[B, size, ...]`` from ``tasks [B, ...]``.

    Entry 0 is the slot's own task (the level its first episode starts on); with ``fresh`` the other
    entries are newly generated levels of the same params and reward, made for the whole batch in one
    call; without it (a teacher that replays on purpose) every entry is the slot's own task. Under a
    vmap over seeds the generation is skipped when no seed asks for it (:func:`batch_cond`).
    """
    from envgen.envs.batching import batch_cond

    def copies(_key, tasks):
        return jax.tree.map(lambda x: jnp.repeat(x[:, None], size, axis=1), tasks)

    def generated(key, tasks):
        n = jax.tree.leaves(tasks.reward)[0].shape[0]
        more = jax.tree.map(lambda x: jnp.repeat(x, size - 1, axis=0), (tasks.params, tasks.reward))
        new = env.make_tasks(jax.random.split(key, n * (size - 1)), *more)
        new = jax.tree.map(lambda x: x.reshape(n, size - 1, *x.shape[1:]), new)
        return jax.tree.map(lambda a, b: jnp.concatenate([a[:, None], b], axis=1), tasks, new)

    if size == 1:
        return copies(key, tasks)
    return batch_cond(jnp.asarray(fresh, bool), generated, copies, key, tasks)


def pool_slot(pool: Any, index: jax.Array) -> Any:
    """Entry ``index[b]`` of every slot's pool: a batch of tasks ``[B, ...]`` from ``[B, P, ...]``."""
    rows = jnp.arange(index.shape[0])
    return jax.tree.map(lambda x: x[rows, index], pool)
