"""Registry-wide gymnax contract: every family resets, steps under jit and vmap with the documented
shapes, dtypes and info keys."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest
from gymnax.environments import spaces

import envgen
from envgen.envs.registry import FAMILIES


@pytest.fixture(scope="module", params=sorted(FAMILIES))
def family(request):
    env, params = envgen.make(request.param)
    return request.param, env, params


def _assert_matches(obs, space, name):
    """Observation leaves have the shapes and dtypes the (possibly Dict) space declares."""
    if isinstance(space, spaces.Dict):
        assert set(obs) == set(space.spaces), name
        for key, sub in space.spaces.items():
            _assert_matches(obs[key], sub, f"{name}.{key}")
        return
    assert obs.shape == tuple(space.shape), name
    assert obs.dtype == space.dtype, name


def test_reset_and_step_match_spaces(family):
    name, env, params = family
    obs, state = env.reset(jax.random.key(0), params)
    space = env.observation_space(params)
    _assert_matches(obs, space, name)
    n_actions = env.action_space(params).n
    assert n_actions == env.num_actions
    out = env.step(jax.random.key(1), state, jnp.asarray(0), params)
    assert len(out) == 6, "gymnax v1 step returns obs, state, reward, terminated, truncated, info"
    obs2, state2, reward, terminated, truncated, info = out
    _assert_matches(obs2, space, name)
    assert reward.shape == () and jnp.issubdtype(reward.dtype, jnp.floating)
    assert terminated.dtype == jnp.bool_ and truncated.dtype == jnp.bool_
    assert {"terminated", "truncated", "final_observation"} <= set(info)
    assert int(state2.time) in (0, 1)


def test_vmap_structure_is_stable(family):
    name, env, params = family
    keys = jax.random.split(jax.random.key(2), 3)
    batched = jax.tree.map(lambda x: jnp.stack([x] * 3), params)
    obs, state = jax.vmap(env.reset)(keys, batched)
    actions = jnp.zeros((3,), jnp.int32)
    obs2, state2, reward, term, trunc, info = jax.jit(jax.vmap(env.step))(keys, state, actions, batched)
    assert jax.tree.structure(state2) == jax.tree.structure(state), name
    assert reward.shape == (3,) and term.shape == (3,) and trunc.shape == (3,)
    assert jax.tree.leaves(obs2)[0].shape[0] == 3


def test_registered_names_include_families_and_presets():
    names = envgen.registered_envs()
    assert "crafter" in names and "minigrid" in names
    assert "crafter/Default" in names


def test_unknown_name_error_lists_choices():
    with pytest.raises(KeyError, match="unknown environment 'nope'.*crafter"):
        envgen.make("nope")


def test_config_reference_docs_are_generated_from_the_schema():
    from pathlib import Path

    from envgen.spec.reference import markdown

    doc = Path(__file__).resolve().parents[1] / "docs" / "config-crafter.md"
    assert doc.read_text() == markdown("crafter"), "regenerate: python -m envgen.spec.reference crafter"
