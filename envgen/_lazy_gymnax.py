"""Import gymnax's environment contract without its package ``__init__``.

envgen needs two gymnax modules: ``gymnax.environments.environment`` (the base class) and
``gymnax.environments.spaces``. ``import gymnax`` first runs the package ``__init__``, which imports
every bundled environment and with them matplotlib, seaborn, pandas and scipy.stats: about two CPU
seconds in every process that makes an env (the CLI, and each sandbox child), for nothing envgen uses.

:func:`install` puts placeholder package modules for ``gymnax`` and ``gymnax.environments`` in
``sys.modules``. Submodules import as usual through them (under their real names, so classes keep their
identity); the first time anything else is read from a placeholder (``gymnax.make``, ``gymnax.Catch``),
the real package ``__init__`` runs inside it, so later users of the full package see no difference.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import types

PACKAGES = ("gymnax", "gymnax.environments")


class _DeferredPackage(types.ModuleType):
    """A package module whose ``__init__`` runs on the first missing attribute that is not a submodule."""

    def __getattr__(self, name: str):
        state = self.__dict__
        # While the real __init__ runs, and for names that are submodules, fall through to the import
        # system (it imports the submodule and binds it here).
        if state.get("_envgen_init_started") or _is_submodule(self, name):
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        state["_envgen_init_started"] = True
        state["__spec__"].loader.exec_module(self)
        return getattr(self, name)


def _is_submodule(package: types.ModuleType, name: str) -> bool:
    path = package.__dict__.get("__path__")
    return bool(path) and importlib.machinery.PathFinder.find_spec(f"{package.__name__}.{name}", path) is not None


def install() -> None:
    """Register the placeholders unless gymnax is already imported (or not installed)."""
    if any(name in sys.modules for name in PACKAGES):
        return
    parent = None
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.submodule_search_locations is None:
            return
        module = importlib.util.module_from_spec(spec)
        module.__class__ = _DeferredPackage
        sys.modules[name] = module
        if parent is not None:
            setattr(parent, name.rsplit(".", 1)[1], module)
        parent = module
