"""Claude through the official ``anthropic`` SDK: tool-use structured output, prompt caching, the SDK's
own retries.

The answer comes back as the input of a call of the tool whose ``input_schema`` is the request's JSON
Schema. Without extended thinking the tool is forced (``tool_choice`` names it); extended thinking
cannot be combined with a forced tool, so with ``thinking_budget`` the choice is ``auto`` and the prompt
asks for the tool (a text answer is malformed and goes back for repair). The (long, stable) system
prompt carries a ``cache_control`` breakpoint, so repeated calls of a run read it from the cache.

Retries are the SDK's (``max_retries``): it retries 408/409/429/5xx, timeouts and connection errors
with exponential backoff and honours ``retry-after``. The spend cap is checked once before the call
(failed attempts are not billed); ``attempts`` comes from the SDK's ``retries_taken``.
"""

from __future__ import annotations

import importlib
import json
import math
import os
from types import ModuleType
from typing import Any

from envgen.llm.base import LLMRequest, LLMResponse, ProviderError, RetryExhausted, Usage
from envgen.llm.budget import Budget
from envgen.llm.pricing import Price, price_for, unknown_price_note
from envgen.llm.structured import problem_with, settle, truncation_reason

DEFAULT_MODEL = "claude-sonnet-4-6"
DEFAULT_TIMEOUT_S = 300.0
DEFAULT_MAX_RETRIES = 3


def sdk_httpx() -> ModuleType:
    """The httpx module the installed SDK's client is built on (``httpx`` or ``httpx2``).

    Pass ``http_client=anthropic.DefaultHttpxClient(transport=sdk_httpx().MockTransport(...))`` (or
    ``sdk_httpx().Client(...)``) to route calls through a custom transport.
    """
    import anthropic

    base = next(c for c in anthropic.DefaultHttpxClient.__mro__[1:] if c.__name__ == "Client")
    return importlib.import_module(base.__module__.split(".")[0])


def estimate_input_tokens(request: LLMRequest) -> int:
    """A generous token estimate of the prompt (about 3 characters per token), for the spend cap."""
    text = request.system + json.dumps(request.output_schema) + "".join(m.content for m in request.messages)
    return math.ceil(len(text) / 3) + 50


class AnthropicProvider:
    """Structured answers from Claude. The API key is read from ``ANTHROPIC_API_KEY`` when constructed."""

    name = "anthropic"
    uses_tools = True

    def __init__(
        self,
        model: str | None = None,
        *,
        api_key: str | None = None,
        budget: Budget | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
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
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        self.model = model or DEFAULT_MODEL
        self.budget = budget if budget is not None else Budget()
        self.max_retries = max_retries
        self.price = price
        self.cache_system_prompt = cache_system_prompt
        self._anthropic = anthropic
        self._client = anthropic.Anthropic(
            api_key=key, base_url=base_url, max_retries=max_retries, timeout=timeout_s, http_client=http_client
        )

    # -- request ----------------------------------------------------------------------------------
    def build_params(self, request: LLMRequest) -> dict[str, Any]:
        """The keyword arguments of ``messages.create`` for ``request`` (model already resolved)."""
        system_block: dict[str, Any] = {"type": "text", "text": request.system}
        if self.cache_system_prompt:
            # Tools come before the system prompt in the cached prefix, so this breakpoint caches both.
            system_block["cache_control"] = {"type": "ephemeral"}
        params: dict[str, Any] = {
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
        if request.thinking_budget:
            # Thinking is incompatible with a forced tool: let the model choose (the prompt asks for the
            # tool), and leave room for the answer after the thinking.
            params["thinking"] = {"type": "enabled", "budget_tokens": request.thinking_budget}
            params["tool_choice"] = {"type": "auto"}
            params["max_tokens"] = request.max_tokens + request.thinking_budget
        return params

    def complete(self, request: LLMRequest) -> LLMResponse:
        """Ask Claude for one structured answer (see :class:`envgen.llm.base.Provider`)."""
        request = request.with_model(request.model or self.model)
        price = self.price or price_for(request.model)
        params = self.build_params(request)
        estimate = price.worst_case(estimate_input_tokens(request), params["max_tokens"]) if price else None
        self.budget.check(estimate, request.model)
        errors = self._anthropic
        try:
            raw = self._client.messages.with_raw_response.create(**params)
        except errors.APIStatusError as err:
            if err.status_code in (408, 409, 429) or err.status_code >= 500:  # the SDK retried these
                raise RetryExhausted(self.max_retries + 1, ProviderError(_describe(err))) from err
            raise ProviderError(f"Anthropic API error {err.status_code}: {_error_message(err)}") from err
        except errors.APIConnectionError as err:  # includes APITimeoutError
            where = str(self._client.base_url)
            raise RetryExhausted(self.max_retries + 1, ProviderError(f"{where}: {_describe(err)}")) from err
        return settle(self._to_response(request, raw.parse(), raw.retries_taken + 1, price), self.budget)

    # -- response ---------------------------------------------------------------------------------
    def _to_response(self, request: LLMRequest, message: Any, attempts: int, price: Price | None) -> LLMResponse:
        usage = _usage(message.usage)
        tool_input = None
        texts = []
        for block in message.content:  # thinking blocks, if any, come first and are skipped
            if block.type == "tool_use" and block.name == request.tool_name:
                tool_input = block.input
                break
            if block.type == "text":
                texts.append(block.text)
        raw = json.dumps(tool_input, sort_keys=True) if tool_input is not None else "".join(texts)
        if message.stop_reason == "max_tokens":
            malformed = truncation_reason(request.max_tokens + (request.thinking_budget or 0))
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


def _describe(err: Any) -> str:
    """An SDK error as one line: its class, status and message (the cause of a timeout or refusal too)."""
    status = getattr(err, "status_code", None)
    cause = err.__cause__ or err.__context__
    detail = _error_message(err) if status else (f"{err} ({type(cause).__name__}: {cause})" if cause else str(err))
    return f"{type(err).__name__}" + (f" {status}" if status else "") + f": {detail}"
