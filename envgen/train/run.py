"""The outer training loop: chunks, task sampling, logging, checkpoints, evaluation and exact resume.

Everything jitted lives in :mod:`envgen.train.ppo`; this module is plain Python between chunks, so the
curriculum loop (:mod:`envgen.teachers.loop`) reuses :class:`Student` and swaps the task source or drives
the chunks itself.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp

from envgen.train.checkpoint import Checkpointer
from envgen.train.config import PPOConfig
from envgen.train.evaluation import make_evaluator, summarise
from envgen.train.logs import MetricsLog, TensorBoardLog, chunk_rows
from envgen.train.ppo import PPO, ChunkMetrics
from envgen.train.tasks import TaskSource


@dataclass
class Student:
    """PPO over ``seeds`` independent seeds (vmapped) on batches of tasks from ``sample_tasks``.

    ``state`` is ``{"runner": RunnerState [S, ...], "tasks": tasks [S, B, ...]}``: everything a chunk needs
    and everything a checkpoint holds. ``shard`` (see :mod:`envgen.train.sharding`) places it on devices.
    """

    env: Any
    config: PPOConfig
    sample_tasks: TaskSource
    seeds: int = 1
    seed: int = 0
    shard: Callable[[Any], Any] | None = None
    ppo: PPO = field(init=False)

    def __post_init__(self) -> None:
        if self.seeds < 1:
            raise ValueError(f"seeds must be >= 1, got {self.seeds}")
        self.ppo = PPO(self.env, self.config)
        self.key = jax.random.key(self.seed)

    def tasks_for(self, chunk: int) -> Any:
        """The task batch of every seed for ``chunk`` (deterministic in seed and chunk)."""
        key = jax.random.fold_in(self.key, chunk)
        per_seed = [self.sample_tasks(jax.random.fold_in(key, s), self.config.num_envs) for s in range(self.seeds)]
        return jax.tree.map(lambda *xs: jnp.stack(xs), *per_seed)

    def initial_state(self) -> dict[str, Any]:
        """Fresh runners for every seed on the first chunk's tasks."""
        tasks = self.tasks_for(0)
        keys = jax.random.split(jax.random.fold_in(self.key, 2**31 - 1), self.seeds)
        state = {"runner": self.ppo.init_seeds(keys, tasks), "tasks": tasks}
        return self.shard(state) if self.shard else state

    def run_chunk(self, state: dict[str, Any], tasks: Any | None = None) -> tuple[dict[str, Any], ChunkMetrics]:
        """One jitted chunk for every seed; ``tasks`` (if given) replace the current ones first."""
        if tasks is not None:
            self.ppo.check_tasks(tasks)
            state = {**state, "tasks": tasks}
            if self.shard:
                state = self.shard(state)
        runner, metrics = self.ppo.chunk(state["runner"], state["tasks"])
        return {"runner": runner, "tasks": state["tasks"]}, metrics

    def network_params(self, state: dict[str, Any], seed: int = 0) -> Any:
        """One seed's network parameters."""
        return jax.tree.map(lambda x: x[seed], state["runner"].train.params)


@dataclass
class EvalPlan:
    """Held-out evaluation: ``tasks`` (a batch, one episode per entry), their names, the horizon."""

    tasks: Any
    names: list[str]
    horizon: int
    every: int = 0  # chunks between evaluations (0: only at the end)


def num_chunks(steps: int, config: PPOConfig) -> int:
    """Chunks needed for ``steps`` env steps per seed (rounded up)."""
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    return math.ceil(steps / config.steps_per_chunk)


def train(student: Student, steps: int, out: str | Path, *, resume: bool = False, checkpoint_every: int = 1,
          evaluation: EvalPlan | None = None, on_chunk: Callable[[int, int, list[dict]], None] | None = None,
          run_info: dict[str, Any] | None = None) -> dict[str, Any]:
    """Train ``student`` for ``steps`` env steps per seed, writing ``out/metrics.jsonl`` and checkpoints.

    With ``resume``, continues from the newest checkpoint; rows already in the metrics file are kept
    and not written again (they are identical: the run is deterministic from its checkpoint).
    Returns the final evaluation summary per seed (``{"seeds": [...]}``; empty without ``evaluation``).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    info_file = out / "train.json"
    info = {"config": student.config.to_dict(), "seeds": student.seeds, "seed": student.seed, "steps": steps,
            **(run_info or {})}
    if resume and info_file.exists():
        saved = json.loads(info_file.read_text())
        if saved.get("config") != info["config"] or saved.get("seeds") != info["seeds"]:
            raise ValueError(f"{out}: --resume with different settings than the run was started with "
                             f"(see {info_file})")
    elif not resume and (out / "checkpoints").exists() and any((out / "checkpoints").iterdir()):
        raise ValueError(f"{out} already holds a run; pass --resume to continue it or choose another --out")
    info_file.write_text(json.dumps(info, indent=2, sort_keys=True))

    total = num_chunks(steps, student.config)
    ckpt = Checkpointer(out / "checkpoints")
    log = MetricsLog(out / "metrics.jsonl")
    board = TensorBoardLog(out / "tensorboard")
    logged = {(r["kind"], r["chunk"], r["seed"]) for r in log.rows()}
    state = student.initial_state()
    start = 0
    if resume and ckpt.latest() is not None:
        start = ckpt.latest()
        state = ckpt.restore(start, state)
        state = student.shard(state) if student.shard else jax.tree.map(jnp.asarray, state)
    evaluate = make_evaluator(student.ppo, evaluation.horizon) if evaluation else None

    def write(rows: list[dict]) -> None:
        for row in rows:
            if (row["kind"], row["chunk"], row["seed"]) not in logged:
                log.write(row)
                board.write(row)

    summaries: list[dict] = []
    for chunk in range(start, total):
        t0 = time.perf_counter()
        tasks = student.tasks_for(chunk) if chunk else None
        state, metrics = student.run_chunk(state, tasks)
        jax.block_until_ready(metrics)
        wall = time.perf_counter() - t0
        done_steps = (chunk + 1) * student.config.steps_per_chunk
        rows = chunk_rows(metrics, chunk + 1, done_steps)
        for row in rows:
            row.update(wall_s=wall, steps_per_s=student.config.steps_per_chunk * student.seeds / wall)
        last = chunk + 1 == total
        if evaluate and (last or (evaluation.every and (chunk + 1) % evaluation.every == 0)):
            summaries = evaluate_seeds(student, state, evaluate, evaluation, chunk + 1)
            rows += [{"kind": "eval", "chunk": chunk + 1, "seed": s, "steps": done_steps, **summ}
                     for s, summ in enumerate(summaries)]
        write(rows)
        if (chunk + 1) % checkpoint_every == 0 or last:
            ckpt.save(chunk + 1, state)
        if on_chunk:
            on_chunk(chunk + 1, total, rows)
    if not summaries and evaluate and start == total:
        summaries = evaluate_seeds(student, state, evaluate, evaluation, total)
    log.close()
    board.close()
    ckpt.close()
    return {"seeds": summaries, "state": state}


def evaluate_seeds(student: Student, state: dict, evaluate, plan: EvalPlan, chunk: int) -> list[dict]:
    """Evaluate every seed's policy on the held-out tasks (keys fixed per chunk and seed)."""
    out = []
    for s in range(student.seeds):
        key = jax.random.fold_in(jax.random.fold_in(jax.random.key(student.seed + 1), chunk), s)
        out.append(summarise(evaluate(student.network_params(state, s), plan.tasks, key), plan.names))
    return out
