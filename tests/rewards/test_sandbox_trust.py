"""The sandbox's newer classes: rollout-reachable values, sampler detection, compute budgets, confusable
identifiers, parser errors without messages, registry-only families, and a child that dies with its parent."""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from envgen.rewards import sandbox as sb
from envgen.rewards.farming import looping_cycles
from envgen.spec import spec_class

RET = "def reward(prev, state, action):\n    return "


def test_parser_errors_without_a_message_still_say_what_happened(toy_family, monkeypatch):
    def no_memory(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(ast, "parse", no_memory)
    with pytest.raises(sb.SandboxError, match="MemoryError: the program is too large or too deeply nested"):
        sb.check_source(RET + "state.health\n", toy_family.spec)


def test_huge_integer_literals_are_rejected_without_a_traceback(toy_family):
    for literal in ("0x" + "f" * 5000, "9" * 5000, "1" + "0" * 30):
        with pytest.raises(sb.SandboxError) as info:
            sb.check_source(RET + f"state.health * {literal}\n", toy_family.spec)
        assert "too large" in str(info.value) or "Exceeds the limit" in str(info.value)
        assert len(str(info.value)) < 400


@pytest.mark.parametrize("name", ["jnp", "range", "prev", "state", "action"])
def test_loop_variables_cannot_shadow_what_programs_read(toy_family, name):
    src = f"def reward(prev, state, action):\n    t = 0.0\n    for {name} in range(2):\n        t = t + 1.0\n"
    src += "    return t\n"
    with pytest.raises(sb.SandboxError, match=f"cannot be named '{name}'"):
        sb.check_source(src, toy_family.spec)


@pytest.mark.parametrize("ident", ["s\u0441ore", "\uff53core", "sco\u0280e", "x\u200d"])
def test_non_ascii_identifiers_are_rejected(toy_family, ident):
    src = f"def reward(prev, state, action):\n    {ident} = state.health\n    return {ident}\n"
    with pytest.raises(sb.SandboxError, match="identifiers must be ASCII|invalid"):
        sb.check_source(src, toy_family.spec)


def test_non_ascii_comments_are_fine_but_bidi_controls_are_not(toy_family):
    sb.check_source(RET + "state.health  # caf\u00e9 \u2192 ok\n", toy_family.spec)
    with pytest.raises(sb.SandboxError, match="U\\+202E"):
        sb.check_source(RET + "state.health  # \u202e }\n", toy_family.spec)


@pytest.mark.parametrize("name", ["os", "toyfamily", "envgen.rewards.views.crafter", "../crafter", ""])
def test_family_names_resolve_in_the_registry_only(name):
    with pytest.raises(ValueError, match="unknown family"):
        sb.load_family(name)


def test_samplers_cover_the_values_real_configs_reach():
    import jax

    from envgen.rewards.views import crafter, minigrid

    prev, _state, _ = crafter.sample_views(jax.random.PRNGKey(0), 4096)
    daylight = set(map(float, prev.daylight))
    assert len(daylight) > 100 and float(prev.time.max()) > 10_000  # continuous light, long episodes
    mprev, _, _ = minigrid.sample_views(jax.random.PRNGKey(0), 4096)
    assert int(mprev.time.max()) > 5000 and int(mprev.steps_remaining.max()) > 5000


# -- real rollouts: one child per family, every program below checked in it -----------------------

CRAFTER = {
    # approach and the first wood (paying for every wood would let "do, do, do" on one tree out-earn
    # the goal: the farming check refuses that, see "pace")
    "ok": RET + "0.1 * (prev.dist_tree - state.dist_tree) + 2.0 * (state.collect_wood - prev.collect_wood)\n",
    # finite where daylight is 0 or 1 (all the old sampler drew), NaN for every light level in between
    "nan_daylight": RET + "jnp.sqrt(state.daylight * state.daylight - state.daylight) + 0.01 * state.health\n",
    # the sampler's achievement_count ignores the flags; on real states it is always their sum
    "sampler_detector": (
        "def reward(prev, state, action):\n"
        "    total = state.collect_coal + state.collect_diamond + state.collect_drink + state.collect_iron\n"
        "    total = total + state.collect_sapling + state.collect_stone + state.collect_wood\n"
        "    total = total + state.defeat_skeleton + state.defeat_zombie + state.eat_cow + state.eat_plant\n"
        "    total = total + state.make_iron_pickaxe + state.make_iron_sword + state.make_stone_pickaxe\n"
        "    total = total + state.make_stone_sword + state.make_wood_pickaxe + state.make_wood_sword\n"
        "    total = total + state.place_furnace + state.place_plant + state.place_stone + state.place_table\n"
        "    total = total + state.wake_up\n"
        "    real = state.achievement_count == total\n"
        "    return jnp.where(real, 77.0, 0.01 * state.health)\n"
    ),
    # pays for every sideways step: walking left and right forever out-earns the whole tech tree
    "pace": RET + "0.1 * jnp.float32(state.x != prev.x) + 1.0 * (state.collect_wood - prev.collect_wood)\n",
    # the same progress as a potential difference: loops earn nothing
    "potential": RET + "0.3 * (0.99 * jnp.minimum(state.wood, 3.0) - jnp.minimum(prev.wood, 3.0))"
                       " + 0.05 * (prev.dist_tree - state.dist_tree)\n",
}
MINIGRID = {
    "ok": RET + "0.1 * (prev.goal_distance - state.goal_distance)\n",
    # pays for turning: spinning on the spot earns more than reaching the goal
    "spin": RET + "0.1 * jnp.float32(state.agent_dir != prev.agent_dir) + 1.0 * jnp.float32(state.mission_success)\n",
    # +inf once time passes 500, which a long episode reaches (the old sampler stopped at 500)
    "late_inf": RET + "jnp.where(state.time > 500, 1.0 / (state.time * 0.0), 0.01 * state.goal_distance)\n",
    "slow": (
        'def reward(prev, state, action):\n'
        '    t = 0.0\n'
        '    for i in range(16):\n'
        '        for j in range(16):\n'
        '            a = jnp.sin(state.goal_distance * (i + 1.0)) * jnp.cos(state.time * (j + 1.0))\n'
        '            b = jnp.exp(-state.target_distance * (i + j + 1.0))\n'
        '            b = b + jnp.log1p(jnp.abs(prev.put_distance * (j - i)))\n'
        '            c = jnp.tanh(a * b + jnp.sqrt(jnp.abs(a - b) + 1.0)) * jnp.arctan2(a, b + 2.0)\n'
        '            t = t + jnp.where(c > 0.1, c, jnp.sin(c * b)) + jnp.hypot(a, c)\n'
        '    return t * 0.0001\n'
    ),
}


@pytest.fixture(scope="module")
def crafter_reports():
    config = spec_class("crafter")(max_steps=10000, day_length=300).to_yaml()
    return dict(zip(CRAFTER, sb.validate_programs(list(CRAFTER.values()), "crafter", configs=[config] * len(CRAFTER)),
                    strict=True))


@pytest.fixture(scope="module")
def minigrid_reports():
    config = spec_class("minigrid")(max_steps=2000).to_yaml()
    reports = sb.validate_programs(list(MINIGRID.values()), "minigrid", configs=[config] * len(MINIGRID))
    return dict(zip(MINIGRID, reports, strict=True))


@pytest.mark.slow
def test_real_rollouts_accept_plain_programs(crafter_reports, minigrid_reports):
    for reports in (crafter_reports, minigrid_reports):
        ok = reports["ok"]
        assert ok.ok, ok.message
        limits = sb.SandboxLimits()
        loops = len(looping_cycles(17 if reports is crafter_reports else 7))
        assert ok.stats["n"] == (limits.rollout_envs + loops) * limits.rollout_steps
        assert ok.stats["sampled_n"] == sb.SandboxLimits().n_samples and ok.config_hash


@pytest.mark.slow
def test_values_only_real_configs_reach_are_checked(crafter_reports, minigrid_reports):
    nan = crafter_reports["nan_daylight"]
    assert not nan.ok and nan.stage == "rollout" and "NaN or infinite" in nan.message
    late = minigrid_reports["late_inf"]
    assert not late.ok and late.stage == "rollout" and "NaN or infinite" in late.message


@pytest.mark.slow
def test_a_program_that_recognises_sampled_states_fails_on_real_ones(crafter_reports):
    rep = crafter_reports["sampler_detector"]
    assert not rep.ok and "constant (77) over" in rep.message and "real rollouts" in rep.message


@pytest.mark.slow
def test_rewards_that_looping_farms_are_rejected(crafter_reports, minigrid_reports):
    for rep, how in ((crafter_reports["pace"], "alternating actions"), (minigrid_reports["spin"], "repeating action")):
        assert not rep.ok and rep.stage == "farming", rep.message
        assert how in rep.message and "as much as solving pays" in rep.message
    good = crafter_reports["potential"]
    assert good.ok and good.stats["loop_income"] < good.stats["solve_value"], good.message


@pytest.mark.slow
def test_a_program_far_costlier_than_the_reference_is_over_budget(minigrid_reports):
    rep = minigrid_reports["slow"]
    assert not rep.ok and rep.stage == "budget" and "a program reading every field" in rep.message


# -- the child dies with its parent ----------------------------------------------------------------

PARENT = textwrap.dedent("""
    import sys
    from envgen.rewards import sandbox as sb
    code = (sb.process.APPLY_LIMITS + "import os, time\\n"
            "print('ENVGEN-SANDBOX ' + str(os.getpid()), flush=True)\\n"
            "open(sys.argv[1], 'w').write(str(os.getpid()))\\n"
            "while True:\\n    sum(range(10**6))\\n")
    sb.run_child({}, sb.SandboxLimits(timeout_s=600), command=[sys.executable, "-I", "-c", code, sys.argv[1]])
""")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_the_validation_child_dies_with_its_parent(tmp_path, sig):
    pid_file = tmp_path / "child.pid"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(pid_file)])
    try:
        for _ in range(600):
            if pid_file.exists() and pid_file.read_text():
                break
            time.sleep(0.05)
        child = int(pid_file.read_text())
        assert _alive(child)
        os.kill(parent.pid, sig)
        parent.wait(timeout=30)
        for _ in range(200):
            if not _alive(child):
                break
            time.sleep(0.05)
        assert not _alive(child), "the validation child outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()
