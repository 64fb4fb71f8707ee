"""Shared fixtures for the crafter tests: one env and one compiled step for the whole suite.

Everything that compiles is session-scoped and keeps the same pytree shapes and dtypes, so the crafter
suite compiles ``Crafter.step`` once (helpers live in ``crafter_testlib.py``).
"""

from __future__ import annotations

import jax
import pytest
from crafter_testlib import Runner, quiet

from envgen.envs.crafter.env import Crafter
from envgen.envs.crafter.state import EnvParams, EnvState


@pytest.fixture(scope="session")
def env() -> Crafter:
    return Crafter()


@pytest.fixture(scope="session")
def params(env) -> EnvParams:
    return env.default_params


@pytest.fixture(scope="session")
def qparams(params) -> EnvParams:
    return quiet(params)


@pytest.fixture(scope="session")
def base_state(env, params) -> EnvState:
    _, state = env.reset(jax.random.key(0), params)
    return state


@pytest.fixture
def runner(env) -> Runner:
    """A fresh runner per test: its keys never depend on which tests ran before (xdist reorders them)."""
    return Runner(env)
