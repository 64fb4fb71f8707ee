"""The offline provider as an EnvGen teacher: configs driven by the student's per-skill feedback and the cycle.

Without feedback the offline rules (:mod:`envgen.generate.rules`) answer a goal with one fixed easier ->
harder ladder, so an EnvGen loop that asks about the same weak skills every cycle got the same configs
back every cycle. With feedback (``OfflineProvider.with_feedback``, set by the ``llm`` teacher) the rules
here design each cycle's environments from what the student can and cannot do yet:

* **Which skill each environment teaches.** Every weak skill the goal names gets an environment of its
  own; a weak skill whose tech-tree prerequisites are not mastered also gets a *bridge* environment for
  the prerequisite that blocks it (the frontier: the first unmastered prerequisite whose own
  prerequisites are mastered). The extra slots go round the weak skills, starting at a different one
  each cycle.
* **How hard.** A difficulty ``d`` in [0, 1] per environment: the skill's success rate (0 for a skill
  never done, 0.6 at mastery), spread over the environments of the same skill, plus a small shift that
  moves with the cycle. Every knob below is a ladder (a table, easy -> hard) indexed by ``d``.
* **Prerequisites granted** (``GRANT_LADDER``, ``GRANT_RULES``): a skill blocked by unmastered
  prerequisites starts with all of them done (e.g. weak ``collect_diamond``: an iron pickaxe, a table
  and a furnace nearby), then with only the unmastered ones; a skill whose prerequisites are mastered
  starts one step short of it, then from nothing. Inventory amounts go round the plain grant and two
  more generous ones with the cycle.
* **Resource density and distance** (``DENSITY``, ``NEED_BIOMES``): the materials still to be found are
  very common, common, then Crafter's default, in a biome that keeps them near the start (mountains for
  stone/coal/iron/diamond, grassland for trees and cows, beaches for water) -- the allowed biomes are
  rotated by the cycle, and the hardest environments are Crafter's natural world.
* **Creatures, vitals, time** (``MOB_LADDER``, ``FIGHT_KIT``, ``VITALS``, ``EPISODE``, ``DAYLIGHT``).

MiniGrid (``MG_*`` tables): each weak target's name is read for what it is (its mission when the name
reads as one, a size such as ``8x8``, "small"/"large", a layout, a locked door), and its environments
vary the room size around it, distractors, the key's hiding place, a blocker and the time limit along
the same difficulty ladder, and the agent's start and the goal cell with the cycle. Two environments of
one answer are never the same: a repeat takes the next style turn (``distinct``).

Every number is clamped to the config spec's own bounds (the parameter space's ranges). The result is
deterministic: the same goal, feedback and cycle give the same configs; no clock or global
randomness. Whether each config is valid and solvable is checked by the pipeline, as for any answer.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from envgen.generate import ontology as onto
from envgen.generate import rules

GOLDEN = 0.6180339887498949  # cycle c shifts the ladders by frac(c * GOLDEN) * CYCLE_SHIFT: no short period
CYCLE_SHIFT = 0.2
MASTERED = 0.5


@dataclasses.dataclass(frozen=True)
class Feedback:
    """What the offline rules read of the teacher's feedback: per-skill mean success, the weakest skills,
    the mastery threshold and the cycle."""

    rates: Mapping[str, float]
    weakest: tuple[str, ...] = ()
    mastered: float = MASTERED
    cycle: int = 0

    @classmethod
    def read(cls, data: Mapping[str, Any] | Feedback) -> Feedback:
        """From the teacher's feedback dict (``skills: [{name, mean, std}]`` or ``rates: {name: mean}``)."""
        if isinstance(data, Feedback):
            return data
        rates = dict(data.get("rates") or {})
        for s in data.get("skills") or ():
            rates[str(s["name"])] = float(s["mean"])
        return cls(rates={k: float(v) for k, v in sorted(rates.items())},
                   weakest=tuple(data.get("weakest") or ()), mastered=float(data.get("mastered", MASTERED)),
                   cycle=int(data.get("cycle", 0)))

    def rate(self, skill: str) -> float:
        """Mean success of ``skill`` (0 when the feedback does not name it)."""
        value = self.rates.get(skill, 0.0)
        return 0.0 if not math.isfinite(value) else min(max(value, 0.0), 1.0)

    def done(self, skill: str) -> bool:
        return skill in self.rates and self.rate(skill) >= self.mastered

    def shift(self) -> float:
        return (self.cycle * GOLDEN) % 1.0 * CYCLE_SHIFT


def difficulty(fb: Feedback, skill: str, k: int, count: int) -> float:
    """Difficulty of the ``k``-th of ``count`` environments for ``skill``: its success rate (0.6 at
    mastery), spread over the environments, shifted by the cycle."""
    base = 0.6 * min(fb.rate(skill) / fb.mastered, 1.0)
    spread = 0.35 * k / (count - 1) if count > 1 else 0.0
    return min(base + spread + fb.shift(), 1.0)


def pick(ladder: tuple | list, d: float) -> Any:
    """The rung of an easy -> hard ``ladder`` for difficulty ``d``."""
    return ladder[min(int(d * len(ladder)), len(ladder) - 1)]


def bounds(model: Any, path: str) -> tuple[float | None, float | None]:
    """(low, high) of a spec field (dotted ``path``) from its pydantic constraints."""
    cls = model
    *parents, name = path.split(".")
    for part in parents:
        cls = cls.model_fields[part].annotation
    low = high = None
    for m in cls.model_fields[name].metadata:
        low = getattr(m, "ge", low) if getattr(m, "ge", None) is not None else low
        high = getattr(m, "le", high) if getattr(m, "le", None) is not None else high
    return low, high


def clamp(model: Any, path: str, value: float) -> Any:
    """``value`` inside the spec field's range (same type)."""
    low, high = bounds(model, path)
    out = value
    if low is not None:
        out = max(out, low)
    if high is not None:
        out = min(out, high)
    return type(value)(out)


STYLE_TRIES = 12  # later style turns tried when an environment would repeat one of the same answer


def distinct(build: Callable[[int], dict[str, Any]], style: int, family: str, tag: Any,
             taken: set[str]) -> dict[str, Any]:
    """``build(style)``, or the first later style turn ``build(style + extra)`` that no environment of this
    answer with the same ``tag`` (skill, mission) has already -- the pipeline rejects a repeat as a
    duplicate; past ``STYLE_TRIES`` turns, a slightly longer time limit."""
    first = build(style)
    turns = (first if extra == 0 else build(style + extra) for extra in range(STYLE_TRIES))
    longer = (_longer(first, family, j) for j in range(1, 1000))
    for cfg in itertools.chain(turns, longer):
        fp = json.dumps([cfg, tag], sort_keys=True, default=str)
        if fp not in taken:
            taken.add(fp)
            return cfg
    return first


def _longer(cfg: dict[str, Any], family: str, j: int) -> dict[str, Any]:
    """``cfg`` with a time limit ``j`` x 16 steps longer (the last resort against a repeat)."""
    from envgen.spec.crafter import CrafterSpec
    from envgen.spec.minigrid import MinigridSpec

    model = {"crafter": CrafterSpec, "minigrid": MinigridSpec}[family]
    out = json.loads(json.dumps(cfg))
    out["max_steps"] = clamp(model, "max_steps", int(out.get("max_steps", 256)) + 16 * j)
    return out


# -- Crafter ---------------------------------------------------------------------------------------

# What the start grants of a skill's prerequisite chain (``done``: the prerequisites the student masters).
GRANT_RULES: dict[str, Callable[[list[str], str, set[str]], list[str]]] = {
    "isolated": lambda chain, skill, done: list(chain),  # every prerequisite done: practise the skill alone
    "unmet": lambda chain, skill, done: [a for a in chain if a not in done],  # only what it cannot do yet
    "last-step": lambda chain, skill, done: [a for a in chain if a not in onto.CRAFTER_PREREQS[skill]],
    "bare": lambda chain, skill, done: [],
}
# Easy -> hard grant modes: a skill blocked by an unmastered prerequisite never starts bare.
GRANT_LADDER = {
    "blocked": ("isolated", "isolated", "unmet", "last-step"),
    "ready": ("last-step", "last-step", "bare", "bare"),
}
# Inventory amounts: the plain grant, then more generous ones (in turn with the cycle, period 3).
AMOUNTS = (1.0, 1.4, 1.8)
# Density of the materials still to be found: rarity word (None = Crafter's default), easy -> hard.
DENSITY = ("very common", "very common", "common", "common", None)
# Where the materials a step needs lie -> biomes that keep them near the start (EnvGen's biome rules).
NEED_BIOMES = {
    "mountain": ("mountain", "natural"),
    "grass": ("grassland", "natural"),
    "water": ("beaches", "natural"),
}
BIOMES = ("natural", "mountain", "grassland", "beaches")  # a skill that needs none of these: any of them
NEED_OF_MATERIAL = {"stone": "mountain", "coal": "mountain", "iron": "mountain", "diamond": "mountain",
                    "tree": "grass", "cow": "grass", "plant": "grass", "water": "water", "skeleton": "mountain"}
GRASS_SKILLS = ("collect_sapling", "place_plant", "eat_plant")
# Creatures the skill is about, easy -> hard (spawned near the start, weaker while easy).
MOB_LADDER: dict[str, tuple[dict[str, Any], ...]] = {
    "defeat_zombie": ({"spawn_zombies": 3, "zombie_health": 2}, {"spawn_zombies": 2, "zombie_health": 3},
                      {"spawn_zombies": 1, "zombie_health": 5}, {"zombie_density": 1.5}),
    "defeat_skeleton": ({"spawn_skeletons": 3, "skeleton_health": 1}, {"spawn_skeletons": 2, "skeleton_health": 2},
                        {"spawn_skeletons": 1, "skeleton_health": 3}, {"spawn_skeletons": 1, "skeleton_density": 1.5}),
    "eat_cow": ({"spawn_cows": 4, "cow_health": 1}, {"spawn_cows": 3, "cow_health": 2},
                {"spawn_cows": 2, "cow_health": 3}, {"cow_density": 1.5}),
}
# Other skills: no monsters while easy, Crafter's at the end.
CALM_LADDER: tuple[dict[str, Any], ...] = ({"peaceful": True}, {"peaceful": True}, {"zombie_density": 0.5}, {})
# Weapons for the fights, easy -> hard.
FIGHT_KIT = ({"stone_sword": 1, "wood_sword": 1}, {"wood_sword": 1}, {})
# Starting vitals that make the skill come up (tired, hungry, thirsty), easy -> hard.
VITALS: dict[str, tuple[dict[str, int], ...]] = {
    "wake_up": ({"energy": 0}, {"energy": 2}, {"energy": 4}, {}),
    "collect_drink": ({"drink": 3}, {"drink": 5}, {}),
    "eat_cow": ({"food": 3}, {"food": 5}, {}),
    "eat_plant": ({"food": 4}, {}),
}
# Saplings from grass while a sapling is still to be found.
SAPLING_PROB = (0.3, 0.2, None)
# Episode length (EnvGen runs its envs for 1024 steps), easy -> hard.
EPISODE = (1024, 1024, 1536, 2048, 3072, 10000)
# Day/night: always day or Crafter's cycle, alternating with the cycle (period 2; ``wake_up`` keeps the night).
DAYLIGHT = (False, True)


def crafter_frontier(skill: str, fb: Feedback) -> str | None:
    """The prerequisite that blocks ``skill``: the first unmastered one whose own prerequisites are all
    mastered (None when every prerequisite is mastered)."""
    for pre in onto.crafter_chain([skill]):
        if not fb.done(pre) and all(fb.done(p) for p in onto.CRAFTER_PREREQS[pre]):
            return pre
    return None


def crafter_jobs(targets: list[str], n: int, fb: Feedback) -> list[tuple[str, str]]:
    """(skill, role) of each of the ``n`` environments: each weak skill, the bridges to blocked ones,
    then more of the weak skills, starting at a different one each cycle."""
    start = fb.cycle % len(targets)
    rotated = [(t, "weak") for t in targets[start:] + targets[:start]]
    if n <= len(targets):
        return rotated[:n]
    jobs = [(t, "weak") for t in targets]
    for t in targets:
        pre = crafter_frontier(t, fb)
        if pre and pre not in targets and (pre, "bridge") not in jobs:
            jobs.append((pre, "bridge"))
    while len(jobs) < n:
        jobs += rotated
    return jobs[:n]


def crafter_curriculum(targets: list[str], n: int, seed: int, feedback: Mapping[str, Any] | Feedback, *,
                       easier: bool = False, goal: str = "") -> list[dict[str, Any]]:
    """``n`` Crafter environments aimed at the weak ``targets`` given the student's ``feedback``.

    ``seed`` is accepted for the rules' common signature and not used: the llm teacher's request seed is
    its seed plus the cycle, and the cycle already turns the knobs (adding both would lock their parity)."""
    from envgen.generate.rules import crafter_reward_source, slug

    fb = Feedback.read(feedback)
    jobs = crafter_jobs(list(targets), n, fb)
    out: list[dict[str, Any]] = []
    taken: set[str] = set()
    for i, (skill, role) in enumerate(jobs):
        same = [j for j, job in enumerate(jobs) if job[0] == skill]
        k = same.index(i)
        d = difficulty(fb, skill, k, len(same))
        if easier:
            d /= 2
        style = fb.cycle + k  # the teacher's seed moves with the cycle too: not added
        chain = onto.crafter_chain([skill])
        done = {a for a in chain if fb.done(a)}
        blocked = any(a not in done for a in chain)
        mode = pick(GRANT_LADDER["blocked" if blocked else "ready"], d)
        granted = GRANT_RULES[mode](chain, skill, done)
        config = distinct(functools.partial(_crafter_config, skill, chain, granted, d), style, "crafter", skill,
                          taken)
        world = config.get("target_biome", "natural")
        how = f"{mode}-" if chain else ""
        config["name"] = f"{slug(skill.replace('_', ' '))}-{how}{world}-{round(100 * d):02d}"[:64]
        config["purpose"] = _purpose(skill, role, fb, granted, chain, world, d, goal, targets)
        out.append({"config": config, "reward_code": crafter_reward_source([skill], chain, granted),
                    "targets": [skill]})
    return out


def _crafter_config(skill: str, chain: list[str], granted: list[str], d: float, style: int) -> dict[str, Any]:
    from envgen.spec.crafter import CrafterSpec, InventorySettings, MobSettings, Vitals

    cfg: dict[str, Any] = {}
    amount = AMOUNTS[style % len(AMOUNTS)]
    inv: dict[str, Any] = {}
    for step in granted:
        for item, v in onto.CRAFTER_GRANTS.get(step, {}).items():
            if isinstance(v, bool):
                inv[item] = True
            else:
                inv[item] = clamp(InventorySettings, item, max(inv.get(item, 0), math.ceil(v * amount)))
    fights = skill.startswith("defeat_")
    if fights:
        inv.update(pick(FIGHT_KIT, d))
    remaining = [a for a in chain if a not in granted] + [skill]
    # the materials still to be found: denser while easy, in a biome that keeps them near
    word = pick(DENSITY, d)
    for a in remaining:
        field = onto.RARITY_FIELD.get(a)
        if field and word:
            cfg[field] = word
    needs = {NEED_OF_MATERIAL[onto.CRAFTER_MATERIAL[a][0]] for a in remaining
             if onto.CRAFTER_MATERIAL.get(a, ("",))[0] in NEED_OF_MATERIAL}
    needs |= {"grass" for a in remaining if a in GRASS_SKILLS}
    if skill == "defeat_skeleton":
        needs.discard("mountain")  # spawned next to the start on every rung
    allowed = [b for b in BIOMES if all(b in NEED_BIOMES[need] for need in needs)] or ["natural"]
    biome = allowed[(style // 2) % len(allowed)] if d < 0.7 else "natural"  # periods 3, 2, 2 x biomes
    if biome != "natural":
        cfg["target_biome"] = biome
    mobs = dict(pick(MOB_LADDER[skill], d)) if skill in MOB_LADDER else dict(pick(CALM_LADDER, d))
    if fights:
        mobs.pop("peaceful", None)
    mobs = {k: clamp(MobSettings, k, v) if not isinstance(v, bool) else v for k, v in mobs.items()}
    if mobs:
        cfg["mobs"] = mobs
    vitals = pick(VITALS[skill], d) if skill in VITALS else {}
    if vitals:
        cfg["vitals"] = {k: clamp(Vitals, k, v) for k, v in vitals.items()}
    sapling = pick(SAPLING_PROB, d)
    if sapling is not None and any(a in ("collect_sapling", "place_plant") for a in remaining):
        cfg["sapling_prob"] = clamp(CrafterSpec, "sapling_prob", float(sapling))
    if inv:
        cfg["inventory_settings"] = inv
    cfg["max_steps"] = clamp(CrafterSpec, "max_steps", int(pick(EPISODE, d)))
    if skill != "wake_up" and d < 0.8:
        cfg["daylight_cycle"] = DAYLIGHT[style % len(DAYLIGHT)]
    return cfg


def _purpose(skill: str, role: str, fb: Feedback, granted: list[str], chain: list[str], biome: str, d: float,
             goal: str, targets: list[str]) -> str:
    def words(xs):
        return ", ".join(x.replace("_", " ") for x in xs)

    why = (f"weak skill {skill.replace('_', ' ')} ({fb.rate(skill):.0%} success)" if role == "weak" else
           f"{skill.replace('_', ' ')} ({fb.rate(skill):.0%}), the unmastered prerequisite that blocks "
           + words([t for t in targets if skill in onto.crafter_chain([t])]))
    head = f"starts with {words(granted)} done" if granted else "starts from nothing"
    left = [a for a in chain if a not in granted]
    steps = f", still has to {words(left)} first" if left else ""
    return (f"Cycle {fb.cycle} practice of the {why}; {head}{steps}; {biome} world at difficulty {d:.2f}"
            + (f" (goal: '{goal[:120]}')" if goal else "") + ".")


# -- MiniGrid --------------------------------------------------------------------------------------

# What a target's name says about it (matched on the lower-cased name): a size, a layout, a locked door.
MG_NAME_HINTS: list[tuple[str, Callable[[re.Match], dict[str, Any]]]] = [
    (r"(\d+)\s*x\s*(\d+)", lambda m: {"size": int(m[1])}),
    (r"\b(?:small|tiny|little)\b", lambda m: {"size": 5}),
    (r"\b(?:medium|mid)\b", lambda m: {"size": 7}),
    (r"\b(?:large|big|huge|wide)\b", lambda m: {"size": 10}),
    (r"door ?key|\blocked\b|\bunlock", lambda m: {"door": "locked"}),
    (r"\bfour ?rooms?\b", lambda m: {"layout": "four_rooms"}),
    (r"\bmulti ?rooms?\b", lambda m: {"layout": "multi_room"}),
    (r"\bempty\b|\broom\b", lambda m: {"layout": "empty"}),
]
# Layouts the variants use and the sizes they allow (the spec allows 5-25; four_rooms needs room for its walls).
MG_LAYOUT_SIZES = {"empty": (5, 16), "two_rooms": (5, 16), "four_rooms": (9, 19), "multi_room": (25, 25)}
# Layouts an object mission can use (multi_room's spawn side is not reachable for objects).
MG_OBJECT_LAYOUTS = ("empty", "four_rooms", "two_rooms")
# Room size relative to the target's, easy -> hard.
MG_SIZE_OFFSET = (-3, -2, -1, 0, 0, 1, 2)
# Distractor objects, easy -> hard (missions about an object get a few more).
MG_DISTRACTORS = (0, 0, 1, 2, 3, 4)
# A locked door's key: in plain sight, then hidden in a box.
MG_KEY_IN_BOX = (0.0, 0.0, 0.0, 0.5, 1.0)
# A ball blocking the door on the agent's side, hard rungs only.
MG_BLOCKER = (False, False, False, False, True)
# Time limit as a multiple of MiniGrid's 4 x cells, easy -> hard.
MG_TIME = (2.0, 1.75, 1.5, 1.25, 1.0)
# Where the agent starts, in turn with the cycle (period 3): the corner facing right, the corner facing a
# random way, a random cell of the start area.
MG_START: tuple[dict[str, Any], ...] = ({}, {"dir": "random"}, {"x": None, "y": None, "dir": "random"})
# Where the goal square lies (reach_goal), in turn every third cycle: the far corner, a random cell.
MG_GOAL_CELL: tuple[dict[str, Any], ...] = ({}, {"x": None, "y": None})
# Layouts where a random start or goal cell stays solvable (multi_room's rooms are placed around its ends).
MG_CELL_LAYOUTS = ("empty", "two_rooms", "four_rooms")


def read_target_name(name: str) -> dict[str, Any]:
    """What a target's name says: ``size``, ``layout``, ``door``, and ``mission`` when it reads as a goal."""
    text = name.lower().replace("_", " ").replace("-", " ")
    hints: dict[str, Any] = {}
    for pattern, meaning in MG_NAME_HINTS:
        m = re.search(pattern, text)
        if m:
            for k, v in meaning(m).items():
                hints.setdefault(k, v)
    plan = onto.read_minigrid_goal(text)
    if plan.steps and any(s.kind != "reach_goal" for s in plan.steps):
        hints["mission"] = plan.whole
    return hints


def minigrid_curriculum(goal: str, plan: Any, n: int, seed: int, feedback: Mapping[str, Any] | Feedback, *,
                        easier: bool = False) -> list[dict[str, Any]]:
    """``n`` MiniGrid environments for the weakest targets named in ``feedback`` (their success rates
    set the difficulty), teaching ``plan``'s mission where a target's name does not name its own."""
    from envgen.generate.rules import minigrid_reward_source, slug

    fb = Feedback.read(feedback)
    # the weakest targets not mastered yet (all of the weakest once every one is), else the lowest rate
    weak = [w for w in fb.weakest if w in fb.rates] or sorted(fb.rates, key=lambda s: (fb.rate(s), s))[:1]
    weak = [w for w in weak if not fb.done(w)] or weak or [goal]
    start = fb.cycle % len(weak)
    order = weak[start:] + weak[:start]
    jobs = [order[i % len(order)] for i in range(n)]
    out = []
    taken: set[str] = set()
    for i, skill in enumerate(jobs):
        same = [j for j, s in enumerate(jobs) if s == skill]
        k = same.index(i)
        d = difficulty(fb, skill, k, len(same))
        if easier:
            d /= 2
        hints = read_target_name(skill)
        # the goal's own mission first; a goal of plain "reach the goal" takes the mission the target names
        plain = plan.whole.kind == "reach_goal" and not plan.whole.door
        g = (hints.get("mission") or plan.whole) if plain else plan.whole
        if hints.get("door") and not g.door and g.kind not in ("open_door", "unlock_door"):
            g = dataclasses.replace(g, door=hints["door"])
        cfg = distinct(functools.partial(_minigrid_config, g, hints, d), fb.cycle + k, "minigrid", g.text(), taken)
        layout, size = cfg["layout"]["type"], cfg["layout"]["width"]
        cfg["name"] = f"{slug(skill)}-{slug(g.kind.replace('_', ' '))}-{layout.replace('_', '-')}-{size}-" \
                      f"{round(100 * d):02d}"[:64]
        cfg["purpose"] = (f"Cycle {fb.cycle} practice of the weak target {skill} ({fb.rate(skill):.0%} success): "
                          f"'{g.text()}' in a {size}x{size} {layout.replace('_', ' ')} layout at difficulty "
                          f"{d:.2f} (goal: '{goal[:120]}').")
        out.append({"config": cfg, "reward_code": minigrid_reward_source(g.kind, door=g.door)})
    return out


def _minigrid_config(g: Any, hints: dict[str, Any], d: float, style: int) -> dict[str, Any]:
    from envgen.spec.minigrid import DoorSpec, LayoutSpec, MinigridSpec, ObjectsSpec

    door = g.door or ({"open_door": "closed", "unlock_door": "locked"}.get(g.kind))
    # the target's own layout first (the environment practises that target), then the goal's
    usable = MG_LAYOUT_SIZES if g.kind == "reach_goal" else MG_OBJECT_LAYOUTS
    named = [x for x in (hints.get("layout"), g.layout) if x in usable]
    layout = "two_rooms" if door else named[0] if named else "empty"
    low, high = MG_LAYOUT_SIZES[layout]
    centre = hints.get("size", 8)
    size = min(max(centre + pick(MG_SIZE_OFFSET, d), low), high)
    size = clamp(LayoutSpec, "width", size)
    mission = rules.mission_section(g)
    cfg: dict[str, Any] = {"layout": {"type": layout, "width": size, "height": size}, "mission": mission,
                           "max_steps": clamp(MinigridSpec, "max_steps", int(4 * size * size * pick(MG_TIME, d)))}
    if layout == "multi_room":
        cfg["layout"].update(min_rooms=2, max_rooms=clamp(LayoutSpec, "max_rooms", 2 + round(2 * d)))
    distractors = pick(MG_DISTRACTORS, d) + (1 if g.kind in ("go_to", "pickup") and d > 0.5 else 0)
    if g.kind == "put_near":
        mission.update(target=g.target or "box", target_color=g.target_color or "random")
        cfg["objects"] = {"count": clamp(ObjectsSpec, "count", 1 + distractors), "types": [g.target or "box"],
                          **({"colors": [g.target_color]} if g.target_color else {})}
    elif distractors:
        cfg["objects"] = {"count": clamp(ObjectsSpec, "count", distractors)}
    if door:
        color = g.color if g.kind in ("open_door", "unlock_door") else g.door_color
        cfg["door"] = {"color": color or "random", "locked_prob": 1.0 if door == "locked" else 0.0}
        if door == "locked" and (hide := pick(MG_KEY_IN_BOX, d)):
            cfg["door"]["key_in_box_prob"] = clamp(DoorSpec, "key_in_box_prob", hide)
        if pick(MG_BLOCKER, d) or g.blocker:
            cfg["door"]["blocker"] = True
    free = layout in MG_CELL_LAYOUTS
    if start := {k: v for k, v in MG_START[style % len(MG_START)].items() if free or k == "dir"}:
        cfg["agent"] = start
    cell = MG_GOAL_CELL[(style // len(MG_START)) % len(MG_GOAL_CELL)]
    if g.kind == "reach_goal" and free and cell:
        cfg["goal"] = dict(cell)
    return cfg
