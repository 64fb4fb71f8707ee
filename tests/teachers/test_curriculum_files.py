"""Curriculum and comparison files as a user shapes them: ``--set`` overrides, ``--dry-run``, every mistake
reported at once, and hostile files refused the way configs are (alias bombs, duplicate keys, sizes that
would allocate before anything is checked)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from envgen.cli import main

ROOT = Path(__file__).resolve().parents[2]
CURRICULUM = """
name: small
family: minigrid
targets: [minigrid/DoorKey-5x5]
teacher: {kind: fixed}
student: {kind: ppo, num_envs: 8, steps: 64, updates_per_chunk: 2}
budget: {chunks: 4}
evaluation: {every: 2, steps: 32, seeds: 1}
"""


def write(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_dry_run_prints_steps_and_memory_and_runs_nothing(tmp_path):
    result = cli("curriculum", "run", write(tmp_path, CURRICULUM), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "environment steps: 2,048 per run" in result.output  # 4 chunks x 8 slots x 64 steps
    assert "memory estimate:" in result.output
    assert not any(tmp_path.iterdir()) or [p.name for p in tmp_path.iterdir()] == ["c.yaml"]


def test_set_overrides_change_the_budget_without_copying_the_file(tmp_path):
    path = write(tmp_path, CURRICULUM)
    result = cli("curriculum", "run", path, "--dry-run", "--set", "budget.chunks=10", "--set", "student.num_envs=16")
    assert result.exit_code == 0, result.output
    assert "environment steps: 10,240 per run" in result.output
    assert path.read_text() == CURRICULUM


def test_shipped_comparison_dry_run_with_overrides():
    path = ROOT / "benchmarks" / "comparisons" / "minigrid-doorkey8-cpu.yaml"
    result = cli("compare", path, "--dry-run", "--set", "seeds=3", "--set", "budget.chunks=2")
    assert result.exit_code == 0, result.output
    # 2 chunks x 32 slots x 512 steps, 7 teachers x 3 seeds
    assert "32,768 per run, 688,128 in all (21 runs)" in result.output


@pytest.mark.parametrize("override, message", [
    ("budget", "expected key.path=value"),
    ("=3", "expected key.path=value"),
    ("budget.chunks=[1", "malformed YAML"),
    ("name.x=1", "name is not a mapping"),
])
def test_a_bad_override_names_itself(tmp_path, override, message):
    result = cli("curriculum", "run", write(tmp_path, CURRICULUM), "--dry-run", "--set", override)
    assert result.exit_code == 1 and message in result.output, result.output
    assert "Traceback" not in result.output


def test_every_mistake_is_reported_at_once(tmp_path):
    bad = CURRICULUM.replace("chunks: 4", "chunks: 0").replace("num_envs: 8", "num_envs: many")
    result = cli("curriculum", "run", write(tmp_path, bad), "--dry-run")
    assert result.exit_code == 1
    assert "2 problems" in result.output and "budget.chunks" in result.output and "student.num_envs" in result.output


def test_out_is_required_unless_dry_run(tmp_path):
    result = cli("curriculum", "run", write(tmp_path, CURRICULUM))
    assert result.exit_code == 1 and "--out is required" in result.output


@pytest.mark.parametrize("override, field", [
    ("student.num_envs=1000000000", "student.num_envs"),
    ("budget.chunks=10000000000", "budget.chunks"),
    ("evaluation.steps=10000000000", "evaluation.steps"),
    ("seed=1000000000000000000000000000000", "seed"),
])
def test_sizes_that_would_allocate_are_refused_before_anything_runs(tmp_path, override, field):
    result = cli("curriculum", "run", write(tmp_path, CURRICULUM), "--out", tmp_path / "run", "--set", override)
    assert result.exit_code == 1 and field in result.output, result.output
    assert not (tmp_path / "run").exists()


def test_comparison_with_a_billion_seeds_is_refused(tmp_path):
    path = ROOT / "benchmarks" / "comparisons" / "minigrid-doorkey8-cpu.yaml"
    result = cli("compare", path, "--dry-run", "--set", "seeds=1000000000")
    assert result.exit_code == 1 and "seeds" in result.output


def test_alias_bomb_in_a_curriculum_file_is_refused_quickly(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8))
    text = CURRICULUM + "goal: *i\n".replace("*i", "*i") + bomb
    result = cli("curriculum", "run", write(tmp_path, text), "--dry-run")
    assert result.exit_code == 1 and "alias" in result.output, result.output


def test_duplicate_keys_are_refused_not_last_one_wins(tmp_path):
    result = cli("curriculum", "run", write(tmp_path, CURRICULUM + "budget: {chunks: 9}\n"), "--dry-run")
    assert result.exit_code == 1 and "duplicate key 'budget'" in result.output, result.output


def test_duplicate_teacher_label_in_a_comparison_is_refused(tmp_path):
    text = (ROOT / "benchmarks" / "comparisons" / "minigrid-doorkey8-cpu.yaml").read_text()
    text = text.replace("  fixed: {kind: fixed}\n", "  plr: {kind: random}\n")
    result = cli("compare", write(tmp_path, text), "--dry-run")
    assert result.exit_code == 1 and "duplicate key 'plr'" in result.output, result.output


def test_a_file_that_is_not_utf8_is_refused_with_its_line(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_bytes(CURRICULUM.encode() + b"goal: caf\xe9\n")
    result = cli("curriculum", "run", path, "--dry-run")
    assert result.exit_code == 1 and "not UTF-8" in result.output and "line" in result.output, result.output


def test_an_unknown_stage_task_is_refused_before_anything_runs():
    path = ROOT / "benchmarks" / "comparisons" / "minigrid-doorkey16-cpu.yaml"
    result = cli("compare", path, "--dry-run", "--set", "teachers.sequence.stages.1.tasks=[minigrid/DoorKey-9x9]")
    assert result.exit_code == 1
    assert "teachers.sequence.stages.1.tasks: unknown task 'minigrid/DoorKey-9x9'" in result.output


def test_set_reaches_into_a_list_by_index(tmp_path):
    ladder = ROOT / "curricula" / "minigrid-doorkey-sequence.yaml"
    ok = cli("curriculum", "run", ladder, "--dry-run", "--set", "teacher.stages.0.threshold=0.5")
    assert ok.exit_code == 0, ok.output
    bad = cli("curriculum", "run", ladder, "--dry-run", "--set", "teacher.stages.0.threshold=2")
    assert bad.exit_code == 1 and "teacher.stages.0.threshold" in bad.output


# YAML double-quoted strings: \e is ESC, \a is BEL (an OSC 52 clipboard write, a screen clear)
@pytest.mark.parametrize("name", [r'"\e]52;c;aGk=\aevil"', '"oops[/italic]"', '"<img src=x onerror=alert(1)>"',
                                  r'"\e[2J"', '"../escape"'])
def test_names_that_would_reach_a_terminal_path_or_report_are_refused(tmp_path, name):
    stage = f"teacher: {{kind: sequence, stages: [{{tasks: [minigrid/DoorKey-5x5], name: {name}}}]}}"
    for text, where in ((CURRICULUM.replace("name: small", f"name: {name}"), "name"),
                        (CURRICULUM.replace("teacher: {kind: fixed}", stage), "teacher.stages.0.name")):
        result = cli("curriculum", "run", write(tmp_path, text), "--dry-run")
        assert result.exit_code == 1 and where in result.output, result.output
        assert "\x1b" not in result.output and "\x07" not in result.output and "Traceback" not in result.output


def test_a_teacher_label_with_an_escape_sequence_is_refused_without_echoing_it(tmp_path):
    text = (ROOT / "benchmarks" / "comparisons" / "minigrid-doorkey8-cpu.yaml").read_text()
    text = text.replace("  fixed: {kind: fixed}\n", '  "fix\\e]0;pwned\\ed": {kind: fixed}\n')
    text = text.replace("baselines: [fixed, random]", "baselines: [random]")
    result = cli("compare", write(tmp_path, text), "--dry-run")
    assert result.exit_code == 1 and "teacher label" in result.output, result.output
    assert "\x1b" not in result.output
