"""Spend and token accounting across every call of a run, with an optional USD cap."""

from __future__ import annotations

import threading
from typing import Any

from envgen.llm.base import LLMResponse, ProviderError, SpendCapExceeded


class Budget:
    """Running totals of tokens and USD, shared by all providers of one run.

    ``max_usd=None`` means no cap. With a cap, :meth:`check` refuses a call whose worst-case cost
    would take the total past it, so the cap is never exceeded by a call envgen chose to send.
    """

    def __init__(self, max_usd: float | None = None):
        if max_usd is not None and max_usd < 0:
            raise ValueError(f"max_usd must be >= 0, got {max_usd}")
        self.max_usd = max_usd
        self.spent_usd = 0.0
        self.calls = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.cache_read_tokens = 0
        self.cache_write_tokens = 0
        self.unpriced_calls = 0
        self._lock = threading.Lock()

    def check(self, estimate_usd: float | None, model: str = "?") -> None:
        """Raise :class:`SpendCapExceeded` if a call costing up to ``estimate_usd`` could break the cap.

        ``estimate_usd=None`` (unknown price) with a cap set is an error: the cap could not be kept.
        """
        if self.max_usd is None:
            return
        if estimate_usd is None:
            raise ProviderError(
                f"cannot keep the ${self.max_usd:.4f} spend cap: no price known for model {model!r}; "
                "pass price=Price(...) to the provider or run without a cap"
            )
        with self._lock:
            if self.spent_usd + estimate_usd > self.max_usd:
                raise SpendCapExceeded(self.max_usd, self.spent_usd, estimate_usd)

    def record(self, response: LLMResponse) -> None:
        """Add one response's tokens and cost to the totals."""
        u = response.usage
        with self._lock:
            self.calls += 1
            self.input_tokens += u.input_tokens
            self.output_tokens += u.output_tokens
            self.cache_read_tokens += u.cache_read_tokens
            self.cache_write_tokens += u.cache_write_tokens
            if response.cost_usd is None:
                self.unpriced_calls += 1
            else:
                self.spent_usd += response.cost_usd

    def summary(self) -> dict[str, Any]:
        """Totals as plain data, for run.json."""
        return {
            "calls": self.calls,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "cost_usd": round(self.spent_usd, 6),
            "unpriced_calls": self.unpriced_calls,
            "max_usd": self.max_usd,
        }
