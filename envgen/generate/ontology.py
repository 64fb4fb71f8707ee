"""What a goal sentence means in each family: Crafter's achievements, synonyms and tech tree; MiniGrid's
objects, colours and mission verbs.

The offline provider parses goals with these tables; the prompt templates list them too, so a model and
the rule-based generator read the same vocabulary. Costs and tools come from the simulator's own
recipe tables (``envgen.envs.crafter.constants``), never from a second copy.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from functools import cache

from envgen.envs.crafter.constants import COLLECT_YIELDS, ITEM_SOURCE, MINE_TOOL, tech_tree

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
                rf"\b{FIGHT_VERBS} (?:a |the |some )?cows?\b", r"\bcows?\b", r"\bhunger\b", r"\bfood\b", r"\bmeat\b"],
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
CRAFTER_ALL = (r"\b(?:all|every|each) achievements?\b|\beverything\b|\bfull tech tree\b|\bwhole game\b"
               r"|\b(?:beat|win|complete|finish|master) (?:the )?(?:whole )?(?:game|crafter)\b")
CRAFTER_SURVIVE = r"\bsurviv(?:e|al|ing)\b|\bstay alive\b"
SURVIVAL_SET = ("collect_drink", "eat_cow", "wake_up", "defeat_zombie")
FALLBACK_SET = ("collect_wood", "place_table", "make_wood_pickaxe")

# Direct prerequisites (achievements that must come first) of every achievement: Crafter's tech tree,
# derived from the simulator's recipe tables. Costs per step are in crafter_costs().
CRAFTER_PREREQS: dict[str, tuple[str, ...]] = tech_tree()
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
    **{ach: (material, MINE_TOOL[item]) for ach, (material, item) in COLLECT_YIELDS.items()},
    "collect_drink": ("water", None),
    "eat_plant": ("plant", None),
    "eat_cow": ("cow", None),
    "defeat_zombie": ("zombie", None),
    "defeat_skeleton": ("skeleton", None),
}
# Inventory item each collect achievement yields.
CRAFTER_YIELDS = {ach: item for item, ach in ITEM_SOURCE.items()}
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


class GoalNotUnderstood(ValueError):  # noqa: N818 - the name says what happened
    """Nothing in a goal sentence names something the family can teach; the message says what can."""


# Words that carry no task of their own ("learn to ...", "the agent should ..."): never reported as
# not understood.
_FILLER_TEXT = """a an the to of and or in on at by for with from into onto as is are be being been it its
    this that these those there here then than so very some any all more most much many few lot lots
    learn learning teach teaching train training agent player you your yourself me my i we our us they
    them their should must can could will would may might need needs want wants try trying able how
    get gets getting make makes making do does doing go goes going use using up out over down about
    good well quickly fast efficiently first finally also just only eventually without while when
    once after before until own new one two three way ways s t please
    behind inside room level grid world area where what which who"""
FILLER = frozenset(_FILLER_TEXT.split())

_MAT = {"wood": r"wood(?:en)?|timber|planks?|logs?|lumber", "stone": r"stone|rocks?|cobble(?:stone)?",
        "iron": r"iron|metal|steel"}
_ANY_MAT = "|".join(_MAT.values())
_TOOLS_WORD = r"pick ?axes?|picks?|axes?|swords?|blades?|weapons?|tools?"
_SUPER = (r"(?:best|strongest|most powerful|most advanced|ultimate|top(?: tier)?|highest(?: tier| level)?"
          r"|deadliest|sharpest|finest|greatest|end ?game|mightiest|toughest|best possible|strongest possible"
          r"|most effective|most durable|top of the line|hardest hitting|most damaging)")
_WEAK = r"(?:weakest|simplest|most basic|basic|starter|cheapest|beginner|primitive|crude|first|easiest)"
_BETTER = (r"(?:better|stronger|upgraded?|improved|second(?: tier)?|mid(?: tier)?|intermediate|next|"
           r"upgrade(?:d)?(?: your| the| its| to(?: a| the)?)?)")


def _material(word: str) -> str:
    return next(m for m, pat in _MAT.items() if re.fullmatch(pat, word))


def _tool_targets(material: str, tool_word: str) -> tuple[str, ...]:
    """make_<material>_<tool> for a tool word; "tools"/"gear" mean both the pickaxe and the sword."""
    if re.fullmatch(r"swords?|blades?|weapons?", tool_word):
        return (f"make_{material}_sword",)
    if re.fullmatch(r"tools|gear|equipment", tool_word):
        return (f"make_{material}_pickaxe", f"make_{material}_sword")
    return (f"make_{material}_pickaxe",)


# Phrases read before the per-achievement synonyms: superlatives ("the best weapon"), materials separated
# from the tool they make ("a sword out of stone"), and goals that name an outcome or a situation
# ("grow your own food", "you are thirsty"). Each maps to achievements, or to a function of the match.
CRAFTER_PHRASES: list[tuple[str, tuple[str, ...] | Callable[[re.Match], tuple[str, ...]]]] = [
    # superlatives and tiers
    (rf"\b{_SUPER} (?:possible )?(?:tools|gear|equipment|kit|weapons and tools|tools and weapons)\b",
     ("make_iron_pickaxe", "make_iron_sword")),
    (rf"\b{_SUPER} (?:possible )?(?:melee )?(?:weapons?|swords?|blades?)\b", ("make_iron_sword",)),
    (rf"\b{_SUPER} (?:possible )?(?:pick ?axes?|picks?|mining tools?|tool)\b", ("make_iron_pickaxe",)),
    (r"\b(?:rarest|most valuable|most precious|most expensive|hardest to (?:find|get|reach|mine)|deepest|"
     r"shiniest|best|most sought after) (?:possible )?(?:resources?|materials?|ores?|gems?|minerals?|treasures?|"
     r"stones?|loot|blocks?)\b", ("collect_diamond",)),
    (rf"\b{_WEAK} (?:possible )?(?:tools|gear|equipment)\b", ("make_wood_pickaxe", "make_wood_sword")),
    (rf"\b{_WEAK} (?:possible )?(?:weapons?|swords?|blades?)\b", ("make_wood_sword",)),
    (rf"\b{_WEAK} (?:possible )?(?:pick ?axes?|picks?|tools?)\b", ("make_wood_pickaxe",)),
    (rf"\b{_BETTER} (?:weapons?|swords?|blades?)\b", ("make_stone_sword",)),
    (rf"\b{_BETTER} (?:pick ?axes?|picks?|axes?|tool)\b", ("make_stone_pickaxe",)),
    (rf"\b{_BETTER} (?:tools|gear|equipment)\b", ("make_stone_pickaxe", "make_stone_sword")),
    (r"\b(?:iron|metal) age\b", ("make_iron_pickaxe", "make_iron_sword")),
    (r"\bstone age\b", ("make_stone_pickaxe", "make_stone_sword")),
    # a material named apart from the tool: "a sword out of stone", "use iron to craft a pickaxe"
    (rf"\b({_ANY_MAT}) (tools|gear|equipment)\b", lambda m: _tool_targets(_material(m[1]), m[2])),
    (rf"\b({_TOOLS_WORD}|gear|equipment)\b(?: \w+){{0,2}}? (?:out of|made (?:out )?of|made from|from|of|using|"
     rf"with|by using) (?:some |the |a |an )?({_ANY_MAT})\b", lambda m: _tool_targets(_material(m[2]), m[1])),
    (rf"\b(?:use|using|with|from) (?:some |the |your )?({_ANY_MAT}) (?:to |and |you )?(?:make|craft|build|forge|"
     rf"create|fashion|smith)s? (?:a |an |the |some )?({_TOOLS_WORD})\b",
     lambda m: _tool_targets(_material(m[1]), m[2])),
    (rf"\b(?:turn|make|craft|forge|shape) (?:some |the |your )?({_ANY_MAT}) into (?:a |an |some )?({_TOOLS_WORD})\b",
     lambda m: _tool_targets(_material(m[1]), m[2])),
    (rf"\b({_ANY_MAT}) ({_TOOLS_WORD})\b", lambda m: _tool_targets(_material(m[1]), m[2])),
    # outcomes and situations
    (r"\bgrow(?:s|ing)? (?:your |its |their |my |some )?(?:own )?(?:food|crops?|plants?|vegetables?|veg|"
     r"garden|farm|produce)\b|\b(?:start|build|make|tend|run) (?:a |your own )?(?:farm|garden)\b|"
     r"\bfarm(?:s|ing)? (?:food|crops?)\b|\bbecome a farmer\b|\bfarming\b|\bagricultur\w*\b",
     ("place_plant", "eat_plant")),
    (r"\b(?:never|not|don t|do not|without|avoid|stop) (?:go(?:ing)? |get(?:ting)? |be(?:ing)? |feel(?:ing)? )?"
     r"(?:hungry|starv\w*)\b|\bfeed (?:yourself|itself|the agent|himself|herself)\b|\bsomething to eat\b|"
     r"\bsatisfy (?:your |its )?hunger\b|\bhungry\b|\bstarv\w*\b|\bhunt(?:ing)? for food\b|"
     r"\b(?:stay|keep|be|remain) (?:well )?fed\b|\b(?:full|fill (?:your |its )?) ?belly\b|\bbelly full\b|"
     r"\b(?:hunt|kill|catch) (?:some |the |an? )?(?:animals?|livestock|cattle|prey)\b|\blivestock\b|\bcattle\b",
     ("eat_cow",)),
    (r"\bquench\w* (?:your |its )?thirst\b|\bstay hydrated\b|\bsomething to drink\b|\bthirsty\b|"
     r"\bdehydrat\w*\b|\bparched\b", ("collect_drink",)),
    (r"\bgood night s (?:sleep|rest)\b|\bget (?:some )?(?:sleep|rest)\b|\brestore (?:your |its )?energy\b|"
     r"\bgo to bed\b|\bexhausted\b|\btake a nap\b|\bnap\b", ("wake_up",)),
    (r"\b(?:protect|defend|guard) (?:yourself|itself|the agent|your ?self)(?! (?:from|against) skeletons?)\b"
     r"(?: (?:from|against) (?:the )?(?:monsters?|enemies|attackers|mobs|night))?|\bfend off (?:the )?"
     r"(?:monsters?|enemies|attackers|mobs)\b|\bself defen[cs]e\b|\benemies\b|\bmobs?\b",
     ("defeat_zombie",)),
    (r"\bcross(?:ing)? (?:the |a |over )?(?:river|lake|water|sea|ocean|lava|stream|pond)\b|"
     r"\bbridge(?: (?:over|across) (?:the |a )?(?:river|lake|water|sea|stream|pond|lava))?\b|"
     r"\bbuild (?:a |an |some |your own )?(?:shelter|house|home|hut|walls?|fort|fortress|bunker|barrier|"
     r"safe room)\b|\bwall (?:yourself |itself )?(?:in|off)\b|\bshelter\b", ("place_stone",)),
    (r"\bset up (?:a |an |your )?(?:camp|base|workshop|crafting station|work ?station)\b|\bwork ?station\b",
     ("place_table",)),
    (r"\b(?:build|place|make|set up|construct) (?:a |an )?forge\b|\bsmelt\w*\b|\bkilns?\b",
     ("place_furnace",)),
    (r"\bget rich\b|\btreasures?\b|\briches\b|\bjewels?\b|\bprecious stones?\b|\bshiny\b",
     ("collect_diamond",)),
    (r"\b(?:clear|explore|raid|conquer) (?:the |a )?(?:caves?|dungeons?|tunnels?|caverns?)\b",
     ("defeat_skeleton",)),
    (r"\b(?:dig|tunnel|mine) (?:down|deep|into the mountains?|through (?:the )?(?:mountains?|rock))\b|"
     r"\bgo underground\b|\bquarry\b", ("collect_stone",)),
    (r"\b(?:collect|gather|get|mine|harvest|stockpile|hoard|farm) (?:some |the |all |basic |raw |more )*"
     r"(?:resources|materials|supplies|minerals|ores)\b", ("collect_wood", "collect_stone")),
    # a tool named without a material is the first one of its kind
    (r"\b(?:tools)\b", ("make_wood_pickaxe", "make_wood_sword")),
    (r"\b(?:weapons?|swords?|blades?)\b", ("make_wood_sword",)),
    (r"\b(?:pick ?axes?|picks?|axes?|tool)\b", ("make_wood_pickaxe",)),
]
# Read only when nothing more specific was: crafting in general is the first steps of the tech tree.
CRAFTER_GENERAL = [(r"\bcraft(?:s|ing|ed)?\b|\bmake (?:things|stuff|items)\b", ("place_table", "make_wood_pickaxe"))]


@dataclasses.dataclass(frozen=True)
class GoalReading:
    """What a goal sentence was read as: the phrases understood (with their meaning) and words left over."""

    family: str
    goal: str
    understood: tuple[tuple[str, str], ...]  # (phrase, what it was taken to mean)
    ignored: tuple[str, ...]  # content words nothing matched

    @property
    def ok(self) -> bool:
        return bool(self.understood)

    def summary(self) -> str:
        """One line: what was understood and what was ignored."""
        got = "; ".join(f"'{p}' -> {m}" for p, m in self.understood) or "nothing"
        left = f"; not understood: {' '.join(self.ignored)}" if self.ignored else ""
        return f"understood {got}{left}"


def normalize(goal: str) -> str:
    """Lower case, words and spaces only, British spellings folded ("colour" -> "color")."""
    text = goal.lower().replace("_", " ").replace("colour", "color").replace("grey", "gray")
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    return " " + re.sub(r"\s+", " ", text).strip() + " "


def _leftover(text: str) -> tuple[str, ...]:
    return tuple(w for w in text.split() if w not in FILLER and not w.isdigit() and len(w) > 1)


def read_crafter_goal(goal: str) -> tuple[list[str], GoalReading]:
    """Target achievements of a goal sentence (Crafter's order) and what of the sentence was understood."""
    from envgen.envs.crafter.constants import ACHIEVEMENTS

    text = normalize(goal)
    understood: list[tuple[str, str]] = []
    found: set[str] = set()
    if re.search(CRAFTER_ALL, text):
        return list(ACHIEVEMENTS), GoalReading("crafter", goal, (("every achievement", "all 22"),), ())

    def take(pattern: str, meaning: Callable[[re.Match], tuple[str, ...]] | tuple[str, ...]) -> None:
        nonlocal text
        for m in list(re.finditer(pattern, text)):
            names = meaning(m) if callable(meaning) else meaning
            found.update(names)
            understood.append((m[0].strip(), ", ".join(names)))
        text = re.sub(pattern, " | ", text)

    for pattern, meaning in CRAFTER_PHRASES:
        take(pattern, meaning)
    # Stations and eating first: "crafting table" is not "craft", "eat a cow" is not "kill a cow".
    first = [a for a in CRAFTER_SYNONYMS if a.startswith(("make_", "place_", "eat_"))]
    for name in first + [a for a in CRAFTER_SYNONYMS if a not in first]:
        for pattern in CRAFTER_SYNONYMS[name]:
            if re.search(pattern, text):
                take(pattern, (name,))
                break
    if not found:
        for pattern, meaning in CRAFTER_GENERAL:
            take(pattern, meaning)
    if re.search(CRAFTER_SURVIVE, text):
        if not found:
            found.update(SURVIVAL_SET)
            understood.append(("survive", ", ".join(SURVIVAL_SET)))
        text = re.sub(CRAFTER_SURVIVE, " | ", text)
    verbs = rf"\b(?:{COLLECT_VERBS[3:-1]}|{MAKE_VERBS[3:-1]}|{FIGHT_VERBS[3:-1]}|{PLACE_VERBS[3:-1]}|eat|drink)\b"
    if found:  # a verb whose object was understood is understood too
        text = re.sub(verbs, " ", text)
    return [a for a in ACHIEVEMENTS if a in found], GoalReading("crafter", goal, tuple(understood),
                                                                _leftover(text.replace("|", " ")))


def parse_crafter_goal(goal: str) -> list[str]:
    """Target achievements named by a goal sentence, in Crafter's order ([] when none is named)."""
    return read_crafter_goal(goal)[0]


# -- MiniGrid --------------------------------------------------------------------------------------

MINIGRID_OBJECTS = ("key", "ball", "box", "door", "goal")
MINIGRID_OBJECT_SYNONYMS = {
    "key": r"\bkeys?\b", "ball": r"\b(?:balls?|spheres?|orbs?)\b", "box": r"\b(?:box(?:es)?|crates?|chests?)\b",
    "door": r"\b(?:doors?|gates?|doorways?)\b",
    "goal": r"\b(?:goal|exit|target square|green square|finish(?: line)?|way out|end square)\b",
}
MINIGRID_COLORS = ("red", "green", "blue", "purple", "yellow", "grey")
MINIGRID_COLOR_SYNONYMS = {"grey": r"\b(?:grey|gray)\b", "purple": r"\b(?:purple|violet)\b"}
# The colour a "key-coloured ball" gets when the goal names no colour for the key or the door.
REFERENCE_COLORS = ("yellow", "blue", "red", "purple", "green")
_OBJ = r"(?:keys?|balls?|spheres?|orbs?|box(?:es)?|crates?|chests?|doors?|gates?)"
_GOAL = r"(?:goal|exit|target square|target|green square|finish(?: line)?|way out|end square|end)"
_COLOR = r"(?:red|green|blue|purple|violet|yellow|grey|gray|ref(?:key|door|ball|box))"
_THING = rf"(?:(?:the|a|an|that|this|some|one) )?(?:{_COLOR} )?(?:\w+ )?"
_MOVE = (r"(?:go|goes|going|walk\w*|move|moves|moving|head\w*|run|runs|running|travel\w*|navigate\w*|proceed\w*"
         r"|step|steps|come|get|gets|getting|make (?:your|its|their) way|find (?:your|its|their) way|wander\w*"
         r"|drive|steer|crawl)(?: over| up| on| across| back| all the way)? (?:to|towards?|into|up to|next to|near"
         r"|beside|close to|by|for|onto|on to|in front of)")
_GO = (rf"(?:{_MOVE}|approach\w*|visit\w*|reach\w*|locate|find|finds|finding|search for|look for|stand (?:next to|"
       r"near|beside|by|in front of)|touch|face|go near|end up (?:at|next to|near|by))")
_PICK = (r"(?:pick(?:s|ing)? up|pickup|fetch\w*|grab\w*|get|gets|getting|collect\w*|take|takes|taking|retriev\w*"
         r"|carry|carries|carrying|hold|holding|obtain\w*|bring|brings|snag|lift|acquire|recover|secure)")
_PUT = r"(?:put|place|move|bring|carry|drop|push|leave|set|deliver|take)"
_NEAR = r"(?:next to|near|beside|by|close to|adjacent to|alongside|against)"
# Mission kind -> patterns (checked in this order: the most specific first).
MINIGRID_MISSION_VERBS: dict[str, list[str]] = {
    "put_near": [rf"\b{_PUT}\b.*\b{_OBJ}\b.*\b{_NEAR}\b.*\b{_OBJ}\b",
                 rf"\b(?:bring|carry|take|move|deliver|push|drag)\b.*\b{_OBJ}\b.* (?:over |back |all the way )?to "
                 rf"{_THING}(?:keys?|balls?|box(?:es)?)\b"],
    "unlock_door": [r"\bunlock(?:s|ing|ed)?\b", r"\blocked (?:door|gate)\b", r"\bopen\w* (?:a |the )?locked\b",
                    r"\b(?:door|gate) (?:is|was|stays|remains) locked\b",
                    r"\bwhat (?:opens|unlocks|fits) (?:it|the (?:door|gate|lock))\b", r"\bthe right key\b",
                    r"\b(?:use|using) (?:the |a |your |its )?(?:\w+ )?key\b.*\b(?:door|gate|lock)\b",
                    r"\b(?:use|using|try) (?:it|them|that) (?:on|to open|with|for|in) (?:the |a )?(?:\w+ )?"
                    r"(?:door|gate|lock)\b",
                    r"\b(?:open|opens|opening)\b.*\b(?:door|gate)\b.*\bwith (?:the |a |its )?(?:\w+ )?key\b"],
    "open_door": [r"\bopen(?:s|ing)?\b(?:(?!\block).)*\b(?:doors?|gates?|doorways?)\b",
                  r"\b(?:go|walk|pass|get|move|step)(?:es|ing)? (?:through|past) (?:the |a )?(?:\w+ )?"
                  r"(?:doors?|gates?)\b",
                  r"\btoggle (?:the |a )?(?:\w+ )?(?:doors?|gates?)\b",
                  r"\b(?:go|walk|pass|get|move|step)(?:es|ing)? (?:through|past) (?:it|them)\b"],
    "reach_goal": [rf"\b{_GO} {_THING}{_GOAL}\b", rf"\b(?:reach|get to|arrive at|escape|exit)\b.*\b{_GOAL}\b",
                   r"\bfind (?:your|its|the|a) way out\b", r"\bescape\b", r"\bget out\b"],
    "go_to": [rf"\b{_GO} {_THING}{_OBJ}\b"],
    "pickup": [rf"\b{_PICK} (?:me |us |up |back )?{_THING}{_OBJ}\b", r"\bpick\w* (?:\w+ ){1,4}up\b",
               rf"\b{_PICK} (?:it|them|that one)\b"],
}
# Words that describe a situation rather than an action; they shape the level of every step.
MINIGRID_SITUATIONS = {
    "locked": r"\blocked\b|\bunlock\w*\b|\bwhat (?:opens|unlocks) (?:it|the)\b",
    "key_in_box": r"\bkeys? (?:is |are )?(?:hidden |kept |stored )?(?:in|inside|within) (?:a |the )?(?:\w+ )?box\b"
                  r"|\bbox(?:es)? (?:that )?(?:holds?|contains?|hides?|has) (?:a |the )?key\b",
    "closed": r"\b(?:door|gate) (?:is|was|stays|remains) (?:closed|shut)\b|\b(?:closed|shut) (?:door|gate)\b"
              r"|\bbehind (?:a |the )?(?:\w+ )?(?:door|gate)\b|\b(?:other|next) room\b",
    "blocker": r"\b(?:block(?:s|ed|ing)?|obstruct\w*) (?:the )?(?:door|gate|way|path|doorway)\b"
               r"|\bin front of the (?:door|gate)\b|\b(?:door|gate|way) is (?:blocked|obstructed)\b",
}
MINIGRID_LAYOUT_WORDS = {
    "four_rooms": r"\bfour rooms?\b|\b4 rooms\b", "multi_room": r"\bmulti ?rooms?\b|\bmany rooms\b|\bseveral rooms\b",
    "crossing": r"\bcrossings?\b|\brivers?\b", "lava_gap": r"\blava\b|\bgap\b", "obstacles": r"\bobstacles?\b",
    "key_corridor": r"\bcorridors?\b", "two_rooms": r"\btwo rooms\b|\b2 rooms\b|\bdoor ?key\b",
    "empty": r"\bempty\b|\bopen (?:room|field)\b", "multi_room ": r"\bmaze\b|\blabyrinth\b",
}
# "the key-coloured ball" -> the ball gets the colour of the key (resolved when the plan is built).
_REFERENCES = [
    (r"\b(key|door|ball|box|gate)s? colou?red (key|ball|box|door)s?\b", 1, 2),
    (r"\b(key|ball|box|door)s? (?:that is |which is |that has |with |of |in |having )?(?:the )?same color "
     r"(?:as|like) (?:the |a |its |that )?(key|door|ball|box|gate)s?\b", 2, 1),
    (r"\b(key|ball|box|door)s? (?:that |which )?match(?:es|ing)? (?:the |its )?(key|door|ball|box|gate)s?(?: s)?"
     r"(?: color)?\b", 2, 1),
    (r"\b(key|ball|box|door)s? (?:of|in|with) (?:the )?(key|door|ball|box|gate) s color\b", 2, 1),
    (r"\b(key|door|ball|box|gate) s color(?:ed)? (key|ball|box|door)\b", 1, 2),
]


@dataclasses.dataclass(frozen=True)
class MinigridGoal:
    """A parsed MiniGrid mission: its kind, object and colour, put_near's target, and the gate door it
    goes through (``door`` is None, "closed" or "locked"). Colours may be references ("@key") until
    :func:`read_minigrid_goal` resolves them."""

    kind: str
    obj: str | None = None
    color: str | None = None
    target: str | None = None
    target_color: str | None = None
    layout: str | None = None
    door: str | None = None
    door_color: str | None = None
    key_in_box: bool = False
    blocker: bool = False

    def text(self) -> str:
        def name(o, c):
            return f"{c + ' ' if c else ''}{o or 'object'}"

        base = {
            "reach_goal": "get to the green goal square",
            "go_to": f"go to the {name(self.obj, self.color)}",
            "pickup": f"pick up the {name(self.obj, self.color)}",
            "open_door": f"open the {name('door', self.color)}",
            "unlock_door": f"unlock the {name('door', self.color)}",
            "put_near": f"put the {name(self.obj, self.color)} near the {name(self.target, self.target_color)}",
        }[self.kind]
        if self.door and self.kind not in ("open_door", "unlock_door"):
            verb = "unlocking" if self.door == "locked" else "opening"
            base += f" behind a {self.door} {self.door_color + ' ' if self.door_color else ''}door (after {verb} it)"
        return base


@dataclasses.dataclass(frozen=True)
class MinigridPlan:
    """A MiniGrid goal read as a chain: its steps in order and ``whole``, the mission with every step in it."""

    steps: tuple[MinigridGoal, ...]
    whole: MinigridGoal
    reading: GoalReading


def _mentions(text: str) -> list[tuple[int, str, str | None]]:
    """(position, object, colour or None) for every object named in ``text``, in order."""
    out = []
    for obj, pattern in MINIGRID_OBJECT_SYNONYMS.items():
        for m in re.finditer(pattern, text):
            before = text[max(0, m.start() - 16):m.start()]
            color = None
            ref = re.search(r"\bref(key|door|ball|box|gate) (?:\w+ )?$", before)
            if ref:
                color = "@" + ref[1].replace("gate", "door")
            for c in MINIGRID_COLORS:
                pat = MINIGRID_COLOR_SYNONYMS.get(c, rf"\b{c}\b")
                if re.search(pat + r" (?:\w+ )?$", before):
                    color = c
            out.append((m.start(), obj, color))
    return sorted(out)


def _layout(text: str) -> tuple[str, str] | None:
    """(layout name, the words that named it), or None."""
    for name, pat in MINIGRID_LAYOUT_WORDS.items():
        m = re.search(pat, text)
        if m:
            return name.strip(), m[0]
    return None


def _step(text: str) -> MinigridGoal | None:
    """The mission one clause asks for (None when it only describes the situation)."""
    kind = next((k for k, pats in MINIGRID_MISSION_VERBS.items() if any(re.search(p, text) for p in pats)), None)
    things = [(o, c) for _, o, c in _mentions(text) if o != "goal"]
    movable = [(o, c) for o, c in things if o in ("key", "ball", "box")]
    if kind is None:
        return None
    if kind in ("open_door", "unlock_door"):
        color = next((c for o, c in things if o == "door" and c), None)
        return MinigridGoal(kind, "door", color)
    if kind == "put_near":
        obj, color = movable[0] if movable else ("ball", None)
        rest = [(o, c) for o, c in movable[1:]]
        target, tcolor = rest[0] if rest else ("box" if obj != "box" else "ball", None)
        return MinigridGoal(kind, obj, color, target, tcolor)
    if kind in ("pickup", "go_to"):
        if kind == "go_to" and not movable and any(o == "door" for o, _ in things):
            return MinigridGoal("go_to", "door", next((c for o, c in things if o == "door"), None))
        if not movable:
            return MinigridGoal(kind, None, None)  # "pick it up": the object comes from another clause
        return MinigridGoal(kind, *movable[0])
    return MinigridGoal("reach_goal")


_SPLIT = (r"[;.!?]|\bthen\b|\bafter (?:that|this|which)\b|\bafterwards?\b|\band finally\b|\bfinally\b"
          r"|\bonce (?:that s |that is |it s |it is )?(?:done|open)\b|\bbefore\b|,"
          r"|\band (?=(?:then )?(?:open|unlock|pick"
          r"|fetch|grab|get|go|walk|reach|put|place|bring|take|find|visit|approach|head|move|carry|drop|toggle|enter"
          r"|collect|retrieve|use)\b)")


def _clauses(goal: str) -> list[str]:
    """The goal split into clauses in the order they are to be done ("after X, Y" and "Y after X" too)."""
    text = goal.lower().replace("colour", "color")
    text = re.sub(r"['’]s\b", " s", text)
    text = re.sub(r"[^a-z0-9;.!?, ]+", " ", text)
    m = re.match(r"^\s*(?:first |only )?(?:after|once) (?:you |having |the agent )?(.+?),(.+)$", text)
    if m:
        text = f"{m[1]} ; {m[2]}"
    m = re.match(r"^(.+?)\bafter (?:you |having |the agent )?(?!that\b|this\b|which\b)(.+)$", text)
    if m:
        text = f"{m[2]} ; {m[1]}"
    parts = [" " + re.sub(r"\s+", " ", p).strip() + " " for p in re.split(_SPLIT, text)]
    return [p for p in parts if p.strip()]


def _resolve_refs(text: str) -> str:
    for pattern, ref, obj in _REFERENCES:
        text = re.sub(pattern, lambda m, r=ref, o=obj: f"ref{m[r]} {m[o]}", text)
    return text


def read_minigrid_goal(goal: str, seed: int = 0) -> MinigridPlan:
    """A MiniGrid goal as a chain of missions with colour references resolved.

    "open a locked door then fetch the key-coloured ball" gives two steps (unlock a door of colour c;
    pick up the ball of colour c) and a whole mission (pick up the c ball behind a locked c door), where
    c is the door's named colour or one picked from ``seed``. Raises nothing: ``plan.reading.ok`` says
    whether anything was understood.
    """
    clauses = [_resolve_refs(c) for c in _clauses(goal)]
    whole_text = " ".join(clauses)
    understood: list[tuple[str, str]] = []
    steps: list[MinigridGoal] = []
    said: list[str] = []
    for clause in clauses:
        step = _step(clause)
        if step is None:
            continue
        if step.obj is None and step.kind in ("pickup", "go_to"):
            prior = [(o, c) for _, o, c in _mentions(whole_text) if o in ("key", "ball", "box")]
            step = dataclasses.replace(step, obj=prior[-1][0] if prior else "ball",
                                       color=prior[-1][1] if prior else None)
        if steps and steps[-1] == step:
            continue
        steps.append(step)
        said.append(re.sub(r"\bref(\w+) ", r"\1-colored ", clause).strip())
    situation = {name for name, pat in MINIGRID_SITUATIONS.items() if re.search(pat, whole_text)}
    for name in sorted(situation):
        understood.append((re.search(MINIGRID_SITUATIONS[name], whole_text)[0], name.replace("_", " ")))
    named_layout = _layout(whole_text)
    layout = named_layout[0] if named_layout else None
    if named_layout:
        understood.append((named_layout[1], f"{layout} layout"))
    if not steps:
        things = [(o, c) for _, o, c in _mentions(whole_text) if o != "goal"]
        if "locked" in situation or "key_in_box" in situation:
            steps = [MinigridGoal("unlock_door", "door", next((c for o, c in things if o == "door"), None))]
        elif [t for t in things if t[0] != "door"]:
            steps = [MinigridGoal("go_to", *next(t for t in things if t[0] != "door"))]
        elif layout or _mentions(whole_text):
            steps = [MinigridGoal("reach_goal")]
        said = ["(no action named)"] * len(steps)
    goal_at = [p for p, o, _ in _mentions(whole_text) if o == "goal"]
    door_at = [p for p, o, _ in _mentions(whole_text) if o == "door"]
    if steps and steps[-1].kind in ("open_door", "unlock_door") and goal_at and door_at:
        steps.append(MinigridGoal("reach_goal"))  # "a locked door stands between you and the exit"
        said.append("(the goal lies behind the door)")
    steps = _resolve_colors(steps, situation, seed)
    understood[:0] = [(phrase, f"step {i + 1}: {step.text()}")
                      for i, (phrase, step) in enumerate(zip(said, steps, strict=True))]
    reading = GoalReading("minigrid", goal, tuple(understood) if steps else (),
                          _leftover(_strip_known(whole_text)) if steps else _leftover(whole_text))
    if not steps:
        return MinigridPlan((), MinigridGoal("reach_goal"), reading)
    return MinigridPlan(tuple(steps), _whole(steps, situation, layout), reading)


def _strip_known(text: str) -> str:
    pats = [p for ps in MINIGRID_MISSION_VERBS.values() for p in ps] + list(MINIGRID_SITUATIONS.values()) + \
        list(MINIGRID_OBJECT_SYNONYMS.values()) + list(MINIGRID_LAYOUT_WORDS.values()) + \
        [r"\bref(?:key|door|ball|box|gate)\b", rf"\b{_COLOR}\b", rf"\b{_GO}\b", rf"\b{_PICK}\b", rf"\b{_PUT}\b",
         rf"\b{_NEAR}\b", r"\bopen\w*\b", r"\bcolor(?:ed)?\b", r"\bsame\b"]
    for p in pats:
        text = re.sub(p, " ", text)
    return text


def _resolve_colors(steps: list[MinigridGoal], situation: set[str], seed: int) -> list[MinigridGoal]:
    """Replace "@key"/"@door"/"@ball"/"@box" colours by concrete ones shared across the steps."""
    named: dict[str, str] = {}
    for s in steps:
        for obj, col in ((s.obj, s.color), (s.target, s.target_color)):
            if obj and col and not col.startswith("@"):
                named.setdefault(obj, col)
    has_lock = "locked" in situation or any(s.kind == "unlock_door" for s in steps)
    # the key that opens a locked door has the door's colour
    if has_lock:
        shared = named.get("door") or named.get("key")
        if shared:
            named.setdefault("door", shared)
            named.setdefault("key", shared)
    refs = {c[1:] for s in steps for c in (s.color, s.target_color) if c and c.startswith("@")}
    fallback = REFERENCE_COLORS[seed % len(REFERENCE_COLORS)]
    for ref in sorted(refs):
        if ref not in named:
            named[ref] = fallback
            if has_lock and ref in ("key", "door"):
                named["key"] = named["door"] = fallback

    def fix(c: str | None) -> str | None:
        return named.get(c[1:]) if c and c.startswith("@") else c

    out = []
    for s in steps:
        s = dataclasses.replace(s, color=fix(s.color), target_color=fix(s.target_color))
        if s.kind in ("open_door", "unlock_door") and s.color is None and "door" in named:
            s = dataclasses.replace(s, color=named["door"])
        out.append(s)
    return out


def _whole(steps: list[MinigridGoal], situation: set[str], layout: str | None) -> MinigridGoal:
    """The single mission that contains every step: the last step, behind the door the others open."""
    last = steps[-1]
    doors = [s for s in steps if s.kind in ("open_door", "unlock_door")]
    locked = "locked" in situation or any(s.kind == "unlock_door" for s in doors)
    gated = bool(doors) or locked or "closed" in situation
    door_color = next((s.color for s in doors if s.color), None)
    extra = {"key_in_box": "key_in_box" in situation, "blocker": "blocker" in situation, "layout": layout}
    if last.kind in ("open_door", "unlock_door"):
        kind = "unlock_door" if locked else last.kind
        return dataclasses.replace(last, kind=kind, color=last.color or door_color, **extra)
    if gated:
        return dataclasses.replace(last, door="locked" if locked else "closed", door_color=door_color, **extra)
    return dataclasses.replace(last, **extra)


def parse_minigrid_goal(goal: str) -> MinigridGoal:
    """The whole mission a goal sentence asks for (``reach_goal`` when nothing more specific is named)."""
    return read_minigrid_goal(goal).whole


def read_goal(goal: str, family: str, seed: int = 0) -> GoalReading:
    """What of ``goal`` the offline generator understands for ``family``."""
    if family == "crafter":
        return read_crafter_goal(goal)[1]
    return read_minigrid_goal(goal, seed).reading


# The families whose vocabularies the offline rules know (read_goal reads any other name as MiniGrid).
READABLE_FAMILIES = ("crafter", "minigrid")


def coverage(reading: GoalReading) -> int:
    """How many of the goal's content words a reading understood (0 when it understood nothing)."""
    if not reading.ok:
        return 0
    return max(len(_leftover(normalize(reading.goal))) - len(reading.ignored), 1)


def guess_family(goal: str, seed: int = 0) -> str | None:
    """The family whose vocabulary reads more of ``goal``, or None when neither reads it or both read it
    equally well ("pick up the red key" is MiniGrid: Crafter reads only "pick", MiniGrid every word)."""
    scores = {name: coverage(read_goal(goal, name, seed)) for name in READABLE_FAMILIES}
    best = max(scores.values())
    winners = [name for name, score in scores.items() if score == best]
    return winners[0] if best > 0 and len(winners) == 1 else None


def capabilities(family: str) -> str:
    """What the family can teach, in a few lines, for the message shown when a goal is not understood."""
    if family == "crafter":
        from envgen.envs.crafter.constants import ACHIEVEMENTS

        return ("Crafter can teach any of its 22 achievements and chains of them, e.g. 'collect wood', "
                "'make a stone pickaxe', 'the best weapon', 'grow your own food', 'survive the night':\n  "
                + ", ".join(a.replace("_", " ") for a in ACHIEVEMENTS))
    return ("MiniGrid can teach: reach the goal square; go to / pick up a key, ball or box (optionally "
            "coloured: red, green, blue, purple, yellow, grey); open or unlock a door; put one object "
            "next to another; and chains of these ('unlock the door then fetch the blue ball'), in "
            "layouts: " + ", ".join(sorted({n.strip() for n in MINIGRID_LAYOUT_WORDS})))


def not_understood_message(reading: GoalReading, seed: int = 0) -> str:
    """Why a goal cannot be generated offline, what was (not) understood, and what would work.

    When another family's vocabulary reads the goal, the message is one line that names that family.
    """
    what = f"did not understand any of: {' '.join(reading.ignored)}" if reading.ignored else "found no words in it"
    other = guess_family(reading.goal, seed)
    if other is not None and other != reading.family:
        return (f"the offline generator cannot read the goal {reading.goal!r} for {reading.family} ({what}), "
                f"but it reads as a {other} goal: pass --family {other}")
    return (f"the offline generator cannot read the goal {reading.goal!r} for {reading.family}: {what}.\n"
            f"{capabilities(reading.family)}\n"
            "Rephrase the goal, use an LLM provider (--provider anthropic/openai), or pass --allow-fallback "
            "to build the family's default starter environments anyway.")
