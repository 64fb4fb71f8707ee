"""Solvability check and diagnosis; the reward view under jit/vmap."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from minigrid_testlib import make_state

from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL, C.RED)
from envgen.envs.minigrid.solvability import diagnose, is_solvable
from envgen.rewards.views.minigrid import build_view


def test_key_door_search(env):
    rows = ["####################", "##..Ky..##......####", "##......Ly......####", "##......##....GG####",
            "####################"]
    with_key = make_state(env, rows, agent=(1, 1))
    assert bool(is_solvable(with_key)) and diagnose(with_key) == ""
    no_key = make_state(env, [r.replace("Ky", "..") for r in rows], agent=(1, 1))
    assert not bool(is_solvable(no_key))
    assert "yellow locked door" in diagnose(no_key)
    wrong_key = make_state(env, [r.replace("Ky", "Kr") for r in rows], agent=(1, 1))
    assert not bool(is_solvable(wrong_key))
    key_in_box = make_state(env, [r.replace("Ky", "Bg") for r in rows], agent=(1, 1))
    key_in_box = key_in_box.replace(grid=key_in_box.grid.at[1, 2, 3].set(C.KEY * 8 + C.YELLOW))
    assert bool(is_solvable(key_in_box))
    held = make_state(env, [r.replace("Ky", "..") for r in rows], agent=(1, 1), carrying=(C.KEY, C.YELLOW, 0))
    assert bool(is_solvable(held))
    lava = make_state(env, [r.replace("Ly", "~~") for r in rows], agent=(1, 1))
    assert not bool(is_solvable(lava)) and "lava" in diagnose(lava)
    missing = make_state(env, rows, agent=(1, 1), mission=(C.M_PICKUP, C.BALL, C.RED, 0, 0))
    assert "does not exist" in diagnose(missing)
    # batched: vmap over the five situations
    batch = jax.tree.map(lambda *x: jnp.stack(x), with_key, no_key, wrong_key, key_in_box, lava)
    np.testing.assert_array_equal(np.asarray(jax.jit(jax.vmap(is_solvable))(batch)), [1, 0, 0, 1, 0])


def test_view_fields(env, step_fn):
    rows = ["##########", "##..Ab..##", "##......##", "##....GG##", "##########"]
    mission = (C.M_PICKUP, C.BALL, C.BLUE, 0, 0)
    state = make_state(env, rows, agent=(1, 1), direction=0, mission=mission)
    params = env.default_params
    view = jax.jit(build_view)(state, params)
    assert tuple(np.asarray(view.agent_pos)) == (1, 1) and int(view.front_type) == C.BALL
    assert tuple(np.asarray(view.goal_pos)) == (3, 3) and float(view.goal_distance) == 4.0
    assert tuple(np.asarray(view.target_pos)) == (1, 2) and float(view.target_distance) == 1.0
    assert bool(view.target_visible) and not bool(view.target_held)
    _, after, reward, done, _ = step_fn(state, jnp.int32(C.PICKUP), params)
    view2 = build_view(after, params)
    assert bool(view2.mission_success) and bool(view2.target_held) and float(view2.target_distance) == 0.0
    assert int(view2.carrying_type) == C.BALL and int(view2.carrying_color) == C.BLUE
    batched = jax.jit(jax.vmap(build_view, in_axes=(0, None)))(jax.tree.map(lambda *x: jnp.stack(x), state, after),
                                                               params)
    np.testing.assert_array_equal(np.asarray(batched.target_held), [False, True])
    for leaf in jax.tree.leaves(batched):
        assert leaf.ndim <= 2 and leaf.shape[0] == 2
