"""Creatures near the start, envgen vs the ``crafter`` package (a measurement, not a test).

``python tests/crafter/measure_creatures.py --seeds 200 --steps 50`` resets both over the same number of
worlds, takes ``--steps`` noop steps, and prints, per kind, the mean number of mobs (with its standard
error)

* in the 3x3 chunk block around the player (the area envgen simulates) right after reset and after step 1,
* within Crafter's update distance (L1 < 18) right after reset,
* in the agent's 9x7 view, averaged over the steps.

The crafter side takes about 2 s per world (its noise is evaluated tile by tile in Python).
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np

KINDS = ("zombie", "cow", "skeleton")
VIEW = (4, 3)  # half-width, half-height of the 9x7 view


def _counts(player, mobs: dict[str, np.ndarray]) -> dict[str, tuple[int, int, int]]:
    """Per kind: (in the 3x3 chunk block, within L1 < 18, in view) for (N, 2) positions."""
    out = {}
    for kind, pos in mobs.items():
        pos = np.asarray(pos).reshape(-1, 2)
        block = (np.abs(pos // 12 - np.asarray(player) // 12) <= 1).all(-1)
        near = np.abs(pos - player).sum(-1) < 18
        view = (np.abs(pos[:, 0] - player[0]) <= VIEW[0]) & (np.abs(pos[:, 1] - player[1]) <= VIEW[1])
        out[kind] = (int(block.sum()), int(near.sum()), int(view.sum()))
    return out


def crafter_side(seeds: int, steps: int) -> np.ndarray:
    """(seeds, steps + 1, kinds, 3) counts from the crafter package (index 0: right after reset)."""
    import crafter
    from crafter import objects

    classes = {"zombie": objects.Zombie, "cow": objects.Cow, "skeleton": objects.Skeleton}
    out = np.zeros((seeds, steps + 1, len(KINDS), 3))
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
    """(seeds, steps + 1, kinds, 3) counts from envgen's crafter with default params (index 0: reset)."""
    from envgen.envs.crafter.env import Crafter

    env = Crafter()
    params = env.default_params
    keys = jax.random.split(jax.random.key(0), seeds)
    _, states = jax.jit(jax.vmap(env.reset, in_axes=(0, None)))(keys, params)
    vstep = jax.jit(jax.vmap(env.step, in_axes=(0, 0, 0, None)))
    noop = jnp.zeros((seeds,), jnp.int32)
    out = np.zeros((seeds, steps + 1, len(KINDS), 3))
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
    ap.add_argument("--sides", default="envgen,crafter", help="comma-separated: envgen, crafter")
    args = ap.parse_args()
    run = {"envgen": envgen_side, "crafter": crafter_side}
    sides = {name: run[name](args.seeds, args.steps) for name in args.sides.split(",")}
    print(f"mean (standard error) over {args.seeds} worlds, noop actions")
    print(f"{'':10s}{'kind':10s}{'3x3 block, reset':>18s}{'3x3 block, step 1':>19s}{'L1 < 18, reset':>18s}"
          f"{f'in view, steps 1-{args.steps}':>22s}")
    fmt = lambda a: f"{a.mean():.2f} ({a.std() / np.sqrt(len(a)):.2f})"
    for name, c in sides.items():
        for j, kind in enumerate(KINDS):
            print(f"{name:10s}{kind:10s}{fmt(c[:, 0, j, 0]):>18s}{fmt(c[:, 1, j, 0]):>19s}{fmt(c[:, 0, j, 1]):>18s}"
                  f"{c[:, 1:, j, 2].mean():22.3f}")


if __name__ == "__main__":
    main()
