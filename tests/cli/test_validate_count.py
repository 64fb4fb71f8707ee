"""`envgen validate` counts every problem it prints (not the files that have one) and pluralises."""

from __future__ import annotations

from click.testing import CliRunner

from envgen.cli import main

THREE_PROBLEMS = """family: minigrid
max_steps: 0
layout:
  width: 99
mission:
  type: fly
"""
ONE_PROBLEM = "family: minigrid\nmax_steps: 0\n"
GOOD = "family: minigrid\n"


def validate(*paths):
    return CliRunner().invoke(main, ["validate", "--no-solvability", *map(str, paths)], catch_exceptions=False)


def test_every_problem_of_a_file_is_counted(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(THREE_PROBLEMS)
    res = validate(bad)
    assert res.exit_code == 1
    fails = [line for line in res.output.splitlines() if line.startswith("FAIL")]
    assert len(fails) == 3, res.output
    assert res.output.splitlines()[-1] == "3 problems in 1 of 1 file"


def test_counts_are_summed_over_files_and_singular_when_one(tmp_path):
    (tmp_path / "bad.yaml").write_text(THREE_PROBLEMS)
    (tmp_path / "one.yaml").write_text(ONE_PROBLEM)
    (tmp_path / "good.yaml").write_text(GOOD)
    res = validate(tmp_path / "bad.yaml", tmp_path / "one.yaml", tmp_path / "good.yaml")
    assert res.exit_code == 1
    assert res.output.splitlines()[-1] == "4 problems in 2 of 3 files"
    assert f"ok   {tmp_path / 'good.yaml'}" in res.output
    res = validate(tmp_path / "one.yaml")
    assert res.exit_code == 1 and res.output.splitlines()[-1] == "1 problem in 1 of 1 file"


def test_a_reward_program_with_several_faults_counts_each(tmp_path):
    program = tmp_path / "r.py"
    program.write_text("import os\n\ndef reward(prev, state, action):\n    open('x')\n    return eval('1')\n")
    res = validate("--family", "minigrid", program)
    fails = [line for line in res.output.splitlines() if line.startswith("FAIL")]
    assert res.exit_code == 1 and len(fails) >= 2, res.output
    assert res.output.splitlines()[-1] == f"{len(fails)} problems in 1 of 1 file"


def test_valid_files_print_no_count(tmp_path):
    (tmp_path / "good.yaml").write_text(GOOD)
    res = validate(tmp_path / "good.yaml")
    assert res.exit_code == 0 and "problem" not in res.output
