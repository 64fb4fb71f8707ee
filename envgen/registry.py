"""One entry per environment family: everything family-specific, found in one place.

The simulator, the config model, the reward view and features, the solvability survey, the offline
rules and the prompt's template and vocabulary are named here by import path and imported only when
used, so working with one family never imports another. Every part of envgen that needs a family's
piece (``envgen.make``, specs, prompts, the pipeline, the offline provider, the sandbox, commands) looks
it up here; adding a family is adding one :class:`FamilyEntry`.

A family *name* read from a file resolves through this table only, so a file can never make envgen
import a module of its choosing.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
from typing import Any


class UnknownFamilyError(KeyError, ValueError):
    """A family name that is not registered (or lacks the part asked for)."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclasses.dataclass(frozen=True)
class FamilyEntry:
    """What is specific to one family. Paths are ``"module"`` or ``"module:attribute"``.

    Only ``view`` is required (a family whose reward programs can be checked); the rest makes a full
    family that ``envgen.make`` and ``envgen generate`` accept (see :meth:`missing`).
    """

    name: str
    view: str  # module: StateView, sample_views(key, n), build_view(state, params)
    env: str | None = None  # "module:Class" of the simulator (gymnax contract, envs/base.py)
    spec: str | None = None  # "module:Class" of the config model (envgen.spec.base.Spec)
    features: str | None = None  # module: FEATURES, EVENTS, features(), events() (rewards/features)
    solvability: str | None = None  # module: survey_measure(levels, params), survey_report(row, ...)
    offline_rules: str | None = None  # "module:function": (goal, n, seed, *, easier, fallback) -> answers
    facts: str | None = None  # "module:function": () -> the prompt's vocabulary of the family
    prompt_template: str | None = None  # file in templates/ rendering the system prompt
    targets: str | None = None  # "module:NAME" of the achievements an answer names as each env's goal

    FULL = ("env", "spec", "features", "solvability", "offline_rules", "facts", "prompt_template")

    def load(self, part: str) -> Any:
        """Import the piece named by field ``part`` (a module, or an attribute of one)."""
        path = getattr(self, part)
        if path is None:
            raise LookupError(f"family {self.name!r} has no {part}")
        module, _, attr = path.partition(":")
        loaded = importlib.import_module(module)
        return getattr(loaded, attr) if attr else loaded

    def missing(self) -> list[str]:
        """The parts a full family needs that this entry lacks."""
        return [part for part in self.FULL if getattr(self, part) is None]


FAMILIES: dict[str, FamilyEntry] = {
    "crafter": FamilyEntry(
        name="crafter",
        env="envgen.envs.crafter.env:Crafter",
        spec="envgen.spec.crafter:CrafterSpec",
        view="envgen.rewards.views.crafter",
        features="envgen.rewards.features.crafter",
        solvability="envgen.envs.crafter.solvability",
        offline_rules="envgen.generate.rules:crafter_candidates",
        facts="envgen.generate.prompts:crafter_facts",
        prompt_template="crafter_system.j2",
        targets="envgen.envs.crafter.constants:ACHIEVEMENTS",
    ),
    "minigrid": FamilyEntry(
        name="minigrid",
        env="envgen.envs.minigrid.env:MiniGrid",
        spec="envgen.spec.minigrid:MinigridSpec",
        view="envgen.rewards.views.minigrid",
        features="envgen.rewards.features.minigrid",
        solvability="envgen.envs.minigrid.solvability",
        offline_rules="envgen.generate.rules:minigrid_candidates",
        facts="envgen.generate.prompts:minigrid_facts",
        prompt_template="minigrid_system.j2",
    ),
}


def full_families() -> list[str]:
    """Names of the families with every part (the ones ``envgen generate`` offers)."""
    return [name for name, entry in FAMILIES.items() if not entry.missing()]


def family(name: Any, needs: str | None = None) -> FamilyEntry:
    """The entry of family ``name``; a clear error for an unknown name (with a suggestion), or for a
    family that lacks the part ``needs``."""
    entry = FAMILIES.get(name) if isinstance(name, str) else None
    if entry is None:
        from envgen.printable import printable

        shown = printable(name)[:80] if isinstance(name, str) else type(name).__name__
        close = difflib.get_close_matches(shown.lower(), list(FAMILIES), n=1) if isinstance(name, str) else []
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UnknownFamilyError(f"unknown family {shown!r}{hint}; known: {', '.join(FAMILIES)}")
    if needs is not None and getattr(entry, needs) is None:
        raise UnknownFamilyError(f"family {entry.name!r} has no {needs}")
    return entry
