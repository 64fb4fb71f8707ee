"""Documented reward features of each family: the vocabulary that reward terms weigh.

Each family module defines ``FEATURES`` (potential features, each in [0, 1]), ``EVENTS`` (per-step
events that pay one-time bonuses), their docs, and two pure functions: ``features(state, params)``
and ``events(prev, state, info, params)``, both returning float32 vectors in that order.
"""

from __future__ import annotations

import importlib
from types import ModuleType

_MODULES = {"crafter": "envgen.rewards.features.crafter", "minigrid": "envgen.rewards.features.minigrid"}


def feature_module(family: str) -> ModuleType:
    """The feature module of a family (a name in envgen's own registry, never a path)."""
    if family not in _MODULES:
        raise KeyError(f"no reward features for family {family!r}; known: {', '.join(_MODULES)}")
    return importlib.import_module(_MODULES[family])
