"""``envgen curriculum run``: teacher -> tasks -> student chunk -> stats -> teacher, with logs and resume.

One chunk: the teacher samples a batch of tasks (one per env slot), the student trains on them for
``student.steps`` steps per slot, the per-slot results go back to the teacher. Every chunk appends one
JSON line to ``RUN/log.jsonl`` (sampled tasks, per-slot success, the teacher's numbers); every
``evaluation.every`` chunks the held-out tasks are measured (mean ± std over ``evaluation.seeds``);
every generated config is saved as ``RUN/configs/<hash>.yaml``. Checkpoints (``RUN/checkpoint.msgpack``,
written atomically) hold the teacher state, the student state, the PRNG key and the chunk count, plus
the log length, so a run killed at any point resumes to the same result as an uninterrupted one.
With ``budget.target_chunks`` (EnvGen's protocol) the last chunks train on the targets alone, the teacher
paused; their log lines say ``"phase": "target"``.

Students (:mod:`envgen.teachers.students`): ``ppo`` (issue 9's PPO, one seed) and ``random`` (a
uniform-random policy: the no-learning reference, and cheap for tests).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import serialization

from envgen.tasks.task import Task
from envgen.teachers.base import TaskStats, cycle_tasks
from envgen.teachers.build import build_space, build_teacher, make_env, tasks_for
from envgen.teachers.config import CurriculumConfig
from envgen.teachers.llm import config_hash
from envgen.teachers.simple import FixedTeacher

CHECKPOINT = "checkpoint.msgpack"
HIST_BINS = 10


def build_student(config: CurriculumConfig, env: Any, score: str = "pvl") -> Any:
    """The student the curriculum names (extra ``student:`` keys are PPO settings)."""
    from envgen.teachers.config import CurriculumError
    from envgen.teachers.students import PPOStudent, RandomStudent

    st = config.student
    if st.kind == "random":
        if st.model_extra:
            raise CurriculumError(f"student.{sorted(st.model_extra)[0]}: the random student has no settings")
        return RandomStudent(env, st.num_envs, st.steps)
    try:
        return PPOStudent(env, st.num_envs, st.steps, dict(st.model_extra or {}), score)
    except ValueError as err:
        raise CurriculumError(f"student: {err}") from None


@dataclass
class RunState:
    """Everything a checkpoint holds."""

    chunk: int
    key: jax.Array  # raw key data (uint32)
    teacher: Any
    student: Any
    log_lines: int


def _hist(u: np.ndarray) -> list[list[int]]:
    """Per dimension, the counts of vectors in ``HIST_BINS`` equal bins of [0, 1]."""
    return [np.histogram(u[:, j], bins=HIST_BINS, range=(0.0, 1.0))[0].tolist() for j in range(u.shape[1])]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray | jax.Array):
        return _plain(np.asarray(value).tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None  # JSON has no NaN: a task with no finished episode has no rate
    return value


class CurriculumRun:
    """One curriculum run in a folder (see module docstring)."""

    def __init__(self, config: CurriculumConfig, out: str | Path, provider: Any = None, env: Any = None,
                 student: Any = None):
        """``env`` and ``student``: objects to share between runs of one student config (a comparison
        builds them once, so the student's chunk compiles once for every teacher and seed)."""
        self.config = config
        self.out = Path(out)
        self.env = env if env is not None else make_env(config.family)
        n = config.student.num_envs
        self.n = n
        key = jax.random.key(config.seed)
        self.targets = tasks_for(self.env, config.targets, jax.random.fold_in(key, 1), batch=n)
        heldout = config.evaluation.heldout or config.targets
        self.heldout_names = [Path(h).stem if h.endswith((".yaml", ".yml")) else h for h in heldout]
        self.heldout = tasks_for(self.env, heldout, jax.random.fold_in(key, 2), n=n)
        self.space = build_space(config)
        # built once: a jit of a fresh vmap wrapper every chunk would trace and compile every chunk
        self._vectors = jax.jit(jax.vmap(self.space.from_params)) if self.space is not None else None
        self.teacher = build_teacher(config, self.env, self.targets, self.space, self._save_configs, provider)
        score = getattr(getattr(self.teacher, "config", None), "score", "pvl")
        self.student = student if student is not None else build_student(config, self.env, score)
        # EnvGen's protocol: the budget's last ``target_chunks`` chunks run the targets alone
        self.target_from = config.budget.chunks - config.budget.target_chunks
        self.target_teacher = FixedTeacher(self.env, self.targets) if config.budget.target_chunks else None

    # -- files ---------------------------------------------------------------------------------------
    def _save_configs(self, cycle: int, configs: list[tuple[str, str]]) -> None:
        folder = self.out / "configs"
        folder.mkdir(parents=True, exist_ok=True)
        saved = []
        for name, text in configs:
            path = folder / f"{config_hash(text)}.yaml"
            path.write_text(text)
            saved.append({"name": name, "file": f"configs/{path.name}"})
        self._pending_configs = saved

    def _write_atomic(self, path: Path, data: bytes) -> None:
        tmp = path.with_suffix(path.suffix + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def save(self, rs: RunState) -> None:
        """Write the checkpoint (atomically: a kill leaves the previous one intact)."""
        tree = {"chunk": rs.chunk, "key": rs.key, "teacher": rs.teacher, "student": rs.student,
                "log_lines": rs.log_lines}
        host = getattr(self.teacher, "host_state", lambda: {})()
        self._write_atomic(self.out / "teacher_host.json", json.dumps(host).encode())
        self._write_atomic(self.out / CHECKPOINT, serialization.to_bytes(tree))

    def restore(self, template: RunState) -> RunState:
        """Read the checkpoint into the shapes of ``template``."""
        tree = {"chunk": template.chunk, "key": template.key, "teacher": template.teacher,
                "student": template.student, "log_lines": template.log_lines}
        data = serialization.from_bytes(tree, (self.out / CHECKPOINT).read_bytes())
        data = jax.tree.map(jnp.asarray, data)  # msgpack gives numpy arrays; the teachers use .at
        host_path = self.out / "teacher_host.json"
        if host_path.is_file() and hasattr(self.teacher, "load_host_state"):
            self.teacher.load_host_state(json.loads(host_path.read_text()))
        return RunState(chunk=int(data["chunk"]), key=jnp.asarray(data["key"], jnp.uint32), teacher=data["teacher"],
                        student=data["student"], log_lines=int(data["log_lines"]))

    # -- the loop ------------------------------------------------------------------------------------
    def initial(self) -> RunState:
        key = jax.random.key(self.config.seed)
        k_teacher, k_student, k_loop = jax.random.split(key, 3)
        return RunState(chunk=0, key=jax.random.key_data(k_loop), teacher=self.teacher.init(k_teacher, self.n),
                        student=self.student.init(k_student, cycle_tasks(self.targets, self.n)), log_lines=0)

    def run(self, resume: bool = False, on_chunk: Callable[[int, dict], None] | None = None) -> RunState:
        """Run to the budget (from the checkpoint with ``resume``); returns the final state."""
        self.out.mkdir(parents=True, exist_ok=True)
        rs = self.initial()
        log_path = self.out / "log.jsonl"
        if resume and (self.out / CHECKPOINT).is_file():
            rs = self.restore(rs)
            lines = log_path.read_text().splitlines(keepends=True) if log_path.is_file() else []
            log_path.write_text("".join(lines[: rs.log_lines]))  # drop lines written after the checkpoint
        elif log_path.is_file() and not resume:
            raise FileExistsError(f"{self.out} already holds a run; pass --resume to continue it")
        else:  # a new run, or a resume of one killed before its first checkpoint
            log_path.write_text("")
            (self.out / "curriculum.json").write_text(json.dumps(self.config.model_dump(mode="json"), indent=1))
        budget, cfg = self.config.budget.chunks, self.config
        while rs.chunk < budget:
            key = jax.random.wrap_key_data(rs.key)
            key, k_sample, k_train, k_eval = jax.random.split(key, 4)
            self._pending_configs = []
            if rs.chunk < self.target_from:
                t_state, tasks = self.teacher.sample(rs.teacher, k_sample)
                learn = self.teacher.learns(t_state) if hasattr(self.teacher, "learns") else True
                s_state, stats = self.student.train_chunk(rs.student, k_train, tasks, learn)
                t_state = self.teacher.update(t_state, tasks, stats)
            else:  # the target phase: the teacher is paused (its state kept as it was)
                t_state = rs.teacher
                _, tasks = self.target_teacher.sample(self.target_teacher.init(k_sample, self.n), k_sample)
                s_state, stats = self.student.train_chunk(rs.student, k_train, tasks, True)
            chunk = rs.chunk + 1
            record = self._record(chunk, t_state, tasks, stats)
            if rs.chunk >= self.target_from:
                record["teacher"] = {**record["teacher"], "phase": "target"}
            if chunk % cfg.evaluation.every == 0 or chunk == budget:
                record["eval"] = self._evaluate(s_state, k_eval)
            with open(log_path, "a") as f:
                f.write(json.dumps(_plain(record)) + "\n")
            rs = RunState(chunk=chunk, key=jax.random.key_data(key), teacher=t_state, student=s_state,
                          log_lines=rs.log_lines + 1)
            if chunk % cfg.checkpoint_every == 0 or chunk == budget:
                self.save(rs)
            if on_chunk is not None:
                on_chunk(chunk, record)
        return rs

    def _record(self, chunk: int, t_state: Any, tasks: Task, stats: TaskStats) -> dict[str, Any]:
        episodes = np.asarray(stats.episodes)
        success = np.asarray(stats.success)
        record: dict[str, Any] = {
            "chunk": chunk,
            "teacher": self.teacher.summary(t_state),
            "episodes": episodes.tolist(),
            "success": np.round(success, 4).tolist(),
            "mean_success": float((success * episodes).sum() / max(episodes.sum(), 1.0)),
            "score": np.round(np.asarray(stats.score), 4).tolist(),
        }
        if self.space is not None:
            u = np.asarray(self._vectors(tasks.params))
            record["tasks_u"] = np.round(u, 3).tolist()
            record["sampled_hist"] = _hist(u)
            buf = getattr(t_state, "buffer", None)
            if buf is not None and int(buf.size):
                size = int(buf.size)
                bu = np.asarray(self._vectors(buf.tasks.params))[:size]
                record["buffer_hist"] = _hist(bu)
        if np.asarray(stats.achievements).shape[1]:
            record["achievements"] = np.round(np.asarray(stats.achievements).mean(0), 4).tolist()
        if self._pending_configs:
            record["configs"] = self._pending_configs
        return record

    def _evaluate(self, s_state: Any, key: jax.Array) -> dict[str, Any]:
        cfg = self.config.evaluation
        per_seed, skills = [], []
        for k in jax.random.split(key, cfg.seeds):
            stats = self.student.evaluate(s_state, k, self.heldout, cfg.steps)
            per_seed.append(self._per_task(stats, np.asarray(stats.success)))
            ach = np.asarray(stats.achievements)
            if ach.shape[1]:  # Crafter: per task, the fraction of finished episodes unlocking each skill
                skills.append(np.stack([self._per_task(stats, ach[:, j]) for j in range(ach.shape[1])], -1))
        mean, std = _mean_std(np.array(per_seed))  # [seeds, tasks]; NaN where no episode finished
        out = {"tasks": self.heldout_names, "mean": np.round(mean, 4).tolist(), "std": np.round(std, 4).tolist()}
        if skills:
            out["achievements"] = np.round(_mean_std(np.array(skills))[0], 4).tolist()  # [tasks, K]
        return out

    def _per_task(self, stats: TaskStats, values: np.ndarray) -> np.ndarray:
        """Per held-out task, the episode-weighted mean of a per-slot value (NaN: no finished episode)."""
        owner = np.arange(self.n) % len(self.heldout_names)  # held-out tasks are cycled over the slots
        eps = np.asarray(stats.episodes)
        num = np.bincount(owner, values * eps, len(self.heldout_names))
        den = np.bincount(owner, eps, len(self.heldout_names))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / den, np.nan)


def _mean_std(rates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std over the first (evaluation seed) axis, ignoring NaN; NaN where every seed is NaN."""
    seen = np.isfinite(rates)
    count = np.maximum(seen.sum(0), 1)
    mean = np.where(seen, rates, 0.0).sum(0) / count
    std = np.sqrt(np.where(seen, (rates - mean) ** 2, 0.0).sum(0) / count)
    return tuple(np.where(seen.any(0), x, np.nan) for x in (mean, std))

