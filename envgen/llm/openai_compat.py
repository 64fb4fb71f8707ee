"""Any OpenAI-compatible chat server (ollama, vLLM, llama.cpp, LM Studio) by base URL, over plain httpx.

Structured output uses ``response_format`` with a JSON Schema. Servers that reject it (HTTP 400/422
naming response_format) are asked again with the schema in the system prompt, and the first JSON object
is extracted from the reply; that fallback is remembered for later calls. Retries, spend cap and
accounting follow the same contract as the Anthropic provider; cost defaults to 0 (local servers).
"""

from __future__ import annotations

import json
import os
from typing import Any, Literal

import httpx

from envgen.llm.base import LLMRequest, LLMResponse, ProviderError, Usage
from envgen.llm.budget import Budget
from envgen.llm.pricing import FREE, Price, unknown_price_note
from envgen.llm.retry import RetryPolicy, TransientError, parse_retry_after
from envgen.llm.structured import extract_json_object, problem_with, settle, truncation_reason

DEFAULT_BASE_URL = "http://localhost:11434/v1"  # ollama's OpenAI-compatible endpoint
RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
Structured = Literal["auto", "json_schema", "prompt"]


class OpenAICompatProvider:
    """Structured answers from an OpenAI-compatible ``/chat/completions`` endpoint."""

    name = "openai"

    def __init__(
        self,
        model: str | None = None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        budget: Budget | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
        timeout_s: float = 300.0,
        price: Price | None = FREE,
        structured: Structured = "auto",
    ):
        if not model:
            raise ProviderError("the openai provider needs a model name (--model), e.g. 'llama3.1:8b'")
        self.model = model
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.budget = budget if budget is not None else Budget()
        self.retry = retry if retry is not None else RetryPolicy()
        self.price = price
        self.structured: Structured = structured
        key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = http_client or httpx.Client(timeout=timeout_s)
        self._headers = headers

    def build_body(self, request: LLMRequest, use_schema: bool) -> dict[str, Any]:
        """The JSON body of the POST for ``request`` (model already resolved)."""
        system = request.system
        if not use_schema:
            system += (
                "\n\nReply with exactly one JSON object and nothing else. It must match this JSON Schema:\n"
                + json.dumps(request.output_schema, sort_keys=True)
            )
        body: dict[str, Any] = {
            "model": request.model,
            "messages": [{"role": "system", "content": system}]
            + [{"role": m.role, "content": m.content} for m in request.messages],
            "max_tokens": request.max_tokens,
        }
        if use_schema:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.tool_name, "schema": request.output_schema},
            }
        if request.seed is not None:
            body["seed"] = request.seed
        return body

    def complete(self, request: LLMRequest) -> LLMResponse:
        """Ask the server for one structured answer (see :class:`envgen.llm.base.Provider`)."""
        request = request.with_model(request.model or self.model)
        use_schema = self.structured != "prompt"
        try:
            data, attempts = self._call(request, use_schema)
        except _SchemaUnsupportedError:
            self.structured = "prompt"  # remember: this server ignores or rejects response_format
            data, attempts = self._call(request, use_schema=False)
        return settle(self._to_response(request, data, attempts), self.budget)

    def _call(self, request: LLMRequest, use_schema: bool) -> tuple[dict, int]:
        body = self.build_body(request, use_schema)
        tokens_in = len(json.dumps(body)) // 3 + 50  # generous: about 3 characters per token
        estimate = self.price.worst_case(tokens_in, request.max_tokens) if self.price else None

        def attempt(_: int) -> dict:
            self.budget.check(estimate, request.model)
            return self._post(body, use_schema)

        return self.retry.run(attempt)

    def _post(self, body: dict[str, Any], use_schema: bool) -> dict:
        url = f"{self.base_url}/chat/completions"
        try:
            resp = self._client.post(url, json=body, headers=self._headers)
        except httpx.TransportError as err:  # timeouts, refused connections, resets
            raise TransientError(err) from err
        if resp.status_code in RETRYABLE_STATUS or resp.status_code >= 500:
            err = ProviderError(f"{url}: HTTP {resp.status_code}: {resp.text[:300]}")
            raise TransientError(err, parse_retry_after(resp.headers.get("retry-after")))
        if (
            resp.status_code in (400, 422)
            and use_schema
            and self.structured == "auto"
            and ("response_format" in resp.text or "json_schema" in resp.text)
        ):
            raise _SchemaUnsupportedError()
        if resp.status_code >= 400:
            raise ProviderError(f"{url}: HTTP {resp.status_code}: {resp.text[:300]}")
        try:
            return resp.json()
        except ValueError as err:
            raise ProviderError(f"{url}: the server's reply is not JSON: {resp.text[:200]!r}") from err

    def _to_response(self, request: LLMRequest, data: dict, attempts: int) -> LLMResponse:
        choice = (data.get("choices") or [{}])[0]
        text = (choice.get("message") or {}).get("content") or ""
        finish = choice.get("finish_reason")
        u = data.get("usage") or {}
        cached = ((u.get("prompt_tokens_details") or {}).get("cached_tokens")) or 0
        usage = Usage(
            input_tokens=max(0, (u.get("prompt_tokens") or 0) - cached),
            output_tokens=u.get("completion_tokens") or 0,
            cache_read_tokens=cached,
        )
        parsed = None
        if finish == "length":
            malformed = truncation_reason(request.max_tokens)
        else:
            try:
                parsed = extract_json_object(text)
                malformed = problem_with(parsed, request.output_schema)
            except ValueError as err:
                malformed = str(err)
        return LLMResponse(
            provider=self.name,
            model=data.get("model") or request.model,
            request_hash=request.request_hash(),
            parsed=parsed if malformed is None else None,
            raw_text=text,
            usage=usage,
            cost_usd=self.price.cost(usage) if self.price else None,
            cost_note=_cost_note(self.price, request.model),
            stop_reason=finish,
            attempts=attempts,
            malformed=malformed,
        )


def _cost_note(price: Price | None, model: str) -> str | None:
    if price is None:
        return unknown_price_note(model)
    if price == FREE:
        return "cost assumed 0 (local server); pass price=Price(...) for a paid endpoint"
    return None


class _SchemaUnsupportedError(Exception):
    """The server rejected ``response_format``: fall back to the schema in the prompt."""
