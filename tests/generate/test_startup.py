"""What a first command imports: gymnax's contract without the rest of gymnax (matplotlib, pandas, scipy)."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import json, sys
import envgen.envs.crafter.env as crafter
from gymnax.environments import environment, spaces
lean = not any(m in sys.modules for m in ("seaborn", "matplotlib", "pandas", "gymnax.environments.bsuite"))
import gymnax  # the full package still works afterwards, with the same classes
env, params = gymnax.make("CartPole-v1")
print(json.dumps({"lean": lean, "same_base": gymnax.environments.environment.Environment is environment.Environment,
                  "crafter_is_gymnax": issubclass(crafter.Crafter, environment.Environment),
                  "cartpole": type(env).__name__, "discrete": type(spaces.Discrete(3)).__name__}))
"""


def test_envs_import_gymnax_contract_without_the_whole_package():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"lean": True, "same_base": True, "crafter_is_gymnax": True, "cartpole": "CartPole",
                   "discrete": "Discrete"}
