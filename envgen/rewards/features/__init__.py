"""Documented reward features of each family: the vocabulary that reward terms weigh.

Each family module defines ``FEATURES`` (potential features, each in [0, 1]), ``EVENTS`` (per-step
events that pay one-time bonuses), their docs, and two pure functions: ``features(state, params)``
and ``events(prev, state, info, params)``, both returning float32 vectors in that order.
"""

from __future__ import annotations

from types import ModuleType


def feature_module(family: str) -> ModuleType:
    """The feature module of a family (a name in envgen's own registry, never a path)."""
    from envgen.registry import family as family_entry

    return family_entry(family, needs="features").load("features")
