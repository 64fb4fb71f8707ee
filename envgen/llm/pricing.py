"""Model prices in one place, and the cost of one call from its token usage.

Prices are USD per million tokens. Cache writes and reads are priced as multiples of the input price
(Anthropic: 1.25x for the default 5-minute cache write, 0.1x for a cache read). A model that is not in
the table gets ``cost=None`` and a note rather than a guess: envgen never invents a price.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from envgen.llm.base import Usage


@dataclass(frozen=True)
class Price:
    """USD per million tokens; cache multipliers apply to ``input_per_mtok``."""

    input_per_mtok: float
    output_per_mtok: float
    cache_write_mult: float = 1.25
    cache_read_mult: float = 0.10

    def cost(self, usage: Usage) -> float:
        """USD cost of ``usage`` at this price."""
        per_token_in = self.input_per_mtok / 1e6
        return (
            usage.input_tokens * per_token_in
            + usage.cache_write_tokens * per_token_in * self.cache_write_mult
            + usage.cache_read_tokens * per_token_in * self.cache_read_mult
            + usage.output_tokens * self.output_per_mtok / 1e6
        )

    def worst_case(self, input_tokens: int, max_output_tokens: int) -> float:
        """Upper bound of a call's cost: every input token written to the cache, every output token used."""
        per_token_in = self.input_per_mtok / 1e6 * max(1.0, self.cache_write_mult)
        return input_tokens * per_token_in + max_output_tokens * self.output_per_mtok / 1e6


FREE = Price(0.0, 0.0, 0.0, 0.0)

# Keys are model ids without a date suffix; the longest key that prefixes the model id wins, so
# "claude-sonnet-4-5-20250929" is priced as "claude-sonnet-4-5".
ANTHROPIC_PRICES: dict[str, Price] = {
    "claude-opus-4-0": Price(15.0, 75.0),
    "claude-opus-4-1": Price(15.0, 75.0),
    "claude-opus-4-5": Price(5.0, 25.0),
    "claude-opus-4-6": Price(5.0, 25.0),
    "claude-sonnet-4-0": Price(3.0, 15.0),
    "claude-sonnet-4-5": Price(3.0, 15.0),
    "claude-sonnet-4-6": Price(3.0, 15.0),
    "claude-haiku-4-5": Price(1.0, 5.0),
    "claude-3-5-haiku": Price(0.8, 4.0),
}

_DATE_SUFFIX = re.compile(r"-\d{8}$")


def price_for(model: str, table: dict[str, Price] | None = None) -> Price | None:
    """The price of ``model`` from ``table`` (default: Anthropic's), or None when unknown."""
    table = ANTHROPIC_PRICES if table is None else table
    base = _DATE_SUFFIX.sub("", model)
    best = None
    for key in table:
        if (base == key or base.startswith(key + "-")) and (best is None or len(key) > len(best)):
            best = key
    return table[best] if best is not None else None


def unknown_price_note(model: str) -> str:
    """The note attached to responses whose cost cannot be computed."""
    return (
        f"no price known for model {model!r} (envgen.llm.pricing); cost not computed - pass "
        f"price=Price(...) to the provider to account for it"
    )
