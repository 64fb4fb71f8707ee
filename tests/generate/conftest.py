"""Shared fixtures of the generator tests: fake providers and one generated folder per family."""

from __future__ import annotations

import json

import pytest

from envgen.llm.base import LLMRequest, LLMResponse, Usage


class ScriptedProvider:
    """A Provider that answers each request with the next scripted object and keeps every request."""

    name = "scripted"
    model = "scripted-1"

    def __init__(self, answers: list[dict]):
        self.answers = list(answers)
        self.requests: list[LLMRequest] = []

    def complete(self, request: LLMRequest) -> LLMResponse:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return LLMResponse(provider=self.name, model=self.model, request_hash=request.request_hash(),
                           parsed=answer, raw_text=json.dumps(answer, sort_keys=True), usage=Usage(input_tokens=10,
                                                                                                   output_tokens=20),
                           cost_usd=0.001)


@pytest.fixture
def scripted():
    return ScriptedProvider


@pytest.fixture(autouse=True)
def _no_real_keys(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


