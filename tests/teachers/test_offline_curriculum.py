"""The offline provider inside the llm teacher: configs follow the feedback (weak skills, tech tree) and the
cycle, are deterministic, and stay valid and solvable."""

from __future__ import annotations

import json

import pytest

from envgen.envs.crafter.constants import ACHIEVEMENTS
from envgen.generate import prompts, rules
from envgen.generate.ontology import CRAFTER_PREREQS, crafter_chain
from envgen.generate.pipeline import check_solvable_batch
from envgen.llm import LLMRequest
from envgen.llm.offline import OfflineProvider
from envgen.llm.offline_curriculum import Feedback, crafter_frontier
from envgen.spec import spec_from_dict
from envgen.teachers.llm import LLMTeacher

ENVS = 4


def fingerprint(env: dict) -> str:
    """A config as the pipeline's duplicate check sees it: without name and purpose."""
    config = {k: v for k, v in env["config"].items() if k not in ("name", "purpose")}
    return json.dumps([config, env.get("targets")], sort_keys=True)


def rates(**known: float) -> dict[str, float]:
    out = dict.fromkeys(ACHIEVEMENTS, 0.0)
    out.update(known)
    return out


def ask(family: str, goal: str, provider: OfflineProvider, seed: int = 0) -> list[dict]:
    request = LLMRequest.ask(prompts.system_prompt(family), prompts.user_prompt(goal, family, ENVS),
                             prompts.output_schema(family), tool_name=prompts.TOOL_NAME, seed=seed)
    return provider.complete(request).parsed["environments"]


def crafter_teacher() -> LLMTeacher:
    """The teacher's feedback -> goal logic over Crafter's skills, without an env."""
    teacher = LLMTeacher.__new__(LLMTeacher)
    teacher.skills, teacher.per_target, teacher.weakest = list(ACHIEVEMENTS), False, 3
    teacher.mastered, teacher.focus = 0.5, "chain"
    return teacher


def cycle_request(teacher: LLMTeacher, mean: dict[str, float], cycle: int) -> tuple[str, OfflineProvider]:
    """What the teacher's regenerate hands the offline provider in ``cycle``: the goal and the feedback."""
    order = sorted(teacher.skills, key=lambda s: (mean[s], teacher.skills.index(s)))
    fb = {"skills": [{"name": s, "mean": mean[s], "std": 0.0} for s in teacher.skills],
          "weakest": order[:3], "frontier": teacher.frontier(mean)}
    return teacher.offline_goal(fb), OfflineProvider().with_feedback(fb, cycle=cycle, mastered=teacher.mastered)


# -- Crafter ---------------------------------------------------------------------------------------

def test_weak_collect_diamond_grants_and_places_what_diamonds_need():
    envs = rules.crafter_candidates("collect diamond", ENVS, 0, feedback={"rates": rates(), "cycle": 1})
    # three for the weak skill, one bridge for the first unmastered step of its chain
    assert [e["targets"] for e in envs] == [["collect_diamond"], ["collect_wood"], ["collect_diamond"],
                                            ["collect_diamond"]]
    easiest = envs[0]["config"]
    inv = easiest["inventory_settings"]
    assert inv["iron_pickaxe"] == 1 and inv["table"] and inv["furnace"]
    assert easiest["diamond_rarity"] == "very common"
    assert easiest.get("target_biome", "natural") in ("mountain", "natural")  # diamonds lie in mountains
    # weak make_iron_pickaxe: the tools and materials before it, not the pickaxe itself
    envs = rules.crafter_candidates("make iron pickaxe", ENVS, 0, feedback={"rates": rates(), "cycle": 1})
    inv = envs[0]["config"]["inventory_settings"]
    assert inv["wood_pickaxe"] == inv["stone_pickaxe"] == 1 and inv["coal"] >= 1 and inv["iron"] >= 1
    assert inv["table"] and inv["furnace"] and "iron_pickaxe" not in inv


def test_a_blocked_skill_gets_a_bridge_for_the_prerequisite_that_blocks_it():
    mean = rates(collect_wood=0.9, place_table=0.9, make_wood_pickaxe=0.8)  # stone not mastered yet
    assert crafter_frontier("collect_diamond", Feedback.read({"rates": mean})) == "collect_stone"
    envs = rules.crafter_candidates("collect diamond", ENVS, 0, feedback={"rates": mean, "cycle": 1})
    assert [e["targets"] for e in envs].count(["collect_stone"]) == 1
    assert "Cycle 1" in envs[0]["config"]["purpose"] and "blocks collect diamond" in envs[1]["config"]["purpose"]


def test_mastered_prerequisites_are_granted_less():
    chain = crafter_chain(["make_stone_pickaxe"])
    blocked = rules.crafter_candidates("make stone pickaxe", ENVS, 0, feedback={"rates": rates(), "cycle": 1})
    ready = rules.crafter_candidates("make stone pickaxe", ENVS, 0,
                                     feedback={"rates": rates(**dict.fromkeys(chain, 0.9)), "cycle": 1})

    def granted(envs):
        return [len(e["config"].get("inventory_settings", {})) for e in envs if e["targets"] == ["make_stone_pickaxe"]]

    assert len(granted(ready)) == ENVS and max(granted(ready)) < min(granted(blocked))
    # the student that masters the chain meets its last step itself: it collects the stone
    assert all("stone" not in e["config"].get("inventory_settings", {}) for e in ready)
    assert all(e["config"]["inventory_settings"]["stone"] >= 1 for e in blocked
               if e["targets"] == ["make_stone_pickaxe"])
    assert CRAFTER_PREREQS["make_stone_pickaxe"] == ("collect_stone",)


def test_different_weak_skills_give_different_configs_each_aimed_at_its_skill():
    seen = {}
    for weak in ("collect_diamond", "make_iron_pickaxe", "collect_drink", "defeat_zombie", "eat_plant", "wake_up"):
        envs = rules.crafter_candidates(weak.replace("_", " "), ENVS, 0, feedback={"rates": rates(), "cycle": 1})
        assert envs[0]["targets"] == [weak] and sum(e["targets"] == [weak] for e in envs) >= 3, weak
        seen[weak] = {fingerprint(e) for e in envs if e["targets"] == [weak]}  # (bridges may be shared)
    for a in seen:
        for b in seen:
            assert a == b or not seen[a] & seen[b], (a, b)
    fight = rules.crafter_candidates("defeat zombie", 1, 0, feedback={"rates": rates(), "cycle": 1})[0]["config"]
    assert fight["mobs"]["spawn_zombies"] > 0 and not fight["mobs"].get("peaceful")
    tired = rules.crafter_candidates("wake up", 1, 0, feedback={"rates": rates(), "cycle": 1})[0]["config"]
    assert tired["vitals"]["energy"] < 9


def test_same_feedback_same_configs_and_the_cycle_or_rates_change_them():
    fb = {"rates": rates(collect_wood=0.9), "cycle": 3}
    provider = OfflineProvider().with_feedback({"rates": fb["rates"]}, cycle=3)
    once = ask("crafter", "collect diamond", provider, seed=3)
    assert once == ask("crafter", "collect diamond", provider, seed=3)
    assert once == rules.crafter_candidates("collect diamond", ENVS, 3, feedback=fb)
    later = ask("crafter", "collect diamond", OfflineProvider().with_feedback({"rates": fb["rates"]}, cycle=4), 3)
    better = ask("crafter", "collect diamond",
                 OfflineProvider().with_feedback({"rates": rates(collect_wood=0.9, collect_diamond=0.4)}, 3), 3)
    assert {fingerprint(e) for e in once} != {fingerprint(e) for e in later}
    assert {fingerprint(e) for e in once} != {fingerprint(e) for e in better}
    # without feedback the provider answers as before (one fixed easier -> harder ladder)
    plain = ask("crafter", "collect diamond", OfflineProvider())
    assert plain == rules.crafter_candidates("collect diamond", ENVS, 0)


@pytest.fixture(scope="module")
def crafter_run():
    """A simulated 8-cycle EnvGen run: the student climbs the tech tree, the teacher asks each cycle."""
    teacher = crafter_teacher()
    mean = rates()
    climb = ["collect_wood", "place_table", "make_wood_pickaxe", "collect_stone", "collect_coal",
             "make_stone_pickaxe", "collect_iron", "place_furnace"]
    out = []
    for cycle in range(1, 9):
        goal, provider = cycle_request(teacher, mean, cycle)
        out.append((goal, ask("crafter", goal, provider, seed=cycle)))
        mean[climb[cycle - 1]] = 0.9  # the student masters one more step
        mean["collect_drink"] = min(1.0, mean["collect_drink"] + 0.15)
    return out


def test_a_simulated_run_gives_many_distinct_configs(crafter_run):
    envs = [e for _, answer in crafter_run for e in answer]
    assert len(envs) == 8 * ENVS
    distinct = {fingerprint(e) for e in envs}
    assert len(distinct) >= 6 * ENVS, len(distinct)  # the published run had 2 distinct configs in 34 calls
    assert len({goal for goal, _ in crafter_run}) >= 4  # the frontier moves up the tech tree


def test_every_config_of_the_run_is_valid_and_solvable(crafter_run):
    envs = list({fingerprint(e): e for _, answer in crafter_run for e in answer}.values())
    specs = [spec_from_dict(e["config"], family="crafter") for e in envs]
    reports, _ = check_solvable_batch("crafter", specs, [e["targets"] for e in envs], seeds=8, seed=1)
    bad = [f"{s.name}: {r['diagnosis']}" for s, r in zip(specs, reports, strict=True) if not r["ok"]]
    assert not bad, bad


# -- MiniGrid --------------------------------------------------------------------------------------

MG_TARGETS = ["Empty-5x5", "DoorKey-8x8", "FourRooms"]


def mg_feedback(weak: str, cycle: int = 1) -> dict:
    rate = dict.fromkeys(MG_TARGETS, 0.9)
    rate[weak] = 0.1
    return {"rates": rate, "weakest": sorted(MG_TARGETS, key=lambda s: rate[s]), "cycle": cycle}


def test_minigrid_weak_targets_give_different_valid_solvable_configs():
    goal = "Master Empty-5x5, DoorKey-8x8, FourRooms."
    answers = {weak: rules.minigrid_candidates(goal, ENVS, 0, feedback=mg_feedback(weak)) for weak in MG_TARGETS}
    sets = {weak: {fingerprint(e) for e in envs} for weak, envs in answers.items()}
    assert not sets["Empty-5x5"] & sets["DoorKey-8x8"] and not sets["DoorKey-8x8"] & sets["FourRooms"]
    door = [e["config"] for e in answers["DoorKey-8x8"]]
    assert all(c["door"]["locked_prob"] == 1.0 and c["layout"]["type"] == "two_rooms" for c in door)
    assert all(c["layout"]["type"] == "four_rooms" for c in (e["config"] for e in answers["FourRooms"]))
    assert max(e["config"]["layout"]["width"] for e in answers["Empty-5x5"]) <= 6
    assert answers["DoorKey-8x8"] == rules.minigrid_candidates(goal, ENVS, 0, feedback=mg_feedback("DoorKey-8x8"))
    later = {fingerprint(e) for e in rules.minigrid_candidates(goal, ENVS, 0, feedback=mg_feedback("DoorKey-8x8", 2))}
    assert later != sets["DoorKey-8x8"]
    envs = [e for answer in answers.values() for e in answer]
    # every turn of the cycle-driven knobs (start and goal cells), in a layout that limits them too
    envs += [e for cycle in range(1, 7) for e in rules.minigrid_candidates(
        "reach the goal", 2, 0, feedback={"rates": {"MultiRoom-N2-S4": 0.2}, "weakest": ["MultiRoom-N2-S4"],
                                          "cycle": cycle})]
    specs = [spec_from_dict(e["config"], family="minigrid") for e in envs]
    reports, _ = check_solvable_batch("minigrid", specs, [[] for _ in specs], seeds=8)
    bad = [f"{s.name}: {r['diagnosis']}" for s, r in zip(specs, reports, strict=True) if not r["ok"]]
    assert not bad, bad


def test_a_student_that_learns_nothing_still_gets_new_environments_each_cycle():
    # the published run's case: the same weakest skills every cycle (34 calls gave 2 distinct configs)
    mean = rates(collect_wood=0.8, place_table=0.6, collect_drink=0.9)
    fb = {"skills": [{"name": s, "mean": m, "std": 0.0} for s, m in mean.items()],
          "weakest": ["collect_coal", "collect_diamond", "collect_iron"]}
    goal = "collect coal and collect diamond and collect iron"
    answers = [{fingerprint(e) for e in ask("crafter", goal, OfflineProvider().with_feedback(fb, cycle=c), c)}
               for c in range(1, 9)]
    assert all(a != b for a, b in zip(answers, answers[1:], strict=False))
    assert len(set().union(*answers)) >= 4 * ENVS, len(set().union(*answers))


def test_no_answer_repeats_an_environment():
    # the pipeline rejects a repeat as a duplicate: every environment of one answer differs, even when
    # eight practise one skill that has no prerequisites (few knobs of its own)
    for goal, mean in (("collect drink", rates()), ("defeat zombie", rates(defeat_zombie=0.45)),
                       ("collect diamond", rates(**dict.fromkeys(ACHIEVEMENTS, 0.9)))):
        for cycle in (1, 2, 7):
            envs = rules.crafter_candidates(goal, 8, 0, feedback={"rates": mean, "cycle": cycle})
            assert len({fingerprint(e) for e in envs}) == 8, (goal, cycle)
    for weak in MG_TARGETS:
        envs = rules.minigrid_candidates("reach the goal", 8, 0, feedback=mg_feedback(weak, 3))
        assert len({fingerprint(e) for e in envs}) == 8, weak
