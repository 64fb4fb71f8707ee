"""Pixels for people: procedurally drawn tiles (no assets), MiniGrid's look and colours."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL, C.RED)

TILE = 16


def _disk(n, cx, cy, r):
    yy, xx = np.mgrid[0:n, 0:n] + 0.5
    return (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r


@lru_cache(maxsize=512)
def tile(obj: int, color: int, state: int, agent_dir: int = -1, size: int = TILE) -> np.ndarray:
    """One ``size x size`` RGB tile for an encoded cell, optionally with the agent drawn on top."""
    img = np.zeros((size, size, 3), np.uint8)
    rgb = C.COLOR_RGB[color % C.NUM_COLORS]
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    s = size
    if obj == C.WALL:
        img[:] = C.COLOR_RGB[C.GREY]
    elif obj == C.FLOOR:
        img[1:-1, 1:-1] = rgb // 2
    elif obj == C.GOAL:
        img[:] = C.COLOR_RGB[C.GREEN]
    elif obj == C.LAVA:
        img[:] = (255, 128, 0)
        waves = (np.abs(((yy / s * 4) % 1) - 0.5) < 0.08) & (xx > s * 0.1) & (xx < s * 0.9)
        img[waves] = 0
    elif obj == C.DOOR:
        if state == C.OPEN:
            img[:, :2] = rgb
            img[:, -2:] = rgb
        else:
            img[:] = rgb
            img[2:-2, 2:-2] = rgb // 3 if state == C.LOCKED else 0
            if state == C.LOCKED:
                img[s // 2 - 1:s // 2 + 1, s // 2:s - 4] = rgb
            else:
                img[_disk(s, s * 0.75, s * 0.5, s * 0.08)] = rgb
    elif obj == C.KEY:
        img[_disk(s, s * 0.5, s * 0.3, s * 0.18)] = rgb
        img[_disk(s, s * 0.5, s * 0.3, s * 0.08)] = 0
        img[int(s * 0.45):int(s * 0.85), int(s * 0.45):int(s * 0.56)] = rgb
        img[int(s * 0.7):int(s * 0.78), int(s * 0.56):int(s * 0.7)] = rgb
    elif obj == C.BALL:
        img[_disk(s, s * 0.5, s * 0.5, s * 0.32)] = rgb
    elif obj == C.BOX:
        img[2:-2, 2:-2] = rgb
        img[4:-4, 4:-4] = 0
        img[s // 2 - 1:s // 2 + 1, 2:-2] = rgb
    if agent_dir >= 0:
        # red triangle pointing along the direction
        fx, fy = {0: (1, 0), 1: (0, 1), 2: (-1, 0), 3: (0, -1)}[agent_dir]
        u = (xx - s / 2) * fx + (yy - s / 2) * fy      # along the heading
        v = -(xx - s / 2) * fy + (yy - s / 2) * fx     # across
        tri = (u > -s * 0.3) & (u < s * 0.35) & (np.abs(v) < (s * 0.35 - u) * 0.45)
        img[tri] = C.COLOR_RGB[C.RED]
    # grid lines
    img[0, :] = np.maximum(img[0, :], 40)
    img[:, 0] = np.maximum(img[:, 0], 40)
    return img


def render_cells(cells: np.ndarray, agent: tuple[int, int, int] | None = None, size: int = TILE) -> np.ndarray:
    """Draw an ``[H, W, >=3]`` array of (type, colour, state) cells; ``agent`` = (row, col, dir)."""
    cells = np.asarray(cells)
    h, w = cells.shape[:2]
    out = np.zeros((h * size, w * size, 3), np.uint8)
    for r in range(h):
        for c in range(w):
            t, k, s = (int(v) for v in cells[r, c, :3])
            d = agent[2] if agent is not None and (r, c) == (agent[0], agent[1]) else -1
            out[r * size:(r + 1) * size, c * size:(c + 1) * size] = tile(t, k, s, d, size)
    return out


def render_map(state, params, size: int = TILE) -> np.ndarray:
    """The active area of the grid with the agent."""
    h, w = int(params.height), int(params.width)
    pos = np.asarray(state.agent_pos)
    return render_cells(np.asarray(state.grid)[:h, :w], (int(pos[0]), int(pos[1]), int(state.agent_dir)), size)


def render_view(image, size: int = TILE) -> np.ndarray:
    """The agent's egocentric view (``[V, V, 3]``, agent at the bottom centre facing up)."""
    image = np.asarray(image)
    v = image.shape[0]
    return render_cells(image, (v - 1, v // 2, 3), size)
