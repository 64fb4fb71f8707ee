"""Crafter's chunk balancing with fixed-capacity mob slots.

Crafter rebalances every 12x12 chunk that ever held an object every 10 steps, while only objects within
18 tiles of the player move. Here the chunks around the player (the 3x3 block containing the player's
chunk) are balanced, one chunk per step in turn from step 10 on, so each is still balanced once every
10 steps, and only if it ever held an object (``chunks_seen``); mobs that leave that block are removed
(in Crafter they would stand frozen until the player returns).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from envgen.envs.crafter.constants import CHUNK, GRASS, PATH
from envgen.envs.crafter.state import EnvParams, EnvState, Mobs
from envgen.envs.crafter.step import is_plant, l1, occupied

_OFFSETS = jnp.asarray(np.array([(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)], np.int32))


def _chunk_of(pos: jax.Array) -> jax.Array:
    return pos // CHUNK


def despawn_far(state: EnvState) -> EnvState:
    """Remove mobs outside the 3x3 chunk block around the player."""
    pc = _chunk_of(state.player_pos)

    def keep(m: Mobs) -> Mobs:
        near = jnp.all(jnp.abs(_chunk_of(m.pos) - pc) <= 1, axis=-1)
        return m.replace(alive=m.alive & near)

    return state.replace(zombies=keep(state.zombies), cows=keep(state.cows), skeletons=keep(state.skeletons))


def _balance_one(key, state: EnvState, mobs: Mobs, chunk, region, start, in_chunk, material, span, despan,
                 spawn_prob, despawn_prob, tmin, tmax, health, enabled) -> Mobs:
    """Crafter's ``_balance_object`` for one mob kind in one chunk."""
    k_u, k_tile, k_pick = jax.random.split(key, 3)
    u = jax.random.uniform(k_u, (2,))
    in_c = mobs.alive & jnp.all(_chunk_of(mobs.pos) == chunk, axis=-1)
    count = in_c.sum()
    # A plant is an object standing on grass in Crafter: it counts as grass space but blocks a spawn.
    mask = in_chunk & ((region == material) | ((material == GRASS) & is_plant(region)))
    space = mask.sum()
    tmin_v, tmax_v = tmin(space), tmax(space)
    want_spawn = enabled & (count < jnp.floor(tmin_v)) & (u[0] < spawn_prob)
    # Uniform over the chunk's tiles of this material with one random number (not one per tile):
    # the k-th masked tile in row-major order.
    k = jnp.floor(jax.random.uniform(k_tile) * space).astype(jnp.int32)
    idx = jnp.argmax(jnp.cumsum(mask.reshape(-1)) > k)
    pos = start + jnp.array([idx // CHUNK, idx % CHUNK], jnp.int32)
    free_slot = ~mobs.alive
    spawn = (want_spawn & mask.any() & ~occupied(state, pos) & ~is_plant(state.map[pos[0], pos[1]])
             & (l1(pos, state.player_pos) >= span)
             & free_slot.any())
    slot = jnp.argmax(free_slot)
    mobs = mobs.replace(
        pos=mobs.pos.at[slot].set(jnp.where(spawn, pos, mobs.pos[slot])),
        health=mobs.health.at[slot].set(jnp.where(spawn, health, mobs.health[slot])),
        cooldown=mobs.cooldown.at[slot].set(jnp.where(spawn, 0, mobs.cooldown[slot])),
        born=mobs.born.at[slot].set(jnp.where(spawn, state.time, mobs.born[slot])),
        alive=mobs.alive.at[slot].set(mobs.alive[slot] | spawn))
    want_despawn = enabled & ~want_spawn & (count > jnp.floor(tmax_v)) & (u[1] < despawn_prob)
    k = jnp.floor(jax.random.uniform(k_pick) * count).astype(jnp.int32)
    pick = jnp.argmax(jnp.cumsum(in_c) > k)
    despawn = want_despawn & in_c.any() & (l1(mobs.pos[pick], state.player_pos) >= despan)
    return mobs.replace(alive=mobs.alive.at[pick].set(mobs.alive[pick] & ~despawn))


def balance_chunks(key: jax.Array, state: EnvState, params: EnvParams) -> EnvState:
    """Balance zombies, skeletons and cows in one chunk near the player (chunk ``time % 10``)."""
    n = state.map.shape[0]
    n_chunks = -(-n // CHUNK)
    slot = state.time % 10
    chunk = _chunk_of(state.player_pos) + _OFFSETS[jnp.minimum(slot, 8)]
    inside = jnp.all((chunk >= 0) & (chunk < n_chunks))
    seen = state.chunks_seen[jnp.clip(chunk[0], 0, n_chunks - 1), jnp.clip(chunk[1], 0, n_chunks - 1)]
    # Crafter first balances at step 10 (then every 10 steps); chunk k here at steps 10 + k, 20 + k, ...
    enabled = (slot < 9) & inside & seen & (state.time >= 10)
    start = jnp.clip(chunk * CHUNK, 0, n - CHUNK)
    region = jax.lax.dynamic_slice(state.map, (start[0], start[1]), (CHUNK, CHUNK))
    coords = start[:, None] + jnp.arange(CHUNK)[None, :]
    in_chunk = ((coords[0] // CHUNK == chunk[0])[:, None]) & ((coords[1] // CHUNK == chunk[1])[None, :])
    light = state.light
    hostile = ~params.peaceful
    zd = jnp.where(hostile, params.zombie_density, 0.0)
    sd = jnp.where(hostile, params.skeleton_density, 0.0)
    cd = params.cow_density
    kz, ks, kc = jax.random.split(key, 3)
    common = dict(chunk=chunk, region=region, start=start, in_chunk=in_chunk, enabled=enabled)
    # Sequential, so two kinds never spawn on the same tile in one step.
    zombies = _balance_one(
        kz, state=state, mobs=state.zombies, material=GRASS, span=6, despan=0,
        spawn_prob=params.zombie_spawn_prob, despawn_prob=params.zombie_despawn_prob,
        tmin=lambda space: jnp.where(space < 50, 0.0, 3.5 - 3.0 * light) * zd,
        tmax=lambda space: (3.5 - 3.0 * light) * zd, health=params.zombie_health, **common)
    state = state.replace(zombies=zombies)
    skeletons = _balance_one(
        ks, state=state, mobs=state.skeletons, material=PATH, span=7, despan=7,
        spawn_prob=params.skeleton_spawn_prob, despawn_prob=params.skeleton_despawn_prob,
        tmin=lambda space: jnp.where(space < 6, 0.0, 1.0) * sd,
        tmax=lambda space: 2.0 * sd, health=params.skeleton_health, **common)
    state = state.replace(skeletons=skeletons)
    cows = _balance_one(
        kc, state=state, mobs=state.cows, material=GRASS, span=5, despan=5,
        spawn_prob=params.cow_spawn_prob, despawn_prob=params.cow_despawn_prob,
        tmin=lambda space: jnp.where(space < 30, 0.0, 1.0) * cd,
        tmax=lambda space: (1.5 + light) * cd, health=params.cow_health, **common)
    return state.replace(cows=cows)
