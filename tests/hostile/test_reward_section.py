"""Hostile ``reward:`` sections: values of the wrong type are refused naming the field, and no allowed
discount turns potential-based shaping into a per-step penalty."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import envgen
from envgen.envs.minigrid import constants as C  # noqa: N812
from envgen.envs.task_env import TaskEnv
from envgen.rewards.terms import MIN_GAMMA
from envgen.spec import SpecError, spec_from_dict


@pytest.mark.parametrize(
    ("reward", "field"),
    [
        ({"task_weight": True}, "reward.task_weight"),
        ({"task_weight": "1.0"}, "reward.task_weight"),
        ({"potential": {"goal_close": True}}, "reward.potential.goal_close"),
        ({"potential": {"goal_close": "0.5"}}, "reward.potential.goal_close"),
        ({"bonus": {"success": False}}, "reward.bonus.success"),
        ({"bonus": {"success": "10"}}, "reward.bonus.success"),
        ({"gamma": True}, "reward.gamma"),
        ({"gamma": "0.99"}, "reward.gamma"),
        ({"task_weight": float("nan")}, "reward.task_weight"),
    ],
    ids=["weight_true", "weight_string", "potential_true", "potential_string", "bonus_false", "bonus_string",
         "gamma_true", "gamma_string", "weight_nan"],
)
def test_boolean_or_string_weight_is_refused_naming_the_field(reward, field):
    with pytest.raises(SpecError) as info:
        spec_from_dict({"family": "minigrid", "reward": reward})
    (problem,) = info.value.problems
    assert problem.startswith(f"{field}:") and "\n" not in problem


def test_integer_weights_are_still_numbers():
    spec = spec_from_dict({"family": "minigrid", "reward": {"task_weight": 2, "bonus": {"success": 1}, "gamma": 1}})
    assert spec.reward.task_weight == 2.0 and spec.reward.bonus == {"success": 1.0} and spec.reward.gamma == 1.0


@pytest.mark.parametrize("gamma", [0, 0.5, MIN_GAMMA - 0.01, 1.01])
def test_gamma_zero_shaping_penalty_is_refused(gamma):
    with pytest.raises(SpecError) as info:
        spec_from_dict({"family": "minigrid", "reward": {"potential": {"goal_close": 0.6}, "gamma": gamma}})
    (problem,) = info.value.problems
    assert problem.startswith("reward.gamma:")


def test_turning_in_place_shaping_is_bounded_at_the_smallest_allowed_gamma():
    """Turning in place keeps Phi constant: the documented bounds must hold at the lowest discount a
    config may set -- in the learner's discounted return shaping adds at most sum(potential), and each
    step undiscounted costs at most (1 - gamma) * sum(potential)."""
    weights = {"goal_close": 0.6, "doors_unlocked": 0.4}
    spec = spec_from_dict({"family": "minigrid", "reward": {"task_weight": 0, "potential": weights,
                                                            "gamma": MIN_GAMMA}})
    env = TaskEnv(envgen.make("minigrid")[0])
    _, params = envgen.make("minigrid/Empty-8x8")
    task = env.make_task(jax.random.key(0), params, spec.compile_reward())
    _, state = env.reset(jax.random.key(1), task)
    steps = 300

    def turn(state, key):
        _, state, reward, terminated, truncated, info = env.step(key, state, jnp.int32(C.LEFT), task)
        return state, (reward, info["shaping"], terminated | truncated)

    _, (reward, shaping, done) = jax.lax.scan(turn, state, jax.random.split(jax.random.key(2), steps))
    reward, shaping, done = np.asarray(reward), np.asarray(shaping), np.asarray(done)
    live = ~np.concatenate([[False], np.cumsum(done)[:-1] > 0])  # the steps of the first episode
    total = sum(weights.values())
    assert np.count_nonzero(live) > 100 and np.any(shaping[live] != 0)  # a real, shaped rollout
    np.testing.assert_allclose(reward, shaping, atol=1e-6)  # task_weight 0: the reward is the shaping
    per_step_cost = (1.0 - MIN_GAMMA) * total
    assert shaping[live][:-1].min() >= -per_step_cost - 1e-5, shaping[live].min()
    discounted = float(np.sum(MIN_GAMMA ** np.arange(np.count_nonzero(live)) * shaping[live]))
    assert -total - 1e-5 <= discounted <= total + 1e-5
    assert shaping[live].sum() >= -per_step_cost * np.count_nonzero(live) - total - 1e-4
