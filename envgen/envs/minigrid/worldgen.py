"""Level generation: params -> start level, branch-free so any mix of configs runs under one vmap.

Two phases. A *layout* (selected by ``params.layout``) draws walls, lava and doors
and says where the agent starts (``start``), where goal-side things go (``goal``), where a key may lie
(``key``) and which door, if any, is the *gate* between the two sides. The shared *placement* phase
then locks the gate, puts the agent, goal tile, blocker ball, key (always on the agent's side of the
gate), mission object and distractors, and resolves random mission colours against what was placed.

Under ``vmap`` a ``lax.switch`` would compute every layout branch for every level: generation branches
with ``envgen.envs.batching`` instead, so a batch draws only the layout kinds it contains and skips the
placement steps no config in it needs (a locked gate's key, distractors, RoomGrid's agent redraw).
Cells are sampled with one uniform each (the k-th free cell), not a random number per grid cell.
Levels are generated between training chunks and stored, never inside ``step`` (see envgen.envs.base).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from envgen.envs.batching import batch_cond, batch_switch
from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL, C.RED)
from envgen.envs.minigrid.state import EnvParams, Level, StaticEnvParams

BIG = 10_000


class Layout(NamedTuple):
    """What a layout generator hands to the placement phase (all ``[H, W]`` unless noted)."""

    typ: jax.Array
    col: jax.Array
    st: jax.Array
    start: jax.Array      # bool: where the agent may start
    goal: jax.Array       # bool: where the goal tile / mission object go
    key: jax.Array        # bool: where the gate's key may go (intersected with the reachable side)
    gate_pos: jax.Array   # int32[2] (row, col) of the gate door
    has_gate: jax.Array   # bool
    cont: jax.Array       # the grid's 4th byte for objects the layout placed itself (boxes' contents)
    late: jax.Array       # bool: doors MiniGrid adds after placing the agent (walls for its facing rule)
    target_pos: jax.Array  # int32[2]: a cell the mission names (match, open_in_order), if has_target
    other_pos: jax.Array   # int32[2]: the mission's second cell (see Level.other_pos)
    has_target: jax.Array  # bool
    colors: jax.Array      # int32[2]: colours the mission text names (LockedRoom), -1 if none


def make_layout(typ, col, st, start, goal, key, gate_pos=None, has_gate=False, *, cont=None, late=None,
                target_pos=None, other_pos=None, colors=None) -> Layout:
    """A ``Layout`` with the optional parts filled in (every branch of the switch needs them all)."""
    zero2 = jnp.zeros(2, jnp.int32)
    return Layout(
        typ, col, st, start, goal, key,
        zero2 if gate_pos is None else gate_pos.astype(jnp.int32), jnp.asarray(has_gate),
        jnp.zeros_like(typ) if cont is None else cont.astype(jnp.int32),
        jnp.zeros(typ.shape, bool) if late is None else late,
        zero2 if target_pos is None else target_pos.astype(jnp.int32),
        zero2 if other_pos is None else other_pos.astype(jnp.int32),
        jnp.asarray(target_pos is not None),
        jnp.full(2, -1, jnp.int32) if colors is None else jnp.asarray(colors, jnp.int32),
    )


# -- small helpers -------------------------------------------------------------------------------

def coords(static: StaticEnvParams) -> tuple[jax.Array, jax.Array]:
    """Row and column index grids of the static maximum shape."""
    rows, cols = jnp.meshgrid(jnp.arange(static.max_height), jnp.arange(static.max_width), indexing="ij")
    return rows.astype(jnp.int32), cols.astype(jnp.int32)


class Stream:
    """Uniform numbers drawn with one PRNG call and handed out in a fixed (trace-time) order.

    Each ``jax.random`` call adds a hash network to the compiled program; generation needs ~100 random
    numbers, so drawing them in one block keeps compile time down without changing the distribution.
    """

    def __init__(self, key: jax.Array, size: int = 64):
        self.values = jax.random.uniform(key, (size,))
        self.next = 0

    def take(self, shape=()) -> jax.Array:
        n = int(np.prod(shape)) if shape else 1
        if self.next + n > self.values.shape[0]:
            raise ValueError("random stream exhausted; enlarge its size")
        out = self.values[self.next:self.next + n].reshape(shape)
        self.next += n
        return out

    def int(self, lo, hi, shape=()) -> jax.Array:
        """Uniform integer(s) in [lo, hi) with traced bounds; lo when the range is empty."""
        return randint_u(self.take(shape), lo, hi)

    def bernoulli(self, prob, shape=()) -> jax.Array:
        return self.take(shape) < prob


def randint_u(u: jax.Array, lo, hi) -> jax.Array:
    """Map uniforms in [0, 1) to integers in [lo, hi) (lo when the range is empty)."""
    lo = jnp.asarray(lo, jnp.int32)
    span = jnp.maximum(jnp.asarray(hi, jnp.int32) - lo, 1)
    return lo + jnp.minimum(jnp.floor(u * span).astype(jnp.int32), span - 1)


def _nth_true(mask: jax.Array, n: jax.Array) -> jax.Array:
    """Index of the ``n``-th (0-based) true entry of a short 1-D mask (its length if there are fewer)."""
    before = jnp.cumsum(mask.astype(jnp.int32))  # true entries up to and including each index
    return jnp.sum(before <= n).astype(jnp.int32)


def _draw(u: jax.Array, count: jax.Array) -> jax.Array:
    """A uniform integer in ``[0, count)`` from one uniform in [0, 1) (0 when ``count`` is 0)."""
    return jnp.clip(jnp.floor(u * count).astype(jnp.int32), 0, jnp.maximum(count - 1, 0))


def sample_cell(u: jax.Array, mask: jax.Array) -> tuple[jax.Array, jax.Array]:
    """A uniform cell of a ``[H, W]`` mask as (row, col), and whether there is any ((0, 0) if not).

    ``u`` is one uniform in [0, 1): it picks the k-th true cell, counted by rows and then within the
    chosen row, which is MiniGrid's rejection sampling in distribution at the cost of a row sum (a
    random number per cell, or a redraw loop, costs far more under ``vmap``).
    """
    counts = jnp.sum(mask, axis=1, dtype=jnp.int32)
    upto = jnp.cumsum(counts)  # true cells in the rows up to and including each row
    total = upto[-1]
    k = _draw(u, total)
    row = jnp.minimum(jnp.sum(upto <= k), mask.shape[0] - 1)
    k_in_row = k - (upto[row] - counts[row])
    col = jnp.minimum(_nth_true(mask[row], k_in_row), mask.shape[1] - 1)
    found = total > 0
    return jnp.where(found, jnp.stack([row, col]), 0).astype(jnp.int32), found


def sample_index(u: jax.Array, mask: jax.Array) -> jax.Array:
    """A uniform index among the true entries of a 1-D mask (0 if none); ``u`` is one uniform in [0, 1)."""
    found = jnp.any(mask)
    idx = _nth_true(mask, _draw(u, jnp.sum(mask, dtype=jnp.int32)))
    return jnp.where(found, jnp.minimum(idx, mask.shape[0] - 1), 0).astype(jnp.int32)


def at(rows, cols, pos) -> jax.Array:
    """Mask of the single cell ``pos``."""
    return (rows == pos[0]) & (cols == pos[1])


def rect(rows, cols, top, left, height, width) -> jax.Array:
    """Mask of the rectangle with the given corner and size."""
    return (rows >= top) & (rows < top + height) & (cols >= left) & (cols < left + width)


def border(rows, cols, top, left, height, width) -> jax.Array:
    """Mask of the outline of a rectangle."""
    inside = rect(rows, cols, top, left, height, width)
    edge = (rows == top) | (rows == top + height - 1) | (cols == left) | (cols == left + width - 1)
    return inside & edge


def dilate4(mask: jax.Array) -> jax.Array:
    """Mask grown by one cell in the four directions."""
    pad = jnp.pad(mask, 1)
    return mask | pad[:-2, 1:-1] | pad[2:, 1:-1] | pad[1:-1, :-2] | pad[1:-1, 2:]


def flood(passable: jax.Array, seed: jax.Array) -> jax.Array:
    """Cells 4-connected to ``seed`` through ``passable`` (iterated dilation until it stops growing)."""

    def body(carry):
        region, _ = carry
        grown = dilate4(region) & passable | region
        return grown, jnp.any(grown != region)

    region, _ = jax.lax.while_loop(lambda c: c[1], body, (seed, jnp.array(True)))
    return region


def resolve_pos(pos: jax.Array, height: jax.Array, width: jax.Array) -> jax.Array:
    """Negative coordinates count from the far wall (``-2`` -> ``size - 2``)."""
    size = jnp.stack([height, width])
    return jnp.where(pos < 0, size + pos, pos).astype(jnp.int32)


def _base(params: EnvParams, rows, cols, height=None, width=None):
    """Walls outside the active area and on its outer ring, empty inside."""
    height = params.height if height is None else height
    width = params.width if width is None else width
    active = (rows < params.height) & (cols < params.width)
    ring = border(rows, cols, 0, 0, height, width)
    typ = jnp.where(active & ~ring, C.EMPTY, C.WALL)
    col = jnp.where(typ == C.WALL, C.GREY, 0)
    return typ.astype(jnp.int32), col.astype(jnp.int32), jnp.zeros_like(typ, dtype=jnp.int32)


def _interior(params: EnvParams, rows, cols):
    return rect(rows, cols, 1, 1, params.height - 2, params.width - 2)


def _put_doors(typ, col, st, rows, cols, pos, colors, enabled, state=C.CLOSED):
    """Write doors at ``pos[k]`` for enabled k only (masked selects, not scatters: under vmap batched
    scatters make XLA compile slowly, and a 25x25 select is cheap)."""
    hit = (rows[None] == pos[:, 0, None, None]) & (cols[None] == pos[:, 1, None, None]) & enabled[:, None, None]
    any_hit = jnp.any(hit, axis=0)
    color = jnp.sum(jnp.where(hit, jnp.asarray(colors)[:, None, None], 0), axis=0)
    typ = jnp.where(any_hit, C.DOOR, typ)
    col = jnp.where(any_hit, color, col)
    st = jnp.where(any_hit, state, st)
    return typ, col, st


# -- layouts -------------------------------------------------------------------------------------

def _rank(scores: jax.Array) -> jax.Array:
    """Rank of each score in ascending order (0 = smallest); ties broken by index."""
    idx = jnp.arange(scores.shape[0])
    before = (scores[None, :] < scores[:, None]) | ((scores[None, :] == scores[:, None]) & (idx[None] < idx[:, None]))
    return jnp.sum(before, axis=1).astype(jnp.int32)


def _order(scores: jax.Array) -> jax.Array:
    """``argsort`` written as comparisons (sorts compile slowly under vmap on CPU)."""
    rank = _rank(scores)
    return jnp.argmax(rank[None, :] == jnp.arange(scores.shape[0])[:, None], axis=1).astype(jnp.int32)


def layout_empty(key, params: EnvParams, static: StaticEnvParams) -> Layout:
    """One room; optionally a random size inside the grid and up to four closed wall doors (GoToDoor)."""
    rows, cols = coords(static)
    rs = Stream(key, 16)
    h = jnp.where(params.random_room_size, rs.int(5, params.height + 1), params.height)
    w = jnp.where(params.random_room_size, rs.int(5, params.width + 1), params.width)
    typ, col, st = _base(params, rows, cols, h, w)
    pos = jnp.stack([
        jnp.stack([jnp.int32(0), rs.int(2, w - 2)]),
        jnp.stack([h - 1, rs.int(2, w - 2)]),
        jnp.stack([rs.int(2, h - 2), jnp.int32(0)]),
        jnp.stack([rs.int(2, h - 2), w - 1]),
    ]).astype(jnp.int32)
    colors = _order(rs.take((C.NUM_COLORS,)))[:4]  # four distinct colours
    typ, col, st = _put_doors(typ, col, st, rows, cols, pos, colors, jnp.arange(4) < params.wall_doors)
    inside = rect(rows, cols, 1, 1, h - 2, w - 2)
    return make_layout(typ, col, st, inside, inside, inside)


def layout_two_rooms(key, params: EnvParams, static: StaticEnvParams) -> Layout:
    """DoorKey: a full-height wall at a random column with one door (the gate) at a random row."""
    rows, cols = coords(static)
    rs = Stream(key, 2)
    typ, col, st = _base(params, rows, cols)
    split = rs.int(2, params.width - 2)
    door_row = rs.int(1, params.height - 2)  # MiniGrid's exclusive bound: row h-2 is never used
    wall = (cols == split) & (rows < params.height)
    typ = jnp.where(wall, C.WALL, typ)
    col = jnp.where(wall, C.GREY, col)
    gate = jnp.stack([door_row, split]).astype(jnp.int32)
    typ, col, st = _put_doors(typ, col, st, rows, cols, gate[None], jnp.array([C.YELLOW]), jnp.array([True]))
    inside = _interior(params, rows, cols)
    left = inside & (cols < split)
    right = inside & (cols > split)
    return make_layout(typ, col, st, left, right, left, gate, True)


def layout_four_rooms(key, params: EnvParams, static: StaticEnvParams) -> Layout:
    """FourRooms: walls through the middle column and row, one gap in each of the four segments."""
    rows, cols = coords(static)
    typ, col, st = _base(params, rows, cols)
    rh, rw = params.height // 2, params.width // 2
    active = (rows < params.height) & (cols < params.width)
    walls = active & ((rows == rh) | (cols == rw))
    typ = jnp.where(walls, C.WALL, typ)
    col = jnp.where(walls, C.GREY, col)
    rs = Stream(key, 4)
    gaps = jnp.stack([
        jnp.stack([rs.int(1, rh), rw]),
        jnp.stack([rs.int(rh + 1, 2 * rh), rw]),
        jnp.stack([rh, rs.int(1, rw)]),
        jnp.stack([rh, rs.int(rw + 1, 2 * rw)]),
    ]).astype(jnp.int32)
    gap = jnp.any((rows[None] == gaps[:, 0, None, None]) & (cols[None] == gaps[:, 1, None, None]), axis=0)
    typ = jnp.where(gap, C.EMPTY, typ)
    col = jnp.where(gap, 0, col)
    inside = _interior(params, rows, cols)
    return make_layout(typ, col, st, inside, inside, inside)


def _room_walls(params: EnvParams, rows, cols):
    s1 = params.room_size - 1
    active = (rows < params.height) & (cols < params.width)
    walls = active & ((rows % s1 == 0) | (cols % s1 == 0))
    typ = jnp.where(active & ~walls, C.EMPTY, C.WALL).astype(jnp.int32)
    return typ, jnp.where(typ == C.WALL, C.GREY, 0).astype(jnp.int32), jnp.zeros_like(typ)


def _room_interior(params: EnvParams, rows, cols, room_row, room_col):
    s1 = params.room_size - 1
    return rect(rows, cols, room_row * s1 + 1, room_col * s1 + 1, s1 - 1, s1 - 1)


def _room_edges(rs: Stream, params: EnvParams, trim: int = 0):
    """Door positions of the 12 walls between rooms of a 3x3 grid: 6 vertical walls, then 6 horizontal.

    Vertical edge (j, i) joins room (j, i) and (j, i+1); horizontal edge (j, i) joins (j, i), (j+1, i).
    A door sits at offset 1 .. room_size - 2 - trim along its wall.
    """
    s1 = params.room_size - 1
    n = C.MAX_ROOM_GRID
    jv, iv = jnp.meshgrid(jnp.arange(n), jnp.arange(n - 1), indexing="ij")
    jh, ih = jnp.meshgrid(jnp.arange(n - 1), jnp.arange(n), indexing="ij")
    off_v = rs.int(1, s1 - trim, jv.shape)
    off_h = rs.int(1, s1 - trim, jh.shape)
    pos_v = jnp.stack([jv * s1 + off_v, (iv + 1) * s1], -1).reshape(-1, 2)
    pos_h = jnp.stack([(jh + 1) * s1, ih * s1 + off_h], -1).reshape(-1, 2)
    valid_v = ((jv < params.room_rows) & (iv + 1 < params.room_cols)).reshape(-1)
    valid_h = ((jh + 1 < params.room_rows) & (ih < params.room_cols)).reshape(-1)
    # rooms each edge joins, as (row, col) pairs
    a = jnp.concatenate([jnp.stack([jv, iv], -1).reshape(-1, 2), jnp.stack([jh, ih], -1).reshape(-1, 2)])
    b = jnp.concatenate([jnp.stack([jv, iv + 1], -1).reshape(-1, 2), jnp.stack([jh + 1, ih], -1).reshape(-1, 2)])
    pos = jnp.concatenate([pos_v, pos_h]).astype(jnp.int32)
    valid = jnp.concatenate([valid_v, valid_h])
    return pos, valid, a, b


def _edge_index_v(j, i):
    return j * (C.MAX_ROOM_GRID - 1) + i


def _edge_index_h(j, i):
    return C.MAX_ROOM_GRID * (C.MAX_ROOM_GRID - 1) + j * C.MAX_ROOM_GRID + i


def layout_room_grid(key, params: EnvParams, static: StaticEnvParams) -> Layout:
    """A grid of rooms (up to 3x3) joined by doors along a random spanning tree plus extra doors.

    The agent starts in room (0, 0) and the goal side is the far corner room, a leaf of the tree whose
    single door is the gate (Unlock / UnlockPickup / BlockedUnlockPickup / ObstructedMaze-1D are 1x2).
    """
    rows, cols = coords(static)
    rs = Stream(key, 64)
    typ, col, st = _room_walls(params, rows, cols)
    pos, valid, a, b = _room_edges(rs, params)
    n = C.MAX_ROOM_GRID
    # Each room except (0, 0) joins the neighbour to its left or above: a tree rooted at the start.
    jj, ii = jnp.meshgrid(jnp.arange(n), jnp.arange(n), indexing="ij")
    go_left = rs.bernoulli(0.5, jj.shape)
    go_left = jnp.where(jj == 0, True, jnp.where(ii == 0, False, go_left))
    parent_edge = jnp.where(go_left, _edge_index_v(jj, ii - 1), _edge_index_h(jj - 1, ii))
    in_grid = (jj < params.room_rows) & (ii < params.room_cols) & ((jj > 0) | (ii > 0))
    n_edges = pos.shape[0]
    tree = jnp.any((jnp.where(in_grid, parent_edge, -1).reshape(-1)[:, None] == jnp.arange(n_edges)), axis=0)
    goal_room = jnp.stack([params.room_rows - 1, params.room_cols - 1])
    touches_goal = jnp.all(a == goal_room, -1) | jnp.all(b == goal_room, -1)
    # Extra doors never touch the goal room, so the gate stays its only way in.
    candidate = valid & ~tree & ~touches_goal
    rank = _rank(jnp.where(candidate, rs.take((n_edges,)), 2.0))
    extra = candidate & (rank < params.extra_doors)
    colors = rs.int(0, C.NUM_COLORS, (n_edges,))
    typ, col, st = _put_doors(typ, col, st, rows, cols, pos, colors, tree | extra)
    has_gate = (params.room_rows * params.room_cols) > 1
    gate_edge = parent_edge[jnp.clip(goal_room[0], 0, n - 1), jnp.clip(goal_room[1], 0, n - 1)]
    gate = pos[jnp.clip(gate_edge, 0, n_edges - 1)]
    start = _room_interior(params, rows, cols, 0, 0)
    goal = _room_interior(params, rows, cols, goal_room[0], goal_room[1])
    everywhere = _interior(params, rows, cols)
    return make_layout(typ, col, st, start, goal, everywhere, gate, has_gate)


def _door_cells(rows, cols, pos, enabled) -> jax.Array:
    """Mask of the cells ``pos[k]`` for enabled k."""
    hit = (rows[None] == pos[:, 0, None, None]) & (cols[None] == pos[:, 1, None, None]) & enabled[:, None, None]
    return jnp.any(hit, axis=0)


def _connect_all(u, a, b, connected, candidate, in_grid, start_room) -> jax.Array:
    """MiniGrid's ``connect_all``: candidate edges are added in a uniformly random order until every room
    is reachable from ``start_room``. Returns the added edges.

    (MiniGrid draws a random room and wall each try and skips walls that already have a door, which
    orders the edges uniformly at random; then it stops as soon as the rooms are connected.)
    """
    n = C.MAX_ROOM_GRID
    room_a = jax.nn.one_hot(a[:, 0] * n + a[:, 1], n * n)
    room_b = jax.nn.one_hot(b[:, 0] * n + b[:, 1], n * n)
    rank = _rank(jnp.where(candidate, u, 2.0))
    start = jax.nn.one_hot(start_room[0] * n + start_room[1], n * n) > 0

    def all_reached(k):
        edges = (connected | (candidate & (rank < k))).astype(jnp.float32)
        adj = (room_a * edges[:, None]).T @ room_b
        adj = (adj + adj.T) > 0
        reach = start
        for _ in range(n * n - 1):
            reach = reach | jnp.any(adj & reach[:, None], axis=0)
        return jnp.all(reach | ~in_grid.reshape(-1))

    ok = jax.vmap(all_reached)(jnp.arange(a.shape[0] + 1))
    return candidate & (rank < jnp.argmax(ok))


def layout_key_corridor(key, params: EnvParams, static: StaticEnvParams) -> Layout:
    """KeyCorridor: 3 columns of rooms, the middle column opened into a corridor; a locked door leads
    from the corridor to a random right-hand room (goal side), the key lies in a random left room, and
    MiniGrid's ``connect_all`` adds closed doors (never to the locked room) until every room is reachable."""
    rows, cols = coords(static)
    rs = Stream(key, 48)
    typ, col, st = _room_walls(params, rows, cols)
    s1 = params.room_size - 1
    # open the corridor: the walls between middle rooms, corners excluded
    corridor_walls = (cols > s1) & (cols < 2 * s1) & (rows % s1 == 0) & (rows > 0) & (
        rows < params.room_rows * s1)
    typ = jnp.where(corridor_walls, C.EMPTY, typ)
    col = jnp.where(corridor_walls, 0, col)
    pos, valid, a, b = _room_edges(rs, params)
    n = C.MAX_ROOM_GRID
    j = jnp.arange(n)
    gate_row = rs.int(0, params.room_rows)
    key_row = rs.int(0, params.room_rows)
    gate_edge = _edge_index_v(gate_row, 1)
    edge_ids = jnp.arange(pos.shape[0])
    corridor = jnp.any((edge_ids[:, None] == _edge_index_h(j, 1)[None]) & (j + 1 < params.room_rows)[None], 1)
    gate = edge_ids == gate_edge
    locked_room = jnp.stack([gate_row, jnp.int32(2)])
    touches_locked = jnp.all(a == locked_room, -1) | jnp.all(b == locked_room, -1)
    candidate = valid & ~corridor & ~gate & ~touches_locked
    jj, ii = jnp.meshgrid(j, j, indexing="ij")
    in_grid = (jj < params.room_rows) & (ii < 3)
    agent_room = jnp.stack([params.room_rows // 2, jnp.int32(1)])
    added = _connect_all(rs.take((pos.shape[0],)), a, b, corridor | gate, candidate, in_grid, agent_room)
    colors = rs.int(0, C.NUM_COLORS, (pos.shape[0],))
    typ, col, st = _put_doors(typ, col, st, rows, cols, pos, colors, added | gate)
    # MiniGrid places the agent anywhere in its room's square, walls included: the cells where the
    # corridor's walls were removed count
    start = rect(rows, cols, agent_room[0] * s1, s1, s1 + 1, s1 + 1)
    goal = _room_interior(params, rows, cols, gate_row, 2)
    key_room = _room_interior(params, rows, cols, key_row, 0)
    late = _door_cells(rows, cols, pos, added)
    return make_layout(typ, col, st, start, goal, key_room, pos[gate_edge], True, late=late)


def _multiroom_chain(key, params: EnvParams, target, candidates: int = 8):
    """One attempt of MiniGrid's MultiRoom placement: rooms chained door to door, greedy, no overlap.

    Rooms are (x, y, size_x, size_y) in MiniGrid's (column, row) convention to follow its formulas.
    """
    n_max = C.MAX_CHAIN_ROOMS
    width, height, max_size = params.width, params.height, params.room_size
    rs = Stream(key, 4)
    loop_u = jax.random.uniform(jax.random.fold_in(key, 1), (n_max, 6, candidates))
    x0, y0 = rs.int(0, width - 2), rs.int(0, width - 2)
    sx0, sy0 = rs.int(4, max_size + 1), rs.int(4, max_size + 1)
    ok0 = (x0 + sx0 <= width) & (y0 + sy0 < height)
    first = jnp.arange(n_max) == 0
    rooms = jnp.where(first[:, None], jnp.stack([x0, y0, sx0, sy0])[None], 0).astype(jnp.int32)
    doors = jnp.zeros((n_max, 2), jnp.int32)
    entry_wall = jnp.where(first, 2, 0).astype(jnp.int32)
    count = ok0.astype(jnp.int32)

    def place(idx, carry):
        rooms, doors, entry_wall, count = carry
        prev = rooms[idx - 1]
        uu = loop_u[idx]
        # K candidate (exit wall, door, size, corner) tuples; keep the first that fits
        exit_wall = (entry_wall[idx - 1] + 1 + randint_u(uu[0], 0, 3)) % 4
        off_y = randint_u(uu[1], 1, prev[3] - 1)
        off_x = randint_u(uu[2], 1, prev[2] - 1)
        px, py, psx, psy = prev
        door_x = jnp.select([exit_wall == 0, exit_wall == 1, exit_wall == 2], [px + psx - 1, px + off_x, px],
                            px + off_x)
        door_y = jnp.select([exit_wall == 0, exit_wall == 1, exit_wall == 2], [py + off_y, py + psy - 1, py + off_y],
                            py)
        wall = (exit_wall + 2) % 4
        sx = randint_u(uu[3], 4, max_size + 1)
        sy = randint_u(uu[4], 4, max_size + 1)
        u = uu[5]
        ry = door_y - sy + 2 + jnp.floor(u * jnp.maximum(sy - 2, 1)).astype(jnp.int32)  # [y-sy+2, y)
        rx = door_x - sx + 2 + jnp.floor(u * jnp.maximum(sx - 2, 1)).astype(jnp.int32)
        tx = jnp.select([wall == 0, wall == 1, wall == 2], [door_x - sx + 1, rx, door_x], rx)
        ty = jnp.select([wall == 0, wall == 1, wall == 2], [ry, door_y - sy + 1, ry], door_y)
        fits = (tx >= 0) & (ty >= 0) & (tx + sx <= width) & (ty + sy < height)
        others = rooms[None, :, :]
        separate = ((tx[:, None] + sx[:, None] < others[..., 0]) | (others[..., 0] + others[..., 2] <= tx[:, None])
                    | (ty[:, None] + sy[:, None] < others[..., 1]) | (others[..., 1] + others[..., 3] <= ty[:, None]))
        checked = jnp.arange(n_max)[None, :] < idx - 1  # every earlier room except the one we leave
        fits = fits & jnp.all(separate | ~checked, axis=1)
        pick = jnp.argmax(fits)
        grow = (count == idx) & (idx < target) & jnp.any(fits)
        room = jnp.stack([tx[pick], ty[pick], sx[pick], sy[pick]])
        slot = (jnp.arange(n_max) == idx) & grow
        rooms = jnp.where(slot[:, None], room[None], rooms)
        doors = jnp.where(slot[:, None], jnp.stack([door_x[pick], door_y[pick]])[None], doors)
        entry_wall = jnp.where(slot, wall[pick], entry_wall)
        return rooms, doors, entry_wall, count + grow.astype(jnp.int32)

    rooms, doors, entry_wall, count = jax.lax.fori_loop(1, n_max, place, (rooms, doors, entry_wall, count))
    return rooms, doors, count


def layout_multi_room(key, params: EnvParams, static: StaticEnvParams, attempts: int = 256) -> Layout:
    """MultiRoom: a chain of rooms joined by closed doors, no outer wall; the goal is in the last room.

    As in MiniGrid, whole chains are drawn again until one reaches the room count, keeping the longest.
    ``attempts`` only bounds the loop (N6 needs about 4.5 on average; 256 all fail with probability
    below 1e-27). Under ``vmap`` every level waits for the slowest, so other layouts ask for no room."""
    rows, cols = coords(static)
    target = randint_u(jax.random.uniform(jax.random.fold_in(key, attempts + 1)), params.min_rooms,
                       params.max_rooms + 1)
    target = jnp.where(params.layout == C.L_MULTI_ROOM, target, 0)

    def attempt(carry):
        i, rooms, doors, count = carry
        new_rooms, new_doors, new_count = _multiroom_chain(jax.random.fold_in(key, i), params, target)
        better = new_count > count
        return (i + 1, jnp.where(better, new_rooms, rooms), jnp.where(better, new_doors, doors),
                jnp.maximum(new_count, count))

    init = (jnp.int32(0), jnp.zeros((C.MAX_CHAIN_ROOMS, 4), jnp.int32), jnp.zeros((C.MAX_CHAIN_ROOMS, 2), jnp.int32),
            jnp.int32(0))
    _, rooms, doors, count = jax.lax.while_loop(lambda c: (c[3] < target) & (c[0] < attempts), attempt, init)
    active = (rows < params.height) & (cols < params.width)
    valid = jnp.arange(C.MAX_CHAIN_ROOMS) < count
    outlines = jax.vmap(lambda r: border(rows, cols, r[1], r[0], r[3], r[2]))(rooms)
    walls = jnp.any(outlines & valid[:, None, None], axis=0)
    typ = jnp.where(active & ~walls, C.EMPTY, C.WALL).astype(jnp.int32)
    col = jnp.where(typ == C.WALL, C.GREY, 0).astype(jnp.int32)
    st = jnp.zeros_like(typ)
    # each door's colour differs from the previous door's
    steps = randint_u(jax.random.uniform(jax.random.fold_in(key, attempts), (C.MAX_CHAIN_ROOMS,)), 1,
                      C.NUM_COLORS)
    colors = jnp.cumsum(steps) % C.NUM_COLORS
    door_rc = doors[:, ::-1]
    enabled = valid & (jnp.arange(C.MAX_CHAIN_ROOMS) > 0)
    typ, col, st = _put_doors(typ, col, st, rows, cols, door_rc, colors, enabled)
    first, last = rooms[0], rooms[jnp.maximum(count - 1, 0)]
    start = rect(rows, cols, first[1] + 1, first[0] + 1, first[3] - 2, first[2] - 2)
    goal = rect(rows, cols, last[1] + 1, last[0] + 1, last[3] - 2, last[2] - 2)
    gate = door_rc[jnp.maximum(count - 1, 0)]
    return make_layout(typ, col, st, start, goal, active, gate, count > 1)


def _obstacle_color(params: EnvParams):
    return jnp.where(params.obstacle_type == C.LAVA, C.RED, C.GREY)


def layout_crossing(key, params: EnvParams, static: StaticEnvParams) -> Layout:
    """LavaCrossing / SimpleCrossing: full rivers of lava (or wall) on even rows/columns, opened along one
    random monotone path from the top-left to the bottom-right."""
    rows, cols = coords(static)
    typ, col, st = _base(params, rows, cols)
    m = (max(static.max_height, static.max_width) - 3) // 2  # candidate rivers per direction
    rs = Stream(key, 8 * m)
    cand = 2 + 2 * jnp.arange(m)
    # candidates: m vertical (x = cand) then m horizontal (y = cand)
    valid = jnp.concatenate([cand < params.width - 2, cand < params.height - 2])
    rank = _rank(jnp.where(valid, rs.take((2 * m,)), 2.0))
    chosen = valid & (rank < params.num_crossings)
    is_v, is_h = chosen[:m], chosen[m:]
    v_pos = jnp.sort(jnp.where(is_v, cand, BIG))
    h_pos = jnp.sort(jnp.where(is_h, cand, BIG))
    nv, nh = jnp.sum(is_v), jnp.sum(is_h)
    inside = _interior(params, rows, cols)
    river = inside & (jnp.any((cols[..., None] == v_pos) & (v_pos < BIG), -1)
                      | jnp.any((rows[..., None] == h_pos) & (h_pos < BIG), -1))
    # path: nv moves across vertical rivers and nh across horizontal ones, in random order
    moves = jnp.where(jnp.arange(2 * m) < nv, 0, jnp.where(jnp.arange(2 * m) < nv + nh, 1, 2))
    moves = moves[_order(jnp.where(moves < 2, rs.take((2 * m,)), 2.0))]

    def lim_x(k):
        return jnp.where(k == 0, 0, jnp.where(k <= nv, v_pos[jnp.clip(k - 1, 0, m - 1)], params.width - 1))

    def lim_y(k):
        return jnp.where(k == 0, 0, jnp.where(k <= nh, h_pos[jnp.clip(k - 1, 0, m - 1)], params.height - 1))

    def step(carry, inp):
        ri, rj = carry
        move, u = inp
        across_v = move == 0
        y = randint_u(u[0], lim_y(rj) + 1, lim_y(rj + 1))
        x = randint_u(u[1], lim_x(ri) + 1, lim_x(ri + 1))
        cell = jnp.where(across_v, jnp.stack([y, lim_x(ri + 1)]), jnp.stack([lim_y(rj + 1), x]))
        cell = jnp.where(move < 2, cell, BIG)
        return (ri + across_v.astype(jnp.int32), rj + (move == 1).astype(jnp.int32)), cell

    _, openings = jax.lax.scan(step, (jnp.int32(0), jnp.int32(0)), (moves, rs.take((2 * m, 2))))
    opened = jnp.any((rows[None] == openings[:, 0, None, None]) & (cols[None] == openings[:, 1, None, None]), 0)
    river = river & ~opened
    typ = jnp.where(river, params.obstacle_type, typ)
    col = jnp.where(river, _obstacle_color(params), col)
    return make_layout(typ, col, st, inside, inside, inside)


def layout_lava_gap(key, params: EnvParams, static: StaticEnvParams) -> Layout:
    """LavaGap: one vertical strip of lava (or wall) at a random column with a single gap."""
    rows, cols = coords(static)
    typ, col, st = _base(params, rows, cols)
    rs = Stream(key, 2)
    gx, gy = rs.int(2, params.width - 2), rs.int(1, params.height - 1)
    inside = _interior(params, rows, cols)
    strip = inside & (cols == gx) & (rows != gy)
    typ = jnp.where(strip, params.obstacle_type, typ)
    col = jnp.where(strip, _obstacle_color(params), col)
    return make_layout(typ, col, st, inside & (cols < gx), inside & (cols > gx), inside)


def layout_obstacles(key, params: EnvParams, static: StaticEnvParams) -> Layout:
    """One room with random obstacle cells (lava or wall) at ``obstacle_density``; may be unsolvable."""
    rows, cols = coords(static)
    typ, col, st = _base(params, rows, cols)
    inside = _interior(params, rows, cols)
    blocked = inside & (jax.random.uniform(key, inside.shape) < params.obstacle_density)
    typ = jnp.where(blocked, params.obstacle_type, typ)
    col = jnp.where(blocked, _obstacle_color(params), col)
    return make_layout(typ, col, st, inside, inside, inside)


def _edge_of(room: jax.Array, direction: int) -> jax.Array:
    """Index of the wall leaving room ``(row, col)`` in a direction (0 right, 1 down, 2 left, 3 up)."""
    r, c = room[0], room[1]
    return [_edge_index_v(r, c), _edge_index_h(r, c), _edge_index_v(r, c - 1), _edge_index_h(r - 1, c)][direction]


def _room_rect(params: EnvParams, rows, cols, room):
    """A room's square including its walls (MiniGrid's ``place_in_room`` samples there; walls are never empty)."""
    s1 = params.room_size - 1
    return rect(rows, cols, room[0] * s1, room[1] * s1, s1 + 1, s1 + 1)


# ObstructedMaze's rooms as (row, col): side rooms in MiniGrid's order, then the corner rooms
_OM_SIDES = np.array([[1, 2], [2, 1], [1, 0], [0, 1]], np.int32)
_OM_CORNERS = np.array([[0, 2], [2, 2], [2, 0], [0, 0]], np.int32)


def layout_obstructed_maze(key, params: EnvParams, static: StaticEnvParams) -> Layout:
    """ObstructedMaze 2D*/1Q/2Q/Full: 3x3 rooms. The middle room opens to ``quarters`` side rooms; each
    side room has locked doors to its two corner rooms, their keys (in grey boxes with ``key_in_box_prob``)
    inside it and, with ``blocker``, a ball in front of each locked door. The ball to find (the mission
    object) lies in a random corner of the used quarters.

    With ``keys_after_blockers`` (v1) both blockers of a side room are placed before its keys; otherwise
    (v0) a key is placed right after its door, and the next door's blocker can overwrite it, as in v0.
    """
    rows, cols = coords(static)
    k_edges, k_cells = jax.random.split(key)
    rs = Stream(k_edges, 48)
    typ, col, st = _room_walls(params, rows, cols)
    cont = jnp.zeros_like(typ)
    pos, _, _, _ = _room_edges(rs, params)
    door_colors = _order(rs.take((C.NUM_COLORS,)))        # a random order of the six colours
    in_box = rs.bernoulli(params.key_in_box_prob, (4, 2))
    block_color = _random_color(rs, params.blocker_color)
    cell_u = jax.random.uniform(k_cells, (4, 2))
    middle = jnp.array([1, 1], jnp.int32)
    dirs = jnp.asarray(C.DIR_TO_VEC)

    def door(typ, col, st, edge, color, state, active):
        return _put_doors(typ, col, st, rows, cols, pos[edge][None], color[None], active[None], state)

    def put_key(grid, side, i, k, active):
        typ, col, st, cont = grid
        color = door_colors[(i + k) % C.NUM_COLORS]
        free = _room_rect(params, rows, cols, side) & (typ == C.EMPTY)
        cell, ok = sample_cell(cell_u[i, (k + 1) // 2], free)
        boxed = in_box[i, (k + 1) // 2]
        value = (jnp.where(boxed, C.BOX, C.KEY), jnp.where(boxed, C.GREY, color), 0,
                 jnp.where(boxed, C.KEY * 8 + color, 0))
        return _write(typ, col, st, cont, cell, value, active & ok)

    for i in range(4):
        active = i < params.quarters
        side = jnp.asarray(_OM_SIDES[i])
        typ, col, st = door(typ, col, st, _edge_of(middle, i), door_colors[i], C.CLOSED, active)
        for k in (-1, 1):
            d = (i + k) % 4
            edge = _edge_of(side, d)
            typ, col, st = door(typ, col, st, edge, door_colors[(i + k) % C.NUM_COLORS], C.LOCKED, active)
            blocker = pos[edge] - dirs[d]
            typ, col, st, cont = _write(typ, col, st, cont, blocker, (C.BALL, block_color, 0, 0),
                                        active & params.blocker)
            typ, col, st, cont = put_key((typ, col, st, cont), side, i, k, active & ~params.keys_after_blockers)
        for k in (-1, 1):
            typ, col, st, cont = put_key((typ, col, st, cont), side, i, k, active & params.keys_after_blockers)

    corner = jnp.asarray(_OM_CORNERS)[rs.int(0, jnp.clip(params.quarters, 1, 4))]
    start = _room_rect(params, rows, cols, params.start_room)
    goal = _room_interior(params, rows, cols, corner[0], corner[1])
    return make_layout(typ, col, st, start, goal, start, cont=cont)


def layout_red_blue_doors(key, params: EnvParams, static: StaticEnvParams) -> Layout:
    """RedBlueDoors: an N x N walled room in the middle of a 2N x N grid, a closed door of the mission's
    first colour (red) at a random row of its left wall and one of the second colour (blue) on its right."""
    rows, cols = coords(static)
    rs = Stream(key, 2)
    typ, col, st = _base(params, rows, cols)
    n = params.height
    inner = border(rows, cols, 0, n // 2, n, n)
    typ = jnp.where(inner, C.WALL, typ)
    col = jnp.where(inner, C.GREY, col)
    first = jnp.stack([rs.int(1, n - 1), n // 2])
    second = jnp.stack([rs.int(1, n - 1), n // 2 + n - 1])
    colors = jnp.stack([jnp.where(params.mission[2] >= 0, params.mission[2], C.RED),
                        jnp.where(params.mission[4] >= 0, params.mission[4], C.BLUE)])
    typ, col, st = _put_doors(typ, col, st, rows, cols, jnp.stack([first, second]), colors, jnp.array([True, True]))
    start = rect(rows, cols, 1, n // 2 + 1, n - 2, n - 2)
    return make_layout(typ, col, st, start, start, start, target_pos=second, other_pos=first)


def layout_locked_room(key, params: EnvParams, static: StaticEnvParams) -> Layout:
    """LockedRoom: a central corridor between three rooms on each side, each with a door of a distinct
    colour; one room is locked (the goal side) and the key to it lies in another room."""
    rows, cols = coords(static)
    k_scalars, k_cell = jax.random.split(key)
    rs = Stream(k_scalars, 8)
    typ, col, st = _base(params, rows, cols)
    h, w = params.height, params.width
    lw, rw, third = w // 2 - 2, w // 2 + 2, h // 3
    active = (rows < h) & (cols < w)
    walls = active & ((cols == lw) | (cols == rw) | ((rows % third == 0) & ((cols < lw) | (cols > rw))))
    typ = jnp.where(walls, C.WALL, typ)
    col = jnp.where(walls, C.GREY, col)
    # rooms in MiniGrid's order: (top-left, top-right, middle-left, ...)
    room_row = jnp.arange(6) // 2 * third
    room_left = jnp.arange(6) % 2 == 0
    doors = jnp.stack([room_row + 3, jnp.where(room_left, lw, rw)], -1)
    colors = _order(rs.take((C.NUM_COLORS,)))
    locked = rs.int(0, 6)
    key_room = (locked + 1 + rs.int(0, 5)) % 6
    typ, col, st = _put_doors(typ, col, st, rows, cols, doors, colors, jnp.ones(6, bool))
    st = jnp.where(at(rows, cols, doors[locked]), C.LOCKED, st)

    def interior(m):
        return rect(rows, cols, room_row[m] + 1, jnp.where(room_left[m], 1, rw + 1), third - 1, lw - 1)

    key_pos, _ = sample_cell(jax.random.uniform(k_cell), interior(key_room))
    typ, col, st, _ = _write(typ, col, st, jnp.zeros_like(typ), key_pos, (C.KEY, colors[locked], 0, 0),
                             jnp.array(True))
    corridor = rect(rows, cols, 1, lw + 1, h - 2, rw - lw - 1)
    return make_layout(typ, col, st, corridor, interior(locked), corridor,
                       colors=jnp.stack([colors[locked], colors[key_room]]))


def layout_memory(key, params: EnvParams, static: StaticEnvParams) -> Layout:
    """Memory: a start room with a green key or ball, a hallway, and a split at its end with a green key
    and ball in random order; the cell next to the matching one succeeds, the other ends the episode."""
    rows, cols = coords(static)
    rs = Stream(key, 4)
    typ, col, st = _base(params, rows, cols)
    size = params.height
    mid, up, low = size // 2, size // 2 - 2, size // 2 + 2
    end = jnp.where(params.hallway_end >= 0, params.hallway_end, rs.int(4, size - 2))
    walls = (((rows == up) | (rows == low)) & (cols >= 1) & (cols <= 4)) \
        | (((rows == up + 1) | (rows == low - 1)) & (cols >= 4) & (cols < end)) \
        | ((cols == end) & (rows != mid)) | (cols == end + 2)
    walls = walls & (rows < size) & (cols < size)
    typ = jnp.where(walls, C.WALL, typ)
    col = jnp.where(walls, C.GREY, col)
    shown = jnp.where(rs.bernoulli(0.5), C.KEY, C.BALL)
    upper = jnp.where(rs.bernoulli(0.5), C.BALL, C.KEY)
    lower = C.KEY + C.BALL - upper
    cont = jnp.zeros_like(typ)
    for pos, kind in (((mid - 1, 1), shown), ((up, end + 1), upper), ((low, end + 1), lower)):
        typ, col, st, cont = _write(typ, col, st, cont, jnp.stack(pos), (kind, C.GREEN, 0, 0), jnp.array(True))
    above, below = jnp.stack([mid - 1, end + 1]), jnp.stack([mid + 1, end + 1])
    match_upper = shown == upper
    start = (rows == mid) & (cols >= 1) & (cols <= end)
    return make_layout(typ, col, st, start, start, start, target_pos=jnp.where(match_upper, above, below),
                       other_pos=jnp.where(match_upper, below, above))


def layout_playground(key, params: EnvParams, static: StaticEnvParams) -> Layout:
    """Playground: 3x3 rooms with a closed door of random colour in every inner wall (MiniGrid's offsets
    stop one cell short of the far corner); start and objects anywhere."""
    rows, cols = coords(static)
    rs = Stream(key, 32)
    typ, col, st = _room_walls(params, rows, cols)
    pos, valid, _, _ = _room_edges(rs, params, trim=1)
    colors = rs.int(0, C.NUM_COLORS, (pos.shape[0],))
    typ, col, st = _put_doors(typ, col, st, rows, cols, pos, colors, valid)
    inside = _interior(params, rows, cols)
    return make_layout(typ, col, st, inside, inside, inside)


LAYOUTS = (layout_empty, layout_two_rooms, layout_four_rooms, layout_room_grid, layout_multi_room,
           layout_crossing, layout_lava_gap, layout_obstacles, layout_key_corridor, layout_obstructed_maze,
           layout_red_blue_doors, layout_locked_room, layout_memory, layout_playground)
assert len(LAYOUTS) == len(C.LAYOUT_NAMES)


# -- placement -----------------------------------------------------------------------------------

def walkable_for_search(typ: jax.Array, st: jax.Array) -> jax.Array:
    """Cells a search may cross: floor-like cells, unlocked doors and movable objects (not goal/lava)."""
    movable = (typ == C.KEY) | (typ == C.BALL) | (typ == C.BOX)
    door_ok = (typ == C.DOOR) & (st != C.LOCKED)
    return (typ == C.EMPTY) | (typ == C.FLOOR) | door_ok | movable


def _write(typ, col, st, cont, pos, values, pred):
    """Set one cell to (type, colour, state, contents) when ``pred`` holds; otherwise leave it."""
    rows, cols = jnp.meshgrid(jnp.arange(typ.shape[0]), jnp.arange(typ.shape[1]), indexing="ij")
    here = (rows == pos[0]) & (cols == pos[1]) & pred
    t, k, s, n = values
    return (jnp.where(here, t, typ), jnp.where(here, k, col), jnp.where(here, s, st), jnp.where(here, n, cont))


def _near(rows, cols, mask):
    """Cells within Chebyshev distance 1 of a cell of ``mask``."""
    d = dilate4(mask)
    pad = jnp.pad(mask, 1)
    return d | pad[:-2, :-2] | pad[:-2, 2:] | pad[2:, :-2] | pad[2:, 2:]


def _random_color(rs: Stream, color):
    return jnp.where(color < 0, rs.int(0, C.NUM_COLORS), color).astype(jnp.int32)


def _random_type(rs: Stream, typ):
    pick = jnp.array(C.PICKABLE)[rs.int(0, 3)]
    return jnp.where(typ < 0, pick, typ).astype(jnp.int32)


def draw_rects(params: EnvParams, rows, cols, typ, col):
    """Draw the config's lava/wall rectangles (``params.rects``: x, y, width, height, type) over the layout."""
    for r in range(C.MAX_RECTS):
        x, y, w, h, kind = (params.rects[r, i] for i in range(5))
        hit = rect(rows, cols, y, x, h, w) & (kind > 0)
        typ = jnp.where(hit, kind, typ)
        col = jnp.where(hit, jnp.where(kind == C.LAVA, C.RED, C.GREY), col)
    return typ, col


def _front_cells(typ: jax.Array) -> jax.Array:
    """``[4, H, W]``: the type of the cell in front of each cell for each direction (wall off the grid)."""
    pad = jnp.pad(typ, 1, constant_values=C.WALL)
    return jnp.stack([pad[1:-1, 2:], pad[2:, 1:-1], pad[1:-1, :-2], pad[:-2, 1:-1]])


def layout_index(params: EnvParams) -> jax.Array:
    """The index into ``LAYOUTS`` a config uses (out-of-range ids clamp, as ``lax.switch`` does)."""
    return jnp.clip(params.layout, 0, len(LAYOUTS) - 1)


def draw_layout(key: jax.Array, params: EnvParams, static: StaticEnvParams) -> Layout:
    """The config's layout; under ``vmap`` only the layout kinds the batch uses run (a ``lax.switch``
    would run all of them for every level)."""
    return batch_switch(layout_index(params), [lambda k, p, f=f: f(k, p, static) for f in LAYOUTS], key, params)


_COMBOS = np.arange(3)[:, None] * C.NUM_COLORS + np.arange(C.NUM_COLORS)[None]  # (type, colour) ids


def _place_key(grid, gate_here, key_area, agent_mask, avoid, u, in_box, gate_color):
    """The locked gate's key (or a box holding it) on the side the agent reaches with the gate shut,
    off the cells in ``avoid``."""
    typ, col, st, cont = grid
    reach = flood(walkable_for_search(typ, st) & ~gate_here, agent_mask)
    key_pos, key_ok = sample_cell(u, reach & key_area & (typ == C.EMPTY) & ~agent_mask & ~avoid)
    key_cell = (jnp.where(in_box, C.BOX, C.KEY), jnp.where(in_box, C.GREY, gate_color), 0,
                jnp.where(in_box, C.KEY * 8 + gate_color, 0))
    return _write(typ, col, st, cont, key_pos, key_cell, key_ok)


def _place_objects(grid, params: EnvParams, agent_mask, avoid, used0, key):
    """Moving obstacles (blue balls, Dynamic-Obstacles) then distractors: random (type, colour) from the
    allowed sets, optionally distinct and spaced apart, anywhere the agent could walk to with every door
    open (never outside MultiRoom's rooms) except the cells in ``avoid``. ``used0`` marks the (type,
    colour) of a spawned mission object."""
    typ, col, st, cont = grid
    rows, cols = coords_like(typ)
    area = flood(walkable_for_search(typ, st) | (typ == C.DOOR), agent_mask)
    obj_u = jax.random.uniform(key, (C.MAX_DISTRACTORS, 2))

    def add(i, carry):
        typ, col, st, cont, used = carry
        obstacle = i < params.moving_obstacles
        allowed = params.distractor_types[:, None] & params.distractor_colors[None, :]
        allowed = allowed & ~(used & params.distinct_objects)
        combo = sample_index(obj_u[i, 0], allowed.reshape(-1))
        objects = (typ == C.KEY) | (typ == C.BALL) | (typ == C.BOX)
        free = (typ == C.EMPTY) & area & ~agent_mask & ~avoid
        free = free & ~(_near(rows, cols, objects) & params.objects_apart & ~obstacle)
        pos, ok = sample_cell(obj_u[i, 1], free)
        put_object = (i < params.moving_obstacles + params.num_distractors) & ok & jnp.any(allowed)
        t = jnp.where(obstacle, C.BALL, combo // C.NUM_COLORS + C.KEY)
        c = jnp.where(obstacle, C.BLUE, combo % C.NUM_COLORS)
        typ, col, st, cont = _write(typ, col, st, cont, pos, (t, c, 0, jnp.where(obstacle, C.MOVING_BIT, 0)),
                                    put_object | (obstacle & ok))
        used = used | ((combo == _COMBOS) & put_object & ~obstacle)
        return typ, col, st, cont, used

    return jax.lax.fori_loop(0, C.MAX_DISTRACTORS, add, (typ, col, st, cont, used0))[:4]


def _next_to_default_agent(params: EnvParams, rows, cols) -> jax.Array:
    """Cells MiniGrid's RoomGrid never puts an object on (``add_object``'s ``reject_next_to``): the agent's
    cell and its four neighbours. RoomGrid places objects before the agent, so the position that
    check reads is still the default ``RoomGrid._gen_grid`` sets, the centre cell of the middle room, not
    where the agent will start. On UnlockPickup, BlockedUnlockPickup and ObstructedMaze-1D* that is
    inside the room of the object to pick up, which can then take 11 of its 16 cells. Only the RoomGrid
    layouts (room_grid, key_corridor, obstructed_maze) have this rule."""
    s1 = params.room_size - 1
    half = params.room_size // 2
    row = (params.room_rows // 2) * s1 + half
    col = (params.room_cols // 2) * s1 + half
    index = layout_index(params)
    room_grid = (index == C.L_ROOM_GRID) | (index == C.L_KEY_CORRIDOR) | (index == C.L_OBSTRUCTED_MAZE)
    return (jnp.abs(rows - row) + jnp.abs(cols - col) < 2) & room_grid


def _redraw_agent(typ, late, start, params: EnvParams, u, agent_pos, agent_dir):
    """RoomGrid's agent placement: a uniform (cell, direction) of the start area whose front cell is empty
    or a wall (doors that ``connect_all`` adds afterwards were walls then); unchanged if there is none."""
    height = typ.shape[0]
    facing = _front_cells(jnp.where(late, C.WALL, typ))
    front_ok = (facing == C.EMPTY) | (facing == C.WALL)
    dir_ok = (params.agent_dir < 0) | (jnp.arange(4) == params.agent_dir)
    pairs = front_ok & dir_ok[:, None, None] & (start & (typ == C.EMPTY))[None]
    pair, ok = sample_cell(u, pairs.reshape(4 * height, typ.shape[1]))  # rows: direction * height + row
    return (jnp.where(ok, jnp.stack([pair[0] % height, pair[1]]), agent_pos).astype(jnp.int32),
            jnp.where(ok, pair[0] // height, agent_dir).astype(jnp.int32))


def generate_level(key: jax.Array, params: EnvParams, static: StaticEnvParams) -> Level:
    """Generate one level from a config (jit/vmap-able; one compile serves every config)."""
    rows, cols = coords(static)
    k_layout, k_scalars, k_cells, k_objects = jax.random.split(key, 4)
    rs = Stream(k_scalars, 16)
    cell_u = jax.random.uniform(k_cells, (7,))  # one uniform per sampled cell
    lay = draw_layout(k_layout, params, static)
    typ, col, st, cont = lay.typ, lay.col, lay.st, lay.cont
    typ, col = draw_rects(params, rows, cols, typ, col)

    # gate: colour from the config (or random), locked with the configured probability
    gate_color = jnp.where(params.door_color >= 0, params.door_color,
                           rs.int(0, C.NUM_COLORS))
    locked = lay.has_gate & rs.bernoulli(params.door_locked_prob)
    gate_here = at(rows, cols, lay.gate_pos) & lay.has_gate & (typ == C.DOOR)
    col = jnp.where(gate_here, gate_color, col)
    st = jnp.where(gate_here, jnp.where(locked, C.LOCKED, C.CLOSED), st)

    # blocker ball on the start side of the gate (BlockedUnlockPickup, ObstructedMaze "b")
    nbrs = lay.gate_pos[None] + jnp.asarray(C.DIR_TO_VEC)
    nb_ok = lay.start[jnp.clip(nbrs[:, 0], 0, static.max_height - 1), jnp.clip(nbrs[:, 1], 0, static.max_width - 1)]
    nb_ok = nb_ok & (typ[jnp.clip(nbrs[:, 0], 0, static.max_height - 1),
                         jnp.clip(nbrs[:, 1], 0, static.max_width - 1)] == C.EMPTY)
    block_pos = nbrs[jnp.argmax(nb_ok)]
    place_block = params.blocker & lay.has_gate & jnp.any(nb_ok)
    block_color = _random_color(rs, params.blocker_color)
    typ, col, st, cont = _write(typ, col, st, cont, block_pos, (C.BALL, block_color, 0, 0), place_block)

    # agent: fixed or random in the start area; never on a fixed goal cell
    height, width = params.height, params.width
    goal_fixed = resolve_pos(params.goal_pos, height, width)
    goal_fixed_mask = at(rows, cols, goal_fixed) & params.place_goal & ~params.goal_random
    agent_sample, _ = sample_cell(cell_u[0], lay.start & (typ == C.EMPTY) & ~goal_fixed_mask)
    agent_pos = jnp.where(params.agent_random, agent_sample, resolve_pos(params.agent_pos, height, width))
    agent_dir = jnp.where(params.agent_dir < 0, rs.int(0, 4), params.agent_dir)
    agent_mask = at(rows, cols, agent_pos)

    # goal tile
    goal_sample, _ = sample_cell(cell_u[1], lay.goal & (typ == C.EMPTY) & ~agent_mask)
    goal_pos = jnp.where(params.goal_random, goal_sample, goal_fixed)
    typ, col, st, cont = _write(typ, col, st, cont, goal_pos, (C.GOAL, C.GREEN, 0, 0), params.place_goal)

    # mission object in the goal area (KeyCorridor's ball, UnlockPickup's box), marked as the target;
    # it, the key and distractors avoid where RoomGrid's default agent position rejects objects
    m_type = _random_type(rs, params.mission[1])
    m_color = _random_color(rs, params.mission[2])
    avoid = _next_to_default_agent(params, rows, cols)
    spawn_pos, spawn_ok = sample_cell(cell_u[2], lay.goal & (typ == C.EMPTY) & ~agent_mask & ~avoid)
    spawn = params.spawn_object & spawn_ok
    typ, col, st, cont = _write(typ, col, st, cont, spawn_pos, (m_type, m_color, 0, C.TARGET_BIT), spawn)

    # key of a locked gate: on the side reachable from the agent with the gate shut
    in_box = rs.bernoulli(params.key_in_box_prob)
    grid = batch_cond(locked, _place_key, lambda grid, *_: grid, (typ, col, st, cont), gate_here, lay.key, agent_mask,
                      avoid, cell_u[3], in_box, gate_color)

    # moving obstacles (blue balls, Dynamic-Obstacles) then distractors (a batch without any skips them)
    used0 = ((m_type - C.KEY) * C.NUM_COLORS + m_color == _COMBOS) & spawn
    grid = batch_cond(params.moving_obstacles + params.num_distractors > 0, _place_objects, lambda grid, *_: grid,
                      grid, params, agent_mask, avoid, used0, k_objects)
    typ, col, st, cont = grid

    # MiniGrid's RoomGrid places the agent last, again and again until it does not face an object
    agent_pos, agent_dir = batch_cond(params.agent_random & params.agent_not_facing, _redraw_agent,
                                      lambda typ, late, start, params, u, pos, d: (pos, d),
                                      typ, lay.late, lay.start, params, cell_u[6], agent_pos, agent_dir)
    agent_mask = at(rows, cols, agent_pos)

    mission, target_pos, cont = resolve_mission(cell_u[4:6], params, lay, typ, col, cont, agent_mask, m_type,
                                                m_color, spawn, spawn_pos, gate_color)
    grid = jnp.stack([typ, col, st, cont], -1).astype(jnp.uint8)
    return Level(grid=grid, agent_pos=agent_pos.astype(jnp.int32), agent_dir=agent_dir.astype(jnp.int32),
                 mission=mission, target_pos=target_pos.astype(jnp.int32), other_pos=lay.other_pos)


def resolve_mission(cell_u, params: EnvParams, lay: Layout, typ, col, cont, agent_mask, m_type, m_color,
                    spawned, spawn_pos, gate_color):
    """Fill random mission slots from the level and fix the target as MiniGrid does.

    Returns ``(mission, target_pos, cont)``: a random present object of the asked type/colour is the
    target; go_to and put_near remember where their target was placed, and a pickup target is marked
    with ``TARGET_BIT`` (the spawned object, or every object of the named type and colour, as Fetch).
    """
    kind = params.mission[0]
    pickable = (typ == C.KEY) | (typ == C.BALL) | (typ == C.BOX)
    want_t, want_c = params.mission[1], params.mission[2]
    type_ok = jnp.where(want_t < 0, pickable, typ == want_t)
    match = type_ok & ((want_c < 0) | (col == want_c)) & ~agent_mask
    pos, found = sample_cell(cell_u[0], match)
    obj_t = jnp.where(spawned, m_type, jnp.where(found, typ[pos[0], pos[1]], m_type))
    obj_c = jnp.where(spawned, m_color, jnp.where(found, col[pos[0], pos[1]], m_color))
    obj_pos = jnp.where(spawned, spawn_pos, pos)
    # door missions with a random colour name the gate when there is one (Unlock: "open the door")
    is_door = (kind == C.M_OPEN_DOOR) | (kind == C.M_UNLOCK_DOOR)
    door_c = jnp.where(want_c >= 0, want_c, jnp.where(lay.has_gate, gate_color, obj_c))
    obj_t = jnp.where(is_door, C.DOOR, obj_t)
    obj_c = jnp.where(is_door, door_c, obj_c)
    # goal missions: the green goal square (LockedRoom's text also names the key and the rooms)
    is_goal = kind == C.M_REACH_GOAL
    named = lay.colors[0] >= 0
    obj_t = jnp.where(is_goal, jnp.where(named, C.KEY, C.GOAL), obj_t)
    obj_c = jnp.where(is_goal, jnp.where(named, lay.colors[0], C.GREEN), obj_c)
    # put-near target: another present object (PutNear picks both among the placed ones)
    tgt_t, tgt_c = params.mission[3], params.mission[4]
    obj_here = (typ == obj_t) & (col == obj_c)
    t_ok = jnp.where(tgt_t <= 0, pickable, typ == tgt_t) & ((tgt_c < 0) | (col == tgt_c)) & ~obj_here
    tpos, tfound = sample_cell(cell_u[1], t_ok)
    tgt_t = jnp.where((tgt_t <= 0) & tfound, typ[tpos[0], tpos[1]], tgt_t)
    tgt_c = jnp.where((tgt_c < 0) & tfound, col[tpos[0], tpos[1]], tgt_c)
    is_put = kind == C.M_PUT_NEAR
    keep_target = is_put | (is_goal & named) | (kind == C.M_OPEN_IN_ORDER)
    tgt_t = jnp.where(is_goal & named, 0, jnp.where(keep_target, tgt_t, 0))
    tgt_c = jnp.where(is_goal & named, lay.colors[1], jnp.where(keep_target, tgt_c, 0))
    # open_in_order names two door colours; match and none name nothing
    in_order = kind == C.M_OPEN_IN_ORDER
    obj_t = jnp.where(in_order, C.DOOR, obj_t)
    tgt_t = jnp.where(in_order, C.DOOR, tgt_t)
    obj_c = jnp.where(in_order, jnp.where(want_c >= 0, want_c, C.RED), obj_c)
    tgt_c = jnp.where(in_order, jnp.where(params.mission[4] >= 0, params.mission[4], C.BLUE), tgt_c)
    silent = (kind == C.M_MATCH) | (kind == C.M_NONE)
    mission = jnp.where(silent, jnp.stack([kind, 0, 0, 0, 0]), jnp.stack([kind, obj_t, obj_c, tgt_t, tgt_c]))
    target_pos = jnp.where(lay.has_target, lay.target_pos, jnp.where(is_put, tpos, obj_pos))
    # pickup targets: the spawned object, else every object of the named type and colour
    marked = jnp.where(spawned, at(*coords_like(typ), spawn_pos), obj_here & pickable) & (kind == C.M_PICKUP)
    cont = jnp.where(marked, cont | C.TARGET_BIT, cont & ~C.TARGET_BIT)
    return mission.astype(jnp.int32), target_pos, cont


def coords_like(grid: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Row and column index grids of a ``[H, W]`` array's shape."""
    rows, cols = jnp.meshgrid(jnp.arange(grid.shape[0]), jnp.arange(grid.shape[1]), indexing="ij")
    return rows, cols
