"""The gymnax contract: jit/no-jit, vmap over configs, determinism, no recompilation, auto-reset modes,
observations and spaces."""

from __future__ import annotations

import jax
import jax.monitoring
import jax.numpy as jnp
import numpy as np
import pytest
from crafter_testlib import build_state, with_params

from envgen.envs.crafter.constants import NUM_ACTIONS, NUM_MATERIALS, M
from envgen.envs.crafter.env import Crafter
from envgen.envs.crafter.state import stack_params
from envgen.spec.crafter import CrafterSpec

T = 300
# Four differently compiled configs: biomes, inventories, stations, peaceful, day length, time limits.
SPECS = [
    CrafterSpec(),
    CrafterSpec(target_biome="mountain", coal_rarity="very common", max_steps=100,
                inventory_settings={"wood": 5, "wood_pickaxe": 1, "table": True}),
    CrafterSpec(target_biome="grassland", mobs={"peaceful": True, "spawn_cows": 3, "spawn_zombies": 4},
                day_length=60),
    CrafterSpec(target_biome="beaches", vitals={"health": 3, "food": 0}, day_length=60,
                mobs={"spawn_zombies": 4, "zombie_damage": 9, "spawn_skeletons": 2}),
]


def assert_trees_equal(a, b, float_tol=1e-5):
    la, lb = jax.tree.leaves(a), jax.tree.leaves(b)
    assert len(la) == len(lb)
    for x, y in zip(la, lb, strict=True):
        x, y = np.asarray(x), np.asarray(y)
        assert x.shape == y.shape and x.dtype == y.dtype
        if np.issubdtype(x.dtype, np.floating):
            np.testing.assert_allclose(x, y, atol=float_tol)
        else:
            np.testing.assert_array_equal(x, y)


def _summary(state):
    return dict(
        zombies=state.zombies.alive.sum(), skeletons=state.skeletons.alive.sum(), arrows=state.arrows.alive.sum(),
        cows=state.cows.alive.sum(), at_level=jnp.all(state.map == state.level.map)
        & jnp.all(state.player_pos == state.level.player_pos) & (state.time == 0),
        pos=state.player_pos, health=state.vitals[0])


@pytest.fixture(scope="module")
def rollout(env):
    """jit(vmap(scan of T steps)) with one params pytree per env; compiled once per module."""

    def one(state, params, key, actions):
        def body(state, xs):
            k, a = xs
            _, state, reward, terminated, truncated, _ = env.step(k, state, a, params)
            return state, dict(reward=reward, terminated=terminated, truncated=truncated, **_summary(state))

        return jax.lax.scan(body, state, (jax.random.split(key, T), actions))

    return jax.jit(jax.vmap(one))


@pytest.fixture(scope="module")
def batch(env):
    """Start states of the four configs (single resets, stacked), their params, keys and actions."""
    params = [s.compile() for s in SPECS]
    starts = [env.reset(k, p)[1] for k, p in zip(jax.random.split(jax.random.key(7), len(SPECS)), params,
                                                 strict=True)]
    keys = jax.random.split(jax.random.key(9), len(SPECS))
    actions = jax.random.randint(jax.random.key(8), (len(SPECS), T), 0, NUM_ACTIONS)
    return jax.tree.map(lambda *x: jnp.stack(x), *starts), stack_params(params), keys, actions


@pytest.fixture(scope="module")
def batch_result(rollout, batch):
    return jax.device_get(rollout(*batch))


def test_vmap_over_configs_equals_single_runs(env, batch, batch_result):
    starts, _, keys, actions = batch
    final_b, trace_b = batch_result
    for i in range(len(SPECS)):
        p = SPECS[i].compile()
        state = jax.tree.map(lambda x, i=i: x[i], starts)
        rewards = []
        for t, k in enumerate(jax.random.split(keys[i], T)):
            _, state, reward, *_ = env.step(k, state, actions[i, t], p)
            rewards.append(float(reward))
        np.testing.assert_allclose(rewards, trace_b["reward"][i], atol=1e-6)
        assert_trees_equal(state, jax.tree.map(lambda x, i=i: x[i], final_b))


def test_batch_exercises_resets_and_configs(batch, batch_result):
    start = batch[0]
    _, trace = batch_result
    # Config 1 has max_steps 100: every episode that does not die is truncated after exactly 100 steps.
    done = np.flatnonzero(trace["terminated"][1] | trace["truncated"][1])
    lengths = np.diff(np.concatenate([[-1], done]))
    assert trace["truncated"][1].sum() >= 1
    assert (lengths[trace["truncated"][1][done]] == 100).all() and (lengths <= 100).all()
    assert trace["terminated"][3].any()  # starving, weak and surrounded by zombies
    # Config 1 starts with 5 wood and a table next to the player.
    assert int(start.inventory[1, 1]) == 5 and int(start.inventory[0, 1]) == 0
    m = np.asarray(start.map[1])
    assert (m[31:34, 31:34] == M["table"]).sum() == 1


def test_level_reset_restores_stored_level(batch, batch_result):
    start = batch[0]
    final, trace = batch_result
    done = trace["terminated"] | trace["truncated"]
    assert done.sum() >= 4
    assert trace["at_level"][done].all()
    # The level never changes in "level" mode: every episode replays the same world.
    np.testing.assert_array_equal(np.asarray(final.level.map), np.asarray(start.level.map))
    np.testing.assert_array_equal(np.asarray(start.map), np.asarray(start.level.map))


def test_peaceful_never_has_hostile_mobs(batch_result):
    _, trace = batch_result
    # Config 2 is peaceful (even though it asks for forced zombie spawns) with 5 nights in 300 steps.
    assert trace["zombies"][2].max() == 0 and trace["skeletons"][2].max() == 0 and trace["arrows"][2].max() == 0
    assert trace["cows"][2].max() > 0
    # The hostile configs do get zombies, so the check above is not vacuous.
    assert trace["zombies"][3].max() > 0 and trace["zombies"][0].max() > 0


def test_same_key_same_trajectory(rollout, batch, batch_result):
    again = jax.device_get(rollout(*batch))
    assert_trees_equal(again, batch_result, float_tol=0.0)


def test_different_key_different_world(env, params):
    _, a = env.reset(jax.random.key(1), params)
    _, b = env.reset(jax.random.key(2), params)
    assert (np.asarray(a.map) != np.asarray(b.map)).mean() > 0.2


def test_jit_equals_no_jit(env, params, base_state):
    actions = [5, 2]  # eager execution is slow: two steps
    keys = jax.random.split(jax.random.key(3), len(actions))
    jitted = []
    state = base_state
    for k, a in zip(keys, actions, strict=True):
        out = env.step(k, state, a, params)
        state = out[1]
        jitted.append(out)
    state = base_state
    with jax.disable_jit():
        for k, a, ref in zip(keys, actions, jitted, strict=True):
            out = env.step(k, state, a, params)
            state = out[1]
            assert_trees_equal(out, ref)


def test_changing_params_never_recompiles(env, params, base_state):
    compiles = []

    def listener(name, *args, **kwargs):
        if name == "/jax/core/compile/backend_compile_duration":
            compiles.append(name)

    key = jax.random.key(0)
    out = env.step(key, base_state, 0, params)  # warm (already compiled by other tests)
    env.step(key, out[1], 0, params)  # the output state has the input's avals
    env.reset(key, params)
    cache = (Crafter.step._cache_size(), Crafter.reset._cache_size())
    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        for spec in SPECS + [CrafterSpec(target_biome="mountain", diamond_rarity="very common",
                                         achievement_weights={"collect_diamond": 5.0}, daylight_cycle=False)]:
            p = spec.compile()
            _, state = env.reset(key, p)
            env.step(key, state, 3, p)
        env.step(key, base_state, 1, with_params(params, trees_deplete=True, sapling_prob=0.5))
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)
    assert compiles == []
    assert (Crafter.step._cache_size(), Crafter.reset._cache_size()) == cache


def test_fresh_reset_mode_generates_new_world(base_state, params):
    fresh = Crafter(reset_mode="fresh")
    state = build_state(base_state, tiles={(1, 0): "lava"})
    worlds = []
    for seed in (0, 1):
        _, new, _, terminated, _, _ = fresh.step(jax.random.key(seed), state, 2, params)
        assert bool(terminated)
        assert (new.map == new.level.map).all() and int(new.time) == 0
        worlds.append(np.asarray(new.level.map))
        assert (worlds[-1] != np.asarray(base_state.level.map)).mean() > 0.2
    assert (worlds[0] != worlds[1]).mean() > 0.2


def test_bad_modes_rejected():
    with pytest.raises(ValueError, match="reset_mode"):
        Crafter(reset_mode="sometimes")
    with pytest.raises(ValueError, match="obs_type"):
        Crafter(obs_type="rgb")


def test_reset_from_level(env, params, base_state):
    _, other = env.reset(jax.random.key(11), params)
    p = with_params(params, initial_inventory=jnp.arange(12) % 3)
    obs, state = env.reset_from_level(jax.random.key(0), other.level, p)
    np.testing.assert_array_equal(np.asarray(state.map), np.asarray(other.level.map))
    assert_trees_equal(state.zombies, other.level.zombies)
    np.testing.assert_array_equal(np.asarray(state.inventory), np.arange(12) % 3)
    assert int(state.time) == 0 and not state.achievements.any()
    assert obs.shape == env.observation_space(p).shape


def test_info_and_final_observation(env, base_state, qparams, runner):
    state = build_state(base_state, tiles={(1, 0): "lava"})
    obs, new, _, terminated, _, info = runner.step(state, "move_right", qparams)
    assert set(info) >= {"achievements", "unlocked", "terminated", "truncated", "final_observation"}
    assert info["achievements"].shape == (22,) and info["unlocked"].dtype == jnp.bool_
    np.testing.assert_array_equal(np.asarray(obs), np.asarray(jax.jit(env.get_obs)(new)))
    assert not np.array_equal(np.asarray(info["final_observation"]), np.asarray(obs))


def test_symbolic_observation_layout(env, params, base_state):
    from envgen.envs.crafter import observe

    s = env.static_params
    state = build_state(base_state, tiles={(1, 0): "tree", (0, -1): "water"}, cows=[((-1, 0), 3)],
                        inventory={"wood": 9, "stone": 3}, vitals={"food": 0}, facing="up")
    obs = np.asarray(env.get_obs(state))
    space = env.observation_space(params)
    assert obs.shape == space.shape == (observe.symbolic_size(s),) and obs.dtype == np.float32 == space.dtype
    assert obs.min() >= 0.0 and obs.max() <= 1.0
    cells = s.view_width * s.view_height
    view = obs[: cells * (NUM_MATERIALS + 4)].reshape(s.view_width, s.view_height, NUM_MATERIALS + 4)
    assert (view[..., :NUM_MATERIALS].sum(-1) == 1).all()  # one material per cell
    hx, hy = observe.view_offsets(s)
    assert view[hx + 1, hy, M["tree"]] == 1 and view[hx, hy - 1, M["water"]] == 1
    assert view[hx - 1, hy, NUM_MATERIALS + 1] == 1  # cow channel
    assert view[..., NUM_MATERIALS + 1].sum() == 1 and view[..., NUM_MATERIALS].sum() == 0
    extras = obs[cells * (NUM_MATERIALS + 4):]
    assert extras[1] == 1.0 and extras[2] == pytest.approx(3 / 9)  # wood, stone
    assert extras[12 + 1] == 0.0 and extras[12] == 1.0  # food, health
    np.testing.assert_array_equal(extras[16:20], [0, 0, 1, 0])  # facing up


def test_pixel_observation(base_state, params):
    pix = Crafter(obs_type="pixels")
    get_obs = jax.jit(pix.get_obs)
    day = np.asarray(get_obs(base_state.replace(light=jnp.asarray(1.0, jnp.float32))))
    night = np.asarray(get_obs(base_state.replace(light=jnp.asarray(0.0, jnp.float32))))
    space = pix.observation_space(params)
    assert day.shape == space.shape == (63, 63, 3) and day.dtype == np.uint8 == space.dtype
    view_rows = 7 * pix.static_params.tile_pixels
    assert night[:view_rows].mean() < 0.6 * day[:view_rows].mean()
    assert day.std() > 10  # not a blank image


def test_spaces(env, params):
    assert env.action_space(params).n == NUM_ACTIONS == env.num_actions == 17
    assert env.observation_space(params).shape == (1219,)



def test_pixel_space_matches_other_view_shapes(base_state, params):
    """The pixel space follows StaticEnvParams (view rows + 2 inventory rows), not a square assumption."""
    from envgen.envs.crafter import observe
    from envgen.envs.crafter.state import StaticEnvParams

    static = StaticEnvParams(view_width=9, view_height=5, tile_pixels=7)
    pix = Crafter(static_params=static, obs_type="pixels")
    image = jax.eval_shape(lambda s: observe.pixel_obs(s, static), base_state)
    assert pix.observation_space(params).shape == image.shape == (49, 63, 3)
