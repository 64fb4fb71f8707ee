"""Run one tiny PPO comparison in lockstep, sequentially and (on several devices) in lockstep with the env
slots split over the devices; save every run's log and how often the student's chunk was traced.

``python lockstep_worker.py OUT.json`` (with ``XLA_FLAGS=--xla_force_host_platform_device_count=N``).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import jax

from envgen.compare.config import load_comparison
from envgen.compare.run import Comparison, run_dir

# 2 teachers (PLR with its host-side replay/new branch and the MaxMC score) x 2 seeds x 3 chunks
COMPARISON = """
name: tiny-ppo
family: minigrid
targets: [minigrid/Empty-5x5]
seeds: 2
space:
  base: minigrid/Empty-5x5
  dims: [layout.width]
  restrict: {{layout.width: [5, 6]}}
student: {{kind: ppo, num_envs: 4, steps: 16, update_epochs: 1, num_minibatches: 2, network: mlp,
          devices: {devices}}}
budget: {{chunks: 3, target_chunks: 1}}
evaluation: {{every: 2, steps: 16, seeds: 2}}
checkpoint_every: 2
baselines: [fixed]
teachers:
  fixed: {{kind: fixed}}
  plr: {{kind: plr, capacity: 8, replay_prob: 0.5, min_fill: 0.25, score: maxmc}}
"""


def read_logs(out: Path, config) -> dict[str, list[dict]]:
    """Every run's log lines, by ``teacher/seed``."""
    return {f"{label}/{seed}": [json.loads(line) for line in (run_dir(out, label, seed) / "log.jsonl").open()]
            for label in config.teachers for seed in config.seeds}


def run(folder: Path, devices: int, lockstep: bool) -> dict:
    path = folder / f"c{devices}.yaml"
    path.write_text(COMPARISON.format(devices=devices))
    config = load_comparison(path)
    out = folder / f"{'lockstep' if lockstep else 'sequential'}{devices}"
    cmp = Comparison(config, out, lockstep=lockstep)
    cmp.run()
    (evaluate,) = cmp.student._eval_seeds.values()
    return {"logs": read_logs(out, config), "chunk_traces": cmp.student.ppo.traces,
            "eval_compiles": evaluate._cache_size()}


def main() -> None:
    devices = jax.local_device_count()
    with tempfile.TemporaryDirectory() as tmp:
        res = {"lockstep": run(Path(tmp), 1, True), "sequential": run(Path(tmp), 1, False)}
        if devices > 1:
            res["sharded"] = run(Path(tmp), devices, True)
    Path(sys.argv[1]).write_text(json.dumps({"devices": devices, **res}))


if __name__ == "__main__":
    main()
