"""Goal parsing against the family ontologies (fast, no JAX)."""

from __future__ import annotations

import pytest

from envgen.envs.crafter.constants import ACHIEVEMENTS
from envgen.generate import ontology as onto

# One goal sentence per achievement, worded the way people write them (synonyms on purpose).
CRAFTER_GOALS = {
    "collect_coal": "dig up some coal",
    "collect_diamond": "learn to mine diamonds",
    "collect_drink": "drink water when thirsty",
    "collect_iron": "mine iron ore",
    "collect_sapling": "gather saplings",
    "collect_stone": "get stone",
    "collect_wood": "chop trees for wood",
    "defeat_skeleton": "defeat the skeletons in caves",
    "defeat_zombie": "kill zombies",
    "eat_cow": "hunt cows",
    "eat_plant": "eat ripe plants",
    "make_iron_pickaxe": "forge an iron pickaxe",
    "make_iron_sword": "craft an iron sword",
    "make_stone_pickaxe": "make a stone pickaxe",
    "make_stone_sword": "build a stone sword",
    "make_wood_pickaxe": "craft a wooden pickaxe",
    "make_wood_sword": "make a wood sword",
    "place_furnace": "build a furnace",
    "place_plant": "plant a sapling",
    "place_stone": "place stone to build a bridge",
    "place_table": "place a crafting table",
    "wake_up": "sleep through the night and wake up",
}
MINIGRID_GOALS = {
    "reach_goal": ("reach the goal square", None),
    "go_to": ("go to the red key", ("key", "red")),
    "pickup": ("fetch the blue ball", ("ball", "blue")),
    "open_door": ("open the yellow door", ("door", "yellow")),
    "unlock_door": ("unlock the locked purple door", ("door", "purple")),
    "put_near": ("put the green key next to the grey box", ("key", "green")),
}


def test_goal_list_covers_every_achievement():
    assert set(CRAFTER_GOALS) == set(ACHIEVEMENTS) and len(ACHIEVEMENTS) == 22


@pytest.mark.parametrize(("achievement", "goal"), sorted(CRAFTER_GOALS.items()))
def test_each_achievement_is_parsed_from_its_synonyms(achievement, goal):
    assert onto.parse_crafter_goal(goal) == [achievement]


def test_tools_are_not_mistaken_for_materials_and_all_means_all():
    assert onto.parse_crafter_goal("make an iron pickaxe") == ["make_iron_pickaxe"]
    assert onto.parse_crafter_goal("unlock every achievement") == list(ACHIEVEMENTS)
    assert onto.parse_crafter_goal("collect wood and place a table") == ["collect_wood", "place_table"]


def test_tech_tree_chain_is_ordered_and_complete():
    chain = onto.crafter_chain(["collect_diamond"])
    for later, earlier in [("make_iron_pickaxe", "place_furnace"), ("make_iron_pickaxe", "collect_iron"),
                           ("collect_iron", "make_stone_pickaxe"), ("make_wood_pickaxe", "place_table"),
                           ("place_table", "collect_wood")]:
        assert chain.index(earlier) < chain.index(later)
    assert "collect_diamond" not in chain
    assert onto.item_needs(["place_table", "make_wood_pickaxe"])["wood"] >= 2


@pytest.mark.parametrize(("kind", "case"), sorted(MINIGRID_GOALS.items()))
def test_each_minigrid_mission_is_parsed(kind, case):
    goal, expect = case
    parsed = onto.parse_minigrid_goal(goal)
    assert parsed.kind == kind
    if expect:
        assert (parsed.obj, parsed.color) == expect
    if kind == "put_near":
        assert (parsed.target, parsed.target_color) == ("box", "grey")


# Paraphrases by class (none of these phrasings is in the ontology's tables verbatim).
SUPERLATIVES = {
    "get the best weapon": ["make_iron_sword"],
    "craft the strongest tool": ["make_iron_pickaxe"],
    "forge the most powerful sword in the game": ["make_iron_sword"],
    "obtain the rarest resource": ["collect_diamond"],
    "find the most valuable gem": ["collect_diamond"],
    "make the simplest weapon": ["make_wood_sword"],
    "build a better pickaxe": ["make_stone_pickaxe"],
    "equip yourself with the best gear": ["make_iron_pickaxe", "make_iron_sword"],
    "upgrade your pickaxe": ["make_stone_pickaxe"],
    "get stronger tools": ["make_stone_pickaxe", "make_stone_sword"],
}
SEPARATED_MATERIAL = {
    "make a sword out of stone": ["make_stone_sword"],
    "craft a pickaxe from iron": ["make_iron_pickaxe"],
    "build a pickaxe made of wood": ["make_wood_pickaxe"],
    "use stone to craft a sword": ["make_stone_sword"],
    "turn iron into a sword": ["make_iron_sword"],
    "a sword of iron": ["make_iron_sword"],
    "make iron tools": ["make_iron_pickaxe", "make_iron_sword"],
}
OUTCOMES = {
    "grow your own food": ["eat_plant", "place_plant"],
    "never go hungry": ["eat_cow"],
    "start a farm": ["eat_plant", "place_plant"],
    "quench your thirst": ["collect_drink"],
    "get a good night's sleep": ["wake_up"],
    "build a shelter": ["place_stone"],
    "cross the river": ["place_stone"],
    "smelt ore in a forge": ["collect_iron", "place_furnace"],
    "protect yourself from monsters": ["defeat_zombie"],
    "find treasure": ["collect_diamond"],
    "keep your belly full": ["eat_cow"],
    "hunt animals": ["eat_cow"],
    "gather materials": ["collect_stone", "collect_wood"],
    "beat the game": list(ACHIEVEMENTS),
}
SITUATIONS = {
    "you are starving": ["eat_cow"],
    "the agent is thirsty": ["collect_drink"],
    "it is getting dark and you are exhausted": ["wake_up"],
}


@pytest.mark.parametrize(("goal", "expect"), sorted({**SUPERLATIVES, **SEPARATED_MATERIAL, **OUTCOMES,
                                                     **SITUATIONS}.items()))
def test_crafter_paraphrase_classes(goal, expect):
    assert onto.parse_crafter_goal(goal) == [a for a in ACHIEVEMENTS if a in expect]


def test_a_tool_next_to_its_material_still_means_the_tool_and_reading_says_what_it_took():
    assert set(onto.parse_crafter_goal("mine iron with a stone pickaxe")) == {"make_stone_pickaxe", "collect_iron"}
    targets, reading = onto.read_crafter_goal("bake a cake and mine diamonds")
    assert targets == ["collect_diamond"] and reading.ok
    assert ("mine diamonds", "collect_diamond") in reading.understood and reading.ignored == ("bake", "cake")


@pytest.mark.parametrize("goal", ["bake a cake", "asdf", "", "write a poem about the sea"])
def test_goals_without_anything_crafter_has_are_not_understood(goal):
    targets, reading = onto.read_crafter_goal(goal)
    assert targets == [] and not reading.ok
    message = onto.not_understood_message(reading)
    assert "--allow-fallback" in message and "collect diamond" in message


MOVEMENT = {
    "walk over to the red key": ("go_to", "key", "red"),
    "approach the blue ball": ("go_to", "ball", "blue"),
    "visit the green box": ("go_to", "box", "green"),
    "make your way to the yellow ball": ("go_to", "ball", "yellow"),
    "head towards the purple key": ("go_to", "key", "purple"),
    "stand next to the grey box": ("go_to", "box", "grey"),
    "get to the red ball": ("go_to", "ball", "red"),
    "head for the exit": ("reach_goal", None, None),
    "walk over to the green square": ("reach_goal", None, None),
    "find your way out": ("reach_goal", None, None),
    "grab the yellow key": ("pickup", "key", "yellow"),
    "pick the blue box up": ("pickup", "box", "blue"),
    "bring me the green ball": ("pickup", "ball", "green"),
    "carry the red box to the key": ("put_near", "box", "red"),
}


@pytest.mark.parametrize(("goal", "expect"), sorted(MOVEMENT.items()))
def test_minigrid_movement_verbs(goal, expect):
    g = onto.parse_minigrid_goal(goal)
    assert (g.kind, g.obj if g.kind != "reach_goal" else None, g.color) == expect


MINIGRID_SITUATIONS = {
    "the door is locked; find what opens it": ("unlock_door", None),
    "the key is hidden in a box and the door is locked": ("unlock_door", None),
    "a locked door stands between you and the exit": ("reach_goal", "locked"),
    "there is a ball behind a locked door, get it": ("pickup", "locked"),
    "the gate is closed; go through it and reach the goal": ("reach_goal", "closed"),
    "a key lies somewhere; use it on the door": ("unlock_door", None),
    "the exit is behind a locked blue door": ("reach_goal", "locked"),
    "the ball is in the next room behind a door": ("go_to", "closed"),
}


@pytest.mark.parametrize(("goal", "expect"), sorted(MINIGRID_SITUATIONS.items()))
def test_minigrid_situations(goal, expect):
    g = onto.parse_minigrid_goal(goal)
    assert (g.kind, g.door) == expect
    assert g.key_in_box == ("hidden in a box" in goal)


def test_multi_step_goal_becomes_a_chain_with_the_colour_reference_resolved():
    plan = onto.read_minigrid_goal("open a locked door then fetch the key-coloured ball", seed=0)
    assert [s.kind for s in plan.steps] == ["unlock_door", "pickup"]
    door_color = plan.steps[0].color
    assert door_color in onto.MINIGRID_COLORS
    assert (plan.steps[1].obj, plan.steps[1].color) == ("ball", door_color)  # the key has the door's colour
    assert (plan.whole.kind, plan.whole.obj, plan.whole.color) == ("pickup", "ball", door_color)
    assert (plan.whole.door, plan.whole.door_color) == ("locked", door_color)
    # a named colour wins over the seed, and other phrasings of the reference resolve the same way
    for goal in ("unlock the red door, then pick up the ball that matches the key",
                 "after you unlock the red door, grab the ball with the same colour as the key",
                 "pick up the key-coloured ball after opening the locked red door"):
        plan = onto.read_minigrid_goal(goal, seed=3)
        assert [s.kind for s in plan.steps] == ["unlock_door", "pickup"], goal
        assert (plan.whole.color, plan.whole.door_color) == ("red", "red"), goal


def test_minigrid_goal_without_anything_minigrid_has_is_not_understood():
    for goal in ("bake a cake", "asdf"):
        plan = onto.read_minigrid_goal(goal)
        assert plan.steps == () and not plan.reading.ok
        assert "unlock" in onto.not_understood_message(plan.reading)
