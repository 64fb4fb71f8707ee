"""Config language: YAML round trip, readable errors, compile to params."""

from __future__ import annotations

import numpy as np
import pytest

from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL, C.RED)
from envgen.spec import SpecError, load_spec, spec_from_dict
from envgen.spec.minigrid import MinigridSpec


def test_yaml_round_trip(tmp_path):
    spec = load_spec("curricula/presets/minigrid/KeyCorridorS4R3.yaml")
    path = spec.save(tmp_path / "kc.yaml")
    again = load_spec(path)
    assert again == spec
    params = again.compile()
    assert int(params.layout) == C.LAYOUT_NAMES.index("key_corridor")
    assert (int(params.height), int(params.width)) == (10, 10)


def test_readable_enums_compile_to_ints():
    spec = spec_from_dict({"family": "minigrid", "mission": {"type": "pickup", "object": "ball", "color": "red"},
                           "layout": {"type": "four_rooms", "width": 19, "height": 19}})
    params = spec.compile()
    np.testing.assert_array_equal(np.asarray(params.mission), [C.M_PICKUP, C.BALL, C.RED, 0, 0])
    assert int(params.layout) == C.L_FOUR_ROOMS and not bool(params.place_goal)


def test_malformed_yaml(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("family: minigrid\nlayout: [type: empty\n")
    with pytest.raises(SpecError, match="malformed YAML"):
        load_spec(path)


def test_unknown_field_names_line_and_suggests(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text("family: minigrid\nlayout:\n  type: empty\n  widht: 9\n")
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert "layout.widht (line 4): unknown field; did you mean 'width'?" in str(err.value)


def test_out_of_range_shows_range():
    with pytest.raises(SpecError) as err:
        spec_from_dict({"family": "minigrid", "layout": {"width": 40}, "door": {"locked_prob": 1.5}})
    text = str(err.value)
    assert "layout.width" in text and "allowed range [5, 25]" in text
    assert "door.locked_prob" in text and "allowed range [0.0, 1.0]" in text


@pytest.mark.parametrize("data,needle", [
    ({"mission": {"type": "pickup", "object": "door"}}, "doors cannot be picked up"),
    ({"layout": {"min_rooms": 4, "max_rooms": 2}}, "min_rooms"),
    ({"agent": {"x": 1, "y": None}}, "give both x and y"),
    ({"layout": {"type": "room_grid", "room_size": 12, "cols": 3}}, "exceeds 25"),
    ({"layout": {"width": 6}, "agent": {"x": 9, "y": 1}}, "outside"),
    ({"mission": {"type": "go_to", "color": "pink"}}, "mission.color"),
    ({"layout": {"type": "memory", "width": 9, "height": 11}}, "memory needs a square grid of odd size"),
    ({"layout": {"type": "memory", "width": 9, "height": 9, "hallway_end": 7}}, r"hallway_end: 7 must fall"),
    ({"mission": {"type": "open_in_order"}}, "open_in_order needs layout.type red_blue_doors"),
    ({"mission": {"type": "match"}}, "match needs layout.type memory"),
    ({"layout": {"width": 9, "height": 7, "rects": [{"x": 6, "y": 1, "width": 4}]}}, r"rects\[0\].*leaves the 9x7"),
    ({"objects": {"count": 8, "moving": 6}}, "exceeds 12 objects"),
    ({"layout": {"type": "obstructed_maze", "start_room": [3, 1]}}, "start_room"),
])
def test_cross_field_errors(data, needle):
    with pytest.raises(SpecError, match=needle):
        spec_from_dict({"family": "minigrid", **data})


def test_json_schema_has_descriptions():
    schema = MinigridSpec.model_json_schema()
    layout = schema["$defs"]["LayoutSpec"]["properties"]
    assert "description" in layout["type"] and layout["width"]["maximum"] == 25


def test_new_layouts_compile_to_their_sizes_and_fields():
    """DistShift's strips, Memory's hallway end, RedBlueDoors' width and ObstructedMaze's rooms reach the
    params the generators read."""
    dist = load_spec("curricula/presets/minigrid/DistShift2.yaml").compile()
    np.testing.assert_array_equal(np.asarray(dist.rects)[:2], [[3, 1, 3, 1, C.LAVA], [3, 5, 3, 1, C.LAVA]])
    memory = load_spec("curricula/presets/minigrid/MemoryS13.yaml").compile()
    assert int(memory.hallway_end) == 10 and int(memory.mission[0]) == C.M_MATCH
    assert int(load_spec("curricula/presets/minigrid/MemoryS17Random.yaml").compile().hallway_end) == -1
    doors = load_spec("curricula/presets/minigrid/RedBlueDoors-8x8.yaml").compile()
    assert (int(doors.height), int(doors.width)) == (8, 16)
    maze = load_spec("curricula/presets/minigrid/ObstructedMaze-2Q-v1.yaml").compile()
    assert (int(maze.height), int(maze.width), int(maze.quarters)) == (16, 16, 2)
    assert tuple(np.asarray(maze.start_room)) == (1, 2) and bool(maze.keys_after_blockers)
    assert int(maze.blocker_color) == C.GREEN and bool(maze.agent_not_facing)
    dyn = load_spec("curricula/presets/minigrid/Dynamic-Obstacles-16x16.yaml").compile()
    assert int(dyn.moving_obstacles) == 8
