"""Generated levels against Farama's generators, in distribution: KeyCorridor's doors and start cells,
MultiRoom's room count (Farama retries until the chain is complete), and the cells RoomGrid puts objects
on (its ``reject_next_to`` reads the agent's default position)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from minigrid_testlib import PRESETS, SEEDS

from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL, C.RED)

gym = pytest.importorskip("gymnasium")
pytest.importorskip("minigrid")

BATCH = len(PRESETS) * SEEDS          # the session's generation batch size: no new compile
MIX = {"minigrid/KeyCorridorS4R3": 0.35, "minigrid/KeyCorridorS6R3": 0.35, "minigrid/MultiRoom-N6": 0.3}


@pytest.fixture(scope="module")
def mixed_levels(preset_params, gen_batch):
    counts = [int(BATCH * f) for f in MIX.values()]
    counts[-1] = BATCH - sum(counts[:-1])
    names = [n for n, k in zip(MIX, counts, strict=True) for _ in range(k)]
    params = jax.tree.map(lambda *x: jnp.stack(x), *[preset_params[n] for n in names])
    levels = jax.device_get(gen_batch(jax.random.split(jax.random.key(7), BATCH), params))
    names = np.array(names)
    return {n: jax.tree.map(lambda x, n=n: x[names == n], levels) for n in MIX}


def corridor_stats(grids, agents, dirs, room_size, rows):
    """Per level: closed doors, a door between two left rooms, the agent on a removed corridor wall, the
    agent facing an object, the agent facing a door (one connect_all added after placing the agent)."""
    s1 = room_size - 1
    out = []
    for g, (r, c), d in zip(grids, agents, dirs, strict=True):
        doors = int(((g[..., 0] == C.DOOR) & (g[..., 2] == C.CLOSED)).sum())
        left_link = any(g[j * s1, 1:s1, 0].tolist().count(C.DOOR) for j in range(1, rows))
        on_removed_wall = r % s1 == 0
        fr, fc = np.array([r, c]) + C.DIR_TO_VEC[d]
        out.append((doors, left_link, on_removed_wall, g[fr, fc, 0] in C.PICKABLE, g[fr, fc, 0] == C.DOOR))
    return np.array(out, float)


def farama_corridor(gid, n):
    env = gym.make(gid).unwrapped
    grids, agents, dirs = [], [], []
    for seed in range(n):
        env.reset(seed=seed)
        grids.append(env.grid.encode().transpose(1, 0, 2))
        agents.append((env.agent_pos[1], env.agent_pos[0]))
        dirs.append(env.agent_dir)
    return grids, agents, dirs


@pytest.mark.parametrize("name,room_size", [("KeyCorridorS4R3", 4), ("KeyCorridorS6R3", 6)])
def test_key_corridor_matches_farama_in_distribution(mixed_levels, name, room_size):
    """Doors from connect_all (count, links between left rooms) and start cells (removed corridor walls
    included, never facing an object) agree with Farama's generator within sampling error."""
    lv = mixed_levels[f"minigrid/{name}"]
    ours = corridor_stats(np.asarray(lv.grid), np.asarray(lv.agent_pos), np.asarray(lv.agent_dir), room_size, 3)
    theirs = corridor_stats(*farama_corridor(f"MiniGrid-{name}-v0", 300), room_size, 3)
    assert ours[:, 3].sum() == 0 and theirs[:, 3].sum() == 0, "the agent never starts facing an object"
    assert abs(ours[:, 0].mean() - theirs[:, 0].mean()) < 0.3, (ours[:, 0].mean(), theirs[:, 0].mean())
    for k in (1, 2, 4):   # left-room links, start on a removed wall, facing a door: within ~4 standard errors
        assert abs(ours[:, k].mean() - theirs[:, k].mean()) < 0.12, (k, ours[:, k].mean(), theirs[:, k].mean())
    assert theirs[:, 2].mean() > 0.2 and ours[:, 2].mean() > 0.2


def test_multiroom_n6_always_has_six_rooms(mixed_levels):
    """Farama redraws the chain until all six rooms fit; so does envgen (hundreds of levels, none short)."""
    grids = np.asarray(mixed_levels["minigrid/MultiRoom-N6"].grid)
    doors = ((grids[..., 0] == C.DOOR) & (grids[..., 2] == C.CLOSED)).sum((1, 2))
    assert len(doors) > 300 and (doors == 5).all(), np.bincount(doors)


# RoomGrid presets whose mission object lies in the middle room, where reject_next_to bites, then two
# RoomGrid presets where it cannot: Unlock (the key is in the other room) and KeyCorridorS4R3 (the
# default position is in the corridor, the ball and key in side rooms).
REJECT = ("UnlockPickup", "BlockedUnlockPickup", "ObstructedMaze-1Dl", "ObstructedMaze-1Dlh", "ObstructedMaze-1Dlhb")
FARAMA_SEEDS = 200


@pytest.fixture(scope="module")
def room_grid_levels(preset_params, gen_batch):
    names = [f"minigrid/{n}" for n in (*REJECT, "Unlock", "KeyCorridorS4R3")]
    per = BATCH // len(names)
    batch = [n for n in names for _ in range(per)]
    batch += [names[0]] * (BATCH - len(batch))
    params = jax.tree.map(lambda *x: jnp.stack(x), *[preset_params[n] for n in batch])
    levels = jax.device_get(gen_batch(jax.random.split(jax.random.key(11), BATCH), params))
    batch = np.array(batch)
    return {n.split("/")[1]: jax.tree.map(lambda x, n=n: x[batch == n], levels) for n in names}


def farama_cells(gid: str, n: int) -> tuple[set, set]:
    """(row, col) cells over ``n`` seeds: of the object to pick up (``env.obj``), and of the key (or the
    box that holds it)."""
    env = gym.make(gid).unwrapped
    targets, keys = set(), set()
    for seed in range(n):
        env.reset(seed=seed)
        if getattr(env, "obj", None) is not None:
            targets.add((int(env.obj.cur_pos[1]), int(env.obj.cur_pos[0])))
        for x in range(env.width):
            for y in range(env.height):
                cell = env.grid.get(x, y)
                inner = getattr(cell, "contains", None)
                if cell is not None and (cell.type == "key" or (inner is not None and inner.type == "key")):
                    keys.add((y, x))
    return targets, keys


def key_cells(grids) -> set:
    is_key = (grids[..., 0] == C.KEY) | ((grids[..., 0] == C.BOX) & (grids[..., 3] // 8 == C.KEY))
    return {(int(r), int(c)) for _, r, c in zip(*np.nonzero(is_key), strict=True)}


@pytest.mark.parametrize("name", REJECT)
def test_room_grid_object_cells_match_farama(room_grid_levels, name):
    """The object to pick up takes exactly the cells Farama's does: the 16 cells of its room minus the
    default agent cell and its 4 neighbours (about 166 envgen levels and 200 Farama seeds per env; each
    of the 11 cells is missed with probability below 1e-6). The key's cells (its whole room) too."""
    lv = room_grid_levels[name]
    targets, keys = farama_cells(f"MiniGrid-{name}-v0", FARAMA_SEEDS)
    assert len(targets) == 11 and len(keys) == 16
    ours = {tuple(int(v) for v in p) for p in np.asarray(lv.target_pos)}
    assert ours == targets, (sorted(ours - targets), sorted(targets - ours))
    assert key_cells(np.asarray(lv.grid)) == keys


def test_room_grid_presets_out_of_reach_of_the_rule_match_farama(room_grid_levels):
    """Where the default agent cell is away from every object (Unlock's key, KeyCorridor's ball and key),
    objects still take every cell of their room, as in Farama."""
    _, keys = farama_cells("MiniGrid-Unlock-v0", FARAMA_SEEDS)
    assert len(keys) == 16 and key_cells(np.asarray(room_grid_levels["Unlock"].grid)) == keys
    lv = room_grid_levels["KeyCorridorS4R3"]
    targets, keys = farama_cells("MiniGrid-KeyCorridorS4R3-v0", FARAMA_SEEDS)
    assert len(targets) == 12 and len(keys) == 12
    assert {tuple(int(v) for v in p) for p in np.asarray(lv.target_pos)} == targets
    assert key_cells(np.asarray(lv.grid)) == keys
