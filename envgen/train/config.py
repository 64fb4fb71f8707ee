"""The student's typed, immutable PPO configuration (derived sizes are properties, never stored)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

NetworkKind = Literal["auto", "mlp", "grid_cnn", "pixel_cnn"]


@dataclass(frozen=True)
class PPOConfig:
    """PPO hyperparameters. One chunk = ``updates_per_chunk`` updates of ``num_steps`` x ``num_envs`` steps."""

    num_envs: int = 64
    num_steps: int = 128
    updates_per_chunk: int = 8
    update_epochs: int = 4
    num_minibatches: int = 4
    lr: float = 2.5e-4
    anneal_lr: bool = False
    total_updates: int = 0  # needed only when anneal_lr is on (the schedule's length)
    gamma: float = 0.99
    gae_lambda: float = 0.95
    clip_eps: float = 0.2
    ent_coef: float = 0.01
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    network: NetworkKind = "auto"
    hidden: int = 64
    recurrent: bool = False  # a GRU core; minibatches are then whole env sequences
    # levels per env slot and chunk (tasks of a TaskEnv): every episode starts on the slot's next one
    level_pool: int = 8

    def __post_init__(self) -> None:
        for name in ("num_envs", "num_steps", "updates_per_chunk", "update_epochs", "num_minibatches", "hidden",
                     "level_pool"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"PPOConfig.{name} must be >= 1, got {getattr(self, name)}")
        # recurrent minibatches split the env axis; feed-forward ones split all T*B samples
        split = self.num_envs if self.recurrent else self.num_envs * self.num_steps
        if split % self.num_minibatches:
            what = "num_envs" if self.recurrent else "num_envs * num_steps"
            raise ValueError(f"PPOConfig: {what} = {split} is not divisible by num_minibatches = "
                             f"{self.num_minibatches}")
        if not 0.0 < self.gamma <= 1.0 or not 0.0 <= self.gae_lambda <= 1.0:
            raise ValueError(f"PPOConfig: need 0 < gamma <= 1 and 0 <= gae_lambda <= 1, got {self.gamma}, "
                             f"{self.gae_lambda}")
        if self.lr <= 0:
            raise ValueError(f"PPOConfig.lr must be > 0, got {self.lr}")
        if self.anneal_lr and self.total_updates < 1:
            raise ValueError("PPOConfig: anneal_lr needs total_updates >= 1")
        if self.network not in ("auto", "mlp", "grid_cnn", "pixel_cnn"):
            raise ValueError(f"PPOConfig.network must be auto, mlp, grid_cnn or pixel_cnn, got {self.network!r}")

    @property
    def steps_per_update(self) -> int:
        """Env steps collected by one update (all env slots)."""
        return self.num_envs * self.num_steps

    @property
    def steps_per_chunk(self) -> int:
        """Env steps collected by one jitted chunk."""
        return self.steps_per_update * self.updates_per_chunk

    def replace(self, **changes: Any) -> PPOConfig:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (for run.json and logs)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PPOConfig:
        """Build from a dict, rejecting unknown keys with the list of known ones."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown PPO setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**data)
