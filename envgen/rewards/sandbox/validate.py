"""The third gate: validate programs in child processes, paired with the configs they will run in.

Programs rejected by the AST check never reach a child. The rest are validated together in one child;
if it dies, or a program runs past its compute budget, the program it was working on is failed and the
others are tried again in a fresh child. Verdicts are kept in the per-user cache
(:mod:`~envgen.rewards.sandbox.verdicts`), so the same program and config are validated once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from envgen.rewards.sandbox import verdicts
from envgen.rewards.sandbox.checker import SandboxError, behaviour_hash, check_source, program_hash
from envgen.rewards.sandbox.families import Family, load_family
from envgen.rewards.sandbox.process import ChildProcess, encode_arrays, run_child
from envgen.rewards.sandbox.report import SandboxLimits, ValidationReport

Job = tuple[str, str | None]  # (program hash, config hash)


def config_hash(text: str | bytes) -> str:
    """The identity of a config: sha256 of its exact bytes (UTF-8 for text; a lone surrogate as itself)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text).hexdigest()


def validate_programs(
    sources: Sequence[str],
    family: str | Family,
    limits: SandboxLimits | None = None,
    seed: int = 0,
    configs: Sequence[str | None] | None = None,
    fail_fast: bool = False,
    levels: Sequence[Sequence[Any] | None] | None = None,
    prepared: PreparedChild | None = None,
) -> list[ValidationReport]:
    """Validate many programs for ``family``; returns one report per source, in order.

    ``configs`` (YAML texts, one per source, or None) pairs each program with the config it will run
    in: the program is then also run on real rollouts of that config. Without one, only sampled
    states are used (the toy family and reward files checked on their own). With ``fail_fast`` the
    programs after the first failure are not validated (stage "skipped"): for callers that need all.
    ``levels`` (one per source, or None) are worlds of the paired config for the rollouts to start on
    (the leaves of a batch of levels, leading axis = worlds); the child generates them when absent.
    ``prepared`` is a child started earlier by :func:`start_validation`; it is used if it was started
    for the same family, seed and limits, and is always closed.
    """
    try:
        return _validate(sources, family, limits or SandboxLimits(), seed, configs, fail_fast, levels, prepared)
    finally:
        if prepared is not None:
            prepared.close()


def _validate(sources: Sequence[str], family: str | Family, limits: SandboxLimits, seed: int,
              configs: Sequence[str | None] | None, fail_fast: bool, levels: Sequence[Sequence[Any] | None] | None,
              prepared: PreparedChild | None) -> list[ValidationReport]:
    fam = load_family(family)
    configs = list(configs) if configs is not None else [None] * len(sources)
    if len(configs) != len(sources):
        raise ValueError(f"{len(sources)} programs but {len(configs)} configs")
    if prepared is not None and (prepared.family, prepared.seed, prepared.limits) != (fam.name, seed, limits):
        prepared.close()
        prepared = None
    worlds = _encoded_levels(configs, levels)
    jobs = _jobs(sources, configs)
    texts = {cj: c for (_, cj), c in zip(jobs, configs, strict=True) if c is not None}
    reports, pending = _known(sources, jobs, fam, seed, limits)
    pending, copy_of = _one_per_behaviour(pending, fam)
    while pending:
        if fail_fast and any(not r.ok for r in reports.values()):
            for job, _ in pending:
                reports[job] = ValidationReport(job[0], fam.name, False, "skipped", "not validated: another "
                                                "program failed first", config_hash=job[1])
            break
        done = _validate_in_child(pending, texts, fam, limits, seed, fail_fast, worlds, prepared)
        prepared = None  # a retry starts a fresh child
        for job, report in done.items():
            reports[job] = report
            verdicts.store(_key(job, fam, seed, limits), report)
        pending = [(j, s) for j, s in pending if j not in reports]
    for job, first in copy_of.items():
        reports[job] = dataclasses.replace(reports[first], program_hash=job[0])
        verdicts.store(_key(job, fam, seed, limits), reports[job])
    return [reports[j] for j in jobs]


def _one_per_behaviour(pending: list[tuple[Job, str]], fam: Family) -> tuple[list[tuple[Job, str]], dict[Job, Job]]:
    """The pending jobs with one program per behaviour and config (copies that differ only in comments,
    spacing or docstring behave the same), and each copy's job -> the job validated for it."""
    first: dict[tuple[str, str | None], Job] = {}
    kept, copy_of = [], {}
    for job, source in pending:
        same = (behaviour_hash(source, fam.spec), job[1])
        if same in first:
            copy_of[job] = first[same]
        else:
            first[same] = job
            kept.append((job, source))
    return kept, copy_of


def needs_child(sources: Sequence[str], family: str | Family, limits: SandboxLimits | None = None, seed: int = 0,
                configs: Sequence[str | None] | None = None) -> bool:
    """Whether :func:`validate_programs` would start a child (some program passes the AST check and has
    no cached verdict): a caller starts one early (:func:`start_validation`) only then."""
    configs = list(configs) if configs is not None else [None] * len(sources)
    return bool(_known(sources, _jobs(sources, configs), load_family(family), seed, limits or SandboxLimits())[1])


def _jobs(sources: Sequence[str], configs: list[str | None]) -> list[Job]:
    return [(program_hash(s), None if c is None else config_hash(c)) for s, c in zip(sources, configs, strict=True)]


def _known(sources: Sequence[str], jobs: list[Job], fam: Family, seed: int,
           limits: SandboxLimits) -> tuple[dict[Job, ValidationReport], list[tuple[Job, str]]]:
    """The verdicts known without a child (AST failures, cached verdicts), and the jobs left to run."""
    reports: dict[Job, ValidationReport] = {}
    pending: list[tuple[Job, str]] = []
    for job, source in zip(jobs, sources, strict=True):
        if job in reports or any(job == j for j, _ in pending):
            continue
        try:
            check_source(source, fam.spec)
        except SandboxError as err:
            reports[job] = ValidationReport(job[0], fam.name, False, "ast", str(err), err.line, config_hash=job[1])
            continue
        cached = verdicts.lookup(_key(job, fam, seed, limits), job[0])
        if cached is not None and cached.family == fam.name:
            reports[job] = cached
        else:
            pending.append((job, source))
    return reports, pending


def validate_program(
    source: str, family: str | Family, limits: SandboxLimits | None = None, seed: int = 0, config: str | None = None
) -> ValidationReport:
    """Validate one program (see :func:`validate_programs`)."""
    return validate_programs([source], family, limits, seed, None if config is None else [config])[0]


def _key(job: Job, fam: Family, seed: int, limits: SandboxLimits) -> str:
    return verdicts.verdict_key(job[0], job[1], f"{fam.name}:{fam.module_name}", seed, limits)


@dataclasses.dataclass
class PreparedChild:
    """A validation child started before its programs are known: it imports JAX and compiles the
    family's rollout while the caller is busy (see :func:`start_validation`)."""

    family: str
    seed: int
    limits: SandboxLimits
    process: ChildProcess

    def close(self) -> None:
        """Stop the child (a no-op once it has finished)."""
        self.process.close()


def start_validation(family: str | Family, limits: SandboxLimits | None = None, seed: int = 0) -> PreparedChild:
    """Start a validation child for ``family`` now; hand it to :func:`validate_programs` later."""
    from envgen.registry import FAMILIES

    fam = load_family(family)
    limits = limits or SandboxLimits()
    entry = FAMILIES.get(fam.name)
    setup = {**_setup(fam, seed, limits), "prepare": entry is not None and entry.env is not None}
    return PreparedChild(fam.name, seed, limits, ChildProcess(setup, limits))


def _setup(fam: Family, seed: int, limits: SandboxLimits) -> dict[str, Any]:
    """The part of a child's payload known before the programs: family, seed, limits, paths."""
    import envgen

    paths = list(dict.fromkeys([str(Path(envgen.__file__).resolve().parents[1]), fam.import_root]))
    return {
        "module": fam.module_name,
        "family": fam.name,
        "paths": paths,
        "seed": seed,
        "compile_cache": _compile_cache(),
        **{f.name: getattr(limits, f.name) for f in dataclasses.fields(limits)},
    }


def _encoded_levels(configs: list[str | None], levels: Sequence[Sequence[Any] | None] | None) -> dict[str, Any]:
    """Config hash -> its worlds, encoded for the child's stdin."""
    if levels is None:
        return {}
    if len(levels) != len(configs):
        raise ValueError(f"{len(configs)} configs but {len(levels)} sets of levels")
    return {config_hash(c): encode_arrays(lv) for c, lv in zip(configs, levels, strict=True)
            if c is not None and lv is not None}


def _validate_in_child(
    pending: list[tuple[Job, str]], texts: dict[str, str], fam: Family, limits: SandboxLimits, seed: int,
    fail_fast: bool = False, levels: dict[str, Any] | None = None, prepared: PreparedChild | None = None,
) -> dict[Job, ValidationReport]:
    used = {j[1] for j, _ in pending if j[1] is not None}
    work = {
        "programs": [s for _, s in pending],
        "config_of": [j[1] for j, _ in pending],
        "configs": {h: texts[h] for h in sorted(used)},
        "levels": {h: (levels or {})[h] for h in sorted(used) if h in (levels or {})},
        "fail_fast": fail_fast,
    }
    if prepared is not None:
        prepared.process.send(work)
        run = prepared.process.wait()
    else:
        run = run_child({**_setup(fam, seed, limits), **work}, limits)
    out: dict[Job, ValidationReport] = {}
    ready = False
    for ev in run.events:
        if ev.get("event") == "ready":
            ready = True
        elif ev.get("event") == "result" and isinstance(ev.get("index"), int) and 0 <= ev["index"] < len(pending):
            job = pending[ev["index"]][0]
            out[job] = dataclasses.replace(ValidationReport.from_dict(ev["report"]), config_hash=job[1])
    if len(out) == len(pending) or (fail_fast and any(not r.ok for r in out.values())):
        return out  # with fail_fast the child stops after a failure; the caller skips the rest
    why = (
        f"validation did not finish within {limits.timeout_s:g} s and was killed"
        if run.timed_out
        else f"the validation process died (exit status {run.returncode}): {_last_line(run.stderr_tail)}"
    )
    missing = [j for j, _ in pending if j not in out]
    # Before "ready" the failure is the setup's (imports, rollouts), so it is every program's; after it,
    # it is the program being validated when the child died.
    blamed = missing if not ready else missing[:1]
    for job in blamed:
        out[job] = ValidationReport(job[0], fam.name, False, "sandbox", why, config_hash=job[1])
    return out


def _compile_cache() -> str | None:
    """The XLA compile cache folder for the child (the parent's, else envgen's), so its compiles persist.

    The simulator's rollout takes tens of seconds to compile on a small machine; cached, it loads in one.
    """
    jax = sys.modules.get("jax")
    configured = getattr(jax.config, "jax_compilation_cache_dir", None) if jax is not None else None
    folder = verdicts.compile_cache_dir()
    return None if folder is None else configured or str(folder)


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "no error output"
