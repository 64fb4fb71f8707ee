"""`envgen curriculum run` end to end: logs, checkpoints, resume equals uninterrupted, plots, bad files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from envgen.cli import main
from envgen.teachers.config import CurriculumError, load_curriculum
from envgen.train.checkpoint import Checkpointer

MINIGRID = """
name: tiny-accel
family: minigrid
targets: [minigrid/DoorKey-5x5]
space:
  base: minigrid/DoorKey-5x5
  dims: [layout.width, door.locked_prob]
  restrict: {layout.width: [5, 8]}
teacher: {kind: accel, capacity: 8, replay_prob: 1.0, min_fill: 0.5}
student: {kind: random, num_envs: 4, steps: 16}
budget: {chunks: 4}
evaluation: {every: 2, steps: 16, seeds: 2, heldout: [minigrid/Empty-5x5]}
checkpoint_every: 2
"""


def write(tmp_path, text, name="c.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def run_cli(*args):
    result = CliRunner().invoke(main, ["curriculum", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.slow
def test_minigrid_run_logs_every_chunk_and_resume_equals_uninterrupted(tmp_path):
    path = write(tmp_path, MINIGRID)
    run_cli("run", path, "--out", tmp_path / "full", "--quiet")
    full = [json.loads(x) for x in (tmp_path / "full" / "log.jsonl").read_text().splitlines()]
    assert [r["chunk"] for r in full] == [1, 2, 3, 4]
    assert [r["teacher"]["kind"] for r in full] == ["new", "replay", "mutate", "replay"]
    assert all(len(r["tasks_u"]) == 4 and "buffer_hist" in r for r in full)
    assert full[1]["eval"]["tasks"] == ["minigrid/Empty-5x5"] and "eval" not in full[0]

    # the same run cut after the chunk-2 checkpoint (a kill loses chunk 3's log line), then resumed
    cut = path.read_text().replace("chunks: 4", "chunks: 2")
    short = write(tmp_path, cut, "short.yaml")
    run_cli("run", short, "--out", tmp_path / "resumed", "--quiet")
    with open(tmp_path / "resumed" / "log.jsonl", "a") as f:
        f.write('{"chunk": 3, "half-written": true}\n')
    run_cli("run", path, "--out", tmp_path / "resumed", "--resume", "--quiet")
    resumed = [json.loads(x) for x in (tmp_path / "resumed" / "log.jsonl").read_text().splitlines()]
    assert resumed == full

    out = run_cli("plot", tmp_path / "full").output
    assert (tmp_path / "full" / "curriculum.png").stat().st_size > 1000 and "curriculum.png" in out
    # `envgen plot RUN` recognises a curriculum run and draws the same view
    result = CliRunner().invoke(main, ["plot", str(tmp_path / "full"), "--out", str(tmp_path / "view.png")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "view.png").stat().st_size > 1000


def test_a_second_run_into_the_same_folder_needs_resume(tmp_path):
    path = write(tmp_path, MINIGRID.replace("chunks: 4", "chunks: 1"))
    run_cli("run", path, "--out", tmp_path / "r", "--quiet")
    result = CliRunner().invoke(main, ["curriculum", "run", str(path), "--out", str(tmp_path / "r"), "--quiet"])
    assert result.exit_code != 0 and "--resume" in result.output


def test_resume_refuses_an_old_msgpack_checkpoint_instead_of_starting_over(tmp_path):
    path = write(tmp_path, MINIGRID.replace("chunks: 4", "chunks: 1"))
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "log.jsonl").write_text('{"chunk": 1}\n')
    (tmp_path / "r" / "checkpoint.msgpack").write_bytes(b"\x80")
    args = ["curriculum", "run", str(path), "--out", str(tmp_path / "r"), "--resume", "--quiet"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0 and "checkpoint.msgpack was written by an older envgen" in result.output
    assert (tmp_path / "r" / "log.jsonl").read_text() == '{"chunk": 1}\n'  # nothing lost


@pytest.mark.parametrize("edit,message", [
    (("kind: accel", "kind: teleport"), "teacher.kind"),
    (("capacity: 8", "capacity: 8, bogus: 1"), "teacher.bogus: not a accel setting"),
    (("num_envs: 4", "num_envs: 1"), "student.num_envs"),
    (("minigrid/DoorKey-5x5]", "minigrid/NoSuchRoom]"), "unknown task 'minigrid/NoSuchRoom'"),
])
def test_bad_curricula_name_the_field(tmp_path, edit, message):
    path = write(tmp_path, MINIGRID.replace(*edit))
    result = CliRunner().invoke(main, ["curriculum", "run", str(path), "--out", str(tmp_path / "r"), "--quiet"])
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output


def test_random_teacher_without_a_space_is_refused(tmp_path):
    path = write(tmp_path, "name: x\nfamily: minigrid\ntargets: [minigrid/Empty-5x5]\nteacher: {kind: random}\n"
                           "budget: {chunks: 1}\n")
    with pytest.raises(CurriculumError, match="c.yaml: .*teacher random needs a space"):
        load_curriculum(path)


def test_shipped_example_curricula_are_valid():
    from envgen.resources import resource_dir

    files = sorted((resource_dir("curricula")).glob("*.yaml"))
    assert {load_curriculum(f).family for f in files} == {"minigrid", "crafter"}
    assert np.all([load_curriculum(f).budget.chunks > 0 for f in files])


CRAFTER = """
name: tiny-crafter-llm
family: crafter
goal: Collect wood, place a table and make a wood pickaxe.
targets: [short.yaml]
teacher: {kind: llm, every: 1, envs_per_call: 2, llm_share: 0.5}
student: {kind: random, num_envs: 4, steps: 24}
budget: {chunks: 1}
evaluation: {every: 1, steps: 24, seeds: 1}
checkpoint_every: 1
"""


@pytest.mark.slow
def test_crafter_llm_run_rewrites_the_llm_share_from_achievement_rates(tmp_path):
    # short episodes, so a random student finishes some in every chunk and the teacher gets rates
    write(tmp_path, "family: crafter\nname: short\nmax_steps: 10\n", "short.yaml")
    path = write(tmp_path, CRAFTER)
    run_cli("run", path, "--out", tmp_path / "run", "--quiet")
    log = [json.loads(x) for x in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [r["teacher"]["cycle"] for r in log] == [1]
    assert len(log[0]["achievements"]) == 22 and log[0]["teacher"]["weakest"]
    saved = log[0]["configs"]  # the generator may reject one of the two; the accepted are saved
    assert 1 <= len(saved) <= 2 and all((tmp_path / "run" / c["file"]).is_file() for c in saved)
    checkpoints = Checkpointer(tmp_path / "run" / "checkpoints")
    host = checkpoints.meta(checkpoints.latest())["teacher_host"]  # saved with the checkpoint, in one step
    assert [c["name"] for c in host["previous"]] == [c["name"] for c in saved]
    assert log[0]["eval"]["tasks"] == ["short"]


def test_target_phase_cannot_exceed_the_budget(tmp_path):
    path = write(tmp_path, MINIGRID.replace("budget: {chunks: 4}", "budget: {chunks: 4, target_chunks: 5}"))
    with pytest.raises(CurriculumError, match=r"c.yaml: budget: .*target_chunks \(5\) cannot exceed chunks \(4\)"):
        load_curriculum(path)
