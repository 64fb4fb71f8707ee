"""Run one tiny PPO curriculum on one device and split over every local device; save both logs.

``python curriculum_shard_worker.py OUT.json`` (with ``XLA_FLAGS=--xla_force_host_platform_device_count=N``).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import jax

from envgen.teachers.config import load_curriculum
from envgen.teachers.loop import CurriculumRun

CURRICULUM = """
name: sharded
family: minigrid
targets: [minigrid/Empty-5x5]
teacher: {{kind: fixed}}
student: {{kind: ppo, num_envs: 8, steps: 16, update_epochs: 1, num_minibatches: 2, devices: {devices}}}
budget: {{chunks: 1}}
evaluation: {{every: 4, steps: 8, seeds: 1}}
checkpoint_every: 4
"""


def run(devices: int, folder: Path) -> list[dict]:
    path = folder / f"c{devices}.yaml"
    path.write_text(CURRICULUM.format(devices=devices))
    CurriculumRun(load_curriculum(path), folder / f"run{devices}").run()
    return [json.loads(line) for line in (folder / f"run{devices}" / "log.jsonl").read_text().splitlines()]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        logs = {str(d): run(d, Path(tmp)) for d in (1, jax.local_device_count())}
    Path(sys.argv[1]).write_text(json.dumps({"devices": jax.local_device_count(), "logs": logs}))


if __name__ == "__main__":
    main()
