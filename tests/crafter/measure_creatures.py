"""Creatures near the start, envgen vs the ``crafter`` package (a measurement, not a test).

``python tests/crafter/measure_creatures.py --seeds 200 --steps 50`` resets both over the same number of
worlds, takes ``--steps`` noop steps, and prints, per kind, the mean number of mobs (with its standard
error)

* in the 3x3 chunk block around the player (the area envgen simulates) right after reset and after step 1,
* within Crafter's update distance (L1 < 18) right after reset,
* in the 37x37 square centred on the player right after reset (it reaches past the chunk-aligned block),
* in the agent's 9x7 view, averaged over the steps.

``--sides envgen,stored`` compares with the crafter package's 400 worlds stored in
``data/crafter_start_mobs.json`` (reset columns only) instead of running it.

The crafter side takes about 2 s per world (its noise is evaluated tile by tile in Python).
"""

from __future__ import annotations

import argparse
import json

import jax
import jax.numpy as jnp
import numpy as np
from crafter_reference import KINDS, MOBS_DATA, start_counts

AREAS = ("block", "near", "square")
VIEW = (4, 3)  # half-width, half-height of the 9x7 view


def _counts(player, mobs: dict[str, np.ndarray]) -> dict[str, tuple[int, int, int, int]]:
    """Per kind: (in the 3x3 chunk block, within L1 < 18, in the centred 37x37 square, in view) for (N, 2)
    positions (the first three as ``crafter_reference.start_counts``)."""
    areas = start_counts(player, mobs)
    out = {}
    for kind, pos in mobs.items():
        pos = np.asarray(pos).reshape(-1, 2)
        view = (np.abs(pos[:, 0] - player[0]) <= VIEW[0]) & (np.abs(pos[:, 1] - player[1]) <= VIEW[1])
        out[kind] = (*(areas[a][kind] for a in AREAS), int(view.sum()))
    return out


def stored_side() -> np.ndarray:
    """(400, 1, kinds, 4) counts right after reset from ``data/crafter_start_mobs.json`` (the crafter
    package's worlds, stored by ``crafter_reference.py mobs``); the view column is NaN."""
    stored = json.loads(MOBS_DATA.read_text())
    out = np.full((len(stored), 1, len(KINDS), 4), np.nan)
    for i, v in enumerate(stored.values()):
        out[i, 0, :, :3] = [[v[a][k] for a in AREAS] for k in KINDS]
    return out


def crafter_side(seeds: int, steps: int) -> np.ndarray:
    """(seeds, steps + 1, kinds, 4) counts from the crafter package (index 0: right after reset)."""
    import crafter
    from crafter import objects

    classes = {"zombie": objects.Zombie, "cow": objects.Cow, "skeleton": objects.Skeleton}
    out = np.zeros((seeds, steps + 1, len(KINDS), 4))
    for seed in range(seeds):
        env = crafter.Env(seed=seed)
        env._obs = lambda: None  # rendering is not needed
        env.reset()
        for t in range(steps + 1):
            if t:
                env.step(0)
            objs = env._world.objects
            mobs = {k: np.array([o.pos for o in objs if isinstance(o, c)]) for k, c in classes.items()}
            counts = _counts(env._player.pos, mobs)
            out[seed, t] = [counts[k] for k in KINDS]
    return out


def envgen_side(seeds: int, steps: int) -> np.ndarray:
    """(seeds, steps + 1, kinds, 4) counts from envgen's crafter with default params (index 0: reset)."""
    from envgen.envs.crafter.env import Crafter

    env = Crafter()
    params = env.default_params
    keys = jax.random.split(jax.random.key(0), seeds)
    _, states = jax.jit(jax.vmap(env.reset, in_axes=(0, None)))(keys, params)
    vstep = jax.jit(jax.vmap(env.step, in_axes=(0, 0, 0, None)))
    noop = jnp.zeros((seeds,), jnp.int32)
    out = np.zeros((seeds, steps + 1, len(KINDS), 4))
    for t in range(steps + 1):
        if t:
            _, states, *_ = vstep(jax.random.split(jax.random.key(t), seeds), states, noop, params)
        s = jax.device_get(states)
        for i in range(seeds):
            mobs = {k: np.asarray(m.pos[i])[np.asarray(m.alive[i])] for k, m in
                    zip(KINDS, (s.zombies, s.cows, s.skeletons), strict=True)}
            counts = _counts(np.asarray(s.player_pos[i]), mobs)
            out[i, t] = [counts[k] for k in KINDS]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--sides", default="envgen,crafter",
                    help="comma-separated: envgen, crafter, stored (crafter's 400 stored worlds, reset only)")
    args = ap.parse_args()
    run = {"envgen": lambda: envgen_side(args.seeds, args.steps),
           "crafter": lambda: crafter_side(args.seeds, args.steps), "stored": stored_side}
    sides = {name: run[name]() for name in args.sides.split(",")}
    print(f"mean (standard error), noop actions; envgen/crafter: {args.seeds} worlds, stored: 400")
    head = ("3x3 block, reset", "3x3 block, step 1", "L1 < 18, reset", "37x37 square, reset",
            f"in view, steps 1-{args.steps}")
    print(f"{'':8s}{'kind':10s}" + "".join(f"{h:>21s}" for h in head))

    def fmt(a):
        return "-" if np.isnan(a).any() or not a.size else f"{a.mean():.2f} ({a.std() / np.sqrt(len(a)):.2f})"

    for name, c in sides.items():
        for j, kind in enumerate(KINDS):
            cols = (c[:, 0, j, 0], c[:, 1:2, j, 0].ravel(), c[:, 0, j, 1], c[:, 0, j, 2])
            view = c[:, 1:, j, 3]
            print(f"{name:8s}{kind:10s}" + "".join(f"{fmt(a):>21s}" for a in cols)
                  + f"{'-' if np.isnan(view).any() or not view.size else f'{view.mean():.3f}':>21s}")


if __name__ == "__main__":
    main()
