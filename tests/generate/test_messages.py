"""What `envgen generate` and `envgen.make` tell a user: unknown goals, failed runs, names, line wrapping."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import envgen
from envgen.cli import main
from envgen.generate import rules
from envgen.generate.load import LoadError
from envgen.generate.pipeline import generate
from envgen.generate.writer import write_run


def run_cli(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("family", ["crafter", "minigrid"])
def test_a_goal_the_offline_rules_cannot_read_fails_with_what_the_family_can_do(tmp_path, family):
    res = run_cli("generate", "bake a cake", "--family", family, "--provider", "offline", "--out",
                  str(tmp_path / "run"))
    assert res.exit_code == 2
    assert "did not understand any of: bake cake" in res.output and "--allow-fallback" in res.output
    assert ("collect diamond" if family == "crafter" else "open or unlock a door") in res.output
    assert not (tmp_path / "run").exists()  # nothing is written


@pytest.mark.slow
def test_offline_says_what_it_understood_and_what_it_ignored(tmp_path):
    res = run_cli("generate", "bake a cake, then mine diamonds", "--n", "1", "--provider", "offline", "--no-preview",
                  "--out", str(tmp_path / "run"))
    assert res.exit_code == 0, res.output
    assert "understood 'mine diamonds' -> collect_diamond; not understood: bake cake" in res.output


def test_a_failed_run_prints_each_rejection_with_its_reason(scripted, tmp_path):
    from envgen.commands.generate import report

    good = rules.crafter_candidates("collect wood", 1)[0]
    bad = {**good, "config": {**good["config"], "max_steps": 0}}
    result = generate("collect wood", "crafter", 1, scripted([{"environments": [bad]}]), max_repairs=0,
                      preview=False)
    path = write_run(result, tmp_path / "run")
    out = envgen.cli.console(stderr=False)
    with out.capture() as cap:
        report(result, path, out)
    text = cap.get()
    assert "failed: 0/1 environments accepted" in text
    assert "at the config check: config.max_steps" in text
    # envgen.load names the reason too, not just an empty list
    with pytest.raises(LoadError, match="failed the config check: config.max_steps"):
        envgen.load(path)


@pytest.mark.slow
def test_a_duplicate_returned_during_repair_is_not_counted_twice(scripted):
    a, b = rules.crafter_candidates("collect wood", 2)
    renamed = {**a, "config": {**a["config"], "name": "same-again", "purpose": "another purpose"}}
    bad = {**b, "config": {**b["config"], "max_steps": 0}}
    provider = scripted([{"environments": [a, bad]}, {"environments": [renamed]}, {"environments": [b]}])
    result = generate("collect wood", "crafter", 2, provider, max_repairs=2, preview=False)
    assert result.status == "ok" and [c.name for c in result.accepted] == [a["config"]["name"], b["config"]["name"]]
    dup = result.rounds[1]["failures"][0]
    assert dup["stage"] == "answer" and "duplicate of the accepted environment" in dup["problems"][0]
    assert "duplicate" in provider.requests[2].messages[-1].content


@pytest.mark.slow
def test_large_requests_are_split_and_merged(scripted):
    envs = rules.crafter_candidates("collect wood", 5)
    provider = scripted([{"environments": envs[:3]}, {"environments": envs[3:]}])
    result = generate("collect wood", "crafter", 5, provider, preview=False, per_request=3)
    assert result.status == "ok" and len(result.accepted) == 5 and len(provider.requests) == 2
    first, second = (r.messages[0].content for r in provider.requests)
    assert "Environments: 3" in first and "Part: environments 1-3 of 5" in first
    assert "Environments: 2" in second and "Part: environments 4-5 of 5" in second


def test_offline_split_requests_cover_the_whole_range():
    from envgen.llm import get_provider

    result = generate("collect wood", "crafter", 5, get_provider("offline"), preview=False, per_request=2)
    assert result.status == "ok" and len(result.requests) == 3
    assert [c.raw["config"] for c in result.accepted] == [e["config"] for e in rules.crafter_candidates(
        "collect wood", 5)]


def test_prompts_for_providers_without_tools_never_mention_a_tool():
    from envgen.generate import prompts

    for family in ("crafter", "minigrid"):
        system = prompts.system_prompt(family, tools=False)
        assert prompts.TOOL_NAME not in system and "JSON object" in system
        assert prompts.TOOL_NAME in prompts.system_prompt(family)
    repair = prompts.repair_prompt([{"name": "a", "stage": "config", "problems": ["x"]}], 1, [], tools=False)
    assert "tool" not in repair and "JSON object" in repair


def test_config_table_cells_are_escaped_and_defaults_honest():
    from envgen.generate import prompts

    system = prompts.system_prompt("crafter")
    rows = [line for line in system.splitlines() if line.startswith("| `")]
    assert rows and all(line.replace("\\|", "").count("|") == 6 for line in rows)
    weights = next(line for line in rows if line.startswith("| `achievement_weights`"))
    assert "required" not in weights


def test_reward_api_states_each_fields_type():
    from envgen.generate import prompts

    mg = prompts.system_prompt("minigrid")
    assert "`agent_pos` (int32[2])" in mg and "`on_goal` (bool)" in mg and "`agent_dir` (int32)" in mg
    assert "`wood` (float32)" in prompts.system_prompt("crafter")


@pytest.mark.parametrize(("name", "expect"), [
    ("nonexistent", "unknown environment 'nonexistent'; families: crafter, minigrid"),
    ("craftr", "did you mean 'crafter'?"),
    ("Crafter", "names are case-sensitive: did you mean 'crafter'?"),
    ("minigrid/doorkey-8x8", "did you mean 'minigrid/DoorKey-8x8'?"),
    ("missing.yaml", "config file missing.yaml does not exist"),
])
def test_make_explains_an_unknown_name(name, expect):
    with pytest.raises(KeyError) as info:
        envgen.make(name)
    assert expect in str(info.value)
    assert len(str(info.value)) < 300  # no wall of 51 names


def test_console_does_not_wrap_long_paths_off_a_terminal(capsys):
    long = "/tmp/" + "x" * 150 + "/envs/a.yaml"
    envgen.cli.console().print(f"  env: {long}")
    assert long in capsys.readouterr().out


def test_replay_miss_says_how_to_record(tmp_path):
    from envgen.llm import LLMRequest, ReplayMissError, ReplayProvider

    p = ReplayProvider(None, tmp_path, "replay", name="anthropic", model="m")
    with pytest.raises(ReplayMissError, match="without --replay-only to record it"):
        p.complete(LLMRequest.ask("s", "u", {"type": "object"}))


def test_the_fallback_is_explicit_and_said_in_each_purpose():
    from envgen.generate import ontology as onto
    from envgen.generate import prompts
    from envgen.llm import LLMRequest, ProviderError, get_provider

    with pytest.raises(onto.GoalNotUnderstood, match="bake cake"):
        rules.crafter_candidates("bake a cake", 2)
    envs = rules.crafter_candidates("bake a cake", 2, fallback=True)
    assert all(e["targets"] == list(onto.FALLBACK_SET) and "no achievement named" in e["config"]["purpose"]
               for e in envs)
    assert [e["config"]["mission"]["type"] for e in rules.minigrid_candidates("asdf", 2, fallback=True)] == \
        ["reach_goal", "reach_goal"]
    request = LLMRequest.ask("system", prompts.user_prompt("asdf", "minigrid", 2), {"type": "object"},
                             metadata={"goal": "asdf", "family": "minigrid", "n": "2"})
    with pytest.raises(ProviderError, match="cannot read the goal 'asdf'"):
        get_provider("offline").complete(request)
    assert get_provider("offline", allow_fallback=True).complete(request).parsed["environments"]
