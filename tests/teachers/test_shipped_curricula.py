"""The example curricula in ``curricula/`` as a user meets them: every file validates, trains the PPO student,
and together they show every teacher kind on both families; one shipped MiniGrid file runs end to end,
shrunk to two chunks."""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from envgen.cli import main
from envgen.teachers.config import TeacherConfig, load_curriculum

TEACHERS = typing.get_args(TeacherConfig.model_fields["kind"].annotation)  # every kind the schema accepts

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "curricula").glob("*.yaml"))
SMOKE = ROOT / "curricula" / "minigrid-doorkey-fixed.yaml"


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_there_are_shipped_curricula():
    assert len(FILES) >= len(TEACHERS), [f.name for f in FILES]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_shipped_curriculum_dry_runs(path):
    result = cli("curriculum", "run", path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "valid" in result.output and "environment steps:" in result.output


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_shipped_curriculum_trains_the_ppo_student(path):
    config = load_curriculum(path)
    assert config.student.kind == "ppo", f"{path.name} trains a {config.student.kind} student, which learns nothing"
    assert config.name == path.stem


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_shipped_curriculum_says_what_it_measured(path):
    """The comment on top states the measured result and the command that reproduces it."""
    head = path.read_text().split("\nname:")[0]
    assert head.startswith("#"), path.name
    assert f"envgen curriculum run curricula/{path.name}" in head, path.name


def test_shipped_curricula_cover_every_teacher_and_both_families():
    configs = [load_curriculum(p) for p in FILES]
    assert {c.teacher.kind for c in configs} == set(TEACHERS)
    assert {c.family for c in configs} == {"minigrid", "crafter"}


def test_a_shipped_minigrid_curriculum_runs_end_to_end(tmp_path):
    assert yaml.safe_load(SMOKE.read_text())["family"] == "minigrid"
    out = tmp_path / "run"
    result = cli("curriculum", "run", SMOKE, "--out", out, "--quiet",
                 "--set", "budget.chunks=2", "--set", "evaluation.every=2",
                 # smaller still, so CI stays well under a minute on a shared CPU
                 "--set", "student.num_envs=8", "--set", "student.steps=64",
                 "--set", "evaluation.steps=32", "--set", "evaluation.seeds=1")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [line["chunk"] for line in lines] == [1, 2]
    evals = [line["eval"] for line in lines if "eval" in line]
    assert len(evals) == 1 and evals[0]["tasks"] and len(evals[0]["mean"]) == len(evals[0]["tasks"])
