"""The ``Task`` pytree: one environment configuration, one generated level, one reward."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from flax import struct

from envgen.rewards.terms import RewardTerms


@struct.dataclass
class Task:
    """Everything an env slot needs to run episodes of one task; fixed shape within a family.

    ``params`` are the family's EnvParams, ``level`` the generated start level, ``reward`` the
    :class:`~envgen.rewards.terms.RewardTerms`. ``obs``, ``features`` and ``view`` are the start state's
    observation, reward features and reward-program view, stored with the level so an auto-reset
    computes none of them.
    A batch of tasks is the same pytree with a leading axis.
    """

    params: Any
    level: Any
    reward: RewardTerms
    obs: Any
    features: jax.Array
    view: Any


def stack_tasks(tasks: list[Task]) -> Task:
    """Stack single tasks into a batch (leading axis = env slot)."""
    return jax.tree.map(lambda *xs: jnp.stack(xs), *tasks)


def index_tasks(tasks: Task, idx: Any) -> Task:
    """Select tasks from a batch by index (an int, a slice or an index array)."""
    return jax.tree.map(lambda x: x[idx], tasks)


def num_tasks(tasks: Task) -> int:
    """Batch size of a batch of tasks."""
    return int(jax.tree.leaves(tasks.reward)[0].shape[0])
