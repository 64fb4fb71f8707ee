"""The Crafter student learns its first skill: after a short run it collects wood on Crafter's default world
far more often than it did untrained, as the held-out evaluation (per-achievement success) reports it."""

import jax
import jax.numpy as jnp
import pytest

import envgen
from envgen.train import PPOConfig, Student, fixed_tasks, repeat_tasks, train
from envgen.train.evaluation import make_evaluator, summarise
from envgen.train.run import EvalPlan

EPISODES, HORIZON = 32, 100


@pytest.mark.slow
def test_crafter_student_unlocks_collect_wood(tmp_path):
    env, default = envgen.make("crafter")
    # training episodes end after 100 steps: the one-time +1 for wood is paid once per episode, so short
    # episodes pay it often; evaluation runs the unmodified default world for the same 100 steps
    short = default.replace(max_steps=jnp.int32(HORIZON))
    config = PPOConfig(num_envs=16, num_steps=32, updates_per_chunk=10, update_epochs=2, num_minibatches=2, lr=1e-3)
    student = Student(env, config, fixed_tasks(short), seed=0)
    plan = EvalPlan(repeat_tasks(default, EPISODES), ["crafter/Default"] * EPISODES, HORIZON)

    evaluate = make_evaluator(student.ppo, HORIZON)
    untrained = summarise(evaluate(student.network_params(student.initial_state()), plan.tasks, jax.random.key(7)))
    result = train(student, 6 * config.steps_per_chunk, tmp_path / "run", evaluation=plan)
    trained = result["seeds"][0]

    before, after = untrained["achievements"]["collect_wood"], trained["achievements"]["collect_wood"]
    assert after >= 70.0, (before, after)  # percent of evaluation episodes
    assert after >= before + 30.0, (before, after)
    assert trained["crafter_score"] > untrained["crafter_score"]
