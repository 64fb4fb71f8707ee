"""Validated reward programs, chosen per environment by integer id inside one jitted, vmapped batch."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from envgen.rewards.sandbox import Family, ValidationReport, compile_program, load_family, program_hash


class UnvalidatedProgramError(ValueError):
    """A program was offered to the bank without a passing validation report for its exact source."""


class RewardBank:
    """Compiled reward programs of one family, indexed by position (the id that EnvParams carry).

    Only programs with a passing :class:`ValidationReport` for the same hash and family are accepted.
    ``bank(program_id, prev, state, action)`` dispatches with ``jax.lax.switch``, so environments with
    different programs run in one ``vmap``; ids out of range are clamped (lax.switch semantics).
    """

    def __init__(self, family: str | Family):
        self.family = load_family(family)
        self._fns: list[Callable[[Any, Any, Any], Any]] = []
        self._hashes: list[str] = []

    @classmethod
    def from_validated(
        cls, family: str | Family, sources: Sequence[str], reports: Sequence[ValidationReport]
    ) -> RewardBank:
        """A bank of ``sources`` in order; ``reports`` may be in any order (matched by hash)."""
        bank = cls(family)
        by_hash = {r.program_hash: r for r in reports}
        for source in sources:
            bank.add(source, by_hash.get(program_hash(source)))
        return bank

    def add(self, source: str, report: ValidationReport | None) -> int:
        """Compile ``source`` and return its id; re-adding the same program returns the existing id."""
        h = program_hash(source)
        if report is None or not report.ok or report.program_hash != h:
            why = (
                "no report"
                if report is None
                else (
                    f"report is for {report.program_hash[:12]}"
                    if report.program_hash != h
                    else f"validation failed at stage {report.stage!r}: {report.message}"
                )
            )
            raise UnvalidatedProgramError(f"reward program {h[:12]} has not passed validation ({why})")
        if report.family != self.family.name:
            raise UnvalidatedProgramError(
                f"reward program {h[:12]} was validated for family {report.family!r}, not {self.family.name!r}"
            )
        if h in self._hashes:
            return self._hashes.index(h)
        fn = compile_program(source, self.family.spec)
        self._fns.append(_as_scalar_f32(fn))
        self._hashes.append(h)
        return len(self._hashes) - 1

    @property
    def hashes(self) -> tuple[str, ...]:
        """Program hashes by id."""
        return tuple(self._hashes)

    def index(self, program_hash_: str) -> int:
        """The id of a program given its hash."""
        try:
            return self._hashes.index(program_hash_)
        except ValueError:
            raise KeyError(f"program {program_hash_[:12]} is not in the bank") from None

    def __len__(self) -> int:
        return len(self._fns)

    def __call__(self, program_id: Any, prev: Any, state: Any, action: Any) -> jax.Array:
        """The reward of program ``program_id`` for one transition (a float32 scalar; 0 for an empty bank)."""
        if not self._fns:
            return jnp.zeros((), jnp.float32)
        if len(self._fns) == 1:
            return self._fns[0](prev, state, action)
        return jax.lax.switch(jnp.asarray(program_id, jnp.int32), self._fns, prev, state, action)


def _as_scalar_f32(fn: Callable[[Any, Any, Any], Any]) -> Callable[[Any, Any, Any], jax.Array]:
    # lax.switch needs every branch to return the same type; validation proved a float scalar.
    return lambda prev, state, action: jnp.asarray(fn(prev, state, action), jnp.float32).reshape(())
