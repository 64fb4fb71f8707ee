"""Fake HTTP servers for the provider tests: realistic response bodies, every request recorded."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from envgen.llm import LLMRequest, Message
from envgen.llm.anthropic import sdk_httpx


def openai_httpx():
    """The httpx flavour the installed openai SDK's client is built on."""
    import importlib

    import openai

    base = next(c for c in openai.DefaultHttpxClient.__mro__[1:] if c.__name__ == "Client")
    return importlib.import_module(base.__module__.split(".")[0])


@pytest.fixture
def httpx_flavour():
    """The httpx module the openai SDK uses (a fixture: test modules cannot import a conftest by name)."""
    return openai_httpx()


SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "size": {"type": "integer", "minimum": 5, "maximum": 64},
        "reward_code": {"type": "string"},
    },
    "required": ["name", "size", "reward_code"],
    "additionalProperties": False,
}
GOOD = {"name": "wood-rush", "size": 9, "reward_code": "def reward(prev, state, action):\n    return 0.0\n"}
SYSTEM = "You design environments. " * 200  # long and stable, like the real system prompt


def make_request(**kw: Any) -> LLMRequest:
    """A request shaped like the generator's: long system prompt, one user turn, a config schema."""
    args = dict(
        system=SYSTEM,
        messages=(Message(role="user", content="Goal: collect wood"),),
        output_schema=SCHEMA,
        tool_name="submit_env",
        max_tokens=1024,
    )
    args.update(kw)
    return LLMRequest(**args)


def anthropic_message(
    tool_input: Any = None,
    *,
    text: str | None = None,
    stop_reason: str = "tool_use",
    model: str = "claude-sonnet-4-6",
    usage: dict | None = None,
) -> dict:
    """A Messages API response body (2026 shape) with a tool_use block and/or a text block."""
    content: list[dict] = []
    if text is not None:
        content.append({"type": "text", "text": text})
    if tool_input is not None:
        content.append(
            {
                "type": "tool_use",
                "id": "toolu_01A09q90qw90lq917835lq9",
                "name": "submit_env",
                "input": tool_input,
            }
        )
    return {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": usage
        or {
            "input_tokens": 120,
            "output_tokens": 300,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 2000,
            "service_tier": "standard",
        },
    }


def openai_completion(content: str, *, finish_reason: str = "stop", model: str = "llama3.1:8b") -> dict:
    """A /chat/completions response body."""
    return {
        "id": "chatcmpl-123",
        "object": "chat.completion",
        "created": 1764000000,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish_reason}],
        "usage": {
            "prompt_tokens": 900,
            "completion_tokens": 80,
            "total_tokens": 980,
            "prompt_tokens_details": {"cached_tokens": 100},
        },
    }


class FakeServer:
    """Answers each request with the next scripted reply; a reply is a body dict, a (status, body)
    pair, an exception to raise (e.g. a timeout), or a callable taking the request."""

    def __init__(self, httpx_module, replies: list[Any]):
        self.httpx = httpx_module
        self.replies = list(replies)
        self.requests: list[Any] = []

    def __call__(self, request):
        self.requests.append(request)
        if not self.replies:
            raise AssertionError(f"unexpected extra request #{len(self.requests)}")
        reply = self.replies.pop(0)
        if callable(reply) and not isinstance(reply, type):
            reply = reply(request)
        if isinstance(reply, type) and issubclass(reply, Exception):
            raise reply("simulated", request=request)
        if isinstance(reply, Exception):
            raise reply
        status, body, headers = 200, reply, {}
        if isinstance(reply, tuple):
            status, body, *rest = reply
            headers = rest[0] if rest else {}
        return self.httpx.Response(status, json=body, headers=headers)

    def bodies(self) -> list[dict]:
        return [json.loads(r.content) for r in self.requests]

    def client(self):
        return self.httpx.Client(transport=self.httpx.MockTransport(self))



# A server's hint to retry after 1 ms, so the SDK's own backoff costs a test no real time.
FAST_RETRY = {"retry-after-ms": "1"}


def retry_counts(server) -> list[int]:
    """The SDK's retry counter on each request the server saw (0 for the first try)."""
    return [int(r.headers.get("x-stainless-retry-count", "0")) for r in server.requests]


@pytest.fixture
def anthropic_server() -> Callable[[list[Any]], FakeServer]:
    return lambda replies: FakeServer(sdk_httpx(), replies)


@pytest.fixture
def openai_server() -> Callable[[list[Any]], FakeServer]:
    return lambda replies: FakeServer(openai_httpx(), replies)


@pytest.fixture(autouse=True)
def _no_real_keys(monkeypatch):
    # Nothing in these tests may reach a real API, whatever the developer's shell exports.
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


class _Fakes:
    """The helpers above, handed to tests as a fixture (test folders are not packages)."""

    SCHEMA = SCHEMA
    GOOD = GOOD
    SYSTEM = SYSTEM
    make_request = staticmethod(make_request)
    anthropic_message = staticmethod(anthropic_message)
    openai_completion = staticmethod(openai_completion)
    FAST_RETRY = FAST_RETRY
    retry_counts = staticmethod(retry_counts)


@pytest.fixture
def fx() -> type[_Fakes]:
    return _Fakes
