"""``envgen compare``: every teacher x seed as a curriculum run, then one results file and its report.

Layout of the output folder::

    DIR/comparison.json              the resolved comparison (a resume refuses a changed one)
    DIR/runs/<teacher>/seed<S>/      an ordinary curriculum run folder (log.jsonl, checkpoint, configs/)
                                     plus timing.json (seconds per chunk) and, once finished, done
    DIR/results.json, report.md, *.png

Runs go teacher by teacher, and the seeds of a teacher run in lockstep
(:func:`~envgen.teachers.loop.run_lockstep`): each chunk, every seed's teacher picks its tasks on the
host as in a single run, the task batches are stacked on a seed axis, one call of the student's
compiled, seed-vmapped chunk trains every seed, and each seed's stats go back to its own teacher;
evaluation is vmapped over seeds too. Every (teacher, seed) pair is still its own curriculum run
(:class:`CurriculumRun`) with its own folder, log and checkpoints, and its numbers are those of running it
alone. The seed axis is always the comparison's seed count (a resumed teacher with some seeds finished
pads the missing lanes), and the env and the student are shared by every run, so the student's chunk
compiles once per comparison. ``lockstep=False`` (``--sequential``) runs one pair at a time instead,
seed by seed. A run killed at any point resumes exactly from its checkpoint, even when the seeds of a
group were checkpointed at different chunks; the results are read back from the run logs, never from
memory, which is why a resumed comparison ends with the same numbers as an uninterrupted one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from envgen.compare.config import ComparisonConfig
from envgen.io import write_text_atomic

DONE = "done"
TIMING = "timing.json"


def run_dir(out: Path, label: str, seed: int) -> Path:
    """The curriculum run folder of one (teacher, seed) pair."""
    return Path(out) / "runs" / label / f"seed{seed}"


class Comparison:
    """Runs a :class:`ComparisonConfig` into a folder and collects its results (see module docstring).

    ``lockstep`` (the default) runs the seeds of each teacher together, their students vmapped over
    seeds; ``lockstep=False`` runs every (teacher, seed) pair alone, seed by seed (the results are the
    same within float tolerance).
    """

    def __init__(self, config: ComparisonConfig, out: str | Path, provider: Any = None, lockstep: bool = True):
        self.config = config
        self.out = Path(out)
        self.provider = provider
        self.lockstep = lockstep
        self._env = None
        self.student: Any = None  # built on first use, then shared by every run

    # -- bookkeeping ---------------------------------------------------------------------------------
    def groups(self) -> list[tuple[str, list[int]]]:
        """The runs in the order they are run, as (teacher, seeds run together): in lockstep a teacher's
        seeds, teacher by teacher; sequentially one run at a time, seed by seed."""
        if self.lockstep:
            return [(label, list(self.config.seeds)) for label in self.config.teachers]
        return [(label, [seed]) for seed in self.config.seeds for label in self.config.teachers]

    def pairs(self) -> list[tuple[str, int]]:
        """Every (teacher, seed) run in the order they are run."""
        return [(label, seed) for label, seeds in self.groups() for seed in seeds]

    def is_done(self, label: str, seed: int) -> bool:
        return (run_dir(self.out, label, seed) / DONE).is_file()

    def _prepare(self, resume: bool) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        saved = self.out / "comparison.json"
        text = json.dumps(self.config.model_dump(mode="json"), indent=1, sort_keys=True)
        if saved.is_file():
            if not resume:
                raise FileExistsError(f"{self.out} already holds a comparison; pass --resume to continue it")
            if json.loads(saved.read_text()) != json.loads(text):
                raise ValueError(f"{saved}: the comparison file changed since this folder was started; "
                                 "use a new --out folder")
        else:
            write_text_atomic(saved, text)

    def _curriculum_run(self, label: str, seed: int) -> Any:
        """The (teacher, seed) pair's curriculum run, on the env and student every run shares (the
        student's chunk compiles once per comparison; each run asks for its teacher's PLR score)."""
        from envgen.teachers.build import make_env
        from envgen.teachers.loop import CurriculumRun, build_student

        curriculum = self.config.curriculum(label, seed)
        if self._env is None:
            self._env = make_env(self.config.family)
        if self.student is None:
            self.student = build_student(curriculum, self._env)
        return CurriculumRun(curriculum, run_dir(self.out, label, seed), provider=self.provider, env=self._env,
                             student=self.student)

    # -- running -------------------------------------------------------------------------------------
    def run(self, resume: bool = False, on_start: Callable[[str, list[int], int], None] | None = None,
            on_chunk: Callable[[str, int, int, dict], None] | None = None,
            stop_after: int | None = None) -> dict[str, Any]:
        """Run every unfinished (teacher, seed) pair, then return the results of the finished ones.

        ``on_start(label, seeds, chunk)`` (once per group, ``chunk`` the furthest-behind run's) and
        ``on_chunk(label, seed, chunk, record)`` report progress; ``stop_after`` ends after that many
        groups (see :meth:`groups`) were started by this call (for tests of resume).
        """
        self._prepare(resume)
        width = len(self.config.seeds) if self.lockstep else 1  # one seed-axis size: one compiled chunk
        started = 0
        for label, seeds in self.groups():
            todo = [s for s in seeds if not self.is_done(label, s)]
            if not todo:
                continue
            if stop_after is not None and started >= stop_after:
                break
            started += 1
            self._run_group(label, todo, width, on_start, on_chunk)
        return self.results()

    def _run_group(self, label: str, seeds: list[int], width: int, on_start: Callable | None,
                   on_chunk: Callable | None) -> None:
        """One teacher's ``seeds`` in lockstep (:func:`run_lockstep`), each from its own checkpoint.

        timing.json gets each run's share of the group's time: the setup and every chunk's seconds
        divided by the runs that advanced together.
        """
        from envgen import provenance
        from envgen.teachers.loop import run_lockstep

        setup_start = time.perf_counter()
        started = {"commit": provenance.commit(), "load_start": provenance.load()}
        runs = [self._curriculum_run(label, seed) for seed in seeds]
        states = [r.begin(resume=True) for r in runs]
        setup = (time.perf_counter() - setup_start) / len(runs)
        timings = []
        for r in runs:
            timing = _read_json(r.out / TIMING, {})
            timing.update(setup=setup, lockstep=len(runs), **started)  # the latest start's (a resume pays it again)
            write_text_atomic(r.out / TIMING, json.dumps(timing))
            timings.append(timing)
        if on_start is not None:
            on_start(label, seeds, min(rs.chunk for rs in states))
        tick = [time.perf_counter()]

        def step_done(step: list[tuple[int, int, dict]]) -> None:
            now = time.perf_counter()
            share = (now - tick[0]) / len(step)
            tick[0] = now
            for i, chunk, _ in step:
                timings[i][str(chunk)] = share
                write_text_atomic(runs[i].out / TIMING, json.dumps(timings[i]))
                if chunk >= runs[i].config.budget.chunks:
                    write_text_atomic(runs[i].out / DONE, "")
            if on_chunk is not None:
                for i, chunk, record in step:
                    on_chunk(label, seeds[i], chunk, record)

        run_lockstep(runs, states, width=width, on_step=step_done)
        for r, timing in zip(runs, timings, strict=True):  # also the runs a resume found already at their budget
            write_text_atomic(r.out / TIMING, json.dumps({**timing, "load_end": provenance.load()}))
            write_text_atomic(r.out / DONE, "")

    # -- results -------------------------------------------------------------------------------------
    def results(self) -> dict[str, Any]:
        """The results mapping of :mod:`envgen.compare.report`, from the logs of the finished runs."""
        from envgen import provenance

        cfg = self.config
        targets = [_task_name(t) for t in cfg.targets]
        heldout = [t for t in (_task_name(h) for h in cfg.eval_tasks()) if t not in targets]
        crafter = cfg.family == "crafter"
        steps_per_chunk = cfg.student.num_envs * cfg.student.steps
        teachers: dict[str, Any] = {}
        for label in cfg.teachers:
            seeds = [s for s in cfg.seeds if self.is_done(label, s)]
            if not seeds:
                continue
            runs = [self._read_run(label, s, targets, crafter) for s in seeds]
            curve_steps = [c * steps_per_chunk for c in runs[0]["eval_chunks"]]
            entry: dict[str, Any] = {
                "seeds": seeds,
                "kind": cfg.teachers[label].get("kind"),
                "curve": {"steps": curve_steps, "values": [r["curve"] for r in runs]},
                "final": {"tasks": ["Crafter score"] if crafter else targets,
                          "scores": [r["final"] for r in runs]},
                # the median run: the comparison's first run also pays the compiles every later run reuses
                "wall_clock_per_seed": [r["wall_s"] for r in runs],
                "wall_clock_s": float(np.median([r["wall_s"] for r in runs])),
                "steps_per_s": float(cfg.steps_per_run / max(np.median([r["wall_s"] for r in runs]), 1e-9)),
                "curriculum": _curriculum_summary(runs, cfg.budget.target_chunks),
                "provenance": _provenance(runs),
            }
            space = cfg.curriculum(label, seeds[0]).space
            if "mean_u" in entry["curriculum"] and space is not None and space.dims:
                entry["curriculum"]["dims"] = list(space.dims)
            if heldout:
                entry["heldout"] = {"tasks": heldout, "scores": [r["heldout"] for r in runs]}
            entry["skills"] = {"names": runs[0]["skill_names"], "rates": [r["skills"] for r in runs]}
            teachers[label] = entry
        return {
            "name": cfg.name, "family": cfg.family, "target": ", ".join(targets),
            "metric": "Crafter score" if crafter else "success", "total_steps": cfg.steps_per_run,
            "threshold": cfg.threshold if cfg.threshold is not None else (None if crafter else 0.5),
            "baselines": list(cfg.baselines), "seeds": list(cfg.seeds), "teachers": teachers,
            "comparison": cfg.model_dump(mode="json"),
            "machine": provenance.cpu(),
        }

    def _read_run(self, label: str, seed: int, targets: list[str], crafter: bool) -> dict[str, Any]:
        folder = run_dir(self.out, label, seed)
        log = [json.loads(line) for line in (folder / "log.jsonl").read_text().splitlines()]
        evals = [r for r in log if "eval" in r]
        names = evals[-1]["eval"]["tasks"]
        idx = [names.index(t) for t in targets]

        def target_value(ev: dict) -> float:
            if crafter:
                return _crafter_score(ev, idx)
            return float(np.mean([_rate(ev["mean"][i]) for i in idx]))

        last = evals[-1]["eval"]
        heldout = [_rate(last["mean"][i]) for i in range(len(names)) if i not in idx]
        if crafter:
            from envgen.envs.crafter.constants import ACHIEVEMENTS

            skill_names = [*ACHIEVEMENTS]
            skills = np.nan_to_num(np.asarray(last["achievements"], np.float64)[idx].mean(0)).tolist()
        else:
            skill_names = list(names)
            skills = [_rate(x) for x in last["mean"]]
        timing = _read_json(folder / TIMING, {})
        timing = timing if isinstance(timing, dict) else {}
        wall = timing.get("setup", 0.0) + float(sum(timing.get(str(c), 0.0) for c in range(1, len(log) + 1)))
        return {"eval_chunks": [r["chunk"] for r in evals], "curve": [target_value(r["eval"]) for r in evals],
                "final": [target_value(last)] if crafter else [_rate(last["mean"][i]) for i in idx],
                "heldout": heldout, "skills": skills, "skill_names": skill_names, "wall_s": wall, "log": log,
                "timing": timing}


def _provenance(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The commits the runs were made with and the load averages at their starts and ends."""
    commits = sorted({str(r["timing"].get("commit", "not recorded")) for r in runs})
    loads = [float(r["timing"][k]) for r in runs for k in ("load_start", "load_end")
             if isinstance(r["timing"].get(k), int | float)]
    return {"commits": commits, "load": [min(loads), max(loads)] if loads else None}


def _task_name(name: str) -> str:
    return Path(name).stem if name.endswith((".yaml", ".yml")) else name


def _rate(x: Any) -> float:
    """A logged success rate; None (no episode finished within the evaluation horizon) counts as 0."""
    return 0.0 if x is None else float(x)


def _crafter_score(ev: dict, idx: list[int]) -> float:
    from envgen.train.evaluation import crafter_score

    rates = np.nan_to_num(np.asarray(ev["achievements"], np.float64)[idx].mean(0))
    return crafter_score(100.0 * rates)


def _read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return default


def _curriculum_summary(runs: list[dict[str, Any]], target_chunks: int) -> dict[str, Any]:
    """What the teacher made the student train on, from the run logs (all seeds together)."""
    logs = [r["log"] for r in runs]
    teacher_phase = [[rec for rec in log if rec["teacher"].get("phase") != "target"] for log in logs]
    parts = []
    kinds: dict[str, int] = {}
    for log in teacher_phase:
        for rec in log:
            if "kind" in rec["teacher"]:
                kinds[rec["teacher"]["kind"]] = kinds.get(rec["teacher"]["kind"], 0) + 1
    if kinds:
        parts.append("chunks by kind " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    out: dict[str, Any] = {}
    if all(log and "tasks_u" in log[0] for log in teacher_phase):
        # mean sampled vector per chunk, averaged over seeds: [chunks, dims]
        length = min(len(log) for log in teacher_phase)
        mean_u = np.mean([[np.mean(rec["tasks_u"], axis=0) for rec in log[:length]] for log in teacher_phase],
                         axis=0)
        out["mean_u"] = np.round(mean_u, 4).tolist()
        quarter = max(length // 4, 1)
        early, late = mean_u[:quarter].mean(0), mean_u[-quarter:].mean(0)
        parts.append("mean task vector " + ", ".join(f"u{j} {a:.2f} → {b:.2f}"
                                                       for j, (a, b) in enumerate(zip(early, late, strict=True))))
    configs = [c for log in teacher_phase for rec in log for c in rec.get("configs", [])]
    if configs:
        names = sorted({c["name"] for c in configs})
        out["configs"] = names
        parts.append(f"{len(configs)} generated configs ({len(names)} distinct), e.g. " + ", ".join(names[:4]))
    if target_chunks:
        parts.append(f"then {target_chunks} chunks on the target alone")
    out["summary"] = "; ".join(parts) or "the target task(s) only"
    return out
