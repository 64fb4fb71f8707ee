"""Validated reward programs, chosen per environment by integer id inside one jitted, vmapped batch."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from envgen.rewards.sandbox import Family, ValidationReport, compile_program, load_family, program_hash
from envgen.rewards.sandbox.checker import behaviour_hash


class UnvalidatedProgramError(ValueError):
    """A program was offered to the bank without a passing validation report for its exact source."""


class RewardBank:
    """Compiled reward programs of one family, indexed by position (the id a task's reward carries).

    Immutable: programs are fixed at construction and :meth:`with_program` returns a new bank, so a
    jitted function that closed over a bank can never miss a program added later. Banks hash and
    compare by family and program hashes, so a bank is part of the jit key of the env that holds it.
    Only programs with a passing :class:`ValidationReport` for the same hash and family are accepted.
    ``bank(program_id, prev, state, action)`` dispatches with ``jax.lax.switch``, so environments with
    different programs run in one ``vmap``; ids out of range are clamped (lax.switch semantics).

    Under ``vmap`` every branch of the switch runs for every environment on every step, so a bank of N
    programs costs about N programs per env-step. Programs that differ only in comments, spacing or
    docstring (same :func:`~envgen.rewards.sandbox.checker.behaviour_hash`) therefore share one branch:
    the first one's hash names it, and :meth:`index` maps every copy's hash to it.
    """

    def __init__(self, family: str | Family, sources: Sequence[str] = (),
                 reports: Sequence[ValidationReport | None] = ()):
        self.family = load_family(family)
        by_hash = {r.program_hash: r for r in reports if r is not None}
        fns, hashes, kept = [], [], []
        ids: dict[str, int] = {}  # every accepted program's hash -> its branch
        branch_of: dict[str, int] = {}  # behaviour hash -> branch
        accepted = []
        for source in sources:
            h = program_hash(source)
            _check_report(h, by_hash.get(h), self.family.name)
            if h in ids:
                continue
            accepted.append(source)
            behaviour = behaviour_hash(source, self.family.spec)
            if behaviour in branch_of:
                ids[h] = branch_of[behaviour]
                continue
            fns.append(_as_scalar_f32(compile_program(source, self.family.spec)))
            ids[h] = branch_of[behaviour] = len(hashes)
            hashes.append(h)
            kept.append(source)
        self._fns: tuple[Callable[[Any, Any, Any], jax.Array], ...] = tuple(fns)
        self._hashes: tuple[str, ...] = tuple(hashes)
        self._sources: tuple[str, ...] = tuple(kept)
        self._ids = ids
        self._accepted: tuple[tuple[str, ValidationReport], ...] = tuple(
            (src, by_hash[program_hash(src)]) for src in accepted)

    @classmethod
    def from_validated(
        cls, family: str | Family, sources: Sequence[str], reports: Sequence[ValidationReport]
    ) -> RewardBank:
        """A bank of ``sources`` in order; ``reports`` may be in any order (matched by hash)."""
        return cls(family, sources, reports)

    def with_program(self, source: str, report: ValidationReport | None) -> tuple[RewardBank, int]:
        """A new bank with ``source`` added, and its id; an existing program (or a copy of one that differs
        only in comments, spacing or docstring) keeps its id."""
        h = program_hash(source)
        _check_report(h, report, self.family.name)
        if h in self._ids:
            return self, self._ids[h]
        sources, reports = zip(*self._accepted, (source, report), strict=True)
        bank = RewardBank(self.family, sources, reports)
        return bank, bank.index(h)

    @property
    def hashes(self) -> tuple[str, ...]:
        """Program hashes by id (the first of each set of copies)."""
        return self._hashes

    @property
    def sources(self) -> tuple[str, ...]:
        """Program sources by id (what a checkpoint stores to rebuild the bank)."""
        return self._sources

    def index(self, program_hash_: str) -> int:
        """The id of a program given its hash (a copy's hash gives the id of the branch it shares)."""
        try:
            return self._ids[program_hash_]
        except KeyError:
            raise KeyError(f"program {program_hash_[:12]} is not in the bank") from None

    def __len__(self) -> int:
        return len(self._fns)

    def __hash__(self) -> int:
        return hash((self.family.name, self._hashes))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RewardBank) and (self.family.name, self._hashes) == (other.family.name,
                                                                                      other._hashes)

    def __call__(self, program_id: Any, prev: Any, state: Any, action: Any) -> jax.Array:
        """The reward of program ``program_id`` for one transition (a float32 scalar; 0 for an empty bank)."""
        if not self._fns:
            return jnp.zeros((), jnp.float32)
        if len(self._fns) == 1:
            return self._fns[0](prev, state, action)
        return jax.lax.switch(jnp.asarray(program_id, jnp.int32), self._fns, prev, state, action)


def _check_report(h: str, report: ValidationReport | None, family: str) -> None:
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
    if report.family != family:
        raise UnvalidatedProgramError(f"reward program {h[:12]} was validated for family {report.family!r}, "
                                      f"not {family!r}")


def _as_scalar_f32(fn: Callable[[Any, Any, Any], Any]) -> Callable[[Any, Any, Any], jax.Array]:
    # lax.switch needs every branch to return the same type; validation proved a float scalar.
    return lambda prev, state, action: jnp.asarray(fn(prev, state, action), jnp.float32).reshape(())
