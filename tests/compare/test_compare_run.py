"""`envgen compare` end to end: two teachers x two seeds, the report files, resume after an interruption,
and comparison files with mistakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from envgen.cli import main
from envgen.compare.config import ComparisonError, load_comparison

TINY = """
name: tiny
family: minigrid
targets: [minigrid/DoorKey-5x5]
seeds: 2
space:
  base: minigrid/DoorKey-5x5
  dims: [layout.width, door.locked_prob]
  restrict: {layout.width: [5, 8]}
student: {kind: random, num_envs: 4, steps: 64}
budget: {chunks: 4, target_chunks: 1}
evaluation: {every: 2, steps: 64, seeds: 2, heldout: [minigrid/Empty-5x5]}
checkpoint_every: 2
baselines: [fixed]
teachers:
  fixed: {kind: fixed}
  plr: {kind: plr, capacity: 8, replay_prob: 0.5, min_fill: 0.5}
"""

TIMING_KEYS = ("wall_clock_s", "wall_clock_per_seed", "steps_per_s", "provenance")  # machine- and load-dependent


def write(tmp_path, text, name="cmp.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def compare(*args):
    return CliRunner().invoke(main, ["compare", *map(str, args)])


def numbers(out):
    """results.json without the machine-dependent timings (those differ between any two runs)."""
    results = json.loads((out / "results.json").read_text())
    for t in results["teachers"].values():
        for key in TIMING_KEYS:
            t.pop(key)
    return results


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("full")
    result = compare(write(tmp, TINY), "--out", tmp / "out", "--quiet", "--reps", "200")
    assert result.exit_code == 0, result.output
    return tmp / "out"


@pytest.mark.slow
def test_tiny_comparison_writes_report_json_and_plots(full):
    text = (full / "report.md").read_text()
    for png in ("learning_curves.png", "final_iqm.png", "performance_profiles.png",
                "probability_of_improvement.png", "skills.png", "curricula.png"):
        assert (full / png).stat().st_size > 1000, png
        assert f"({png})" in text
    results = json.loads((full / "results.json").read_text())
    assert results["total_steps"] == 4 * 4 * 64 and results["seeds"] == [0, 1]
    for name in ("fixed", "plr"):
        t = results["teachers"][name]
        assert t["seeds"] == [0, 1]
        assert t["final"]["tasks"] == ["minigrid/DoorKey-5x5"] and len(t["final"]["scores"]) == 2
        assert t["heldout"]["tasks"] == ["minigrid/Empty-5x5"]
        assert t["curve"]["steps"] == [2 * 256, 4 * 256] and all(len(v) == 2 for v in t["curve"]["values"])
        assert t["skills"]["names"] == ["minigrid/DoorKey-5x5", "minigrid/Empty-5x5"]
        assert t["steps_per_s"] > 0 and len(t["wall_clock_per_seed"]) == 2
    plr = results["teachers"]["plr"]["curriculum"]
    assert "then 1 chunks on the target alone" in plr["summary"] and "replay" in plr["summary"] + "new"
    assert len(plr["mean_u"]) == 3 and plr["dims"] == ["layout.width", "door.locked_prob"]
    # every run is an ordinary curriculum run; the last chunk ran the target alone
    log = [json.loads(x) for x in (full / "runs" / "plr" / "seed1" / "log.jsonl").read_text().splitlines()]
    assert [r["teacher"].get("phase") for r in log] == [None, None, None, "target"]
    assert "IQM success" in text and "`plr`" in text and "## Held-out tasks" in text
    # sample efficiency and where the numbers were made
    assert "## Sample efficiency" in text and "runs reaching 0.5" in text and "area under the curve" in text
    assert "## Provenance" in text and "cores usable" in results["machine"]
    for t in results["teachers"].values():
        assert t["provenance"]["commits"] and "not recorded" not in t["provenance"]["commits"]
        assert len(t["provenance"]["load"]) == 2


class KilledError(Exception):
    """Stands for a kill -9: raised from the progress callback, so nothing after it runs."""


@pytest.mark.slow
def test_interrupted_comparison_resumes_to_the_same_results(tmp_path, full):
    from envgen.compare.run import Comparison

    path = write(tmp_path, TINY)
    out = tmp_path / "out"
    # teacher by teacher, a teacher's seeds in lockstep: the first group (fixed, both seeds) finishes; the
    # second (plr) dies after its chunk 3 was logged but before the chunk-4 checkpoint (the last
    # checkpoint is chunk 2's), leaving a half-written line as a kill can
    Comparison(load_comparison(path), out).run(stop_after=1)
    done = sorted(p.parent.relative_to(out / "runs").as_posix() for p in (out / "runs").glob("*/*/done"))
    assert done == ["fixed/seed0", "fixed/seed1"]

    def die(label, seed, chunk, record):
        if chunk == 3:
            raise KilledError

    with pytest.raises(KilledError):
        Comparison(load_comparison(path), out).run(resume=True, on_chunk=die)
    log = out / "runs" / "plr" / "seed0" / "log.jsonl"
    assert len(log.read_text().splitlines()) == 3 and not (log.parent / "done").exists()
    with open(log, "a") as f:
        f.write('{"chunk": 4, "half-written')
    result = compare(path, "--out", out, "--quiet", "--reps", "200")
    assert result.exit_code != 0 and "--resume" in result.output  # a second start needs --resume
    # the report so far: the finished teachers, naming the unfinished runs
    result = compare(path, "--out", out, "--report-only", "--quiet", "--reps", "200")
    assert result.exit_code == 0 and "reported without them: plr seed 0, plr seed 1" in result.output, result.output
    assert list(json.loads((out / "results.json").read_text())["teachers"]) == ["fixed"]
    result = compare(path, "--out", out, "--resume", "--quiet", "--reps", "200")
    assert result.exit_code == 0, result.output
    assert numbers(out) == numbers(full)


@pytest.mark.slow
def test_a_report_needs_two_finished_seeds_per_teacher(tmp_path, full):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(full, out)
    (out / "runs" / "plr" / "seed1" / "done").unlink()
    result = compare(write(tmp_path, TINY), "--out", out, "--report-only", "--quiet")
    assert result.exit_code != 0 and "at least 2 finished seeds" in result.output and "plr seed 1" in result.output


@pytest.mark.slow
def test_changed_comparison_refuses_to_resume(tmp_path, full):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(full, out)
    result = compare(write(tmp_path, TINY.replace("capacity: 8", "capacity: 16")), "--out", out, "--resume",
                     "--quiet")
    assert result.exit_code != 0 and "changed" in result.output


@pytest.mark.parametrize("edit,message", [
    (("seeds: 2", "seeds: 1"), "seeds: Value error, give at least 2 distinct seeds"),
    (("kind: plr,", "kind: teleport,"), "teachers.plr.kind"),
    (("capacity: 8,", "capacity: 8, bogus: 1,"), "teachers.plr.bogus: not a plr setting"),
    (("fixed: {kind: fixed}", "fixed: {kind: fixed, every: 3}"), "teachers.fixed.every: the fixed teacher has no"),
    (("minigrid/Empty-5x5]", "minigrid/Nowhere]"), "evaluation.heldout: unknown task 'minigrid/Nowhere'"),
    (("baselines: [fixed]", "baselines: [nobody]"), "baseline 'nobody' is not one of the teachers"),
    (("target_chunks: 1", "target_chunks: 9"), "budget: Value error, target_chunks (9) cannot exceed chunks (4)"),
    (("num_envs: 4", "num_envs: 1"), "student.num_envs"),
    (("  fixed: {kind: fixed}\n", "  fixed: {kind: random, space: {dims: [no.such.field]}}\n"),
     "teachers.fixed: space: "),
    (("family: minigrid", "family: atari"), "family"),
    (("name: tiny", "name: tiny\nstudnet: {}"), "studnet: Extra inputs are not permitted"),
])
def test_bad_comparison_files_name_the_field(tmp_path, edit, message):
    path = write(tmp_path, TINY.replace(*edit))
    result = compare(path, "--out", tmp_path / "out", "--quiet")
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output, result.output


def test_shipped_comparisons_are_valid():
    files = sorted((Path(__file__).parents[2] / "benchmarks" / "comparisons").glob("*.yaml"))
    assert {load_comparison(f).family for f in files} == {"minigrid", "crafter"}
    for f in files:
        config = load_comparison(f)
        assert len(config.seeds) >= 5 and config.baselines, f


def test_unreadable_comparison_file(tmp_path):
    with pytest.raises(ComparisonError, match="cmp.yaml: line 2, column 6: malformed YAML"):
        load_comparison(write(tmp_path, "name: x\n  bad: [\n"))
