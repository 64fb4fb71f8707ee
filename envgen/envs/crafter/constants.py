"""Names and ids of Crafter's materials, actions, items and achievements (order as in Crafter's data.yaml)."""

from __future__ import annotations

import numpy as np

# Tile ids stored in the map. Crafter's plants are objects on grass; here they also live in a fixed list
# (state.Plants, for their growth) and show on the map as sapling or ripe_plant tiles.
MATERIALS = (
    "out_of_bounds", "water", "grass", "stone", "path", "sand", "tree", "lava",
    "coal", "iron", "diamond", "table", "furnace", "sapling", "ripe_plant",
)
M = {name: i for i, name in enumerate(MATERIALS)}
OUT, WATER, GRASS, STONE, PATH, SAND, TREE, LAVA = (M[n] for n in MATERIALS[:8])
COAL, IRON, DIAMOND, TABLE, FURNACE, PLANT, RIPE_PLANT = (M[n] for n in MATERIALS[8:])
NUM_MATERIALS = len(MATERIALS)

ACTIONS = (
    "noop", "move_left", "move_right", "move_up", "move_down", "do", "sleep",
    "place_stone", "place_table", "place_furnace", "place_plant",
    "make_wood_pickaxe", "make_stone_pickaxe", "make_iron_pickaxe",
    "make_wood_sword", "make_stone_sword", "make_iron_sword",
)
A = {name: i for i, name in enumerate(ACTIONS)}
NUM_ACTIONS = len(ACTIONS)

VITALS = ("health", "food", "drink", "energy")
INVENTORY_ITEMS = (
    "sapling", "wood", "stone", "coal", "iron", "diamond",
    "wood_pickaxe", "stone_pickaxe", "iron_pickaxe", "wood_sword", "stone_sword", "iron_sword",
)
I = {name: i for i, name in enumerate(INVENTORY_ITEMS)}  # noqa: E741 (short: used in every recipe)
MAX_ITEM = 9

ACHIEVEMENTS = (
    "collect_coal", "collect_diamond", "collect_drink", "collect_iron", "collect_sapling",
    "collect_stone", "collect_wood", "defeat_skeleton", "defeat_zombie", "eat_cow", "eat_plant",
    "make_iron_pickaxe", "make_iron_sword", "make_stone_pickaxe", "make_stone_sword",
    "make_wood_pickaxe", "make_wood_sword", "place_furnace", "place_plant", "place_stone",
    "place_table", "wake_up",
)
ACH = {name: i for i, name in enumerate(ACHIEVEMENTS)}
NUM_ACHIEVEMENTS = len(ACHIEVEMENTS)

# Facing directions as (dx, dy); x is the column, y grows downwards, as in Crafter.
DIRECTIONS = np.array([(-1, 0), (1, 0), (0, -1), (0, 1)], dtype=np.int32)  # left, right, up, down
DIR_LEFT, DIR_RIGHT, DIR_UP, DIR_DOWN = range(4)

WALKABLE = (GRASS, SAND, PATH)
ARROW_PASSABLE = (GRASS, SAND, PATH, WATER, LAVA)

# collect: material -> (required item or -1, received item or -1, tile left behind or -1 = unchanged)
COLLECT = {
    TREE: (-1, I["wood"], -1),
    STONE: (I["wood_pickaxe"], I["stone"], PATH),
    COAL: (I["wood_pickaxe"], I["coal"], PATH),
    IRON: (I["stone_pickaxe"], I["iron"], PATH),
    DIAMOND: (I["iron_pickaxe"], I["diamond"], PATH),
}
COLLECT_ACHIEVEMENT = {
    TREE: ACH["collect_wood"], STONE: ACH["collect_stone"], COAL: ACH["collect_coal"],
    IRON: ACH["collect_iron"], DIAMOND: ACH["collect_diamond"],
}

# place action -> (tile placed, item used, amount, allowed target tiles, achievement)
PLACE = {
    A["place_stone"]: (STONE, I["stone"], 1, (GRASS, SAND, PATH, WATER, LAVA), ACH["place_stone"]),
    A["place_table"]: (TABLE, I["wood"], 2, (GRASS, SAND, PATH), ACH["place_table"]),
    A["place_furnace"]: (FURNACE, I["stone"], 4, (GRASS, SAND, PATH), ACH["place_furnace"]),
    A["place_plant"]: (PLANT, I["sapling"], 1, (GRASS,), ACH["place_plant"]),
}

# make action -> (item made, {item: cost}, needs furnace too, achievement); a table is always needed.
MAKE = {
    A["make_wood_pickaxe"]: (I["wood_pickaxe"], {I["wood"]: 1}, False, ACH["make_wood_pickaxe"]),
    A["make_stone_pickaxe"]: (I["stone_pickaxe"], {I["wood"]: 1, I["stone"]: 1}, False,
                              ACH["make_stone_pickaxe"]),
    A["make_iron_pickaxe"]: (I["iron_pickaxe"], {I["wood"]: 1, I["coal"]: 1, I["iron"]: 1}, True,
                             ACH["make_iron_pickaxe"]),
    A["make_wood_sword"]: (I["wood_sword"], {I["wood"]: 1}, False, ACH["make_wood_sword"]),
    A["make_stone_sword"]: (I["stone_sword"], {I["wood"]: 1, I["stone"]: 1}, False,
                            ACH["make_stone_sword"]),
    A["make_iron_sword"]: (I["iron_sword"], {I["wood"]: 1, I["coal"]: 1, I["iron"]: 1}, True,
                           ACH["make_iron_sword"]),
}

PLANT_RIPE_AGE = 300  # a plant is ripe once it has grown for more than this many steps
CHUNK = 12  # chunk edge for mob balancing, as in Crafter
UPDATE_DISTANCE = 18  # objects farther than this (L1) from the player are frozen, as in Crafter

# -- the tech tree, derived from the recipe tables above ------------------------------------------
# The solvability check and the goal ontology read these; nothing else spells the tree out.

# Inventory item -> the tool its material needs to be mined (None: bare hands).
MINE_TOOL = {INVENTORY_ITEMS[got]: (INVENTORY_ITEMS[need] if need >= 0 else None) for need, got, _ in COLLECT.values()}
# Collect achievement -> (map material, inventory item it yields).
COLLECT_YIELDS = {ACHIEVEMENTS[COLLECT_ACHIEVEMENT[m]]: (MATERIALS[m], INVENTORY_ITEMS[got])
                  for m, (_, got, _) in COLLECT.items()}
# Tool -> (items consumed, whether a furnace is needed besides the table).
RECIPES = {INVENTORY_ITEMS[item]: ({INVENTORY_ITEMS[i]: n for i, n in cost.items()}, furnace)
           for item, cost, furnace, _ in MAKE.values()}
# Place achievement -> (item consumed, amount).
PLACE_COSTS = {ACHIEVEMENTS[ach]: (INVENTORY_ITEMS[item], amount) for _, item, amount, _, ach in PLACE.values()}
# Saplings come from grass (a chance per "do"), not from a mined tile; plants ripen where placed.
ITEM_SOURCE = {**{item: ach for ach, (_, item) in COLLECT_YIELDS.items()}, "sapling": "collect_sapling"}
AFTER = {"eat_plant": ("place_plant",)}


def _needs(name: str) -> list[str]:
    """Every achievement ``name`` directly depends on (before removing the implied ones)."""
    if name in COLLECT_YIELDS:
        tool = MINE_TOOL[COLLECT_YIELDS[name][1]]
        return [f"make_{tool}"] if tool else []
    if name.startswith("make_"):
        cost, furnace = RECIPES[name[len("make_"):]]
        # the rarest material (last in the recipe) first, then the stations
        return [ITEM_SOURCE[i] for i in reversed(cost)] + ["place_table"] + (["place_furnace"] if furnace else [])
    if name in PLACE_COSTS:
        return [ITEM_SOURCE[PLACE_COSTS[name][0]]]
    return list(AFTER.get(name, ()))


def tech_tree() -> dict[str, tuple[str, ...]]:
    """Achievement -> its direct prerequisites (those not already implied by another one)."""
    needs = {a: _needs(a) for a in ACHIEVEMENTS}

    def closure(name: str) -> set[str]:
        out: set[str] = set()
        for pre in needs[name]:
            out |= {pre} | closure(pre)
        return out

    return {a: tuple(p for p in ps if not any(p in closure(q) for q in ps if q != p)) for a, ps in needs.items()}
