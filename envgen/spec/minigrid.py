"""The ``minigrid`` config language: layout, agent, goal, doors, objects and mission as readable YAML.

Every field carries its range and a description: the same model gives YAML validation, error messages
and the JSON Schema an LLM writes configs against. ``compile`` turns a config into ``EnvParams``.
Coordinates are MiniGrid's ``x`` (column) and ``y`` (row); negative values count from the far wall
(``x: -2`` is ``width - 2``).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from envgen.spec.base import Spec

Color = Literal["red", "green", "blue", "purple", "yellow", "grey"]
ColorOrRandom = Literal["red", "green", "blue", "purple", "yellow", "grey", "random"]
ObjectType = Literal["key", "ball", "box"]
LayoutName = Literal["empty", "two_rooms", "four_rooms", "room_grid", "multi_room", "crossing", "lava_gap",
                     "obstacles", "key_corridor", "obstructed_maze", "red_blue_doors", "locked_room", "memory",
                     "playground"]
MissionName = Literal["reach_goal", "go_to", "pickup", "open_door", "unlock_door", "put_near", "open_in_order",
                      "match", "none"]
THREE_BY_THREE = ("obstructed_maze", "playground")  # layouts of 3x3 rooms sized by room_size
Direction = Literal["right", "down", "left", "up", "random"]
ALL_COLORS: list[Color] = ["red", "green", "blue", "purple", "yellow", "grey"]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_attribute_docstrings=True)


class RectSpec(_Part):
    """A rectangle of lava or wall drawn over the layout (DistShift's lava strips)."""

    x: int = Field(ge=0, le=24, description="Left column.")
    y: int = Field(ge=0, le=24, description="Top row.")
    width: int = Field(1, ge=1, le=25, description="Columns covered.")
    height: int = Field(1, ge=1, le=25, description="Rows covered.")
    type: Literal["lava", "wall"] = Field("lava", description="What the rectangle is made of.")


class LayoutSpec(_Part):
    """The walls, rooms and obstacles of the grid."""

    type: LayoutName = Field("empty", description=(
        "Layout generator: empty (one room), two_rooms (a wall with one door, DoorKey), four_rooms, "
        "room_grid (rows x cols rooms joined by doors; start top-left, goal side bottom-right), multi_room "
        "(a chain of rooms, MultiRoom), crossing (lava/wall rivers with openings), lava_gap (one strip with "
        "a gap), obstacles (random lava/wall cells), key_corridor (KeyCorridor), obstructed_maze (3x3 rooms: "
        "locked doors from side rooms to corners, ObstructedMaze 2D*/1Q/2Q/Full), red_blue_doors (a walled room "
        "in a 2N x N grid with two doors, RedBlueDoors; width follows from height), locked_room (a corridor "
        "between six rooms, one locked, LockedRoom), memory (start room, hallway and a split, Memory; square, "
        "odd size), playground (3x3 rooms with every door, Playground)."))
    width: int = Field(8, ge=5, le=25, description="Grid width including outer walls (ignored by room_grid "
                                                  "and key_corridor, whose size follows from rooms).")
    height: int = Field(8, ge=5, le=25, description="Grid height including outer walls (see width).")
    room_size: int = Field(6, ge=3, le=12, description=(
        "room_grid/key_corridor: room side including its walls (neighbours share walls); multi_room: "
        "the largest room side (at least 4)."))
    rows: int = Field(1, ge=1, le=3, description="room_grid/key_corridor: rows of rooms.")
    cols: int = Field(2, ge=1, le=3, description="room_grid: columns of rooms (key_corridor always has 3).")
    min_rooms: int = Field(2, ge=1, le=6, description="multi_room: fewest rooms in the chain.")
    max_rooms: int = Field(2, ge=1, le=6, description="multi_room: most rooms in the chain.")
    crossings: int = Field(1, ge=0, le=22, description="crossing: number of rivers (each needs a free "
                                                      "even row or column).")
    obstacle: Literal["lava", "wall"] = Field("lava", description="crossing/lava_gap/obstacles: what the "
                                                                   "obstacles are made of.")
    obstacle_density: float = Field(0.0, ge=0.0, le=0.6, description="obstacles: chance that an inner cell "
                                                                      "is an obstacle.")
    wall_doors: int = Field(0, ge=0, le=4, description="empty: closed doors of distinct colours on the "
                                                       "outer walls, one per side (GoToDoor).")
    random_room_size: bool = Field(False, description="empty: room size uniform in [5, width] x [5, height] "
                                                      "inside the grid (GoToDoor).")
    extra_doors: int = Field(0, ge=0, le=12, description="room_grid: doors beyond the spanning tree that "
                                                         "already connects every room.")
    quarters: int = Field(1, ge=1, le=4, description="obstructed_maze: side rooms used (1 = one quarter of the "
                                                     "maze, 4 = all); the ball is in one of their corners.")
    keys_after_blockers: bool = Field(True, description=(
        "obstructed_maze: place a side room's keys after its blocking balls (MiniGrid's v1). False is v0, "
        "where a blocking ball can overwrite an earlier key."))
    start_room: tuple[int, int] = Field((1, 1), description="obstructed_maze: (column, row) of the agent's "
                                                            "room; (1, 1) is the middle.")
    hallway_end: int | None = Field(-3, ge=-20, le=20, description=(
        "memory: column where the hallway ends (negative counts from the right wall); null for random in "
        "[4, size - 3]."))
    rects: list[RectSpec] = Field(default_factory=list, max_length=4, description=(
        "Up to 4 lava/wall rectangles drawn over any layout (DistShift's lava strips)."))

    @model_validator(mode="after")
    def _check(self):
        if self.min_rooms > self.max_rooms:
            raise ValueError(f"min_rooms ({self.min_rooms}) must not exceed max_rooms ({self.max_rooms})")
        if self.type == "multi_room" and self.room_size < 4:
            raise ValueError("multi_room needs room_size >= 4")
        if self.type == "memory" and (self.width != self.height or self.width % 2 == 0 or self.width < 7):
            raise ValueError(f"memory needs a square grid of odd size >= 7, got {self.width}x{self.height}")
        if self.type == "memory" and self.hallway_end is not None:
            end = self.hallway_end % self.width if self.hallway_end < 0 else self.hallway_end
            if not 4 <= end <= self.width - 3:
                raise ValueError(f"hallway_end: {self.hallway_end} must fall in [4, width - 3] = [4, {self.width - 3}]")
        if self.type == "red_blue_doors" and not 4 <= self.height <= 12:
            raise ValueError(f"red_blue_doors: height {self.height} must be 4-12 (the grid is 2 * height wide)")
        if self.type == "locked_room" and (self.width < 11 or self.height < 10):
            raise ValueError(f"locked_room needs at least 11x10, got {self.width}x{self.height}")
        if self.type == "obstructed_maze" and not all(0 <= v <= 2 for v in self.start_room):
            raise ValueError(f"start_room: {list(self.start_room)} is not a room of the 3x3 grid")
        for i, r in enumerate(self.rects):
            h, w = self.size()
            if r.x + r.width > w or r.y + r.height > h:
                raise ValueError(f"rects[{i}]: ({r.x}, {r.y}) + {r.width}x{r.height} leaves the {w}x{h} grid")
        if self.type in ("room_grid", "key_corridor", *THREE_BY_THREE):
            cols = 3 if self.type in ("key_corridor", *THREE_BY_THREE) else self.cols
            rows = 3 if self.type in THREE_BY_THREE else self.rows
            for name, n in (("width", cols), ("height", rows)):
                size = (self.room_size - 1) * n + 1
                if size > 25:
                    raise ValueError(f"{self.type}: {name} (room_size - 1) * {n} + 1 = {size} exceeds 25")
        return self

    def size(self) -> tuple[int, int]:
        """Active (height, width) of the grid."""
        if self.type == "room_grid":
            return (self.room_size - 1) * self.rows + 1, (self.room_size - 1) * self.cols + 1
        if self.type == "key_corridor":
            return (self.room_size - 1) * self.rows + 1, (self.room_size - 1) * 3 + 1
        if self.type in THREE_BY_THREE:
            return (self.room_size - 1) * 3 + 1, (self.room_size - 1) * 3 + 1
        if self.type == "red_blue_doors":
            return self.height, 2 * self.height
        return self.height, self.width


class AgentSpec(_Part):
    """Where the agent starts."""

    x: int | None = Field(1, ge=-24, le=24, description="Start column; negative counts from the right "
                                                        "wall; null for a random cell of the start area.")
    y: int | None = Field(1, ge=-24, le=24, description="Start row; negative counts from the bottom; null "
                                                        "for random (x and y are random together).")
    dir: Direction = Field("right", description="Start direction, or random.")


class GoalSpec(_Part):
    """The green goal square (stepping on it ends the episode with the success reward)."""

    place: bool | None = Field(None, description="Place a goal tile; default: only for reach_goal missions.")
    x: int | None = Field(-2, ge=-24, le=24, description="Goal column (negative from the right wall); null "
                                                         "for a random cell of the goal side.")
    y: int | None = Field(-2, ge=-24, le=24, description="Goal row (negative from the bottom); null for "
                                                         "random.")


class DoorSpec(_Part):
    """The gate: the door between the start side and the goal side (two_rooms, room_grid, multi_room's
    last door, key_corridor's door)."""

    color: ColorOrRandom = Field("random", description="Colour of the gate door.")
    locked_prob: float = Field(0.0, ge=0.0, le=1.0, description=(
        "Chance the gate is locked; a key of its colour is then placed on the agent's side."))
    key_in_box_prob: float = Field(0.0, ge=0.0, le=1.0, description="Chance the key is hidden in a grey box "
                                                                    "(toggle the box to reveal it).")
    blocker: bool = Field(False, description="Put a ball in front of the gate on the agent's side "
                                             "(BlockedUnlockPickup, ObstructedMaze 'b'; obstructed_maze: in "
                                             "front of every locked door).")
    blocker_color: ColorOrRandom = Field("random", description="Colour of blocking balls (ObstructedMaze: "
                                                               "green).")


class ObjectsSpec(_Part):
    """Distractor objects placed at random on cells the agent can reach."""

    count: int = Field(0, ge=0, le=12, description="Number of distractor objects.")
    moving: int = Field(0, ge=0, le=8, description=(
        "Blue balls that each step move to a random free neighbouring cell (Dynamic-Obstacles). With any, "
        "only left/right/forward act (other actions turn left) and moving forward into anything but the "
        "goal ends the episode with reward -1."))
    types: list[ObjectType] = Field(default_factory=lambda: ["key", "ball", "box"], min_length=1,
                                    description="Object types to draw from.")
    colors: list[Color] = Field(default_factory=lambda: list(ALL_COLORS), min_length=1,
                                description="Colours to draw from.")
    distinct: bool = Field(False, description="No two objects share a (type, colour) pair.")
    apart: bool = Field(False, description="No object within one cell (diagonals count) of another.")

    @model_validator(mode="after")
    def _check(self):
        if self.count + self.moving > 12:
            raise ValueError(f"count + moving = {self.count + self.moving} exceeds 12 objects")
        return self


class MissionSpec(_Part):
    """What the agent must do; random colours/types are drawn from what the level contains."""

    type: MissionName = Field("reach_goal", description=(
        "reach_goal: step onto the goal; go_to: stand next to the object and use 'done' (toggle or "
        "done elsewhere ends the episode); pickup: pick the object up; open_door / unlock_door: toggle "
        "the door open / unlock it; put_near: drop the object next to the target (any drop ends the "
        "episode); open_in_order: open the door of `color` then the one of `target_color` (opening them "
        "the other way round ends the episode; red_blue_doors); match: step next to the end object that "
        "matches the start room's (memory); none: no task and no reward (Playground)."))
    object: Literal["key", "ball", "box", "door", "random"] = Field(
        "random", description="Object the mission names (door missions always name a door).")
    color: ColorOrRandom = Field("random", description="Its colour; random picks one present in the level "
                                                       "(for doors: the gate's colour).")
    target: Literal["key", "ball", "box", "random"] = Field("random", description="put_near: the object to "
                                                                                  "put it next to.")
    target_color: ColorOrRandom = Field("random", description="put_near: the target's colour; "
                                                              "open_in_order: the second door's colour.")
    spawn: bool = Field(False, description="Place the mission object on the goal side (KeyCorridor's ball, "
                                           "UnlockPickup's box) instead of choosing among distractors.")
    wrong_pickup_ends: bool = Field(False, description="pickup: picking up anything else ends the episode "
                                                       "(Fetch).")


class MinigridSpec(Spec):
    """A MiniGrid-style task: layout, start, goal, gate door, objects, mission and episode length."""

    family_name: ClassVar[str] = "minigrid"

    layout: LayoutSpec = Field(default_factory=LayoutSpec, description="Walls, rooms and obstacles.")
    agent: AgentSpec = Field(default_factory=AgentSpec, description="Agent start.")
    goal: GoalSpec = Field(default_factory=GoalSpec, description="Goal tile.")
    door: DoorSpec = Field(default_factory=DoorSpec, description="Gate door and its key.")
    objects: ObjectsSpec = Field(default_factory=ObjectsSpec, description="Distractor objects.")
    mission: MissionSpec = Field(default_factory=MissionSpec, description="The task.")
    max_steps: int = Field(256, ge=1, le=10_000, description="Episode length limit (truncation).")
    see_through_walls: bool = Field(False, description="Skip MiniGrid's occlusion in the 7x7 view (True "
                                                       "in MiniGrid's Empty, GoTo*, PutNear, Fetch).")

    @model_validator(mode="after")
    def _check(self):
        m = self.mission
        if m.type in ("open_door", "unlock_door") and m.object not in ("door", "random"):
            raise ValueError(f"mission.object: {m.type} names a door, got {m.object!r}")
        if m.type == "pickup" and m.object == "door":
            raise ValueError("mission.object: doors cannot be picked up")
        if m.type == "put_near" and m.object == "door":
            raise ValueError("mission.object: put_near moves a key, ball or box")
        if m.type == "open_in_order" and self.layout.type != "red_blue_doors":
            raise ValueError("mission.type: open_in_order needs layout.type red_blue_doors")
        if m.type == "match" and self.layout.type != "memory":
            raise ValueError("mission.type: match needs layout.type memory")
        if m.type == "reach_goal" and self.goal.place is False:
            raise ValueError("goal.place: reach_goal needs a goal tile")
        if (self.agent.x is None) != (self.agent.y is None):
            raise ValueError("agent: give both x and y, or neither (random start)")
        if (self.goal.x is None) != (self.goal.y is None):
            raise ValueError("goal: give both x and y, or neither (random goal)")
        h, w = self.layout.size()
        for name, value, size in (("agent.x", self.agent.x, w), ("agent.y", self.agent.y, h),
                                  ("goal.x", self.goal.x, w), ("goal.y", self.goal.y, h)):
            if value is not None and not (-size < value < size):
                raise ValueError(f"{name} = {value} lies outside the {w}x{h} grid")
        return self

    def compile(self, static_params: Any = None) -> Any:
        """Turn the config into ``EnvParams`` (checks it fits the static maximum grid)."""
        import jax.numpy as jnp

        from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL, C.RED)
        from envgen.envs.minigrid.missions import encode_mission
        from envgen.envs.minigrid.state import EnvParams, StaticEnvParams
        from envgen.spec.base import SpecError

        static = static_params if static_params is not None else StaticEnvParams()
        lay = self.layout
        height, width = lay.size()
        if height > static.max_height or width > static.max_width:
            raise SpecError("<config>", [f"layout: grid {width}x{height} exceeds the static maximum "
                                         f"{static.max_width}x{static.max_height}"])
        m = self.mission
        obj = "door" if m.type in ("open_door", "unlock_door") else m.object
        mission = encode_mission(m.type, obj, m.color, m.target, m.target_color)
        place_goal = self.goal.place if self.goal.place is not None else m.type == "reach_goal"

        def i(x):
            return jnp.asarray(x, jnp.int32)

        def f(x):
            return jnp.asarray(x, jnp.float32)

        def b(x):
            return jnp.asarray(x, jnp.bool_)

        def color(name):
            return -1 if name == "random" else C.COLOR_NAMES.index(name)

        types = np.array([t in self.objects.types for t in ("key", "ball", "box")])
        colors = np.array([c in self.objects.colors for c in C.COLOR_NAMES])
        agent_random = self.agent.x is None
        rects = [[r.x, r.y, r.width, r.height, C.LAVA if r.type == "lava" else C.WALL] for r in lay.rects]
        rects += [[0] * 5] * (C.MAX_RECTS - len(rects))
        goal_random = self.goal.x is None
        return EnvParams(
            max_steps=i(self.max_steps),
            see_through_walls=b(self.see_through_walls),
            layout=i(C.LAYOUT_NAMES.index(lay.type)),
            height=i(height),
            width=i(width),
            room_size=i(lay.room_size),
            room_rows=i(3 if lay.type in THREE_BY_THREE else lay.rows),
            room_cols=i(3 if lay.type in ("key_corridor", *THREE_BY_THREE) else lay.cols),
            min_rooms=i(lay.min_rooms),
            max_rooms=i(lay.max_rooms),
            num_crossings=i(lay.crossings),
            obstacle_type=i(C.LAVA if lay.obstacle == "lava" else C.WALL),
            obstacle_density=f(lay.obstacle_density),
            wall_doors=i(lay.wall_doors),
            random_room_size=b(lay.random_room_size),
            extra_doors=i(lay.extra_doors),
            quarters=i(lay.quarters),
            keys_after_blockers=b(lay.keys_after_blockers),
            start_room=i([lay.start_room[1], lay.start_room[0]]),
            hallway_end=i(-1 if lay.hallway_end is None else lay.hallway_end % width),
            rects=i(rects),
            moving_obstacles=i(self.objects.moving),
            door_color=i(color(self.door.color)),
            door_locked_prob=f(self.door.locked_prob),
            key_in_box_prob=f(self.door.key_in_box_prob),
            blocker=b(self.door.blocker),
            blocker_color=i(color(self.door.blocker_color)),
            agent_random=b(agent_random),
            agent_pos=i([0, 0] if agent_random else [self.agent.y, self.agent.x]),
            agent_dir=i(-1 if self.agent.dir == "random" else C.DIR_NAMES.index(self.agent.dir)),
            agent_not_facing=b(lay.type in ("room_grid", "key_corridor", "obstructed_maze")),
            place_goal=b(place_goal),
            goal_random=b(goal_random),
            goal_pos=i([0, 0] if goal_random else [self.goal.y, self.goal.x]),
            num_distractors=i(self.objects.count),
            distractor_types=b(types),
            distractor_colors=b(colors),
            distinct_objects=b(self.objects.distinct),
            objects_apart=b(self.objects.apart),
            mission=i(mission),
            spawn_object=b(m.spawn),
            wrong_pickup_ends=b(m.wrong_pickup_ends),
        )
