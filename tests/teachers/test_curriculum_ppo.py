"""`envgen curriculum run` with the PPO student: it learns, and the teacher moves on because it did."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from envgen.cli import main

# Empty-5x5 with the agent one step from the goal, facing it, and a 5-step limit: "forward" solves it, a
# random policy does a fraction of the time, and hundreds of episodes end in every chunk.
SHORT = """
family: minigrid
name: short
layout: {type: empty, width: 5, height: 5}
agent: {x: 2, y: 3, dir: right}
goal: {x: -2, y: -2}
mission: {type: reach_goal}
max_steps: 5
"""

CURRICULUM = """
name: tiny-ppo-sequence
family: minigrid
targets: [minigrid/Empty-6x6]
teacher:
  kind: sequence
  stages:
    - {tasks: [short.yaml], threshold: 0.6, min_episodes: 32}
    - {tasks: [minigrid/Empty-6x6], threshold: 1.0, min_episodes: 32}
student: {kind: ppo, num_envs: 16, steps: 64, updates_per_chunk: 2, lr: 0.001, update_epochs: 2}
budget: {chunks: 8}
evaluation: {every: 4, steps: 16, seeds: 1, heldout: [short.yaml]}
checkpoint_every: 4
"""


@pytest.mark.slow
def test_ppo_student_learns_and_the_sequence_teacher_advances(tmp_path):
    (tmp_path / "short.yaml").write_text(SHORT)
    path = tmp_path / "c.yaml"
    path.write_text(CURRICULUM)
    result = CliRunner().invoke(main, ["curriculum", "run", str(path), "--out", str(tmp_path / "run"), "--quiet"])
    assert result.exit_code == 0, result.output
    log = [json.loads(x) for x in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [r["chunk"] for r in log] == list(range(1, 9))
    for r in log:  # per-chunk, per-slot success and the PPO's regret scores
        success, episodes = np.array(r["success"]), np.array(r["episodes"])
        assert success.shape == episodes.shape == (16,) and np.all((success >= 0) & (success <= 1))
        assert np.all(np.isfinite(r["score"])) and 0.0 <= r["mean_success"] <= 1.0
    stages = [r["teacher"]["stage"] for r in log]
    assert stages[0] == 0 and log[0]["mean_success"] < 0.6  # the untrained policy does not pass ...
    assert stages[-1] == 1, [r["mean_success"] for r in log]  # ... the trained one does: the teacher moved on
    passed = stages.index(1)
    assert log[passed]["mean_success"] > log[0]["mean_success"]
    assert log[3]["eval"]["tasks"] == ["short"] and np.isfinite(log[3]["eval"]["mean"][0])
