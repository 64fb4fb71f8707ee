"""Tasks run by TaskEnv: mixed batches under jit(vmap), no recompiles, next-level slot, level refresh."""

from __future__ import annotations

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from tasklib import MIXED

import envgen
from envgen.envs.task_env import TaskEnv
from envgen.tasks import Task, index_tasks, num_tasks


def test_a_task_is_one_fixed_shape_pytree_for_every_config(minigrid_env, mixed_tasks):
    assert isinstance(mixed_tasks, Task) and num_tasks(mixed_tasks) == len(MIXED)
    one = index_tasks(mixed_tasks, 0)
    other = minigrid_env.make_task(jax.random.key(5), envgen.make("minigrid/MultiRoom-N2-S4")[1])
    assert jax.tree.structure(one) == jax.tree.structure(other)
    assert [x.shape for x in jax.tree.leaves(one)] == [x.shape for x in jax.tree.leaves(other)]


def test_batched_generation_equals_per_level_generation(minigrid_env, mixed_params):
    """The per-layout batched generator draws the same levels as vmap(generate_level)."""
    env = minigrid_env.env
    keys = jax.random.split(jax.random.key(3), len(MIXED))
    chex.assert_trees_all_equal(env.generate_levels(keys, mixed_params),
                                jax.vmap(env.generate_level)(keys, mixed_params))


def test_batched_generation_runs_only_the_layouts_present(minigrid_env, mixed_params, monkeypatch):
    """Under jit(vmap) a layout kind absent from the batch is never evaluated: its branch stays untaken
    (a lax.switch would run all fourteen generators for every level)."""
    from envgen.envs.minigrid import worldgen

    ran = []

    def spy(i, gen):
        def run(key, params, static):
            jax.debug.callback(lambda: ran.append(i))
            return gen(key, params, static)
        return run

    monkeypatch.setattr(worldgen, "LAYOUTS", tuple(spy(i, g) for i, g in enumerate(worldgen.LAYOUTS)))
    env = minigrid_env.env
    keys = jax.random.split(jax.random.key(0), len(MIXED))
    jax.block_until_ready(jax.jit(lambda k, p: env.generate_levels(k, p))(keys, mixed_params))
    present = set(np.asarray(worldgen.layout_index(mixed_params)).tolist())
    assert len(present) == 4 and set(ran) == present


def test_mixed_batch_steps_under_jit_vmap_without_recompiling(minigrid_env, mixed_tasks, mixed_params):
    env = minigrid_env
    n = len(MIXED)
    traces = []

    def chunk(state, tasks, key):
        traces.append(1)

        def body(carry, k):
            state, total = carry
            act = jax.random.randint(k, (n,), 0, env.num_actions)
            obs, state, reward, term, trunc, info = jax.vmap(env.step)(jax.random.split(k, n), state, act, tasks)
            return (state, total + reward + obs["image"].sum((1, 2, 3)) * 0), None

        (state, total), _ = jax.lax.scan(body, (state, jnp.zeros(n)), jax.random.split(key, 32))
        return state, total

    run = jax.jit(chunk)
    _, state = jax.vmap(env.reset)(jax.random.split(jax.random.key(1), n), mixed_tasks)
    state, _ = run(state, mixed_tasks, jax.random.key(2))
    # a teacher swaps in different tasks (another order, new levels) between chunks: no retrace
    new = env.refresh(jax.random.key(9), index_tasks(mixed_tasks, jnp.array([3, 2, 1, 0])))
    state, _ = run(state, new, jax.random.key(3))
    assert len(traces) == 1


def test_refresh_gives_new_worlds_and_is_deterministic(minigrid_env, mixed_tasks):
    a = minigrid_env.refresh(jax.random.key(7), mixed_tasks)
    b = minigrid_env.refresh(jax.random.key(7), mixed_tasks)
    c = minigrid_env.refresh(jax.random.key(8), mixed_tasks)
    chex.assert_trees_all_equal(a, b)
    # FourRooms (random doors, agent, goal) differs with another key; params and rewards are kept
    assert not np.array_equal(np.asarray(a.level.grid[1]), np.asarray(c.level.grid[1]))
    chex.assert_trees_all_equal(a.params, mixed_tasks.params)
    chex.assert_trees_all_equal(a.reward, mixed_tasks.reward)


def test_episode_end_restarts_on_the_next_level_slot(minigrid_env):
    """The running episode keeps its own params; when it ends, the slot's task starts, with its stored
    start observation (no observation is computed for the reset branch)."""
    env = minigrid_env
    _, p_first = envgen.make("minigrid/Empty-5x5")
    p_first = p_first.replace(max_steps=jnp.int32(3))
    first = env.make_task(jax.random.key(0), p_first)
    second = env.make_task(jax.random.key(1), envgen.make("minigrid/DoorKey-8x8")[1])
    obs, state = env.reset(jax.random.key(2), first)
    for t in range(3):
        obs, state, reward, term, trunc, info = env.step(jax.random.key(10 + t), state, 0, second)
        if t < 2:
            assert int(state.params.max_steps) == 3 and not bool(trunc)
    assert bool(trunc) and not bool(term)
    chex.assert_trees_all_equal(state.params, second.params)
    chex.assert_trees_all_equal(obs, second.obs)
    assert np.array_equal(np.asarray(state.env.grid), np.asarray(second.level.grid))
    # gymnax's final observation is the pre-reset one, from the first task's world
    assert np.asarray(info["final_observation"]["image"]).shape == (7, 7, 3)


def test_start_observation_is_the_reset_states_observation(minigrid_env, mixed_tasks):
    env = minigrid_env
    for i in range(len(MIXED)):
        task = index_tasks(mixed_tasks, i)
        state = env.env.reset_to_level(jax.random.key(0), task.level, task.params)
        chex.assert_trees_all_equal(env.env.get_obs(state, task.params), task.obs)


def test_same_key_same_trajectory(minigrid_env, mixed_tasks):
    env = minigrid_env
    n = len(MIXED)

    def roll(key):
        _, state = jax.vmap(env.reset)(jax.random.split(key, n), mixed_tasks)
        out = []
        for t in range(5):
            k = jax.random.fold_in(key, t)
            act = jax.random.randint(k, (n,), 0, env.num_actions)
            obs, state, r, *_ = jax.jit(jax.vmap(env.step))(jax.random.split(k, n), state, act, mixed_tasks)
            out.append((obs, r))
        return out

    chex.assert_trees_all_equal(roll(jax.random.key(4)), roll(jax.random.key(4)))


def test_task_env_rejects_unknown_reward_mode(minigrid_env):
    with pytest.raises(ValueError, match="reward_mode"):
        TaskEnv(minigrid_env.env, reward_mode="shaped")
