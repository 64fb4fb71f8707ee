"""World-generation fractions of the original ``crafter`` package, per seed.

``python tests/crafter/crafter_reference.py`` regenerates ``data/crafter_worldgen.json`` (about a minute:
the package evaluates OpenSimplex noise tile by tile in Python). The statistics test re-generates two of
the stored seeds with the installed package and checks they match the file exactly, so the cache cannot
drift from the package.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data" / "crafter_worldgen.json"
MATERIALS = ("water", "grass", "stone", "path", "sand", "tree", "lava", "coal", "iron", "diamond")
SEEDS = range(32)


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


def main() -> None:
    data = {str(seed): fractions(crafter_materials(seed)) for seed in SEEDS}
    DATA.parent.mkdir(exist_ok=True)
    DATA.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {DATA}")


if __name__ == "__main__":
    main()
