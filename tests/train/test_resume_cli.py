"""``envgen train`` end to end: kill -9 then --resume gives the uninterrupted run's metrics; plot draws it."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from envgen.cli import main
from envgen.train.logs import TIMING_FIELDS, read_rows

ROOT = Path(__file__).resolve().parents[2]
ARGS = ["--env", "minigrid/Empty-5x5", "--steps", "5120", "--seeds", "1", "--num-envs", "8", "--num-steps", "16",
        "--updates-per-chunk", "1", "--eval-episodes", "4", "--eval-horizon", "12", "--eval-every", "8"]


def _env():
    cache = os.environ.get("ENVGEN_TEST_JAX_CACHE", str(ROOT / ".jax_cache"))
    # equality, not speed, is tested: conftest's fast-compile XLA flags, inherited
    flags = os.environ.get("XLA_FLAGS", "")
    return {**os.environ, "JAX_PLATFORMS": "cpu", "JAX_COMPILATION_CACHE_DIR": cache, "XLA_FLAGS": flags,
            "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0.5", "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0"}


def _train(out: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-c", "from envgen.cli import main; main()", "train", *ARGS, "--out", str(out), *extra]
    return subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _comparable(rows):
    return [{k: v for k, v in r.items() if k not in TIMING_FIELDS} for r in rows]


@pytest.mark.slow
def test_resume_after_kill_9_equals_uninterrupted_run(tmp_path):
    procs = []
    try:
        # the uninterrupted run first: it also fills the compile cache the other two then read
        full = _train(tmp_path / "full")
        procs.append(full)
        out_full, _ = full.communicate(timeout=900)
        assert full.returncode == 0, out_full
        killed = _train(tmp_path / "killed")
        procs.append(killed)
        metrics = tmp_path / "killed" / "metrics.jsonl"
        deadline = time.time() + 600
        while time.time() < deadline and killed.poll() is None:
            if sum(r["kind"] == "train" for r in read_rows(metrics)) >= 3:  # three chunks
                break
            time.sleep(0.05)
        assert killed.poll() is None, killed.stdout.read()
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait()
        before = read_rows(metrics)
        assert 3 <= sum(r["kind"] == "train" for r in before) < 40
        resumed = _train(tmp_path / "killed", "--resume")
        procs.append(resumed)
        out, _ = resumed.communicate(timeout=600)
        assert resumed.returncode == 0, out
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    rows_full, rows_resumed = read_rows(tmp_path / "full" / "metrics.jsonl"), read_rows(metrics)
    assert len(rows_full) == 40 + 5  # forty chunks and five evaluations
    assert _comparable(rows_resumed) == _comparable(rows_full)
    assert rows_resumed[:len(before)] == before  # rows written before the crash were kept as they were
    assert "evaluation" in out and "success" in out  # the summary table

    # the plot of the finished run
    result = CliRunner().invoke(main, ["plot", str(tmp_path / "full")], catch_exceptions=False)
    assert result.exit_code == 0
    png = tmp_path / "full" / "curves.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_train_rejects_an_unknown_env_in_one_line(tmp_path):
    result = CliRunner().invoke(main, ["train", "--env", "minigrid/NoSuchTask", "--out", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert result.output.startswith("error: unknown environment 'minigrid/NoSuchTask'")
    assert result.output.count("\n") == 1


def test_resume_with_changed_settings_is_refused(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / "train.json").write_text(json.dumps({"env": "minigrid/Empty-5x5", "config": {"num_envs": 8},
                                                "seeds": 1, "seed": 0, "steps": 100}))
    result = CliRunner().invoke(main, ["train", "--out", str(out), "--resume", "--num-envs", "16"])
    assert result.exit_code == 1
    assert "--resume must keep the run's settings" in result.output
