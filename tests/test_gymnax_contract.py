"""gymnax compatibility of both families, through gymnax's own wrappers and a PureJaxRL-style loop.

envgen's ``Environment`` follows gymnax's without subclassing it (envgen/envs/base.py); these tests are the
proof that gymnax code still drives it: ``LogWrapper`` and ``FlattenObservationWrapper`` inside
``jit(vmap(reset))`` and a ``lax.scan`` of ``vmap(step)`` (as PureJaxRL's ``make_train``), gymnax's spaces,
``GymnaxToGymWrapper``, and gymnax's ``discount`` convention (0 exactly on terminal steps, truncation
keeps 1) on both families.
"""

from __future__ import annotations

import json
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gymnax.environments import spaces
from gymnax.wrappers.gym import GymnaxToGymWrapper
from gymnax.wrappers.purerl import FlattenObservationWrapper, LogWrapper

import envgen

NUM_ENVS = 3
NUM_STEPS = 24


def _crafter_params(params):
    """Short episodes: health 1 with no food or drink dies after about 16 steps (Crafter takes one health
    point per 16 starving steps), before a 20-step limit."""
    return params.replace(initial_vitals=jnp.array([1, 0, 0, 9], jnp.int32), max_steps=jnp.int32(20))


def _crafter_mixed(params):
    """One config per env: dying ones (terminated) and healthy ones that reach a 7-step limit (truncated)."""
    healthy = params.replace(max_steps=jnp.int32(7))
    return [_crafter_params(params) if i % 2 == 0 else healthy for i in range(NUM_ENVS)]


def _minigrid_params(params):
    """GoToDoor ends on 'done' or 'toggle' (terminated, 2 of 7 random actions); a 6-step limit cuts the rest."""
    return params.replace(max_steps=jnp.int32(6))


def _minigrid_mixed(params):
    return [_minigrid_params(params)] * NUM_ENVS


FAMILIES = {
    "crafter": ("crafter", _crafter_params, _crafter_mixed),
    "minigrid": ("minigrid/GoToDoor-5x5", _minigrid_params, _minigrid_mixed),
}


@pytest.fixture(scope="module", params=sorted(FAMILIES))
def family(request):
    name, shared, mixed = FAMILIES[request.param]
    env, params = envgen.make(name)
    batch = jax.tree.map(lambda *xs: jnp.stack(xs), *mixed(params))
    return request.param, env, shared(params), batch


def _wrapped(name, env):
    """The PureJaxRL stack: ``LogWrapper(FlattenObservationWrapper(env))`` for Box observations; MiniGrid's
    Dict observation is outside ``FlattenObservationWrapper`` (it supports Box spaces only)."""
    return LogWrapper(FlattenObservationWrapper(env)) if name == "crafter" else LogWrapper(env)


def _rollout(env, params, key, batched: bool):
    """PureJaxRL's loop: reset, then a scan of step with random actions. Each step's obs, reward, done and
    info feed the carry (a running return, an observation checksum, finished-episode returns), so every
    output is consumed. ``batched``: ``vmap`` over ``NUM_ENVS`` envs; else one env (``key`` is its own)."""
    n_actions = env.action_space(params).n

    def reset(k):
        return env.reset(k, params)

    def step(k, s, a):
        return env.step(k, s, a, params)

    if batched:
        reset, step = jax.vmap(reset), jax.vmap(step)

    def run(key):
        key, k_reset = jax.random.split(key)
        k_reset = jax.random.split(k_reset, NUM_ENVS) if batched else k_reset
        obs, state = reset(k_reset)
        shape = (NUM_ENVS,) if batched else ()
        zero = jnp.zeros(shape, jnp.float32)

        def body(carry, _):
            state, obs, key, ret, checksum, finished = carry
            key, k_act, k_step = jax.random.split(key, 3)
            k_act = jax.random.split(k_act, NUM_ENVS) if batched else k_act
            k_step = jax.random.split(k_step, NUM_ENVS) if batched else k_step
            action = (jax.vmap(lambda k: jax.random.randint(k, (), 0, n_actions))(k_act) if batched
                      else jax.random.randint(k_act, (), 0, n_actions))
            # the policy would read obs here: fold it into the carry
            checksum = checksum + sum(x.reshape(*shape, -1).astype(jnp.float32).sum(-1) for x in jax.tree.leaves(obs))
            obs, state, reward, terminated, truncated, info = step(k_step, state, action)
            done = jnp.logical_or(terminated, truncated)
            ret = jnp.where(done, 0.0, ret + reward)
            finished = finished + jnp.where(info["returned_episode"], info["returned_episode_returns"], 0.0)
            transition = {"action": action, "reward": reward, "terminated": terminated, "truncated": truncated,
                          "done": done, "returned_episode": info["returned_episode"],
                          "returned_episode_lengths": info["returned_episode_lengths"],
                          "final_observation": info["final_observation"]}
            return (state, obs, key, ret, checksum, finished), transition

        carry, traj = jax.lax.scan(body, (state, obs, key, zero, zero, zero), None, NUM_STEPS)
        state, obs, _, ret, checksum, finished = carry
        return {"obs": obs, "ret": ret, "checksum": checksum,
                "finished": finished, "traj": traj, "time": state.env_state.time}

    return jax.jit(run)(key)


@pytest.fixture(scope="module")
def rollouts(family):
    name, env, params, _ = family
    wrapped = _wrapped(name, env)
    key = jax.random.key(42)
    batch = _rollout(wrapped, params, key, batched=True)
    again = _rollout(wrapped, params, key, batched=True)
    return name, env, wrapped, params, key, batch, again


def test_purejaxrl_loop_shapes_and_dtypes(rollouts):
    name, env, wrapped, params, _, batch, _ = rollouts
    traj = batch["traj"]
    space = wrapped.observation_space(params)
    if name == "crafter":
        assert isinstance(space, spaces.Box) and space.shape == (1219,)
        assert batch["obs"].shape == (NUM_ENVS, 1219) and batch["obs"].dtype == jnp.float32
        assert traj["final_observation"].shape == (NUM_STEPS, NUM_ENVS, 1219)
    else:
        assert isinstance(space, spaces.Dict)
        for key, sub in space.spaces.items():
            assert batch["obs"][key].shape == (NUM_ENVS, *sub.shape), key
            assert batch["obs"][key].dtype == sub.dtype, key
    assert isinstance(wrapped.action_space(params), spaces.Discrete)
    assert wrapped.action_space(params).n == env.num_actions
    for k in ("reward",):
        assert traj[k].shape == (NUM_STEPS, NUM_ENVS) and traj[k].dtype == jnp.float32
    for k in ("terminated", "truncated", "done", "returned_episode"):
        assert traj[k].shape == (NUM_STEPS, NUM_ENVS) and traj[k].dtype == jnp.bool_, k
    assert batch["time"].shape == (NUM_ENVS,)
    # episodes ended, and LogWrapper saw each end as one finished episode
    assert bool(jnp.any(traj["done"]))
    assert not bool(jnp.any(traj["terminated"] & traj["truncated"])), "truncation excludes termination"
    assert bool(jnp.all(traj["returned_episode"] == traj["done"]))
    assert bool(jnp.all(jnp.where(traj["truncated"], traj["returned_episode_lengths"] == params.max_steps, True)))
    assert np.isfinite(np.asarray(batch["checksum"])).all() and np.isfinite(np.asarray(batch["finished"])).all()


def test_same_key_same_rollout(rollouts):
    *_, batch, again = rollouts
    for a, b in zip(jax.tree.leaves(batch), jax.tree.leaves(again), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_vmapped_batch_equals_per_env_loop(rollouts):
    """Env i of the vmapped batch is the single-env loop run with env i's keys."""
    _, _, wrapped, params, key, batch, _ = rollouts
    n_actions = wrapped.action_space(params).n

    def single(i):
        # the batched run splits one key per env at reset and at every step: replay env i's share
        k, k_reset = jax.random.split(key)
        obs, state = wrapped.reset(jax.random.split(k_reset, NUM_ENVS)[i], params)
        rewards, dones = [], []
        for _ in range(NUM_STEPS):
            k, k_act, k_step = jax.random.split(k, 3)
            action = jax.random.randint(jax.random.split(k_act, NUM_ENVS)[i], (), 0, n_actions)
            obs, state, reward, terminated, truncated, info = wrapped.step(
                jax.random.split(k_step, NUM_ENVS)[i], state, action, params)
            rewards.append(reward)
            dones.append(jnp.logical_or(terminated, truncated))
        return obs, state, jnp.stack(rewards), jnp.stack(dones)

    for i in range(NUM_ENVS):
        obs, state, rewards, dones = single(i)
        np.testing.assert_array_equal(np.asarray(dones), np.asarray(batch["traj"]["done"][:, i]))
        for a, b in zip(jax.tree.leaves(obs), jax.tree.leaves(batch["obs"]), strict=True):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b[i]))
        assert int(state.env_state.time) == int(batch["time"][i])
        # the same rewards, to rounding: XLA rounds MiniGrid's 1 - 0.9 * t / max_steps up to 2 ulp apart in
        # the fused scan-of-vmap program and the step-at-a-time one (0.25 vs 0.24999997)
        np.testing.assert_allclose(np.asarray(rewards), np.asarray(batch["traj"]["reward"][:, i]), rtol=1e-6, atol=0)


def test_discount_is_zero_exactly_on_terminal_steps(family):
    """gymnax's ``discount(state)`` on the state a step produced (before auto-reset): 0.0 where that step
    terminated, 1.0 elsewhere, truncated steps included; ``is_terminal`` and ``is_terminated`` agree."""
    _, env, _, params = family
    n_actions = env.num_actions

    def body(state, key, params):
        k_act, k_step = jax.random.split(key)
        action = jax.random.randint(k_act, (), 0, n_actions)
        obs, state_next, reward, terminated, truncated, info = env.step(k_step, state, action, params)
        # env.step splits its key the same way: this is the transition it took, before the reset
        _, state_pre, _, terminated_pre, _ = env.step_env(jax.random.split(k_step)[0], state, action, params)
        out = {"terminated": terminated, "truncated": truncated, "terminated_pre": terminated_pre,
               "discount": env.discount(state_pre, params), "is_terminal": env.is_terminal(state_pre, params),
               "is_terminated": env.is_terminated(state_pre, params),
               "reset_discount": env.discount(state_next, params)}
        return state_next, out

    def run(key):
        keys = jax.random.split(key, NUM_ENVS + 1)
        _, state = jax.vmap(env.reset)(keys[1:], params)
        step_keys = jax.random.split(keys[0], (NUM_STEPS, NUM_ENVS))
        return jax.lax.scan(lambda s, k: jax.vmap(body)(s, k, params), state, step_keys)[1]

    out = jax.tree.map(np.asarray, jax.jit(run)(jax.random.key(5)))
    terminated, truncated = out["terminated"], out["truncated"]
    assert terminated.any() and (truncated & ~terminated).any()
    np.testing.assert_array_equal(out["terminated_pre"], terminated)
    np.testing.assert_array_equal(out["is_terminal"], terminated)
    np.testing.assert_array_equal(out["is_terminated"], terminated)
    np.testing.assert_array_equal(out["discount"], np.where(terminated, 0.0, 1.0))
    assert out["discount"].dtype == np.float32
    assert (out["discount"][truncated] == 1.0).all()
    # after auto-reset the returned state starts a new episode: never terminal
    assert (out["reset_discount"] == 1.0).all()


def test_gymnax_to_gym_wrapper(family):
    """gymnax's Gymnasium adapter converts the spaces and steps the env on the host."""
    _, env, params, _ = family
    gym_env = GymnaxToGymWrapper(env, params, seed=0)
    obs, info = gym_env.reset(seed=1)
    as_numpy = jax.tree.map(np.asarray, obs)
    assert gym_env.observation_space.contains(as_numpy)
    assert gym_env.action_space.n == env.num_actions
    for t in range(3):
        obs, reward, terminated, truncated, info = gym_env.step(t % env.num_actions)
        assert gym_env.observation_space.contains(jax.tree.map(np.asarray, obs))
        assert np.asarray(reward).dtype == np.float32 and np.asarray(terminated).dtype == np.bool_
        assert {"terminated", "truncated", "final_observation"} <= set(info)


def test_flatten_wrapper_refuses_dict_observations():
    """gymnax's ``FlattenObservationWrapper`` handles Box spaces only: it says so for MiniGrid's Dict."""
    env, params = envgen.make("minigrid")
    with pytest.raises(AssertionError, match="Only Box spaces"):
        FlattenObservationWrapper(env).observation_space(params)


LEAN_SCRIPT = """
import json, sys
import jax
import envgen
after_import = sorted(m for m in sys.modules if m.split(".")[0] == "gymnax")
crafter, _ = envgen.make("crafter")
env, params = envgen.make("minigrid/Empty-5x5")
obs, state = env.reset(jax.random.key(0), params)
env.step(jax.random.key(1), state, 2, params)
after_step = sorted(m for m in sys.modules if m.split(".")[0] == "gymnax")
from gymnax.environments import spaces
print(json.dumps({"after_import": after_import, "after_step": after_step,
                  "gymnax_spaces": isinstance(env.observation_space(params), spaces.Dict)
                  and isinstance(crafter.observation_space(crafter.default_params), spaces.Box)}))
"""


def test_import_envgen_leaves_gymnax_alone():
    """``import envgen``, making both families and stepping one import no gymnax module (none of its bundled
    envs, matplotlib or pandas) and patch nothing; the spaces are gymnax's own classes once asked for."""
    out = subprocess.run([sys.executable, "-c", LEAN_SCRIPT], capture_output=True, text=True, timeout=600, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"after_import": [], "after_step": [], "gymnax_spaces": True}
