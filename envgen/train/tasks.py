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


def repeat_tasks(params: Any, n: int) -> Any:
    """``n`` copies of one task (or of a batch, cycled) stacked on a new leading axis."""
    leaves = jax.tree.leaves(params)
    if not leaves:
        raise ValueError("params has no array leaves")
    batched = _batch_size(params)
    if batched is None:
        return jax.tree.map(lambda x: jnp.broadcast_to(jnp.asarray(x), (n, *jnp.shape(x))), params)
    index = jnp.arange(n) % batched
    return jax.tree.map(lambda x: jnp.asarray(x)[index], params)


def _batch_size(params: Any) -> int | None:
    """The leading size of a batched params pytree (a generated run's params), or None for one task."""
    reward_id = getattr(params, "reward_id", None)
    if reward_id is not None:
        return int(jnp.shape(reward_id)[0]) if jnp.ndim(reward_id) else None
    return None


def fixed_tasks(params: Any) -> TaskSource:
    """The default task source: the target task(s), repeated over the env slots."""

    def sample_tasks(key: jax.Array, n: int) -> Any:
        del key
        return repeat_tasks(params, n)

    return sample_tasks


def level_refresher(env) -> Callable[[jax.Array, Any, Any], Any] | None:
    """``refresh(key, env_state, tasks) -> env_state`` writing a newly generated level into every slot's
    stored level (used at that slot's next auto-reset), or None when the env has no stored levels.

    World generation runs once per chunk for the batch, never inside ``step``.
    """
    inner = getattr(env, "env", env)  # generated-reward wrappers keep the family env as ``.env``
    if not hasattr(inner, "generate_level"):
        return None
    unwrap = (lambda tasks: tasks.env) if inner is not env else (lambda tasks: tasks)

    def refresh(key: jax.Array, env_state: Any, tasks: Any) -> Any:
        if not hasattr(env_state, "level"):
            return env_state
        n = jax.tree.leaves(env_state)[0].shape[0]
        levels = jax.vmap(inner.generate_level)(jax.random.split(key, n), unwrap(tasks))
        return env_state.replace(level=levels)

    return refresh
