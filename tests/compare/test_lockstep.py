"""Seeds in lockstep: one seed-vmapped student chunk for all of a teacher's seeds gives every seed the
numbers it gets alone, compiles once per comparison, and resumes exactly from uneven checkpoints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from lockstep_worker import COMPARISON, read_logs

from envgen.compare.config import load_comparison
from envgen.compare.run import Comparison, run_dir

WORKER = Path(__file__).with_name("lockstep_worker.py")
ROOT = Path(__file__).resolve().parents[2]


def assert_same_runs(a, b, score_rtol=1e-4):
    """Two sets of run logs agree: the same teacher decisions, tasks and episodes, floats within tolerance."""
    assert a.keys() == b.keys()
    for run in a:
        assert len(a[run]) == len(b[run]), run
        for ra, rb in zip(a[run], b[run], strict=True):
            assert ra["teacher"] == rb["teacher"] and ra["episodes"] == rb["episodes"], run
            assert ra.get("tasks_u") == rb.get("tasks_u"), run
            np.testing.assert_allclose(ra["success"], rb["success"], atol=1e-6)
            np.testing.assert_allclose(ra["score"], rb["score"], rtol=score_rtol, atol=1e-5)
            assert ("eval" in ra) == ("eval" in rb)
            if "eval" in ra:
                np.testing.assert_allclose(ra["eval"]["mean"], rb["eval"]["mean"], atol=1e-6)


@pytest.fixture(scope="module")
def ppo(tmp_path_factory):
    """The worker's tiny PPO comparison, in a subprocess with 2 host devices at XLA's cheapest level
    (equality, not speed, is tested)."""
    flags = f"{os.environ.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count=2"
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "XLA_FLAGS": flags, "PYTHONPATH": str(ROOT),
           "JAX_COMPILATION_CACHE_DIR": os.environ.get("ENVGEN_TEST_JAX_CACHE", str(ROOT / ".jax_cache"))}
    out = tmp_path_factory.mktemp("ppo") / "runs.json"
    run = subprocess.run([sys.executable, str(WORKER), str(out)], env=env, capture_output=True, text=True,
                         timeout=1200)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.mark.slow
def test_lockstep_ppo_seeds_get_the_numbers_they_get_alone(ppo):
    lockstep, sequential = ppo["lockstep"]["logs"], ppo["sequential"]["logs"]
    assert_same_runs(lockstep, sequential)
    # the two seeds are different runs (not one seed copied), and PLR went through its target phase
    assert lockstep["plr/0"][0]["tasks_u"] != lockstep["plr/1"][0]["tasks_u"]
    assert [r["teacher"].get("phase") for r in lockstep["plr/1"]] == [None, None, "target"]


@pytest.mark.slow
def test_one_compiled_chunk_and_evaluation_per_comparison(ppo):
    # 2 teachers (PVL and MaxMC scores) x 2 seeds x 3 chunks: the seed-vmapped chunk is traced once and
    # the vmapped evaluation compiled once, in lockstep and sequentially alike
    for mode in ("lockstep", "sequential", "sharded"):
        assert ppo[mode]["chunk_traces"] == 1, mode
        assert ppo[mode]["eval_compiles"] == 1, mode


@pytest.mark.slow
def test_lockstep_with_env_slots_split_over_devices_matches_one_device(ppo):
    assert ppo["devices"] == 2
    # collectives sum in another order: the regret scores carry float noise, nothing else changes
    assert_same_runs(ppo["sharded"]["logs"], ppo["lockstep"]["logs"], score_rtol=2e-3)


# the worker's comparison with the random student and one more chunk (4: checkpoints at 2 and 4)
RANDOM = (COMPARISON.format(devices=1)
          .replace("{kind: ppo, num_envs: 4, steps: 16, update_epochs: 1, num_minibatches: 2, network: mlp,\n"
                   "          devices: 1}", "{kind: random, num_envs: 4, steps: 32}")
          .replace("chunks: 3", "chunks: 4"))


class KilledError(Exception):
    """Stands for a kill -9 between two runs' checkpoint writes."""


@pytest.mark.slow
def test_resume_from_uneven_checkpoints_in_a_group_equals_uninterrupted(tmp_path, monkeypatch):
    from envgen.teachers.loop import CurriculumRun

    path = tmp_path / "cmp.yaml"
    path.write_text(RANDOM)
    config = load_comparison(path)
    assert config.student.kind == "random" and config.budget.chunks == 4
    Comparison(config, tmp_path / "full").run()

    # plr seed 0 writes its final (chunk-4) checkpoint; the kill comes before seed 1's, whose last
    # checkpoint is chunk 2's: the resumed group runs seed 1's chunks 3-4 beside seed 0's finished lane
    save = CurriculumRun.save

    def dying_save(self, rs):
        if self.out == run_dir(tmp_path / "cut", "plr", 1) and rs.chunk == 4:
            raise KilledError
        save(self, rs)

    monkeypatch.setattr(CurriculumRun, "save", dying_save)
    with pytest.raises(KilledError):
        Comparison(config, tmp_path / "cut").run()
    monkeypatch.undo()
    cut = lambda seed: run_dir(tmp_path / "cut", "plr", seed)  # noqa: E731
    assert not (cut(0) / "done").exists() and len((cut(1) / "log.jsonl").read_text().splitlines()) == 4
    resumed = Comparison(config, tmp_path / "cut")
    resumed.run(resume=True)
    assert all(resumed.is_done(label, s) for label in config.teachers for s in config.seeds)
    assert read_logs(tmp_path / "cut", config) == read_logs(tmp_path / "full", config)
    a, b = resumed.results(), Comparison(config, tmp_path / "full").results()
    for entry in [*a["teachers"].values(), *b["teachers"].values()]:
        for key in ("wall_clock_s", "wall_clock_per_seed", "steps_per_s", "provenance"):  # machine, load-dependent
            entry.pop(key)
    assert a == b
