"""Integer tables of the minigrid family. Object, colour and door-state ids are MiniGrid's own."""

from __future__ import annotations

import numpy as np

# -- objects (MiniGrid OBJECT_TO_IDX) -----------------------------------------------------------
UNSEEN, EMPTY, WALL, FLOOR, DOOR, KEY, BALL, BOX, GOAL, LAVA, AGENT = range(11)
OBJECT_NAMES = ("unseen", "empty", "wall", "floor", "door", "key", "ball", "box", "goal", "lava", "agent")
PICKABLE = (KEY, BALL, BOX)
# Default colours MiniGrid gives objects that have a fixed one.
DEFAULT_COLOR = {WALL: 5, FLOOR: 2, GOAL: 1, LAVA: 0}

# -- colours (MiniGrid COLOR_TO_IDX; red-first, not the alphabetical COLOR_NAMES sampling list) -----
RED, GREEN, BLUE, PURPLE, YELLOW, GREY = range(6)
COLOR_NAMES = ("red", "green", "blue", "purple", "yellow", "grey")
NUM_COLORS = 6
COLOR_RGB = np.array(
    [[255, 0, 0], [0, 255, 0], [0, 0, 255], [112, 39, 195], [255, 255, 0], [100, 100, 100]], dtype=np.uint8
)

# -- door states (MiniGrid STATE_TO_IDX) ----------------------------------------------------------
OPEN, CLOSED, LOCKED = range(3)
STATE_NAMES = ("open", "closed", "locked")

# -- directions: MiniGrid's 0 = right, 1 = down, 2 = left, 3 = up, as (d_row, d_col) ---------------
DIR_TO_VEC = np.array([[0, 1], [1, 0], [0, -1], [-1, 0]], dtype=np.int32)
DIR_NAMES = ("right", "down", "left", "up")

# -- actions (MiniGrid order) ----------------------------------------------------------------------
LEFT, RIGHT, FORWARD, PICKUP, DROP, TOGGLE, DONE = range(7)
ACTION_NAMES = ("left", "right", "forward", "pickup", "drop", "toggle", "done")
NUM_ACTIONS = 7

# -- layouts (selected per config by lax.switch) ----------------------------------------------------
LAYOUT_NAMES = (
    "empty", "two_rooms", "four_rooms", "room_grid", "multi_room", "crossing", "lava_gap", "obstacles",
    "key_corridor", "obstructed_maze", "red_blue_doors", "locked_room", "memory", "playground",
)
(L_EMPTY, L_TWO_ROOMS, L_FOUR_ROOMS, L_ROOM_GRID, L_MULTI_ROOM, L_CROSSING, L_LAVA_GAP, L_OBSTACLES,
 L_KEY_CORRIDOR, L_OBSTRUCTED_MAZE, L_RED_BLUE_DOORS, L_LOCKED_ROOM, L_MEMORY, L_PLAYGROUND) = range(len(LAYOUT_NAMES))

# -- missions ----------------------------------------------------------------------------------------
MISSION_NAMES = ("reach_goal", "go_to", "pickup", "open_door", "unlock_door", "put_near", "open_in_order",
                 "match", "none")
(M_REACH_GOAL, M_GO_TO, M_PICKUP, M_OPEN_DOOR, M_UNLOCK_DOOR, M_PUT_NEAR, M_OPEN_IN_ORDER, M_MATCH,
 M_NONE) = range(len(MISSION_NAMES))
# A mission is int32[5]: (kind, object type, object colour, target type, target colour).
MISSION_LEN = 5

# -- the grid's 4th byte: a box's contents (type * 8 + colour) plus two flags ------------------------
CONTENTS_MASK = 63       # the contents proper (type * 8 + colour < 64)
TARGET_BIT = 64          # this object is the one the mission names (MiniGrid compares objects by identity)
MOVING_BIT = 128         # a moving obstacle (Dynamic-Obstacles' balls)

# -- fixed capacities (array sizes that do not depend on the config) --------------------------------
MAX_CHAIN_ROOMS = 6      # MultiRoom-N6 is the largest classic chain
MAX_ROOM_GRID = 3        # room grids up to 3x3
MAX_DISTRACTORS = 12     # distractor objects placed by a config (Playground has 12)
MAX_MOVING = 8           # moving obstacles (Dynamic-Obstacles-16x16 has 8)
MAX_RECTS = 4            # lava/wall rectangles a config may draw (DistShift's strips)
VIEW_SIZE = 7            # MiniGrid's agent_view_size
