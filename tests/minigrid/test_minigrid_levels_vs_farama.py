"""Generated levels against Farama's generators, in distribution: KeyCorridor's doors and start cells,
and MultiRoom's room count (Farama retries until the chain is complete)."""

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
