"""get_provider / default_provider_name: what the CLI uses to pick a provider."""

from __future__ import annotations

import pytest

from envgen.llm import Budget, ProviderError, ReplayProvider, default_provider_name, get_provider
from envgen.llm.anthropic import AnthropicProvider
from envgen.llm.openai_compat import OpenAICompatProvider


def test_default_provider_follows_the_key(monkeypatch):
    assert default_provider_name() == "offline"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    assert default_provider_name() == "anthropic"


def test_factory_builds_each_http_provider(monkeypatch, tmp_path):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    budget = Budget(max_usd=2.0)
    p = get_provider("anthropic", model="claude-haiku-4-5", budget=budget)
    assert isinstance(p, AnthropicProvider) and p.model == "claude-haiku-4-5" and p.budget is budget
    o = get_provider("openai", model="qwen2.5", base_url="http://localhost:8080/v1/")
    assert isinstance(o, OpenAICompatProvider) and o.base_url == "http://localhost:8080/v1"
    r = get_provider("anthropic", replay_dir=tmp_path, replay_mode="replay")
    assert isinstance(r, ReplayProvider) and r.mode == "replay" and r.name == "anthropic"


def test_unknown_provider_is_a_clear_error():
    with pytest.raises(ProviderError, match="unknown provider 'gpt'; choose one of: anthropic, openai, offline"):
        get_provider("gpt")


def test_offline_is_resolved_lazily(monkeypatch):
    import importlib.util

    if importlib.util.find_spec("envgen.llm.offline") is None:
        with pytest.raises(ProviderError, match="provider 'offline' is not available"):
            get_provider("offline")
    else:
        assert get_provider("offline").name == "offline"
