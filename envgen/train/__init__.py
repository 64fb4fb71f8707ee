"""The PPO student: a jitted core (``ppo``), the outer loop (``run``), evaluation, checkpoints, sharding."""

from envgen.train.config import PPOConfig
from envgen.train.ppo import PPO, ChunkMetrics, RunnerState, SlotStats
from envgen.train.run import EvalPlan, Student, train
from envgen.train.tasks import fixed_tasks, repeat_tasks

__all__ = ["PPO", "ChunkMetrics", "EvalPlan", "PPOConfig", "RunnerState", "SlotStats", "Student", "fixed_tasks",
           "repeat_tasks", "train"]
