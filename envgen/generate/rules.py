"""The offline generator's rules: a goal -> N configs ordered easier -> harder, each with a dense reward.

Crafter: the goal's target achievements and their tech-tree prerequisites give a chain. The easiest
config starts with every prerequisite done (tools in the inventory, stations placed, the needed material
very common in the right biome, no monsters); each harder config grants fewer of them and makes the world
more like Crafter's; the last is Crafter's own world. The reward program pays for every newly unlocked
step of the chain, for collecting the items the chain still needs, and a little for walking toward the
material needed next.

MiniGrid: the parsed mission, in layouts from a small open room to the full-size classic task; a goal of
several steps gets an environment per step, then the whole chain behind the door it opens.
"""

from __future__ import annotations

import re
from typing import Any

from envgen.generate import ontology as onto

# -- Crafter ---------------------------------------------------------------------------------------


def slug(text: str, limit: int = 24) -> str:
    """A short file-safe name part."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (s[:limit].rstrip("-") or "goal")


def _stage_difficulties(n: int) -> list[float]:
    return [0.5] if n == 1 else [i / (n - 1) for i in range(n)]


def crafter_candidates(goal: str, n: int, seed: int = 0, *, easier: bool = False,
                       fallback: bool = False, feedback: Any = None) -> list[dict[str, Any]]:
    """``n`` Crafter environments for ``goal``: ``{"config", "reward_code", "targets"}`` dicts.

    ``easier=True`` (used for repairs) halves every variant's difficulty: more generous, still distinct. Raises
    :class:`~envgen.generate.ontology.GoalNotUnderstood` when the goal names nothing Crafter has, unless
    ``fallback`` (then the first tech-tree steps are taught). ``feedback`` (the ``llm`` teacher's per-skill
    success rates and cycle) designs one environment per weak skill the goal names instead, from what the
    student masters: :func:`envgen.llm.offline_curriculum.crafter_curriculum`.
    """
    targets, reading = onto.read_crafter_goal(goal)
    if not targets and not fallback:
        raise onto.GoalNotUnderstood(onto.not_understood_message(reading))
    fallback = not targets
    if fallback:
        targets = list(onto.FALLBACK_SET)
    if feedback is not None:
        from envgen.llm.offline_curriculum import crafter_curriculum

        return crafter_curriculum(targets, n, seed, feedback, easier=easier, goal=goal)
    chain = onto.crafter_chain(targets)
    base = slug(" ".join(t.split("_", 1)[1] for t in targets[:2]) if len(targets) <= 2 else goal)
    out = []
    for i, d in enumerate(_stage_difficulties(n)):
        if easier:
            d = d / 2
        granted = chain[: round(len(chain) * (1.0 - d))]
        config = _crafter_config(targets, chain, granted, d, seed + i)
        config["name"] = f"{base}-{i + 1}-{_stage_word(d)}"[:64]
        config["purpose"] = _crafter_purpose(goal, targets, granted, chain, d, fallback)
        out.append({"config": config, "reward_code": crafter_reward_source(targets, chain, granted),
                    "targets": list(targets)})
    return out


def _stage_word(d: float) -> str:
    return "head-start" if d < 0.2 else "guided" if d < 0.5 else "partial" if d < 0.85 else "full-world"


def _crafter_config(targets: list[str], chain: list[str], granted: list[str], d: float, seed: int) -> dict:
    inv: dict[str, Any] = {}
    for step in granted:
        for k, v in onto.CRAFTER_GRANTS.get(step, {}).items():
            inv[k] = max(inv.get(k, 0), v) if not isinstance(v, bool) else True
    remaining = [a for a in chain if a not in granted] + list(targets)
    cfg: dict[str, Any] = {}
    if inv:
        cfg["inventory_settings"] = inv
    if d >= 1.0:
        return cfg  # the last stage is Crafter's own world (apart from the head start, which is none)
    # resource rarities: very common while easy, common in the middle, Crafter's default at the end
    word = "very common" if d < 0.4 else "common"
    for ach in remaining:
        field = onto.RARITY_FIELD.get(ach)
        if field:
            cfg[field] = word
    mountain_needs = [a for a in remaining if onto.CRAFTER_MATERIAL.get(a, ("",))[0] in onto.MOUNTAIN_MATERIALS]
    grass_needs = [a for a in remaining if a in ("collect_wood", "collect_sapling", "place_plant", "eat_plant",
                                                  "eat_cow")]
    if mountain_needs and not grass_needs and d < 0.5:
        cfg["target_biome"] = "mountain"
    elif grass_needs and not mountain_needs and d < 0.5 and "collect_drink" not in remaining:
        cfg["target_biome"] = "grassland"
    mobs: dict[str, Any] = {}
    fights = [t for t in targets if t.startswith("defeat_")]
    if not fights and d < 0.75:
        mobs["peaceful"] = True
    if "defeat_zombie" in targets:
        mobs["spawn_zombies"] = 3 if d < 0.5 else 1
        mobs["zombie_health"] = 2 if d < 0.4 else 5
    if "defeat_skeleton" in targets:
        mobs["spawn_skeletons"] = 3 if d < 0.5 else 1
        mobs["skeleton_health"] = 1 if d < 0.4 else 3
    if "eat_cow" in targets:
        mobs["spawn_cows"] = 4 if d < 0.5 else 2
        mobs["cow_health"] = 1 if d < 0.4 else 3
    if fights and d < 0.4:
        inv_sword = {"wood_sword": 1} if d < 0.2 else {}
        cfg.setdefault("inventory_settings", {}).update(inv_sword)
    if mobs:
        cfg["mobs"] = mobs
    if "wake_up" in targets:
        cfg["vitals"] = {"energy": 1 if d < 0.4 else 4}
    if "eat_plant" in targets and "place_plant" in granted:
        cfg.setdefault("inventory_settings", {})["plant"] = True
    if "collect_sapling" in remaining and d < 0.5:
        cfg["sapling_prob"] = 0.3
    # shorter episodes while the task is short, Crafter's 10000 steps at the end; continuous in d, so no
    # two stages of a run are the same config
    cfg["max_steps"] = int(1024 + 3072 * d)
    if seed % 2 and d >= 0.4:
        cfg["daylight_cycle"] = bool(d >= 0.6)
    return cfg


def _crafter_purpose(goal: str, targets, granted, chain, d, fallback) -> str:
    names = ", ".join(t.replace("_", " ") for t in targets)
    head = (f"Starts with {', '.join(g.replace('_', ' ') for g in granted)} already done"
            if granted else "Starts from nothing")
    left = [a for a in chain if a not in granted]
    steps = f"; the agent still has to {', '.join(a.replace('_', ' ') for a in left)} first" if left else ""
    world = ("in Crafter's default world" if d >= 1.0 else
             "with the needed materials very common near the start" if d < 0.4 else "with common materials")
    note = " (no achievement named in the goal; teaching the first tech-tree steps)" if fallback else ""
    return f"Teaches {names} for the goal '{goal[:200]}'{note}. {head}{steps}, {world}."


def crafter_reward_source(targets: list[str], chain: list[str], granted: list[str]) -> str:
    """A dense reward program (source text) for ``targets`` given what the start state already holds."""
    left = [a for a in chain if a not in granted]
    lines = ["def reward(prev, state, action):",
             f'    """Dense shaping toward {", ".join(targets)} along Crafter\'s tech tree."""',
             "    r = 0.0"]
    lines.append("    # the goal itself")
    for t in targets:
        lines.append(f"    r = r + 5.0 * (state.{t} - prev.{t})")
    if left:
        lines.append("    # each prerequisite step, the first time it is done")
        for a in left:
            lines.append(f"    r = r + 1.0 * (state.{a} - prev.{a})")
    # items still to collect: a small reward per item while fewer than needed are held
    needs = onto.item_needs([a for a in left + list(targets) if a.startswith(("make_", "place_"))])
    for a in left + list(targets):
        item = onto.CRAFTER_YIELDS.get(a)
        if item and item not in needs:
            needs[item] = 1
    if needs:
        # a potential difference: placing a stone and mining it again (or any give-and-take loop) earns nothing
        lines.append("    # holding the items the plan still needs (progress paid once, as a potential difference)")
        for item in sorted(needs):
            lines.append(f"    r = r + 0.2 * (0.99 * jnp.minimum(state.{item}, {float(needs[item])}) "
                         f"- jnp.minimum(prev.{item}, {float(needs[item])}))")
    approach = []
    for a in left + list(targets):
        if a in onto.CRAFTER_MATERIAL:
            approach.append(a)
    if approach:
        lines.append("    # walking toward the material needed next (only while it is needed and minable)")
        for a in approach:
            mat, tool = onto.CRAFTER_MATERIAL[a]
            gate = f"(1.0 - state.{a})"
            item = onto.CRAFTER_YIELDS.get(a)
            if item and item in needs:
                gate = f"jnp.where(state.{item} < {needs[item]}, 1.0, {gate})"
            if tool:
                gate = f"jnp.minimum(state.{tool}, 1.0) * {gate}"
            lines.append(f"    r = r + 0.05 * {gate} * jnp.clip(prev.dist_{mat} - state.dist_{mat}, -1.0, 1.0)")
    crafts = [a for a in left + list(targets) if a.startswith("make_")]
    if crafts:
        lines.append("    # standing by the crafting stations while tools are still to be made")
        todo = " + ".join(f"(1.0 - state.{a})" for a in crafts)
        lines.append(f"    todo = jnp.minimum({todo}, 1.0)")
        lines.append("    r = r + 0.1 * todo * (state.near_table - prev.near_table)")
        if any("iron" in a for a in crafts):
            lines.append("    r = r + 0.1 * todo * (state.near_furnace - prev.near_furnace)")
    if "wake_up" in targets:
        lines.append("    # resting: energy regained while asleep")
        lines.append("    r = r + 0.1 * state.sleeping * jnp.clip(state.energy - prev.energy, 0.0, 1.0)")
        lines.append("    r = r + 0.1 * (state.sleeping - prev.sleeping) * (prev.energy < 9)")
    if any(t.startswith(("defeat_", "eat_cow")) for t in targets):
        lines.append("    # striking the creature the goal names")
        for t, mob in (("defeat_zombie", "zombie"), ("defeat_skeleton", "skeleton"), ("eat_cow", "cow")):
            if t in targets:
                lines.append(f"    r = r + 0.2 * (action == 5) * prev.facing_{mob} * (1.0 - prev.{t})")
    lines.append("    # staying alive")
    lines.append("    r = r + 0.1 * jnp.clip(state.health - prev.health, -1.0, 0.0)")
    lines.append("    return r")
    return "\n".join(lines) + "\n"


# -- MiniGrid --------------------------------------------------------------------------------------

# (layout, height, width, extra settings) from easy to hard, per mission kind.
_MG_STAGES: dict[str, list[dict[str, Any]]] = {
    "reach_goal": [
        {"layout": "empty", "size": 5}, {"layout": "empty", "size": 8},
        {"layout": "four_rooms", "size": 9}, {"layout": "multi_room", "size": 25},
    ],
    "go_to": [
        {"layout": "empty", "size": 5}, {"layout": "empty", "size": 6, "distractors": 1},
        {"layout": "empty", "size": 8, "distractors": 3}, {"layout": "empty", "size": 10, "distractors": 5},
    ],
    "pickup": [
        {"layout": "empty", "size": 5}, {"layout": "empty", "size": 6, "distractors": 1},
        {"layout": "empty", "size": 8, "distractors": 3}, {"layout": "four_rooms", "size": 11, "distractors": 3},
    ],
    "open_door": [
        {"layout": "two_rooms", "size": 5}, {"layout": "two_rooms", "size": 7},
        {"layout": "two_rooms", "size": 9},
        # four_rooms joins its rooms by gaps, not doors, so the hardest stage is a grid of rooms
        {"layout": "room_grid", "size": 9, "rows": 2, "cols": 2, "room_size": 5},
    ],
    "unlock_door": [
        {"layout": "two_rooms", "size": 5}, {"layout": "two_rooms", "size": 7},
        {"layout": "two_rooms", "size": 9}, {"layout": "two_rooms", "size": 11, "key_in_box": 0.5},
    ],
    "put_near": [
        {"layout": "empty", "size": 5}, {"layout": "empty", "size": 6, "distractors": 1},
        {"layout": "empty", "size": 8, "distractors": 2}, {"layout": "empty", "size": 10, "distractors": 4},
    ],
}


def minigrid_candidates(goal: str, n: int, seed: int = 0, *, easier: bool = False,
                        fallback: bool = False, feedback: Any = None) -> list[dict[str, Any]]:
    """``n`` MiniGrid environments for ``goal``: ``{"config", "reward_code"}`` dicts, easier -> harder.

    A goal of several steps ("unlock the door then fetch the key-coloured ball") gets one environment per
    step first, then the whole mission at rising difficulty; with fewer slots the whole comes first.
    Raises :class:`~envgen.generate.ontology.GoalNotUnderstood` when nothing in the goal is understood,
    unless ``fallback`` (then the environments teach reaching the goal square). ``feedback`` (the ``llm``
    teacher's per-target success rates and cycle) designs environments around the weakest targets instead:
    :func:`envgen.llm.offline_curriculum.minigrid_curriculum` (a goal it cannot read is then taught as
    reaching the goal square, in the weak targets' sizes and layouts).
    """
    plan = onto.read_minigrid_goal(goal, seed)
    if not plan.steps:
        if not fallback and feedback is None:
            raise onto.GoalNotUnderstood(onto.not_understood_message(plan.reading))
        plan = onto.MinigridPlan((onto.MinigridGoal("reach_goal"),), onto.MinigridGoal("reach_goal"), plan.reading)
    if feedback is not None:
        from envgen.llm.offline_curriculum import minigrid_curriculum

        return minigrid_curriculum(goal, plan, n, seed, feedback, easier=easier)
    jobs: list[tuple[onto.MinigridGoal, float, str]] = []
    if len(plan.steps) > 1 and n > 1:
        n_steps = min(len(plan.steps), n - 1)
        jobs += [(step, 0.0, f"step{i + 1}") for i, step in enumerate(plan.steps[:n_steps])]
        whole_d = [1.0] if n - n_steps == 1 else _stage_difficulties(n - n_steps)
        jobs += [(plan.whole, d, "whole") for d in whole_d]
    else:
        jobs += [(plan.whole, d, "") for d in _stage_difficulties(n)]
    out = []
    for i, (g, d, tag) in enumerate(jobs):
        cfg = _minigrid_config(g, d / 2 if easier else d, seed)
        layout, size = cfg["layout"]["type"], cfg["layout"].get("width", cfg["layout"].get("room_size"))
        name = "-".join(x for x in (tag, slug(g.kind.replace("_", " ")), str(i + 1), layout.replace("_", "-"),
                                    str(size)) if x)
        cfg["name"] = name[:64]
        where = f"in a {size}x{size} {layout.replace('_', ' ')} layout"
        distractors = cfg.get("objects", {}).get("count", 0) - (1 if g.kind == "put_near" else 0)
        role = (f"step {tag[4:]} of {len(plan.steps)}: " if tag.startswith("step") else
                f"all {len(plan.steps)} steps together: " if tag == "whole" else "")
        cfg["purpose"] = (f"Teaches {role}'{g.text()}' for the goal '{goal[:200]}' {where}"
                          + (f" with {distractors} distractor(s)" if distractors > 0 else "") + ".")
        out.append({"config": cfg, "reward_code": minigrid_reward_source(g.kind, door=g.door)})
    return out


# A mission behind a gate door (the whole of "unlock the door then fetch the ball"): two rooms growing.
_MG_DOOR_STAGES = [{"layout": "two_rooms", "size": 6}, {"layout": "two_rooms", "size": 7},
                   {"layout": "two_rooms", "size": 9}, {"layout": "two_rooms", "size": 11, "distractors": 2}]


def mission_section(g: onto.MinigridGoal) -> dict[str, Any]:
    """The config's ``mission:`` section for a parsed goal (its object and colour where the kind has one)."""
    mission: dict[str, Any] = {"type": g.kind}
    if g.kind in ("go_to", "pickup", "put_near"):
        mission.update(object=g.obj or "ball", color=g.color or "random", spawn=True)
    if g.kind in ("open_door", "unlock_door"):
        mission.update(object="door", color=g.color or "random")
    return mission


def _minigrid_config(g: onto.MinigridGoal, d: float, seed: int) -> dict[str, Any]:
    """One config for mission ``g`` at difficulty ``d`` in [0, 1]."""
    stages = _MG_DOOR_STAGES if g.door else _MG_STAGES[g.kind]
    stage = stages[min(len(stages) - 1, round(d * (len(stages) - 1)))]
    layout = g.layout if (g.layout and d >= 0.95 and g.kind == "reach_goal" and not g.door) else stage["layout"]
    size = stage["size"] if layout != "multi_room" else 25
    mission = mission_section(g)
    # more time while easy (8 x cells), MiniGrid's usual 4 x cells at the end; continuous in d, so no two
    # stages of a run are the same config
    cfg: dict[str, Any] = {"layout": {"type": layout, "width": size, "height": size}, "mission": mission,
                           "max_steps": int(4 * size * size * (2.0 - d))}
    if layout == "multi_room":
        cfg["layout"].update(min_rooms=2, max_rooms=4)
    if layout == "room_grid":
        cfg["layout"] = {"type": layout, **{k: stage[k] for k in ("rows", "cols", "room_size")}}
    distractors = stage.get("distractors", 0)
    if g.kind == "put_near":
        mission.update(target=g.target or "box", target_color=g.target_color or "random")
        cfg["objects"] = {"count": 1 + distractors, "types": [g.target or "box"],
                          **({"colors": [g.target_color]} if g.target_color else {})}
    elif distractors:
        cfg["objects"] = {"count": distractors}
    door_kind = g.kind if g.kind in ("open_door", "unlock_door") else {"locked": "unlock_door",
                                                                        "closed": "open_door"}.get(g.door or "")
    if door_kind:
        color = g.color if g.kind in ("open_door", "unlock_door") else g.door_color
        cfg["door"] = {"color": color or "random", "locked_prob": 1.0 if door_kind == "unlock_door" else 0.0}
        if stage.get("key_in_box") or (g.key_in_box and door_kind == "unlock_door" and d >= 0.4):
            cfg["door"]["key_in_box_prob"] = 1.0 if g.key_in_box else stage["key_in_box"]
        if g.blocker and d >= 0.4:
            cfg["door"]["blocker"] = True
    if g.kind == "reach_goal" and layout == "empty" and seed % 2:
        cfg["agent"] = {"dir": "random"}
    return cfg


def minigrid_reward_source(kind: str, door: str | None = None) -> str:
    """Dense shaping for a MiniGrid mission: the success bonus plus potential-based progress.

    Progress is a potential ``phi(s) >= 0`` (closeness to the goal or object, holding it, an open gate, a
    key in hand) paid as ``0.99 * phi(state) - phi(prev)``: closing and reopening a door, or picking a key
    up and dropping it, earns nothing over a loop (slightly less than nothing), so looping can never
    out-earn the success bonus. ``door`` ("closed" or "locked") adds the gate the mission lies behind.
    """
    terms: list[tuple[float, str]] = []  # (weight, feature of a view X in [0, 1])
    near = "(1.0 - jnp.minimum(X.{}, 25.0) / 25.0)"
    if kind == "reach_goal":
        terms += [(0.5, near.format("goal_distance")), (0.3, "jnp.minimum(jnp.float32(X.doors_open), 1.0)")]
    if kind in ("go_to", "pickup", "put_near"):
        terms += [(0.5, near.format("target_distance")), (0.1, "jnp.float32(X.target_visible)")]
    if kind in ("pickup", "put_near"):
        terms.append((0.5, "jnp.float32(X.target_held)"))
    if kind == "put_near":
        terms.append((0.5, "jnp.float32(X.target_held) * " + near.format("put_distance")))
    if kind in ("open_door", "unlock_door"):
        terms += [(0.5, near.format("target_distance")), (1.0, "jnp.minimum(jnp.float32(X.doors_open), 1.0)")]
    if door and kind not in ("open_door", "unlock_door", "reach_goal"):
        terms.append((0.5, "jnp.minimum(jnp.float32(X.doors_open), 1.0)"))
    if kind == "unlock_door" or door == "locked":
        terms.append((0.5, "jnp.float32(X.carrying_type == 5)"))
    lines = ["def reward(prev, state, action):",
             f'    """Dense shaping for the {kind} mission: success, and progress as a potential difference."""',
             "    r = 5.0 * jnp.float32(state.mission_success)"]
    for view in ("prev", "state"):
        expr = " + ".join(f"{w} * {f.replace('X.', view + '.')}" for w, f in terms) or "0.0"
        lines.append(f"    phi_{view} = {expr}")
    lines.append("    # progress toward the mission, paid once (a potential difference cannot be farmed)")
    lines.append("    r = r + 0.99 * phi_state - phi_prev")
    lines.append("    # lava ends the episode")
    lines.append("    r = r - 1.0 * jnp.float32(state.in_lava)")
    lines.append("    return r")
    return "\n".join(lines) + "\n"
