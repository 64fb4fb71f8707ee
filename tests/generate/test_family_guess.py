"""`envgen generate` without --family uses the family whose vocabulary reads the goal and says so; a goal
that fails for the family given but reads in the other one gets a one-line hint; --family always wins."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from envgen.cli import main
from envgen.generate.ontology import guess_family

# an unreachable server: generation fails fast, after the family has been chosen and written to run.json
UNREACHABLE = ["--provider", "openai", "--model", "m", "--base-url", "http://127.0.0.1:9/v1", "--n", "1"]
MINIGRID_GOAL = "open a locked door then fetch the key-colored ball"


def run_cli(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize(("goal", "family"), [
    (MINIGRID_GOAL, "minigrid"), ("pick up the red key", "minigrid"), ("head for the exit", "minigrid"),
    ("put the red box next to the blue key", "minigrid"), ("collect wood", "crafter"),
    ("make a stone pickaxe", "crafter"), ("survive the night", "crafter"), ("eat a cow", "crafter"),
    ("bake a cake", None), ("", None)])
def test_the_guess_is_the_family_that_reads_more_of_the_goal(goal, family):
    assert guess_family(goal) == family


@pytest.mark.parametrize(("goal", "family"), [(MINIGRID_GOAL, "minigrid"), ("collect wood", "crafter")])
def test_without_family_the_guess_is_used_and_said_in_one_line(tmp_path, monkeypatch, goal, family):
    monkeypatch.setenv("OPENAI_API_KEY", "not-a-key")
    res = run_cli("generate", goal, *UNREACHABLE, "--out", str(tmp_path / "run"))
    assert res.exit_code == 1  # the server is unreachable; the family was chosen before that
    said = [line for line in res.output.splitlines() if line.startswith("family:")]
    assert said == [f"family: {family} (guessed from the goal's words; pass --family to choose)"]
    assert json.loads((tmp_path / "run" / "run.json").read_text())["family"] == family


def test_family_is_authoritative_and_a_goal_of_the_other_family_gets_a_one_line_hint(tmp_path):
    res = run_cli("generate", MINIGRID_GOAL, "--family", "crafter", "--provider", "offline",
                  "--out", str(tmp_path / "run"))
    assert res.exit_code == 2
    assert "family:" not in res.output  # no guess when --family is given
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the offline generator cannot read the goal")
    assert "for crafter" in lines[0] and lines[0].endswith("it reads as a minigrid goal: pass --family minigrid")
    assert not (tmp_path / "run").exists()


def test_a_goal_neither_family_reads_keeps_the_default_and_lists_what_it_can_do(tmp_path):
    res = run_cli("generate", "bake a cake", "--provider", "offline", "--out", str(tmp_path / "run"))
    assert res.exit_code == 2
    assert "family:" not in res.output and "--family" not in res.output
    assert "for crafter" in res.output and "collect diamond" in res.output
    assert not (tmp_path / "run").exists()
