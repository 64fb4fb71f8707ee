"""Turning a provider's raw answer into a usable object or a precise reason why it is not one."""

from __future__ import annotations

import json
from typing import Any

from envgen.llm import schema_check
from envgen.llm.base import LLMResponse, MalformedOutput
from envgen.llm.budget import Budget

# Deeper than any answer schema needs; bounds the recursion of the checks that walk an answer.
MAX_NESTING = 64


def nesting_depth(obj: Any, limit: int = MAX_NESTING) -> int:
    """How deeply ``obj``'s lists and dicts nest, counted without recursion and up to ``limit + 1``."""
    deepest, stack = 0, [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if not isinstance(value, (dict, list)):
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))
    return deepest


def _too_deep(limit: int) -> str:
    return f"the answer's JSON nests deeper than {limit} levels; write a flat object that matches the schema"


def problem_with(obj: Any, schema: dict[str, Any]) -> str | None:
    """Why ``obj`` is not an answer of ``schema`` (None when it is)."""
    if not isinstance(obj, dict):
        return f"expected a JSON object, got {type(obj).__name__}"
    if nesting_depth(obj) > MAX_NESTING:
        return _too_deep(MAX_NESTING)
    problems = schema_check.check(obj, schema)
    if problems:
        return "the answer does not match the schema: " + "; ".join(problems)
    return None


def truncation_reason(max_tokens: int) -> str:
    """The reason given when the answer was cut off by the token limit."""
    return (
        f"the answer was cut off at max_tokens={max_tokens} before it was complete; "
        "write a shorter answer (fewer comments, simpler reward code)"
    )


def extract_json_object(text: str) -> Any:
    """The first JSON object in ``text`` (fenced or bare), or raise ValueError saying why not."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            obj, _ = decoder.raw_decode(text, start)
            if isinstance(obj, dict):
                return obj
        except json.JSONDecodeError:
            pass
        except RecursionError:  # the decoder recurses once per level: nesting this deep is no answer
            raise ValueError(_too_deep(MAX_NESTING)) from None
        start = text.find("{", start + 1)
    snippet = text.strip()[:200]
    first = text.find("{")
    if first != -1:
        try:
            decoder.raw_decode(text, first)
        except RecursionError:
            raise ValueError(_too_deep(MAX_NESTING)) from None
        except json.JSONDecodeError as err:
            if err.msg.startswith("Unterminated") or err.pos >= len(text.rstrip()) - 1:
                raise ValueError(f"the answer's JSON object is cut off: it ends after {len(text)} characters "
                                 f"before the object closes (it began: {snippet!r}); write a shorter answer") from None
            raise ValueError(f"the answer's JSON is invalid at character {err.pos}: {err.msg} "
                             f"(it began: {snippet!r})") from None
    raise ValueError(f"no JSON object found in the answer (it began: {snippet!r})")


def settle(response: LLMResponse, budget: Budget) -> LLMResponse:
    """Account for ``response``; return it if usable, else raise :class:`MalformedOutput` carrying it."""
    budget.record(response)
    if response.malformed is not None:
        raise MalformedOutput(response.malformed, response)
    return response
