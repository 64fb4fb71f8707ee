"""Reward-view families: what programs may read (a StateView) and how validation gets states.

A family given by *name* is looked up in envgen's own registry only: a name read from a file (a shared
folder's run.json) can never make envgen import a module of the file's choosing.
"""

from __future__ import annotations

import dataclasses
import importlib
import types
from pathlib import Path
from typing import Any

from envgen.registry import family as family_entry
from envgen.rewards.sandbox.checker import ViewSpec


@dataclasses.dataclass(frozen=True)
class Family:
    """A family's view module: what programs may read and how states are sampled."""

    name: str
    module_name: str
    spec: ViewSpec
    import_root: str  # the sys.path entry under which module_name is importable

    @property
    def module(self) -> Any:
        """The family's view module (imported on first use)."""
        return importlib.import_module(self.module_name)


def load_family(family: str | Family | types.ModuleType) -> Family:
    """Resolve a registered family name ("crafter") or a view module (trusted code) to its :class:`Family`.

    Strings are looked up in :mod:`envgen.registry` only; anything else is an error, never an import.
    """
    if isinstance(family, Family):
        return family
    if isinstance(family, types.ModuleType):
        module = family
    else:
        module = family_entry(family).load("view")
    view_cls = getattr(module, "StateView", None)
    if view_cls is None or not callable(getattr(module, "sample_views", None)):
        raise ValueError(f"{module.__name__} must define StateView and sample_views(key, n)")
    name = module.__name__.rsplit(".", 1)[-1]
    return Family(name, module.__name__, ViewSpec.of(view_cls), _import_root(module))


def _import_root(module: Any) -> str:
    path = Path(module.__file__).resolve()
    depth = module.__name__.count(".") + (1 if path.name == "__init__.py" else 0)
    return str(path.parents[depth])

