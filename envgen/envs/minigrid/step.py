"""MiniGrid's transition rules, branch-free: one cell (the one in front) changes per step.

Every masked write is gated on its event (a pickup that happened, a drop that happened, ...), so a
no-op action writes the front cell back unchanged.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL, C.RED)
from envgen.envs.minigrid.state import EnvParams, EnvState

DIRS = jnp.asarray(C.DIR_TO_VEC)


def _neighbours(grid: jax.Array, pos: jax.Array, offsets: jax.Array) -> jax.Array:
    """Cells at ``pos + offsets`` (clipped to the grid; callers only use cells inside the walls)."""
    cells = pos[None] + offsets
    height, width = grid.shape[:2]
    inside = (cells[:, 0] >= 0) & (cells[:, 0] < height) & (cells[:, 1] >= 0) & (cells[:, 1] < width)
    values = grid[jnp.clip(cells[:, 0], 0, height - 1), jnp.clip(cells[:, 1], 0, width - 1)]
    return jnp.where(inside[:, None], values, jnp.zeros_like(values))


AROUND8 = jnp.array([[dr, dc] for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)])


def success_reward(time: jax.Array, params: EnvParams) -> jax.Array:
    """MiniGrid's ``1 - 0.9 * step_count / max_steps`` (step count after the increment)."""
    return 1.0 - 0.9 * time.astype(jnp.float32) / params.max_steps.astype(jnp.float32)


def step_rules(state: EnvState, action: jax.Array, params: EnvParams):
    """Apply one action. Returns ``(state, reward, terminated, events)``."""
    action = jnp.asarray(action, jnp.int32)
    time = state.time + 1
    pos, d = state.agent_pos, state.agent_dir
    fwd = pos + DIRS[d]
    height, width = state.grid.shape[:2]
    fwd = jnp.clip(fwd, 0, jnp.array([height - 1, width - 1]))
    cell = state.grid[fwd[0], fwd[1]].astype(jnp.int32)
    t, c, s, inside = cell[0], cell[1], cell[2], cell[3]
    carry_t, carry_c, carry_in = state.carrying[0], state.carrying[1], state.carrying[2]
    holding = carry_t > 0

    # turning
    new_dir = jnp.where(action == C.LEFT, (d + 3) % 4, jnp.where(action == C.RIGHT, (d + 1) % 4, d))

    # forward: blocked by walls, closed/locked doors and objects; goal and lava end the episode
    walkable = (t == C.EMPTY) | (t == C.FLOOR) | (t == C.GOAL) | (t == C.LAVA) | ((t == C.DOOR) & (s == C.OPEN))
    is_fwd = action == C.FORWARD
    moved = is_fwd & walkable
    new_pos = jnp.where(moved, fwd, pos)
    reached_goal = is_fwd & (t == C.GOAL)
    into_lava = is_fwd & (t == C.LAVA)

    # pickup needs empty hands and a key/ball/box in front; drop needs a truly empty front cell
    pickable = (t == C.KEY) | (t == C.BALL) | (t == C.BOX)
    picked = (action == C.PICKUP) & pickable & ~holding
    dropped = (action == C.DROP) & holding & (t == C.EMPTY)

    # toggle: doors open/close, a locked door opens with a key of its colour (kept); a box becomes its contents
    is_toggle = action == C.TOGGLE
    is_door = t == C.DOOR
    has_key = (carry_t == C.KEY) & (carry_c == c)
    unlocked = is_toggle & is_door & (s == C.LOCKED) & has_key
    flipped = is_toggle & is_door & (s != C.LOCKED)
    door_state = jnp.where(unlocked, C.OPEN, jnp.where(s == C.OPEN, C.CLOSED, C.OPEN))
    opened_box = is_toggle & (t == C.BOX)
    box_t = jnp.where(inside > 0, inside // 8, C.EMPTY)
    box_c = jnp.where(inside > 0, inside % 8, 0)

    door_changed = unlocked | flipped
    new_cell = jnp.select(
        [picked, dropped, door_changed, opened_box],
        [jnp.array([C.EMPTY, 0, 0, 0]),
         jnp.stack([carry_t, carry_c, 0, carry_in]),
         jnp.stack([t, c, door_state, 0]),
         jnp.stack([box_t, box_c, 0, 0])],
        cell,
    )
    grid = jnp.asarray(state.grid).at[fwd[0], fwd[1]].set(new_cell.astype(state.grid.dtype))
    carrying = jnp.where(picked, jnp.stack([t, c, inside]),
                         jnp.where(dropped, jnp.zeros(3, jnp.int32), state.carrying))

    # missions
    kind, obj_t, obj_c, tgt_t, tgt_c = (state.mission[i] for i in range(5))
    carry_match = (carrying[0] == obj_t) & (carrying[1] == obj_c)
    near4 = _neighbours(grid, new_pos, DIRS)
    adjacent = jnp.any((near4[:, 0] == obj_t) & (near4[:, 1] == obj_c))
    near8 = _neighbours(grid, fwd, AROUND8)
    target_near_drop = jnp.any((near8[:, 0] == tgt_t) & (near8[:, 1] == tgt_c))
    door_match = c == obj_c
    opened_door = door_changed & (door_state == C.OPEN) & door_match
    dropped_obj = dropped & (carry_t == obj_t) & (carry_c == obj_c)

    is_pickup = action == C.PICKUP
    wrong_pickup = is_pickup & (carrying[0] > 0) & ~carry_match
    goto_end = (action == C.DONE) | is_toggle
    success = jnp.select(
        [kind == C.M_REACH_GOAL, kind == C.M_GO_TO, kind == C.M_PICKUP, kind == C.M_OPEN_DOOR,
         kind == C.M_UNLOCK_DOOR, kind == C.M_PUT_NEAR],
        [reached_goal, (action == C.DONE) & adjacent, is_pickup & carry_match, opened_door,
         unlocked & door_match, dropped_obj & target_near_drop],
        False,
    )
    mission_end = jnp.select(
        [kind == C.M_GO_TO, kind == C.M_PICKUP, kind == C.M_PUT_NEAR],
        [goto_end, wrong_pickup & params.wrong_pickup_ends, wrong_pickup | ((action == C.DROP) & holding)],
        False,
    )
    # stepping onto a goal tile ends any episode with the success reward, as in MiniGrid's base class
    rewarded = success | reached_goal
    terminated = rewarded | into_lava | mission_end
    reward = jnp.where(rewarded, success_reward(time, params), 0.0)

    new_state = state.replace(time=time, grid=grid, agent_pos=new_pos, agent_dir=new_dir, carrying=carrying,
                              success=success)
    events = {"success": success, "moved": moved, "picked_up": picked, "dropped": dropped,
              "door_opened": door_changed & (door_state == C.OPEN), "door_unlocked": unlocked,
              "box_opened": opened_box, "lava": into_lava, "goal": reached_goal}
    return new_state, reward.astype(jnp.float32), terminated, events
