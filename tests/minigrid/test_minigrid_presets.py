"""Every classic preset, many seeds in one batched generation: layout invariants and solvability."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from minigrid_testlib import PRESETS

from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL, C.RED)
from envgen.envs.minigrid.solvability import is_solvable


def count(g, t, color=None, state=None):
    m = g[..., 0] == t
    if color is not None:
        m &= g[..., 1] == color
    if state is not None:
        m &= g[..., 2] == state
    return int(m.sum())


@pytest.fixture(scope="module")
def solvable(preset_levels):
    fn = jax.jit(jax.vmap(is_solvable))
    return {n: np.asarray(fn(lv)) for n, lv in preset_levels.items()}


@pytest.mark.parametrize("name", PRESETS)
def test_preset_invariants(name, preset_levels, preset_params, solvable):
    levels, p = preset_levels[name], preset_params[name]
    h, w = int(p.height), int(p.width)
    short = name.split("/")[1]
    # ObstructedMaze v0 keeps MiniGrid v0's flaw: a blocking ball may overwrite a key placed before it
    v0_blocked = short in ("ObstructedMaze-2Dlhb", "ObstructedMaze-1Q", "ObstructedMaze-2Q", "ObstructedMaze-Full")
    if not v0_blocked:
        assert solvable[name].all(), f"{name}: unsolvable seeds {np.where(~solvable[name])[0]}"
    for i in range(levels.grid.shape[0]):
        g = np.asarray(levels.grid[i])
        r, c = (int(v) for v in levels.agent_pos[i])
        mission = np.asarray(levels.mission[i])
        assert g[r, c, 0] == C.EMPTY, "agent starts on an empty cell"
        assert (g[h:, :, 0] == C.WALL).all() and (g[:, w:, 0] == C.WALL).all(), "outside the grid is wall"
        target = tuple(int(v) for v in levels.target_pos[i])
        other = tuple(int(v) for v in levels.other_pos[i])
        marked = np.argwhere((g[..., 3] & C.TARGET_BIT) > 0)
        if mission[0] == C.M_PICKUP:
            assert len(marked) >= 1 and all(tuple(g[tuple(m)][:2]) == tuple(mission[1:3]) for m in marked)
        else:
            assert len(marked) == 0
        moving = np.argwhere((g[..., 3] & C.MOVING_BIT) > 0)
        if not short.startswith("Dynamic"):
            assert len(moving) == 0
        if not short.startswith(("MultiRoom", "GoToDoor")):
            ring = np.concatenate([g[0, :w], g[h - 1, :w], g[:h, 0], g[:h, w - 1]])
            assert set(ring[:, 0]) <= {C.WALL, C.DOOR}
        if short.startswith("Empty"):
            assert count(g, C.GOAL) == 1 and g[h - 2, w - 2, 0] == C.GOAL
            if "Random" not in short:
                assert (r, c, int(levels.agent_dir[i])) == (1, 1, 0)
        elif short.startswith("DoorKey"):
            split = [x for x in range(1, w - 1) if (g[1:h - 1, x, 0] != C.EMPTY).all()
                     and count(g[:, x:x + 1], C.DOOR) == 1]
            assert len(split) == 1 and 2 <= split[0] <= w - 3
            assert count(g, C.DOOR, C.YELLOW, C.LOCKED) == 1 and count(g, C.KEY, C.YELLOW) == 1
            kc = np.argwhere(g[..., 0] == C.KEY)[0][1]
            assert kc < split[0] and c < split[0], "key and agent left of the wall"
            assert g[h - 2, w - 2, 0] == C.GOAL
        elif short == "FourRooms":
            assert (h, w) == (19, 19) and count(g, C.GOAL) == 1
            assert (g[9, 1:18, 0] != C.WALL).sum() == 2 and (g[1:18, 9, 0] != C.WALL).sum() == 2
        elif short.startswith("MultiRoom"):
            n = {"MultiRoom-N2-S4": 2, "MultiRoom-N4-S5": 4, "MultiRoom-N4-S5-v0": 6, "MultiRoom-N6": 6}[short]
            assert count(g, C.DOOR, state=C.CLOSED) == n - 1 and count(g, C.GOAL) == 1
        elif short.startswith("LavaGap"):
            assert count(g, C.LAVA) == h - 3 and g[h - 2, w - 2, 0] == C.GOAL
        elif "Crossing" in short:
            obstacle = C.LAVA if short.startswith("Lava") else C.WALL
            k = int(short.split("N")[1])
            lines = [x for x in range(2, w - 2, 2) if (g[1:h - 1, x, 0] == obstacle).sum() >= h - 2 - k]
            lines += [y for y in range(2, h - 2, 2) if (g[y, 1:w - 1, 0] == obstacle).sum() >= w - 2 - k]
            assert len(lines) >= k and g[h - 2, w - 2, 0] == C.GOAL
        elif short.startswith("KeyCorridor"):
            door = np.argwhere((g[..., 0] == C.DOOR) & (g[..., 2] == C.LOCKED))
            assert len(door) == 1
            color = g[tuple(door[0])][1]
            assert count(g, C.KEY, color) == 1 and count(g, C.BALL) == 1
            ball = np.argwhere(g[..., 0] == C.BALL)[0]
            key = np.argwhere(g[..., 0] == C.KEY)[0]
            s = int(p.room_size) - 1
            assert ball[1] > 2 * s and key[1] < s, "ball behind the locked door on the right, key on the left"
            assert tuple(mission[:3]) == (C.M_PICKUP, C.BALL, g[tuple(ball)][1])
        elif short in ("Unlock", "UnlockPickup", "BlockedUnlockPickup") or short.startswith("ObstructedMaze-1D"):
            assert (h, w) == (6, 11)
            door = np.argwhere(g[..., 0] == C.DOOR)
            assert len(door) == 1 and tuple(door[0])[1] == 5 and g[tuple(door[0])][2] == C.LOCKED
            color = g[tuple(door[0])][1]
            boxed_key = ((g[..., 0] == C.BOX) & (g[..., 3] == C.KEY * 8 + color))[:, :5].sum()
            assert count(g[:, :5], C.KEY, color) + boxed_key == 1 and c < 5
            if "Blocked" in short or short.endswith("b"):
                assert g[door[0][0], 4, 0] == C.BALL
            if short.startswith("ObstructedMaze"):   # MiniGrid's blockers are green, the target blue
                assert set(g[..., 1][g[..., 0] == C.BALL]) <= {C.GREEN, C.BLUE}
            if short == "Unlock":
                assert tuple(mission[:3]) == (C.M_OPEN_DOOR, C.DOOR, color)
            if "Pickup" in short:
                assert count(g[:, 6:], C.BOX) == 1 and mission[0] == C.M_PICKUP and mission[1] == C.BOX
            if short.startswith("ObstructedMaze"):
                assert count(g[:, 6:], C.BALL, C.BLUE) == 1 and tuple(mission[:3]) == (C.M_PICKUP, C.BALL, C.BLUE)
        elif short.startswith("ObstructedMaze"):
            q = {"2Dl": 1, "2Dlh": 1, "2Dlhb": 1, "1Q": 1, "2Q": 2, "Full": 4}[short.split("-")[1]]
            assert (h, w) == (16, 16) and count(g, C.DOOR, state=C.LOCKED) == 2 * q
            assert count(g, C.DOOR, state=C.CLOSED) == q
            ball = marked[0]
            corners = [(0, 2), (2, 2), (2, 0), (0, 0)][:q]
            assert (ball[0] // 5, ball[1] // 5) in corners and tuple(g[tuple(ball)][:2]) == (C.BALL, C.BLUE)
            variant = short.split("-")[1]
            blocked, boxed = variant not in ("2Dl", "2Dlh"), variant != "2Dl"
            assert count(g, C.BALL, C.GREEN) == (2 * q if blocked else 0)
            keys = count(g, C.KEY) + int(((g[..., 0] == C.BOX) & ((g[..., 3] & 63) // 8 == C.KEY)).sum())
            assert keys == 2 * q or (v0_blocked and keys < 2 * q)
            assert count(g, C.BOX) == (keys if boxed else 0)
            start = {"2": (1, 2), "1": (1, 1), "F": (1, 1)}[short.split("-")[1][0]]
            assert (r // 5, c // 5) == start
        elif short.startswith("DistShift"):
            strip = 2 if short.endswith("1") else 5
            assert {tuple(x) for x in np.argwhere(g[..., 0] == C.LAVA)} == {(y, x) for y in (1, strip)
                                                                              for x in (3, 4, 5)}
            assert g[1, 7, 0] == C.GOAL and (r, c, int(levels.agent_dir[i])) == (1, 1, 0)
        elif short.startswith("Dynamic"):
            n = {5: 2, 6: 3, 8: 4, 16: 8}[h]
            assert len(moving) == n and count(g, C.BALL, C.BLUE) == n and g[h - 2, w - 2, 0] == C.GOAL
            if "Random" not in short:
                assert (r, c, int(levels.agent_dir[i])) == (1, 1, 0)
        elif short.startswith("Memory"):
            mid, shown = h // 2, g[h // 2 - 1, 1, 0]
            assert r == mid and int(levels.agent_dir[i]) == 0 and count(g, C.KEY, C.GREEN) + count(g, C.BALL) == 3
            above, below = (target, other) if target[0] < mid else (other, target)
            assert above[1] == below[1] == target[1] and (above[0], below[0]) == (mid - 1, mid + 1)
            matching = g[target[0] - 1, target[1], 0] if target == above else g[target[0] + 1, target[1], 0]
            assert matching == shown and c < target[1]
            if "Random" not in short:
                assert target[1] == w - 2
        elif short.startswith("RedBlueDoors"):
            n = h
            assert w == 2 * n and g[other][:3].tolist() == [C.DOOR, C.RED, C.CLOSED] and other[1] == n // 2
            assert g[target][:3].tolist() == [C.DOOR, C.BLUE, C.CLOSED] and target[1] == n // 2 + n - 1
            assert n // 2 < c < n // 2 + n - 1 and count(g, C.DOOR) == 2
            assert tuple(mission) == (C.M_OPEN_IN_ORDER, C.DOOR, C.RED, C.DOOR, C.BLUE)
        elif short == "LockedRoom":
            doors = np.argwhere(g[..., 0] == C.DOOR)
            assert len(doors) == 6 and len({g[tuple(d)][1] for d in doors}) == 6
            lock = np.argwhere((g[..., 0] == C.DOOR) & (g[..., 2] == C.LOCKED))
            assert len(lock) == 1 and tuple(mission[:3]) == (C.M_REACH_GOAL, C.KEY, g[tuple(lock[0])][1])
            goal, key = np.argwhere(g[..., 0] == C.GOAL)[0], np.argwhere(g[..., 0] == C.KEY)[0]
            assert goal[0] // 6 == lock[0][0] // 6 and (goal[1] < 7) == (lock[0][1] == 7)
            assert key[0] // 6 != goal[0] // 6 or (key[1] < 7) != (goal[1] < 7)
            assert 7 < c < 11
        elif short == "Playground":
            assert count(g, C.DOOR, state=C.CLOSED) == 12 and len(np.argwhere(np.isin(g[..., 0], C.PICKABLE))) == 12
            doors = np.argwhere(g[..., 0] == C.DOOR)
            assert all(max(d[0] % 6, d[1] % 6) <= 4 for d in doors), "MiniGrid's offsets stop short of the corner"
            assert mission[0] == C.M_NONE
        elif short.startswith(("GoToObject", "PutNear", "Fetch")):
            k = int(short.split("N")[-1])
            objs = np.argwhere(np.isin(g[..., 0], C.PICKABLE))
            assert len(objs) == k
            pairs = {tuple(g[tuple(o)][:2]) for o in objs}
            if not short.startswith("Fetch"):
                assert len(pairs) == k, "distinct objects"
            else:
                assert {t for t, _ in pairs} <= {C.KEY, C.BALL}
            assert tuple(mission[1:3]) in pairs
            if short.startswith("GoToObject"):
                assert tuple(g[target][:2]) == tuple(mission[1:3]), "the target is the object placed there"
            if short.startswith("PutNear"):
                assert tuple(g[target][:2]) == tuple(mission[3:5])
                assert tuple(mission[3:5]) in pairs and tuple(mission[3:5]) != tuple(mission[1:3])
                d = np.abs(objs[:, None] - objs[None]).max(-1) + np.eye(k, dtype=int) * 9
                assert d.min() >= 2, "objects kept apart"
        elif short.startswith("GoToDoor"):
            doors = np.argwhere(g[..., 0] == C.DOOR)
            assert len(doors) == 4 and len({g[tuple(d)][1] for d in doors}) == 4
            assert mission[1] == C.DOOR and mission[2] in {g[tuple(d)][1] for d in doors}
            assert tuple(g[target][:2]) == (C.DOOR, mission[2])
