"""MiniGrid's transition rules, branch-free: one cell (the one in front) changes per step.

Every masked write is gated on its event (a pickup that happened, a drop that happened, ...), so a
no-op action writes the front cell back unchanged.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from envgen.envs.batching import batch_cond
from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL, C.RED)
from envgen.envs.minigrid.state import EnvParams, EnvState

DIRS = jnp.asarray(C.DIR_TO_VEC)


AROUND8 = jnp.array([[dr, dc] for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)])


def success_reward(time: jax.Array, params: EnvParams) -> jax.Array:
    """MiniGrid's ``1 - 0.9 * step_count / max_steps`` (step count after the increment)."""
    return 1.0 - 0.9 * time.astype(jnp.float32) / params.max_steps.astype(jnp.float32)


def moving_positions(grid: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``(int32[MAX_MOVING, 2], bool[MAX_MOVING])``: the moving obstacles in row-major order."""
    moving = (grid[..., 3] & C.MOVING_BIT) > 0
    flat = jnp.nonzero(moving.reshape(-1), size=C.MAX_MOVING, fill_value=-1)[0]
    width = grid.shape[1]
    return jnp.stack([flat // width, flat % width], -1).astype(jnp.int32), flat >= 0


def move_one(u: jax.Array, grid: jax.Array, positions: jax.Array, k: jax.Array, agent_pos: jax.Array):
    """Obstacle ``k`` moves to a uniform free cell of its 3x3 neighbourhood, or stays if there is none.

    Free means empty in ``grid`` or vacated by an obstacle that already moved (``positions`` holds the
    current cells of all obstacles), and not the agent's cell: MiniGrid's ``place_obj`` in a 3x3 box.
    """
    pos = positions[k]
    cells = pos[None] + AROUND8
    height, width = grid.shape[:2]
    inside = (cells[:, 0] >= 0) & (cells[:, 0] < height) & (cells[:, 1] >= 0) & (cells[:, 1] < width)
    here = grid[jnp.clip(cells[:, 0], 0, height - 1), jnp.clip(cells[:, 1], 0, width - 1)]
    was_free = (here[:, 0] == C.EMPTY) | ((here[:, 3] & C.MOVING_BIT) > 0)
    taken = jnp.any(jnp.all(cells[:, None] == positions[None], -1), axis=1)
    free = inside & was_free & ~taken & ~jnp.all(cells == agent_pos[None], -1)
    choice = jnp.argmax(jnp.where(free, u, -1.0))
    new = jnp.where(jnp.any(free), cells[choice], pos)
    return positions.at[k].set(new)


def plan_moves(key: jax.Array, grid: jax.Array, agent_pos: jax.Array):
    """Where each moving obstacle goes this step: ``(start, end, valid)``, obstacles in row-major order,
    each moving in turn (later ones see earlier moves, as MiniGrid's loop over its obstacle list)."""
    grid = jnp.asarray(grid)
    start, valid = moving_positions(grid)
    u = jax.random.uniform(key, (C.MAX_MOVING, AROUND8.shape[0]))

    def body(k, positions):
        return jnp.where(valid[k], move_one(u[k], grid, positions, k, agent_pos), positions)

    return start, jax.lax.fori_loop(0, C.MAX_MOVING, body, start), valid


def move_obstacles(key: jax.Array, grid: jax.Array, agent_pos: jax.Array) -> jax.Array:
    """Dynamic-Obstacles: every moving obstacle steps to a random free neighbouring cell, one at a time."""
    grid = jnp.asarray(grid)
    start, end, valid = plan_moves(key, grid, agent_pos)
    height, width = grid.shape[:2]
    flat = grid.reshape(height * width, grid.shape[2])
    cells = jnp.arange(height * width)
    # [K, H*W] one-hot rows (flat compares: cheaper under vmap than [K, H, W] masks or batched scatters)
    old = (cells[None] == (start[:, 0] * width + start[:, 1])[:, None]) & valid[:, None]
    new = (cells[None] == (end[:, 0] * width + end[:, 1])[:, None]) & valid[:, None]
    values = flat[jnp.clip(start[:, 0] * width + start[:, 1], 0)]                    # [K, 4]
    flat = jnp.where(jnp.any(old, 0)[:, None], jnp.array([C.EMPTY, 0, 0, 0], grid.dtype), flat)
    flat = jnp.where(jnp.any(new, 0)[:, None], values[jnp.argmax(new, 0)], flat)
    return flat.reshape(grid.shape)


def step_rules(state: EnvState, action: jax.Array, params: EnvParams, key: jax.Array | None = None):
    """Apply one action. Returns ``(state, reward, terminated, events)``.

    ``key`` drives the moving obstacles (Dynamic-Obstacles); other rules are deterministic.
    """
    action = jnp.asarray(action, jnp.int32)
    dynamic = params.moving_obstacles > 0
    kind = state.mission[0]
    # Dynamic-Obstacles has three actions (others act as 'left'); Memory treats pickup as toggle
    action = jnp.where(dynamic & (action > C.FORWARD), C.LEFT, action)
    action = jnp.where((kind == C.M_MATCH) & (action == C.PICKUP), C.TOGGLE, action)
    time = state.time + 1
    pos, d = state.agent_pos, state.agent_dir
    height, width = state.grid.shape[:2]
    fwd = jnp.clip(pos + DIRS[d], 0, jnp.array([height - 1, width - 1]))
    # what was in front before the obstacles moved decides a Dynamic-Obstacles collision
    before = state.grid[fwd[0], fwd[1]].astype(jnp.int32)
    blocked_before = (before[0] != C.EMPTY) & (before[0] != C.GOAL)
    grid0 = state.grid
    if key is not None:
        # a batch without Dynamic-Obstacles configs skips the moves (under vmap a cond would run them all)
        grid0 = batch_cond(dynamic, lambda g, k, p: move_obstacles(k, g, p), lambda g, k, p: g, grid0, key, pos)
    cell = grid0[fwd[0], fwd[1]].astype(jnp.int32)
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
    contents = inside & C.CONTENTS_MASK
    box_t = jnp.where(contents > 0, contents // 8, C.EMPTY)
    box_c = jnp.where(contents > 0, contents % 8, 0)

    door_changed = unlocked | flipped
    new_cell = jnp.select(
        [picked, dropped, door_changed, opened_box],
        [jnp.array([C.EMPTY, 0, 0, 0]),
         jnp.stack([carry_t, carry_c, 0, carry_in]),
         jnp.stack([t, c, door_state, 0]),
         jnp.stack([box_t, box_c, 0, 0])],
        cell,
    )
    grid = jnp.asarray(grid0).at[fwd[0], fwd[1]].set(new_cell.astype(state.grid.dtype))
    carrying = jnp.where(picked, jnp.stack([t, c, inside]),
                         jnp.where(dropped, jnp.zeros(3, jnp.int32), state.carrying))

    # missions. MiniGrid names its target by the object it placed: pickup checks that very object (the
    # TARGET_BIT it carries), go_to and put_near the cell where the target was placed (level.target_pos).
    obj_t, obj_c = state.mission[1], state.mission[2]
    level = state.level
    carry_match = (carrying[0] == obj_t) & (carrying[1] == obj_c)
    holds_target = (carrying[0] > 0) & ((carrying[2] & C.TARGET_BIT) > 0)
    target = level.target_pos
    adjacent = jnp.sum(jnp.abs(new_pos - target)) == 1
    drop_near_target = jnp.max(jnp.abs(fwd - target)) <= 1
    door_match = c == obj_c
    opened_door = door_changed & (door_state == C.OPEN) & door_match
    # open_in_order (RedBlueDoors): the first door sits at other_pos, the second at target_pos
    first_open = [g[level.other_pos[0], level.other_pos[1], 2] == C.OPEN for g in (state.grid, grid)]
    second_open = [g[target[0], target[1], 2] == C.OPEN for g in (state.grid, grid)]
    in_order = second_open[1] & first_open[0]
    out_of_order = (second_open[1] & ~first_open[0]) | (~second_open[1] & first_open[1] & second_open[0])

    is_pickup = action == C.PICKUP
    wrong_pickup = is_pickup & (carrying[0] > 0) & ~carry_match
    goto_end = (action == C.DONE) | is_toggle
    at_target = jnp.all(new_pos == target)
    at_other = jnp.all(new_pos == level.other_pos)
    success = jnp.select(
        [kind == C.M_REACH_GOAL, kind == C.M_GO_TO, kind == C.M_PICKUP, kind == C.M_OPEN_DOOR,
         kind == C.M_UNLOCK_DOOR, kind == C.M_PUT_NEAR, kind == C.M_OPEN_IN_ORDER, kind == C.M_MATCH],
        [reached_goal, (action == C.DONE) & adjacent, is_pickup & holds_target, opened_door,
         unlocked & door_match, dropped & drop_near_target, in_order, at_target],
        False,
    )
    mission_end = jnp.select(
        [kind == C.M_GO_TO, kind == C.M_PICKUP, kind == C.M_PUT_NEAR, kind == C.M_OPEN_IN_ORDER,
         kind == C.M_MATCH],
        [goto_end, wrong_pickup & params.wrong_pickup_ends, wrong_pickup | ((action == C.DROP) & holding),
         out_of_order, at_other],
        False,
    )
    # stepping onto a goal tile ends any episode with the success reward, as in MiniGrid's base class
    rewarded = success | reached_goal
    collided = dynamic & is_fwd & blocked_before
    terminated = rewarded | into_lava | mission_end | collided
    reward = jnp.where(collided, -1.0, jnp.where(rewarded, success_reward(time, params), 0.0))

    new_state = state.replace(time=time, grid=grid, agent_pos=new_pos, agent_dir=new_dir, carrying=carrying,
                              success=success & ~collided)
    events = {"success": success & ~collided, "moved": moved, "picked_up": picked, "dropped": dropped,
              "door_opened": door_changed & (door_state == C.OPEN), "door_unlocked": unlocked,
              "box_opened": opened_box, "lava": into_lava, "goal": reached_goal, "collision": collided}
    return new_state, reward.astype(jnp.float32), terminated, events
