"""Same situations in envgen and the Farama ``minigrid`` package: occlusion, encoding, and every preset
stepped beside the Farama class it reproduces (its own mission logic) must agree step for step."""

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


def farama_id(preset: str) -> str:
    """The gym id of the MiniGrid environment a preset reproduces."""
    short = preset.split("/")[1]
    if short.endswith(("-v0", "-v1")):
        return f"MiniGrid-{short}"
    return "MiniGrid-MultiRoom-N4-S5-v1" if short == "MultiRoom-N4-S5" else f"MiniGrid-{short}-v0"


def farama_grid(ref, obstacles=()) -> np.ndarray:
    """A Farama env's grid in envgen's layout (25x25 padded with walls), obstacles flagged as moving."""
    enc = ref.grid.encode().transpose(1, 0, 2)
    grid = np.zeros((25, 25, 4), np.uint8)
    grid[..., 0], grid[..., 1] = C.WALL, C.GREY
    grid[:enc.shape[0], :enc.shape[1], :3] = enc
    for obj in obstacles:
        grid[obj.cur_pos[1], obj.cur_pos[0], 3] = C.MOVING_BIT
    return grid


def mirror(ref, level, params):
    """Put a Farama env (its own class, so its own step and mission logic) in an envgen level's situation:
    grid, agent, time limit and the mission's target as that class keeps it."""
    height, width = int(params.height), int(params.width)
    ref.grid, objects = Grid(width, height), {}
    g = np.asarray(level.grid)
    for y in range(height):
        for x in range(width):
            t, c, s, extra = (int(v) for v in g[y, x])
            if t in (C.EMPTY, C.UNSEEN):
                continue
            obj = WorldObj.decode(t, c, s)
            if t == C.BOX and extra & C.CONTENTS_MASK:
                inside = extra & C.CONTENTS_MASK
                obj.contains = WorldObj.decode(inside // 8, inside % 8, 0)
            obj.init_pos = obj.cur_pos = (x, y)
            ref.grid.set(x, y, obj)
            objects[(y, x)] = obj
    ref.agent_pos = (int(level.agent_pos[1]), int(level.agent_pos[0]))
    ref.agent_dir, ref.carrying, ref.step_count = int(level.agent_dir), None, 0
    ref.max_steps = int(params.max_steps)
    kind, obj_t, obj_c = (int(v) for v in np.asarray(level.mission)[:3])
    ty, tx = (int(v) for v in level.target_pos)
    oy, ox = (int(v) for v in level.other_pos)
    if kind in (C.M_GO_TO, C.M_PUT_NEAR):
        ref.target_pos = (tx, ty)
    if kind == C.M_PUT_NEAR:
        ref.move_type, ref.moveColor = C.OBJECT_NAMES[obj_t], C.COLOR_NAMES[obj_c]
    if kind == C.M_PICKUP:
        ref.targetType, ref.targetColor = C.OBJECT_NAMES[obj_t], C.COLOR_NAMES[obj_c]   # Fetch
        marked = np.argwhere((g[..., 3] & C.TARGET_BIT) > 0)
        ref.obj = objects[tuple(marked[0])]                                                # the placed object
    if kind == C.M_OPEN_DOOR:
        ref.door = next(o for o in objects.values() if o.type == "door")
    if kind == C.M_OPEN_IN_ORDER:
        ref.red_door, ref.blue_door = objects[(oy, ox)], objects[(ty, tx)]
    if kind == C.M_MATCH:
        ref.success_pos, ref.failure_pos = (tx, ty), (ox, oy)
    ref.obstacles = [o for (y, x), o in objects.items() if g[y, x, 3] & C.MOVING_BIT]
    return ref


LEVELS, STEPS = 4, 40


def focus(level, params):
    """The level with the agent next to what its mission is about, facing it (keys in hand for doors), so
    random actions reach the mission's rewards and endings. Returns (level, carrying)."""
    g = np.asarray(level.grid)
    kind, obj_t, obj_c = (int(v) for v in np.asarray(level.mission)[:3])
    carrying = np.zeros(3, np.int32)
    target = tuple(int(v) for v in level.target_pos)
    if kind == C.M_PICKUP:
        target = tuple(np.argwhere((g[..., 3] & C.TARGET_BIT) > 0)[0])
    elif kind in (C.M_OPEN_DOOR, C.M_UNLOCK_DOOR):
        target = tuple(np.argwhere((g[..., 0] == C.DOOR) & (g[..., 1] == obj_c))[0])
        carrying = np.array([C.KEY, obj_c, 0], np.int32)
    elif kind == C.M_OPEN_IN_ORDER:
        target = tuple(int(v) for v in level.other_pos)
    elif kind == C.M_PUT_NEAR:
        target = tuple(np.argwhere((g[..., 0] == obj_t) & (g[..., 1] == obj_c))[0])
    elif kind in (C.M_REACH_GOAL, C.M_NONE) and (g[..., 0] == C.GOAL).any():
        target = tuple(np.argwhere(g[..., 0] == C.GOAL)[0])
    for d, (dr, dc) in enumerate(C.DIR_TO_VEC):
        r, c = target[0] - dr, target[1] - dc
        if 0 <= r < int(params.height) and 0 <= c < int(params.width) and g[r, c, 0] == C.EMPTY:
            return level.replace(agent_pos=np.array([r, c], np.int32), agent_dir=np.int32(d)), carrying
    return level, np.zeros(3, np.int32)
# biased to the actions that change things: pickup, drop, toggle and done
ACTION_P = [0.14, 0.14, 0.3, 0.12, 0.1, 0.12, 0.08]


@pytest.fixture(scope="module")
def rollouts(env, preset_levels, preset_params):
    """LEVELS levels of every preset stepped STEPS times with random actions, all in one batched call."""
    names = sorted(preset_levels)
    levels = jax.tree.map(lambda *x: np.concatenate([v[:LEVELS] for v in x]), *[preset_levels[n] for n in names])
    params = jax.tree.map(lambda *x: np.stack(x).repeat(LEVELS, 0), *[preset_params[n] for n in names])
    n = len(names) * LEVELS
    # half the levels as generated, half with the agent put next to its mission's object
    focused = [focus(jax.tree.map(lambda x, i=i: x[i], levels), jax.tree.map(lambda x, i=i: x[i], params))
               for i in range(n) if i % 2]
    levels = jax.tree.map(lambda x, *f: np.stack([f[i // 2] if i % 2 else x[i] for i in range(n)]), levels,
                          *[lv for lv, _ in focused])
    carrying = np.stack([focused[i // 2][1] if i % 2 else np.zeros(3, np.int32) for i in range(n)])
    actions = np.random.default_rng(1).choice(7, size=(n, STEPS), p=ACTION_P).astype(np.int32)
    keys = jax.random.split(jax.random.key(5), n * STEPS).reshape(n, STEPS)

    def roll(level, carrying, params, actions, keys):
        state = env.reset_to_level(None, level, params).replace(carrying=carrying)

        def body(state, x):
            obs, state, reward, done, _ = env.step_env(x[1], state, x[0], params)
            return state, (obs["image"], state.agent_pos, state.agent_dir, state.carrying[:2], reward, done)

        return env.get_obs(state, params)["image"], jax.lax.scan(body, state, (actions, keys))[1]

    first, steps = jax.device_get(jax.jit(jax.vmap(roll))(levels, carrying, params, actions, keys))
    return names, levels, carrying, params, actions, keys, first, steps


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_every_preset_steps_like_farama_with_its_own_mission(rollouts):
    """Every preset, from its own generated levels, stepped beside the Farama class it reproduces (that
    class's step, so its mission, rewards and endings): identical observations, positions, directions,
    carried objects, rewards and terminations. Moving obstacles follow envgen's draws in both."""
    import gymnasium as gym

    from envgen.envs.minigrid.step import plan_moves

    plan = jax.jit(plan_moves)
    names, levels, carrying, params, actions, keys, first, steps = rollouts
    images, positions, directions, carried, rewards, dones = steps
    checked = 0
    for i in range(len(names) * LEVELS):
        name = names[i // LEVELS]
        level = jax.tree.map(lambda x, i=i: x[i], levels)
        p = jax.tree.map(lambda x, i=i: x[i], params)
        ref = mirror(gym.make(farama_id(name)).unwrapped, level, p)
        if carrying[i, 0]:
            ref.carrying = WorldObj.decode(int(carrying[i, 0]), int(carrying[i, 1]), 0)
        where = f"{name} level {i % LEVELS}"
        np.testing.assert_array_equal(first[i], ref.gen_obs()["image"].transpose(1, 0, 2), err_msg=where)
        for t in range(STEPS):
            if ref.obstacles:   # move Farama's balls where envgen's draw sends them, in envgen's order
                grid = farama_grid(ref, ref.obstacles)
                agent = np.array([ref.agent_pos[1], ref.agent_pos[0]], np.int32)
                start, end, valid = (np.asarray(v) for v in plan(keys[i, t], grid, agent))
                moves = {tuple(a): tuple(b) for a, b, ok in zip(start, end, valid, strict=True) if ok}
                ref.obstacles.sort(key=lambda o: (o.cur_pos[1], o.cur_pos[0]))
                ref.place_obj = _scripted_place(ref, moves)
            ref_obs, ref_reward, ref_done, ref_trunc, _ = ref.step(int(actions[i, t]))
            at = f"{where} step {t + 1} action {int(actions[i, t])}"
            np.testing.assert_array_equal(images[i, t], ref_obs["image"].transpose(1, 0, 2), err_msg=at)
            assert int(directions[i, t]) == ref_obs["direction"], at
            assert tuple(positions[i, t]) == (ref.agent_pos[1], ref.agent_pos[0]), at
            held = (0, 0) if ref.carrying is None else tuple(ref.carrying.encode()[:2])
            assert tuple(carried[i, t]) == held, at
            assert bool(dones[i, t]) == ref_done, at
            assert float(rewards[i, t]) == pytest.approx(ref_reward, abs=1e-6), at
            checked += 1
            if ref_done or ref_trunc:
                break
    assert checked > len(names) * LEVELS * 5


def _scripted_place(ref, moves):
    """A ``place_obj`` for Dynamic-Obstacles' step that puts each ball where envgen moved it."""

    def place_obj(obj, *args, **kwargs):
        x, y = obj.cur_pos
        row, col = moves[(y, x)]
        if (row, col) == (y, x):
            raise RecursionError("no free cell")   # MiniGrid's step keeps a ball that cannot move
        ref.grid.set(col, row, obj)
        obj.cur_pos = (col, row)
        return obj.cur_pos

    return place_obj


def test_encoding_of_every_object(env):
    """Each object type/colour/state encodes as MiniGrid's (type, colour, state) in the view."""
    rows = ["#" * 28, "##KrAgBbDpCyLe##############", "##GG~~__......................##"[:28], "#" * 28]
    state = make_state(env, rows, agent=(2, 5), direction=3, carrying=(C.KEY, C.BLUE, 0))
    params = env.default_params.replace(see_through_walls=np.bool_(True))
    ref = to_farama(state, 4, 14, True)
    np.testing.assert_array_equal(np.asarray(env.get_obs(state, params)["image"]),
                                  ref.gen_obs()["image"].transpose(1, 0, 2))
