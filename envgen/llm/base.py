"""What every LLM provider shares: the request/response types, the error types and the Provider protocol.

A request asks for one structured object (a JSON Schema plus a tool name); a response carries the parsed
object, the raw text, token usage and cost. Requests hash stably, so responses can be recorded and
replayed (see :mod:`envgen.llm.replay`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

# Bump when the meaning of a request changes in a way that should invalidate recorded responses.
REQUEST_HASH_VERSION = 1


class Message(BaseModel):
    """One turn of the conversation: who said it and the text."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    role: Literal["user", "assistant"]
    content: str


class LLMRequest(BaseModel):
    """Everything a provider needs to produce one structured answer.

    ``output_schema`` is the JSON Schema of the answer (e.g. ``Model.model_json_schema()``); the provider asks
    the model to answer by calling the tool ``tool_name`` with an input matching it. ``model=None``
    means the provider's default. ``seed`` distinguishes otherwise identical requests (the N-th
    sample of the same prompt) in the replay cache; servers that support seeding also receive it.
    ``thinking_budget`` asks for extended thinking with that many tokens where the provider supports it.
    ``metadata`` is for logs only: it is not part of :meth:`request_hash`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    system: str
    messages: tuple[Message, ...]
    output_schema: dict[str, Any]
    tool_name: str = "submit"
    tool_description: str = "Submit the answer as structured data."
    model: str | None = None
    max_tokens: int = Field(4096, gt=0)
    seed: int | None = None
    thinking_budget: int | None = Field(None, ge=1024)
    metadata: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def ask(cls, system: str, user: str, output_schema: dict[str, Any], **kwargs: Any) -> LLMRequest:
        """Shorthand for a single-turn request."""
        return cls(
            system=system,
            messages=(Message(role="user", content=user),),
            output_schema=output_schema,
            **kwargs,
        )

    def with_model(self, model: str) -> LLMRequest:
        """The same request with ``model`` filled in (providers resolve their default this way)."""
        return self if self.model == model else self.model_copy(update={"model": model})

    def hash_payload(self) -> dict[str, Any]:
        """The fields that determine the answer, as plain JSON data."""
        extra = {"thinking_budget": self.thinking_budget} if self.thinking_budget else {}
        return {
            **extra,
            "v": REQUEST_HASH_VERSION,
            "system": self.system,
            "messages": [m.model_dump() for m in self.messages],
            "schema": self.output_schema,
            "tool_name": self.tool_name,
            "tool_description": self.tool_description,
            "model": self.model,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
        }

    def request_hash(self) -> str:
        """sha256 of the canonical JSON of :meth:`hash_payload` (stable across runs and machines)."""
        canonical = json.dumps(self.hash_payload(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Usage(BaseModel):
    """Token counts of one call. Cache reads/writes are reported separately from plain input."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


class LLMResponse(BaseModel):
    """One answer. ``parsed`` is the structured object; ``malformed`` says why it is unusable, if it is.

    ``cost_usd`` is None when the price of ``model`` is unknown (``cost_note`` says so).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    provider: str
    model: str
    request_hash: str
    parsed: dict[str, Any] | None
    raw_text: str
    usage: Usage = Usage()
    cost_usd: float | None = 0.0
    cost_note: str | None = None
    stop_reason: str | None = None
    attempts: int = 1
    malformed: str | None = None


class ProviderError(RuntimeError):
    """The provider could not produce an answer (bad request, auth, missing key, unknown provider...)."""


class MalformedOutput(ProviderError):  # noqa: N818 - the name says what happened
    """The model answered, but not with a usable object. ``reason`` is meant for the repair prompt."""

    def __init__(self, reason: str, response: LLMResponse | None = None):
        self.reason = reason
        self.response = response
        super().__init__(f"malformed model output: {reason}")


class RetryExhausted(ProviderError):  # noqa: N818 - the name says what happened
    """Every attempt failed with a transient error (429, 5xx, timeout, connection)."""

    def __init__(self, attempts: int, last_error: BaseException):
        self.attempts = attempts
        self.last_error = last_error
        super().__init__(f"gave up after {attempts} attempts; last error: {last_error}")


class SpendCapExceeded(ProviderError):  # noqa: N818 - the name says what happened
    """Sending the request could take total spend past the configured USD cap, so it was not sent."""

    def __init__(self, cap_usd: float, spent_usd: float, estimate_usd: float):
        self.cap_usd = cap_usd
        self.spent_usd = spent_usd
        self.estimate_usd = estimate_usd
        super().__init__(
            f"spend cap ${cap_usd:.4f} would be exceeded: spent ${spent_usd:.4f}, next request may cost up "
            f"to ${estimate_usd:.4f}; raise the cap (max_usd / --max-usd) or lower max_tokens"
        )


@runtime_checkable
class Provider(Protocol):
    """Something that turns an :class:`LLMRequest` into an :class:`LLMResponse`.

    ``complete`` returns only usable responses; it raises :class:`MalformedOutput` (with the response
    attached) when the model's answer does not fit the schema, :class:`SpendCapExceeded` before a call
    that could break the cap, :class:`RetryExhausted` after too many transient failures, and
    :class:`ProviderError` otherwise.
    """

    name: str
    model: str

    def complete(self, request: LLMRequest) -> LLMResponse:
        """Answer one request."""
        ...
