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
                     "obstacles", "key_corridor"]
MissionName = Literal["reach_goal", "go_to", "pickup", "open_door", "unlock_door", "put_near"]
Direction = Literal["right", "down", "left", "up", "random"]
ALL_COLORS: list[Color] = ["red", "green", "blue", "purple", "yellow", "grey"]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_attribute_docstrings=True)


class LayoutSpec(_Part):
    """The walls, rooms and obstacles of the grid."""

    type: LayoutName = Field("empty", description=(
        "Layout generator: empty (one room), two_rooms (a wall with one door, DoorKey), four_rooms, "
        "room_grid (rows x cols rooms joined by doors; start top-left, goal side bottom-right), multi_room "
        "(a chain of rooms, MultiRoom), crossing (lava/wall rivers with openings), lava_gap (one strip with "
        "a gap), obstacles (random lava/wall cells), key_corridor (KeyCorridor)."))
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

    @model_validator(mode="after")
    def _check(self):
        if self.min_rooms > self.max_rooms:
            raise ValueError(f"min_rooms ({self.min_rooms}) must not exceed max_rooms ({self.max_rooms})")
        if self.type == "multi_room" and self.room_size < 4:
            raise ValueError("multi_room needs room_size >= 4")
        if self.type in ("room_grid", "key_corridor"):
            cols = 3 if self.type == "key_corridor" else self.cols
            for name, n in (("width", cols), ("height", self.rows)):
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
    blocker: bool = Field(False, description="Put a ball of random colour in front of the gate on the "
                                             "agent's side (BlockedUnlockPickup).")


class ObjectsSpec(_Part):
    """Distractor objects placed at random on cells the agent can reach."""

    count: int = Field(0, ge=0, le=10, description="Number of distractor objects.")
    types: list[ObjectType] = Field(default_factory=lambda: ["key", "ball", "box"], min_length=1,
                                    description="Object types to draw from.")
    colors: list[Color] = Field(default_factory=lambda: list(ALL_COLORS), min_length=1,
                                description="Colours to draw from.")
    distinct: bool = Field(False, description="No two objects share a (type, colour) pair.")
    apart: bool = Field(False, description="No object within one cell (diagonals count) of another.")


class MissionSpec(_Part):
    """What the agent must do; random colours/types are drawn from what the level contains."""

    type: MissionName = Field("reach_goal", description=(
        "reach_goal: step onto the goal; go_to: stand next to the object and use 'done' (toggle or "
        "done elsewhere ends the episode); pickup: pick the object up; open_door / unlock_door: toggle "
        "the door open / unlock it; put_near: drop the object next to the target (any drop ends the "
        "episode)."))
    object: Literal["key", "ball", "box", "door", "random"] = Field(
        "random", description="Object the mission names (door missions always name a door).")
    color: ColorOrRandom = Field("random", description="Its colour; random picks one present in the level "
                                                       "(for doors: the gate's colour).")
    target: Literal["key", "ball", "box", "random"] = Field("random", description="put_near: the object to "
                                                                                  "put it next to.")
    target_color: ColorOrRandom = Field("random", description="put_near: the target's colour.")
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
        goal_random = self.goal.x is None
        return EnvParams(
            max_steps=i(self.max_steps),
            see_through_walls=b(self.see_through_walls),
            layout=i(C.LAYOUT_NAMES.index(lay.type)),
            height=i(height),
            width=i(width),
            room_size=i(lay.room_size),
            room_rows=i(lay.rows),
            room_cols=i(3 if lay.type == "key_corridor" else lay.cols),
            min_rooms=i(lay.min_rooms),
            max_rooms=i(lay.max_rooms),
            num_crossings=i(lay.crossings),
            obstacle_type=i(C.LAVA if lay.obstacle == "lava" else C.WALL),
            obstacle_density=f(lay.obstacle_density),
            wall_doors=i(lay.wall_doors),
            random_room_size=b(lay.random_room_size),
            extra_doors=i(lay.extra_doors),
            door_color=i(color(self.door.color)),
            door_locked_prob=f(self.door.locked_prob),
            key_in_box_prob=f(self.door.key_in_box_prob),
            blocker=b(self.door.blocker),
            agent_random=b(agent_random),
            agent_pos=i([0, 0] if agent_random else [self.agent.y, self.agent.x]),
            agent_dir=i(-1 if self.agent.dir == "random" else C.DIR_NAMES.index(self.agent.dir)),
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
