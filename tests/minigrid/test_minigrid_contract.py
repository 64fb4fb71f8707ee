"""The env contract: jit == eager, vmap over mixed configs == single runs, determinism, no recompiles,
auto-reset to the stored level, spaces."""

from __future__ import annotations

import chex
import jax
import jax.numpy as jnp
import numpy as np
from minigrid_testlib import PRESETS, SEEDS, stack

import envgen

MIXED = ["minigrid/DoorKey-8x8", "minigrid/FourRooms", "minigrid/MultiRoom-N6", "minigrid/KeyCorridorS3R3",
         "minigrid/PutNear-8x8-N3", "minigrid/LavaCrossingS9N2", "minigrid/GoToDoor-6x6", "minigrid/Fetch-8x8-N3"]


def rollout(batch_step, states, params, key, steps=40):
    """Random-action rollout of a batch; returns per-step (obs images, rewards, dones)."""
    n = jax.tree.leaves(states)[0].shape[0]
    out = []
    for _ in range(steps):
        key, ka, ks = jax.random.split(key, 3)
        actions = jax.random.randint(ka, (n,), 0, 7)
        obs, states, reward, term, trunc, _ = batch_step(jax.random.split(ks, n), states, actions, params)
        out.append((np.asarray(obs["image"]), np.asarray(reward), np.asarray(term | trunc)))
    return out, states


def test_registry_and_default():
    env, params = envgen.make("minigrid")
    assert env.family == "minigrid" and int(params.width) == 8
    assert len(PRESETS) >= 40
    _, p = envgen.make("minigrid/DoorKey-8x8")
    assert int(p.max_steps) == 640


def test_vmap_mixed_equals_single_and_deterministic(env, batch_step, preset_params, preset_levels):
    params = stack([preset_params[n] for n in MIXED])
    levels = stack([jax.tree.map(lambda x: x[0], preset_levels[n]) for n in MIXED])
    states = jax.vmap(env.reset_to_level)(jax.random.split(jax.random.key(0), len(MIXED)), levels, params)
    batch, final = rollout(batch_step, states, params, jax.random.key(7))
    again, _ = rollout(batch_step, states, params, jax.random.key(7))
    for a, b in zip(batch, again, strict=True):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y)          # same key -> same trajectory
    # each member alone (batch of one) follows the same trajectory as inside the mixed batch
    key = jax.random.key(7)
    keys_a, keys_s = [], []
    for _ in range(40):
        key, ka, ks = jax.random.split(key, 3)
        keys_a.append(jax.random.randint(ka, (len(MIXED),), 0, 7))
        keys_s.append(jax.random.split(ks, len(MIXED)))
    for i in (0, 2, 5):
        single = jax.tree.map(lambda x, i=i: x[i:i + 1], states)
        p1 = jax.tree.map(lambda x, i=i: x[i:i + 1], params)
        for t in range(40):
            obs, single, reward, *_ = env.step(keys_s[t][i], jax.tree.map(lambda x: x[0], single),
                                               keys_a[t][i], jax.tree.map(lambda x: x[0], p1))
            single = jax.tree.map(lambda x: x[None], single)
            np.testing.assert_array_equal(np.asarray(obs["image"]), batch[t][0][i])
            assert float(reward) == batch[t][1][i]


def test_jit_equals_eager(env, step_fn, preset_params, preset_levels):
    params = preset_params["minigrid/KeyCorridorS3R3"]
    state = env.reset_to_level(None, jax.tree.map(lambda x: x[1], preset_levels["minigrid/KeyCorridorS3R3"]), params)
    for action in [2, 1, 2, 3, 5, 0, 2, 4, 5]:
        jitted = step_fn(state, jnp.int32(action), params)
        with jax.disable_jit():
            eager = env.step_env(jax.random.key(0), state, jnp.int32(action), params)
        chex.assert_trees_all_equal(jitted, eager)
        state = jitted[1]


def test_no_recompilation_across_configs(env, step_fn, gen_batch, trace_count, preset_params, preset_levels):
    names = PRESETS[:12]
    step_fn(env.reset_to_level(None, jax.tree.map(lambda x: x[0], preset_levels[names[0]]),
                               preset_params[names[0]]), jnp.int32(2), preset_params[names[0]])
    before = dict(trace_count)
    for n in names:
        p = preset_params[n]
        state = env.reset_to_level(None, jax.tree.map(lambda x: x[0], preset_levels[n]), p)
        step_fn(state, jnp.int32(2), p)
    # a different mix of configs through the batched generator: same shapes, no new trace
    batch = len(PRESETS) * SEEDS   # the shape preset_levels compiled for
    mix = stack([preset_params[n] for n in names * batch][:batch])
    gen_batch(jax.random.split(jax.random.key(3), batch), mix)
    assert trace_count == before


def test_autoreset_restores_stored_level(env, batch_step, preset_params, preset_levels):
    name = "minigrid/Empty-5x5"
    params = preset_params[name].replace(max_steps=jnp.int32(3))
    level = jax.tree.map(lambda x: x[0], preset_levels[name])
    state = env.reset_to_level(None, level, params)
    states = jax.tree.map(lambda x: x[None], state)
    p = jax.tree.map(lambda x: x[None], params)
    for _ in range(3):
        obs, states, _, term, trunc, info = batch_step(jax.random.split(jax.random.key(0), 1), states,
                                                       jnp.array([1]), p)
    assert bool(trunc[0]) and not bool(term[0])
    assert int(states.time[0]) == 0 and int(states.agent_dir[0]) == int(level.agent_dir)
    np.testing.assert_array_equal(np.asarray(states.grid[0]), np.asarray(level.grid))


def test_spaces(env):
    params = env.default_params
    obs, state = env.reset(jax.random.key(0), params)
    space = env.observation_space(params)
    assert obs["image"].shape == space.spaces["image"].shape and obs["image"].dtype == jnp.uint8
    assert bool(space.spaces["image"].contains(obs["image"]))
    assert env.action_space(params).n == 7 == env.num_actions
    full = env.full_obs(state)
    assert tuple(np.asarray(full[1, 1])) == (10, 0, 0)
