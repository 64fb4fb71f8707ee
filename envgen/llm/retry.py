"""Bounded retries with exponential backoff and jitter, shared by the HTTP providers.

We run our own loop (the SDK's own retries are off) so that every attempt is counted, the spend cap is
checked before each one, and tests can inject the sleep function. The jitter comes from a seeded RNG,
so the sequence of delays is reproducible.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from envgen.llm.base import RetryExhausted

T = TypeVar("T")


class TransientError(Exception):
    """Raised by an attempt for an error worth retrying; ``retry_after`` is the server's hint in seconds."""

    def __init__(self, cause: BaseException, retry_after: float | None = None):
        self.cause = cause
        self.retry_after = retry_after
        super().__init__(str(cause))


@dataclass
class RetryPolicy:
    """How often and how long to retry. ``max_attempts`` counts the first try."""

    max_attempts: int = 4
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0
    jitter: float = 0.25  # each delay is scaled by a factor in [1 - jitter, 1 + jitter]
    seed: int = 0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def __post_init__(self):
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts}")
        self._rng = random.Random(self.seed)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        base = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        wait = base * (1.0 + self.jitter * (2.0 * self._rng.random() - 1.0))
        if retry_after is not None:
            # Honour the server's hint, but never wait unboundedly long because of it.
            wait = max(wait, min(retry_after, self.max_delay_s))
        return max(0.0, wait)

    def run(self, attempt_fn: Callable[[int], T]) -> tuple[T, int]:
        """Call ``attempt_fn(attempt)`` until it returns; retry on :class:`TransientError`.

        Returns the result and the number of attempts. Raises :class:`RetryExhausted` after
        ``max_attempts`` transient failures; any other exception propagates at once.
        """
        for attempt in range(1, self.max_attempts + 1):
            try:
                return attempt_fn(attempt), attempt
            except TransientError as err:
                if attempt == self.max_attempts:
                    raise RetryExhausted(attempt, err.cause) from err.cause
                self.sleep(self.delay(attempt, err.retry_after))
        raise AssertionError("unreachable")


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (numeric form only; HTTP dates are ignored)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
