"""The Anthropic provider through a fake HTTP transport: structured output, caching, retries, spend cap."""

from __future__ import annotations

import pytest

from envgen.llm import Budget, MalformedOutput, ProviderError, RetryExhausted, RetryPolicy, SpendCapExceeded
from envgen.llm.anthropic import DEFAULT_MODEL, AnthropicProvider, estimate_input_tokens, sdk_httpx
from envgen.llm.pricing import Price, price_for


def sent_key(request) -> str | None:
    # SDK 0.x sends x-api-key, 2.x an Authorization bearer token.
    return request.headers.get("x-api-key") or request.headers.get("authorization", "").removeprefix("Bearer ")


def provider(server, retry=None, **kw):
    retry = retry or RetryPolicy(sleep=lambda s: None)  # never really sleep in a test
    return AnthropicProvider(api_key="test-key", http_client=server.client(), retry=retry, **kw)


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


def test_429_then_success_backs_off_and_retries(anthropic_server, fx, retry, sleeps):
    rate_limited = (
        429,
        {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}},
        {"retry-after": "7"},
    )
    server = anthropic_server([rate_limited, rate_limited, fx.anthropic_message(fx.GOOD)])
    resp = provider(server, retry=retry(max_attempts=4, base_delay_s=1.0, max_delay_s=30.0)).complete(fx.make_request())
    assert resp.parsed == fx.GOOD and resp.attempts == 3 and len(server.requests) == 3
    assert len(sleeps.delays) == 2
    assert all(d >= 7 for d in sleeps.delays)  # the server's retry-after hint is honoured


def test_500s_until_the_retry_cap_raise_retry_exhausted(anthropic_server, fx, retry, sleeps):
    err = (500, {"type": "error", "error": {"type": "api_error", "message": "internal"}})
    server = anthropic_server([err] * 3)
    with pytest.raises(RetryExhausted) as info:
        provider(server, retry=retry(max_attempts=3)).complete(fx.make_request())
    assert info.value.attempts == 3 and len(server.requests) == 3
    # exponential backoff: the second wait is longer than the first (jitter is at most +-25%)
    assert len(sleeps.delays) == 2 and sleeps.delays[1] > sleeps.delays[0]


def test_backoff_delays_are_reproducible_under_a_seed(anthropic_server, fx, retry, sleeps):
    err = (529, {"type": "error", "error": {"type": "overloaded_error", "message": "overloaded"}})
    for _ in range(2):
        server = anthropic_server([err] * 3)
        with pytest.raises(RetryExhausted):
            provider(server, retry=retry(max_attempts=3, seed=7)).complete(fx.make_request())
    assert sleeps.delays[:2] == sleeps.delays[2:]


def test_timeouts_are_retried_then_exhausted(anthropic_server, fx, retry, sleeps):
    timeout = sdk_httpx().ReadTimeout
    server = anthropic_server([timeout, timeout, fx.anthropic_message(fx.GOOD)])
    assert provider(server, retry=retry(max_attempts=3)).complete(fx.make_request()).attempts == 3
    server = anthropic_server([timeout] * 2)
    with pytest.raises(RetryExhausted, match="2 attempts"):
        provider(server, retry=retry(max_attempts=2)).complete(fx.make_request())


def test_client_errors_are_not_retried(anthropic_server, fx, retry, sleeps):
    bad = (
        400,
        {"type": "error", "error": {"type": "invalid_request_error", "message": "tools.0: bad schema"}},
    )
    server = anthropic_server([bad])
    with pytest.raises(ProviderError, match="400: tools.0: bad schema"):
        provider(server, retry=retry()).complete(fx.make_request())
    assert len(server.requests) == 1 and sleeps.delays == []


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
