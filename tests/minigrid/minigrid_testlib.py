"""Helpers for the minigrid tests: building states from ASCII maps, preset names."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL, C.RED)
from envgen.envs.minigrid.env import MiniGrid
from envgen.envs.minigrid.state import Level
from envgen.envs.registry import presets

PRESETS = sorted(p for p in presets() if p.startswith("minigrid/"))
SEEDS = 16

CHARS = {".": (C.EMPTY, 0, 0), "#": (C.WALL, C.GREY, 0), "G": (C.GOAL, C.GREEN, 0), "~": (C.LAVA, C.RED, 0),
         "_": (C.FLOOR, C.BLUE, 0)}


def cell_from(token: str):
    """Parse a 2-char map token: '..', '##', 'Ky' key yellow, 'Ab' ball blue, 'Bg' box green,
    'Dr'/'Cr'/'Lr' open/closed/locked red door, 'GG' goal, '~~' lava."""
    colors = {"r": C.RED, "g": C.GREEN, "b": C.BLUE, "p": C.PURPLE, "y": C.YELLOW, "e": C.GREY}
    kind, col = token[0], token[1]
    if kind in CHARS:
        return (*CHARS[kind], 0)
    c = colors[col]
    return {"K": (C.KEY, c, 0, 0), "A": (C.BALL, c, 0, 0), "B": (C.BOX, c, 0, 0),
            "D": (C.DOOR, c, C.OPEN, 0), "C": (C.DOOR, c, C.CLOSED, 0), "L": (C.DOOR, c, C.LOCKED, 0)}[kind]


def make_state(env: MiniGrid, rows: list[str], agent=(1, 1), direction=0, carrying=(0, 0, 0),
               mission=(C.M_REACH_GOAL, C.GOAL, C.GREEN, 0, 0), target=None, other=(0, 0), mark=None):
    """Build an EnvState from a list of map rows of 2-char tokens (padding with walls).

    As generation does, a pickup mission marks every object it names (or only the cell ``mark``), and
    ``target`` defaults to the first cell holding the object go_to names or put_near's target.
    """
    s = env.static_params
    grid = np.zeros((s.max_height, s.max_width, 4), np.uint8)
    grid[..., 0], grid[..., 1] = C.WALL, C.GREY
    for r, line in enumerate(rows):
        for c in range(len(line) // 2):
            grid[r, c] = cell_from(line[2 * c:2 * c + 2])
    kind = mission[0]
    named = (grid[..., 0] == mission[1]) & (grid[..., 1] == mission[2])
    if kind == C.M_PICKUP:
        marked = named if mark is None else np.zeros_like(named)
        if mark is not None:
            marked[mark] = True
        grid[..., 3] |= np.where(marked, C.TARGET_BIT, 0).astype(np.uint8)
    if target is None:
        wanted = (grid[..., 0] == mission[3]) & (grid[..., 1] == mission[4]) if kind == C.M_PUT_NEAR else named
        hits = np.argwhere(wanted)
        target = tuple(hits[0]) if len(hits) else (0, 0)
    level = Level(grid=jnp.asarray(grid), agent_pos=jnp.asarray(agent, jnp.int32),
                  agent_dir=jnp.int32(direction), mission=jnp.asarray(mission, jnp.int32),
                  target_pos=jnp.asarray(target, jnp.int32), other_pos=jnp.asarray(other, jnp.int32))
    state = env.reset_to_level(None, level, env.default_params)
    return state.replace(carrying=jnp.asarray(carrying, jnp.int32))


def stack(trees):
    """Stack pytrees along a new leading axis."""
    return jax.tree.map(lambda *x: jnp.stack(x), *trees)
