"""Helpers of the hostile-input tests: a generated folder written by hand, as someone else could share it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

import envgen

CONFIG = "family: minigrid\nmax_steps: 64\n"


def write_folder(root: Path, programs: list[str], config: str = CONFIG, **entry_fields) -> Path:
    """A folder in the layout envgen writes (every hash pinned in run.json), one environment per program."""
    (root / "envs").mkdir(parents=True)
    (root / "rewards").mkdir()
    envs = []
    for i, program in enumerate(programs):
        name = entry_fields.get("name_format", "env{i:02d}").format(i=i)
        (root / "envs" / f"{name}.yaml").write_text(config)
        (root / "rewards" / f"{name}.py").write_text(program)
        envs.append({"name": name, "config": f"envs/{name}.yaml",
                     "config_hash": hashlib.sha256(config.encode()).hexdigest(),
                     "reward": f"rewards/{name}.py", "reward_hash": hashlib.sha256(program.encode()).hexdigest(),
                     "purpose": entry_fields.get("purpose", "p"),
                     "solvability": {"ok": True, "fraction": 0.875},
                     **({"targets": entry_fields["targets"]} if "targets" in entry_fields else {})})
    run = {"format": 2, "envgen_version": envgen.__version__, "goal": "g", "family": "minigrid",
           "status": "ok", "environments": envs, "rejected": []}
    (root / "run.json").write_text(json.dumps(run))
    return root


@pytest.fixture
def make_folder() -> Callable[..., Path]:
    """``make_folder(root, programs, config=..., purpose=..., targets=[...], name_format=...)``."""
    return write_folder
