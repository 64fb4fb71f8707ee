"""One real call to the Anthropic API; skipped cleanly without a key."""

from __future__ import annotations

import os

import pytest

from envgen.llm import LLMRequest
from envgen.llm.anthropic import AnthropicProvider

# Read at import, before the autouse fixture hides keys from every other test.
KEY = os.environ.get("ANTHROPIC_API_KEY")


@pytest.mark.needs_key
@pytest.mark.skipif(not KEY, reason="ANTHROPIC_API_KEY is not set")
def test_real_structured_answer():
    schema = {"type": "object", "properties": {"answer": {"type": "integer"}}, "required": ["answer"]}
    request = LLMRequest.ask("You answer arithmetic questions.", "What is 17 + 25?", schema, max_tokens=200)
    resp = AnthropicProvider(model="claude-haiku-4-5", api_key=KEY).complete(request)
    assert resp.parsed == {"answer": 42} and resp.cost_usd is not None and resp.usage.output_tokens > 0
