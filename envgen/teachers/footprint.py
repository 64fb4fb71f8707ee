"""What a curriculum run or a comparison will cost before it starts: environment steps and memory.

The memory is an estimate from the shapes alone (``jax.eval_shape``: nothing is generated or compiled):
the per-slot level pools, the rollout a PPO update keeps for its minibatches, the held-out tasks and a
replaying teacher's level buffer, times the seeds that train side by side. It is what ``--dry-run``
prints, and a run whose estimate exceeds the machine's memory is refused before anything is allocated.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

from envgen.teachers.config import CurriculumConfig

DEFAULT_LEVEL_POOL = 8  # PPOConfig.level_pool's default (kept here so the estimate needs no student)


@dataclass(frozen=True)
class Footprint:
    """Steps and estimated bytes of one run, and of ``lanes`` runs trained side by side."""

    steps_per_run: int
    task_bytes: int
    bytes_per_run: int
    lanes: int

    @property
    def bytes(self) -> int:
        return self.bytes_per_run * self.lanes


def _tree_bytes(tree: Any) -> int:
    return int(sum(np.prod(x.shape, dtype=np.int64) * np.dtype(x.dtype).itemsize for x in jax.tree.leaves(tree)))


def task_bytes(config: CurriculumConfig) -> tuple[int, int]:
    """Bytes of one task of the curriculum's first target and of its start observation (shapes only)."""
    from envgen.teachers.build import load_task_spec, make_env

    env = make_env(config.family)
    spec = load_task_spec(config.targets[0], config.family)
    params = spec.compile(env.env.static_params)
    shape = jax.eval_shape(lambda k: env.make_task(k, params, spec.compile_reward()), jax.random.key(0))
    return _tree_bytes(shape), _tree_bytes(shape.obs)


def estimate(config: CurriculumConfig, lanes: int = 1) -> Footprint:
    """The run's environment steps and an estimate of its memory (see the module docstring)."""
    st = config.student
    settings = dict(st.model_extra or {})
    task, obs = task_bytes(config)
    n = st.num_envs
    pool = int(settings.get("level_pool", DEFAULT_LEVEL_POOL)) if st.kind == "ppo" else 1
    updates = max(int(settings.get("updates_per_chunk", 1)), 1)
    rollout = (st.steps // updates) * n * (obs + 64) if st.kind == "ppo" else 0  # obs + scalars per step
    heldout = max(len(config.evaluation.heldout), 1)
    buffer = int(config.teacher.settings().get("capacity", 0) or 0) * task
    per_run = n * (pool + 2) * task + rollout + heldout * n * task + buffer
    steps = config.budget.chunks * n * st.steps
    return Footprint(steps_per_run=steps, task_bytes=task, bytes_per_run=int(per_run), lanes=lanes)


def machine_bytes() -> int:
    """Physical memory of this machine (0 if unknown)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def human(n: float) -> str:
    """Bytes as a short human-readable size."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def check_fits(footprint: Footprint, what: str, share: float = 0.8) -> None:
    """Refuse (ValueError, one line) a run whose estimate exceeds ``share`` of the machine's memory."""
    total = machine_bytes()
    if total and footprint.bytes > share * total:
        raise ValueError(f"{what}: needs about {human(footprint.bytes)} of memory, this machine has "
                         f"{human(total)}; lower student.num_envs, student.steps, the seeds run together or a "
                         "teacher's capacity")
