"""Pytrees of the minigrid family: static shapes, per-config params, levels and episode state.

Grid cells are ``uint8[4]``: MiniGrid's (type, colour, state) encoding plus a fourth byte holding a
box's contents (``type * 8 + colour`` of the object inside, 0 for none) and two flags: ``TARGET_BIT``
marks the object the mission names and ``MOVING_BIT`` a moving obstacle (see constants). Grids are
indexed ``[row, col]``; positions are ``(row, col)`` = MiniGrid's ``(y, x)``. Cells outside the active
``height x width`` area hold walls, so the observation sees walls beyond the grid exactly as MiniGrid does.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import struct

from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL, C.RED)


@struct.dataclass
class StaticEnvParams:
    """Shapes shared by every config (static under jit). 25x25 fits every classic task (MultiRoom)."""

    max_height: int = struct.field(pytree_node=False, default=25)
    max_width: int = struct.field(pytree_node=False, default=25)
    view_size: int = struct.field(pytree_node=False, default=C.VIEW_SIZE)


def _i(x) -> jax.Array:
    return jnp.asarray(x, dtype=jnp.int32)


def _f(x) -> jax.Array:
    return jnp.asarray(x, dtype=jnp.float32)


def _b(x) -> jax.Array:
    return jnp.asarray(x, dtype=jnp.bool_)


@struct.dataclass
class EnvParams:
    """Every per-config knob, each a traced array leaf so mixed configs batch under one compile.

    Colour/type knobs use -1 for "random". Positions are ``(row, col)``; negative values count from
    the far wall (``-2`` = ``size - 2``), which lets one preset serve several grid sizes.
    """

    max_steps: jax.Array = struct.field(default_factory=lambda: _i(256))
    see_through_walls: jax.Array = struct.field(default_factory=lambda: _b(True))
    # layout
    layout: jax.Array = struct.field(default_factory=lambda: _i(C.L_EMPTY))
    height: jax.Array = struct.field(default_factory=lambda: _i(8))
    width: jax.Array = struct.field(default_factory=lambda: _i(8))
    room_size: jax.Array = struct.field(default_factory=lambda: _i(6))
    room_rows: jax.Array = struct.field(default_factory=lambda: _i(1))
    room_cols: jax.Array = struct.field(default_factory=lambda: _i(2))
    min_rooms: jax.Array = struct.field(default_factory=lambda: _i(2))
    max_rooms: jax.Array = struct.field(default_factory=lambda: _i(2))
    num_crossings: jax.Array = struct.field(default_factory=lambda: _i(1))
    obstacle_type: jax.Array = struct.field(default_factory=lambda: _i(C.LAVA))
    obstacle_density: jax.Array = struct.field(default_factory=lambda: _f(0.0))
    wall_doors: jax.Array = struct.field(default_factory=lambda: _i(0))
    random_room_size: jax.Array = struct.field(default_factory=lambda: _b(False))
    extra_doors: jax.Array = struct.field(default_factory=lambda: _i(0))
    # obstructed_maze: side rooms used (1-4), keys in boxes, blockers before keys (v1), agent's room
    quarters: jax.Array = struct.field(default_factory=lambda: _i(1))
    keys_after_blockers: jax.Array = struct.field(default_factory=lambda: _b(True))
    start_room: jax.Array = struct.field(default_factory=lambda: _i([1, 1]))
    # memory: hallway end column (-1: random in [4, width - 3])
    hallway_end: jax.Array = struct.field(default_factory=lambda: _i(-1))
    # lava/wall rectangles drawn over the layout: (x, y, width, height, object type); type 0 = unused
    rects: jax.Array = struct.field(default_factory=lambda: _i([[0] * 5] * C.MAX_RECTS))
    # Dynamic-Obstacles: this many blue balls that move each step; bumping into anything ends with -1
    moving_obstacles: jax.Array = struct.field(default_factory=lambda: _i(0))
    # the gate door (between the start side and the goal side) and its key
    door_color: jax.Array = struct.field(default_factory=lambda: _i(-1))
    door_locked_prob: jax.Array = struct.field(default_factory=lambda: _f(0.0))
    key_in_box_prob: jax.Array = struct.field(default_factory=lambda: _f(0.0))
    blocker: jax.Array = struct.field(default_factory=lambda: _b(False))
    blocker_color: jax.Array = struct.field(default_factory=lambda: _i(-1))
    # agent start
    agent_random: jax.Array = struct.field(default_factory=lambda: _b(False))
    agent_pos: jax.Array = struct.field(default_factory=lambda: _i([1, 1]))
    agent_dir: jax.Array = struct.field(default_factory=lambda: _i(0))
    agent_not_facing: jax.Array = struct.field(default_factory=lambda: _b(False))  # RoomGrid's resampling
    # goal tile
    place_goal: jax.Array = struct.field(default_factory=lambda: _b(True))
    goal_random: jax.Array = struct.field(default_factory=lambda: _b(False))
    goal_pos: jax.Array = struct.field(default_factory=lambda: _i([-2, -2]))
    # distractor objects
    num_distractors: jax.Array = struct.field(default_factory=lambda: _i(0))
    distractor_types: jax.Array = struct.field(default_factory=lambda: _b([True, True, True]))
    distractor_colors: jax.Array = struct.field(default_factory=lambda: _b([True] * C.NUM_COLORS))
    distinct_objects: jax.Array = struct.field(default_factory=lambda: _b(False))
    objects_apart: jax.Array = struct.field(default_factory=lambda: _b(False))
    # mission
    mission: jax.Array = struct.field(default_factory=lambda: _i([C.M_REACH_GOAL, C.GOAL, C.GREEN, 0, 0]))
    spawn_object: jax.Array = struct.field(default_factory=lambda: _b(False))
    wrong_pickup_ends: jax.Array = struct.field(default_factory=lambda: _b(False))


@struct.dataclass
class Level:
    """A generated start state; auto-reset restores it."""

    grid: jax.Array        # uint8[H, W, 4]
    agent_pos: jax.Array   # int32[2] (row, col)
    agent_dir: jax.Array   # int32
    mission: jax.Array     # int32[5], fully resolved (no random colours)
    target_pos: jax.Array  # int32[2]: where go_to/put_near's target was placed (MiniGrid keeps that cell);
                           # for match missions, the cell that succeeds
    other_pos: jax.Array   # int32[2]: match: the cell that ends the episode with 0; open_in_order: the
                           # door to open first (target_pos is the second)


@struct.dataclass
class EnvState:
    """Episode state. ``carrying`` is (type, colour, contents) with type 0 for empty hands."""

    time: jax.Array
    grid: jax.Array
    agent_pos: jax.Array
    agent_dir: jax.Array
    carrying: jax.Array
    mission: jax.Array
    success: jax.Array     # the mission was achieved on the last step
    level: Level
