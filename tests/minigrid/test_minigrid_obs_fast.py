"""The window-only observation equals a plain-Python transcription of MiniGrid's ``gen_obs`` (view
extraction, ``process_vis`` occlusion, the carried object at the agent's cell) on random states: every
direction, positions at the grid's edges (the view leaves the grid), doors in every state, both
``see_through_walls`` settings, with and without a carried object, batched under ``vmap``."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL, C.RED)
from envgen.envs.minigrid.state import Level

V = C.VIEW_SIZE


def reference_image(grid: np.ndarray, pos, direction: int, carrying, see_through_walls: bool) -> np.ndarray:
    """MiniGrid's ``gen_obs`` image in envgen's ``[vy, vx, channel]`` layout, written cell by cell."""
    height, width = grid.shape[:2]
    fwd = C.DIR_TO_VEC[direction]
    right = (fwd[1], -fwd[0])
    cells = np.zeros((V, V, 3), np.int64)
    for vy in range(V):
        for vx in range(V):
            ahead, side = V - 1 - vy, vx - V // 2
            r = pos[0] + fwd[0] * ahead + right[0] * side
            c = pos[1] + fwd[1] * ahead + right[1] * side
            inside = 0 <= r < height and 0 <= c < width
            cells[vy, vx] = grid[r, c, :3] if inside else (C.WALL, C.GREY, 0)
    see = ~((cells[..., 0] == C.WALL) | ((cells[..., 0] == C.DOOR) & (cells[..., 2] != C.OPEN)))
    mask = np.zeros((V, V), bool)
    mask[V - 1, V // 2] = True
    for j in reversed(range(V)):  # process_vis with [x, y] swapped to our [row, col]
        for i in range(V - 1):
            if mask[j, i] and see[j, i]:
                mask[j, i + 1] = True
                if j > 0:
                    mask[j - 1, i + 1] = mask[j - 1, i] = True
        for i in reversed(range(1, V)):
            if mask[j, i] and see[j, i]:
                mask[j, i - 1] = True
                if j > 0:
                    mask[j - 1, i - 1] = mask[j - 1, i] = True
    if see_through_walls:
        mask[:] = True
    image = np.where(mask[..., None], cells, 0)
    image[V - 1, V // 2] = (carrying[0], carrying[1], 0) if carrying[0] else (C.EMPTY, 0, 0)
    return image.astype(np.uint8)


def random_grid(rng, height: int, width: int) -> np.ndarray:
    """Walls, doors (open, closed, locked), keys, balls, boxes, goals, lava and floor at random."""
    kinds = np.array([C.EMPTY, C.WALL, C.DOOR, C.KEY, C.BALL, C.BOX, C.GOAL, C.LAVA, C.FLOOR])
    grid = np.zeros((height, width, 4), np.uint8)
    grid[..., 0] = rng.choice(kinds, (height, width), p=[0.4, 0.25, 0.15, 0.04, 0.04, 0.04, 0.03, 0.03, 0.02])
    grid[..., 1] = rng.integers(0, C.NUM_COLORS, (height, width))
    grid[..., 2] = np.where(grid[..., 0] == C.DOOR, rng.integers(0, 3, (height, width)), 0)
    grid[..., 3] = np.where(grid[..., 0] == C.BOX, rng.integers(0, 64, (height, width)), 0)
    return grid


def test_window_observation_matches_minigrid_gen_obs(env):
    rng = np.random.default_rng(0)
    s = env.static_params
    n = 256
    grids = np.stack([random_grid(rng, s.max_height, s.max_width) for _ in range(n)])
    # half the agents anywhere, half on the border rows/columns so the window leaves the grid
    pos = rng.integers(0, [s.max_height, s.max_width], (n, 2)).astype(np.int32)
    edge = rng.random(n) < 0.5
    pos[edge, rng.integers(0, 2, edge.sum())] = rng.choice([0, 1, s.max_height - 2, s.max_height - 1], edge.sum())
    dirs = rng.integers(0, 4, n).astype(np.int32)
    carrying = np.where(rng.random((n, 1)) < 0.5, 0, np.stack(
        [rng.choice([C.KEY, C.BALL, C.BOX], n), rng.integers(0, C.NUM_COLORS, n), np.zeros(n, int)], 1))
    stw = rng.random(n) < 0.25
    grids[np.arange(n), pos[:, 0], pos[:, 1]] = (C.EMPTY, 0, 0, 0)

    level = Level(grid=jnp.asarray(grids), agent_pos=jnp.asarray(pos), agent_dir=jnp.asarray(dirs),
                  mission=jnp.zeros((n, C.MISSION_LEN), jnp.int32), target_pos=jnp.zeros((n, 2), jnp.int32),
                  other_pos=jnp.zeros((n, 2), jnp.int32))
    params = jax.tree.map(lambda x: jnp.broadcast_to(x, (n, *jnp.shape(x))), env.default_params)
    params = params.replace(see_through_walls=jnp.asarray(stw))

    def observe(lv, p, carried):
        state = env.reset_to_level(None, lv, p).replace(carrying=carried)
        return env.get_obs(state, p)

    obs = jax.jit(jax.vmap(observe))(level, params, jnp.asarray(carrying, jnp.int32))
    images = np.asarray(obs["image"])
    assert images.dtype == np.uint8 and images.shape == (n, V, V, 3)
    for i in range(n):
        expected = reference_image(grids[i], pos[i], int(dirs[i]), carrying[i], bool(stw[i]))
        np.testing.assert_array_equal(images[i], expected, err_msg=f"state {i}")
    np.testing.assert_array_equal(np.asarray(obs["direction"]), dirs)

