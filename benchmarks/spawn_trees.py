"""How close to the player's start the trees are, in the original Crafter, envgen and Craftax-Classic.

A fidelity diagnostic, not a speed benchmark: the same PPO collects wood in 34% of envgen episodes and
71% of Craftax-Classic ones (docs/benchmarks.md, "Learning equivalence: Crafter"), and the first tree a
policy can reach decides that. Crafter's world generation keeps a grass-only start area around the
player (``start > 0.5 -> grass``, shared/reference "World generation"), so its nearest tree is a few
tiles away. Prints, per simulator, the tree share of the map, trees inside the 9x7 view at the start
and the Manhattan distance from the player to the nearest tree.

    python benchmarks/spawn_trees.py --worlds 128

Needs the ``bench`` extra (crafter, craftax).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jax
import numpy as np


def summary(trees: np.ndarray, pos: np.ndarray) -> str:
    """``trees``: bool [N, 64, 64] tree masks; ``pos``: int [N, 2] player positions (row, col)."""
    in_view, nearest = [], []
    for mask, (r, c) in zip(trees, pos, strict=True):
        in_view.append(mask[max(r - 4, 0):r + 5, max(c - 3, 0):c + 4].sum())
        cells = np.argwhere(mask)
        nearest.append(np.abs(cells - (r, c)).sum(1).min() if len(cells) else np.inf)
    in_view, nearest = np.array(in_view), np.array(nearest)
    return (f"tree share {trees.mean():.3f} | trees in the 9x7 start view: mean {in_view.mean():.2f}, "
            f"P(any) {np.mean(in_view > 0):.2f} | nearest tree: median {np.median(nearest):.0f}, "
            f"mean {nearest.mean():.1f} tiles")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=128)
    n = parser.parse_args().worlds

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "crafter"))
    from crafter_reference import crafter_materials  # the original package's worldgen, player at (32, 32)

    trees = np.stack([crafter_materials(seed) == "tree" for seed in range(n)])
    print(f"crafter (original)  {summary(trees, np.full((n, 2), 32))}")

    import envgen
    from envgen.envs.crafter import constants

    keys = jax.random.split(jax.random.key(0), n)
    env, params = envgen.make("crafter")
    _, state = jax.jit(jax.vmap(env.reset, in_axes=(0, None)))(keys, params)
    print(f"envgen crafter      {summary(np.asarray(state.map) == constants.TREE, np.asarray(state.player_pos))}")

    from craftax.craftax_classic.constants import BlockType
    from craftax.craftax_env import make_craftax_env_from_name

    craftax = make_craftax_env_from_name("Craftax-Classic-Symbolic-v1", auto_reset=False)
    _, cstate = jax.jit(jax.vmap(craftax.reset, in_axes=(0, None)))(keys, craftax.default_params)
    trees = np.asarray(cstate.map) == BlockType.TREE.value
    print(f"Craftax-Classic     {summary(trees, np.asarray(cstate.player_position))}")


if __name__ == "__main__":
    main()
