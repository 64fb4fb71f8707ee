"""The reward-program API a family offers, generated from code (for prompt templates and docs)."""

from __future__ import annotations

import types
from typing import Any

from envgen.rewards.sandbox.checker import (
    JNP_CONSTANTS,
    JNP_FUNCTIONS,
    MAX_CONST,
    MAX_LOOP,
    MAX_POW,
    MAX_SOURCE_CHARS,
    ViewSpec,
)
from envgen.rewards.sandbox.families import Family, load_family
from envgen.rewards.sandbox.report import SandboxLimits


def reward_api(family: str | Family | types.ModuleType) -> dict[str, Any]:
    """What a program may use, generated from code, for prompt templates and docs.

    Returns ``fields`` (dotted names, nested views expanded), ``helpers`` (name -> first docstring
    line), ``jnp`` (function -> allowed keywords), ``jnp_constants`` and ``limits``.
    """
    fam = load_family(family)
    view_cls = fam.module.StateView

    def names(spec: ViewSpec, prefix: str) -> list[str]:
        out = []
        for name, sub in spec.fields.items():
            out.extend(names(sub, f"{prefix}{name}.") if sub is not None else [prefix + name])
        return out

    helpers = {}
    for h in sorted(fam.spec.helpers):
        doc = (getattr(view_cls, h).__doc__ or "").strip().splitlines()
        helpers[h] = doc[0] if doc else ""
    return {
        "family": fam.name,
        "signature": "def reward(prev, state, action):",
        "fields": names(fam.spec, ""),
        "helpers": helpers,
        "jnp": {f: sorted(kw) for f, kw in sorted(JNP_FUNCTIONS.items())},
        "jnp_constants": sorted(JNP_CONSTANTS),
        "limits": {
            "max_loop": MAX_LOOP,
            "max_pow": MAX_POW,
            "max_const": MAX_CONST,
            "max_source_chars": MAX_SOURCE_CHARS,
            "reward_bound": SandboxLimits.bound,
        },
    }

