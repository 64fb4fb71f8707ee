"""``envgen curriculum run``: teacher -> tasks -> student chunk -> stats -> teacher, with logs and resume.

One chunk: the teacher samples a batch of tasks (one per env slot), the student trains on them for
``student.steps`` steps per slot, the per-slot results go back to the teacher. Every chunk appends one
JSON line to ``RUN/log.jsonl`` (sampled tasks, per-slot success, the teacher's numbers); every
``evaluation.every`` chunks the held-out tasks are measured (mean ± std over ``evaluation.seeds``);
every generated config is saved as ``RUN/configs/<hash>.yaml``. Checkpoints (orbax, ``RUN/checkpoints/``,
written atomically) hold the teacher state, the student state, the PRNG key and the chunk count, plus
the log length and the teacher's host-side JSON, so a run killed at any point resumes to the same result
as an uninterrupted one.
With ``budget.target_chunks`` (EnvGen's protocol) the last chunks train on the targets alone, the teacher
paused; their log lines say ``"phase": "target"``.

The loop is split into per-chunk phases (:meth:`CurriculumRun.plan`: the teacher picks the tasks;
the student trains; :meth:`CurriculumRun.conclude`: stats back to the teacher, log line; checkpoint),
driven by :func:`run_lockstep`, which advances several runs (a comparison's seeds of one teacher) with
one seed-vmapped student chunk; a single run is a group of one.

Students (:mod:`envgen.teachers.students`): ``ppo`` (:mod:`envgen.train`'s PPO) and ``random`` (a
uniform-random policy: the no-learning reference, and cheap for tests), both vmapped over seeds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from envgen.tasks.task import Task, stack_tasks
from envgen.tasks.task import index_tasks as seed_slice
from envgen.teachers.base import TaskStats, cycle_tasks
from envgen.teachers.build import build_space, build_teacher, make_env, tasks_for
from envgen.teachers.config import CurriculumConfig
from envgen.teachers.llm import config_hash
from envgen.teachers.simple import FixedTeacher
from envgen.train.checkpoint import Checkpointer

CHECKPOINTS = "checkpoints"
LEGACY_CHECKPOINT = "checkpoint.msgpack"  # written by envgen before orbax checkpoints; not readable now
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


@dataclass
class ChunkPlan:
    """One run's chunk between its phases: the keys drawn, the tasks picked, what the loop does next."""

    key: jax.Array      # the run's loop key after this chunk (raw key data)
    k_train: jax.Array
    k_eval: jax.Array
    teacher: Any        # the teacher state after sampling (unchanged in the target phase)
    tasks: Task         # [n] one task per env slot
    learn: bool         # False: the student trains but keeps its network (robust PLR's new levels)
    fresh: bool         # later episodes start on new levels of each slot's task (False: replay the level)
    target: bool        # a chunk of the target phase
    evaluate: bool      # this chunk ends with a held-out evaluation


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
        self.score = str(getattr(getattr(self.teacher, "config", None), "score", "pvl"))
        self.student = student if student is not None else build_student(config, self.env, self.score)
        # EnvGen's protocol: the budget's last ``target_chunks`` chunks run the targets alone
        self.target_from = config.budget.chunks - config.budget.target_chunks
        self.target_teacher = FixedTeacher(self.env, self.targets) if config.budget.target_chunks else None
        self._checkpointer: Checkpointer | None = None

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

    @property
    def checkpoints(self) -> Checkpointer:
        if self._checkpointer is None:
            self._checkpointer = Checkpointer(self.out / CHECKPOINTS)
        return self._checkpointer

    def save(self, rs: RunState) -> None:
        """Write the checkpoint of chunk ``rs.chunk`` (atomically: a kill leaves the previous one intact). The
        teacher's host-side state (the LLM teacher's previous configs) is saved in the same step."""
        tree = {"key": rs.key, "teacher": rs.teacher, "student": rs.student, "log_lines": rs.log_lines}
        self.checkpoints.save(rs.chunk, tree, meta={"teacher_host": getattr(self.teacher, "host_state", dict)()})

    def restore(self, template: RunState) -> RunState:
        """The newest checkpoint, in the shapes of ``template``."""
        chunk = self.checkpoints.latest()
        tree = {"key": template.key, "teacher": template.teacher, "student": template.student,
                "log_lines": template.log_lines}
        data = jax.tree.map(jnp.asarray, self.checkpoints.restore(chunk, tree))  # the teachers use .at
        if hasattr(self.teacher, "load_host_state"):
            self.teacher.load_host_state(self.checkpoints.meta(chunk)["teacher_host"])
        return RunState(chunk=int(chunk), key=jnp.asarray(data["key"], jnp.uint32), teacher=data["teacher"],
                        student=data["student"], log_lines=int(data["log_lines"]))

    # -- the loop, in phases (shared with :func:`run_lockstep`) ----------------------------------------
    def initial(self) -> RunState:
        key = jax.random.key(self.config.seed)
        k_teacher, k_student, k_loop = jax.random.split(key, 3)
        return RunState(chunk=0, key=jax.random.key_data(k_loop), teacher=self.teacher.init(k_teacher, self.n),
                        student=self.student.init(k_student, cycle_tasks(self.targets, self.n)), log_lines=0)

    def begin(self, resume: bool = False) -> RunState:
        """Prepare the folder; the initial state, or with ``resume`` the checkpoint's (if there is one)."""
        self.out.mkdir(parents=True, exist_ok=True)
        rs = self.initial()
        log_path = self.out / "log.jsonl"
        if resume and (self.out / LEGACY_CHECKPOINT).is_file() and not (self.out / CHECKPOINTS).is_dir():
            raise FileExistsError(f"{self.out / LEGACY_CHECKPOINT} was written by an older envgen (flax msgpack); this "
                                  "version resumes orbax checkpoints only: start the run again in a new folder")
        if resume and (self.out / CHECKPOINTS).is_dir() and self.checkpoints.latest() is not None:
            rs = self.restore(rs)
            lines = log_path.read_text().splitlines(keepends=True) if log_path.is_file() else []
            log_path.write_text("".join(lines[: rs.log_lines]))  # drop lines written after the checkpoint
        elif log_path.is_file() and not resume:
            raise FileExistsError(f"{self.out} already holds a run; pass --resume to continue it")
        else:  # a new run, or a resume of one killed before its first checkpoint
            log_path.write_text("")
            (self.out / "curriculum.json").write_text(json.dumps(self.config.model_dump(mode="json"), indent=1))
        return rs

    def finished(self, rs: RunState) -> bool:
        return rs.chunk >= self.config.budget.chunks

    def plan(self, rs: RunState) -> ChunkPlan:
        """Draw the chunk's keys and let the teacher (or, in the target phase, the targets) pick its tasks."""
        key = jax.random.wrap_key_data(rs.key)
        key, k_sample, k_train, k_eval = jax.random.split(key, 4)
        self._pending_configs = []
        target = rs.chunk >= self.target_from
        if not target:
            t_state, tasks = self.teacher.sample(rs.teacher, k_sample)
            learn = self.teacher.learns(t_state) if hasattr(self.teacher, "learns") else True
        else:  # the target phase: the teacher is paused (its state kept as it was)
            t_state, learn = rs.teacher, True
            _, tasks = self.target_teacher.sample(self.target_teacher.init(k_sample, self.n), k_sample)
        chunk = rs.chunk + 1
        evaluate = chunk % self.config.evaluation.every == 0 or chunk == self.config.budget.chunks
        fresh = target or bool(getattr(self.teacher, "refresh_levels", True))
        return ChunkPlan(key=jax.random.key_data(key), k_train=k_train, k_eval=k_eval, teacher=t_state,
                         tasks=tasks, learn=bool(learn), fresh=fresh, target=target, evaluate=evaluate)

    def eval_keys(self, plan: ChunkPlan) -> jax.Array:
        """One key per evaluation seed."""
        return jax.random.split(plan.k_eval, self.config.evaluation.seeds)

    def conclude(self, rs: RunState, plan: ChunkPlan, stats: TaskStats,
                 evals: list[TaskStats] | None) -> tuple[RunState, dict[str, Any]]:
        """Hand the chunk's stats to the teacher and append the log line (with ``evals``, one rollout per
        evaluation key, when the plan evaluates). The returned state has no student: the caller holds it."""
        t_state = plan.teacher if plan.target else self.teacher.update(plan.teacher, plan.tasks, stats)
        chunk = rs.chunk + 1
        record = self._record(chunk, t_state, plan.tasks, stats)
        if plan.target:
            record["teacher"] = {**record["teacher"], "phase": "target"}
        if plan.evaluate:
            record["eval"] = self._eval_record(evals)
        with open(self.out / "log.jsonl", "a") as f:
            f.write(json.dumps(_plain(record)) + "\n")
        return RunState(chunk=chunk, key=plan.key, teacher=t_state, student=None,
                        log_lines=rs.log_lines + 1), record

    def checkpoint_due(self, rs: RunState) -> bool:
        return rs.chunk % self.config.checkpoint_every == 0 or self.finished(rs)

    def run(self, resume: bool = False, on_chunk: Callable[[int, dict], None] | None = None) -> RunState:
        """Run to the budget (from the checkpoint with ``resume``); returns the final state."""
        report = None if on_chunk is None else lambda step: [on_chunk(c, r) for _, c, r in step]
        return run_lockstep([self], [self.begin(resume)], on_step=report)[0]

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
            "wraps": int(np.asarray(stats.wraps).sum()),
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

    def _eval_record(self, evals: list[TaskStats]) -> dict[str, Any]:
        """The log's ``eval`` entry from one evaluation rollout per evaluation key."""
        per_seed, skills = [], []
        for stats in evals:
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


def run_lockstep(runs: list[CurriculumRun], states: list[RunState], width: int | None = None,
                 on_step: Callable[[list[tuple[int, int, dict]]], None] | None = None) -> list[RunState]:
    """Advance ``runs`` (from ``states``, see :meth:`CurriculumRun.begin`) to their budgets in lockstep.

    Every step, each unfinished run's teacher picks its tasks on the host (:meth:`CurriculumRun.plan`),
    the task batches are stacked on a leading seed axis and ONE call of the student's compiled,
    seed-vmapped chunk trains every run's student; evaluation is one vmapped rollout per evaluation key;
    then each run's stats go back to its own teacher and log (:meth:`CurriculumRun.conclude`) and its
    checkpoint is written when due. The runs share one student object and never mix: each run's numbers
    are those of running it alone. ``width`` (at least ``len(runs)``) fixes the seed axis, so groups of
    different sizes share one compiled chunk; spare lanes (and the lanes of runs already finished, e.g.
    after an uneven resume) repeat another run's inputs and their results are dropped.
    ``on_step([(run index, chunk, record), ...])`` is called once per step. Returns the final states.
    """
    width = len(runs) if width is None else width
    student = runs[0].student
    ev = runs[0].config.evaluation
    if width < len(runs) or not runs:
        raise ValueError(f"width = {width}: needs at least one run and room for all {len(runs)}")
    if any(r.student is not student or r.config.evaluation != ev or r.n != runs[0].n or r.score != runs[0].score
           for r in runs):
        raise ValueError("runs in lockstep share one student, slot count, PLR score and evaluation settings")
    pad = lambda items: items + [items[0]] * (width - len(items))  # noqa: E731
    batch = student.stack(pad([rs.student for rs in states]))
    heldout = stack_tasks(pad([r.heldout for r in runs]))
    final = {i: rs for i, rs in enumerate(states) if runs[i].finished(rs)}
    states = [replace(rs, student=None) for rs in states]  # the batch holds the students from here on
    while len(final) < len(runs):
        plans = {i: runs[i].plan(rs) for i, rs in enumerate(states) if i not in final}
        lane = pad([plans.get(i) or next(iter(plans.values())) for i in range(len(runs))])
        batch, stats = student.train_seeds(batch, jnp.stack([p.k_train for p in lane]),
                                           stack_tasks([p.tasks for p in lane]), [p.learn for p in lane],
                                           runs[0].score, [p.fresh for p in lane])
        evals: list[TaskStats] = []
        if any(p.evaluate for p in plans.values()):
            keys = jnp.stack([runs[0].eval_keys(p) for p in lane])  # [width, evaluation seeds]
            evals = [student.evaluate_seeds(batch, keys[:, j], heldout, ev.steps) for j in range(ev.seeds)]
        step = []
        for i, p in plans.items():
            rs, record = runs[i].conclude(states[i], p, seed_slice(stats, i),
                                          [seed_slice(e, i) for e in evals] if p.evaluate else None)
            states[i] = rs
            if runs[i].checkpoint_due(rs):
                rs = replace(rs, student=student.unstack(batch, i))
                runs[i].save(rs)
            if runs[i].finished(rs):
                final[i] = rs if rs.student is not None else replace(rs, student=student.unstack(batch, i))
            step.append((i, rs.chunk, record))
        if on_step is not None:
            on_step(step)
    return [final[i] for i in range(len(runs))]
