"""How envgen compiles programs it runs only once or a few times (one-shot checks, not training).

``envgen generate`` compiles a handful of programs that each run a few times per process: the
solvability survey (world generation for every candidate config), the preview renderer, and, in the
sandbox child, the validation rollout and the sampled states. On a first run their compile time is
what the user waits for, and their run time is a fraction of a second either way. On CPU, XLA's
backend optimisation level 0 with the older loop emitters (``xla_cpu_use_fusion_emitters`` off)
compiles them in a third to a half of the CPU time of the defaults (Crafter's survey 19 -> 7 CPU s
against level 1, the sandbox's sampled states 7 -> 1 s), and they generate the same worlds bit for bit.

Never use this for what a user runs millions of times (``env.step`` in training, the PPO update):
there the optimised code pays for its compile many times over. On other backends the defaults are
kept: these options were measured on CPU only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# The CPU options of a one-shot compile: the loop emitters, and XLA's backend optimisation level.
ONE_SHOT_CPU_OPTIONS: dict[str, Any] = {"xla_backend_optimization_level": 0, "xla_cpu_use_fusion_emitters": False}


def one_shot_options(level: int = 0) -> dict[str, Any]:
    """``compiler_options`` for a program compiled to run a few times: :data:`ONE_SHOT_CPU_OPTIONS` (at
    backend optimisation ``level``) when JAX's default backend is the CPU, else none (the defaults)."""
    import jax

    if jax.default_backend() != "cpu":
        return {}
    return {**ONE_SHOT_CPU_OPTIONS, "xla_backend_optimization_level": level}


def jit_once(fun: Callable, *, level: int = 0, **kwargs: Any) -> Callable:
    """``jax.jit(fun, **kwargs)`` compiled for a fast compile rather than a fast run (see the module
    docstring): for checks, surveys and previews, never for training or stepping loops. ``level`` 1
    suits a program that still runs thousands of simulator steps (the sandbox's rollout: at level 0 it
    compiles in 9 s but runs 26 s for four configs, at level 1 16 s + 4 s)."""
    import jax

    return jax.jit(fun, compiler_options=one_shot_options(level), **kwargs)
