"""A second `envgen generate` that meets the same configs reads their solvability reports and preview frames
from the per-user cache (no survey, no renderer), gives the same result, and misses on any change."""

from __future__ import annotations

import numpy as np
import pytest

import envgen.generate.pipeline as pipeline
import envgen.rewards.sandbox as sandbox
from envgen.generate import results, rules
from envgen.generate.pipeline import generate
from envgen.rewards import ValidationReport, program_hash

GOOD = rules.minigrid_candidates("open a locked door then fetch the key-coloured ball", 2)


@pytest.fixture
def fake_sandbox(monkeypatch, tmp_path):
    """A passing sandbox without a child (the sandbox is tested elsewhere) and a fresh envgen cache."""
    monkeypatch.setenv("ENVGEN_CACHE_DIR", str(tmp_path / "cache"))

    def passing(sources, family, limits=None, seed=0, configs=None, **_):
        return [ValidationReport(program_hash(s), family, True, "passed", "ok") for s in sources]

    monkeypatch.setattr(sandbox, "validate_programs", passing)
    monkeypatch.setattr(sandbox, "needs_child", lambda *a, **k: False)


def _run(scripted):
    return generate("open a locked door", "minigrid", 2, scripted([{"environments": GOOD}]), max_repairs=0)


def test_a_second_run_reads_reports_and_previews_without_running_the_checks(scripted, fake_sandbox, monkeypatch):
    first = _run(scripted)
    assert first.status == "ok" and all(isinstance(f, np.ndarray) for f in first.previews.values())

    def not_again(*_a, **_k):
        raise AssertionError("the survey or the renderer ran again for a config already checked")

    monkeypatch.setattr(pipeline, "check_solvable_batch", not_again)
    monkeypatch.setattr(pipeline, "_preview_fns", not_again)
    second = _run(scripted)
    assert second.status == "ok"
    assert [c.solvability for c in second.accepted] == [c.solvability for c in first.accepted]
    assert second.previews.keys() == first.previews.keys()
    for name, frame in first.previews.items():
        np.testing.assert_array_equal(second.previews[name], frame)


def test_a_run_that_starts_a_child_checks_solvability_again_to_hand_it_the_worlds(scripted, fake_sandbox,
                                                                                 monkeypatch):
    _run(scripted)
    calls = []
    real = pipeline.check_solvable_batch

    def counted(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(pipeline, "check_solvable_batch", counted)
    monkeypatch.setattr(sandbox, "needs_child", lambda *a, **k: True)
    monkeypatch.setattr(sandbox, "start_validation", lambda *a, **k: None)
    res = _run(scripted)
    assert res.status == "ok" and calls
    assert all(c.levels is not None for c in res.accepted)  # the worlds the child's rollouts start on


def test_keys_change_with_the_config_and_settings_and_the_cache_can_be_turned_off(monkeypatch, tmp_path):
    monkeypatch.setenv("ENVGEN_CACHE_DIR", str(tmp_path))
    config = {"name": "a", "max_steps": 100}
    key = results.result_key("solvability", "minigrid", config, seeds=8)
    assert key == results.result_key("solvability", "minigrid", dict(config), seeds=8)
    assert key != results.result_key("solvability", "minigrid", {**config, "max_steps": 99}, seeds=8)
    assert key != results.result_key("solvability", "minigrid", config, seeds=4)
    assert key != results.result_key("solvability", "crafter", config, seeds=8)
    results.store_report("solvability", key, {"ok": True})
    results.store_array("previews", key, np.arange(6, dtype=np.uint8).reshape(2, 3))
    assert results.load_report("solvability", key) == {"ok": True}
    np.testing.assert_array_equal(results.load_array("previews", key), np.arange(6).reshape(2, 3))
    (tmp_path / "previews" / f"{key}.npy").write_bytes(b"not an array")
    assert results.load_array("previews", key) is None  # a damaged entry is a miss, not an error
    monkeypatch.setenv("ENVGEN_NO_VERDICT_CACHE", "1")
    assert results.load_report("solvability", key) is None
