"""The LLM teacher: per-skill rates and previous configs in the prompt, new configs replace the LLM share."""

from __future__ import annotations

import json

import jax
import numpy as np
import pytest
import yaml

from envgen.generate import rules
from envgen.llm.offline import OfflineProvider
from envgen.teachers.base import TaskStats
from envgen.teachers.llm import LLMTeacher

SKILLS = ["small room", "large room"]


def chunk_stats(success_small: float, success_large: float, n: int = 4) -> TaskStats:
    # slots 0..1 are the target share (small, large cycled); 2..3 the LLM share
    success = np.array([success_small, success_large, 0.0, 0.0], np.float32)
    return TaskStats.make(np.full(n, 4.0), returns=success, success=success)


def test_feedback_prompt_holds_rates_and_previous_configs(minigrid_env, empty_targets):
    teacher = LLMTeacher(minigrid_env, empty_targets, SKILLS, "Reach the goal in a large room.", OfflineProvider(),
                         every=2)
    state = teacher.init(jax.random.key(0), 4)
    for small, large in ((0.5, 0.1), (0.7, 0.3)):
        state = state.replace(
            rates=state.rates.at[int(state.chunks)].set(np.array([small, large])),
            seen=state.seen.at[int(state.chunks)].set(True), chunks=state.chunks + 1)
    teacher.previous = [{"name": "corridor-3", "yaml": "layout: {type: empty, width: 6}\n"}]
    text = teacher.prompt(state)
    assert "small room: 60% ± 10%" in text and "large room: 20% ± 10%" in text
    assert "Weakest skills: large room, small room" in text
    assert "corridor-3" in text and "layout: {type: empty, width: 6}" in text
    assert "Reach the goal in a large room." in text


def test_crafter_skills_are_achievement_rates_over_finished_target_episodes():
    class CrafterLike:  # skill_rates reads only the stats; the env just names the family
        family = "crafter"

    teacher = LLMTeacher.__new__(LLMTeacher)
    teacher.skills, teacher.per_target = ["collect_wood", "collect_coal"], False
    ach = np.array([[1.0, 0.0], [0.5, 0.5], [1.0, 1.0]], np.float32)
    stats = TaskStats.make(np.array([2.0, 2.0, 9.0]), achievements=ach)
    np.testing.assert_allclose(teacher.skill_rates(stats, 2), [0.75, 0.25])  # slot 2 is the LLM share


def test_offline_cycle_replaces_the_llm_share_and_keeps_the_targets(minigrid_env, empty_targets):
    saved = []
    teacher = LLMTeacher(minigrid_env, empty_targets, SKILLS, "reach the goal", OfflineProvider(), every=2,
                         envs_per_call=4, on_configs=lambda cycle, configs: saved.append((cycle, configs)))
    state = teacher.init(jax.random.key(0), 4)
    for small, large in ((0.9, 0.0), (1.0, 0.1)):
        state = teacher.update(state, None, chunk_stats(small, large))
    assert int(state.cycle) == 1 and saved and saved[0][0] == 1 and len(saved[0][1]) == 4
    assert "small room: 95% ± 5%" in teacher.last_prompt
    state, tasks = teacher.sample(state, jax.random.key(1))
    np.testing.assert_array_equal(tasks.params.width[:2], [5, 8])  # the target share is untouched
    offered = [yaml.safe_load(text)["layout"]["width"] for _, text in saved[0][1]]
    np.testing.assert_array_equal(tasks.params.width[2:], offered[:2])
    assert teacher.previous and teacher.previous[0]["name"] == saved[0][1][0][0]
    # the offline rules read the rates: every config practises the weak target (the large room), not the
    # mastered small one, in rooms around its size
    assert all(name.startswith("large-room") for name, _ in saved[0][1]) and min(offered) >= 7
    assert "Cycle 1 practice of the weak target large room (5% success)" in saved[0][1][0][1]


def test_a_target_no_episode_finished_on_counts_as_unsolved_and_the_cycle_still_comes(minigrid_env, empty_targets):
    # a student that cannot finish the target within a chunk finishes no target episode: that must read as
    # "not solved" (rate 0), or the teacher would wait forever and never hand out an easier environment
    teacher = LLMTeacher(minigrid_env, empty_targets, SKILLS, "reach the goal", OfflineProvider(), every=2,
                         envs_per_call=2)
    state = teacher.init(jax.random.key(0), 4)
    none_finished = TaskStats.make(np.array([0.0, 0.0, 3.0, 3.0], np.float32))
    for _ in range(2):
        state = teacher.update(state, None, none_finished)
    assert int(state.cycle) == 1
    assert [s["mean"] for s in teacher.feedback(state)["skills"]] == [0.0, 0.0]


def test_offline_cycles_follow_the_changing_feedback(minigrid_env, empty_targets):
    saved = []
    teacher = LLMTeacher(minigrid_env, empty_targets, SKILLS, "reach the goal", OfflineProvider(), every=1,
                         envs_per_call=2, on_configs=lambda cycle, configs: saved.append(configs))
    state = teacher.init(jax.random.key(0), 4)
    state = teacher.update(state, None, chunk_stats(0.0, 1.0))  # the small room is weak
    state = teacher.update(state, None, chunk_stats(1.0, 0.0))  # now the large room is
    state = teacher.update(state, None, chunk_stats(1.0, 0.0))  # the same feedback, a later cycle
    assert int(state.cycle) == 3 and len(saved) == 3
    widths = [[yaml.safe_load(text)["layout"]["width"] for _, text in configs] for configs in saved]
    assert max(widths[0]) < min(widths[1])  # small rooms for the small room, larger for the large one
    configs = [{json.dumps({k: v for k, v in yaml.safe_load(t).items() if k not in ("name", "purpose")},
                           sort_keys=True) for _, t in c} for c in saved]
    assert configs[0] != configs[1] != configs[2]


def test_anthropic_provider_gets_the_feedback_through_fake_http(minigrid_env, empty_targets):
    httpx_mod = pytest.importorskip("envgen.llm.anthropic").sdk_httpx()
    from envgen.llm.anthropic import AnthropicProvider

    good = rules.minigrid_candidates("reach the goal", 4)
    bodies = []

    def handler(request):
        bodies.append(json.loads(request.content))
        msg = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-6",
               "content": [{"type": "tool_use", "id": "toolu_1", "name": "submit_environments",
                            "input": {"environments": good}}],
               "stop_reason": "tool_use", "stop_sequence": None,
               "usage": {"input_tokens": 1000, "output_tokens": 500, "cache_creation_input_tokens": 0,
                         "cache_read_input_tokens": 0}}
        return httpx_mod.Response(200, json=msg)

    provider = AnthropicProvider(api_key="test-key",
                                 http_client=httpx_mod.Client(transport=httpx_mod.MockTransport(handler)))
    teacher = LLMTeacher(minigrid_env, empty_targets, SKILLS, "reach the goal", provider, every=1)
    state = teacher.init(jax.random.key(0), 4)
    state = teacher.update(state, None, chunk_stats(0.25, 0.75))
    assert int(state.cycle) == 1 and len(bodies) == 1
    user = json.dumps(bodies[0]["messages"], ensure_ascii=False)
    assert "small room: 25% ± 0%" in user and "large room: 75% ± 0%" in user
    assert "Weakest skills: small room" in user


def crafter_teacher(**settings) -> LLMTeacher:
    """An LLM teacher over Crafter's 22 skills without an env (feedback and goals read only the rates)."""
    from envgen.envs.crafter.constants import ACHIEVEMENTS

    teacher = LLMTeacher.__new__(LLMTeacher)
    teacher.skills, teacher.per_target, teacher.weakest = list(ACHIEVEMENTS), False, 3
    teacher.mastered, teacher.focus = settings.get("mastered", 0.5), settings.get("focus", "chain")
    return teacher


def test_chain_focus_follows_the_crafter_tech_tree_frontier():
    teacher = crafter_teacher()
    mean = dict.fromkeys(teacher.skills, 0.0)
    mean.update(collect_wood=0.9, place_table=0.8, collect_drink=0.9, collect_sapling=0.7, wake_up=0.9)
    frontier = teacher.frontier(mean)
    # ready: every prerequisite mastered; not ready: collect_stone (needs the wood pickaxe), diamonds
    assert "make_wood_pickaxe" in frontier and "collect_stone" not in frontier
    assert "collect_diamond" not in frontier and "collect_wood" not in frontier
    assert len(frontier) == 3
    mean.update(make_wood_pickaxe=0.9, make_wood_sword=0.9, place_plant=0.9, eat_cow=0.9, defeat_zombie=0.9)
    later = teacher.frontier(mean)
    assert "collect_stone" in later and "make_wood_pickaxe" not in later
    goal = teacher.offline_goal({"frontier": later, "weakest": ["collect_diamond"]})
    assert "collect stone" in goal and "diamond" not in goal


@pytest.mark.slow
def test_chain_focus_walks_a_minigrid_goal_step_by_step(minigrid_env, empty_targets):
    goal = "open a locked door then fetch the key-colored ball"
    teacher = LLMTeacher(minigrid_env, empty_targets, SKILLS, goal, OfflineProvider(), every=1, focus="chain",
                           envs_per_call=2)
    assert len(teacher.steps) == 3 and "unlock" in teacher.steps[0] and "ball" in teacher.steps[1]
    state = teacher.init(jax.random.key(0), 4)
    state = teacher.update(state, None, chunk_stats(0.0, 0.0))
    assert int(state.stage) == 0 and teacher.last_goal == teacher.steps[0]
    assert "The agent now practises step 1" in teacher.last_prompt
    # the LLM share (slots 2, 3) masters the unlock step: the next cycle moves to the fetch step
    mastered = TaskStats.make(np.full(4, 4.0), success=np.array([0.0, 0.0, 1.0, 1.0], np.float32))
    state = teacher.update(state, None, mastered)
    assert int(state.stage) == 1 and teacher.last_goal == teacher.steps[1]
    assert int(state.cycle) == 2


def test_chain_focus_refuses_a_goal_it_cannot_split(minigrid_env, empty_targets):
    with pytest.raises(ValueError, match="focus 'chain' needs a goal"):
        LLMTeacher(minigrid_env, empty_targets, SKILLS, "asdf qwerty", OfflineProvider(), focus="chain")
    with pytest.raises(ValueError, match="focus must be one of weakest, chain, failures"):
        LLMTeacher(minigrid_env, empty_targets, SKILLS, "reach the goal", OfflineProvider(), focus="hardest")


def test_failures_focus_puts_the_failed_environments_in_the_prompt(minigrid_env, empty_targets):
    teacher = LLMTeacher(minigrid_env, empty_targets, SKILLS, "reach the goal", OfflineProvider(), every=2,
                         focus="failures", envs_per_call=2)
    state = teacher.init(jax.random.key(0), 4)
    teacher.previous = [{"name": "corridor-3", "yaml": "layout: {type: empty, width: 6}\n"}]
    state = teacher.update(state, None, chunk_stats(1.0, 0.0))
    saved = teacher.host_state()
    assert saved["tally"]["corridor-3"] == [8.0, 0.0] and saved["tally"]["large room"] == [4.0, 0.0]
    state = teacher.update(state, None, chunk_stats(1.0, 0.25))
    text = teacher.last_prompt
    assert "failed in these environments" in text
    assert "--- large room: 12% success" in text and "--- corridor-3: 0% success" in text
    assert "layout: {type: empty, width: 6}" in text and "--- small room" not in text
    assert teacher.tally == {}  # a new cycle counts its own failures
    teacher.load_host_state(saved)
    assert teacher.tally["corridor-3"] == (8.0, 0.0)
