"""Claude through the official ``anthropic`` SDK: tool-use structured output, prompt caching, our retries.

The answer comes back as the input of one forced tool call whose ``input_schema`` is the request's JSON
Schema. The (long, stable) system prompt carries a ``cache_control`` breakpoint, so repeated calls of a
run read it from the cache. The SDK's own retries are off (``max_retries=0``): :class:`RetryPolicy`
retries 408/409/429/5xx, timeouts and connection errors, checks the spend cap before every attempt,
and counts attempts.
"""

from __future__ import annotations

import json
import math
import os
from types import ModuleType
from typing import Any

from envgen.llm.base import LLMRequest, LLMResponse, ProviderError, Usage
from envgen.llm.budget import Budget
from envgen.llm.pricing import Price, price_for, unknown_price_note
from envgen.llm.retry import RetryPolicy, TransientError, parse_retry_after
from envgen.llm.structured import problem_with, settle, truncation_reason

DEFAULT_MODEL = "claude-sonnet-4-6"
DEFAULT_TIMEOUT_S = 300.0
RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})


def sdk_httpx() -> ModuleType:
    """The httpx module the installed SDK is built on (``httpx2`` from anthropic 1.0 on, else ``httpx``).

    Pass ``http_client=sdk_httpx().Client(transport=...)`` to route calls through a custom transport.
    """
    from anthropic import _base_client

    return getattr(_base_client, "httpx2", None) or _base_client.httpx


def estimate_input_tokens(request: LLMRequest) -> int:
    """A generous token estimate of the prompt (about 3 characters per token), for the spend cap."""
    text = request.system + json.dumps(request.output_schema) + "".join(m.content for m in request.messages)
    return math.ceil(len(text) / 3) + 50


class AnthropicProvider:
    """Structured answers from Claude. The API key is read from ``ANTHROPIC_API_KEY`` when constructed."""

    name = "anthropic"

    def __init__(
        self,
        model: str | None = None,
        *,
        api_key: str | None = None,
        budget: Budget | None = None,
        retry: RetryPolicy | None = None,
        http_client: Any = None,
        base_url: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        price: Price | None = None,
        cache_system_prompt: bool = True,
    ):
        import anthropic

        key = api_key if api_key is not None else os.environ.get("ANTHROPIC_API_KEY")
        if not key:
            raise ProviderError(
                "ANTHROPIC_API_KEY is not set: export it, or use the offline provider (--provider offline)"
            )
        self.model = model or DEFAULT_MODEL
        self.budget = budget if budget is not None else Budget()
        self.retry = retry if retry is not None else RetryPolicy()
        self.price = price
        self.cache_system_prompt = cache_system_prompt
        self._anthropic = anthropic
        self._client = anthropic.Anthropic(
            api_key=key, base_url=base_url, max_retries=0, timeout=timeout_s, http_client=http_client
        )

    # -- request ----------------------------------------------------------------------------------
    def build_params(self, request: LLMRequest) -> dict[str, Any]:
        """The keyword arguments of ``messages.create`` for ``request`` (model already resolved)."""
        system_block: dict[str, Any] = {"type": "text", "text": request.system}
        if self.cache_system_prompt:
            # Tools come before the system prompt in the cached prefix, so this breakpoint caches both.
            system_block["cache_control"] = {"type": "ephemeral"}
        return {
            "model": request.model,
            "max_tokens": request.max_tokens,
            "system": [system_block],
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "tools": [
                {
                    "name": request.tool_name,
                    "description": request.tool_description,
                    "input_schema": request.output_schema,
                }
            ],
            "tool_choice": {"type": "tool", "name": request.tool_name},
        }

    def complete(self, request: LLMRequest) -> LLMResponse:
        """Ask Claude for one structured answer (see :class:`envgen.llm.base.Provider`)."""
        request = request.with_model(request.model or self.model)
        price = self.price or price_for(request.model)
        estimate = price.worst_case(estimate_input_tokens(request), request.max_tokens) if price else None
        params = self.build_params(request)

        def attempt(_: int):
            self.budget.check(estimate, request.model)
            return self._send(params)

        message, attempts = self.retry.run(attempt)
        return settle(self._to_response(request, message, attempts, price), self.budget)

    def _send(self, params: dict[str, Any]) -> Any:
        errors = self._anthropic
        try:
            return self._client.messages.create(**params)
        except errors.APIStatusError as err:
            if err.status_code in RETRYABLE_STATUS or err.status_code >= 500:
                raise TransientError(err, parse_retry_after(err.response.headers.get("retry-after"))) from err
            raise ProviderError(f"Anthropic API error {err.status_code}: {_error_message(err)}") from err
        except errors.APIConnectionError as err:  # includes APITimeoutError
            raise TransientError(err) from err

    # -- response ---------------------------------------------------------------------------------
    def _to_response(self, request: LLMRequest, message: Any, attempts: int, price: Price | None) -> LLMResponse:
        usage = _usage(message.usage)
        tool_input = None
        texts = []
        for block in message.content:
            if block.type == "tool_use" and block.name == request.tool_name:
                tool_input = block.input
                break
            if block.type == "text":
                texts.append(block.text)
        raw = json.dumps(tool_input, sort_keys=True) if tool_input is not None else "".join(texts)
        if message.stop_reason == "max_tokens":
            malformed = truncation_reason(request.max_tokens)
        elif tool_input is None:
            malformed = (
                f"the answer must be a call of the tool {request.tool_name!r}, but the model replied with "
                f"text: {raw[:200]!r}"
            )
        else:
            malformed = problem_with(tool_input, request.output_schema)
        return LLMResponse(
            provider=self.name,
            model=getattr(message, "model", None) or request.model,
            request_hash=request.request_hash(),
            parsed=tool_input if malformed is None else None,
            raw_text=raw,
            usage=usage,
            cost_usd=price.cost(usage) if price else None,
            cost_note=None if price else unknown_price_note(request.model),
            stop_reason=message.stop_reason,
            attempts=attempts,
            malformed=malformed,
        )


def _usage(u: Any) -> Usage:
    return Usage(
        input_tokens=getattr(u, "input_tokens", 0) or 0,
        output_tokens=getattr(u, "output_tokens", 0) or 0,
        cache_read_tokens=getattr(u, "cache_read_input_tokens", 0) or 0,
        cache_write_tokens=getattr(u, "cache_creation_input_tokens", 0) or 0,
    )


def _error_message(err: Any) -> str:
    body = getattr(err, "body", None)
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return str(err)
