"""Session-scoped compiled functions for the minigrid tests (compiles are the slow part)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest
from minigrid_testlib import PRESETS, SEEDS

import envgen
from envgen.envs.minigrid.env import MiniGrid


@pytest.fixture(scope="session")
def env() -> MiniGrid:
    return MiniGrid()


@pytest.fixture(scope="session")
def trace_count() -> dict:
    return {"step": 0, "gen": 0}


@pytest.fixture(scope="session")
def step_fn(env, trace_count):
    """Jitted single-env ``step_env`` (no auto-reset), params as a traced argument."""

    def f(state, action, params):
        trace_count["step"] += 1
        return env.step_env(jax.random.key(0), state, action, params)

    return jax.jit(f)


@pytest.fixture(scope="session")
def batch_step(env):
    """Jitted ``env.step`` vmapped over keys, states, actions and params (heterogeneous batches)."""
    return jax.jit(jax.vmap(env.step))


@pytest.fixture(scope="session")
def gen_batch(env, trace_count):
    """Jitted level generation vmapped over (key, params) pairs."""

    def f(keys, params):
        trace_count["gen"] += 1
        return jax.vmap(env.generate_level)(keys, params)

    return jax.jit(f)


@pytest.fixture(scope="session")
def preset_params():
    return {name: envgen.make(name)[1] for name in PRESETS}


@pytest.fixture(scope="session")
def preset_levels(preset_params, gen_batch):
    """SEEDS levels of every preset, generated in one batched call: name -> Level with a batch axis."""
    names = list(preset_params)
    stacked = jax.tree.map(lambda *x: jnp.stack(x), *[preset_params[n] for n in names])
    params = jax.tree.map(lambda x: jnp.repeat(x, SEEDS, axis=0), stacked)
    keys = jax.random.split(jax.random.key(42), len(names) * SEEDS)
    levels = jax.device_get(gen_batch(keys, params))
    return {n: jax.tree.map(lambda x, i=i: x[i * SEEDS:(i + 1) * SEEDS], levels) for i, n in enumerate(names)}
