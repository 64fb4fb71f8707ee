"""Shared fixtures for the task tests: MiniGrid task envs (cheap to compile) and mixed batches."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest

import envgen
from envgen.envs.task_env import TaskEnv
from envgen.tasks import stack_tasks

MIXED = ["minigrid/DoorKey-8x8", "minigrid/FourRooms", "minigrid/Empty-5x5", "minigrid/LavaGapS6"]


def broadcast(tree, n: int):
    """Repeat an unbatched pytree ``n`` times along a new leading axis."""
    return jax.tree.map(lambda x: jnp.broadcast_to(x, (n, *jnp.shape(x))), tree)


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


__all__ = ["MIXED", "broadcast", "stack_tasks"]
