"""MiniGrid's rules, one action and one object at a time, on hand-built situations."""

from __future__ import annotations

import numpy as np
import pytest
from minigrid_testlib import make_state

from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL, C.RED)

ROOM = ["##########", "#........#", "#........#", "#........#", "##########"]


def room_with(token: str, at=(1, 3)):
    rows = [list(r[i:i + 2] for i in range(0, len(r), 2)) for r in ["#" * 2 * 5] + ["##" + ".." * 3 + "##"] * 3
            + ["#" * 2 * 5]]
    rows[at[0]][at[1]] = token
    return ["".join(r) for r in rows]


def run(env, step_fn, state, actions):
    params = env.default_params.replace(max_steps=np.int32(100))
    out = []
    for a in actions:
        obs, state, reward, done, info = step_fn(state, np.int32(a), params)
        out.append((float(reward), bool(done), info))
    return state, out


def test_turning(env, step_fn):
    state = make_state(env, room_with(".."), agent=(2, 2), direction=0)
    state, _ = run(env, step_fn, state, [C.LEFT])
    assert int(state.agent_dir) == 3
    state, _ = run(env, step_fn, state, [C.RIGHT, C.RIGHT])
    assert int(state.agent_dir) == 1
    assert tuple(np.asarray(state.agent_pos)) == (2, 2)


@pytest.mark.parametrize("token,moves", [("..", True), ("__", True), ("Dr", True), ("Cr", False), ("Lr", False),
                                         ("##", False), ("Ky", False), ("Ab", False), ("Bg", False)])
def test_forward_blocking(env, step_fn, token, moves):
    state = make_state(env, room_with(token, (2, 3)), agent=(2, 2), direction=0)
    state, out = run(env, step_fn, state, [C.FORWARD])
    assert tuple(np.asarray(state.agent_pos)) == ((2, 3) if moves else (2, 2))
    assert out[0] == (0.0, False, out[0][2])


def test_goal_gives_decayed_reward_and_lava_zero(env, step_fn):
    state = make_state(env, room_with("GG", (2, 3)), agent=(2, 2), direction=0)
    state, out = run(env, step_fn, state, [C.LEFT, C.RIGHT, C.FORWARD])
    assert out[2][1] and out[2][0] == pytest.approx(1 - 0.9 * 3 / 100)
    assert bool(state.success)
    state = make_state(env, room_with("~~", (2, 3)), agent=(2, 2), direction=0)
    state, out = run(env, step_fn, state, [C.FORWARD])
    assert out[0][:2] == (0.0, True) and tuple(np.asarray(state.agent_pos)) == (2, 3)


def test_pickup_needs_empty_hands_and_clears_cell(env, step_fn):
    state = make_state(env, room_with("Ky", (2, 3)), agent=(2, 2), direction=0)
    state, out = run(env, step_fn, state, [C.PICKUP])
    assert tuple(np.asarray(state.carrying)) == (C.KEY, C.YELLOW, 0)
    assert tuple(np.asarray(state.grid[2, 3, :3])) == (C.EMPTY, 0, 0)
    assert bool(out[0][2]["picked_up"])
    # hands full: a second pickup does nothing (no swap)
    state = make_state(env, room_with("Ab", (2, 3)), agent=(2, 2), direction=0, carrying=(C.KEY, C.RED, 0))
    state, _ = run(env, step_fn, state, [C.PICKUP])
    assert tuple(np.asarray(state.carrying)) == (C.KEY, C.RED, 0)
    assert int(state.grid[2, 3, 0]) == C.BALL
    # walls, doors and goals cannot be picked up
    for token in ("##", "Cr", "GG"):
        state = make_state(env, room_with(token, (2, 3)), agent=(2, 2), direction=0)
        state, _ = run(env, step_fn, state, [C.PICKUP])
        assert int(state.carrying[0]) == 0


@pytest.mark.parametrize("token,drops", [("..", True), ("__", False), ("GG", False), ("~~", False),
                                         ("Dr", False), ("Ab", False)])
def test_drop_only_on_truly_empty(env, step_fn, token, drops):
    state = make_state(env, room_with(token, (2, 3)), agent=(2, 2), direction=0, carrying=(C.BALL, C.PURPLE, 0))
    state, _ = run(env, step_fn, state, [C.DROP])
    assert int(state.carrying[0]) == (0 if drops else C.BALL)
    if drops:
        assert tuple(np.asarray(state.grid[2, 3, :3])) == (C.BALL, C.PURPLE, 0)


def test_door_toggle_semantics(env, step_fn):
    state = make_state(env, room_with("Cr", (2, 3)), agent=(2, 2), direction=0)
    state, _ = run(env, step_fn, state, [C.TOGGLE])
    assert int(state.grid[2, 3, 2]) == C.OPEN
    state, _ = run(env, step_fn, state, [C.TOGGLE])
    assert int(state.grid[2, 3, 2]) == C.CLOSED   # open doors close again
    # locked: no key, wrong key -> nothing; right key -> unlocked and open, key kept
    for carrying, expected in (((0, 0, 0), C.LOCKED), ((C.KEY, C.BLUE, 0), C.LOCKED), ((C.BALL, C.RED, 0), C.LOCKED),
                               ((C.KEY, C.RED, 0), C.OPEN)):
        state = make_state(env, room_with("Lr", (2, 3)), agent=(2, 2), direction=0, carrying=carrying)
        state, out = run(env, step_fn, state, [C.TOGGLE])
        assert int(state.grid[2, 3, 2]) == expected
        assert tuple(np.asarray(state.carrying)) == carrying
    assert bool(out[0][2]["door_unlocked"])
    # a toggled-open door is never re-locked
    state, _ = run(env, step_fn, state, [C.TOGGLE, C.TOGGLE])
    assert int(state.grid[2, 3, 2]) == C.OPEN


def test_box_toggle_reveals_contents_and_carried_box_keeps_them(env, step_fn):
    state = make_state(env, room_with("Bg", (2, 3)), agent=(2, 2), direction=0)
    grid = state.grid.at[2, 3, 3].set(C.KEY * 8 + C.YELLOW)
    state = state.replace(grid=grid)
    carried, _ = run(env, step_fn, state, [C.PICKUP])
    assert tuple(np.asarray(carried.carrying)) == (C.BOX, C.GREEN, C.KEY * 8 + C.YELLOW)
    dropped, _ = run(env, step_fn, carried, [C.DROP])
    assert tuple(np.asarray(dropped.grid[2, 3])) == (C.BOX, C.GREEN, 0, C.KEY * 8 + C.YELLOW)
    opened, out = run(env, step_fn, state, [C.TOGGLE])
    assert tuple(np.asarray(opened.grid[2, 3])) == (C.KEY, C.YELLOW, 0, 0)
    empty_box = make_state(env, room_with("Bg", (2, 3)), agent=(2, 2), direction=0)
    opened, _ = run(env, step_fn, empty_box, [C.TOGGLE])
    assert tuple(np.asarray(opened.grid[2, 3])) == (C.EMPTY, 0, 0, 0)   # an empty box disappears


def test_done_is_noop_outside_goto(env, step_fn):
    state = make_state(env, room_with("..", (2, 3)), agent=(2, 2), direction=0)
    after, out = run(env, step_fn, state, [C.DONE])
    assert out[0][:2] == (0.0, False)
    assert np.array_equal(np.asarray(after.grid), np.asarray(state.grid))


def test_missions(env, step_fn):
    # go_to: done next to the target succeeds, done elsewhere or toggle ends with 0
    go_to = (C.M_GO_TO, C.BALL, C.BLUE, 0, 0)
    state = make_state(env, room_with("Ab", (2, 3)), agent=(2, 2), direction=3, mission=go_to)
    _, out = run(env, step_fn, state, [C.DONE])
    assert out[0][1] and out[0][0] > 0
    far = make_state(env, room_with("Ab", (3, 3)), agent=(1, 1), direction=0, mission=go_to)
    _, out = run(env, step_fn, far, [C.DONE])
    assert out[0][:2] == (0.0, True)
    _, out = run(env, step_fn, far, [C.TOGGLE])
    assert out[0][:2] == (0.0, True)
    # pickup: the right object succeeds; a wrong one ends the episode only with wrong_pickup_ends
    pick = (C.M_PICKUP, C.KEY, C.YELLOW, 0, 0)
    state = make_state(env, room_with("Ky", (2, 3)), agent=(2, 2), direction=0, mission=pick)
    _, out = run(env, step_fn, state, [C.PICKUP])
    assert out[0][1] and out[0][0] > 0
    wrong = make_state(env, room_with("Kr", (2, 3)), agent=(2, 2), direction=0, mission=pick)
    _, out = run(env, step_fn, wrong, [C.PICKUP])
    assert out[0][:2] == (0.0, False)
    params = env.default_params.replace(wrong_pickup_ends=np.bool_(True))
    _, _, reward, done, _ = step_fn(wrong, np.int32(C.PICKUP), params)
    assert bool(done) and float(reward) == 0.0
    # open / unlock the red door
    state = make_state(env, room_with("Lr", (2, 3)), agent=(2, 2), direction=0, carrying=(C.KEY, C.RED, 0),
                       mission=(C.M_UNLOCK_DOOR, C.DOOR, C.RED, 0, 0))
    _, out = run(env, step_fn, state, [C.TOGGLE])
    assert out[0][1] and out[0][0] > 0
    state = make_state(env, room_with("Cr", (2, 3)), agent=(2, 2), direction=0,
                       mission=(C.M_OPEN_DOOR, C.DOOR, C.RED, 0, 0))
    _, out = run(env, step_fn, state, [C.TOGGLE])
    assert out[0][1] and out[0][0] > 0
    # put_near: dropping next to the target (diagonals count) succeeds; any drop ends the episode
    put = (C.M_PUT_NEAR, C.BALL, C.BLUE, C.KEY, C.RED)
    rows = room_with("Kr", (3, 4))
    state = make_state(env, rows, agent=(2, 2), direction=0, carrying=(C.BALL, C.BLUE, 0), mission=put)
    _, out = run(env, step_fn, state, [C.DROP])
    assert out[0][1] and out[0][0] > 0
    state = make_state(env, room_with("Kr", (1, 1)), agent=(2, 2), direction=0, carrying=(C.BALL, C.BLUE, 0),
                       mission=put)
    state = state.replace(grid=state.grid.at[1, 1, 0].set(C.KEY))
    moved = state.replace(agent_pos=np.array([3, 2], np.int32), grid=state.grid)
    _, out = run(env, step_fn, moved, [C.DROP])
    assert out[0][:2] == (0.0, True)


def test_pickup_succeeds_only_with_the_object_the_level_placed(env, step_fn):
    """Two identical yellow keys, only the left one is the mission's (MiniGrid compares objects)."""
    rows = ["##########", "##Ky..Ky##", "##########"]
    pick = (C.M_PICKUP, C.KEY, C.YELLOW, 0, 0)
    twin = make_state(env, rows, agent=(1, 2), direction=0, mission=pick, mark=(1, 1))
    _, out = run(env, step_fn, twin, [C.PICKUP])
    assert out[0][:2] == (0.0, False)
    state = make_state(env, rows, agent=(1, 2), direction=2, mission=pick, mark=(1, 1))
    after, out = run(env, step_fn, state, [C.PICKUP])
    assert out[0][1] and out[0][0] > 0 and int(after.carrying[0]) == C.KEY


def test_go_to_means_the_cell_where_the_target_was_placed(env, step_fn):
    """MiniGrid keeps the target's start cell: done next to it succeeds even when the agent holds the
    target; done next to an identical object elsewhere ends with 0."""
    go_to = (C.M_GO_TO, C.BALL, C.BLUE, 0, 0)
    held = make_state(env, room_with("..", (2, 3)), agent=(2, 2), direction=3, carrying=(C.BALL, C.BLUE, 0),
                      mission=go_to, target=(2, 3))
    _, out = run(env, step_fn, held, [C.DONE])
    assert out[0][1] and out[0][0] > 0
    twin = make_state(env, room_with("Ab", (3, 3)), agent=(3, 2), direction=0, mission=go_to, target=(1, 1))
    _, out = run(env, step_fn, twin, [C.DONE])
    assert out[0][:2] == (0.0, True)


def test_put_near_counts_the_target_cell_after_the_target_is_gone(env, step_fn):
    """PutNear's target box was toggled away: dropping onto its old cell still succeeds, as in MiniGrid."""
    put = (C.M_PUT_NEAR, C.BALL, C.BLUE, C.BOX, C.RED)
    state = make_state(env, room_with("..", (2, 3)), agent=(2, 2), direction=0, carrying=(C.BALL, C.BLUE, 0),
                       mission=put, target=(2, 3))
    _, out = run(env, step_fn, state, [C.DROP])
    assert out[0][1] and out[0][0] > 0


def test_open_in_order(env, step_fn):
    """RedBlueDoors: red then blue succeeds; blue first, or red after blue, ends with 0."""
    order = (C.M_OPEN_IN_ORDER, C.DOOR, C.RED, C.DOOR, C.BLUE)
    rows = ["##########", "##CrAgCb##", "##########"]
    state = make_state(env, rows, agent=(1, 2), direction=2, mission=order, target=(1, 3), other=(1, 1))
    state = state.replace(grid=state.grid.at[1, 2].set(np.array([C.EMPTY, 0, 0, 0], np.uint8)))
    _, out = run(env, step_fn, state, [C.TOGGLE, C.RIGHT, C.RIGHT, C.TOGGLE])
    assert [o[1] for o in out] == [False, False, False, True] and out[3][0] > 0
    _, out = run(env, step_fn, state.replace(agent_dir=np.int32(0)), [C.TOGGLE])
    assert out[0][:2] == (0.0, True)
    blue_open = state.replace(grid=state.grid.at[1, 3, 2].set(C.OPEN))
    _, out = run(env, step_fn, blue_open, [C.TOGGLE])
    assert out[0][:2] == (0.0, True)


def test_match_ends_on_either_cell_and_pickup_acts_as_toggle(env, step_fn):
    match = (C.M_MATCH, 0, 0, 0, 0)
    state = make_state(env, room_with("Ag", (3, 3)), agent=(2, 2), direction=0, mission=match, target=(2, 3),
                       other=(1, 2))
    _, out = run(env, step_fn, state, [C.FORWARD])
    assert out[0][1] and out[0][0] > 0
    _, out = run(env, step_fn, state.replace(agent_dir=np.int32(3)), [C.FORWARD])
    assert out[0][:2] == (0.0, True)
    after, out = run(env, step_fn, state.replace(agent_pos=np.array([2, 3], np.int32), agent_dir=np.int32(1)),
                     [C.PICKUP])
    assert int(after.carrying[0]) == 0 and int(after.grid[3, 3, 0]) == C.BALL


def _moving(state, *cells):
    grid = np.asarray(state.grid).copy()
    for r, c in cells:
        grid[r, c, 3] |= C.MOVING_BIT
    return state.replace(grid=grid, level=state.level.replace(grid=grid))


def test_dynamic_obstacles_collision_and_three_actions(env, step_fn):
    """Forward into anything but the goal (judged before the balls move) ends with -1; actions past
    forward turn left, as in MiniGrid's Dynamic-Obstacles."""
    params = env.default_params.replace(moving_obstacles=np.int32(1), max_steps=np.int32(100))
    state = _moving(make_state(env, room_with("Ab", (2, 3)), agent=(2, 2), direction=0), (2, 3))
    _, _, reward, done, _ = step_fn(state, np.int32(C.FORWARD), params)
    assert bool(done) and float(reward) == -1.0
    wall = make_state(env, room_with("..", (2, 3)), agent=(1, 1), direction=3)
    _, _, reward, done, _ = step_fn(wall, np.int32(C.FORWARD), params)
    assert bool(done) and float(reward) == -1.0
    _, after, reward, done, _ = step_fn(wall, np.int32(C.PICKUP), params)
    assert int(after.agent_dir) == 2 and not bool(done)


def test_moving_obstacle_steps_to_a_uniform_free_neighbour(env):
    """A lone ball moves to each of its 8 free neighbours about equally often, never onto the agent or a
    wall; boxed in, it stays."""
    import jax

    from envgen.envs.minigrid.step import move_obstacles

    rows = ["############", "##........##", "##........##", "##....Ab..##", "##........##", "############"]
    state = _moving(make_state(env, rows, agent=(2, 3)), (3, 3))
    keys = jax.random.split(jax.random.key(0), 1600)
    grids = np.asarray(jax.jit(jax.vmap(move_obstacles, (0, None, None)))(keys, state.grid, state.agent_pos))
    where = [tuple(np.argwhere(g[..., 0] == C.BALL)[0]) for g in grids]
    counts = {cell: where.count(cell) for cell in set(where)}
    neighbours = {(r, c) for r in (2, 3, 4) for c in (2, 3, 4)} - {(3, 3), (2, 3)}
    assert set(counts) == neighbours
    assert all(120 < n < 300 for n in counts.values()), counts      # 1600 / 7 = 229 each
    assert all(g[..., 3][g[..., 0] == C.BALL][0] & C.MOVING_BIT for g in grids[:20])
    assert (grids[:, 3, 3] == [C.EMPTY, 0, 0, 0]).all(), "the ball's old cell is empty again"
    assert ((grids[..., 0] == C.EMPTY).sum((1, 2)) == (np.asarray(state.grid)[..., 0] == C.EMPTY).sum()).all()
    boxed = ["##########", "##AbAbAb##", "##AbAbAb##", "##AbAbAb##", "##########"]
    boxed = _moving(make_state(env, boxed, agent=(1, 1)), (2, 2))
    out = np.asarray(move_obstacles(jax.random.key(3), boxed.grid, boxed.agent_pos))
    assert np.array_equal(out, np.asarray(boxed.grid))
