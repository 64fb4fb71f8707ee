"""Recipe tables from constants.py as arrays, so a rule is a gather instead of a Python branch."""

from __future__ import annotations

import numpy as np

from envgen.envs.crafter.constants import (
    ACH,
    ARROW_PASSABLE,
    COLLECT,
    COLLECT_ACHIEVEMENT,
    MAKE,
    NUM_MATERIALS,
    PLACE,
    WALKABLE,
)

N_ITEMS = 12

COLLECT_REQ = np.full(NUM_MATERIALS, -1, np.int32)
COLLECT_GET = np.full(NUM_MATERIALS, -1, np.int32)
COLLECT_LEAVE = np.full(NUM_MATERIALS, -1, np.int32)
COLLECT_ACH = np.full(NUM_MATERIALS, -1, np.int32)
for mat, (req, get, leave) in COLLECT.items():
    COLLECT_REQ[mat], COLLECT_GET[mat], COLLECT_LEAVE[mat] = req, get, leave
    COLLECT_ACH[mat] = COLLECT_ACHIEVEMENT[mat]

_place = sorted(PLACE.items())
PLACE_TILE = np.array([v[0] for _, v in _place], np.int32)
PLACE_ITEM = np.array([v[1] for _, v in _place], np.int32)
PLACE_COST = np.array([v[2] for _, v in _place], np.int32)
PLACE_ALLOWED = np.zeros((len(_place), NUM_MATERIALS), bool)
for row, (_, v) in enumerate(_place):
    PLACE_ALLOWED[row, list(v[3])] = True
PLACE_ACH = np.array([v[4] for _, v in _place], np.int32)
FIRST_PLACE_ACTION = _place[0][0]

_make = sorted(MAKE.items())
MAKE_ITEM = np.array([v[0] for _, v in _make], np.int32)
MAKE_COST = np.zeros((len(_make), N_ITEMS), np.int32)
for row, (_, v) in enumerate(_make):
    for item, amount in v[1].items():
        MAKE_COST[row, item] = amount
MAKE_FURNACE = np.array([v[2] for _, v in _make], bool)
MAKE_ACH = np.array([v[3] for _, v in _make], np.int32)
FIRST_MAKE_ACTION = _make[0][0]

IS_WALKABLE = np.zeros(NUM_MATERIALS, bool)
IS_WALKABLE[list(WALKABLE)] = True
IS_ARROW_PASSABLE = np.zeros(NUM_MATERIALS, bool)
IS_ARROW_PASSABLE[list(ARROW_PASSABLE)] = True

ACH_COLLECT_DRINK = ACH["collect_drink"]
ACH_COLLECT_SAPLING = ACH["collect_sapling"]
