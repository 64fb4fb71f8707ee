"""The validation child: minimal environment, resource limits, and a parent that kills it on timeout."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from envgen.rewards import ValidationReport, program_hash
from envgen.rewards import sandbox as sb
from envgen.rewards.sandbox import process, validate

EMIT = "import json, os, sys\nsys.stdin.readline()\n"


def emit_code(expr: str, read: bool = True) -> str:
    """Child code that prints one protocol event holding ``expr`` (after reading the payload line)."""
    event = f"json.dumps({{'event': 'probe', 'value': {expr}}})"
    return (EMIT if read else "import json, os, sys\n") + f"print({process.MARK!r} + {event}, flush=True)\n"


def probe(expr: str, limits: sb.SandboxLimits | None = None, prefix: str = "") -> object:
    run = sb.run_child(
        {},
        limits or sb.SandboxLimits(timeout_s=60),
        command=[sys.executable, "-I", "-c", prefix + emit_code(expr, read=not prefix)],
    )
    assert run.returncode == 0, run.stderr_tail
    (event,) = run.events
    return event["value"]


def test_child_environment_has_no_api_keys(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp-secret")
    env = probe("dict(os.environ)")
    assert "ANTHROPIC_API_KEY" not in env and "OPENAI_API_KEY" not in env and "GITHUB_TOKEN" not in env
    assert not any(v.startswith(("sk-", "ghp-")) for v in env.values())
    assert env["JAX_PLATFORMS"] == "cpu"


def test_child_runs_in_an_empty_temporary_folder():
    cwd, listing = probe("[os.getcwd(), os.listdir('.')]")
    assert listing == [] and cwd != os.getcwd() and not Path(cwd).exists()  # removed afterwards


def test_child_applies_memory_and_cpu_limits_before_anything_else():
    limits = sb.SandboxLimits(timeout_s=60, memory_mb=1536, cpu_s=42)
    got = probe(
        "[resource.getrlimit(resource.RLIMIT_AS), resource.getrlimit(resource.RLIMIT_CPU)]",
        limits,
        prefix=process.APPLY_LIMITS,  # the real bootstrap's first step
    )
    assert got == [[1536 << 20, 1536 << 20], [42, 47]]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")  # a killed process waiting to be reaped is not running


def test_parent_timeout_kills_the_child_and_its_children():
    # Test hook: a child that starts a grandchild, reports its pid, then hangs.
    code = EMIT + (
        "import subprocess, time\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"print({process.MARK!r} + json.dumps({{'event': 'pid', 'pid': p.pid}}), flush=True)\n"
        "time.sleep(600)\n"
    )
    run = sb.run_child({}, sb.SandboxLimits(timeout_s=3), command=[sys.executable, "-I", "-c", code])
    assert run.timed_out and run.returncode == -9
    grandchild = run.events[0]["pid"]
    for _ in range(200):  # SIGKILL is asynchronous; give the kernel a moment
        if not (_alive(run.pid) or _alive(grandchild)):
            break
        time.sleep(0.05)
    assert not _alive(run.pid) and not _alive(grandchild)


def test_a_timed_out_batch_fails_the_program_in_flight_and_retries_the_rest(toy_family, monkeypatch):
    sources = [f"def reward(prev, state, action):\n    return state.health * {k}.0\n" for k in (1, 2, 3)]
    hashes = [program_hash(s) for s in sources]
    calls = []

    def fake_run_child(payload, limits, command=None):
        calls.append(list(payload["programs"]))
        ok = lambda i: {
            "event": "result",
            "index": i,  # noqa: E731
            "report": ValidationReport(
                program_hash(payload["programs"][i]), "toyfamily", True, "passed", "ok"
            ).to_dict(),
        }
        if len(calls) == 1:  # first child: program 0 passes, then it hangs on program 1
            return sb.ChildRun([{"event": "ready"}, ok(0)], -9, True, "", 1)
        return sb.ChildRun([{"event": "ready"}] + [ok(i) for i in range(len(payload["programs"]))], 0, False, "", 2)

    monkeypatch.setenv("ENVGEN_NO_VERDICT_CACHE", "1")
    monkeypatch.setattr(validate, "run_child", fake_run_child)
    reports = sb.validate_programs(sources, toy_family, sb.SandboxLimits(timeout_s=5))
    assert [r.ok for r in reports] == [True, False, True]
    assert reports[1].stage == "sandbox" and "did not finish within 5 s and was killed" in reports[1].message
    assert calls == [sources, [sources[2]]]
    assert [r.program_hash for r in reports] == hashes


def test_a_child_that_cannot_start_fails_every_program_with_its_error(toy_family, monkeypatch):
    err = "Traceback ...\nModuleNotFoundError: No module named 'jax'\n"
    monkeypatch.setenv("ENVGEN_NO_VERDICT_CACHE", "1")
    monkeypatch.setattr(validate, "run_child", lambda payload, limits, command=None: sb.ChildRun([], 1, False, err, 1))
    sources = [f"def reward(prev, state, action):\n    return state.health * {k}.0\n" for k in (1, 2)]
    reports = sb.validate_programs(sources, toy_family)
    assert all(r.stage == "sandbox" and "No module named 'jax'" in r.message for r in reports)


@pytest.mark.parametrize("family", ["no_such_family", "os.path"])
def test_unknown_or_unfit_family_is_a_clear_error(family):
    with pytest.raises(ValueError, match="unknown family"):
        sb.load_family(family)


def test_fail_fast_stops_at_the_first_failure_and_caches_no_verdict_for_the_rest(toy_family, monkeypatch):
    sources = [f"def reward(prev, state, action):\n    return state.health * {k}.0\n" for k in (1, 2, 3)]
    seen = []

    def first_fails(payload, limits, command=None):
        seen.append(payload["fail_fast"])
        bad = ValidationReport(program_hash(payload["programs"][0]), "toyfamily", False, "rollout", "NaN")
        return sb.ChildRun([{"event": "ready"}, {"event": "result", "index": 0, "report": bad.to_dict()}],
                           0, False, "", 1)

    monkeypatch.setenv("ENVGEN_NO_VERDICT_CACHE", "1")  # a fake verdict must not reach the session cache
    monkeypatch.setattr(validate, "run_child", first_fails)
    reports = sb.validate_programs(sources, toy_family, fail_fast=True)
    assert [r.stage for r in reports] == ["rollout", "skipped", "skipped"] and seen == [True]
