"""Rendering helpers shared by the families: tiles to images, side-by-side frames, PNG output."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def upscale(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upscale of an HxWx3 image."""
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def side_by_side(left: np.ndarray, right: np.ndarray, gap: int = 8, background: int = 255) -> np.ndarray:
    """Place two RGB images next to each other, top-aligned, on a plain background."""
    height = max(left.shape[0], right.shape[0])
    width = left.shape[1] + gap + right.shape[1]
    canvas = np.full((height, width, 3), background, dtype=np.uint8)
    canvas[: left.shape[0], : left.shape[1]] = left
    canvas[: right.shape[0], left.shape[1] + gap :] = right
    return canvas


def save_png(image: np.ndarray, path: str | os.PathLike) -> Path:
    """Write an RGB uint8 image as PNG, atomically."""
    import io

    from PIL import Image

    from envgen.io import write_bytes_atomic

    buf = io.BytesIO()
    Image.fromarray(np.asarray(image, dtype=np.uint8)).save(buf, format="PNG")
    return write_bytes_atomic(path, buf.getvalue())


def render_frame(env, state, params, view: np.ndarray | None = None) -> np.ndarray:
    """Full map (left) and the agent's view (right, ``env.render_view`` unless given), scaled alike."""
    full = np.asarray(env.render_map(state, params))
    view = np.asarray(env.render_view(state, params) if view is None else view)
    factor = max(1, round(full.shape[0] / max(view.shape[0], 1)))
    return side_by_side(full, upscale(view, factor))


def render_config_png(config_or_name: str, out: str | os.PathLike, seed: int = 0, steps: int = 0) -> str:
    """Reset the named env/config with ``seed`` (optionally take random steps) and save a frame."""
    import jax

    from envgen.envs.registry import make

    env, params = make(config_or_name)
    key = jax.random.key(seed)
    key, key_reset = jax.random.split(key)
    _, state = env.reset(key_reset, params)
    n_actions = env.num_actions  # the space would import the whole gymnax package
    for _ in range(steps):
        key, key_act, key_step = jax.random.split(key, 3)
        action = jax.random.randint(key_act, (), 0, n_actions)
        _, state, *_ = env.step(key_step, state, action, params)
    save_png(render_frame(env, state, params), out)
    return f"{env.name}, seed {seed}"
