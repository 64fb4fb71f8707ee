"""The baselines: ``fixed`` (the target tasks only) and ``random`` (domain randomisation over a region)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from flax import struct

from envgen.tasks.sampling import tasks_from_vectors
from envgen.tasks.space import ParamSpace
from envgen.tasks.task import Task
from envgen.teachers.base import TaskStats, Teacher, cycle_tasks, fresh_levels


class CountState(struct.PyTreeNode):
    """Chunks sampled so far, and the vectors of the last batch (zero-width without a space)."""

    chunks: jax.Array
    last_u: jax.Array  # [n, d]


class FixedTeacher(Teacher):
    """No curriculum: the target tasks, cycled over the env slots, each chunk on fresh levels.

    ``targets`` is a batch of tasks (``TaskEnv.make_tasks``); ``refresh`` regenerates their levels from
    their own params every chunk (a preset such as FourRooms has a random layout per episode).
    """

    name = "fixed"

    def __init__(self, env: Any, targets: Task, refresh: bool = True):
        self.env = env
        self.targets = targets
        self.refresh = refresh

    def init(self, key: jax.Array, n: int) -> CountState:
        return CountState(chunks=jnp.zeros((), jnp.int32), last_u=jnp.zeros((n, 0), jnp.float32))

    def sample(self, state: CountState, key: jax.Array) -> tuple[CountState, Task]:
        tasks = cycle_tasks(self.targets, state.last_u.shape[0])
        if self.refresh:
            tasks = fresh_levels(self.env, key, tasks)
        return state.replace(chunks=state.chunks + 1), tasks

    def summary(self, state: CountState) -> dict[str, Any]:
        return {"chunks": int(state.chunks)}


class RandomTeacher(Teacher):
    """Domain randomisation: vectors uniform over ``space`` (a ``restrict``-ed space is the region)."""

    name = "random"

    def __init__(self, env: Any, space: ParamSpace, reward: Any = None):
        self.env = env
        self.space = space
        self.reward = reward

    def init(self, key: jax.Array, n: int) -> CountState:
        return CountState(chunks=jnp.zeros((), jnp.int32), last_u=jnp.zeros((n, self.space.ndim), jnp.float32))

    def sample(self, state: CountState, key: jax.Array) -> tuple[CountState, Task]:
        k_u, k_level = jax.random.split(key)
        u = self.space.sample(k_u, (state.last_u.shape[0],))
        tasks = tasks_from_vectors(self.env, self.space, k_level, u, self.reward)
        return state.replace(chunks=state.chunks + 1, last_u=u), tasks

    def update(self, state: CountState, tasks: Task, stats: TaskStats) -> CountState:
        return state

    def summary(self, state: CountState) -> dict[str, Any]:
        return {"chunks": int(state.chunks)}
