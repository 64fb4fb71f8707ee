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
