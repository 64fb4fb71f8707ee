"""The read-only view of a minigrid state that generated reward programs are written against.

A reward program is ``reward(prev, state, action) -> scalar`` where ``prev`` and ``state`` are
:class:`MinigridView` values before and after the step. Every field is a scalar or a 2-vector, so
programs stay cheap under ``vmap``. Positions are ``(row, col)``; distances are Manhattan distances in
cells, ``FAR`` (1000) when the thing does not exist.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from envgen.envs.batching import batch_cond
from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL, C.RED)
from envgen.envs.minigrid.state import EnvParams, EnvState

FAR = 1000.0


@struct.dataclass
class MinigridView:
    """Documented, fixed-shape quantities of a minigrid state."""

    time: jax.Array
    """Steps taken in this episode (int32)."""
    steps_remaining: jax.Array
    """max_steps - time (int32)."""
    agent_pos: jax.Array
    """Agent position (row, col), int32[2]."""
    agent_dir: jax.Array
    """Agent direction: 0 right, 1 down, 2 left, 3 up (int32)."""
    carrying_type: jax.Array
    """Type of the carried object: 0 nothing, 5 key, 6 ball, 7 box (int32)."""
    carrying_color: jax.Array
    """Colour of the carried object (0 red, 1 green, 2 blue, 3 purple, 4 yellow, 5 grey); 0 if nothing."""
    front_type: jax.Array
    """Type of the cell in front: 1 empty, 2 wall, 3 floor, 4 door, 5 key, 6 ball, 7 box, 8 goal, 9 lava."""
    front_color: jax.Array
    """Colour of the cell in front (int32)."""
    front_state: jax.Array
    """Door state of the cell in front: 0 open, 1 closed, 2 locked (0 for non-doors)."""
    goal_pos: jax.Array
    """Position (row, col) of the nearest goal tile, (-1, -1) if none (int32[2])."""
    goal_distance: jax.Array
    """Manhattan distance from the agent to the nearest goal tile (float32, FAR if none)."""
    on_goal: jax.Array
    """The agent stands on a goal tile (bool; true only on the final step of a reach_goal episode)."""
    mission_kind: jax.Array
    """0 reach_goal, 1 go_to, 2 pickup, 3 open_door, 4 unlock_door, 5 put_near, 6 open_in_order, 7 match,
    8 none (int32)."""
    target_pos: jax.Array
    """Nearest object matching the mission's (type, colour), (-1, -1) if none on the grid (int32[2])."""
    target_distance: jax.Array
    """Manhattan distance from the agent to that object (0 when it is carried; FAR if absent)."""
    target_held: jax.Array
    """The agent carries an object matching the mission's (type, colour) (bool)."""
    target_visible: jax.Array
    """A matching object lies within 6 cells ahead and 3 to the side (the view window, ignoring walls)."""
    put_distance: jax.Array
    """put_near: Chebyshev distance from the mission object (or the agent, if carried) to the nearest
    target object (float32, FAR if either is absent; 0 for other missions)."""
    doors_open: jax.Array
    """Number of open doors (int32)."""
    doors_closed: jax.Array
    """Number of closed, unlocked doors (int32)."""
    doors_locked: jax.Array
    """Number of locked doors (int32)."""
    keys_on_grid: jax.Array
    """Number of keys lying on the grid (int32)."""
    in_lava: jax.Array
    """The agent stands on lava (bool; the episode ends)."""
    mission_success: jax.Array
    """The mission was achieved on the step that produced this state (bool)."""


def _nearest(mask: jax.Array, pos: jax.Array, chebyshev: bool = False):
    """The cell of ``mask`` nearest to ``pos`` (lowest index on ties) and its distance: ``(int32[2],
    float32)``, ``(-1, -1)`` and ``FAR`` if the mask is empty.

    One integer reduction over ``distance * cells + index`` keys gives both (no argmin, no gather: this
    runs every step). The barrier keeps XLA from fusing the reduction into a later whole-grid pass
    that uses the result (recomputing it once per cell).
    """
    rows, cols = np.meshgrid(np.arange(mask.shape[0]), np.arange(mask.shape[1]), indexing="ij")
    dr, dc = jnp.abs(rows - pos[0]), jnp.abs(cols - pos[1])
    size = mask.size
    dist = jnp.where(mask, jnp.maximum(dr, dc) if chebyshev else dr + dc, 10**6)  # 10**6 * 625 < 2**31
    best = jax.lax.optimization_barrier(jnp.min((dist * size + rows * mask.shape[1] + cols).reshape(-1)))
    idx, found = best % size, best < 10**6 * size
    where = jnp.where(found, jnp.stack([idx // mask.shape[1], idx % mask.shape[1]]), -1).astype(jnp.int32)
    return where, jnp.where(found, (best // size).astype(jnp.float32), FAR)


def _cells(state: EnvState):
    """The grid's type, colour and state planes (uint8; compared with constants, never widened)."""
    return state.grid[..., 0], state.grid[..., 1], state.grid[..., 2]


def goal_part(state: EnvState):
    """``(goal_pos, goal_distance)``: the nearest goal tile."""
    typ, _, _ = _cells(state)
    return _nearest(typ == C.GOAL, state.agent_pos)


def _match(state: EnvState):
    typ, col, _ = _cells(state)
    return (typ == state.mission[1]) & (col == state.mission[2])


def target_part(state: EnvState):
    """``(target_pos, target_distance, target_held, target_visible)`` for the mission object."""
    typ = state.grid[..., 0]
    pos, d = state.agent_pos, state.agent_dir
    match = _match(state)
    held = (state.carrying[0] == state.mission[1]) & (state.carrying[1] == state.mission[2])
    target_pos, target_dist = _nearest(match, pos)
    # view window test (no occlusion): project onto the forward and right axes
    fvec = jnp.asarray(C.DIR_TO_VEC)[d]
    dr = jnp.arange(typ.shape[0])[:, None] - pos[0]
    dc = jnp.arange(typ.shape[1])[None, :] - pos[1]
    ahead, side = dr * fvec[0] + dc * fvec[1], dr * fvec[1] - dc * fvec[0]
    in_window = (ahead >= 0) & (ahead <= 6) & (jnp.abs(side) <= 3)
    visible = jnp.any(match & in_window)
    return target_pos, jnp.where(held, 0.0, target_dist), held, visible | held


def put_part(state: EnvState, target_pos: jax.Array, held: jax.Array) -> jax.Array:
    """put_near's distance (float32; 0 for other missions): see ``MinigridView.put_distance``.

    Only put_near missions pay for the scan: under ``vmap`` a batch without any skips it.
    """
    kind = state.mission[0]

    def scan(state, target_pos, held):
        typ, col, _ = _cells(state)
        match = _match(state)
        obj_pos = jnp.where(held, state.agent_pos, target_pos)
        _, dist = _nearest((typ == state.mission[3]) & (col == state.mission[4]) & ~match, obj_pos, chebyshev=True)
        return jnp.where(held | (target_pos[0] >= 0), dist, FAR).astype(jnp.float32)

    return batch_cond(kind == C.M_PUT_NEAR, scan, lambda *_: jnp.float32(0.0), state, target_pos, held)


def door_part(state: EnvState):
    """``(open, closed, locked)`` door counts (int32)."""
    typ, _, st = _cells(state)
    door = typ == C.DOOR
    return tuple(jnp.sum(door & (st == s), dtype=jnp.int32) for s in (C.OPEN, C.CLOSED, C.LOCKED))


def build_view(state: EnvState, params: EnvParams) -> MinigridView:
    """Compute the view of a state (pure jnp; works under jit and vmap)."""
    typ, col, st = _cells(state)
    pos, d = state.agent_pos, state.agent_dir
    fwd = jnp.clip(pos + jnp.asarray(C.DIR_TO_VEC)[d], 0, jnp.array(typ.shape) - 1)
    goal_pos, goal_dist = goal_part(state)
    target_pos, target_dist, held, visible = target_part(state)
    doors_open, doors_closed, doors_locked = door_part(state)
    here = typ[pos[0], pos[1]]
    return MinigridView(
        time=state.time.astype(jnp.int32),
        steps_remaining=(params.max_steps - state.time).astype(jnp.int32),
        agent_pos=pos.astype(jnp.int32),
        agent_dir=d.astype(jnp.int32),
        carrying_type=state.carrying[0].astype(jnp.int32),
        carrying_color=state.carrying[1].astype(jnp.int32),
        front_type=typ[fwd[0], fwd[1]].astype(jnp.int32),
        front_color=col[fwd[0], fwd[1]].astype(jnp.int32),
        front_state=st[fwd[0], fwd[1]].astype(jnp.int32),
        goal_pos=goal_pos,
        goal_distance=goal_dist,
        on_goal=here == C.GOAL,
        mission_kind=state.mission[0].astype(jnp.int32),
        target_pos=target_pos,
        target_distance=target_dist,
        target_held=held,
        target_visible=visible,
        put_distance=put_part(state, target_pos, held),
        doors_open=doors_open,
        doors_closed=doors_closed,
        doors_locked=doors_locked,
        keys_on_grid=jnp.sum(typ == C.KEY, dtype=jnp.int32),
        in_lava=here == C.LAVA,
        mission_success=state.success,
    )


# The sandbox and the prompts look for these names in every view module.
StateView = MinigridView


def _attribute_docs(cls: type) -> dict[str, str]:
    """Each field's docstring (the string literal under its annotation in the class body)."""
    import ast
    import inspect

    body = ast.parse(inspect.getsource(cls)).body[0].body
    docs = {}
    for stmt, nxt in zip(body, body[1:], strict=False):
        if (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and isinstance(nxt, ast.Expr)
                and isinstance(nxt.value, ast.Constant) and isinstance(nxt.value.value, str)):
            docs[stmt.target.id] = " ".join(nxt.value.value.split())
    return docs


FIELD_DOCS: dict[str, str] = _attribute_docs(MinigridView)

# (low, high) of each integer field for sampling; floats are distances, bools are coin flips.
MAX_STEPS = 10_000  # the largest max_steps a config may set: time and steps_remaining reach it
_INT_RANGES = {"time": (0, MAX_STEPS), "steps_remaining": (0, MAX_STEPS), "agent_dir": (0, 3), "carrying_type": (0, 7),
               "carrying_color": (0, 5), "front_type": (1, 9), "front_color": (0, 5), "front_state": (0, 2),
               "mission_kind": (0, 8), "doors_open": (0, 4), "doors_closed": (0, 4), "doors_locked": (0, 4),
               "keys_on_grid": (0, 3)}
_POS_FIELDS = ("agent_pos", "goal_pos", "target_pos")
_DIST_FIELDS = ("goal_distance", "target_distance", "put_distance")
_BOOL_FIELDS = ("on_goal", "target_held", "target_visible", "in_lava", "mission_success")


def sample_views(key: jax.Array, n: int):
    """``n`` plausible (prev, state, action) triples for the sandbox's smoke rollout.

    Drawn field by field from each field's range (no simulator, so validation stays fast); ``state``
    moves a step from ``prev`` in distances and positions, and flags and counters change now and then,
    as they do between consecutive states.
    """
    keys = iter(jax.random.split(key, 96))
    prev, state = {}, {}
    for name, (lo, hi) in _INT_RANGES.items():
        a = jax.random.randint(next(keys), (n,), lo, hi + 1)
        change = jax.random.bernoulli(next(keys), 0.3, (n,))
        b = jnp.where(change, jnp.clip(a + jax.random.randint(next(keys), (n,), -1, 2), lo, hi), a)
        prev[name], state[name] = a.astype(jnp.int32), b.astype(jnp.int32)
    for name in _POS_FIELDS:
        a = jax.random.randint(next(keys), (n, 2), -1, 25)
        b = jnp.clip(a + jax.random.randint(next(keys), (n, 2), -1, 2), -1, 24)
        prev[name], state[name] = a.astype(jnp.int32), b.astype(jnp.int32)
    for name in _DIST_FIELDS:
        a = jax.random.randint(next(keys), (n,), 0, 40).astype(jnp.float32)
        a = jnp.where(jax.random.bernoulli(next(keys), 0.05, (n,)), FAR, a)
        step = jax.random.randint(next(keys), (n,), -1, 2).astype(jnp.float32)
        prev[name], state[name] = a, jnp.where(a >= FAR, a, jnp.maximum(a + step, 0.0))
    for name in _BOOL_FIELDS:
        prev[name] = jax.random.bernoulli(next(keys), 0.2, (n,))
        state[name] = prev[name] ^ jax.random.bernoulli(next(keys), 0.2, (n,))
    return MinigridView(**prev), MinigridView(**state), jax.random.randint(next(keys), (n,), 0, 7)
