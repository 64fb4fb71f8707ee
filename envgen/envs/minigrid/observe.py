"""Observations: MiniGrid's 7x7 egocentric view with its occlusion rule, and the full symbolic map.

Only the view window is touched: its 49 cells are gathered straight from the grid (no pad, crop or
rotate of the map), then masked with ``process_vis`` computed on 7-bit row masks by table lookup.
Layout: ``image[vy, vx, channel]`` with the agent at the bottom centre facing up, i.e. MiniGrid's
``obs["image"].transpose(1, 0, 2)``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL, C.RED)
from envgen.envs.minigrid.state import EnvParams, EnvState


def _spread(seed: np.ndarray, clear: np.ndarray, size: int) -> np.ndarray:
    """Bits lit from ``seed`` along a row: light passes out of each ``clear`` (see-through) bit to both
    neighbours, so bit ``i + 1`` (``i - 1``) is lit when bit ``i`` is lit and clear."""
    full = (1 << size) - 1
    right, left = seed, seed
    for _ in range(size - 1):
        right = right | (((right & clear) << 1) & full)
        left = left | ((left & clear) >> 1)
    return right | left


def _row_table(size: int) -> np.ndarray:
    """``int32[2**(2 * size)]``: for index ``seed | clear << size``, the row's visible bits and, above
    them (``<< size``), the seed bits it hands to the row above (see :func:`visibility`)."""
    index = np.arange(1 << (2 * size), dtype=np.int64)
    seed, clear = index & ((1 << size) - 1), index >> size
    vis = _spread(seed, clear, size)
    lit = vis & clear
    up = (lit | (lit << 1) | (lit >> 1)) & ((1 << size) - 1)
    return (vis | (up << size)).astype(np.int32)


ROW_TABLE = _row_table(C.VIEW_SIZE)


def visibility(see_through: jax.Array) -> jax.Array:
    """MiniGrid's ``process_vis`` on a ``[V, V]`` (row vy, col vx) see-through mask.

    Row by row from the agent's row up: visibility spreads sideways through see-through cells (the
    left-to-right then right-to-left passes), and each visible see-through cell lights the three cells
    above it. Closing the sideways spread in both directions at once gives the same set as MiniGrid's
    two ordered passes (a cell reached going right then left is reachable going left directly).

    A row is a ``V``-bit integer, and one row's rule (seed bits, see-through bits) -> (visible bits,
    seed bits of the row above) is a lookup in a precomputed 16K-entry table: seven lookups per view.
    """
    size = see_through.shape[-1]
    mask = (1 << size) - 1
    table = jnp.asarray(ROW_TABLE if size == C.VIEW_SIZE else _row_table(size))
    weights = jnp.asarray(1 << (np.arange(size) + size), jnp.int32)
    clear = jnp.sum(jnp.where(see_through, weights, 0), axis=-1)  # [V]: see-through bits, pre-shifted
    seed = jnp.int32(1 << (size // 2))
    rows = [None] * size
    for j in reversed(range(size)):
        entry = table[seed | clear[j]]
        rows[j], seed = entry & mask, entry >> size
    bits = jnp.stack(rows)
    return ((bits[:, None] >> jnp.arange(size)[None, :]) & 1).astype(bool)


def see_through(typ: jax.Array, st: jax.Array) -> jax.Array:
    """Cells that do not block sight: everything but walls and closed or locked doors."""
    return (typ != C.WALL) & ~((typ == C.DOOR) & (st != C.OPEN))


def view_cells(grid: jax.Array, pos: jax.Array, direction: jax.Array, view_size: int = C.VIEW_SIZE):
    """The ``[V, V, 4]`` cells in front of the agent; outside the grid reads as grey wall (as MiniGrid).

    World coordinates come from the direction vector arithmetically (no table lookup) and the cells
    are read as one gather of whole ``uint8[4]`` cells from the flattened grid.
    """
    height, width = grid.shape[:2]
    vy, vx = np.meshgrid(np.arange(view_size), np.arange(view_size), indexing="ij")
    ahead = jnp.asarray(view_size - 1 - vy, jnp.int32)
    side = jnp.asarray(vx - view_size // 2, jnp.int32)
    fwd = jnp.asarray(C.DIR_TO_VEC)[direction]
    row = pos[0] + fwd[0] * ahead + fwd[1] * side  # right = (fwd_col, -fwd_row) in (row, col)
    col = pos[1] + fwd[1] * ahead - fwd[0] * side
    inside = (row >= 0) & (row < height) & (col >= 0) & (col < width)
    flat = jnp.clip(row, 0, height - 1) * width + jnp.clip(col, 0, width - 1)
    cells = grid.reshape(height * width, grid.shape[-1])[flat]
    wall = jnp.array([C.WALL, C.GREY, 0, 0], dtype=grid.dtype)
    return jnp.where(inside[..., None], cells, wall)


def partial_image(state: EnvState, params: EnvParams, view_size: int = C.VIEW_SIZE) -> jax.Array:
    """``uint8[V, V, 3]`` (type, colour, state) egocentric view with occlusion and the carried object."""
    cells = view_cells(state.grid, state.agent_pos, state.agent_dir, view_size)
    visible = visibility(see_through(cells[..., 0], cells[..., 2])) | params.see_through_walls
    image = jnp.where(visible[..., None], cells[..., :3], jnp.uint8(0))
    carried = state.carrying[0] > 0
    own = jnp.where(carried, jnp.stack([state.carrying[0], state.carrying[1], 0]),
                    jnp.array([C.EMPTY, 0, 0])).astype(jnp.uint8)
    return image.at[view_size - 1, view_size // 2].set(own)


def get_obs(state: EnvState, params: EnvParams, view_size: int = C.VIEW_SIZE) -> dict:
    """The agent's observation: egocentric image, direction and the integer mission."""
    return {
        "image": partial_image(state, params, view_size),
        "direction": state.agent_dir.astype(jnp.int32),
        "mission": state.mission.astype(jnp.int32),
    }


def full_obs(state: EnvState) -> jax.Array:
    """``uint8[H, W, 3]`` symbolic map, the agent drawn as MiniGrid's FullyObsWrapper does (10, red, dir)."""
    image = state.grid[..., :3]
    agent = jnp.stack([jnp.int32(C.AGENT), jnp.int32(C.RED), state.agent_dir]).astype(jnp.uint8)
    return image.at[state.agent_pos[0], state.agent_pos[1]].set(agent)
