"""Reward programs: the sandbox that checks LLM-written code, and the bank that runs validated programs.

See docs/rewards.md for the rules a program must follow.
"""

from envgen.rewards.sandbox import (
    Family,
    SandboxError,
    SandboxLimits,
    ValidationReport,
    ViewSpec,
    check_source,
    load_family,
    program_hash,
    reward_api,
    validate_program,
    validate_programs,
)

__all__ = [
    "Family",
    "RewardBank",
    "SandboxError",
    "SandboxLimits",
    "UnvalidatedProgramError",
    "ValidationReport",
    "ViewSpec",
    "check_source",
    "load_family",
    "program_hash",
    "reward_api",
    "validate_program",
    "validate_programs",
]


def __getattr__(name: str):
    # The bank imports jax; keep `import envgen.rewards` light for the CLI and the AST check.
    if name in ("RewardBank", "UnvalidatedProgramError"):
        from envgen.rewards import bank

        return getattr(bank, name)
    raise AttributeError(f"module 'envgen.rewards' has no attribute {name!r}")
