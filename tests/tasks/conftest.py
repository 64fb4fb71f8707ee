"""Shared fixtures for the task tests: MiniGrid task envs (cheap to compile) and mixed batches."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest
from tasklib import MIXED

import envgen
from envgen.envs.task_env import TaskEnv


@pytest.fixture(scope="session")
def minigrid_env() -> TaskEnv:
    env, _ = envgen.make("minigrid")
    return TaskEnv(env)


@pytest.fixture(scope="session")
def mixed_params():
    """Params of four different MiniGrid presets (four layouts), stacked."""
    params = [envgen.make(name)[1] for name in MIXED]
    return jax.tree.map(lambda *xs: jnp.stack(xs), *params)


@pytest.fixture(scope="session")
def mixed_tasks(minigrid_env, mixed_params):
    keys = jax.random.split(jax.random.key(0), len(MIXED))
    return minigrid_env.make_tasks(keys, mixed_params)

