"""Observations: a symbolic vector for agents and a pixel image (procedural textures) for people
and pixel agents.

Symbolic layout (float32, flat), documented in docs/crafter.md:
  local view 9 (x) x 7 (y) x [15 material one-hot + zombie, cow, skeleton, arrow]   = 1197
  inventory (12) / 9, vitals (health, food, drink, energy) / 9                        = 16
  facing direction one-hot (left, right, up, down), daylight, sleeping               = 6
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from envgen.envs.crafter import textures
from envgen.envs.crafter.constants import MAX_ITEM, NUM_MATERIALS, OUT
from envgen.envs.crafter.state import EnvState, StaticEnvParams

NUM_MOB_CHANNELS = 4


def symbolic_size(static: StaticEnvParams) -> int:
    """Length of the symbolic observation vector."""
    return static.view_width * static.view_height * (NUM_MATERIALS + NUM_MOB_CHANNELS) + 12 + 4 + 4 + 2


def view_offsets(static: StaticEnvParams) -> tuple[int, int]:
    return static.view_width // 2, static.view_height // 2


def local_materials(state: EnvState, static: StaticEnvParams) -> jax.Array:
    """(view_width, view_height) material ids around the player (ripe plants are ripe_plant tiles)."""
    n = state.map.shape[0]
    hx, hy = view_offsets(static)
    xs = state.player_pos[0] + jnp.arange(-hx, static.view_width - hx)
    ys = state.player_pos[1] + jnp.arange(-hy, static.view_height - hy)
    inside = ((xs >= 0) & (xs < n))[:, None] & ((ys >= 0) & (ys < n))[None, :]
    cx, cy = jnp.clip(xs, 0, n - 1), jnp.clip(ys, 0, n - 1)
    ids = state.map[cx[:, None], cy[None, :]].astype(jnp.int32)
    return jnp.where(inside, ids, OUT)


def local_mobs(state: EnvState, static: StaticEnvParams) -> jax.Array:
    """(view_width, view_height, 4) occupancy of zombies, cows, skeletons and arrows in view."""
    hx, hy = view_offsets(static)
    xs = state.player_pos[0] + jnp.arange(-hx, static.view_width - hx)
    ys = state.player_pos[1] + jnp.arange(-hy, static.view_height - hy)
    layers = []
    for mobs in (state.zombies, state.cows, state.skeletons, state.arrows):
        # Compare every cell with every slot: cheaper than a batched scatter on CPU.
        at_x = (mobs.pos[:, 0][:, None] == xs[None, :]) & mobs.alive[:, None]  # (N, w)
        at_y = mobs.pos[:, 1][:, None] == ys[None, :]  # (N, h)
        layers.append(jnp.any(at_x[:, :, None] & at_y[:, None, :], axis=0).astype(jnp.float32))
    return jnp.stack(layers, axis=-1)


def symbolic_obs(state: EnvState, static: StaticEnvParams) -> jax.Array:
    """The flat symbolic observation (see module docstring for the layout)."""
    mats = jax.nn.one_hot(local_materials(state, static), NUM_MATERIALS, dtype=jnp.float32)
    view = jnp.concatenate([mats, local_mobs(state, static)], axis=-1).reshape(-1)
    extras = jnp.concatenate([
        state.inventory.astype(jnp.float32) / MAX_ITEM,
        state.vitals.astype(jnp.float32) / MAX_ITEM,
        jax.nn.one_hot(state.player_dir, 4, dtype=jnp.float32),
        jnp.stack([state.light, state.sleeping.astype(jnp.float32)]),
    ])
    return jnp.concatenate([view, extras])


def pixel_obs(state: EnvState, static: StaticEnvParams) -> jax.Array:
    """(9*p, 9*p, 3) uint8 image: the 9x7 local view above a 9x2 inventory strip, darker at night."""
    p = static.tile_pixels
    w, h = static.view_width, static.view_height
    mat_atlas = jnp.asarray(textures.material_atlas(p))
    spr_rgb, spr_mask = (jnp.asarray(a) for a in textures.sprite_atlas(p))
    cells = mat_atlas[local_materials(state, static)]  # (w, h, p, p, 3)
    mobs = local_mobs(state, static)
    sprite_of_layer = jnp.array([textures.SPRITE_ID[k] for k in ("zombie", "cow", "skeleton", "arrow")])
    for layer in range(NUM_MOB_CHANNELS):
        present = mobs[..., layer] > 0
        sid = sprite_of_layer[layer]
        draw = present[:, :, None, None] & spr_mask[sid][None, None]
        cells = jnp.where(draw[..., None], spr_rgb[sid][None, None], cells)
    hx, hy = view_offsets(static)
    player_sprite = jnp.where(state.sleeping, textures.SPRITE_ID["player_sleep"],
                              textures.SPRITE_ID["player_left"] + state.player_dir)
    centre = jnp.where(spr_mask[player_sprite][..., None], spr_rgb[player_sprite], cells[hx, hy])
    cells = cells.at[hx, hy].set(centre)
    view = cells.transpose(1, 2, 0, 3, 4).reshape(h * p, w * p, 3)  # rows are y
    light = state.light
    view = (view.astype(jnp.float32) * (0.35 + 0.65 * light)).astype(jnp.uint8)
    counts = jnp.concatenate([state.vitals, state.inventory]).clip(0, 9)
    items = jnp.asarray(textures.item_atlas(p))[jnp.arange(16), counts]  # (16, p, p, 3)
    strip = jnp.zeros((2 * w, p, p, 3), jnp.uint8).at[:16].set(items)
    strip = strip.reshape(2, w, p, p, 3).transpose(0, 2, 1, 3, 4).reshape(2 * p, w * p, 3)
    return jnp.concatenate([view, strip], axis=0)


def full_map_image(state: EnvState, static: StaticEnvParams, p: int = 8) -> np.ndarray:
    """The whole world as an RGB image (host-side, for ``envgen render``)."""
    s = jax.device_get(state)
    tiles = np.asarray(s.map).astype(np.int32)
    atlas = textures.material_atlas(p)
    img = atlas[tiles.T]  # (H rows = y, W cols = x, p, p, 3)
    spr_rgb, spr_mask = textures.sprite_atlas(p)
    n = tiles.shape[0]
    img = img.transpose(0, 2, 1, 3, 4).reshape(n * p, n * p, 3).copy()

    def stamp(pos, sprite):
        x, y = int(pos[0]), int(pos[1])
        tile = img[y * p:(y + 1) * p, x * p:(x + 1) * p]
        tile[spr_mask[sprite]] = spr_rgb[sprite][spr_mask[sprite]]

    for mobs, name in ((s.zombies, "zombie"), (s.cows, "cow"), (s.skeletons, "skeleton"), (s.arrows, "arrow")):
        for pos, alive in zip(np.asarray(mobs.pos), np.asarray(mobs.alive), strict=True):
            if alive:
                stamp(pos, textures.SPRITE_ID[name])
    player = textures.SPRITE_ID["player_sleep"] if bool(s.sleeping) else textures.SPRITE_ID["player_left"] + int(
        s.player_dir)
    stamp(s.player_pos, player)
    # Outline the agent's view.
    hx, hy = view_offsets(static)
    x0, y0 = (int(s.player_pos[0]) - hx) * p, (int(s.player_pos[1]) - hy) * p
    x1, y1 = x0 + static.view_width * p, y0 + static.view_height * p
    x0c, y0c, x1c, y1c = max(x0, 0), max(y0, 0), min(x1, n * p) - 1, min(y1, n * p) - 1
    img[y0c, x0c:x1c + 1] = img[y1c, x0c:x1c + 1] = (255, 255, 0)
    img[y0c:y1c + 1, x0c] = img[y0c:y1c + 1, x1c] = (255, 255, 0)
    return img
