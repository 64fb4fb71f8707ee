"""What a goal sentence means in each family: Crafter's achievements, synonyms and tech tree; MiniGrid's
objects, colours and mission verbs.

The offline provider parses goals with these tables; the prompt templates list them too, so a model and
the rule-based generator read the same vocabulary. Costs and tools come from the simulator's own
recipe tables (``envgen.envs.crafter.constants``), never from a second copy.
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache

# -- Crafter ---------------------------------------------------------------------------------------

COLLECT_VERBS = r"(?:mine|mining|dig|digging|get|getting|collect|collecting|gather|gathering|obtain|find|finding" \
                r"|harvest|harvesting|chop|chopping|cut|cutting|acquire|farm|farming|extract)"
MAKE_VERBS = r"(?:craft|crafting|make|making|build|building|forge|forging|create|creating|smith)"
FIGHT_VERBS = r"(?:kill|killing|defeat|defeating|fight|fighting|slay|slaying|beat|attack|attacking|hunt|hunting" \
              r"|destroy|survive)"
PLACE_VERBS = r"(?:place|placing|put|putting|set up|build|building|construct|craft|crafting|make|making)"

_MATERIAL_WORDS = {
    "wood": r"(?:wood|woods|trees?|logs?|lumber|timber)",
    "stone": r"(?:stones?|rocks?|cobble(?:stone)?)",
    "coal": r"(?:coal)",
    "iron": r"(?:iron(?! pickaxe| sword| tools?)|iron ore|ores?)",
    "diamond": r"(?:diamonds?|gems?)",
}
_TOOL_MATERIAL = {"wood": r"(?:wood|wooden)", "stone": r"(?:stone)", "iron": r"(?:iron)"}
_TOOL_WORD = {"pickaxe": r"(?:pick ?axes?|picks?)", "sword": r"(?:swords?|blades?)"}

# Achievement -> regular expressions (matched against the lower-cased goal). Order matters only for
# overlaps, which :func:`parse_crafter_goal` resolves by removing tool and station phrases first.
CRAFTER_SYNONYMS: dict[str, list[str]] = {
    **{f"make_{m}_{t}": [rf"\b{mw}[ -]?{tw}\b"] for m, mw in _TOOL_MATERIAL.items() for t, tw in _TOOL_WORD.items()},
    "place_table": [r"\b(?:crafting |work ?)?tables?\b", r"\bworkbench(?:es)?\b"],
    "place_furnace": [r"\bfurnaces?\b", r"\bsmelt(?:er|ing)?\b", r"\bkilns?\b"],
    "place_stone": [rf"\b{PLACE_VERBS} (?:a |some )?(?:stones?|blocks?|bridges?|walls?)\b",
                    r"\bbridge\b", r"\bblock (?:the )?(?:water|lava|path)\b"],
    "place_plant": [r"\bplant(?:ing)? (?:a |some )?(?:saplings?|seeds?|trees?|crops?)\b", r"\bsow(?:ing)?\b",
                    r"\bgarden(?:ing)?\b", r"\bplace (?:a )?plants?\b"],
    "eat_plant": [r"\beat(?:ing)? (?:a |the |ripe )*(?:plants?|fruits?|crops?|berr(?:y|ies)|vegetables?)\b",
                  r"\bripe\b"],
    "eat_cow": [r"\beat(?:ing)? (?:a |the )?(?:cows?|beef|meat|steak)\b",
                rf"\b{FIGHT_VERBS} (?:a |the |some )?cows?\b", r"\bcows?\b", r"\bhunger\b", r"\bfood\b"],
    "collect_drink": [r"\bdrink(?:ing)?\b", r"\bwater\b", r"\bthirst(?:y)?\b", r"\bhydrat(?:e|ed|ion)\b"],
    "collect_sapling": [rf"\b{COLLECT_VERBS} (?:a |some |the )?(?:saplings?|seeds?)\b", r"\bsaplings?\b"],
    "defeat_zombie": [r"\bzombies?\b", r"\bundead\b", r"\bmonsters?\b"],
    "defeat_skeleton": [r"\bskeletons?\b", r"\barchers?\b", r"\barrows?\b"],
    "wake_up": [r"\bsleep(?:ing)?\b", r"\bwak(?:e|ing)(?: up)?\b", r"\brest(?:ing)?\b", r"\bnight\b",
                r"\btired\b", r"\benergy\b"],
    **{f"collect_{m}": [rf"\b{COLLECT_VERBS} (?:a |some |the |more |all )?{w}\b", rf"\b{w}\b"]
       for m, w in _MATERIAL_WORDS.items()},
}
# Phrases naming every achievement, or survival in general.
CRAFTER_ALL = r"\b(?:all|every|each) achievements?\b|\beverything\b|\bfull tech tree\b|\bwhole game\b"
CRAFTER_SURVIVE = r"\bsurviv(?:e|al|ing)\b|\bstay alive\b"
SURVIVAL_SET = ("collect_drink", "eat_cow", "wake_up", "defeat_zombie")
FALLBACK_SET = ("collect_wood", "place_table", "make_wood_pickaxe")

# Direct prerequisites (achievements that must come first) of every achievement: Crafter's tech tree.
# Costs per step are in CRAFTER_COSTS; a table must be near to craft, a furnace too for iron tools.
CRAFTER_PREREQS: dict[str, tuple[str, ...]] = {
    "collect_wood": (),
    "collect_drink": (),
    "collect_sapling": (),
    "eat_cow": (),
    "wake_up": (),
    "defeat_zombie": (),
    "defeat_skeleton": (),
    "place_table": ("collect_wood",),
    "make_wood_pickaxe": ("place_table",),
    "make_wood_sword": ("place_table",),
    "collect_stone": ("make_wood_pickaxe",),
    "collect_coal": ("make_wood_pickaxe",),
    "place_stone": ("collect_stone",),
    "place_furnace": ("collect_stone", "place_table"),
    "make_stone_pickaxe": ("collect_stone",),
    "make_stone_sword": ("collect_stone",),
    "collect_iron": ("make_stone_pickaxe",),
    "make_iron_pickaxe": ("collect_iron", "collect_coal", "place_furnace"),
    "make_iron_sword": ("collect_iron", "collect_coal", "place_furnace"),
    "collect_diamond": ("make_iron_pickaxe",),
    "place_plant": ("collect_sapling",),
    "eat_plant": ("place_plant",),
}
# What the start state holds once a prerequisite counts as done (inventory counts or stations).
CRAFTER_GRANTS: dict[str, dict[str, int | bool]] = {
    "collect_wood": {"wood": 5},
    "place_table": {"table": True},
    "make_wood_pickaxe": {"wood_pickaxe": 1},
    "make_wood_sword": {"wood_sword": 1},
    "collect_stone": {"stone": 5},
    "collect_coal": {"coal": 1},
    "place_stone": {},
    "place_furnace": {"furnace": True},
    "make_stone_pickaxe": {"stone_pickaxe": 1},
    "make_stone_sword": {"stone_sword": 1},
    "collect_iron": {"iron": 1},
    "make_iron_pickaxe": {"iron_pickaxe": 1},
    "make_iron_sword": {"iron_sword": 1},
    "collect_sapling": {"sapling": 2},
    "place_plant": {"plant": True},
}
# The map material an achievement needs to be near (view field ``dist_<m>``) and the tool to use it.
CRAFTER_MATERIAL: dict[str, tuple[str, str | None]] = {
    "collect_wood": ("tree", None),
    "collect_stone": ("stone", "wood_pickaxe"),
    "collect_coal": ("coal", "wood_pickaxe"),
    "collect_iron": ("iron", "stone_pickaxe"),
    "collect_diamond": ("diamond", "iron_pickaxe"),
    "collect_drink": ("water", None),
    "eat_plant": ("plant", None),
    "eat_cow": ("cow", None),
    "defeat_zombie": ("zombie", None),
    "defeat_skeleton": ("skeleton", None),
}
# Inventory item each collect achievement yields.
CRAFTER_YIELDS = {"collect_wood": "wood", "collect_stone": "stone", "collect_coal": "coal",
                  "collect_iron": "iron", "collect_diamond": "diamond", "collect_sapling": "sapling"}
# Materials that only occur in mountains / grassland (EnvGen's biome rules).
MOUNTAIN_MATERIALS = ("stone", "coal", "iron", "diamond")
RARITY_FIELD = {"collect_coal": "coal_rarity", "collect_iron": "iron_rarity", "collect_diamond": "diamond_rarity",
                "collect_wood": "tree_rarity"}


@cache
def crafter_costs() -> dict[str, dict[str, int]]:
    """Items consumed by each make/place achievement, read from the simulator's recipe tables."""
    from envgen.envs.crafter.constants import ACHIEVEMENTS, INVENTORY_ITEMS, MAKE, PLACE

    costs: dict[str, dict[str, int]] = {}
    for _tile, item, amount, _allowed, ach in PLACE.values():
        costs[ACHIEVEMENTS[ach]] = {INVENTORY_ITEMS[item]: amount}
    for _item, cost, _furnace, ach in MAKE.values():
        costs[ACHIEVEMENTS[ach]] = {INVENTORY_ITEMS[i]: n for i, n in cost.items()}
    return costs


def crafter_chain(targets: tuple[str, ...] | list[str]) -> list[str]:
    """Every prerequisite of ``targets`` (not the targets themselves), in a valid tech-tree order."""
    order: list[str] = []

    def visit(name: str) -> None:
        for pre in CRAFTER_PREREQS[name]:
            visit(pre)
            if pre not in order:
                order.append(pre)

    for t in targets:
        visit(t)
    return [a for a in order if a not in targets]


def item_needs(steps: list[str]) -> dict[str, int]:
    """Total items the make/place ``steps`` consume (how much wood, stone ... to collect)."""
    need: dict[str, int] = {}
    for step in steps:
        for item, n in crafter_costs().get(step, {}).items():
            need[item] = need.get(item, 0) + n
    return need


def parse_crafter_goal(goal: str) -> list[str]:
    """Target achievements named by a goal sentence, in Crafter's order ([] when none is named)."""
    from envgen.envs.crafter.constants import ACHIEVEMENTS

    text = " " + re.sub(r"[^a-z0-9 ]+", " ", goal.lower().replace("_", " ")) + " "
    text = re.sub(r"\s+", " ", text)
    if re.search(CRAFTER_ALL, text):
        return list(ACHIEVEMENTS)
    found: set[str] = set()
    # Tools and stations first: "iron pickaxe" is not "collect iron", "crafting table" not "craft".
    first = [a for a in CRAFTER_SYNONYMS if a.startswith(("make_", "place_", "eat_"))]
    for name in first + [a for a in CRAFTER_SYNONYMS if a not in first]:
        for pattern in CRAFTER_SYNONYMS[name]:
            if re.search(pattern, text):
                found.add(name)
                text = re.sub(pattern, " ", text)
                break
    if re.search(CRAFTER_SURVIVE, text) and not found:
        found.update(SURVIVAL_SET)
    # "eat a plant" implies planting; "plant a sapling" implies finding one; a plain table is placing.
    return [a for a in ACHIEVEMENTS if a in found]


# -- MiniGrid --------------------------------------------------------------------------------------

MINIGRID_OBJECTS = ("key", "ball", "box", "door", "goal")
MINIGRID_OBJECT_SYNONYMS = {
    "key": r"\bkeys?\b", "ball": r"\b(?:balls?|spheres?|orbs?)\b", "box": r"\b(?:box(?:es)?|crates?|chests?)\b",
    "door": r"\b(?:doors?|gates?)\b", "goal": r"\b(?:goal|exit|target square|green square|finish)\b",
}
MINIGRID_COLORS = ("red", "green", "blue", "purple", "yellow", "grey")
MINIGRID_COLOR_SYNONYMS = {"grey": r"\b(?:grey|gray)\b", "purple": r"\b(?:purple|violet)\b"}
# Mission kind -> verb patterns (checked in this order: the most specific first).
MINIGRID_MISSION_VERBS: dict[str, list[str]] = {
    "put_near": [r"\b(?:put|place|move|bring|carry|drop|push)\b.*\b(?:next to|near|beside|by|close to|adjacent to)\b"],
    "unlock_door": [r"\bunlock(?:s|ing)?\b", r"\blocked door\b", r"\bopen (?:a |the )?locked\b"],
    "open_door": [r"\bopen(?:s|ing)?\b(?:(?!\block).)*\b(?:doors?|gates?)\b"],
    "pickup": [r"\b(?:pick(?:s|ing)? up|pickup|fetch(?:es|ing)?|grab(?:s|bing)?|get|collect(?:s|ing)?|take|retrieve|"
               r"carry|hold|obtain)\b"],
    "go_to": [r"\b(?:go(?:es|ing)? to|goto|walk to|move to|navigate to|approach|visit|find|reach) (?:the |a |an )?"
              r"(?:(?:red|green|blue|purple|yellow|grey|gray) )?(?:keys?|balls?|box(?:es)?|doors?)\b"],
    "reach_goal": [r"\b(?:reach|get to|go to|find|navigate to|arrive at|walk to) (?:the )?(?:green )?"
                   r"(?:goal|exit|target|finish)\b", r"\bgoal\b", r"\bexit\b", r"\bmaze\b", r"\bnavigat\w*\b",
                   r"\bescape\b"],
}
MINIGRID_LAYOUT_WORDS = {
    "four_rooms": r"\bfour rooms?\b|\b4 rooms\b", "multi_room": r"\bmulti ?rooms?\b|\bmany rooms\b|\bseveral rooms\b",
    "crossing": r"\bcrossings?\b|\brivers?\b", "lava_gap": r"\blava\b|\bgap\b", "obstacles": r"\bobstacles?\b",
    "key_corridor": r"\bcorridors?\b", "two_rooms": r"\btwo rooms\b|\b2 rooms\b|\bdoor ?key\b",
    "empty": r"\bempty\b|\bopen (?:room|field)\b",
}


@dataclasses.dataclass(frozen=True)
class MinigridGoal:
    """A parsed MiniGrid goal: the mission kind, its object and colour, and put_near's target."""

    kind: str
    obj: str | None = None
    color: str | None = None
    target: str | None = None
    target_color: str | None = None
    layout: str | None = None

    def text(self) -> str:
        def name(o, c):
            return f"{c + ' ' if c else ''}{o or 'object'}"

        return {
            "reach_goal": "get to the green goal square",
            "go_to": f"go to the {name(self.obj, self.color)}",
            "pickup": f"pick up the {name(self.obj, self.color)}",
            "open_door": f"open the {name('door', self.color)}",
            "unlock_door": f"unlock the {name('door', self.color)}",
            "put_near": f"put the {name(self.obj, self.color)} near the {name(self.target, self.target_color)}",
        }[self.kind]


def _mentions(text: str) -> list[tuple[int, str, str | None]]:
    """(position, object, colour or None) for every object named in ``text``, in order."""
    out = []
    for obj, pattern in MINIGRID_OBJECT_SYNONYMS.items():
        for m in re.finditer(pattern, text):
            before = text[max(0, m.start() - 12):m.start()]
            color = None
            for c in MINIGRID_COLORS:
                pat = MINIGRID_COLOR_SYNONYMS.get(c, rf"\b{c}\b")
                if re.search(pat + r"\s*$", before):
                    color = c
            out.append((m.start(), obj, color))
    return sorted(out)


def parse_minigrid_goal(goal: str) -> MinigridGoal:
    """The mission a goal sentence asks for (``reach_goal`` when nothing more specific is named)."""
    text = " " + re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]+", " ", goal.lower())) + " "
    layout = next((name for name, pat in MINIGRID_LAYOUT_WORDS.items() if re.search(pat, text)), None)
    kind = next((k for k, pats in MINIGRID_MISSION_VERBS.items() if any(re.search(p, text) for p in pats)),
                "reach_goal")
    things = [(o, c) for _, o, c in _mentions(text) if o != "goal"]
    if kind in ("open_door", "unlock_door"):
        color = next((c for o, c in things if o == "door" and c), None)
        return MinigridGoal(kind, "door", color, layout=layout)
    movable = [(o, c) for o, c in things if o in ("key", "ball", "box")]
    if kind == "put_near":
        obj, color = movable[0] if movable else ("ball", None)
        rest = [(o, c) for o, c in things if (o, c) != (obj, color) and o in ("key", "ball", "box")]
        target, tcolor = rest[0] if rest else ("box" if obj != "box" else "ball", None)
        return MinigridGoal(kind, obj, color, target, tcolor, layout=layout)
    if kind in ("pickup", "go_to"):
        if not movable and kind == "pickup" and any(o == "goal" for _, o, _ in _mentions(text)):
            return MinigridGoal("reach_goal", layout=layout)
        obj, color = movable[0] if movable else (("door", next((c for o, c in things if o == "door"), None))
                                                  if kind == "go_to" else ("ball", None))
        return MinigridGoal(kind, obj, color, layout=layout)
    return MinigridGoal("reach_goal", layout=layout)
