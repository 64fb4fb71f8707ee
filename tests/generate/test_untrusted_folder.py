"""A generated folder is untrusted input: `envgen.load` and `envgen show` on folders someone else wrote.

Each test builds a small folder by hand (a MiniGrid config and reward programs, hashes pinned in
run.json) and tampers with it the way a hostile sharer could.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import envgen
from envgen.cli import main
from envgen.generate.load import LoadError, read_environments
from envgen.rewards.sandbox import verdicts

CONFIG = "family: minigrid\nmax_steps: 64\n"
GOOD = "def reward(prev, state, action):\n    return 0.1 * (prev.goal_distance - state.goal_distance)\n"
NAN = "def reward(prev, state, action):\n    return jnp.log(state.goal_distance - 3.0)\n"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_folder(root: Path, programs: dict[str, bytes | str], config: str = CONFIG, **run_fields) -> Path:
    """A folder in the layout envgen writes, with every hash pinned and a forged 'passed' report."""
    (root / "envs").mkdir(parents=True)
    (root / "rewards").mkdir()
    envs = []
    for name, program in programs.items():
        data = program.encode() if isinstance(program, str) else program
        (root / "envs" / f"{name}.yaml").write_text(config)
        (root / "rewards" / f"{name}.py").write_bytes(data)
        envs.append({"name": name, "config": f"envs/{name}.yaml", "config_hash": sha(config.encode()),
                     "reward": f"rewards/{name}.py", "reward_hash": sha(data), "purpose": "p",
                     "validation": {"program_hash": sha(data), "family": "minigrid", "ok": True,
                                    "stage": "passed", "message": "ok"},
                     "solvability": {"ok": True, "fraction": 1.0}})
    run = {"format": 2, "envgen_version": envgen.__version__, "goal": "g", "family": "minigrid",
           "status": "ok", "environments": envs, "rejected": [], **run_fields}
    (root / "run.json").write_text(json.dumps(run))
    return root


def edit_run(root: Path, change) -> None:
    run = json.loads((root / "run.json").read_text())
    change(run)
    (root / "run.json").write_text(json.dumps(run))


def test_family_is_a_registry_name_never_a_module_to_import(tmp_path, monkeypatch):
    folder = make_folder(tmp_path / "x", {"a": GOOD})
    (folder / "rewards" / "evil.py").write_text("open('PWNED', 'w').write('x')\nStateView = 1\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))  # a REPL or script beside the folder
    for family in ("x.rewards.evil", "os", "envgen.rewards.views.crafter", "../crafter", None, ["minigrid"]):
        edit_run(folder, lambda run, f=family: run.update(family=f))
        with pytest.raises(LoadError, match="known families: crafter, minigrid"):
            envgen.load(folder)
    assert not (tmp_path / "PWNED").exists() and "x.rewards.evil" not in sys.modules


@pytest.mark.parametrize("path", ["../secret.yaml", "/etc/passwd", "envs/../../secret.yaml", "", 7, None,
                                  "envs\\..\\..\\secret.yaml"])
def test_paths_in_run_json_stay_inside_the_folder(tmp_path, path):
    (tmp_path / "secret.yaml").write_text("family: minigrid\npassword: hunter2\n")
    folder = make_folder(tmp_path / "x", {"a": GOOD})
    edit_run(folder, lambda run: run["environments"][0].update(config=path))
    with pytest.raises(LoadError) as info:
        read_environments(folder)
    assert "hunter2" not in str(info.value) and ("leaves the folder" in str(info.value)
                                                 or "no valid path" in str(info.value))


def test_symlinks_fifos_and_huge_files_are_refused_without_reading_them(tmp_path):
    (tmp_path / "secret.yaml").write_text("family: minigrid\npassword: hunter2\n")
    folder = make_folder(tmp_path / "x", {"a": GOOD})
    cfg = folder / "envs" / "a.yaml"
    cfg.unlink()
    cfg.symlink_to(tmp_path / "secret.yaml")
    with pytest.raises(LoadError, match="symbolic link"):
        read_environments(folder)
    cfg.unlink()
    os.mkfifo(cfg)  # opening a FIFO for reading would block forever
    with pytest.raises(LoadError, match="not a regular file"):
        read_environments(folder)
    cfg.unlink()
    (folder / "envs").rename(folder / "real-envs")
    (folder / "envs").symlink_to(tmp_path)  # a symlinked folder on the way
    with pytest.raises(LoadError, match="symbolic link"):
        read_environments(folder)
    (folder / "envs").unlink()
    (folder / "real-envs").rename(folder / "envs")
    (folder / "envs" / "a.yaml").write_text(CONFIG + "#" * 300_000)
    with pytest.raises(LoadError, match="the limit is"):
        read_environments(folder)
    (folder / "run.json").write_bytes(b"[" * 10_000_000)
    with pytest.raises(LoadError, match="the limit is"):
        read_environments(folder)


def test_configs_are_pinned_too(tmp_path):
    folder = make_folder(tmp_path / "x", {"a": GOOD})
    (folder / "envs" / "a.yaml").write_text("family: minigrid\nmax_steps: 10000\n")
    with pytest.raises(LoadError, match="config was changed after validation"):
        read_environments(folder)
    edit_run(folder, lambda run: run["environments"][0].pop("config_hash"))
    with pytest.raises(LoadError, match="does not match the hash pinned"):
        read_environments(folder)


def test_the_ast_check_runs_on_every_load_whatever_run_json_says(tmp_path):
    hostile = "def reward(prev, state, action):\n    x = ().__class__.__bases__\n    return 0.0\n"
    folder = make_folder(tmp_path / "x", {"a": hostile})  # hashes pinned, report forged as passed
    with pytest.raises(LoadError, match="names starting with '_' are not allowed"):
        envgen.load(folder)


@pytest.mark.slow
def test_validation_reads_no_verdict_from_the_folder_and_keeps_its_own_in_the_user_cache(tmp_path):
    folder = make_folder(tmp_path / "x", {"good": GOOD, "nan": NAN})
    with pytest.raises(LoadError, match=r"nan\.py: reward program failed validation at stage 'rollout'.*NaN"):
        envgen.load(folder)  # the forged 'passed' report in run.json changed nothing
    entries = list((verdicts.cache_root() / "verdicts").glob("*.json"))
    reports = [json.loads(p.read_text()) for p in entries]
    assert {r["program_hash"] for r in reports} >= {sha(GOOD.encode()), sha(NAN.encode())}
    assert all(stat.S_IMODE(p.stat().st_mode) & 0o044 for p in entries)  # readable like any cache file
    # the good program alone loads, from the cached verdict (no second validation needed)
    good = make_folder(tmp_path / "y", {"good": GOOD})
    env, tasks = envgen.load(good)
    assert env.names == ["good"] and tasks.reward.program.shape == (1,)


def test_crlf_program_bytes_round_trip(tmp_path):
    crlf = GOOD.replace("\n", "\r\n").encode()
    folder = make_folder(tmp_path / "x", {"a": crlf})
    family, _entries, _configs, sources = read_environments(folder)
    assert family == "minigrid" and sources[0].encode() == crlf  # read exactly the bytes that were pinned


ESC = "\x1b]0;pwned\x07\x1b[2J\x1b]52;c;ZWNobyBwd25lZA==\x07"


def test_show_escapes_control_characters_from_the_folder(tmp_path):
    folder = make_folder(tmp_path / "x", {"a": GOOD}, goal=f"goal{ESC}", model=f"m{ESC}")
    edit_run(folder, lambda run: run["environments"][0].update(purpose=f"teach{ESC}"))
    edit_run(folder, lambda run: run.update(rejected=[{"name": f"r{ESC}", "round": 0, "stage": "reward",
                                                       "problems": [f"bad{ESC}", "[red]markup[/]"]}]))
    res = CliRunner().invoke(main, ["show", str(folder)], env={"COLUMNS": "400"})
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.output and "\x07" not in res.output
    assert "\\x1b]0;pwned\\x07" in res.output and "[red]markup[/]" in res.output


def test_show_refuses_a_hostile_family_and_paths_without_echoing_contents(tmp_path):
    (tmp_path / "secret.yaml").write_text("family: minigrid\npassword: hunter2\n")
    folder = make_folder(tmp_path / "x", {"a": GOOD})
    edit_run(folder, lambda run: run["environments"][0].update(config="../secret.yaml"))
    res = CliRunner().invoke(main, ["show", str(folder)], env={"COLUMNS": "400"})
    assert "hunter2" not in res.output and "'../secret.yaml' for the config leaves" in res.output


def test_a_folder_cannot_list_unboundedly_many_environments(tmp_path):
    folder = make_folder(tmp_path / "x", {"a": GOOD})
    edit_run(folder, lambda run: run.update(environments=run["environments"] * 1000))
    with pytest.raises(LoadError, match="1000 environments; at most 256"):
        envgen.load(folder)
