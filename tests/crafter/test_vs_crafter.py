"""Side by side with the original ``crafter`` package: the same hand-built world, the same deterministic
action script, compared after every step (inventory, vitals, achievements, position, facing, sleep, the
whole material map, reward and episode end).

The script avoids everything random in Crafter: no mobs (objects removed, chunk balancing switched off on
the crafter side, spawn probabilities 0 on ours) and no ``do`` on grass. crafter 1.8.3 turns a tree into
grass when wood is collected, so our side runs with ``trees_deplete=True``.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest
from crafter_testlib import CENTER, build_state, quiet, step_with_draws, unlocked

from envgen.envs.crafter.constants import (
    DIRECTIONS,
    INVENTORY_ITEMS,
    MATERIALS,
    PLANT,
    PLANT_RIPE_AGE,
    RIPE_PLANT,
    VITALS,
)

LAYOUT = {
    (-1, 0): "tree", (-2, 0): "tree", (1, 0): "sand",
    (0, 1): "stone", (0, 2): "stone", (-1, 2): "stone", (1, 2): "stone", (0, 3): "stone", (0, 4): "stone",
    (1, 1): "coal", (-1, 3): "iron", (1, 3): "water", (0, 5): "diamond", (-1, 4): "lava",
}
START_INVENTORY = {"wood": 6, "sapling": 1}
SCRIPT = [
    "move_up", "place_plant", "do", "move_down",  # plant a sapling; 'do' on the unripe plant does nothing
    "move_left", "do", "move_left", "do", "move_right",  # two wood
    "make_wood_pickaxe",  # no table yet: refused
    "place_table", "make_wood_pickaxe", "make_wood_sword",  # table on sand
    "move_down", "do", "move_down", "do", "make_stone_pickaxe",  # two stone, a stone pickaxe
    "move_right", "do",  # coal
    "move_down", "move_left", "do", "move_right", "do", "move_down", "do", "move_down",  # stone x3
    "move_left", "do",  # iron with the stone pickaxe
    "move_right", "do", "place_stone", "do", "place_furnace",  # drink, stone on water, mine it, furnace
    "make_iron_pickaxe",  # no table within reach: refused
    "move_up", "place_table", "make_iron_pickaxe", "make_iron_sword",  # second table; sword lacks iron
    "move_down", "do", "move_down", "do",  # stone, then the diamond
    "place_table", "noop", "sleep",  # not enough wood; energy is 8 by now, so the agent falls asleep
    *["sleep"] * 12, "noop",  # sleeping until energy is full, then wake_up
    "move_left",  # into the lava
]


def crafter_side():
    """A crafter.Env in the hand-built situation (worldgen skipped, no objects but the player)."""
    import crafter
    from crafter import objects

    cenv = crafter.Env(seed=0)
    cenv._episode, cenv._step = 1, 0
    cenv._world.reset(seed=0)
    cenv._update_time()
    cenv._player = objects.Player(cenv._world, CENTER)
    cenv._last_health = cenv._player.health
    cenv._world.add(cenv._player)
    cenv._unlocked = set()
    cenv._balance_chunk = lambda *args: None  # no mob spawns
    for x in range(64):
        for y in range(64):
            cenv._world[x, y] = "grass"
    for (dx, dy), name in LAYOUT.items():
        cenv._world[CENTER[0] + dx, CENTER[1] + dy] = name
    cenv._player.inventory.update(START_INVENTORY)
    return cenv


def crafter_materials(cenv) -> np.ndarray:
    names = np.array([cenv._world._mat_names.get(i) for i in range(max(cenv._world._mat_names) + 1)], object)
    return names[cenv._world._mat_map]


def our_materials(state) -> np.ndarray:
    ids = np.asarray(state.map).astype(int)
    names = np.array(MATERIALS, object)[ids]
    names[(ids == PLANT) | (ids == RIPE_PLANT)] = "grass"  # Crafter's plant is an object standing on grass
    return names


def test_same_outcomes_as_crafter(runner, base_state, qparams):
    from crafter import objects

    cenv = crafter_side()
    state = build_state(base_state, LAYOUT, inventory=START_INVENTORY)
    params = quiet(qparams, trees_deplete=True)
    assert (crafter_materials(cenv) == our_materials(state)).all()
    for t, action in enumerate(SCRIPT):
        from crafter import constants

        _, c_reward, c_done, info = cenv.step(constants.actions.index(action))
        _, state, reward, terminated, truncated, _ = runner.step(state, action, params)
        where = f"step {t} ({action})"
        assert bool(terminated | truncated) == c_done, where
        assert float(reward) == pytest.approx(c_reward, abs=1e-6), where
        if c_done:
            assert t == len(SCRIPT) - 1 and bool(terminated)
            break
        ours = {**{k: int(state.vitals[i]) for i, k in enumerate(VITALS)},
                **{k: int(state.inventory[i]) for i, k in enumerate(INVENTORY_ITEMS)}}
        assert ours == info["inventory"], where
        assert unlocked(state) == {k for k, v in info["achievements"].items() if v > 0}, where
        assert tuple(state.player_pos.tolist()) == tuple(info["player_pos"].tolist()), where
        assert tuple(DIRECTIONS[int(state.player_dir)]) == tuple(cenv._player.facing), where
        assert bool(state.sleeping) == cenv._player.sleeping, where
        assert (crafter_materials(cenv) == our_materials(state)).all(), where
        plants = {tuple(o.pos.tolist()) for o in cenv._world.objects if isinstance(o, objects.Plant)}
        assert plants == {tuple(p) for p in np.argwhere(np.asarray(state.map) == PLANT).tolist()}, where
    else:
        pytest.fail("the script should end in lava")
    # The script is not vacuous: most of the tech tree was unlocked on both sides.
    assert len({k for k, v in info["achievements"].items() if v > 0}) >= 15


# -- creatures in lockstep -------------------------------------------------------------------------------
# An arena of grass walled with stone around the player, with zombies, skeletons and cows, random actions
# (moves, attacks, saplings, stone) and every random number shared: before each step every crafter mob gets
# a stub generator returning one uniform and one direction, and our side gets the same numbers as its
# draws (each mob's uniforms are all that one value, so the order in which either side consumes them
# does not matter). Chunk balancing is off on both sides. Everything both sides hold is compared after
# every step: the player, the map, and every zombie (position, health, cooldown), skeleton (position,
# health, reload), cow, arrow (position, direction) and plant (position, growth, health).
#
# Crafter updates objects in creation order; we update by kind (mobs, plants, arrows). The mobs are created
# in that order on the crafter side, and the script places a sapling only while no arrow flies, so the two
# orders agree; what differs then is only a known, documented ordering effect (docs/crafter.md).
ARENA = (5, 4)  # half-width, half-height of the grass inside the walls
INSIDE = {(2, -2): "water", (-3, 2): "table", (3, 3): "stone"}


class _Fixed:
    """Stands in for an object's numpy generator for one step."""

    def __init__(self, u: float, r: int):
        self.u, self.r = u, r

    def uniform(self, *args):
        return self.u

    def randint(self, *args):
        return self.r


def _arena_tiles() -> dict:
    hw, hh = ARENA
    tiles = {}
    for dx in range(-hw - 1, hw + 2):
        for dy in range(-hh - 1, hh + 2):
            if abs(dx) == hw + 1 or abs(dy) == hh + 1:
                tiles[(dx, dy)] = "stone"
    return {**tiles, **INSIDE}


def _creature_scenario(seed: int):
    """Distinct mob offsets inside the arena: (zombies, skeletons, cows)."""
    rng = np.random.default_rng(seed)
    hw, hh = ARENA
    free = [(dx, dy) for dx in range(-hw, hw + 1) for dy in range(-hh, hh + 1)
            if (dx, dy) not in INSIDE and abs(dx) + abs(dy) > 1]
    picks = [free[i] for i in rng.choice(len(free), 8, replace=False)]
    return picks[:2], picks[2:4], picks[4:]


def crafter_creature_side(tiles: dict, zombies, skeletons, cows, inventory: dict):
    from crafter import objects

    cenv = crafter_side()
    cenv._obs = lambda: None  # rendering is not compared
    for x in range(64):
        for y in range(64):
            cenv._world[x, y] = "grass"
    for (dx, dy), name in tiles.items():
        cenv._world[CENTER[0] + dx, CENTER[1] + dy] = name
    cenv._player.inventory.update({"sapling": 0, "wood": 0, **inventory})
    at = lambda d: (CENTER[0] + d[0], CENTER[1] + d[1])
    for d in zombies:
        cenv._world.add(objects.Zombie(cenv._world, at(d), cenv._player))
    for d in skeletons:
        cenv._world.add(objects.Skeleton(cenv._world, at(d), cenv._player))
    for d in cows:
        cenv._world.add(objects.Cow(cenv._world, at(d)))
    return cenv


def _share_draws(cenv, state, rng):
    """Give every crafter mob and the player one fixed number pair; return our matching draws."""
    from crafter import objects

    from envgen.envs.crafter.step import Draws

    groups = {objects.Zombie: ("zombie", state.zombies, 2), objects.Skeleton: ("skeleton", state.skeletons, 5),
              objects.Cow: ("cow", state.cows, 1)}
    out = {}
    for name, mobs, cols in groups.values():
        n = mobs.alive.shape[0]
        out[f"{name}_u"] = np.zeros((n, cols), np.float32)
        out[f"{name}_dir"] = np.zeros((n,), np.int32)
    for obj in cenv._world.objects:
        if type(obj) not in groups:
            continue
        name, mobs, _ = groups[type(obj)]
        u, r = float(rng.uniform()), int(rng.integers(4))
        obj.random = _Fixed(u, r)
        slot = np.flatnonzero(np.asarray(mobs.alive) & (np.asarray(mobs.pos) == obj.pos).all(-1))
        assert len(slot) == 1, f"no {name} of ours at {obj.pos}"
        out[f"{name}_u"][slot[0]] = u
        out[f"{name}_dir"][slot[0]] = r
    u = float(rng.uniform())
    cenv._player.random = _Fixed(u, 0)
    out["cow_u"] = out["cow_u"][:, 0]
    return Draws(sapling=np.float32(u), **out)


def crafter_objects(cenv) -> dict:
    from crafter import objects

    out = {k: set() for k in ("zombie", "skeleton", "cow", "arrow", "plant")}
    for o in cenv._world.objects:
        p = tuple(int(v) for v in o.pos)
        if isinstance(o, objects.Zombie):
            out["zombie"].add((p, o.health, o.cooldown))
        elif isinstance(o, objects.Skeleton):
            out["skeleton"].add((p, o.health, o.reload))
        elif isinstance(o, objects.Cow):
            out["cow"].add((p, o.health))
        elif isinstance(o, objects.Arrow):
            out["arrow"].add((p, tuple(int(v) for v in o.facing)))
        elif isinstance(o, objects.Plant):
            out["plant"].add((p, min(o.grown, PLANT_RIPE_AGE + 1), o.health))
    return out


def our_objects(state) -> dict:
    s = jax.device_get(state)
    alive = lambda g: np.flatnonzero(np.asarray(g.alive))
    pos = lambda g, i: tuple(int(v) for v in g.pos[i])
    return {
        "zombie": {(pos(s.zombies, i), int(s.zombies.health[i]), int(s.zombies.cooldown[i])) for i in alive(s.zombies)},
        "skeleton": {(pos(s.skeletons, i), int(s.skeletons.health[i]), int(s.skeletons.cooldown[i]))
                     for i in alive(s.skeletons)},
        "cow": {(pos(s.cows, i), int(s.cows.health[i])) for i in alive(s.cows)},
        "arrow": {(pos(s.arrows, i), tuple(int(v) for v in s.arrows.direction[i])) for i in alive(s.arrows)},
        "plant": {(pos(s.plants, i), int(s.plants.grown[i]), 0 if s.plants.damaged[i] else 1)
                  for i in alive(s.plants)},
    }


ACTION_WEIGHTS = {"move_left": 3, "move_right": 3, "move_up": 3, "move_down": 3, "do": 6, "noop": 2,
                  "place_plant": 2, "place_stone": 1, "sleep": 1}


def test_creatures_in_lockstep_with_crafter(base_state, qparams):
    from crafter import constants

    names = list(ACTION_WEIGHTS)
    weights = np.array(list(ACTION_WEIGHTS.values()), float)
    inventory = {"sapling": 9, "stone": 9, "wood_sword": 1}
    seen = dict(steps=0, arrows=0, defeats=0, plants_lost=0, dead_mob_steps=0)
    for seed in range(40):
        if seen["steps"] >= 300:
            break
        zombies, skeletons, cows = _creature_scenario(seed)
        tiles = _arena_tiles()
        cenv = crafter_creature_side(tiles, zombies, skeletons, cows, inventory)
        state = build_state(base_state, tiles, inventory=inventory, zombies=[(d, 5) for d in zombies],
                            skeletons=[(d, 3) for d in skeletons], cows=[(d, 3) for d in cows])
        rng = np.random.default_rng(100 + seed)
        assert crafter_objects(cenv) == our_objects(state)
        for t in range(100):
            action = names[rng.choice(len(names), p=weights / weights.sum())]
            facing = cenv._world[cenv._player.pos + np.asarray(cenv._player.facing)][1]
            if facing is not None and rng.uniform() < 0.7:
                action = "do"  # fight whatever stands in front
            if action == "place_plant" and our_objects(state)["arrow"]:
                action = "noop"  # keep Crafter's creation order equal to our update order (see above)
            draws = _share_draws(cenv, state, rng)
            before = crafter_objects(cenv)
            _, _, c_done, info = cenv.step(constants.actions.index(action))
            state = step_with_draws(state, action, qparams, draws)
            where = f"seed {seed}, step {t} ({action})"
            ours = {**{k: int(state.vitals[i]) for i, k in enumerate(VITALS)},
                    **{k: int(state.inventory[i]) for i, k in enumerate(INVENTORY_ITEMS)}}
            assert ours == info["inventory"], where
            assert unlocked(state) == {k for k, v in info["achievements"].items() if v > 0}, where
            assert tuple(state.player_pos.tolist()) == tuple(info["player_pos"].tolist()), where
            assert bool(state.sleeping) == cenv._player.sleeping, where
            assert (crafter_materials(cenv) == our_materials(state)).all(), where
            after = crafter_objects(cenv)
            assert after == our_objects(state), where
            assert bool(state.vitals[0] <= 0) == c_done, where
            seen["steps"] += 1
            flown = {(tuple(np.add(p, f)), f) for p, f in before["arrow"]}
            seen["arrows"] += len(after["arrow"] - flown)
            seen["plants_lost"] += len({p for p, *_ in before["plant"]} - {p for p, *_ in after["plant"]})
            seen["dead_mob_steps"] += sum(o[1] == 0 for k in ("zombie", "skeleton", "cow") for o in after[k])
            if c_done:
                break
        seen["defeats"] += sum(info["achievements"][k] for k in ("defeat_zombie", "defeat_skeleton", "eat_cow"))
    print(seen)
    # The run is not vacuous: creatures shot, hit, died and trampled on both sides.
    assert seen["steps"] >= 300 and seen["arrows"] >= 3 and seen["defeats"] >= 3 and seen["plants_lost"] >= 1
