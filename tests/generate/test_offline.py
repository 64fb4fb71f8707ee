"""The offline provider over every Crafter achievement and every MiniGrid mission type: valid, solvable
configs and accepted reward programs."""

from __future__ import annotations

import jax
import pytest
from test_ontology import CRAFTER_GOALS, MINIGRID_GOALS

from envgen.envs.crafter.solvability import check_goal
from envgen.generate import prompts, rules
from envgen.generate.pipeline import check_solvable
from envgen.llm import LLMRequest, get_provider
from envgen.rewards.sandbox import check_source, load_family, program_hash, validate_programs
from envgen.spec import spec_from_dict

N = 3  # easiest, middle and Crafter's own world


@pytest.fixture(scope="module")
def crafter_answers():
    provider = get_provider("offline")
    out = {}
    for ach, goal in sorted(CRAFTER_GOALS.items()):
        request = LLMRequest.ask(prompts.system_prompt("crafter"), prompts.user_prompt(goal, "crafter", N),
                                 prompts.output_schema("crafter"), tool_name=prompts.TOOL_NAME)
        out[ach] = provider.complete(request).parsed["environments"]
    return out


def test_answers_have_the_llm_shape_and_target_the_goal(crafter_answers):
    for ach, envs in crafter_answers.items():
        assert len(envs) == N
        for env in envs:
            assert set(env) == {"config", "reward_code", "targets"} and env["targets"] == [ach]


@pytest.mark.slow
def test_configs_validate_and_are_solvable(crafter_answers):
    key = jax.random.key(0)
    failures = []
    for _ach, envs in crafter_answers.items():
        for env in envs:
            spec = spec_from_dict(env["config"], family="crafter")
            report = check_goal(spec.compile(), env["targets"], seeds=8, key=key)
            if not report.ok:
                failures.append(f"{spec.name}: {report.diagnosis()}")
    assert not failures, "\n".join(failures)


def test_easier_configs_grant_more(crafter_answers):
    envs = crafter_answers["collect_diamond"]
    first, last = (e["config"] for e in (envs[0], envs[-1]))
    assert first["inventory_settings"]["iron_pickaxe"] == 1 and first["diamond_rarity"] == "very common"
    assert "inventory_settings" not in last and "diamond_rarity" not in last  # Crafter's own world


def test_reward_programs_pass_the_ast_check_and_the_sandbox(crafter_answers):
    fam = load_family("crafter")
    sources = sorted({env["reward_code"] for envs in crafter_answers.values() for env in envs})
    for source in sources:
        check_source(source, fam.spec)
    reports = validate_programs(sources, "crafter")  # one child process for all of them
    bad = [f"{program_hash(s)[:8]}: {r.stage}: {r.message}\n{s}" for s, r in zip(sources, reports, strict=True)
           if not r.ok]
    assert not bad, "\n".join(bad)


def test_offline_is_deterministic_and_seed_varies_only_details():
    a = rules.crafter_candidates("learn to mine diamonds", 4, seed=0)
    assert a == rules.crafter_candidates("learn to mine diamonds", 4, seed=0)
    assert [e["targets"] for e in a] == [e["targets"] for e in rules.crafter_candidates("mine diamonds", 4, 1)]


@pytest.fixture(scope="module")
def minigrid_answers():
    provider = get_provider("offline")
    out = {}
    for kind, (goal, _) in sorted(MINIGRID_GOALS.items()):
        request = LLMRequest.ask(prompts.system_prompt("minigrid"), prompts.user_prompt(goal, "minigrid", N),
                                 prompts.output_schema("minigrid"), tool_name=prompts.TOOL_NAME)
        out[kind] = provider.complete(request).parsed["environments"]
    return out


def test_minigrid_configs_name_the_mission_validate_and_are_solvable(minigrid_answers):
    failures = []
    for kind, envs in minigrid_answers.items():
        assert len(envs) == N
        for env in envs:
            spec = spec_from_dict(env["config"], family="minigrid")
            assert spec.mission.type == kind, (kind, env["config"])
            report = check_solvable("minigrid", spec, [], seeds=8)
            if not report["ok"]:
                failures.append(f"{kind} {spec.name}: {report['diagnosis']}")
    assert not failures, "\n".join(failures)


def test_minigrid_reward_programs_pass_the_sandbox(minigrid_answers):
    fam = load_family("minigrid")
    sources = sorted({env["reward_code"] for envs in minigrid_answers.values() for env in envs})
    assert len(sources) == len(MINIGRID_GOALS)  # one shaping program per mission type
    for source in sources:
        check_source(source, fam.spec)
    reports = validate_programs(sources, "minigrid")
    assert all(r.ok for r in reports), [r.message for r in reports if not r.ok]


def test_the_readme_chain_becomes_step_and_whole_environments_that_validate_and_solve():
    envs = rules.minigrid_candidates("open a locked door then fetch the key-coloured ball", 4)
    specs = [spec_from_dict(e["config"], family="minigrid") for e in envs]
    assert [s.mission.type for s in specs] == ["unlock_door", "pickup", "pickup", "pickup"]
    color = specs[0].door.color
    assert color != "random" and specs[0].mission.color == color
    for s in specs[1:]:
        assert (s.mission.object, s.mission.color) == ("ball", color)  # the key's colour is the door's
    for s in specs[2:]:  # the whole chain: the ball waits behind the locked door
        assert s.door.locked_prob == 1.0 and s.door.color == color and s.mission.spawn
    failures = [f"{s.name}: {r['diagnosis']}" for s in specs
                if not (r := check_solvable("minigrid", s, [], seeds=8))["ok"]]
    assert not failures, failures
    fam = load_family("minigrid")
    sources = sorted({e["reward_code"] for e in envs})
    for source in sources:
        check_source(source, fam.spec)
    assert all(r.ok for r in validate_programs(sources, "minigrid"))


def test_feedback_answers_keep_the_llm_shape_and_their_reward_programs_pass_the_sandbox():
    """The llm teacher's path (feedback): one weak skill per environment, reward programs still accepted."""
    from envgen.envs.crafter.constants import ACHIEVEMENTS
    from envgen.generate.ontology import crafter_chain

    sources = set()
    for ach in ACHIEVEMENTS:
        nothing = dict.fromkeys(ACHIEVEMENTS, 0.0)
        chain_done = {**nothing, **dict.fromkeys(crafter_chain([ach]), 0.9)}
        for rates in (nothing, chain_done):
            provider = get_provider("offline").with_feedback({"rates": rates}, cycle=1)
            request = LLMRequest.ask(prompts.system_prompt("crafter"),
                                     prompts.user_prompt(ach.replace("_", " "), "crafter", N),
                                     prompts.output_schema("crafter"), tool_name=prompts.TOOL_NAME)
            envs = provider.complete(request).parsed["environments"]
            assert len(envs) == N and envs[0]["targets"] == [ach]
            assert all(set(e) == {"config", "reward_code", "targets"} and len(e["targets"]) == 1 for e in envs)
            sources |= {e["reward_code"] for e in envs}
    fam = load_family("crafter")
    for source in sources:
        check_source(source, fam.spec)
    reports = validate_programs(sorted(sources), "crafter")
    assert all(r.ok for r in reports), [r.message for r in reports if not r.ok]
