"""Shared fixtures for the teacher tests: a MiniGrid task env, a small parameter space, target tasks."""

from __future__ import annotations

import jax
import pytest

import envgen
from envgen.envs.task_env import TaskEnv
from envgen.tasks.space import ParamSpace


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
    """Two target tasks: Empty-5x5 and Empty-8x8."""
    params = [envgen.make(name)[1] for name in ("minigrid/Empty-5x5", "minigrid/Empty-8x8")]
    stacked = jax.tree.map(lambda *xs: jax.numpy.stack(xs), *params)
    return minigrid_env.make_tasks(jax.random.split(jax.random.key(0), 2), stacked)
