"""``envgen train`` numbers as a user types them: bad ones refused before anything runs, and the steps that
run are the steps every record says."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from envgen.cli import main
from envgen.train.logs import read_rows

SMALL = ["--env", "minigrid/Empty-5x5", "--num-envs", "8", "--num-steps", "16", "--updates-per-chunk", "1"]


@pytest.mark.parametrize("option, value", [
    ("--steps", "0"), ("--seeds", "0"), ("--lr", "nan"), ("--lr", "0"), ("--checkpoint-every", "0"),
    ("--eval-horizon", "-5"), ("--eval-horizon", "0"), ("--seed", "1" + "0" * 30), ("--num-envs", "100000000"),
])
def test_bad_numbers_are_refused_before_anything_is_written(tmp_path, option, value):
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["train", *SMALL, "--out", str(out), option, value])
    assert result.exit_code != 0
    assert option in result.output, result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_steps_are_rounded_to_whole_chunks_and_every_record_agrees(tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["train", *SMALL, "--steps", "300", "--eval-episodes", "0", "--out", str(out)])
    assert result.exit_code == 0, result.output
    # 8 envs x 16 steps x 1 update = 128 steps a chunk: 300 runs as 3 chunks = 384 steps
    assert "note: --steps 300 rounded up to 384: 3 chunk(s) of 128 steps" in result.output
    assert json.loads((out / "train.json").read_text())["steps"] == 384
    assert max(r["steps"] for r in read_rows(out / "metrics.jsonl") if r["kind"] == "train") == 384
