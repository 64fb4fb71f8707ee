"""Any OpenAI-compatible chat server (ollama, vLLM, llama.cpp, LM Studio) by base URL, through the
official ``openai`` SDK.

Structured output uses ``response_format`` with a JSON Schema. Servers that reject it (HTTP 400/422
naming response_format) are asked again with the schema in the system prompt, and the first JSON object
is extracted from the reply; that fallback is remembered for later calls. There are no tools on this
route, so the prompts ask for a JSON object (``uses_tools = False``). Retries are the SDK's
(``max_retries``); the spend cap is checked once before each call; cost defaults to 0 (local servers).

``timeout_s`` is a wall-clock limit on the whole call (connect, wait, read, the SDK's retries included),
not only on each read: a server that trickles a byte now and then cannot hold a call open forever.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any, Literal

from envgen.llm.base import LLMRequest, LLMResponse, ProviderError, RetryExhausted, Usage
from envgen.llm.budget import Budget
from envgen.llm.pricing import FREE, Price, unknown_price_note
from envgen.llm.structured import extract_json_object, problem_with, settle, truncation_reason

DEFAULT_BASE_URL = "http://localhost:11434/v1"  # ollama's OpenAI-compatible endpoint
DEFAULT_MAX_RETRIES = 3
MAX_REPLY_BYTES = 16 << 20  # far above any answer of max_tokens; a server streaming more is refused
Structured = Literal["auto", "json_schema", "prompt"]


class OpenAICompatProvider:
    """Structured answers from an OpenAI-compatible ``/chat/completions`` endpoint."""

    name = "openai"
    uses_tools = False

    def __init__(
        self,
        model: str | None = None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        budget: Budget | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: Any = None,
        timeout_s: float = 300.0,
        price: Price | None = FREE,
        structured: Structured = "auto",
    ):
        import openai

        if not model:
            raise ProviderError("the openai provider needs a model name (--model), e.g. 'llama3.1:8b'")
        self.model = model
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.budget = budget if budget is not None else Budget()
        self.max_retries = max_retries
        self.price = price
        self.timeout_s = timeout_s
        self.structured: Structured = structured
        key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self._openai = openai
        # local servers need no key, but the SDK insists on one: send a placeholder
        self._client = openai.OpenAI(api_key=key or "not-needed", base_url=self.base_url, max_retries=max_retries,
                                     timeout=timeout_s, http_client=http_client)

    def build_body(self, request: LLMRequest, use_schema: bool) -> dict[str, Any]:
        """The keyword arguments of ``chat.completions.create`` for ``request`` (model already resolved)."""
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
        self.budget.check(self.price.worst_case(tokens_in, request.max_tokens) if self.price else None,
                          request.model)
        url = f"{self.base_url}/chat/completions"
        errors = self._openai
        deadline = time.monotonic() + self.timeout_s
        try:
            text, retries = _before_deadline(lambda: self._post(body, deadline), deadline)
        except _ReplyTooLargeError:
            raise ProviderError(f"{url}: the server's reply is larger than {MAX_REPLY_BYTES} bytes; "
                                "no chat completion is that large") from None
        except _DeadlinePassedError:
            raise ProviderError(
                f"{url}: no complete answer within timeout_s={self.timeout_s:g} s (wall clock, retries included); "
                "the server stalled or is too slow: raise timeout_s or use a faster server") from None
        except errors.APIStatusError as err:
            text = err.response.text[:300]
            if err.status_code in (408, 409, 429) or err.status_code >= 500:  # the SDK retried these
                raise RetryExhausted(self.max_retries + 1, ProviderError(f"{url}: HTTP {err.status_code}: {text}")) \
                    from err
            if (err.status_code in (400, 422) and use_schema and self.structured == "auto"
                    and ("response_format" in text or "json_schema" in text)):
                raise _SchemaUnsupportedError() from err
            raise ProviderError(f"{url}: HTTP {err.status_code}: {text}") from err
        except errors.APIConnectionError as err:  # refused, reset, timed out
            cause = err.__cause__ or err.__context__
            why = f"{type(cause).__name__}: {cause}" if cause else str(err)
            raise RetryExhausted(self.max_retries + 1, ProviderError(
                f"cannot reach {url} ({why}); is the server running, and is --base-url right?")) from err
        try:
            data = json.loads(text)
        except RecursionError:
            raise ProviderError(f"{url}: the server's reply nests too deeply to be a chat completion") from None
        except ValueError as err:
            raise ProviderError(f"{url}: the server's reply is not JSON: {text[:200]!r}") from err
        problem = _completion_shape_problem(data)
        if problem:
            raise ProviderError(f"{url}: the server's reply is not a chat completion: {problem}")
        return data, retries + 1

    def _post(self, body: dict[str, Any], deadline: float) -> tuple[str, int]:
        """POST ``body`` and read the whole reply, giving up at ``deadline`` (runs in a worker thread)."""
        with self._client.chat.completions.with_streaming_response.create(**body) as raw:
            chunks, size = [], 0
            for chunk in raw.iter_bytes():
                if time.monotonic() > deadline:
                    raise _DeadlinePassedError()
                size += len(chunk)
                if size > MAX_REPLY_BYTES:
                    raise _ReplyTooLargeError()
                chunks.append(chunk)
            return b"".join(chunks).decode("utf-8", errors="replace"), raw.retries_taken

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


def _before_deadline(work: Callable[[], Any], deadline: float) -> Any:
    """The result of ``work()`` (or its exception) if it finishes before ``deadline``.

    ``work`` runs in a daemon thread because the HTTP stack only bounds each read, and a read can be
    blocked (a server trickling its headers); past the deadline the caller gets
    :class:`_DeadlinePassedError` while the abandoned thread ends at its next chunk or read timeout.
    """
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as err:  # handed to the caller below
            outcome["error"] = err

    worker = threading.Thread(target=run, name="envgen-openai-call", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    if worker.is_alive():
        raise _DeadlinePassedError()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _completion_shape_problem(data: Any) -> str | None:
    """What keeps ``data`` from being a ``/chat/completions`` body this provider can read (None: nothing)."""
    if not isinstance(data, dict):
        return f"expected a JSON object, got {_json_type(data)}"
    choices = data.get("choices")
    if choices is not None and not isinstance(choices, list):
        return f"'choices' is {_json_type(choices)}, not an array"
    if choices:
        choice = choices[0]
        if not isinstance(choice, dict):
            return f"'choices[0]' is {_json_type(choice)}, not an object"
        message = choice.get("message")
        if message is not None and not isinstance(message, dict):
            return f"'choices[0].message' is {_json_type(message)}, not an object"
        content = (message or {}).get("content")
        if content is not None and not isinstance(content, str):
            return f"'choices[0].message.content' is {_json_type(content)}, not a string"
        finish = choice.get("finish_reason")
        if finish is not None and not isinstance(finish, str):
            return f"'choices[0].finish_reason' is {_json_type(finish)}, not a string"
    if data.get("model") is not None and not isinstance(data["model"], str):
        return f"'model' is {_json_type(data['model'])}, not a string"
    usage = data.get("usage")
    if usage is not None and not isinstance(usage, dict):
        return f"'usage' is {_json_type(usage)}, not an object"
    usage = usage or {}
    details = usage.get("prompt_tokens_details")
    if details is not None and not isinstance(details, dict):
        return f"'usage.prompt_tokens_details' is {_json_type(details)}, not an object"
    counts = {k: usage.get(k) for k in ("prompt_tokens", "completion_tokens")}
    counts["prompt_tokens_details.cached_tokens"] = (details or {}).get("cached_tokens")
    for key, value in counts.items():
        if value is not None and (type(value) is not int or value < 0):
            return f"'usage.{key}' is {repr(value)[:40]}, not a token count"
    return None


def _json_type(value: Any) -> str:
    """The JSON name of ``value``'s type, for messages."""
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _cost_note(price: Price | None, model: str) -> str | None:
    if price is None:
        return unknown_price_note(model)
    if price == FREE:
        return "cost assumed 0 (local server); pass price=Price(...) for a paid endpoint"
    return None


class _SchemaUnsupportedError(Exception):
    """The server rejected ``response_format``: fall back to the schema in the prompt."""


class _DeadlinePassedError(Exception):
    """The call ran past its wall-clock deadline."""


class _ReplyTooLargeError(Exception):
    """The server sent more than :data:`MAX_REPLY_BYTES`."""
