"""World generation: EnvParams -> Level. Runs once per level (never inside ``step``)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from envgen.envs.crafter import noise
from envgen.envs.crafter.constants import (
    CHUNK,
    COAL,
    DIAMOND,
    FURNACE,
    GRASS,
    IRON,
    LAVA,
    PATH,
    PLANT,
    PLANT_RIPE_AGE,
    SAND,
    STONE,
    TABLE,
    TREE,
    WATER,
)
from envgen.envs.crafter.state import EnvParams, Level, Mobs, Plants, StaticEnvParams, num_chunks


def _first(conditions, choices, default):
    """``jnp.select`` as nested ``where``: the first true condition picks (``select``'s argmax over
    stacked conditions does not fuse on CPU and measured 20x slower here)."""
    out = jnp.asarray(default, jnp.int32)
    for cond, choice in zip(conditions[::-1], choices[::-1], strict=True):
        out = jnp.where(cond, jnp.asarray(choice, jnp.int32), out)
    return out


def generate_materials(key: jax.Array, params: EnvParams, static: StaticEnvParams):
    """Crafter's per-tile material rules over noise fields; returns (map, tunnels) indexed [x, y]."""
    n = static.map_size
    s = noise.seed(key)
    xs, ys = jnp.meshgrid(jnp.arange(n, dtype=jnp.float32), jnp.arange(n, dtype=jnp.float32), indexing="ij")
    cx = cy = n // 2
    f = lambda z, sizes, normalize=True: noise.field(s, xs, ys, z, sizes, normalize)
    # a one-octave field compared with a threshold: the threshold moves into raw noise space once
    above = lambda z, size, t, x=xs, y=ys: noise.above(s, x, y, z, size, t)
    uniform = lambda salt: noise.uniform(noise.subseed(s, salt), (n, n))

    start = 4.0 - jnp.sqrt((xs - cx) ** 2 + (ys - cy) ** 2) + 2.0 * f(8, 3)
    start = jax.nn.sigmoid(start)
    water = (f(3, {15: 1.0, 5: 0.15}, False) + 0.1) * params.water_gain - 2.0 * start
    mountain_raw = f(0, {15: 1.0, 5: 0.3})
    mountain_raw = jnp.where(params.mountain_abs, jnp.abs(mountain_raw) * 2.0, mountain_raw)
    mountain = mountain_raw * params.mountain_gain - 4.0 * start - 0.3 * water

    cave = above(6, 7, params.cave_threshold) & (mountain > params.cave_min_mountain)
    h_tunnel = above(7, 3, params.tunnel_threshold, 2 * xs, ys / 5)
    v_tunnel = above(7, 3, params.tunnel_threshold, xs / 5, 2 * ys)
    coal = above(1, 8, params.coal_noise) & (uniform(100) > params.coal_uniform)
    iron = above(2, 6, params.iron_noise) & (uniform(101) > params.iron_uniform)
    diamond = (mountain > params.diamond_min_mountain) & (uniform(102) > params.diamond_uniform)
    lava = (mountain > params.lava_min_mountain) & above(6, 5, params.lava_noise)
    mountain_tile = _first([cave | h_tunnel | v_tunnel, coal, iron, diamond, lava], [PATH, COAL, IRON, DIAMOND, LAVA],
                           STONE)
    tunnels = ~cave & (h_tunnel | v_tunnel)

    sand = (water > params.sand_water_low) & (water <= params.sand_water_high) & above(4, 9, params.sand_noise)
    tree = above(5, 7, params.tree_noise) & (uniform(103) > params.tree_uniform)
    is_start = start > params.start_threshold
    is_mountain = mountain > params.mountain_threshold
    is_start = is_start | ((xs == cx) & (ys == cy))  # the player's tile, whatever the noise says
    tiles = _first([is_start, is_mountain, sand, water > params.water_threshold, tree],
                   [params.start_material, mountain_tile, SAND, WATER, TREE], GRASS).astype(jnp.uint8)
    return tiles, tunnels & is_mountain & ~is_start


def _bisect(fits, lo, hi, steps: int):
    """The largest int32 ``v`` in [lo, hi] with ``fits(v)`` (``fits`` true at ``lo``, monotone)."""

    def halve(_, bounds):
        lo, hi = bounds
        mid = (lo >> 1) + (hi >> 1) + ((lo | hi) & 1)  # ceil of the mean, without overflow
        ok = fits(mid)
        return jnp.where(ok, mid, lo), jnp.where(ok, hi, mid - 1)

    return jax.lax.fori_loop(0, steps, halve, (jnp.int32(lo), jnp.int32(hi)))[0]


def largest(keys: jax.Array, m: jax.Array) -> jax.Array:
    """Mask of the ``m`` largest int32 ``keys`` (ties: the first in order; keys at INT32_MIN never).

    Bisections on the key value and, among ties, the index: compare-and-count passes, which vectorise
    (``top_k`` lowers to a full sort on CPU, ``cumsum`` to a quadratic window sum).
    """
    low = jnp.iinfo(jnp.int32).min
    m = jnp.minimum(m, jnp.sum(keys > low))
    cut = _bisect(lambda v: jnp.sum(keys >= v) >= m, low + 1, jnp.iinfo(jnp.int32).max, 32)
    above = keys > cut
    tied = keys == cut
    room = m - jnp.sum(above)
    index = jnp.arange(keys.shape[0], dtype=jnp.int32)
    end = _bisect(lambda v: jnp.sum(tied & (index < v)) <= room, 0, keys.shape[0],
                  max(int(keys.shape[0]).bit_length(), 1))
    return (above | (tied & (index < end))) & (m > 0)


def _pick_tiles(s: jax.Array, candidates: jax.Array, count, k: int, origin=(0, 0), penalty=None):
    """Choose up to ``count`` (<= k) candidate tiles uniformly at random, or, with ``penalty`` (an int
    array subtracted from 24-bit random keys), preferring small penalties; returns pos, valid.

    ``candidates`` is a window of the map whose corner is the map tile ``origin``; positions are map
    coordinates (in row-major order of the window). Callers pass the smallest window that holds every
    possible candidate.
    """
    w, h = candidates.shape
    key = noise.bits24(s, candidates.shape)
    if penalty is not None:
        key = key - penalty
    key = jnp.where(candidates, key, jnp.iinfo(jnp.int32).min).reshape(-1)
    chosen = largest(key, jnp.minimum(jnp.asarray(count, jnp.int32), k))
    flat = jnp.arange(w * h, dtype=jnp.int32)

    def next_chosen(j, idx):  # the chosen tiles in order, one min-reduction each (in a loop, so
        # ``chosen`` is computed once instead of being fused into every reduction)
        last = jnp.where(j > 0, idx[jnp.maximum(j - 1, 0)], -1)
        return idx.at[j].set(jnp.min(jnp.where(chosen & (flat > last), flat, w * h)))

    idx = jax.lax.fori_loop(0, k, next_chosen, jnp.zeros((k,), jnp.int32))
    valid = idx < w * h
    idx = jnp.minimum(idx, w * h - 1)
    pos = jnp.stack([idx // h + origin[0], idx % h + origin[1]], axis=-1).astype(jnp.int32)
    return pos, valid


def _spawn(mobs: Mobs, pos, valid, health, n: int) -> Mobs:
    """Fill free slots with mobs at ``pos`` where ``valid`` (in order)."""
    free = ~mobs.alive
    slot_rank = jnp.cumsum(free) - 1  # rank of each free slot
    new_rank = jnp.cumsum(valid) - 1
    # For each slot, the candidate whose rank matches (if any).
    match = free[:, None] & valid[None, :] & (slot_rank[:, None] == new_rank[None, :])
    has = match.any(axis=1)
    src = jnp.argmax(match, axis=1)
    return mobs.replace(
        pos=jnp.where(has[:, None], pos[src], mobs.pos),
        health=jnp.where(has, health, mobs.health),
        alive=mobs.alive | has,
        cooldown=jnp.where(has, 0, mobs.cooldown),
        # Crafter creates world-generation objects column by column, before any spawned during play.
        born=jnp.where(has, pos[src, 0] * n + pos[src, 1] - n * n, mobs.born),
    )


def _window(c: int, below: int, above: int, n: int) -> tuple[int, int]:
    """The static index range [lo, hi) of ``c - below .. c + above`` clipped to the map."""
    return max(c - below, 0), min(c + above + 1, n)


def _place(tiles: jax.Array, pos: jax.Array, ok: jax.Array, material: int) -> jax.Array:
    return tiles.at[pos[0, 0], pos[0, 1]].set(jnp.where(ok[0], material, tiles[pos[0, 0], pos[0, 1]]))


def chunk_any(mask: jax.Array, nc: int) -> jax.Array:
    """(nc, nc): does any tile of each CHUNK x CHUNK chunk hold ``mask`` (partial edge chunks too)."""
    n = mask.shape[0]
    pad = nc * CHUNK - n
    padded = jnp.pad(mask, ((0, pad), (0, pad)))
    return padded.reshape(nc, CHUNK, nc, CHUNK).any(axis=(1, 3))


def generate_level(key: jax.Array, params: EnvParams, static: StaticEnvParams) -> Level:
    """Generate a world and its start state from params.

    Everything placed after the terrain (stations, plant, mobs) lies within the simulated 3x3 chunk
    block around the start, so only windows of the map are searched; the map-wide per-tile mob rules
    run only to mark which chunks ever held an object.
    """
    k_terrain, k_rest = jax.random.split(key)
    n = static.map_size
    c = n // 2
    tiles, tunnels = generate_materials(k_terrain, params, static)
    # The tunnel flag rides in the map's top bit through the station writes below: XLA fuses
    # element-wise work into every reader, and a scatter's result is the one thing it materialises,
    # so the noise behind both arrays is computed once instead of once per reader.
    code = tiles | (tunnels.astype(jnp.uint8) << 7)
    s = noise.seed(k_rest)
    seeds = [noise.subseed(s, i) for i in range(11)]
    center = jnp.array([c, c], jnp.int32)

    def grid(x0, x1, y0, y1):
        xs, ys = jnp.meshgrid(jnp.arange(x0, x1), jnp.arange(y0, y1), indexing="ij")
        return xs - c, ys - c

    def walkable(t):
        return (t == GRASS) | (t == SAND) | (t == PATH)

    # Pre-placed stations and plant next to the player (EnvGen's inventory extras).
    a0, a1 = _window(c, 1, 1, n)
    dx, dy = grid(a0, a1, a0, a1)
    near1 = (jnp.maximum(jnp.abs(dx), jnp.abs(dy)) == 1) & walkable(tiles[a0:a1, a0:a1])
    pos, ok = _pick_tiles(seeds[1], near1, params.place_table.astype(jnp.int32), 1, (a0, a0))
    code = _place(code, pos, ok, TABLE)  # a station or plant is no tunnel floor: its flag goes
    near1 = near1 & ((code[a0:a1, a0:a1] & 127) != TABLE)
    pos, ok = _pick_tiles(seeds[2], near1, params.place_furnace.astype(jnp.int32), 1, (a0, a0))
    code = _place(code, pos, ok, FURNACE)
    b0, b1 = _window(c, 2, 2, n)
    dx, dy = grid(b0, b1, b0, b1)
    near2 = (jnp.abs(dx) + jnp.abs(dy) <= 2) & ((dx != 0) | (dy != 0)) & ((code[b0:b1, b0:b1] & 127) == GRASS)
    pos, ok = _pick_tiles(seeds[3], near2, params.place_plant.astype(jnp.int32), 1, (b0, b0))
    code = _place(code, pos, ok, PLANT)
    tiles, tunnels = code & 127, code >= 128
    plants = Plants.empty(static.max_plants)
    # Pre-grown to 295 of the 300 steps a plant needs, as EnvGen does.
    plants = plants.replace(pos=plants.pos.at[0].set(pos[0]), grown=plants.grown.at[0].set(PLANT_RIPE_AGE - 5),
                            alive=plants.alive.at[0].set(ok[0]))

    # Worldgen mobs (Crafter's second pass) over the whole map, to know which chunks ever held one.
    dx, dy = grid(0, n, 0, n)
    dist2 = dx * dx + dy * dy
    u = noise.uniform(seeds[4], (3, n, n))
    hostile = ~params.peaceful
    walk = walkable(tiles)
    cow_c = (tiles == GRASS) & (dist2 > 9) & (u[0] > params.cow_uniform)
    zombie_c = walk & ~cow_c & (dist2 > 100) & (u[1] > params.zombie_uniform) & hostile
    skel_c = walk & ~cow_c & ~zombie_c & (tiles == PATH) & tunnels & (u[2] > params.skeleton_uniform) & hostile
    nc = num_chunks(static)
    seen = chunk_any(cow_c | zombie_c | skel_c, nc)
    # Only the 3x3 chunk block around the start is simulated (balance.py): mobs elsewhere would be
    # removed on the first step, so the capacity goes to the nearest ones inside the block.
    start_chunk = c // CHUNK
    k0, k1 = max(start_chunk - 1, 0) * CHUNK, min((start_chunk + 2) * CHUNK, n)
    bdx, bdy = grid(k0, k1, k0, k1)
    # nearest first: a tile one step closer outranks most farther ones (the old float score
    # u - 100 * l1 / (2n), on the 24-bit integer scale of the random keys)
    penalty = ((jnp.abs(bdx) + jnp.abs(bdy)) * round(100.0 / (2.0 * n) * 2 ** 24)).astype(jnp.int32)
    # EnvGen's forced spawns: walkable tiles within 5 columns and 4 rows of the start, 3+ steps away.
    w0, w1 = _window(c, 5, 5, n)
    h0, h1 = _window(c, 4, 4, n)
    fdx, fdy = grid(w0, w1, h0, h1)
    window = (jnp.abs(fdx) + jnp.abs(fdy) >= 3) & walkable(tiles[w0:w1, h0:h1])
    taken = jnp.zeros((k1 - k0, k1 - k0), bool)
    kinds = []
    for i, (mobs, cand, forced, health) in enumerate((
        (Mobs.empty(static.max_cows), cow_c, params.spawn_cows, params.cow_health),
        (Mobs.empty(static.max_zombies), zombie_c, jnp.where(hostile, params.spawn_zombies, 0), params.zombie_health),
        (Mobs.empty(static.max_skeletons), skel_c, jnp.where(hostile, params.spawn_skeletons, 0),
         params.skeleton_health),
    )):
        cap = mobs.alive.shape[0]
        free = window & ~taken[w0 - k0:w1 - k0, h0 - k0:h1 - k0]
        pos_f, ok_f = _pick_tiles(seeds[5 + 2 * i], free, forced, cap, (w0, h0))
        mobs = _spawn(mobs, pos_f, ok_f, health, n)
        taken = taken.at[pos_f[:, 0] - k0, pos_f[:, 1] - k0].max(ok_f)
        pos_w, ok_w = _pick_tiles(seeds[6 + 2 * i], cand[k0:k1, k0:k1] & ~taken, jnp.sum(~mobs.alive), cap,
                                  (k0, k0), penalty=penalty)
        mobs = _spawn(mobs, pos_w, ok_w, health, n)
        taken = taken.at[pos_w[:, 0] - k0, pos_w[:, 1] - k0].max(ok_w)
        kinds.append(mobs)
    cows, zombies, skeletons = kinds
    # EnvGen's forced spawns and pre-placed plant are objects too (tables and furnaces are materials).
    placed = jnp.zeros((n, n), bool).at[k0:k1, k0:k1].set(taken | (tiles[k0:k1, k0:k1] == PLANT))
    seen = (seen | chunk_any(placed, nc)).at[start_chunk, start_chunk].set(True)
    return Level(map=tiles, player_pos=center, zombies=zombies, cows=cows, skeletons=skeletons, plants=plants,
                 chunks_seen=seen)
