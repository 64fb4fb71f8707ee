"""The Anthropic provider through a fake HTTP transport: structured output, caching, retries, spend cap."""

from __future__ import annotations

import pytest

from envgen.llm import Budget, MalformedOutput, ProviderError, RetryExhausted, SpendCapExceeded
from envgen.llm.anthropic import DEFAULT_MODEL, AnthropicProvider, estimate_input_tokens, sdk_httpx
from envgen.llm.pricing import Price, price_for


def sent_key(request) -> str | None:
    # SDK 0.x sends x-api-key, 2.x an Authorization bearer token.
    return request.headers.get("x-api-key") or request.headers.get("authorization", "").removeprefix("Bearer ")


def provider(server, **kw):
    return AnthropicProvider(api_key="test-key", http_client=server.client(), **kw)


def test_well_formed_tool_output_is_parsed_and_accounted(anthropic_server, fx):
    server = anthropic_server([fx.anthropic_message(fx.GOOD)])
    budget = Budget()
    resp = provider(server, budget=budget).complete(fx.make_request())
    assert resp.parsed == fx.GOOD
    assert resp.model == DEFAULT_MODEL and resp.stop_reason == "tool_use" and resp.attempts == 1
    assert (resp.usage.input_tokens, resp.usage.output_tokens, resp.usage.cache_read_tokens) == (
        120,
        300,
        2000,
    )
    # sonnet: $3/M input, $15/M output, cache reads at 0.1x input
    assert resp.cost_usd == pytest.approx(120 * 3e-6 + 300 * 15e-6 + 2000 * 0.3e-6)
    assert budget.summary()["calls"] == 1 and budget.spent_usd == pytest.approx(resp.cost_usd)
    assert resp.request_hash == fx.make_request(model=DEFAULT_MODEL).request_hash()


def test_request_forces_the_tool_and_caches_the_system_prompt(anthropic_server, fx):
    server = anthropic_server([fx.anthropic_message(fx.GOOD)])
    provider(server).complete(fx.make_request(model="claude-haiku-4-5"))
    (body,) = server.bodies()
    assert server.requests[0].url.path == "/v1/messages"
    assert body["model"] == "claude-haiku-4-5" and body["max_tokens"] == 1024
    assert body["system"] == [{"type": "text", "text": fx.SYSTEM, "cache_control": {"type": "ephemeral"}}]
    assert body["tools"][0]["name"] == "submit_env" and body["tools"][0]["input_schema"] == fx.SCHEMA
    assert body["tool_choice"] == {"type": "tool", "name": "submit_env"}
    assert body["messages"] == [{"role": "user", "content": "Goal: collect wood"}]
    # Sampling parameters the SDK no longer accepts are never sent.
    assert not {"temperature", "top_p", "top_k"} & body.keys()
    assert sent_key(server.requests[0]) == "test-key"


def test_cache_write_tokens_are_priced_at_the_write_multiplier(anthropic_server, fx):
    usage = {
        "input_tokens": 10,
        "output_tokens": 0,
        "cache_creation_input_tokens": 1000,
        "cache_read_input_tokens": 0,
    }
    server = anthropic_server([fx.anthropic_message(fx.GOOD, usage=usage)])
    resp = provider(server).complete(fx.make_request())
    assert resp.usage.cache_write_tokens == 1000
    assert resp.cost_usd == pytest.approx(10 * 3e-6 + 1000 * 3e-6 * 1.25)


@pytest.mark.parametrize(
    ("tool_input", "expected"),
    [
        ({"name": "x", "size": 9}, "reward_code: required field is missing"),
        ({"name": "x", "size": "nine", "reward_code": ""}, "size: expected integer, got string"),
        ({"name": "x", "size": 500, "reward_code": ""}, "size: 500 violates maximum 64"),
        ({**{"name": "x", "size": 9, "reward_code": ""}, "colour": "red"}, "colour: unknown field"),
    ],
)
def test_partial_or_mistyped_tool_input_is_malformed_with_the_reason(anthropic_server, fx, tool_input, expected):
    server = anthropic_server([fx.anthropic_message(tool_input)])
    budget = Budget()
    with pytest.raises(MalformedOutput) as info:
        provider(server, budget=budget).complete(fx.make_request())
    assert expected in info.value.reason
    # The bad answer still cost money and is kept for the repair prompt.
    assert info.value.response.parsed is None and budget.calls == 1


def test_text_instead_of_tool_use_is_malformed(anthropic_server, fx):
    server = anthropic_server([fx.anthropic_message(text="Sure! Here is a config: ...", stop_reason="end_turn")])
    with pytest.raises(MalformedOutput, match="must be a call of the tool 'submit_env'") as info:
        provider(server).complete(fx.make_request())
    assert "Here is a config" in info.value.response.raw_text


def test_output_truncated_by_max_tokens_is_malformed(anthropic_server, fx):
    server = anthropic_server([fx.anthropic_message({"name": "x"}, stop_reason="max_tokens")])
    with pytest.raises(MalformedOutput, match="cut off at max_tokens=1024"):
        provider(server).complete(fx.make_request())


def test_429_then_success_is_retried_by_the_sdk_and_counted(anthropic_server, fx):
    rate_limited = (
        429,
        {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}},
        fx.FAST_RETRY,
    )
    server = anthropic_server([rate_limited, rate_limited, fx.anthropic_message(fx.GOOD)])
    resp = provider(server, max_retries=3).complete(fx.make_request())
    assert resp.parsed == fx.GOOD and resp.attempts == 3 and fx.retry_counts(server) == [0, 1, 2]


def test_5xx_until_the_retry_cap_raise_retry_exhausted_with_the_status(anthropic_server, fx):
    for status, kind in ((500, "api_error"), (529, "overloaded_error")):
        err = (status, {"type": "error", "error": {"type": kind, "message": "try later"}}, fx.FAST_RETRY)
        server = anthropic_server([err] * 3)
        with pytest.raises(RetryExhausted, match=f"{status}: try later") as info:
            provider(server, max_retries=2).complete(fx.make_request())
        assert info.value.attempts == 3 and len(server.requests) == 3


def test_timeouts_are_retried_then_exhausted(anthropic_server, fx):
    timeout = sdk_httpx().ReadTimeout
    server = anthropic_server([timeout, fx.anthropic_message(fx.GOOD)])
    assert provider(server, max_retries=1).complete(fx.make_request()).attempts == 2
    server = anthropic_server([timeout])
    with pytest.raises(RetryExhausted, match="1 attempts.*APITimeoutError"):
        provider(server, max_retries=0).complete(fx.make_request())


def test_client_errors_are_not_retried(anthropic_server, fx):
    bad = (
        400,
        {"type": "error", "error": {"type": "invalid_request_error", "message": "tools.0: bad schema"}},
    )
    server = anthropic_server([bad])
    with pytest.raises(ProviderError, match="400: tools.0: bad schema"):
        provider(server, max_retries=3).complete(fx.make_request())
    assert len(server.requests) == 1


def test_extended_thinking_lets_the_model_choose_the_tool(anthropic_server, fx):
    message = fx.anthropic_message(fx.GOOD)
    message["content"].insert(0, {"type": "thinking", "thinking": "The wood goes first...", "signature": "c2ln"})
    server = anthropic_server([message])
    resp = provider(server).complete(fx.make_request(thinking_budget=2048))
    assert resp.parsed == fx.GOOD
    (body,) = server.bodies()
    # a forced tool_choice is refused with thinking on; "auto" is allowed, and the answer gets room
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert body["tool_choice"] == {"type": "auto"} and body["max_tokens"] == 1024 + 2048
    # thinking changes the answer, so it is part of the request hash; without it the hash is as before
    assert fx.make_request(thinking_budget=2048).request_hash() != fx.make_request().request_hash()


def test_spend_cap_stops_before_the_request_that_could_break_it(anthropic_server, fx):
    server = anthropic_server([fx.anthropic_message(fx.GOOD)])  # only one reply: a second send would fail
    request = fx.make_request(model=DEFAULT_MODEL)
    worst = price_for(DEFAULT_MODEL).worst_case(estimate_input_tokens(request), request.max_tokens)
    budget = Budget(max_usd=worst + 0.001)  # room for one call, not for two
    p = provider(server, budget=budget)
    first = p.complete(request)
    assert first.cost_usd > 0.001
    with pytest.raises(SpendCapExceeded, match="spend cap .* would be exceeded") as info:
        p.complete(fx.make_request(seed=1))
    assert info.value.spent_usd == pytest.approx(first.cost_usd)
    assert len(server.requests) == 1 and budget.spent_usd <= budget.max_usd


def test_unknown_model_reports_no_cost_and_a_note(anthropic_server, fx):
    server = anthropic_server([fx.anthropic_message(fx.GOOD, model="claude-future-9")])
    resp = provider(server).complete(fx.make_request(model="claude-future-9"))
    assert resp.cost_usd is None and "no price known for model 'claude-future-9'" in resp.cost_note
    # with a cap the price must be known (or given), otherwise nothing is sent
    server = anthropic_server([])
    with pytest.raises(ProviderError, match="cannot keep the"):
        provider(server, budget=Budget(max_usd=1.0)).complete(fx.make_request(model="claude-future-9"))
    server = anthropic_server([fx.anthropic_message(fx.GOOD, model="claude-future-9")])
    resp = provider(server, price=Price(1.0, 2.0), budget=Budget(max_usd=1.0)).complete(
        fx.make_request(model="claude-future-9")
    )
    assert resp.cost_usd == pytest.approx(120e-6 + 300 * 2e-6 + 2000 * 0.1e-6)


def test_missing_key_is_a_clear_error_at_construction():
    with pytest.raises(ProviderError, match="ANTHROPIC_API_KEY is not set"):
        AnthropicProvider()


def test_key_is_read_from_the_environment_when_constructed(monkeypatch, anthropic_server, fx):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "from-env")
    server = anthropic_server([fx.anthropic_message(fx.GOOD)])
    p = AnthropicProvider(http_client=server.client())
    monkeypatch.setenv("ANTHROPIC_API_KEY", "changed-later")
    p.complete(fx.make_request())
    assert sent_key(server.requests[0]) == "from-env"
