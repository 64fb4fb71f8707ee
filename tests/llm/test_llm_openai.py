"""The OpenAI-compatible provider (ollama, vLLM, llama.cpp) through a fake HTTP transport."""

from __future__ import annotations

import json

import pytest

from envgen.llm import Budget, LLMRequest, MalformedOutput, ProviderError, RetryExhausted, SpendCapExceeded
from envgen.llm.openai_compat import OpenAICompatProvider
from envgen.llm.pricing import Price


def provider(server, **kw):
    return OpenAICompatProvider("llama3.1:8b", base_url="http://gpu-box:8000/v1", http_client=server.client(), **kw)


def test_json_schema_response_is_parsed_and_free(openai_server, fx):
    server = openai_server([fx.openai_completion(json.dumps(fx.GOOD))])
    resp = provider(server).complete(fx.make_request(seed=3))
    assert resp.parsed == fx.GOOD and resp.provider == "openai" and resp.cost_usd == 0.0
    assert resp.usage.input_tokens == 800 and resp.usage.cache_read_tokens == 100
    assert "cost assumed 0" in resp.cost_note
    (body,) = server.bodies()
    assert str(server.requests[0].url) == "http://gpu-box:8000/v1/chat/completions"
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "submit_env", "schema": fx.SCHEMA},
    }
    assert body["messages"][0] == {"role": "system", "content": fx.SYSTEM}
    assert body["seed"] == 3 and body["model"] == "llama3.1:8b"


def test_server_without_json_schema_support_falls_back_to_extraction(openai_server, fx):
    rejected = (400, {"error": {"message": "response_format json_schema is not supported"}})
    chatty = "Here you go:\n```json\n" + json.dumps(fx.GOOD) + "\n```\nEnjoy!"
    server = openai_server([rejected, fx.openai_completion(chatty), fx.openai_completion(json.dumps(fx.GOOD))])
    p = provider(server)
    assert p.complete(fx.make_request()).parsed == fx.GOOD
    first, second = server.bodies()[:2]
    assert "response_format" not in second and '"reward_code"' in second["messages"][0]["content"]
    p.complete(fx.make_request(seed=1))  # the fallback is remembered: no second rejection
    assert len(server.requests) == 3 and "response_format" not in server.bodies()[2]


@pytest.mark.parametrize(
    ("content", "finish", "expected"),
    [
        ("I cannot help with that.", "stop", "no JSON object found"),
        ('{"name": "x", "size": 9, "reward_code": "def', "stop", "JSON object is cut off"),
        ('{"name": "x", "size": 9}', "stop", "reward_code: required field is missing"),
        ('{"name": "x", "size": 9.5, "reward_code": ""}', "stop", "size: expected integer, got number"),
        ('{"name": "x", "si', "length", "cut off at max_tokens=1024"),
    ],
)
def test_malformed_answers_name_the_reason(openai_server, fx, content, finish, expected):
    server = openai_server([fx.openai_completion(content, finish_reason=finish)])
    with pytest.raises(MalformedOutput) as info:
        provider(server).complete(fx.make_request())
    assert expected in info.value.reason and info.value.response.raw_text == content


def test_429_then_success(openai_server, fx):
    server = openai_server([(429, {"error": {"message": "busy"}}, fx.FAST_RETRY),
                            fx.openai_completion(json.dumps(fx.GOOD))])
    resp = provider(server, max_retries=3).complete(fx.make_request())
    assert resp.attempts == 2 and fx.retry_counts(server) == [0, 1]


def test_503s_until_the_cap_and_connection_errors(openai_server, fx, httpx_flavour):
    server = openai_server([(503, {"error": "loading model"}, fx.FAST_RETRY)] * 3)
    with pytest.raises(RetryExhausted, match="HTTP 503"):
        provider(server, max_retries=2).complete(fx.make_request())
    assert len(server.requests) == 3
    server = openai_server([httpx_flavour.ConnectError])
    with pytest.raises(RetryExhausted, match="cannot reach http://gpu-box:8000/v1/chat/completions"):
        provider(server, max_retries=0).complete(fx.make_request())


def test_a_refused_connection_names_the_url():
    p = OpenAICompatProvider("m", base_url="http://127.0.0.1:9/v1", max_retries=0)  # port 9: nothing listens
    with pytest.raises(RetryExhausted, match=r"cannot reach http://127.0.0.1:9/v1/chat/completions .*--base-url"):
        p.complete(LLMRequest.ask("s", "u", {"type": "object"}))


def test_spend_cap_with_a_priced_endpoint(openai_server, fx):
    server = openai_server([fx.openai_completion(json.dumps(fx.GOOD))])
    budget = Budget(max_usd=0.0001)
    with pytest.raises(SpendCapExceeded):
        provider(server, budget=budget, price=Price(2.5, 10.0)).complete(fx.make_request())
    assert server.requests == []


def test_model_is_required_and_http_errors_are_clear(openai_server, fx):
    with pytest.raises(ProviderError, match="needs a model name"):
        OpenAICompatProvider()
    server = openai_server([(404, {"error": "model 'nope' not found"})])
    with pytest.raises(ProviderError, match="HTTP 404: .*not found"):
        provider(server).complete(fx.make_request())
