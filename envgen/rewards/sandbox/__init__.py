"""Untrusted reward programs: an AST allowlist, a restricted compile, and validation in a child process.

A reward program is exactly one function ``def reward(prev, state, action):`` written against a
family's StateView. It goes through three gates before a trainer may trace it:

1. :mod:`.checker` (host, nothing executed): every AST node, name, attribute and call must be on an
   allowlist, identifiers must be ASCII; anything else is rejected with the line and the construct.
2. :mod:`.restricted`: the checked tree is rewritten so that arithmetic on plain Python integers is
   bounded, then compiled with empty builtins and a proxy exposing only the listed ``jnp`` functions.
3. :mod:`.validate`: in a child process (:mod:`.process`: no API keys, CPU-only JAX, resource limits,
   dies with its parent) :mod:`.child` proves a scalar float, finite and bounded on sampled states and
   on real rollouts of the paired config, not constant, and within a compute budget. Verdicts are
   cached per user (:mod:`.verdicts`), never read from a generated folder.

:mod:`.families` resolves family names (envgen's registry only), :mod:`.api` describes the API for
prompts, :mod:`.report` holds :class:`ValidationReport` and :class:`SandboxLimits`.
"""

from envgen.rewards.sandbox.api import reward_api
from envgen.rewards.sandbox.checker import (
    JNP_CONSTANTS,
    JNP_FUNCTIONS,
    MAX_CONST,
    MAX_DEPTH,
    MAX_LOOP,
    MAX_NODES,
    MAX_POW,
    MAX_SOURCE_CHARS,
    MAX_UNROLLED_NODES,
    Problem,
    SandboxError,
    ViewSpec,
    check_source,
    program_hash,
)
from envgen.rewards.sandbox.families import Family, load_family
from envgen.rewards.sandbox.process import ChildRun, child_environment, run_child
from envgen.rewards.sandbox.report import SandboxLimits, ValidationReport
from envgen.rewards.sandbox.restricted import compile_program
from envgen.rewards.sandbox.validate import (
    PreparedChild,
    config_hash,
    needs_child,
    start_validation,
    validate_program,
    validate_programs,
)

__all__ = [
    "JNP_CONSTANTS",
    "JNP_FUNCTIONS",
    "MAX_CONST",
    "MAX_DEPTH",
    "MAX_LOOP",
    "MAX_NODES",
    "MAX_POW",
    "MAX_SOURCE_CHARS",
    "MAX_UNROLLED_NODES",
    "ChildRun",
    "PreparedChild",
    "Family",
    "Problem",
    "SandboxError",
    "SandboxLimits",
    "ValidationReport",
    "ViewSpec",
    "check_source",
    "child_environment",
    "compile_program",
    "config_hash",
    "load_family",
    "needs_child",
    "program_hash",
    "reward_api",
    "run_child",
    "start_validation",
    "validate_program",
    "validate_programs",
]
