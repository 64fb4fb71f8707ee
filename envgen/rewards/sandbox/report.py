"""What validation says about a program (:class:`ValidationReport`) and the limits it runs under."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any


@dataclasses.dataclass(frozen=True)
class ValidationReport:
    """The outcome for one program. ``stage`` is where it failed ("ast", "compile", "shape", "budget",
    "rollout", "sandbox") or "passed"; ``message`` names the line where one is known; ``stats`` describe
    the rewards seen (min, max, mean, std, nonzero_frac, n on real rollouts when a config was given, the
    same with a ``sampled_`` prefix for sampled states; compile_s and run_ratio for the compute budget)."""

    program_hash: str
    family: str
    ok: bool
    stage: str
    message: str = ""
    line: int | None = None
    stats: Mapping[str, float] = dataclasses.field(default_factory=dict)
    config_hash: str | None = None  # the config whose rollouts the program was validated on, if any

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for run.json."""
        return {**dataclasses.asdict(self), "stats": dict(self.stats)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ValidationReport:
        """Inverse of :meth:`to_dict`."""
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data})


@dataclasses.dataclass(frozen=True)
class SandboxLimits:
    """Resources of the validation child and the checks' thresholds."""

    timeout_s: float = 180.0  # wall clock for one child (all the programs it validates)
    cpu_s: int = 600  # CPU seconds (all threads together)
    memory_mb: int = 4096  # address space
    n_samples: int = 1024  # sampled (prev, state, action) triples covering every field's range
    rollout_envs: int = 24  # envs per config in the real rollouts (a third per policy)
    rollout_steps: int = 128  # steps per env (half the envs start late in the episode)
    bound: float = 100.0  # |reward| must stay within this
    # Farming: a looping policy (one action, or two alternating) may not earn, outside the steps the task
    # itself rewards, as much as the program pays for solving (at least this much).
    farm_min_solve: float = 1.0
    min_spread: float = 1e-6  # max - min below this counts as constant
    # Compile and run time relative to a program that reads every field once (envgen's own programs
    # cost 0.5-1.1x of it; a program of 16x16 unrolled loops of transcendentals costs 40x / 460x).
    max_cost_ratio: float = 10.0
    min_compile_budget_s: float = 2.0  # ... but never less than this
    min_run_budget_s: float = 0.01  # seconds for one evaluation of the whole batch (timer noise on busy machines)

