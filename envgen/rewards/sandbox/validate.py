"""The third gate: validate programs in child processes, paired with the configs they will run in.

Programs rejected by the AST check never reach a child. The rest are validated together in one child;
if it dies, or a program runs past its compute budget, the program it was working on is failed and the
others are tried again in a fresh child. Verdicts are kept in the per-user cache
(:mod:`~envgen.rewards.sandbox.verdicts`), so the same program and config are validated once.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path

from envgen.rewards.sandbox import verdicts
from envgen.rewards.sandbox.checker import SandboxError, check_source, program_hash
from envgen.rewards.sandbox.families import Family, load_family
from envgen.rewards.sandbox.process import run_child
from envgen.rewards.sandbox.report import SandboxLimits, ValidationReport

Job = tuple[str, str | None]  # (program hash, config hash)


def config_hash(text: str | bytes) -> str:
    """The identity of a config: sha256 of its exact bytes (UTF-8 for text)."""
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


def validate_programs(
    sources: Sequence[str],
    family: str | Family,
    limits: SandboxLimits | None = None,
    seed: int = 0,
    configs: Sequence[str | None] | None = None,
    fail_fast: bool = False,
) -> list[ValidationReport]:
    """Validate many programs for ``family``; returns one report per source, in order.

    ``configs`` (YAML texts, one per source, or None) pairs each program with the config it will run
    in: the program is then also run on real rollouts of that config. Without one, only sampled
    states are used (the toy family and reward files checked on their own). With ``fail_fast`` the
    programs after the first failure are not validated (stage "skipped"): for callers that need all.
    """
    limits = limits or SandboxLimits()
    fam = load_family(family)
    configs = list(configs) if configs is not None else [None] * len(sources)
    if len(configs) != len(sources):
        raise ValueError(f"{len(sources)} programs but {len(configs)} configs")
    jobs = [(program_hash(s), None if c is None else config_hash(c)) for s, c in zip(sources, configs, strict=True)]
    texts = {cj: c for (_, cj), c in zip(jobs, configs, strict=True) if c is not None}
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
    while pending:
        if fail_fast and any(not r.ok for r in reports.values()):
            for job, _ in pending:
                reports[job] = ValidationReport(job[0], fam.name, False, "skipped", "not validated: another "
                                                "program failed first", config_hash=job[1])
            break
        done = _validate_in_child(pending, texts, fam, limits, seed, fail_fast)
        for job, report in done.items():
            reports[job] = report
            verdicts.store(_key(job, fam, seed, limits), report)
        pending = [(j, s) for j, s in pending if j not in reports]
    return [reports[j] for j in jobs]


def validate_program(
    source: str, family: str | Family, limits: SandboxLimits | None = None, seed: int = 0, config: str | None = None
) -> ValidationReport:
    """Validate one program (see :func:`validate_programs`)."""
    return validate_programs([source], family, limits, seed, None if config is None else [config])[0]


def _key(job: Job, fam: Family, seed: int, limits: SandboxLimits) -> str:
    return verdicts.verdict_key(job[0], job[1], f"{fam.name}:{fam.module_name}", seed, limits)


def _validate_in_child(
    pending: list[tuple[Job, str]], texts: dict[str, str], fam: Family, limits: SandboxLimits, seed: int,
    fail_fast: bool = False,
) -> dict[Job, ValidationReport]:
    import dataclasses

    import envgen

    paths = list(dict.fromkeys([str(Path(envgen.__file__).resolve().parents[1]), fam.import_root]))
    used = {j[1] for j, _ in pending if j[1] is not None}
    payload = {
        "module": fam.module_name,
        "family": fam.name,
        "paths": paths,
        "programs": [s for _, s in pending],
        "config_of": [j[1] for j, _ in pending],
        "configs": {h: texts[h] for h in sorted(used)},
        "seed": seed,
        "compile_cache": _compile_cache(),
        "fail_fast": fail_fast,
        **{f.name: getattr(limits, f.name) for f in dataclasses.fields(limits)},
    }
    run = run_child(payload, limits)
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
    import os

    if os.environ.get("ENVGEN_NO_COMPILE_CACHE"):
        return None
    jax = sys.modules.get("jax")
    configured = getattr(jax.config, "jax_compilation_cache_dir", None) if jax is not None else None
    return configured or os.environ.get("ENVGEN_COMPILE_CACHE") or str(verdicts.cache_root() / "xla")


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "no error output"
