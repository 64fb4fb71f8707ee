"""``envgen list``: families and shipped presets, each with its family and a one-line description.

A preset's description is its config's ``purpose`` when it has one; otherwise it is derived from the
config itself (mission, gate door, layout, moving obstacles, episode length), so it never drifts from
what the preset actually does.
"""

from __future__ import annotations

import click

# layouts that put a gate door between the start side and the goal side
_GATED = {"two_rooms", "room_grid", "multi_room", "key_corridor"}


@click.command("list")
def command() -> None:
    """List environment families and shipped presets (names accepted by ``envgen render`` and
    ``envgen.make``) with their family and what each one is."""
    from envgen.envs.registry import FAMILIES, registered_envs, resolve_spec_path

    rows = []
    for name in registered_envs():
        if name in FAMILIES:
            rows.append((name, name, f"the {name} family with its default config"))
            continue
        family = name.split("/", 1)[0]
        rows.append((name, family, describe_preset(resolve_spec_path(name), family)))
    width = max(len(r[0]) for r in rows)
    fam_width = max(len(r[1]) for r in rows)
    for name, family, text in rows:
        click.echo(f"{name:<{width}}  {family:<{fam_width}}  {text}")


def describe_preset(path, family: str) -> str:
    """One line saying what the preset at ``path`` is: its ``purpose``, or one derived from its config."""
    from envgen.printable import printable
    from envgen.spec import SpecError, load_spec

    try:
        spec = load_spec(path, family)
    except (SpecError, OSError) as err:
        return f"(config unreadable: {printable(err).splitlines()[0][:120]})"
    if spec.purpose:
        return printable(" ".join(spec.purpose.split()))
    if family == "minigrid":
        return _describe_minigrid(spec)
    return f"a {family} config"


def _thing(obj: str, color: str) -> str:
    obj = "object" if obj == "random" else obj
    return f"the {color} {obj}" if color != "random" else ("an object" if obj == "object" else f"a {obj}")


def _describe_minigrid(spec) -> str:
    m, lay, door, objs = spec.mission, spec.layout, spec.door, spec.objects
    task = {
        "reach_goal": "reach the goal square",
        "go_to": f"go to {_thing(m.object, m.color)}",
        "pickup": f"pick up {_thing(m.object, m.color)}",
        "open_door": "unlock the door" if door.locked_prob >= 1.0 else "open the door",
        "unlock_door": "unlock the door",
        "put_near": f"put {_thing(m.object, m.color)} next to {_thing(m.target, m.target_color)}",
        "open_in_order": f"open the {m.color} door, then the {m.target_color} door",
        "match": "remember the object in the start room and go to its match at the end of the hallway",
        "none": "free play (no task, no reward)",
    }[m.type]
    parts = [task]
    door_name = "door" if door.color == "random" else f"{door.color} door"
    if lay.type == "obstructed_maze":
        parts[0] += " behind locked doors"
    if lay.type in _GATED | {"obstructed_maze"}:
        gate_named = m.type in ("open_door", "unlock_door") or lay.type == "obstructed_maze"
        if not gate_named and door.locked_prob >= 1.0:
            parts[0] += f" behind a locked {door_name}"
        elif not gate_named and door.locked_prob > 0.0:
            parts[0] += f" behind a {door_name} locked {door.locked_prob:.0%} of the time"
        keys = "its key" if lay.type in _GATED else "keys"
        if door.key_in_box_prob >= 1.0:
            parts.append(f"{keys} hidden in boxes" if keys == "keys" else f"{keys} hidden in a box")
        elif door.key_in_box_prob > 0.0:
            parts.append(f"{keys} in a box {door.key_in_box_prob:.0%} of the time")
        if door.blocker:
            parts.append("a ball blocks the door" if lay.type in _GATED else "balls block the doors")
    if m.type == "pickup" and m.wrong_pickup_ends:
        parts.append("picking up anything else ends the episode")
    if m.type in ("go_to", "pickup", "put_near") and objs.count:
        parts.append(f"{objs.count} object(s) to choose from" if not m.spawn else f"{objs.count} distractor(s)")
    if lay.rects:
        kinds = sorted({r.type for r in lay.rects})
        parts.append(f"{len(lay.rects)} {'/'.join(kinds)} block(s)")
    if objs.moving:
        parts.append(f"{objs.moving} moving ball(s) to dodge")
    parts.append(_layout_text(lay))
    parts.append(f"{spec.max_steps} steps")
    return "; ".join(parts)


def _layout_text(lay) -> str:
    size = f"{lay.width}x{lay.height}"
    return {
        "empty": f"one {size} room",
        "two_rooms": f"two rooms in {size}",
        "four_rooms": f"four rooms in {size}",
        "room_grid": f"{lay.rows}x{lay.cols} rooms of side {lay.room_size}",
        "multi_room": (f"a chain of {lay.min_rooms} rooms" if lay.min_rooms == lay.max_rooms
                       else f"a chain of {lay.min_rooms}-{lay.max_rooms} rooms")
                      + f" of side up to {lay.room_size} in {size}",
        "crossing": f"{lay.crossings} {lay.obstacle} river(s) to cross in {size}",
        "lava_gap": f"a {lay.obstacle} strip with one gap in {size}",
        "obstacles": f"random {lay.obstacle} cells in {size}",
        "key_corridor": f"a corridor with {lay.rows} row(s) of rooms of side {lay.room_size}",
        "obstructed_maze": f"a 3x3 maze of rooms of side {lay.room_size}, {lay.quarters} quarter(s) used",
        "red_blue_doors": f"a room with a red and a blue door in {2 * lay.height}x{lay.height}",
        "locked_room": f"six rooms off a corridor, one locked, in {size}",
        "memory": f"a start room and a split hallway in {size}",
        "playground": f"3x3 rooms of side {lay.room_size} with every door",
    }.get(lay.type, f"{lay.type} layout in {size}")
