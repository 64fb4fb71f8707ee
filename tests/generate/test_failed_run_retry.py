"""A failed `envgen generate` leaves a folder that says why it failed, and the retry replaces it without
--overwrite; a folder with anything else in it (a user's file, accepted environments) is still kept."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import envgen.generate.pipeline as pipeline
from envgen.cli import main
from envgen.generate.pipeline import Candidate, GenerateResult
from envgen.generate.writer import write_run
from envgen.spec import spec_class

UNREACHABLE = ["--provider", "openai", "--model", "m", "--base-url", "http://127.0.0.1:9/v1", "--n", "1"]
REWARD = "def reward(prev, state, action):\n    return 0.1 * (prev.goal_distance - state.goal_distance)\n"


def run_cli(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def files(path):
    return {str(p.relative_to(path)): p.read_bytes() for p in path.rglob("*") if p.is_file()}


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "not-a-key")


def test_an_unreachable_server_leaves_a_failed_record_that_the_retry_replaces(tmp_path, key):
    out = tmp_path / "run"
    first = run_cli("generate", "collect wood", "--family", "crafter", *UNREACHABLE, "--out", str(out))
    assert first.exit_code == 1
    assert "cannot reach http://127.0.0.1:9/v1" in first.output
    assert "a retry with the same --out replaces it" in first.output
    assert sorted(p.name for p in out.iterdir()) == ["run.json"]
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "failed" and "cannot reach" in run["error"] and run["environments"] == []
    assert not list(tmp_path.glob(".run*"))  # no temporary folder left beside it

    retry = run_cli("generate", "collect wood", "--family", "crafter", *UNREACHABLE, "--out", str(out))
    assert retry.exit_code == 1
    assert "already exists" not in retry.output and "--overwrite" not in retry.output
    assert f"replacing {out}: it holds only a failed run (" in retry.output
    assert sorted(p.name for p in out.iterdir()) == ["run.json"]
    assert json.loads((out / "run.json").read_text())["status"] == "failed"


def test_a_successful_retry_replaces_a_failed_run_without_overwrite(tmp_path, monkeypatch):
    out = tmp_path / "run"
    failed = GenerateResult("g", "minigrid", 1, 0, "openai", "m", 0, [], [], [], [], error="ProviderError: down")
    write_run(failed, out)
    spec = spec_class("minigrid")(name="a")
    ok = GenerateResult("g", "minigrid", 1, 0, "offline", "rules-v1", 0,
                        [Candidate(0, 0, "a", {}, spec=spec, reward_code=REWARD, stage="passed")], [], [], [])
    monkeypatch.setattr(pipeline, "generate", lambda *a, **k: ok)  # the checks themselves are tested elsewhere
    res = run_cli("generate", "reach the goal", "--family", "minigrid", "--provider", "offline", "--no-preview",
                  "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "replacing" in res.output and "ProviderError: down" in res.output
    assert json.loads((out / "run.json").read_text())["status"] == "ok"
    assert sorted(files(out)) == ["envs/a.yaml", "rewards/a.py", "run.json"]


def test_a_failed_run_folder_with_a_users_file_in_it_is_kept(tmp_path, key):
    out = tmp_path / "run"
    write_run(GenerateResult("g", "crafter", 1, 0, "openai", "m", 0, [], [], [], [], error="ProviderError: down"),
              out)
    (out / "notes.md").write_text("why the server was down")
    before = files(out)
    res = run_cli("generate", "collect wood", "--family", "crafter", *UNREACHABLE, "--out", str(out))
    assert res.exit_code == 1
    assert res.output.strip() == f"error: {out} already exists; choose another --out or pass --overwrite"
    assert files(out) == before


def test_a_partial_run_is_not_replaced_without_overwrite(tmp_path, key):
    out = tmp_path / "run"
    spec = spec_class("minigrid")(name="a")
    partial = GenerateResult("g", "minigrid", 2, 0, "offline", "rules-v1", 0,
                             [Candidate(0, 0, "a", {}, spec=spec, reward_code=REWARD, stage="passed")], [], [], [],
                             error="ProviderError: down")
    write_run(partial, out)
    assert json.loads((out / "run.json").read_text())["status"] == "partial"
    before = files(out)
    res = run_cli("generate", "reach the goal", "--family", "minigrid", *UNREACHABLE, "--out", str(out))
    assert res.exit_code == 1 and "already exists; choose another --out or pass --overwrite" in res.output
    assert files(out) == before


def test_show_of_a_failed_run_says_why_and_that_a_retry_replaces_it(tmp_path):
    out = tmp_path / "run"
    write_run(GenerateResult("g", "minigrid", 1, 0, "openai", "m", 0, [], [], [], [],
                             error="ProviderError: cannot reach http://127.0.0.1:9/v1"), out)
    res = run_cli("show", str(out))
    assert res.exit_code == 0, res.output
    assert "error: ProviderError: cannot reach http://127.0.0.1:9/v1" in res.output
    assert "no environments were accepted; a retry with the same --out replaces this folder" in res.output
