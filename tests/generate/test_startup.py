"""What a first command imports: envgen's own gymnax-style base, none of gymnax's bundled environments or
plotting stack; and gymnax itself still works beside it, with envgen's spaces being gymnax's classes."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import json, sys
import envgen.envs.crafter.env as crafter
lean = not any(m.split(".")[0] in ("gymnax", "seaborn", "matplotlib", "pandas") for m in sys.modules)
import gymnax  # the full package works alongside; envgen's spaces are its classes
from gymnax.environments import spaces
env, params = gymnax.make("CartPole-v1")
print(json.dumps({"lean": lean, "crafter_box": isinstance(crafter.Crafter().observation_space(None), spaces.Box),
                  "cartpole": type(env).__name__, "discrete": type(spaces.Discrete(3)).__name__}))
"""


def test_envs_import_without_gymnax_and_gymnax_still_works_beside_them():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"lean": True, "crafter_box": True, "cartpole": "CartPole", "discrete": "Discrete"}
