"""Observations: MiniGrid's 7x7 egocentric view with its occlusion rule, and the full symbolic map.

The view is gathered straight from the grid with per-direction offset tables (no pad, crop or
rotate), then masked with a vectorised ``process_vis``. Layout: ``image[vy, vx, channel]`` with the
agent at the bottom centre facing up, i.e. MiniGrid's ``obs["image"].transpose(1, 0, 2)``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL, C.RED)
from envgen.envs.minigrid.state import EnvParams, EnvState


def view_offsets(view_size: int = C.VIEW_SIZE) -> np.ndarray:
    """``int32[4, V, V, 2]``: world (d_row, d_col) of view cell [vy, vx] for each direction."""
    vy, vx = np.meshgrid(np.arange(view_size), np.arange(view_size), indexing="ij")
    out = np.zeros((4, view_size, view_size, 2), np.int32)
    for d in range(4):
        fwd = C.DIR_TO_VEC[d]
        right = np.array([fwd[1], -fwd[0]])  # MiniGrid's right_vec (-dy, dx) in (row, col)
        ahead = view_size - 1 - vy
        side = vx - view_size // 2
        out[d] = fwd[None, None] * ahead[..., None] + right[None, None] * side[..., None]
    return out


def visibility(see_through: jax.Array) -> jax.Array:
    """MiniGrid's ``process_vis`` on a ``[V, V]`` (row vy, col vx) see-through mask.

    Row by row from the agent's row up: visibility spreads sideways through see-through cells (the
    left-to-right then right-to-left passes), and each visible see-through cell lights the three cells
    above it. Closing the sideways spread in both directions at once gives the same set as MiniGrid's
    two ordered passes (a cell reached going right then left is reachable going left directly).

    The sideways closure is a lookup in a per-row reachability matrix built from prefix counts of
    opaque cells, so the only sequential part is one small reduction per row. (An unrolled
    cell-by-cell spread makes XLA's fusion duplicate work and compile for seconds.)
    """
    size = see_through.shape[-1]
    # cs[j, t] = number of opaque cells among row j's first t cells (a matmul: cumsum compiles slowly)
    prefix = jnp.asarray(np.arange(size)[:, None] < np.arange(size + 1)[None, :], jnp.float32)
    cs = ((~see_through).astype(jnp.float32) @ prefix).astype(jnp.int32)  # [V, V+1]
    k = jnp.arange(size)[:, None]
    i = jnp.arange(size)[None, :]
    # reach[j, k, i]: in row j, a visible see-through cell k lights cell i along the row
    right = (k < i) & (cs[:, None, :size] == cs[:, :size, None])           # sb[k..i-1] all clear
    left = (k > i) & (cs[:, 1:, None] == cs[:, None, 1:])                   # sb[i+1..k] all clear
    reach = (k == i) | right | left
    seed = jnp.arange(size) == size // 2
    rows = [None] * size
    for j in reversed(range(size)):
        vis = jnp.any(seed[:, None] & reach[j], axis=0)
        rows[j] = vis
        lit = vis & see_through[j]
        seed = lit | jnp.concatenate([lit[1:], lit[:1] & False]) | jnp.concatenate([lit[:1] & False, lit[:-1]])
    return jnp.stack(rows)


def see_through(typ: jax.Array, st: jax.Array) -> jax.Array:
    """Cells that do not block sight: everything but walls and closed or locked doors."""
    return (typ != C.WALL) & ~((typ == C.DOOR) & (st != C.OPEN))


def view_cells(grid: jax.Array, pos: jax.Array, direction: jax.Array, view_size: int = C.VIEW_SIZE):
    """The ``[V, V, 4]`` cells in front of the agent; outside the grid reads as grey wall (as MiniGrid)."""
    offsets = jnp.asarray(view_offsets(view_size))[direction]
    world = pos[None, None, :] + offsets
    height, width = grid.shape[:2]
    inside = (world[..., 0] >= 0) & (world[..., 0] < height) & (world[..., 1] >= 0) & (world[..., 1] < width)
    cells = grid[jnp.clip(world[..., 0], 0, height - 1), jnp.clip(world[..., 1], 0, width - 1)]
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
