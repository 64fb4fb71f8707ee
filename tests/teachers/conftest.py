"""Shared fixtures for the teacher tests: a MiniGrid task env, a small parameter space, target tasks."""

from __future__ import annotations

import jax
import pytest

import envgen
from envgen.envs.task_env import TaskEnv
from envgen.tasks.space import ParamSpace
from envgen.tasks.task import index_tasks
from envgen.teachers.base import broadcast_tree

N = 4  # env slots in every teacher test: one batch size, one compiled level generator


@pytest.fixture(scope="session")
def minigrid_env() -> TaskEnv:
    env, _ = envgen.make("minigrid")
    return TaskEnv(env)


@pytest.fixture(scope="session")
def box_space() -> ParamSpace:
    """A 2-D continuous MiniGrid space (door lock and key-in-box probabilities): a toy unit square."""
    return ParamSpace("minigrid", dims=["door.locked_prob", "door.key_in_box_prob"])


@pytest.fixture(scope="session")
def empty_targets(minigrid_env):
    """Two target tasks: Empty-5x5 and Empty-8x8 (made in a batch of N like every other call here, so
    level generation compiles once for the whole folder)."""
    params = [envgen.make(name)[1] for name in ("minigrid/Empty-5x5", "minigrid/Empty-8x8")] * (N // 2)
    stacked = jax.tree.map(lambda *xs: jax.numpy.stack(xs), *params)
    reward = broadcast_tree(minigrid_env.default_reward(), N)  # explicit, as teachers pass it: one signature
    tasks = minigrid_env.make_tasks(jax.random.split(jax.random.key(0), N), stacked, reward)
    return index_tasks(tasks, slice(0, 2))
