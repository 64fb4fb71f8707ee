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


def generate_materials(key: jax.Array, params: EnvParams, static: StaticEnvParams):
    """Crafter's per-tile material rules over noise fields; returns (map, tunnels) indexed [x, y]."""
    n = static.map_size
    key_perm, key_u = jax.random.split(key)
    perm = noise.permutation(key_perm)
    xs, ys = jnp.meshgrid(jnp.arange(n, dtype=jnp.float32), jnp.arange(n, dtype=jnp.float32), indexing="ij")
    cx = cy = n // 2
    f = lambda z, sizes, normalize=True, x=xs, y=ys: noise.field(perm, x, y, z, sizes, normalize)
    uniform = jax.random.uniform(key_u, (5, n, n))

    start = 4.0 - jnp.sqrt((xs - cx) ** 2 + (ys - cy) ** 2) + 2.0 * f(8, 3)
    start = jax.nn.sigmoid(start)
    water = (f(3, {15: 1.0, 5: 0.15}, False) + 0.1) * params.water_gain - 2.0 * start
    mountain_raw = f(0, {15: 1.0, 5: 0.3})
    mountain_raw = jnp.where(params.mountain_abs, jnp.abs(mountain_raw) * 2.0, mountain_raw)
    mountain = mountain_raw * params.mountain_gain - 4.0 * start - 0.3 * water

    cave = (f(6, 7) > params.cave_threshold) & (mountain > params.cave_min_mountain)
    h_tunnel = noise.field(perm, 2 * xs, ys / 5, 7, 3) > params.tunnel_threshold
    v_tunnel = noise.field(perm, xs / 5, 2 * ys, 7, 3) > params.tunnel_threshold
    coal = (f(1, 8) > params.coal_noise) & (uniform[0] > params.coal_uniform)
    iron = (f(2, 6) > params.iron_noise) & (uniform[1] > params.iron_uniform)
    diamond = (mountain > params.diamond_min_mountain) & (uniform[2] > params.diamond_uniform)
    lava = (mountain > params.lava_min_mountain) & (f(6, 5) > params.lava_noise)
    mountain_tile = jnp.select(
        [cave, h_tunnel, v_tunnel, coal, iron, diamond, lava],
        [PATH, PATH, PATH, COAL, IRON, DIAMOND, LAVA], STONE)
    tunnels = ~cave & (h_tunnel | v_tunnel)

    sand = (water > params.sand_water_low) & (water <= params.sand_water_high) & (f(4, 9) > params.sand_noise)
    tree = (f(5, 7) > params.tree_noise) & (uniform[3] > params.tree_uniform)
    is_start = start > params.start_threshold
    is_mountain = mountain > params.mountain_threshold
    tiles = jnp.select(
        [is_start, is_mountain, sand, water > params.water_threshold, tree],
        [params.start_material, mountain_tile, SAND, WATER, TREE], GRASS).astype(jnp.uint8)
    tiles = tiles.at[cx, cy].set(params.start_material.astype(jnp.uint8))
    return tiles, tunnels & is_mountain & ~is_start


def _pick_tiles(key: jax.Array, candidates: jax.Array, count, k: int, prefer_near=None):
    """Choose up to ``count`` (<= k) candidate tiles uniformly (or nearest first); returns pos, valid."""
    n = candidates.shape[0]
    score = jax.random.uniform(key, candidates.shape)
    if prefer_near is not None:
        score = score - prefer_near
    score = jnp.where(candidates, score, -jnp.inf).reshape(-1)
    top, idx = jax.lax.top_k(score, k)
    valid = (top > -jnp.inf) & (jnp.arange(k) < count)
    pos = jnp.stack([idx // n, idx % n], axis=-1).astype(jnp.int32)
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


def generate_level(key: jax.Array, params: EnvParams, static: StaticEnvParams) -> Level:
    """Generate a world and its start state from params."""
    keys = jax.random.split(key, 10)
    n = static.map_size
    tiles, tunnels = generate_materials(keys[0], params, static)
    center = jnp.array([n // 2, n // 2], jnp.int32)
    xs, ys = jnp.meshgrid(jnp.arange(n), jnp.arange(n), indexing="ij")
    dist = jnp.sqrt((xs - center[0]) ** 2 + (ys - center[1]) ** 2)
    l1 = jnp.abs(xs - center[0]) + jnp.abs(ys - center[1])
    walkable = (tiles == GRASS) | (tiles == SAND) | (tiles == PATH)
    not_player = l1 > 0

    # Pre-placed stations and plant next to the player (EnvGen's inventory extras).
    near1 = (jnp.maximum(jnp.abs(xs - center[0]), jnp.abs(ys - center[1])) == 1) & walkable
    pos, ok = _pick_tiles(keys[1], near1, params.place_table.astype(jnp.int32), 1)
    tiles = tiles.at[pos[0, 0], pos[0, 1]].set(jnp.where(ok[0], TABLE, tiles[pos[0, 0], pos[0, 1]]))
    near1 = near1 & (tiles != TABLE)
    pos, ok = _pick_tiles(keys[2], near1, params.place_furnace.astype(jnp.int32), 1)
    tiles = tiles.at[pos[0, 0], pos[0, 1]].set(jnp.where(ok[0], FURNACE, tiles[pos[0, 0], pos[0, 1]]))
    near2 = (l1 <= 2) & not_player & (tiles == GRASS)
    pos, ok = _pick_tiles(keys[3], near2, params.place_plant.astype(jnp.int32), 1)
    tiles = tiles.at[pos[0, 0], pos[0, 1]].set(jnp.where(ok[0], PLANT, tiles[pos[0, 0], pos[0, 1]]))
    plants = Plants.empty(static.max_plants)
    # Pre-grown to 295 of the 300 steps a plant needs, as EnvGen does.
    plants = plants.replace(pos=plants.pos.at[0].set(pos[0]), grown=plants.grown.at[0].set(PLANT_RIPE_AGE - 5),
                            alive=plants.alive.at[0].set(ok[0]))
    walkable = (tiles == GRASS) | (tiles == SAND) | (tiles == PATH)

    # Worldgen mobs (Crafter's second pass), nearest first so the fixed capacity holds the ones
    # the player can meet. Then EnvGen's forced spawns within a few tiles of the start.
    u = jax.random.uniform(keys[4], (3, n, n))
    hostile = ~params.peaceful
    cow_c = walkable & (tiles == GRASS) & (dist > 3) & (u[0] > params.cow_uniform)
    zombie_c = walkable & ~cow_c & (dist > 10) & (u[1] > params.zombie_uniform) & hostile
    skel_c = walkable & ~cow_c & ~zombie_c & (tiles == PATH) & tunnels & (u[2] > params.skeleton_uniform) & hostile
    near = l1.astype(jnp.float32) / (2.0 * n)
    # Crafter balances only chunks that ever held an object: every chunk where its per-tile rules put a
    # mob (anywhere on the map), the player's, and those of the pre-placed objects below.
    nc = num_chunks(static)
    chunk_x, chunk_y = xs // CHUNK, ys // CHUNK
    chunk_ids = (chunk_x * nc + chunk_y).reshape(-1)
    seen = jnp.zeros((nc * nc,), bool).at[chunk_ids].max((cow_c | zombie_c | skel_c).reshape(-1))
    # Only the 3x3 chunk block around the start is simulated (balance.py): mobs elsewhere would be
    # removed on the first step, so the capacity goes to the nearest ones inside the block.
    start_chunk = center // CHUNK
    block = (jnp.abs(chunk_x - start_chunk[0]) <= 1) & (jnp.abs(chunk_y - start_chunk[1]) <= 1)
    zombies = Mobs.empty(static.max_zombies)
    cows = Mobs.empty(static.max_cows)
    skeletons = Mobs.empty(static.max_skeletons)
    window = (jnp.abs(xs - center[0]) <= 5) & (jnp.abs(ys - center[1]) <= 4) & (l1 >= 3) & walkable
    taken = jnp.zeros((n, n), bool)
    for i, (mobs, cand, forced, health) in enumerate((
        (cows, cow_c, params.spawn_cows, params.cow_health),
        (zombies, zombie_c, jnp.where(hostile, params.spawn_zombies, 0), params.zombie_health),
        (skeletons, skel_c, jnp.where(hostile, params.spawn_skeletons, 0), params.skeleton_health),
    )):
        cap = mobs.alive.shape[0]
        k_forced, k_world = jax.random.split(keys[5 + i])
        pos_f, ok_f = _pick_tiles(k_forced, window & ~taken, forced, cap)
        mobs = _spawn(mobs, pos_f, ok_f, health, n)
        taken = taken.at[pos_f[:, 0], pos_f[:, 1]].set(taken[pos_f[:, 0], pos_f[:, 1]] | ok_f)
        pos_w, ok_w = _pick_tiles(k_world, cand & block & ~taken, cap, cap, prefer_near=near * 100.0)
        mobs = _spawn(mobs, pos_w, ok_w, health, n)
        taken = taken.at[pos_w[:, 0], pos_w[:, 1]].set(taken[pos_w[:, 0], pos_w[:, 1]] | ok_w)
        if i == 0:
            cows = mobs
        elif i == 1:
            zombies = mobs
        else:
            skeletons = mobs
    # EnvGen's forced spawns and pre-placed plant are objects too (tables and furnaces are materials).
    placed = taken | (tiles == PLANT)
    seen = seen.at[chunk_ids].max(placed.reshape(-1)).at[start_chunk[0] * nc + start_chunk[1]].set(True)
    return Level(map=tiles, player_pos=center, zombies=zombies, cows=cows, skeletons=skeletons, plants=plants,
                 chunks_seen=seen.reshape(nc, nc))
