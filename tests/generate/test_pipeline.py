"""The repair loop with scripted providers, failure reporting, and the anthropic path over fake HTTP."""

from __future__ import annotations

import json

import pytest

from envgen.generate import rules
from envgen.generate.load import LoadError, load
from envgen.generate.pipeline import generate
from envgen.generate.writer import write_run

GOOD = rules.crafter_candidates("collect wood", 1)[0]  # a head-start config: valid and solvable
OUT_OF_RANGE = {**GOOD, "config": {**GOOD["config"], "max_steps": 0}}
UNSOLVABLE = {"config": {"name": "no-diamonds", "world": {"diamond_uniform": 1.0}},
              "reward_code": GOOD["reward_code"], "targets": ["collect_diamond"]}


def answer(*envs):
    return {"environments": list(envs)}


@pytest.mark.slow
def test_repair_loop_recovers_after_two_repairs_with_diagnoses(scripted):
    provider = scripted([answer(OUT_OF_RANGE), answer(UNSOLVABLE), answer(GOOD)])
    result = generate("collect wood", "crafter", 1, provider, max_repairs=3, preview=False)
    assert result.status == "ok" and result.repairs == 2 and len(result.accepted) == 1
    first_repair = provider.requests[1].messages[-1].content
    second_repair = provider.requests[2].messages[-1].content
    assert "config.max_steps" in first_repair and "greater than or equal to 1" in first_repair
    assert "solvability" in second_repair and "no reachable diamond" in second_repair
    assert [r["failures"][0]["stage"] for r in result.rounds[:2]] == ["config", "solvability"]
    # the conversation carries the previous answers as assistant turns
    assert [m.role for m in provider.requests[2].messages] == ["user", "assistant", "user", "assistant", "user"]


def test_a_provider_that_never_succeeds_is_reported_not_saved(scripted, tmp_path):
    provider = scripted([answer(OUT_OF_RANGE)])
    result = generate("collect wood", "crafter", 1, provider, max_repairs=2, preview=False)
    assert result.status == "failed" and not result.accepted and len(result.rejected) == 3
    out = write_run(result, tmp_path / "run")
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "failed" and run["environments"] == [] and len(run["rejected"]) == 3
    assert not (out / "envs").exists()
    with pytest.raises(LoadError, match="accepted no environments"):
        load(out)


def test_anthropic_provider_end_to_end_through_the_pipeline(monkeypatch, tmp_path):
    from envgen.llm import Budget
    from envgen.llm.anthropic import AnthropicProvider, sdk_httpx

    hx = sdk_httpx()
    bodies = []

    def handler(request):
        bodies.append(json.loads(request.content))
        msg = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-6",
               "content": [{"type": "tool_use", "id": "toolu_1", "name": "submit_environments",
                            "input": answer(GOOD)}],
               "stop_reason": "tool_use", "stop_sequence": None,
               "usage": {"input_tokens": 1200, "output_tokens": 800, "cache_creation_input_tokens": 0,
                         "cache_read_input_tokens": 0}}
        return hx.Response(200, json=msg)

    budget = Budget(max_usd=1.0)
    provider = AnthropicProvider(api_key="test-key", budget=budget,
                                 http_client=hx.Client(transport=hx.MockTransport(handler)))
    result = generate("collect wood", "crafter", 1, provider, preview=False)
    assert result.status == "ok" and result.provider == "anthropic"
    body = bodies[0]
    assert body["tool_choice"] == {"type": "tool", "name": "submit_environments"}
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert "inventory_settings" in json.dumps(body["tools"][0]["input_schema"])
    usage = result.usage()
    assert usage["input_tokens"] == 1200 and usage["output_tokens"] == 800 and usage["cost_usd"] > 0
    run = json.loads((write_run(result, tmp_path / "run") / "run.json").read_text())
    assert run["usage"]["cost_usd"] == usage["cost_usd"] and run["requests"][0]["request_hash"]
