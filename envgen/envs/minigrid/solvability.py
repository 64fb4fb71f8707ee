"""Is a level's mission achievable? A jit/vmap-able search over positions with door and key state.

The search grows the region the agent can reach from its start: floor-like cells, unlocked doors
(toggle opens them) and movable objects (they can be picked up and dropped elsewhere) are crossable;
a locked door becomes crossable once a key of its colour lies in the region (or in a box there, or in
hand). Keys are never used up, so repeating until no new colour is unlocked is exact for doors and keys.
Approximations: carrying capacity and drop space are not modelled (an object is assumed movable out of
the way), and the time limit is not checked. Goal and lava cells are never crossed.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL, C.RED)
from envgen.envs.minigrid.worldgen import dilate4, flood


def _near8(mask: jax.Array) -> jax.Array:
    pad = jnp.pad(mask, 1)
    return dilate4(mask) | pad[:-2, :-2] | pad[:-2, 2:] | pad[2:, :-2] | pad[2:, 2:]


def reachable(grid: jax.Array, agent_pos: jax.Array, carrying: jax.Array | None = None):
    """Region reachable from the start and the key colours found in it (``bool[H, W]``, ``bool[6]``)."""
    typ = grid[..., 0].astype(jnp.int32)
    col = grid[..., 1].astype(jnp.int32)
    st = grid[..., 2].astype(jnp.int32)
    inside = grid[..., 3].astype(jnp.int32) & C.CONTENTS_MASK
    height, width = typ.shape
    rows, cols = jnp.meshgrid(jnp.arange(height), jnp.arange(width), indexing="ij")
    start = (rows == agent_pos[0]) & (cols == agent_pos[1])
    movable = (typ == C.KEY) | (typ == C.BALL) | (typ == C.BOX)
    base = (typ == C.EMPTY) | (typ == C.FLOOR) | ((typ == C.DOOR) & (st != C.LOCKED)) | movable
    locked = (typ == C.DOOR) & (st == C.LOCKED)
    colors = jnp.arange(C.NUM_COLORS)
    key_here = ((typ == C.KEY)[..., None] & (col[..., None] == colors)) | (
        (typ == C.BOX) & (inside // 8 == C.KEY))[..., None] & ((inside % 8)[..., None] == colors)
    held = jnp.zeros(C.NUM_COLORS, bool)
    if carrying is not None:
        held = (carrying[0] == C.KEY) & (carrying[1] == colors)

    def body(_, carry):
        region, keys = carry
        passable = base | (locked & keys[col.clip(0, C.NUM_COLORS - 1)])
        region = flood(passable | start, start | region)
        keys = keys | jnp.any(key_here & region[..., None], axis=(0, 1))
        return region, keys

    # each round either unlocks a new colour or changes nothing: NUM_COLORS + 1 rounds suffice
    region, keys = jax.lax.fori_loop(0, C.NUM_COLORS + 1, body, (start, held))
    return region, keys


def _mission_parts(grid, mission, region, target_pos):
    typ = grid[..., 0].astype(jnp.int32)
    col = grid[..., 1].astype(jnp.int32)
    st = grid[..., 2].astype(jnp.int32)
    inside = grid[..., 3].astype(jnp.int32) & C.CONTENTS_MASK
    kind, obj_t, obj_c, tgt_t, tgt_c = (mission[i] for i in range(5))
    obj = (typ == obj_t) & (col == obj_c)
    boxed = (typ == C.BOX) & (inside > 0) & (inside // 8 == obj_t) & (inside % 8 == obj_c)
    target = (typ == tgt_t) & (col == tgt_c)
    reach_cells = dilate4(region)
    goal_ok = jnp.any((typ == C.GOAL) & reach_cells)
    goto_ok = jnp.any(obj & dilate4(reach_cells & ~obj))
    pickable = (obj_t == C.KEY) | (obj_t == C.BALL) | (obj_t == C.BOX)
    pickup_ok = pickable & jnp.any((obj | boxed) & region)
    open_ok = jnp.any(obj & (typ == C.DOOR) & region)
    unlock_ok = jnp.any(obj & (typ == C.DOOR) & (st == C.LOCKED) & region)
    put_ok = pickup_ok & jnp.any(target & _near8(region) & ~obj)
    second_door = (typ == C.DOOR) & (col == tgt_c)
    in_order_ok = open_ok & jnp.any(second_door & region)
    target_cell = (jnp.arange(typ.shape[0])[:, None] == target_pos[0]) & (jnp.arange(typ.shape[1]) == target_pos[1])
    match_ok = jnp.any(target_cell & region)
    ok = jnp.select([kind == C.M_REACH_GOAL, kind == C.M_GO_TO, kind == C.M_PICKUP, kind == C.M_OPEN_DOOR,
                     kind == C.M_UNLOCK_DOOR, kind == C.M_PUT_NEAR, kind == C.M_OPEN_IN_ORDER, kind == C.M_MATCH,
                     kind == C.M_NONE],
                    [goal_ok, goto_ok, pickup_ok, open_ok, unlock_ok, put_ok, in_order_ok, match_ok, True], False)
    exists = jnp.select([kind == C.M_REACH_GOAL, kind == C.M_PUT_NEAR, kind == C.M_OPEN_IN_ORDER,
                         kind == C.M_MATCH, kind == C.M_NONE],
                        [jnp.any(typ == C.GOAL), jnp.any(obj | boxed) & jnp.any(target & ~obj),
                         jnp.any(obj) & jnp.any(second_door), True, True],
                        jnp.any(obj | boxed))
    return ok, exists


def is_solvable(level_or_state, params=None) -> jax.Array:
    """Whether the mission can be achieved from the start (jit/vmap-able; ``params`` is unused)."""
    del params
    carrying = getattr(level_or_state, "carrying", None)
    grid = level_or_state.grid
    region, _ = reachable(grid, level_or_state.agent_pos, carrying)
    ok, _ = _mission_parts(grid, level_or_state.mission, region, _target_pos(level_or_state))
    start_ok = _start_ok(grid, level_or_state.agent_pos)
    return ok & start_ok


def _target_pos(level_or_state) -> jax.Array:
    """The level's mission cell (a state carries its level)."""
    level = getattr(level_or_state, "level", level_or_state)
    return jnp.asarray(level.target_pos)


def _start_ok(grid, pos):
    t = grid[pos[0], pos[1], 0]
    s = grid[pos[0], pos[1], 2]
    return (t == C.EMPTY) | (t == C.FLOOR) | ((t == C.DOOR) & (s == C.OPEN))


def diagnose(level_or_state, params=None) -> str:
    """A short reason why the mission is not achievable, or ``""`` when it is (host side)."""
    from envgen.envs.minigrid.missions import mission_text

    carrying = getattr(level_or_state, "carrying", None)
    grid = jnp.asarray(level_or_state.grid)
    pos = jnp.asarray(level_or_state.agent_pos)
    mission = jnp.asarray(level_or_state.mission)
    region, keys = reachable(grid, pos, carrying)
    ok, exists = _mission_parts(grid, mission, region, _target_pos(level_or_state))
    text = mission_text(np.asarray(mission))
    if not bool(_start_ok(grid, pos)):
        kind = C.OBJECT_NAMES[int(grid[pos[0], pos[1], 0])]
        return f"the agent starts on a {kind} cell at (row {int(pos[0])}, col {int(pos[1])})"
    if bool(ok):
        return ""
    if not bool(exists):
        return f"mission '{text}': the object it names does not exist in the level"
    g = np.asarray(grid)
    region_np = np.asarray(region)
    keys_np = np.asarray(keys)
    border = np.asarray(dilate4(region)) & ~region_np
    locked = (g[..., 0] == C.DOOR) & (g[..., 2] == C.LOCKED) & border
    missing = sorted({C.COLOR_NAMES[c] for c in g[..., 1][locked] if not keys_np[c]})
    if missing:
        doors = ", ".join(missing)
        return (f"mission '{text}' is blocked: the {doors} locked door(s) on the way have no key of "
                "their colour on the agent's side")
    blockers = sorted({C.OBJECT_NAMES[t] for t in g[..., 0][border] if t in (C.WALL, C.LAVA)})
    what = " and ".join(blockers) or "the layout"
    return f"mission '{text}' is unreachable: {what} cut the agent off from its target"


# -- the generator's survey (envgen.registry: a family's ``solvability`` module) --------------------


def survey_measure(levels, params) -> dict:
    """What the solvability survey keeps of a batch of generated levels (inside its jit)."""
    return {"ok": jax.vmap(is_solvable)(levels, params)}


def survey_report(row: dict, params, targets: list[str], seeds: int) -> dict:
    """One config's report from its survey row (``ok`` per seed and the ``levels``); MiniGrid's goal is
    the config's mission, so ``targets`` is unused."""
    del targets
    ok = np.asarray(row["ok"])
    fraction = float(ok.mean())
    reasons = [diagnose(jax.tree.map(lambda x, i=i: x[i], row["levels"]), params) for i in np.flatnonzero(~ok)[:3]]
    diag = (f"mission solvable in {fraction:.0%} of sampled levels" if ok.all() else
            f"mission solvable in only {fraction:.0%} of sampled levels; " + "; ".join(dict.fromkeys(reasons)))
    return {"ok": bool(fraction >= 0.75), "fraction": fraction, "seeds": seeds, "diagnosis": diag}
