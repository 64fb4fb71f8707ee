"""Rewards as data: potential-based terms, sanitisation, and the farming check on real rollouts."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import envgen
from envgen.envs.minigrid import constants as C  # noqa: N812
from envgen.rewards.farming import farm_check, looping_cycles
from envgen.rewards.terms import dense_reward, sanitize
from envgen.spec import SpecError, spec_from_dict


def test_shaping_telescopes_and_a_terminal_state_has_zero_potential():
    terms = spec_from_dict({"family": "minigrid", "reward": {"potential": {"goal_close": 0.5}}}).compile_reward()
    phis = [0.1, 0.3, 0.2, 0.4]
    total = 0.0
    for t in range(3):
        r, shaping, bad = dense_reward(terms, jnp.float32(0), jnp.float32(phis[t]), jnp.float32(phis[t + 1]),
                                       jnp.zeros(2), jnp.asarray(t == 2))
        total += float(r)
        assert not bool(bad)
    gamma = float(terms.gamma)
    assert total == pytest.approx(gamma * 0.3 - 0.1 + gamma * 0.2 - 0.3 + 0.0 - 0.2, abs=1e-6)


def test_sanitising_replaces_non_finite_and_clips():
    r, bad = sanitize(jnp.asarray([jnp.nan, jnp.inf, 3.0, -50.0]), jnp.float32(10.0))
    np.testing.assert_array_equal(np.asarray(r), [0.0, 0.0, 3.0, -10.0])
    np.testing.assert_array_equal(np.asarray(bad), [True, True, False, True])


def test_reward_section_errors_name_the_field():
    with pytest.raises(SpecError, match="did you mean 'target_close'"):
        spec_from_dict({"family": "minigrid", "reward": {"potential": {"target_clse": 0.5}}})
    with pytest.raises(SpecError, match="sum to 1.5"):
        spec_from_dict({"family": "crafter", "reward": {"potential": {"wood": 1.0, "close_tree": 0.5}}})
    with pytest.raises(SpecError, match=r"reward.potential.wood: weight -0.5"):
        spec_from_dict({"family": "crafter", "reward": {"potential": {"wood": -0.5}}})


def test_sanitisation_is_counted_in_info(minigrid_env):
    _, params = envgen.make("minigrid/Empty-5x5")
    reward = minigrid_env.default_reward().replace(bonus=jnp.asarray([1e6, 0.0], jnp.float32))
    task = minigrid_env.make_task(jax.random.key(0), params, reward)
    _, state = minigrid_env.reset(jax.random.key(1), task)
    for t, a in enumerate([C.FORWARD, C.FORWARD, C.RIGHT, C.FORWARD, C.FORWARD]):
        _, state, r, term, _, info = minigrid_env.step(jax.random.key(t), state, a, task)
    assert bool(term) and bool(info["reward_sanitised"]) and float(r) == pytest.approx(10.0)


def test_looping_cycles_cover_single_actions_and_pairs():
    cycles = looping_cycles(7)
    assert cycles.shape == (7 + 42, 2) and {tuple(c) for c in cycles} >= {(5, 5), (3, 4), (4, 3)}


@pytest.mark.parametrize("preset", ["DoorKey-5x5", "PutNear-6x6-N2"])
def test_potential_based_terms_cannot_be_farmed(minigrid_env, preset):
    """Maximal shaping (every feature, weights summing to the bound) still earns looping policies less
    than solving pays, on real rollouts to the time limit."""
    from envgen.rewards.features import minigrid as features

    weights = {f: 1.0 / len(features.FEATURES) for f in features.FEATURES}
    spec = spec_from_dict({"family": "minigrid", "reward": {"potential": weights}})
    _, params = envgen.make(f"minigrid/{preset}")
    task = minigrid_env.make_task(jax.random.key(0), params, spec.compile_reward())
    report = farm_check(minigrid_env, task, jax.random.key(1), steps=int(params.max_steps))
    assert report.ok, report.message
    assert report.policies == 49 + 8


def test_the_check_catches_a_farmable_reward(minigrid_env):
    """A shaping term that is not potential-based (here 2 * Phi(s') - Phi(s): it pays Phi on every step
    the door stays open) is what naive dense rewards do; the check must flag it on real rollouts."""
    from envgen.rewards.features import minigrid as features

    _, params = envgen.make("minigrid/DoorKey-5x5")
    potential = jnp.zeros(len(features.FEATURES)).at[features.FEATURES.index("doors_open")].set(1.0)
    terms = minigrid_env.default_reward().replace(potential=potential, gamma=jnp.float32(2.0))
    task = minigrid_env.make_task(jax.random.key(0), params.replace(door_locked_prob=jnp.float32(0.0)), terms)
    report = farm_check(minigrid_env, task, jax.random.key(1), steps=64)
    assert not report.ok and "FARMABLE" in report.message
    fair = farm_check(minigrid_env, task.replace(reward=terms.replace(gamma=jnp.float32(0.99))),
                      jax.random.key(1), steps=64)
    assert fair.ok, fair.message


def test_potential_skips_only_unweighted_features(minigrid_env):
    """The step's Phi computes only weighted feature groups, and equals weights . features on a mixed
    batch (put_near and door missions, some tasks unshaped), per element."""
    from envgen.rewards.features import minigrid as features

    names = ["minigrid/PutNear-6x6-N2", "minigrid/DoorKey-5x5", "minigrid/Fetch-5x5-N2", "minigrid/Empty-5x5"]
    params = jax.tree.map(lambda *x: jnp.stack(x), *[envgen.make(n)[1] for n in names])
    tasks = minigrid_env.make_tasks(jax.random.split(jax.random.key(2), len(names)), params)
    _, state = jax.vmap(minigrid_env.reset)(jax.random.split(jax.random.key(3), len(names)), tasks)
    weights = jax.random.uniform(jax.random.key(4), (len(names), len(features.FEATURES)))
    weights = weights.at[3].set(0.0).at[:, features.FEATURES.index("goal_close")].set(0.0)
    phi = jax.jit(jax.vmap(features.potential))(state.env, tasks.params, weights)
    full = jax.vmap(features.features)(state.env, tasks.params)
    np.testing.assert_allclose(np.asarray(phi), np.asarray(jnp.sum(weights * full, -1)), rtol=1e-6)
    assert float(phi[3]) == 0.0 and float(full[0, features.FEATURES.index("put_close")]) > 0
