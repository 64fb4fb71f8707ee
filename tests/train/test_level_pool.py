"""Every episode starts on a new level: the per-slot level pool of the PPO student.

A slot's chunk runs on a pool of levels (its own task first, then new levels of the same task, made in
one batched call); every episode that ends moves the slot to the next level, and a pool that runs out
wraps around, counted. A teacher that replays on purpose (``fresh=False``) keeps its slot's level.
"""

from __future__ import annotations

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import envgen
from envgen.envs.task_env import TaskEnv
from envgen.train.config import PPOConfig
from envgen.train.ppo import PPO
from envgen.train.tasks import level_pool

POOL = 6
STEPS = 40
MAX_STEPS = 4  # every episode is cut after 4 steps: 10 episodes per slot in 40 steps


@pytest.fixture(scope="module")
def setup():
    family, params = envgen.make("minigrid/DoorKey-8x8")
    env = TaskEnv(family)
    params = params.replace(max_steps=jnp.int32(MAX_STEPS))
    n = 4
    tasks = env.make_tasks(jax.random.split(jax.random.key(0), n),
                           jax.tree.map(lambda x: jnp.broadcast_to(x, (n, *jnp.shape(x))), params))
    ppo = PPO(env, PPOConfig(num_envs=n, num_steps=STEPS, updates_per_chunk=1, num_minibatches=1,
                             level_pool=POOL, network="mlp"))
    runner = ppo.init(jax.random.key(1), tasks)
    return env, ppo, tasks, runner


def episode_starts(ppo, runner, pool):
    """The start observation of every episode each slot ran, in order: ``[slot][episode]``."""
    stats = ppo._empty_stats(runner)
    index = jnp.ones((ppo.config.num_envs,), jnp.int32)
    (_, stats, _), traj = jax.lax.scan(lambda c, _: ppo._env_step(c, pool), (runner, stats, index), None, STEPS)
    n = ppo.config.num_envs
    obs = np.concatenate([np.asarray(x).reshape(STEPS, n, -1) for x in jax.tree.leaves(traj.obs)], -1)
    starts = np.asarray(traj.starts)
    return [[obs[t, b].tobytes() for t in range(STEPS) if starts[t, b]] for b in range(ppo.config.num_envs)], stats


@pytest.mark.slow
def test_consecutive_episodes_start_on_different_levels_and_the_pool_wraps(setup):
    env, ppo, tasks, runner = setup
    pool = level_pool(env, jax.random.key(2), tasks, POOL, True)
    assert jax.tree.leaves(pool.params)[0].shape[:2] == (4, POOL)
    starts, stats = episode_starts(ppo, runner, pool)
    for slot in starts:
        assert len(slot) == STEPS // MAX_STEPS
        first_round = slot[:POOL]
        assert len(set(first_round)) == POOL, "each of the pool's levels starts one episode"
        assert slot[POOL] == slot[0] and slot[POOL + 1] == slot[1], "then the pool wraps around"
    # the episodes that started again on the chunk's first level are counted
    np.testing.assert_array_equal(np.asarray(stats.wraps), np.ones(4))


def test_a_replaying_teacher_keeps_its_level(setup):
    env, ppo, tasks, runner = setup
    pool = level_pool(env, jax.random.key(2), tasks, POOL, False)
    starts, _ = episode_starts(ppo, runner, pool)
    for b, slot in enumerate(starts):
        assert len(set(slot)) == 1
        own = np.concatenate([np.asarray(x[b]).reshape(-1) for x in jax.tree.leaves(tasks.obs)]).tobytes()
        assert slot[0] == own


@pytest.mark.slow
def test_pools_and_replay_never_recompile_the_chunk(setup):
    env, ppo, tasks, runner = setup
    runners = jax.tree.map(lambda x: jnp.stack([x, x]), runner)
    other = env.refresh(jax.random.key(5), tasks)
    batch = jax.tree.map(lambda a, b: jnp.stack([a, b]), tasks, other)
    chunk = jax.jit(jax.vmap(ppo.train_chunk))
    before = ppo.traces
    for fresh in ([True, True], [False, False], [True, False]):
        runners, metrics = chunk(runners, batch, jnp.asarray(fresh))
    assert ppo.traces - before == 1
    chex.assert_tree_all_finite(metrics.losses["value_loss"])


def test_pool_entries_are_the_slots_own_task_then_new_levels_of_it(setup):
    env, _, tasks, _ = setup
    pool = level_pool(env, jax.random.key(3), tasks, POOL, True)
    first = jax.tree.map(lambda x: x[:, 0], pool)
    chex.assert_trees_all_equal(first, tasks)
    # later entries keep the slot's params and reward, on other levels
    np.testing.assert_array_equal(np.asarray(pool.params.max_steps), MAX_STEPS)
    again = level_pool(env, jax.random.key(3), tasks, POOL, True)
    chex.assert_trees_all_equal(pool, again)  # same key, same levels
