"""Survival counters, sleep, lava, daylight, arrows, plants, combat and episode ends, from built states."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from crafter_testlib import (
    CENTER,
    Runner,
    build_state,
    fixed_draws,
    inv,
    quiet,
    step_with_draws,
    tile,
    trap,
    unlocked,
    vital,
)

from envgen.envs.crafter.step import daylight

R = (1, 0)


def _series(runner, state, actions, params, fn):
    out = []
    for a in actions:
        _, state, *_ = runner.step(state, a, params)
        out.append(fn(state))
    return state, out


# -- survival counters ------------------------------------------------------------------------------
def test_food_drops_after_25_steps_of_hunger(runner, base_state, qparams):
    _, food = _series(runner, build_state(base_state), ["noop"] * 53, qparams, lambda s: vital(s, "food"))
    assert food[24] == 9 and food[25] == 8  # hunger 26 > 25 on the 26th step
    assert food[50] == 8 and food[51] == 7  # the counter restarts from 0: next drop 26 steps later


def test_drink_drops_after_20_steps_of_thirst(runner, base_state, qparams):
    _, drink = _series(runner, build_state(base_state), ["noop"] * 21, qparams, lambda s: vital(s, "drink"))
    assert drink[19] == 9 and drink[20] == 8


def test_drinking_resets_thirst(runner, base_state, qparams):
    state = build_state(base_state, tiles={R: "water"}, facing="right")
    state, _ = runner.run(state, ["noop"] * 15 + ["do"] + ["noop"] * 15, qparams)
    assert vital(state, "drink") == 9  # 15 steps since the drink: thirst 15 < 20


def test_energy_drops_after_30_steps_of_fatigue(runner, base_state, qparams):
    _, energy = _series(runner, build_state(base_state), ["noop"] * 31, qparams, lambda s: vital(s, "energy"))
    assert energy[29] == 9 and energy[30] == 8


def test_health_regenerates_and_degenerates(runner, base_state, qparams):
    _, health = _series(runner, build_state(base_state, vitals={"health": 5}), ["noop"] * 26, qparams,
                        lambda s: vital(s, "health"))
    assert health[24] == 5 and health[25] == 6  # recover 26 > 25
    # Without food, recover falls by 1 per step: health -1 after 16 steps.
    _, health = _series(runner, build_state(base_state, vitals={"food": 0}), ["noop"] * 16, qparams,
                        lambda s: vital(s, "health"))
    assert health[14] == 9 and health[15] == 8


def test_sleeping_slows_hunger_and_restores_energy(runner, base_state, qparams):
    state = build_state(base_state, vitals={"energy": 3})
    state, _ = runner.run(state, ["sleep"], qparams)
    assert bool(state.sleeping)
    # Forced to keep sleeping whatever the agent asks for.
    state, energy = _series(runner, state, ["move_left"] * 40, qparams, lambda s: vital(s, "energy"))
    assert tuple(state.player_pos.tolist()) == CENTER
    assert bool(state.sleeping) and energy[-1] > 3
    assert float(state.hunger) == pytest.approx(0.5 * 41)  # +0.5 per sleeping step


def test_sleep_only_below_full_energy_and_wake_up_at_nine(runner, base_state, qparams):
    state, _ = runner.run(build_state(base_state), ["sleep"], qparams)
    assert not bool(state.sleeping)
    state = build_state(base_state, vitals={"energy": 8})
    state, trace = runner.run(state, ["sleep"] * 11, qparams)
    assert bool(state.sleeping) and vital(state, "energy") == 9 and "wake_up" not in unlocked(state)
    state, trace = runner.run(state, ["noop"], qparams)
    assert not bool(state.sleeping) and unlocked(state) == {"wake_up"} and trace[0][0] == pytest.approx(1.0)


def test_damage_wakes_a_sleeper(runner, base_state, qparams):
    state = build_state(base_state, vitals={"energy": 2}, arrows=[((2, 0), (-1, 0))])
    state, _ = runner.run(state, ["sleep", "sleep"], qparams)  # arrow flies, then hits: health 9 -> 7
    assert vital(state, "health") == 7 and bool(state.sleeping)
    state, _ = runner.run(state, ["sleep"], qparams)  # the hurt sleeper wakes on its next update
    assert not bool(state.sleeping)
    assert "wake_up" not in unlocked(state)


# -- lava, death, time limit -----------------------------------------------------------------------
def test_walking_into_lava_kills_and_resets_to_level(runner, base_state, qparams):
    state = build_state(base_state, tiles={R: "lava"}, vitals={"health": 7}, inventory={"wood": 3})
    _, new, reward, terminated, truncated, info = runner.step(state, "move_right", qparams)
    assert bool(terminated) and not bool(truncated)
    assert float(reward) == pytest.approx(-0.7)  # -0.1 per health point lost
    assert not info["unlocked"].any()
    # Auto-reset restored the stored level, not the constructed map.
    assert (np.asarray(new.map) == np.asarray(base_state.level.map)).all()
    assert (new.map == new.level.map).all()
    assert tuple(new.player_pos.tolist()) == tuple(base_state.level.player_pos.tolist())
    assert int(new.time) == 0 and inv(new, "wood") == 0 and vital(new, "health") == 9
    assert not new.achievements.any()


def test_lava_is_not_entered_sideways(runner, base_state, qparams):
    """Lava only kills the tile's visitor; 'do' or standing next to it is harmless."""
    state = build_state(base_state, tiles={R: "lava"}, facing="right")
    state, trace = runner.run(state, ["do", "noop"], qparams)
    assert not any(t[1] for t in trace) and vital(state, "health") == 9


def test_episode_terminates_at_zero_health(runner, base_state, qparams):
    state = build_state(base_state, vitals={"health": 2}, arrows=[((2, 0), (-1, 0))])
    _, trace = runner.run(state, ["noop", "noop"], qparams)
    assert [t[1] for t in trace] == [False, True]
    assert trace[1][0] == pytest.approx(-0.2)


def test_truncates_at_max_steps(runner, base_state, qparams):
    p = quiet(qparams, max_steps=5)
    state = build_state(base_state, tiles={R: "tree"}, facing="right")
    state, trace = runner.run(state, ["do"] * 6, p)
    assert [t[2] for t in trace] == [False] * 4 + [True, False]
    assert not any(t[1] for t in trace)
    assert int(state.time) == 1  # reset after the 5th step, then one more step


# -- daylight --------------------------------------------------------------------------------------
@pytest.mark.parametrize("day_length", [300, 100, 37])
def test_daylight_curve(qparams, day_length):
    from crafter_testlib import with_params

    p = with_params(qparams, day_length=day_length)
    t = np.arange(0, 3 * day_length)
    got = np.asarray([float(daylight(jnp.asarray(x), p)) for x in t[:: max(1, day_length // 20)]])
    progress = (t[:: max(1, day_length // 20)] / day_length) % 1 + 0.3
    want = 1 - np.abs(np.cos(np.pi * progress)) ** 3
    np.testing.assert_allclose(got, want, atol=1e-5)
    off = with_params(p, daylight_cycle=False)
    assert all(float(daylight(jnp.asarray(x), off)) == 1.0 for x in (0, day_length // 2, 2 * day_length - 1))


def test_state_light_follows_time(runner, base_state, qparams):
    state = build_state(base_state, time=200)
    state, _ = runner.run(state, ["noop"] * 3, qparams)
    assert int(state.time) == 203
    assert float(state.light) == pytest.approx(float(daylight(jnp.asarray(203), qparams)), abs=1e-6)
    assert float(state.light) < 0.2  # night


# -- arrows ----------------------------------------------------------------------------------------
def test_arrow_flies_and_hits_player_for_two(runner, base_state, qparams):
    state = build_state(base_state, arrows=[((3, 0), (-1, 0))])
    state, pos = _series(runner, state, ["noop"], qparams, lambda s: tuple(s.arrows.pos[0].tolist()))
    assert pos == [(34, 32)] and bool(state.arrows.alive[0])
    state, _ = runner.run(state, ["noop"], qparams)
    assert bool(state.arrows.alive[0])
    state, _ = runner.run(state, ["noop"], qparams)
    assert vital(state, "health") == 7 and not bool(state.arrows.alive.any())


@pytest.mark.parametrize("material,after,flies_over", [
    ("table", "path", False), ("furnace", "path", False), ("stone", "stone", False), ("tree", "tree", False),
    ("water", "water", True), ("lava", "lava", True)])
def test_arrow_against_materials(runner, base_state, qparams, material, after, flies_over):
    # Arrow at (-3, -3) flying right; the material at (-1, -3).
    state = build_state(base_state, tiles={(-1, -3): material}, arrows=[((-3, -3), (1, 0))])
    state, _ = runner.run(state, ["noop", "noop"], qparams)
    assert tile(state, (-1, -3)) == after
    assert bool(state.arrows.alive[0]) == flies_over
    if flies_over:
        assert tuple(state.arrows.pos[0].tolist()) == (CENTER[0] - 1, CENTER[1] - 3)


def test_arrow_damages_zombie(runner, base_state, qparams):
    # The arrow sits on the trap's open side, so the zombie cannot move away before it is hit.
    state = build_state(base_state, tiles=trap((-3, -3), open_side=(-4, -3)), zombies=[((-3, -3), 5)],
                        arrows=[((-4, -3), (1, 0))])
    state, _ = runner.run(state, ["noop"], qparams)
    assert int(state.zombies.health[0]) == 3 and not bool(state.arrows.alive.any())


def test_skeleton_shoots_at_player(env, base_state, qparams):
    """A skeleton 4 tiles away in a corridor shoots (50% per step); the arrow then hits the player.

    A runner of its own, so the keys (and the shots drawn) do not depend on which tests ran before in
    this worker.
    """
    tiles = {(dx, dy): "stone" for dx in range(-1, 7) for dy in (-1, 1)}
    tiles.update({(5, 0): "stone", (-1, 0): "stone"})
    state = build_state(base_state, tiles=tiles, skeletons=[((4, 0), 3)])
    state, trace = Runner(env).run(state, ["noop"] * 12, qparams)
    assert vital(state, "health") < 9 and any(t[0] < 0 for t in trace)


# -- plants ----------------------------------------------------------------------------------------
def test_plant_ripens_after_300_steps(runner, base_state, qparams):
    """A sapling placed at step 1 is edible from step 303 on, as in Crafter: it starts growing on the step
    after it was placed and is ripe once grown > 300 (checked against the crafter package: placed at step
    2, first eaten at step 304)."""
    state = build_state(base_state, tiles={(-1, 0): "water"}, inventory={"sapling": 1}, facing="right")
    state, _ = runner.run(state, ["place_plant", "do"], qparams)
    assert tile(state, R) == "sapling" and "eat_plant" not in unlocked(state)  # unripe: nothing
    drink_break = ["noop"] * 17 + ["move_left", "do", "move_right"]  # turn to the water, drink, turn back
    state, _ = runner.run(state, drink_break * 14 + ["noop"] * 19, qparams)
    food = vital(state, "food")
    state, _ = runner.run(state, ["do"], qparams)  # step 302: grown 300, not ripe yet
    assert vital(state, "food") == food and "eat_plant" not in unlocked(state)
    state, trace = runner.run(state, ["do"], qparams)  # step 303
    assert vital(state, "food") == min(food + 4, 9) and tile(state, R) == "sapling"
    assert unlocked(state) == {"collect_drink", "place_plant", "eat_plant"} and trace[0][0] > 0.9
    # Eating resets its growth: the plant is unripe again.
    food = vital(state, "food")
    state, _ = runner.run(state, ["do"], qparams)
    assert vital(state, "food") == food


def test_ripe_plant_is_visible_in_observation(env, runner, base_state, qparams):
    from envgen.envs.crafter import observe
    from envgen.envs.crafter.constants import NUM_MATERIALS, PLANT, RIPE_PLANT

    state = build_state(base_state, tiles={R: "sapling"}, planted={R: 301}, time=400)
    mats = np.asarray(observe.local_materials(state, env.static_params))
    hx, hy = observe.view_offsets(env.static_params)
    assert mats[hx + 1, hy] == RIPE_PLANT
    young = build_state(base_state, tiles={R: "sapling"}, planted={R: 5}, time=400)
    assert np.asarray(observe.local_materials(young, env.static_params))[hx + 1, hy] == PLANT
    assert NUM_MATERIALS > RIPE_PLANT


@pytest.mark.parametrize("kind", ["cows", "zombies", "skeletons"])
def test_plant_trampled_by_adjacent_mob(runner, base_state, qparams, kind):
    # Plant at (-3, 0); the mob at (-3, 1) is trapped in stone, with the plant on its open side.
    tiles = {**trap((-3, 1), open_side=(-3, 0)), (-3, 0): "sapling"}
    state = build_state(base_state, tiles=tiles, **{kind: [((-3, 1), 3)]}, planted={(-3, 0): 10}, time=20)
    state, _ = runner.run(state, ["noop"], qparams)
    assert tile(state, (-3, 0)) == "grass"
    far = build_state(base_state, tiles={(-3, 0): "sapling", **trap((-3, 3))}, **{kind: [((-3, 3), 3)]})
    far, _ = runner.run(far, ["noop"], qparams)
    assert tile(far, (-3, 0)) == "sapling"


# -- combat ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("sword,hits", [(None, 5), ("wood_sword", 3), ("stone_sword", 2), ("iron_sword", 1)])
def test_sword_damage_decides_hits_to_kill_zombie(runner, base_state, qparams, sword, hits):
    inventory = {sword: 1} if sword else {}
    if sword == "iron_sword":  # the best sword counts
        inventory.update(wood_sword=1, stone_sword=1)
    state = build_state(base_state, tiles=trap(R), zombies=[(R, 5)], inventory=inventory, facing="right")
    state, _ = runner.run(state, ["do"] * (hits - 1), qparams)
    assert bool(state.zombies.alive[0]) and "defeat_zombie" not in unlocked(state)
    state, trace = runner.run(state, ["do"], qparams)
    assert not bool(state.zombies.alive[0]) and unlocked(state) == {"defeat_zombie"}


def test_zombie_attacks_for_two_with_cooldown_five(runner, base_state, qparams):
    state = build_state(base_state, tiles=trap(R), zombies=[(R, 5)])
    state, health = _series(runner, state, ["noop"] * 13, qparams, lambda s: vital(s, "health"))
    assert health == [7] * 6 + [5] * 6 + [3]  # hits on steps 1, 7 and 13


def test_zombie_hits_sleeper_for_seven(runner, base_state, qparams):
    state = build_state(base_state, tiles=trap(R), zombies=[(R, 5)], vitals={"energy": 3})
    _, state, reward, *_ = runner.step(state, "sleep", qparams)
    assert vital(state, "health") == 2 and float(reward) == pytest.approx(-0.7)
    state, _ = runner.run(state, ["sleep"], qparams)
    assert not bool(state.sleeping)  # woken by the damage


def test_zombie_damage_params(runner, base_state, qparams):
    p = quiet(qparams, zombie_damage=4)
    state = build_state(base_state, tiles=trap(R), zombies=[(R, 5)])
    state, _ = runner.run(state, ["noop"], p)
    assert vital(state, "health") == 5


def test_zombie_chases_player(runner, base_state, qparams):
    state = build_state(base_state, zombies=[((5, 0), 5)])
    state, trace = runner.run(state, ["noop"] * 20, qparams)
    assert vital(state, "health") < 9  # it reached the player and attacked


def test_eating_cow_gives_food_and_resets_hunger(runner, base_state, qparams):
    state = build_state(base_state, tiles=trap(R), cows=[(R, 3)], vitals={"food": 2}, facing="right")
    state, _ = runner.run(state, ["noop"] * 20, qparams)
    assert float(state.hunger) == 20.0
    state, _ = runner.run(state, ["do", "do", "do"], qparams)
    # Hunger restarts from 0 and this step's +1 follows, as in Crafter's Player.update.
    assert vital(state, "food") == 8 and float(state.hunger) == 1.0
    assert unlocked(state) == {"eat_cow"}


def test_cow_health_param(runner, base_state, qparams):
    state = build_state(base_state, tiles=trap(R), cows=[(R, 1)], facing="right")
    state, _ = runner.run(state, ["do"], qparams)
    assert unlocked(state) == {"eat_cow"}


# -- object timing, as in Crafter (chosen draws; see also the lockstep test in test_vs_crafter.py) -------
def test_new_arrow_first_moves_on_the_next_step(base_state, qparams):
    # A skeleton two tiles to the right, walled in so its retreat fails, shoots (every draw 0).
    state = build_state(base_state, tiles=trap((2, 0), open_side=(1, 0)), skeletons=[((2, 0), 3)])
    draws = fixed_draws(state, skeleton_u=0.0)
    state = step_with_draws(state, "noop", qparams, draws)
    assert vital(state, "health") == 9 and bool(state.arrows.alive.any())  # shot, not flown yet
    state = step_with_draws(state, "noop", qparams, fixed_draws(state))
    assert vital(state, "health") == 7 and not bool(state.arrows.alive.any())


def test_zombie_killed_by_the_player_still_hits_that_step(base_state, qparams):
    state = build_state(base_state, zombies=[(R, 2)], inventory={"wood_sword": 1}, facing="right")
    state = step_with_draws(state, "do", qparams, fixed_draws(state))
    assert "defeat_zombie" in unlocked(state) and not bool(state.zombies.alive.any())
    assert vital(state, "health") == 7  # its last update: adjacent with cooldown 0


def test_mob_killed_by_an_arrow_stays_until_its_next_update(base_state, qparams):
    # The arrow above the cow hits it on step 1 (2 damage: health 0); the cow is still there on step 2.
    state = build_state(base_state, cows=[(R, 2)], arrows=[((1, -1), (0, 1))], facing="right",
                        vitals={"food": 3})
    state = step_with_draws(state, "noop", qparams, fixed_draws(state))
    assert bool(state.cows.alive[0]) and int(state.cows.health[0]) == 0
    blocked = step_with_draws(state, "move_right", qparams, fixed_draws(state))
    assert tuple(blocked.player_pos.tolist()) == CENTER and not bool(blocked.cows.alive[0])
    eaten = step_with_draws(state, "do", qparams, fixed_draws(state))  # eaten before its update removes it
    assert "eat_cow" in unlocked(eaten) and vital(eaten, "food") == 9 and not bool(eaten.cows.alive[0])


def test_sapling_next_to_a_mob_first_updates_on_the_next_step(base_state, qparams):
    state = build_state(base_state, cows=[((2, 0), 3)], inventory={"sapling": 1}, facing="right")
    state = step_with_draws(state, "place_plant", qparams, fixed_draws(state))
    assert tile(state, R) == "sapling" and "place_plant" in unlocked(state)
    state = step_with_draws(state, "noop", qparams, fixed_draws(state))
    assert tile(state, R) == "grass" and not bool(state.plants.alive.any())  # trampled at its update


def test_plant_hit_by_an_arrow_becomes_grass_at_its_next_update(base_state, qparams):
    state = build_state(base_state, tiles={R: "sapling"}, planted={R: 10}, arrows=[((1, -1), (0, 1))])
    state = step_with_draws(state, "noop", qparams, fixed_draws(state))
    assert tile(state, R) == "sapling" and bool(state.plants.damaged[0]) and not bool(state.arrows.alive.any())
    state = step_with_draws(state, "noop", qparams, fixed_draws(state))
    assert tile(state, R) == "grass"


def test_place_plant_refused_when_every_plant_slot_is_used(base_state, qparams):
    n = base_state.plants.alive.shape[0]
    planted = {(dx, dy): 5 for dx in range(-8, 8) for dy in (2, 3)}
    assert len(planted) == n
    state = build_state(base_state, tiles=dict.fromkeys(planted, "sapling"), planted=planted,
                        inventory={"sapling": 1}, facing="right")
    state = step_with_draws(state, "place_plant", qparams, fixed_draws(state))
    assert tile(state, R) == "grass" and inv(state, "sapling") == 1 and "place_plant" not in unlocked(state)


def test_balancing_spawns_only_in_chunks_that_held_an_object(base_state, params):
    # Night, and zombies certain to spawn in every balanced chunk with grass (all chunks here).
    night = quiet(params, zombie_spawn_prob=1.0)
    everywhere = build_state(base_state, time=210)
    only_start = everywhere.replace(chunks_seen=jnp.zeros_like(everywhere.chunks_seen).at[2, 2].set(True))

    def spawn_chunks(s):
        out = []
        for _ in range(10):  # each of the 9 chunks around the player is balanced once
            before, seen = np.asarray(s.zombies.alive), np.asarray(s.chunks_seen)
            s = step_with_draws(s, "noop", night, fixed_draws(s))
            for p in np.asarray(s.zombies.pos)[np.asarray(s.zombies.alive) & ~before]:
                cx, cy = (int(v) for v in p // 12)
                assert seen[cx, cy], (cx, cy)
                out.append((cx, cy))
        return set(out)

    assert len(spawn_chunks(everywhere)) >= 4
    assert spawn_chunks(only_start) == {(2, 2)}


def test_first_balancing_at_step_10(base_state, params):
    # Zombies certain to spawn (dense even by day): as in Crafter, nothing is balanced before step 10.
    eager = quiet(params, zombie_spawn_prob=1.0, zombie_density=10.0)
    state = build_state(base_state)
    for _ in range(9):
        state = step_with_draws(state, "noop", eager, fixed_draws(state))
    assert not bool(state.zombies.alive.any())
    state = step_with_draws(state, "noop", eager, fixed_draws(state))
    assert bool(state.zombies.alive.any())
