"""Validation in the child process: good programs pass with stats, runtime faults name stage and line."""

from __future__ import annotations

import pytest

from envgen.rewards import ValidationReport, program_hash
from envgen.rewards import sandbox as sb

RUNTIME_BAD_NAMES = [
    "python_if_on_array",
    "python_and_on_array",
    "not_a_scalar",
    "int_result",
    "nan",
    "unbounded",
    "constant",
    "integer_blowup",
]


def test_at_least_twenty_valid_programs_are_accepted(toy_reports, programs):
    assert len(programs["valid"]) >= 20
    failed = {n: r.message for n, (_, r) in toy_reports.items() if n in programs["valid"] and not r.ok}
    assert failed == {}


def test_passing_reports_carry_hash_family_and_stats(toy_reports):
    source, report = toy_reports["approach_goal"]
    assert report.program_hash == program_hash(source) and report.family == "toyfamily"
    assert report.stage == "passed" and report.stats["n"] == sb.SandboxLimits().n_samples
    assert report.stats["min"] < report.stats["mean"] < report.stats["max"] and report.stats["std"] > 0
    assert ValidationReport.from_dict(report.to_dict()) == report  # survives run.json


@pytest.mark.parametrize("name", RUNTIME_BAD_NAMES)
def test_runtime_faults_are_reported_with_stage_and_reason(toy_reports, programs, name):
    assert set(RUNTIME_BAD_NAMES) == set(programs["runtime_bad"])
    _, (stage, fragment) = programs["runtime_bad"][name]
    _, report = toy_reports[name]
    assert not report.ok and report.stage == stage
    assert fragment in report.message


def test_rollout_stats_explain_a_bound_violation(toy_reports):
    _, report = toy_reports["unbounded"]
    assert report.stats["max"] > 100 and report.stats["n"] > 0


def test_python_integers_cannot_blow_up(toy_family, toy):
    # Squaring a Python int 40 times would build a number of ~10**12 digits and hang the tracer; every
    # operation on plain integers is bounded, so it stops at the first step past the bound.
    import jax

    fn = sb.compile_program(BLOWUP, toy_family.spec)
    views = jax.tree_util.tree_map(lambda x: x[0], toy.sample_views(jax.random.PRNGKey(0), 2))
    with pytest.raises(OverflowError, match="integer arithmetic exceeds"):
        fn(*views)


BLOWUP = "def reward(prev, state, action):\n    x = 10\n" + "    x = x * x\n" * 40 + "    return jnp.float32(x)\n"


def test_compiled_program_sees_no_builtins_and_only_listed_jnp(toy_family):
    fn = sb.compile_program(VALID_SRC, toy_family.spec)
    g = fn.__globals__
    assert g["__builtins__"] == {}
    public = {n for n in dir(g["jnp"]) if not n.startswith("_")}
    assert public == set(sb.JNP_FUNCTIONS) | set(sb.JNP_CONSTANTS)
    assert not hasattr(g["jnp"], "__dict__")


VALID_SRC = "def reward(prev, state, action):\n    return prev.goal_dist - state.goal_dist\n"


def test_duplicates_are_validated_once_and_reported_in_order(toy_family, monkeypatch):
    seen = []

    def fake_child(pending, texts, fam, limits, seed, fail_fast=False, *_):  # levels, prepared child
        seen.append([job[0] for job, _ in pending])
        return {job: ValidationReport(job[0], fam.name, True, "passed", "ok") for job, _ in pending}

    from envgen.rewards.sandbox import validate

    monkeypatch.setenv("ENVGEN_NO_VERDICT_CACHE", "1")
    monkeypatch.setattr(validate, "_validate_in_child", fake_child)
    other = VALID_SRC.replace("prev.goal_dist", "1.0 + prev.goal_dist")
    reports = sb.validate_programs([VALID_SRC, other, VALID_SRC], toy_family)
    assert [r.program_hash for r in reports] == [program_hash(s) for s in (VALID_SRC, other, VALID_SRC)]
    assert seen == [[program_hash(VALID_SRC), program_hash(other)]]


def test_reward_api_is_generated_from_the_view_code(toy):
    from envgen.rewards import reward_api

    api = reward_api(toy)
    assert api["fields"] == ["health", "pos", "inventory", "goal_dist", "done", "stats.steps", "stats.food"]
    assert api["helpers"]["has"].startswith("True when the inventory holds")
    assert api["jnp"]["sum"] == ["axis", "keepdims"] and "zeros" not in api["jnp"]
    assert api["limits"]["max_loop"] == sb.MAX_LOOP
