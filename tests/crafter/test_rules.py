"""Crafter's rules from constructed states: every achievement, every recipe requirement, placing."""

from __future__ import annotations

import pytest
from crafter_testlib import build_state, inv, quiet, tile, trap, unlocked, vital

from envgen.envs.crafter.constants import ACHIEVEMENTS

R = (1, 0)  # the tile right of the player

# achievement -> (build_state kwargs, extra params, actions, check(state) or None)
SCENARIOS = {
    "collect_coal": (dict(tiles={R: "coal"}, inventory={"wood_pickaxe": 1}, facing="right"), {}, ["do"],
                     lambda s: inv(s, "coal") == 1 and tile(s, R) == "path"),
    "collect_diamond": (dict(tiles={R: "diamond"}, inventory={"iron_pickaxe": 1}, facing="right"), {}, ["do"],
                        lambda s: inv(s, "diamond") == 1 and tile(s, R) == "path"),
    "collect_drink": (dict(tiles={R: "water"}, vitals={"drink": 5}, facing="right"), {}, ["do"],
                      lambda s: vital(s, "drink") == 6 and tile(s, R) == "water"),
    "collect_iron": (dict(tiles={R: "iron"}, inventory={"stone_pickaxe": 1}, facing="right"), {}, ["do"],
                     lambda s: inv(s, "iron") == 1 and tile(s, R) == "path"),
    "collect_sapling": (dict(facing="right"), {"sapling_prob": 1.0}, ["do"],
                        lambda s: inv(s, "sapling") == 1 and tile(s, R) == "grass"),
    "collect_stone": (dict(tiles={R: "stone"}, inventory={"wood_pickaxe": 1}, facing="right"), {}, ["do"],
                      lambda s: inv(s, "stone") == 1 and tile(s, R) == "path"),
    "collect_wood": (dict(tiles={R: "tree"}, facing="right"), {}, ["do"],
                     lambda s: inv(s, "wood") == 1 and tile(s, R) == "tree"),
    "defeat_skeleton": (dict(tiles=trap(R), skeletons=[(R, 3)], facing="right"), {}, ["do"] * 3,
                        lambda s: not bool(s.skeletons.alive.any())),
    "defeat_zombie": (dict(tiles=trap(R), zombies=[(R, 5)], facing="right"), {}, ["do"] * 5,
                      lambda s: not bool(s.zombies.alive.any())),
    "eat_cow": (dict(tiles=trap(R), cows=[(R, 3)], vitals={"food": 2}, facing="right"), {}, ["do"] * 3,
                lambda s: vital(s, "food") == 8 and not bool(s.cows.alive.any())),
    "eat_plant": (dict(tiles={R: "sapling"}, planted={R: 301}, time=400, vitals={"food": 3}, facing="right"),
                  {}, ["do"], lambda s: vital(s, "food") == 7 and tile(s, R) == "sapling"),
    "make_iron_pickaxe": (dict(tiles={(-1, 0): "table", (0, -1): "furnace"},
                               inventory={"wood": 1, "coal": 1, "iron": 1}), {}, ["make_iron_pickaxe"],
                          lambda s: inv(s, "iron_pickaxe") == 1 and inv(s, "wood") + inv(s, "coal")
                          + inv(s, "iron") == 0),
    "make_iron_sword": (dict(tiles={(-1, -1): "table", (1, 1): "furnace"},
                             inventory={"wood": 2, "coal": 1, "iron": 1}), {}, ["make_iron_sword"],
                        lambda s: inv(s, "iron_sword") == 1 and inv(s, "wood") == 1),
    "make_stone_pickaxe": (dict(tiles={(-1, 0): "table"}, inventory={"wood": 1, "stone": 1}), {},
                           ["make_stone_pickaxe"],
                           lambda s: inv(s, "stone_pickaxe") == 1 and inv(s, "stone") == 0),
    "make_stone_sword": (dict(tiles={(1, 1): "table"}, inventory={"wood": 1, "stone": 2}), {},
                         ["make_stone_sword"], lambda s: inv(s, "stone_sword") == 1 and inv(s, "stone") == 1),
    "make_wood_pickaxe": (dict(tiles={(0, 1): "table"}, inventory={"wood": 1}), {}, ["make_wood_pickaxe"],
                          lambda s: inv(s, "wood_pickaxe") == 1 and inv(s, "wood") == 0),
    "make_wood_sword": (dict(tiles={(-1, 1): "table"}, inventory={"wood": 3}), {}, ["make_wood_sword"],
                        lambda s: inv(s, "wood_sword") == 1 and inv(s, "wood") == 2),
    "place_furnace": (dict(inventory={"stone": 5}, facing="right"), {}, ["place_furnace"],
                      lambda s: tile(s, R) == "furnace" and inv(s, "stone") == 1),
    "place_plant": (dict(inventory={"sapling": 1}, facing="right"), {}, ["place_plant"],
                    lambda s: tile(s, R) == "sapling" and inv(s, "sapling") == 0),
    "place_stone": (dict(tiles={R: "water"}, inventory={"stone": 1}, facing="right"), {}, ["place_stone"],
                    lambda s: tile(s, R) == "stone" and inv(s, "stone") == 0),
    "place_table": (dict(inventory={"wood": 3}, facing="right"), {}, ["place_table"],
                    lambda s: tile(s, R) == "table" and inv(s, "wood") == 1),
    # energy 8: 11 sleeping steps refill it (fatigue below -10), the 12th wakes the player up.
    "wake_up": (dict(vitals={"energy": 8}), {}, ["sleep"] * 12,
                lambda s: vital(s, "energy") == 9 and not bool(s.sleeping)),
}


def test_scenarios_cover_all_achievements():
    assert sorted(SCENARIOS) == sorted(ACHIEVEMENTS)


@pytest.mark.parametrize("name", ACHIEVEMENTS)
def test_achievement_unlocked_by_script(name, runner, base_state, qparams):
    kwargs, extra, actions, check = SCENARIOS[name]
    p = quiet(qparams, **extra)
    state = build_state(base_state, **kwargs)
    state, trace = runner.run(state, actions, p)
    assert unlocked(state) == {name}, f"unlocked {unlocked(state)}"
    # Unlocked exactly on the last action, not before.
    assert [bool(t[3]["unlocked"].any()) for t in trace] == [False] * (len(actions) - 1) + [True]
    assert trace[-1][0] == pytest.approx(1.0)  # +1 for the first unlock, no health change
    assert check(state)
    # Repeating the achievement gives no second reward.
    assert not any(t[1] or t[2] for t in trace)


# (build_state kwargs, action, what must stay unchanged): the requirement is missing, so nothing happens.
REFUSED = {
    "wood pickaxe without table": (dict(inventory={"wood": 1}), "make_wood_pickaxe"),
    "wood sword without table": (dict(inventory={"wood": 1}), "make_wood_sword"),
    "wood pickaxe without wood": (dict(tiles={(1, 0): "table"}), "make_wood_pickaxe"),
    "table two tiles away": (dict(tiles={(2, 0): "table"}, inventory={"wood": 1}), "make_wood_pickaxe"),
    "stone pickaxe without stone": (dict(tiles={(1, 0): "table"}, inventory={"wood": 1}), "make_stone_pickaxe"),
    "stone sword without wood": (dict(tiles={(1, 0): "table"}, inventory={"stone": 1}), "make_stone_sword"),
    "iron pickaxe without furnace": (dict(tiles={(1, 0): "table"}, inventory={"wood": 1, "coal": 1, "iron": 1}),
                                     "make_iron_pickaxe"),
    "iron sword without table": (dict(tiles={(1, 0): "furnace"}, inventory={"wood": 1, "coal": 1, "iron": 1}),
                                 "make_iron_sword"),
    "iron pickaxe without coal": (dict(tiles={(1, 0): "table", (-1, 0): "furnace"},
                                       inventory={"wood": 1, "iron": 1}), "make_iron_pickaxe"),
    "stone without wood pickaxe": (dict(tiles={R: "stone"}, facing="right", inventory={"wood_sword": 1}), "do"),
    "coal without wood pickaxe": (dict(tiles={R: "coal"}, facing="right"), "do"),
    "iron with wood pickaxe only": (dict(tiles={R: "iron"}, facing="right", inventory={"wood_pickaxe": 1}), "do"),
    "diamond with stone pickaxe only": (dict(tiles={R: "diamond"}, facing="right",
                                             inventory={"wood_pickaxe": 1, "stone_pickaxe": 1}), "do"),
    "table with one wood": (dict(inventory={"wood": 1}, facing="right"), "place_table"),
    "table on water": (dict(tiles={R: "water"}, inventory={"wood": 2}, facing="right"), "place_table"),
    "furnace with three stone": (dict(inventory={"stone": 3}, facing="right"), "place_furnace"),
    "furnace on a tree": (dict(tiles={R: "tree"}, inventory={"stone": 4}, facing="right"), "place_furnace"),
    "stone without stone": (dict(facing="right"), "place_stone"),
    "stone on a tree": (dict(tiles={R: "tree"}, inventory={"stone": 1}, facing="right"), "place_stone"),
    "plant on sand": (dict(tiles={R: "sand"}, inventory={"sapling": 1}, facing="right"), "place_plant"),
    "plant on path": (dict(tiles={R: "path"}, inventory={"sapling": 1}, facing="right"), "place_plant"),
    "plant without sapling": (dict(facing="right"), "place_plant"),
    "table on a cow": (dict(tiles=trap(R), cows=[(R, 3)], inventory={"wood": 2}, facing="right"), "place_table"),
    "unripe plant": (dict(tiles={R: "sapling"}, planted={R: 299}, time=400, vitals={"food": 3}, facing="right"),
                     "do"),
    "sleep at full energy": (dict(), "sleep"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_requirement_enforced(case, runner, base_state, qparams):
    kwargs, action = REFUSED[case]
    before = build_state(base_state, **kwargs)
    after, trace = runner.run(before, [action], qparams)
    assert unlocked(after) == set()
    assert trace[0][0] == 0.0
    assert (after.inventory == before.inventory).all()
    assert (after.map == before.map).all()
    assert vital(after, "food") == vital(before, "food")
    assert not bool(after.sleeping)
    assert int(after.cows.alive.sum()) == int(before.cows.alive.sum())


def test_diagonal_table_counts_as_nearby(runner, base_state, qparams):
    state = build_state(base_state, tiles={(1, 1): "table"}, inventory={"wood": 1})
    state, _ = runner.run(state, ["make_wood_pickaxe"], qparams)
    assert inv(state, "wood_pickaxe") == 1


def test_moving_turns_and_walks_only_on_walkable(runner, base_state, qparams):
    state = build_state(base_state, tiles={(1, 0): "stone", (0, -1): "water", (-1, 0): "sand"}, facing="down")
    state, _ = runner.run(state, ["move_right"], qparams)  # blocked by stone, but turns
    assert tuple(state.player_pos.tolist()) == (32, 32) and int(state.player_dir) == 1
    state, _ = runner.run(state, ["move_up"], qparams)  # water blocks
    assert tuple(state.player_pos.tolist()) == (32, 32) and int(state.player_dir) == 2
    state, _ = runner.run(state, ["move_left", "move_left"], qparams)  # sand, then grass
    assert tuple(state.player_pos.tolist()) == (30, 32) and int(state.player_dir) == 0


def test_mob_blocks_movement(runner, base_state, qparams):
    state = build_state(base_state, tiles=trap(R), cows=[(R, 3)])
    state, _ = runner.run(state, ["move_right"], qparams)
    assert tuple(state.player_pos.tolist()) == (32, 32)


def test_trees_stay_by_default_and_deplete_when_asked(runner, base_state, qparams):
    state = build_state(base_state, tiles={R: "tree"}, facing="right")
    kept, _ = runner.run(state, ["do", "do", "do"], qparams)
    assert inv(kept, "wood") == 3 and tile(kept, R) == "tree"
    gone, _ = runner.run(state, ["do", "do"], quiet(qparams, trees_deplete=True))
    assert inv(gone, "wood") == 1 and tile(gone, R) == "grass"


def test_inventory_capped_at_nine(runner, base_state, qparams):
    state = build_state(base_state, tiles={R: "tree"}, inventory={"wood": 9}, facing="right")
    state, trace = runner.run(state, ["do"], qparams)
    assert inv(state, "wood") == 9
    assert unlocked(state) == {"collect_wood"}
    state = build_state(base_state, tiles={R: "water"}, facing="right")
    state, _ = runner.run(state, ["do"], qparams)
    assert vital(state, "drink") == 9


def test_sapling_from_grass_is_random(runner, base_state, qparams):
    """With Crafter's 10% chance, 'do' on grass gives some saplings over 60 tries, never more than 9."""
    state = build_state(base_state, facing="right")
    state, _ = runner.run(state, ["do"] * 60, qparams)
    assert 1 <= inv(state, "sapling") <= 9
    never, _ = runner.run(build_state(base_state, facing="right"), ["do"] * 20, quiet(qparams, sapling_prob=0.0))
    assert inv(never, "sapling") == 0


def test_reward_sums_achievement_weights_and_health(runner, base_state, qparams):
    import jax.numpy as jnp

    from envgen.envs.crafter.constants import ACH

    weights = jnp.ones(len(ACHIEVEMENTS)).at[ACH["collect_wood"]].set(2.5).at[ACH["place_table"]].set(0.0)
    p = quiet(qparams, achievement_weights=weights)
    state = build_state(base_state, tiles={R: "tree"}, inventory={"wood": 1}, facing="right")
    state, trace = runner.run(state, ["do", "do"], p)
    assert [t[0] for t in trace] == [pytest.approx(2.5), 0.0]  # second wood: no new achievement
    state = build_state(base_state, inventory={"wood": 2}, facing="right")
    state, trace = runner.run(state, ["place_table"], p)
    assert unlocked(state) == {"place_table"} and trace[0][0] == 0.0
    # Health: an arrow hit costs 2 health = -0.2 reward; health_reward scales it.
    hit = build_state(base_state, arrows=[((2, 0), (-1, 0))])
    _, trace = runner.run(hit, ["noop", "noop"], quiet(qparams, health_reward=0.5))
    assert [t[0] for t in trace] == [0.0, pytest.approx(-1.0)]
