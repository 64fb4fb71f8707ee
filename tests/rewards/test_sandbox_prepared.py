"""A validation child started before its programs are known, and the worlds the parent hands it."""

from __future__ import annotations

import numpy as np
import pytest

from envgen.rewards import sandbox as sb
from envgen.rewards.sandbox.process import decode_arrays, encode_arrays

PROGRAMS = [f"def reward(prev, state, action):\n    return state.health * {k}.0 + state.goal_dist\n" for k in (1, 2)]
BAD = "def reward(prev, state, action):\n    return jnp.log(state.health - 100.0)\n"


def test_arrays_cross_the_pipe_exactly():
    arrays = [np.arange(24, dtype=np.int32).reshape(2, 3, 4), np.array([True, False]), np.zeros((0, 2), np.uint8),
              np.linspace(0, 1, 5, dtype=np.float32)]
    back = decode_arrays(encode_arrays(arrays))
    for a, b in zip(arrays, back, strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


@pytest.mark.parametrize("change", [{"dtype": "object"}, {"dtype": "float64"}, {"shape": [3, 3]}, {"shape": [-1]}])
def test_array_records_are_checked(change):
    (record,) = encode_arrays([np.arange(4, dtype=np.int32)])
    with pytest.raises(ValueError, match="bad array record|does not match"):
        decode_arrays([{**record, **change}])


def test_a_prepared_child_gives_the_verdicts_of_a_fresh_one(toy_family, monkeypatch):
    monkeypatch.setenv("ENVGEN_NO_VERDICT_CACHE", "1")
    sources = [*PROGRAMS, BAD]
    fresh = sb.validate_programs(sources, toy_family)
    prepared = sb.start_validation(toy_family)
    early = sb.validate_programs(sources, toy_family, prepared=prepared)
    assert [r.to_dict() | {"stats": {}} for r in early] == [r.to_dict() | {"stats": {}} for r in fresh]
    assert [r.ok for r in early] == [True, True, False] and early[2].stage == "rollout"
    assert prepared.process.proc.poll() is not None  # finished and reaped


def test_a_prepared_child_for_other_limits_is_stopped_not_used(toy_family, monkeypatch):
    monkeypatch.setenv("ENVGEN_NO_VERDICT_CACHE", "1")
    prepared = sb.start_validation(toy_family, seed=1)
    (report,) = sb.validate_programs(PROGRAMS[:1], toy_family, seed=0, prepared=prepared)
    assert report.ok and prepared.process.proc.poll() is not None


def test_needs_child_only_for_programs_without_a_verdict(toy_family, monkeypatch, tmp_path):
    monkeypatch.setenv("ENVGEN_CACHE_DIR", str(tmp_path))
    assert not sb.needs_child(["def reward(prev, state, action):\n    import os\n"], toy_family)  # AST says no
    assert sb.needs_child(PROGRAMS[:1], toy_family)
    sb.validate_programs(PROGRAMS[:1], toy_family)
    assert not sb.needs_child(PROGRAMS[:1], toy_family)  # the verdict is cached


def test_worlds_that_do_not_fit_the_family_fail_every_program_with_a_reason(monkeypatch):
    monkeypatch.setenv("ENVGEN_NO_VERDICT_CACHE", "1")
    config = "family: minigrid\nname: tiny\n"
    program = "def reward(prev, state, action):\n    return jnp.float32(state.agent_pos[0])\n"
    reports = sb.validate_programs([program], "minigrid", configs=[config], levels=[[np.zeros((2, 3), np.int32)]])
    assert not reports[0].ok and reports[0].stage == "sandbox" and "level layout" in reports[0].message
