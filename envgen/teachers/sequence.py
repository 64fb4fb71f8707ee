"""``sequence``: a hand-written curriculum of stages that advances when the student passes a threshold.

Each stage is one or more tasks. The teacher samples only the current stage's tasks; once it has seen at
least ``min_episodes`` finished episodes on them it compares their mean success with the stage's
threshold, advances on a pass and starts a new window either way (so early failures do not hold a
student back for ever). The last stage never ends. Everything is arrays, so it runs under ``jit``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
from flax import struct

from envgen.tasks.task import Task, index_tasks
from envgen.teachers.base import TaskStats, Teacher, fresh_levels


class SequenceState(struct.PyTreeNode):
    """The current stage, the running window of results on it, and which task each slot got."""

    stage: jax.Array        # int32
    window_episodes: jax.Array
    window_successes: jax.Array
    task_ids: jax.Array     # [n] index into the flattened stage tasks
    advanced_at: jax.Array  # [S] chunk at which each stage was reached (-1: not yet)
    chunks: jax.Array
    last_window: jax.Array  # success rate of the last full window (what the advancement rule judged)


class SequenceTeacher(Teacher):
    """Stages of tasks with success thresholds (see module docstring).

    ``tasks`` holds every stage's tasks flattened on the leading axis, ``stage_of[i]`` the stage of task
    ``i``; ``thresholds[s]`` and ``min_episodes[s]`` the advancement rule of stage ``s``.
    """

    name = "sequence"

    def __init__(self, env: Any, tasks: Task, stage_of: Any, thresholds: Any, min_episodes: Any,
                 names: list[str] | None = None):
        self.env = env
        self.tasks = tasks
        self.stage_of = jnp.asarray(stage_of, jnp.int32)
        self.thresholds = jnp.asarray(thresholds, jnp.float32)
        self.min_episodes = jnp.asarray(min_episodes, jnp.float32)
        self.num_stages = int(self.thresholds.shape[0])
        self.names = names or [f"stage {s}" for s in range(self.num_stages)]
        present = set(int(s) for s in self.stage_of)
        if present != set(range(self.num_stages)):
            raise ValueError(f"sequence: every stage needs at least one task; stages with tasks: {sorted(present)}")

    def init(self, key: jax.Array, n: int) -> SequenceState:
        advanced = jnp.full((self.num_stages,), -1, jnp.int32).at[0].set(0)
        zero = jnp.zeros((), jnp.float32)
        return SequenceState(stage=jnp.zeros((), jnp.int32), window_episodes=zero, window_successes=zero,
                             task_ids=jnp.zeros((n,), jnp.int32), advanced_at=advanced,
                             chunks=jnp.zeros((), jnp.int32), last_window=zero)

    @partial(jax.jit, static_argnames=("self",))
    def _pick(self, state: SequenceState, key: jax.Array) -> SequenceState:
        current = (self.stage_of == state.stage).astype(jnp.float32)
        ids = jax.random.choice(key, self.stage_of.shape[0], state.task_ids.shape, p=current / current.sum())
        return state.replace(task_ids=ids, chunks=state.chunks + 1)

    def sample(self, state: SequenceState, key: jax.Array) -> tuple[SequenceState, Task]:
        k_pick, k_level = jax.random.split(key)
        state = self._pick(state, k_pick)
        return state, fresh_levels(self.env, k_level, index_tasks(self.tasks, state.task_ids))

    @partial(jax.jit, static_argnames=("self",))
    def update(self, state: SequenceState, tasks: Task, stats: TaskStats) -> SequenceState:
        on_stage = (self.stage_of[state.task_ids] == state.stage).astype(jnp.float32)
        episodes = state.window_episodes + jnp.sum(stats.episodes * on_stage)
        successes = state.window_successes + jnp.sum(stats.success * stats.episodes * on_stage)
        full = episodes >= self.min_episodes[state.stage]
        passed = full & (successes >= self.thresholds[state.stage] * episodes)
        advance = passed & (state.stage < self.num_stages - 1)
        stage = state.stage + advance.astype(jnp.int32)
        advanced_at = jnp.where(advance, state.advanced_at.at[stage].set(state.chunks), state.advanced_at)
        zero = jnp.zeros((), jnp.float32)
        rate = successes / jnp.maximum(episodes, 1.0)
        return state.replace(stage=stage, advanced_at=advanced_at,
                             window_episodes=jnp.where(full, zero, episodes),
                             window_successes=jnp.where(full, zero, successes),
                             last_window=jnp.where(full, rate, state.last_window))

    def summary(self, state: SequenceState) -> dict[str, Any]:
        stage = int(state.stage)
        # a window that just closed was reset to zero: report the rate the rule judged, not an empty window
        episodes = float(state.window_episodes)
        rate = float(state.window_successes) / episodes if episodes else float(state.last_window)
        return {"stage": stage, "stage_name": self.names[stage], "window_success": rate}
