"""Nothing is lost: --overwrite replaces only envgen runs and only with a successful result, output files
get normal permissions, and one hostile candidate cannot end a generate run."""

from __future__ import annotations

import json
import stat

import pytest
from click.testing import CliRunner

from envgen.cli import main
from envgen.generate import rules
from envgen.generate.pipeline import Candidate, GenerateResult, generate
from envgen.generate.writer import OutputExistsError, write_run
from envgen.rewards import ValidationReport, program_hash
from envgen.spec import spec_class

GOOD = rules.crafter_candidates("collect wood", 1)[0]
BAD = {**GOOD, "config": {**GOOD["config"], "max_steps": 0}}
REWARD = "def reward(prev, state, action):\n    return 0.1 * (prev.goal_distance - state.goal_distance)\n"


def result(ok: bool) -> GenerateResult:
    """A minigrid result with one accepted environment (ok) or none (failed); no check runs."""
    accepted = []
    if ok:
        c = Candidate(0, 0, "a", {}, spec=spec_class("minigrid")(name="a"), reward_code=REWARD, stage="passed")
        accepted.append(c)
    return GenerateResult("g", "minigrid", 1, 0, "offline", "rules-v1", 0, accepted, [], [], [],
                          error=None if ok else "ProviderError: down")


def user_folder(path):
    path.mkdir()
    (path / "thesis.tex").write_text("years of work")
    (path / "notes").mkdir()
    (path / "notes" / "a.md").write_text("notes")
    return path


def test_overwrite_refuses_a_folder_envgen_did_not_write(tmp_path):
    mine = user_folder(tmp_path / "mine")
    with pytest.raises(OutputExistsError, match="not an envgen run folder"):
        write_run(result(True), mine, overwrite=True)
    assert (mine / "thesis.tex").read_text() == "years of work" and (mine / "notes" / "a.md").exists()
    res = CliRunner().invoke(main, ["generate", "x", "--family", "minigrid", "--out", str(mine), "--overwrite"])
    assert res.exit_code == 1 and "not an envgen run folder" in res.output
    assert sorted(p.name for p in mine.iterdir()) == ["notes", "thesis.tex"]


def test_a_failed_run_never_replaces_a_good_one(tmp_path):
    good = write_run(result(True), tmp_path / "run")
    before = {p.relative_to(good): p.read_bytes() for p in good.rglob("*") if p.is_file()}
    with pytest.raises(OutputExistsError, match="only a successful run replaces an existing one"):
        write_run(result(False), good, overwrite=True)
    assert {p.relative_to(good): p.read_bytes() for p in good.rglob("*") if p.is_file()} == before
    assert not list(tmp_path.glob(".run*"))  # no temporary or old folder left behind


def test_a_successful_run_replaces_an_envgen_run(tmp_path):
    out = write_run(result(True), tmp_path / "run")
    (out / "stale.txt").write_text("from the old run")
    write_run(result(True), out, overwrite=True)
    assert not (out / "stale.txt").exists() and json.loads((out / "run.json").read_text())["status"] == "ok"
    with pytest.raises(OutputExistsError, match="already exists"):
        write_run(result(True), out)


def test_output_files_have_normal_permissions(tmp_path):
    out = write_run(result(True), tmp_path / "run")
    for p in [out, *out.rglob("*")]:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode & 0o044 == 0o044, f"{p} is {oct(mode)}"  # group and others can read (0644/0755)


def test_run_json_pins_configs_with_the_bytes_written(tmp_path):
    import hashlib

    out = write_run(result(True), tmp_path / "run")
    (entry,) = json.loads((out / "run.json").read_text())["environments"]
    assert entry["config_hash"] == hashlib.sha256((out / entry["config"]).read_bytes()).hexdigest()
    assert entry["reward_hash"] == hashlib.sha256((out / entry["reward"]).read_bytes()).hexdigest()


def test_one_hostile_candidate_does_not_end_the_run(scripted, monkeypatch):
    import envgen.generate.pipeline as pipeline
    import envgen.rewards.sandbox as sandbox

    real = pipeline.check_solvable_batch

    def explode_on_hostile(family, specs, targets, seeds=8, seed=0):
        if any(spec.name == "hostile" for spec in specs):
            raise RecursionError("maximum recursion depth exceeded")
        return real(family, specs, targets, seeds, seed)

    def passing(sources, family, limits=None, seed=0, configs=None, **_):  # the sandbox is tested elsewhere
        return [ValidationReport(program_hash(s), family, True, "passed", "ok") for s in sources]

    monkeypatch.setattr(pipeline, "check_solvable_batch", explode_on_hostile)
    monkeypatch.setattr(sandbox, "validate_programs", passing)
    monkeypatch.setattr(sandbox, "needs_child", lambda *a, **k: False)  # no early child for a faked sandbox
    hostile = {**GOOD, "config": {**GOOD["config"], "name": "hostile"}}
    crlf = {**GOOD, "reward_code": GOOD["reward_code"].replace("\n", "\r\n")}
    provider = scripted([{"environments": [hostile, crlf]}])
    res = generate("collect wood", "crafter", 2, provider, max_repairs=0, preview=False)
    assert [c.name for c in res.accepted] == [crlf["config"].get("name") or res.accepted[0].name]
    (rejected,) = res.rejected
    assert rejected.stage == "solvability" and "RecursionError" in rejected.problems[0]
    assert "\r" not in res.accepted[0].reward_code  # the bytes validated are the bytes written and read

