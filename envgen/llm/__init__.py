"""LLM providers behind one protocol: Anthropic (Claude), OpenAI-compatible servers, and offline rules.

``get_provider`` builds one by name; wrap it for record/replay with ``replay_dir``. See docs/providers.md.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

from envgen.llm.base import (
    LLMRequest,
    LLMResponse,
    MalformedOutput,
    Message,
    Provider,
    ProviderError,
    RetryExhausted,
    SpendCapExceeded,
    Usage,
)
from envgen.llm.budget import Budget
from envgen.llm.pricing import Price
from envgen.llm.replay import ReplayMissError, ReplayMode, ReplayProvider

__all__ = [
    "PROVIDERS",
    "Budget",
    "LLMRequest",
    "LLMResponse",
    "MalformedOutput",
    "Message",
    "Price",
    "Provider",
    "ProviderError",
    "ReplayMissError",
    "ReplayProvider",
    "RetryExhausted",
    "SpendCapExceeded",
    "Usage",
    "default_provider_name",
    "get_provider",
]

# Resolved by import path when asked for, so an optional provider costs nothing until used.
PROVIDERS: dict[str, str] = {
    "anthropic": "envgen.llm.anthropic:AnthropicProvider",
    "openai": "envgen.llm.openai_compat:OpenAICompatProvider",
    "offline": "envgen.llm.offline:OfflineProvider",
}


def default_provider_name() -> str:
    """ "anthropic" when ANTHROPIC_API_KEY is set, else "offline"."""
    return "anthropic" if os.environ.get("ANTHROPIC_API_KEY") else "offline"


def provider_class(name: str) -> type:
    """The class registered as provider ``name``; a clear error when unknown or not importable."""
    if name not in PROVIDERS:
        raise ProviderError(f"unknown provider {name!r}; choose one of: {', '.join(PROVIDERS)}")
    module_name, _, attr = PROVIDERS[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name == module_name:
            raise ProviderError(f"provider {name!r} is not available ({module_name} is missing)") from None
        raise
    return getattr(module, attr)


def get_provider(
    name: str | None = None,
    model: str | None = None,
    base_url: str | None = None,
    *,
    budget: Budget | None = None,
    replay_dir: str | Path | None = None,
    replay_mode: ReplayMode = "auto",
    **kwargs: Any,
) -> Provider:
    """Build provider ``name`` (default: :func:`default_provider_name`).

    ``model`` and ``base_url`` are passed on when given; ``budget`` is shared accounting and the spend
    cap; ``replay_dir`` wraps the provider in a :class:`ReplayProvider`. Extra keyword arguments go to
    the provider's constructor (e.g. ``max_retries=``, ``price=``, ``http_client=``, ``allow_fallback=``).
    """
    name = name or default_provider_name()
    cls = provider_class(name)
    args: dict[str, Any] = dict(kwargs)
    if model is not None:
        args["model"] = model
    if base_url is not None:
        args["base_url"] = base_url
    if budget is not None:
        args["budget"] = budget
    provider = cls(**args)
    if replay_dir is not None:
        provider = ReplayProvider(provider, replay_dir, replay_mode)
    return provider
