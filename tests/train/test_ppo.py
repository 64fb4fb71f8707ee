"""The jitted PPO core: it learns, it never retraces when tasks change, and it reports per-slot stats."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import envgen
from envgen.train import PPOConfig, Student, fixed_tasks, repeat_tasks, train
from envgen.train.run import EvalPlan

SMALL = PPOConfig(num_envs=8, num_steps=16, updates_per_chunk=1, update_epochs=1, num_minibatches=2)
SEEDS = 2  # the tests below share one compiled chunk: SMALL on Empty-5x5's tasks for two seeds


def _seeded(tasks, seeds=SEEDS):
    return jax.tree.map(lambda x: jnp.broadcast_to(x, (seeds, *x.shape)), tasks)


@pytest.mark.slow
def test_ppo_solves_minigrid_empty_5x5(tmp_path):
    env, params = envgen.make("minigrid/Empty-5x5")
    config = PPOConfig(num_envs=16, num_steps=64, updates_per_chunk=5, lr=5e-4)
    student = Student(env, config, fixed_tasks(params), seeds=1)
    plan = EvalPlan(repeat_tasks(params, 32), ["Empty-5x5"] * 32, horizon=100)
    result = train(student, 20_000, tmp_path / "run", evaluation=plan)
    final = result["seeds"][0]
    assert final["success"] >= 0.9, final
    assert final["tasks"]["Empty-5x5"]["return"] > 0.5  # MiniGrid pays 1 - 0.9 * steps / max_steps


@pytest.mark.slow
def test_changing_tasks_between_chunks_does_not_retrace():
    env, params = envgen.make("minigrid/Empty-5x5")
    _, other = envgen.make("minigrid/Empty-Random-6x6")
    student = Student(env, SMALL, fixed_tasks(params), seeds=SEEDS)
    state = student.initial_state()
    state, _ = student.run_chunk(state)
    new_tasks = _seeded(repeat_tasks(other, SMALL.num_envs))
    after_new, m_new = student.run_chunk(state, new_tasks)
    after_old, m_old = student.run_chunk(state, _seeded(repeat_tasks(params, SMALL.num_envs)))
    assert student.ppo.traces == 1
    # the new tasks were used: the levels refreshed into the slots are 6x6 rooms, not 5x5 ones
    grids_new = np.asarray(after_new["runner"].env_state.level.grid)
    grids_old = np.asarray(after_old["runner"].env_state.level.grid)
    assert not np.array_equal(grids_new, grids_old)


@pytest.mark.slow
def test_slot_stats_are_per_task():
    env, params = envgen.make("minigrid/Empty-5x5")
    # the agent starts next to the goal, facing it: one "forward" (1 action in 7) succeeds
    near = params.replace(max_steps=jnp.int32(2), agent_pos=jnp.array([3, 2], jnp.int32), agent_dir=jnp.int32(0))
    goal_less = near.replace(place_goal=jnp.array(False))
    tasks = jax.tree.map(lambda a, b: jnp.stack([a, b] * (SMALL.num_envs // 2)), near, goal_less)
    student = Student(env, SMALL, lambda key, n: tasks, seeds=SEEDS)
    _, metrics = student.run_chunk(student.initial_state())
    slots = jax.device_get(metrics.slots)
    assert slots.episodes.shape == (SEEDS, SMALL.num_envs)
    assert np.all(slots.episodes >= 8)  # 16 steps with a 2-step limit
    assert np.all(slots.successes[:, 1::2] == 0)  # no goal, no success
    assert np.all(slots.successes[:, 0::2].sum(1) > 0)  # a random policy steps forward sometimes
    assert metrics.pvl.shape == metrics.maxmc.shape == (SEEDS, SMALL.num_envs)
    assert np.all(np.asarray(metrics.pvl) >= 0)


@pytest.mark.slow
def test_seeds_are_independent_and_reproducible():
    env, params = envgen.make("minigrid/Empty-5x5")
    student = Student(env, SMALL, fixed_tasks(params), seeds=SEEDS)
    a, _ = student.run_chunk(student.initial_state())
    b, _ = student.run_chunk(student.initial_state())
    leaf = lambda s: np.asarray(jax.tree.leaves(s["runner"].train.params)[0])
    np.testing.assert_array_equal(leaf(a), leaf(b))
    assert not np.array_equal(leaf(a)[0], leaf(a)[1])


@pytest.mark.parametrize("bad, message", [
    ({"num_envs": 0}, "num_envs must be >= 1"),
    ({"num_envs": 6, "num_steps": 1, "num_minibatches": 4}, "not divisible by num_minibatches"),
    ({"network": "transformer"}, "network must be"),
    ({"anneal_lr": True}, "anneal_lr needs total_updates"),
])
def test_config_rejects_bad_values_in_one_line(bad, message):
    with pytest.raises(ValueError, match=message) as err:
        PPOConfig(**bad)
    assert "\n" not in str(err.value)


@pytest.mark.slow
def test_trains_on_task_env_batches_with_fresh_levels_per_chunk():
    from envgen.envs.task_env import TaskEnv

    family_env, params = envgen.make("minigrid/Empty-Random-6x6")
    params = params.replace(max_steps=jnp.int32(8))  # every slot restarts within the 16-step rollout
    env = TaskEnv(family_env)
    keys = jax.random.split(jax.random.key(0), 2)
    tasks = env.make_tasks(keys, repeat_tasks(params, 2))
    student = Student(env, SMALL, fixed_tasks(tasks, batched=True))
    state = student.initial_state()
    first, m1 = student.run_chunk(state)
    second, m2 = student.run_chunk(first)
    assert student.ppo.traces == 1
    assert np.all(np.asarray(m1.slots.episodes) >= 1)
    # episodes restarted on refreshed levels (random agent starts), not on the two levels made above ...
    starts = lambda s: np.asarray(s["runner"].env_state.env.level.agent_pos)[0]
    made = {tuple(p) for p in np.asarray(tasks.level.agent_pos)}
    assert len({tuple(p) for p in starts(first)} - made) > 0
    # ... and the refresh is deterministic by key
    again, _ = student.run_chunk(state)
    np.testing.assert_array_equal(starts(first), starts(again))
