"""Missions: the integer encoding ``(kind, object type, colour, target type, target colour)`` and its text."""

from __future__ import annotations

import numpy as np

from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL, C.RED)


def encode_mission(kind: str, obj: str | None = None, color: str | None = None,
                   target: str | None = None, target_color: str | None = None) -> np.ndarray:
    """Names to the int32[5] encoding; ``None``/``"random"`` become -1 (resolved at generation)."""

    def obj_id(name):
        return -1 if name in (None, "random") else C.OBJECT_NAMES.index(name)

    def color_id(name):
        return -1 if name in (None, "random") else C.COLOR_NAMES.index(name)

    k = C.MISSION_NAMES.index(kind)
    if k == C.M_REACH_GOAL:
        return np.array([k, C.GOAL, C.GREEN, 0, 0], np.int32)
    if k in (C.M_OPEN_DOOR, C.M_UNLOCK_DOOR):
        return np.array([k, C.DOOR, color_id(color), 0, 0], np.int32)
    if k == C.M_PUT_NEAR:
        return np.array([k, obj_id(obj), color_id(color), obj_id(target), color_id(target_color)], np.int32)
    if k == C.M_OPEN_IN_ORDER:
        return np.array([k, C.DOOR, color_id(color), C.DOOR, color_id(target_color)], np.int32)
    if k in (C.M_MATCH, C.M_NONE):
        return np.array([k, 0, 0, 0, 0], np.int32)
    return np.array([k, obj_id(obj), color_id(color), 0, 0], np.int32)


def mission_text(mission) -> str:
    """A readable sentence for an encoded mission (MiniGrid's wording where it has one)."""
    kind, obj_t, obj_c, tgt_t, tgt_c = (int(x) for x in np.asarray(mission)[:5])

    def name(t, c):
        color = C.COLOR_NAMES[c] if 0 <= c < C.NUM_COLORS else "any"
        thing = C.OBJECT_NAMES[t] if 0 <= t < len(C.OBJECT_NAMES) else "object"
        return f"{color} {thing}"

    if kind == C.M_REACH_GOAL and obj_t == C.KEY:   # LockedRoom names the key, its room and the door
        lock, room = C.COLOR_NAMES[obj_c], C.COLOR_NAMES[tgt_c]
        return f"get the {lock} key from the {room} room, unlock the {lock} door and go to the goal"
    if kind == C.M_REACH_GOAL:
        return "get to the green goal square"
    if kind == C.M_GO_TO:
        return f"go to the {name(obj_t, obj_c)}"
    if kind == C.M_PICKUP:
        return f"pick up the {name(obj_t, obj_c)}"
    if kind == C.M_OPEN_DOOR:
        return f"open the {name(C.DOOR, obj_c)}"
    if kind == C.M_UNLOCK_DOOR:
        return f"unlock the {name(C.DOOR, obj_c)}"
    if kind == C.M_PUT_NEAR:
        return f"put the {name(obj_t, obj_c)} near the {name(tgt_t, tgt_c)}"
    if kind == C.M_OPEN_IN_ORDER:
        return f"open the {name(C.DOOR, obj_c)} then the {name(C.DOOR, tgt_c)}"
    if kind == C.M_MATCH:
        return "go to the matching object at the end of the hallway"
    if kind == C.M_NONE:
        return ""
    return f"unknown mission {kind}"
