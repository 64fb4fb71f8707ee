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
    assert solvable[name].all(), f"{name}: unsolvable seeds {np.where(~solvable[name])[0]}"
    short = name.split("/")[1]
    for i in range(levels.grid.shape[0]):
        g = np.asarray(levels.grid[i])
        r, c = (int(v) for v in levels.agent_pos[i])
        mission = np.asarray(levels.mission[i])
        assert g[r, c, 0] == C.EMPTY, "agent starts on an empty cell"
        assert (g[h:, :, 0] == C.WALL).all() and (g[:, w:, 0] == C.WALL).all(), "outside the grid is wall"
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
            n = {"MultiRoom-N2-S4": 2, "MultiRoom-N4-S5": 4, "MultiRoom-N6": 6}[short]
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
        elif short in ("Unlock", "UnlockPickup", "BlockedUnlockPickup") or short.startswith("ObstructedMaze"):
            assert (h, w) == (6, 11)
            door = np.argwhere(g[..., 0] == C.DOOR)
            assert len(door) == 1 and tuple(door[0])[1] == 5 and g[tuple(door[0])][2] == C.LOCKED
            color = g[tuple(door[0])][1]
            boxed_key = ((g[..., 0] == C.BOX) & (g[..., 3] == C.KEY * 8 + color))[:, :5].sum()
            assert count(g[:, :5], C.KEY, color) + boxed_key == 1 and c < 5
            if "Blocked" in short or short.endswith("b"):
                assert g[door[0][0], 4, 0] == C.BALL
            if short == "Unlock":
                assert tuple(mission[:3]) == (C.M_OPEN_DOOR, C.DOOR, color)
            if "Pickup" in short:
                assert count(g[:, 6:], C.BOX) == 1 and mission[0] == C.M_PICKUP and mission[1] == C.BOX
            if short.startswith("ObstructedMaze"):
                assert count(g[:, 6:], C.BALL, C.BLUE) == 1 and tuple(mission[:3]) == (C.M_PICKUP, C.BALL, C.BLUE)
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
            if short.startswith("PutNear"):
                assert tuple(mission[3:5]) in pairs and tuple(mission[3:5]) != tuple(mission[1:3])
                d = np.abs(objs[:, None] - objs[None]).max(-1) + np.eye(k, dtype=int) * 9
                assert d.min() >= 2, "objects kept apart"
        elif short.startswith("GoToDoor"):
            doors = np.argwhere(g[..., 0] == C.DOOR)
            assert len(doors) == 4 and len({g[tuple(d)][1] for d in doors}) == 4
            assert mission[1] == C.DOOR and mission[2] in {g[tuple(d)][1] for d in doors}
