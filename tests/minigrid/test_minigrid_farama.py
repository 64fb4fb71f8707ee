"""Same situations in envgen and the Farama ``minigrid`` package: occlusion, encoding, movement, pickup,
drop and toggle must agree step for step."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from minigrid_testlib import make_state

from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL, C.RED)
from envgen.envs.minigrid.observe import visibility

mg = pytest.importorskip("minigrid")
from minigrid.core.grid import Grid  # noqa: E402
from minigrid.core.mission import MissionSpace  # noqa: E402
from minigrid.core.world_object import WorldObj  # noqa: E402
from minigrid.minigrid_env import MiniGridEnv  # noqa: E402


class Mirror(MiniGridEnv):
    """A Farama env whose grid we overwrite with an envgen level."""

    def __init__(self, width, height, see_through_walls):
        super().__init__(mission_space=MissionSpace(mission_func=lambda: "mirror"), width=width, height=height,
                         max_steps=10**6, see_through_walls=see_through_walls, agent_view_size=7)

    def _gen_grid(self, width, height):
        self.grid = Grid(width, height)
        self.agent_pos, self.agent_dir = (1, 1), 0


def to_farama(state, height, width, see_through_walls):
    """A Farama env in the same situation as an envgen state (grid, agent, carried object)."""
    env = Mirror(width, height, see_through_walls)
    env.reset(seed=0)
    g = np.asarray(state.grid)[:height, :width]
    grid = Grid(width, height)
    for y in range(height):
        for x in range(width):
            t, c, s, inside = (int(v) for v in g[y, x])
            if t in (C.EMPTY, C.UNSEEN):
                continue
            obj = WorldObj.decode(t, c, s)
            if t == C.BOX and inside:
                obj.contains = WorldObj.decode(inside // 8, inside % 8, 0)
            grid.set(x, y, obj)
    env.grid = grid
    env.agent_pos = (int(state.agent_pos[1]), int(state.agent_pos[0]))
    env.agent_dir = int(state.agent_dir)
    ct, cc, ci = (int(v) for v in np.asarray(state.carrying))
    env.carrying = None if ct == 0 else WorldObj.decode(ct, cc, 0)
    if ct == C.BOX and ci:
        env.carrying.contains = WorldObj.decode(ci // 8, ci % 8, 0)
    return env


def test_visibility_matches_process_vis():
    rng = np.random.default_rng(0)
    masks = rng.random((300, 7, 7)) < rng.uniform(0.2, 0.9, (300, 1, 1))
    ours = np.asarray(jax.jit(jax.vmap(visibility))(masks))
    for see, got in zip(masks, ours, strict=True):
        grid = Grid(7, 7)
        for vy in range(7):
            for vx in range(7):
                if not see[vy, vx]:
                    grid.set(vx, vy, WorldObj.decode(C.WALL, C.GREY, 0))
        expected = grid.process_vis(agent_pos=(3, 6))   # [x, y]
        np.testing.assert_array_equal(got, expected.T)


@pytest.mark.parametrize("preset", ["minigrid/DoorKey-8x8", "minigrid/ObstructedMaze-1Dlhb", "minigrid/KeyCorridorS4R3",
                                    "minigrid/LavaCrossingS9N2", "minigrid/GoToDoor-8x8", "minigrid/Fetch-8x8-N3",
                                    "minigrid/MultiRoom-N4-S5", "minigrid/FourRooms"])
def test_random_rollouts_match(env, step_fn, preset_levels, preset_params, preset):
    """Random actions (biased to pickup/drop/toggle) from generated levels: identical observations,
    positions, directions, carried objects, rewards and goal/lava terminations."""
    params = preset_params[preset].replace(mission=np.array([C.M_REACH_GOAL, C.GOAL, C.GREEN, 0, 0], np.int32),
                                           max_steps=np.int32(10**6))
    height, width = int(params.height), int(params.width)
    stw = bool(params.see_through_walls)
    levels = preset_levels[preset]
    rng = np.random.default_rng(1)
    for i in range(4):
        level = jax.tree.map(lambda x, i=i: x[i], levels)
        state = env.reset_to_level(None, level, params)
        state = state.replace(mission=np.array([C.M_REACH_GOAL, C.GOAL, C.GREEN, 0, 0], np.int32))
        ref = to_farama(state, height, width, stw)
        obs = env.get_obs(state, params)
        np.testing.assert_array_equal(np.asarray(obs["image"]), ref.gen_obs()["image"].transpose(1, 0, 2))
        for _ in range(60):
            action = int(rng.choice(7, p=[0.15, 0.15, 0.3, 0.12, 0.12, 0.12, 0.04]))
            obs, state, reward, done, _ = step_fn(state, np.int32(action), params)
            ref_obs, ref_reward, ref_done, _, _ = ref.step(action)
            np.testing.assert_array_equal(np.asarray(obs["image"]), ref_obs["image"].transpose(1, 0, 2))
            assert int(obs["direction"]) == ref_obs["direction"]
            assert tuple(np.asarray(state.agent_pos)) == (ref.agent_pos[1], ref.agent_pos[0])
            carried = (0, 0) if ref.carrying is None else ref.carrying.encode()[:2]
            assert tuple(np.asarray(state.carrying[:2])) == tuple(carried)
            assert bool(done) == ref_done
            assert float(reward) == pytest.approx(ref_reward)
            if ref_done:
                break


def test_encoding_of_every_object(env):
    """Each object type/colour/state encodes as MiniGrid's (type, colour, state) in the view."""
    rows = ["#" * 28, "##KrAgBbDpCyLe##############", "##GG~~__......................##"[:28], "#" * 28]
    state = make_state(env, rows, agent=(2, 5), direction=3, carrying=(C.KEY, C.BLUE, 0))
    params = env.default_params.replace(see_through_walls=np.bool_(True))
    ref = to_farama(state, 4, 14, True)
    np.testing.assert_array_equal(np.asarray(env.get_obs(state, params)["image"]),
                                  ref.gen_obs()["image"].transpose(1, 0, 2))
