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


# -- one registry entry per family -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_family_entry_is_complete_and_resolves(name):
    from envgen.registry import family as family_entry
    from envgen.resources import resource_dir

    entry = family_entry(name)
    assert entry.name == name and entry.missing() == []
    env_cls, spec_cls = entry.load("env"), entry.load("spec")
    assert env_cls().num_actions > 0 and spec_cls.from_dict({"name": "x"}).compile() is not None
    view = entry.load("view")
    assert callable(view.sample_views) and callable(view.build_view) and view.StateView is not None
    features = entry.load("features")
    assert callable(features.features) and callable(features.events)
    survey = entry.load("solvability")
    assert callable(survey.survey_measure) and callable(survey.survey_report)
    assert callable(entry.load("offline_rules")) and isinstance(entry.load("facts")(), dict)
    assert (resource_dir("templates") / entry.prompt_template).is_file()
    if entry.targets:
        assert set(entry.load("targets")) and all(isinstance(t, str) for t in entry.load("targets"))


def test_every_lookup_reads_the_registry():
    """The places that once kept their own family tables now answer from the entry."""
    from envgen.envs.registry import env_class
    from envgen.generate.prompts import family_facts
    from envgen.registry import FAMILIES as ENTRIES
    from envgen.rewards.features import feature_module
    from envgen.rewards.sandbox import load_family
    from envgen.spec import spec_class

    for name, entry in ENTRIES.items():
        if entry.missing():
            continue
        assert env_class(name) is entry.load("env") and spec_class(name) is entry.load("spec")
        assert feature_module(name) is entry.load("features") and load_family(name).module_name == entry.view
        assert family_facts(name) == entry.load("facts")()


def test_a_toy_family_needs_one_entry(monkeypatch):
    """A family with only a reward view (the sandbox tests' toy) is one entry: the sandbox resolves it by
    name; asking it for parts it lacks, or for an unknown family, is a clear error."""
    from pathlib import Path

    from envgen import registry
    from envgen.rewards.sandbox import check_source, load_family

    toy = Path(__file__).parent / "rewards"
    monkeypatch.syspath_prepend(str(toy))
    monkeypatch.setitem(registry.FAMILIES, "toyfamily", registry.FamilyEntry(name="toyfamily", view="toyfamily"))
    fam = load_family("toyfamily")
    assert fam.name == "toyfamily" and "health" in fam.spec.fields
    check_source("def reward(prev, state, action):\n    return state.health - prev.health\n", fam.spec)
    assert registry.FAMILIES["toyfamily"].missing() == list(registry.FamilyEntry.FULL)
    assert "toyfamily" not in registry.full_families()
    with pytest.raises(KeyError, match="toyfamily' has no env"):
        envgen.make("toyfamily")
    with pytest.raises(KeyError, match=r"unknown family 'Crafter' \(did you mean 'crafter'\?\)"):
        registry.family("Crafter")
