"""World-generation statistics of the original ``crafter`` package, per seed.

``python tests/crafter/crafter_reference.py materials`` regenerates ``data/crafter_worldgen.json``, the
material fractions of seeds 0-31 (about a minute: the package evaluates OpenSimplex noise tile by tile
in Python). ``python tests/crafter/crafter_reference.py mobs`` regenerates ``data/crafter_start_mobs.json``,
the zombies, cows and skeletons near the player right after ``crafter.Env(seed=s).reset()`` for seeds
0-399 (about 15 minutes). The tests re-generate two stored seeds of each with the installed package and
check they match the files exactly, so the caches cannot drift from the package.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data" / "crafter_worldgen.json"
MOBS_DATA = Path(__file__).parent / "data" / "crafter_start_mobs.json"
MATERIALS = ("water", "grass", "stone", "path", "sand", "tree", "lava", "coal", "iron", "diamond")
SEEDS = range(32)
MOB_SEEDS = range(400)
KINDS = ("zombie", "cow", "skeleton")
CHUNK = 12  # Crafter's chunk size (balancing works chunk by chunk)


def crafter_materials(seed: int) -> np.ndarray:
    """The (64, 64) material-name grid that crafter's worldgen makes for ``seed`` (player at the centre)."""
    from crafter import constants, engine, objects, worldgen

    world = engine.World((64, 64), constants.materials, (12, 12))
    world.reset(seed=seed)
    player = objects.Player(world, (32, 32))
    world.add(player)
    worldgen.generate_world(world, player)
    names = np.array([world._mat_names[i] for i in range(len(world._mat_names))], dtype=object)
    return names[world._mat_map]


def fractions(grid: np.ndarray) -> dict[str, float]:
    return {m: float((grid == m).mean()) for m in MATERIALS}


def start_counts(player, positions: dict[str, np.ndarray]) -> dict[str, dict[str, int]]:
    """Per area, per kind: how many of the (N, 2) ``positions`` lie in

    * ``block``: the 3x3 block of 12x12 chunks around the player's chunk (the start block: the chunks
      envgen simulates and balances, and where Crafter's balancing first acts around the player),
    * ``near``: Crafter's update distance, L1 < 18 (the mobs that move at all),
    * ``square``: the 37x37 square centred on the player (18 tiles each way). The start block is aligned
      to chunks, so from the start tile (32, 32) it reaches 20 tiles left and up but only 15 right and
      down; this square shows the mobs envgen drops beyond the block.
    """
    player = np.asarray(player)
    out = {"block": {}, "near": {}, "square": {}}
    for kind in KINDS:
        pos = np.asarray(positions[kind], dtype=np.int64).reshape(-1, 2)
        out["block"][kind] = int((np.abs(pos // CHUNK - player // CHUNK) <= 1).all(-1).sum())
        out["near"][kind] = int((np.abs(pos - player).sum(-1) < 18).sum())
        out["square"][kind] = int((np.abs(pos - player) <= 18).all(-1).sum())
    return out


def crafter_start_mobs(seed: int) -> dict[str, dict[str, int]]:
    """``start_counts`` right after ``crafter.Env(seed=seed).reset()``, before any step."""
    import crafter
    from crafter import objects

    classes = {"zombie": objects.Zombie, "cow": objects.Cow, "skeleton": objects.Skeleton}
    env = crafter.Env(seed=seed)
    env._obs = lambda: None  # rendering is not needed
    env.reset()
    objs = env._world.objects
    return start_counts(env._player.pos, {k: [o.pos for o in objs if isinstance(o, c)] for k, c in classes.items()})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("materials", "mobs"))
    args = ap.parse_args()
    DATA.parent.mkdir(exist_ok=True)
    if args.what == "materials":
        data = {str(seed): fractions(crafter_materials(seed)) for seed in SEEDS}
        DATA.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        print(f"wrote {DATA}")
    else:
        write_mobs({seed: crafter_start_mobs(seed) for seed in MOB_SEEDS})


def write_mobs(data: dict[int, dict]) -> None:
    """One seed per line: a diff shows which seeds changed."""
    lines = [f'"{seed}":{json.dumps(data[seed], sort_keys=True, separators=(",", ":"))}' for seed in sorted(data)]
    MOBS_DATA.write_text("{\n" + ",\n".join(lines) + "\n}\n")
    print(f"wrote {MOBS_DATA}")


if __name__ == "__main__":
    main()
