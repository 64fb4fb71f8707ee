"""Save a generation run as the folder DESIGN.md describes, atomically and reproducibly.

    DIR/envs/<name>.yaml      validated config
    DIR/rewards/<name>.py     sandbox-checked reward program (pinned by sha256 in run.json)
    DIR/preview/<name>.png    rendered start state
    DIR/run.json              goal, provider, model, request hashes, tokens, cost, checks, rejections

Everything is written into a temporary sibling folder first and renamed into place, so a crash leaves
no half-written run. An existing folder is replaced only when it is an envgen run and the new result
is a successful one; anything else (a user's own folder, a failed run) is refused and nothing is lost.
The one exception is a folder that holds nothing but the run.json of a failed run (what an unreachable
server leaves): it records why the run failed, and a retry replaces it without ``--overwrite``.
Content has no timestamps or timings and JSON keys are sorted: the same goal,
provider, seed and replay cache give the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from envgen.generate.pipeline import Candidate, GenerateResult
from envgen.io import write_json_atomic, write_text_atomic
from envgen.printable import printable
from envgen.registry import family as family_entry

RUN_FORMAT = 2  # 2: configs pinned by sha256 (config_hash)


class OutputExistsError(FileExistsError):
    """The output folder exists and overwriting was not asked for."""


def run_record(result: GenerateResult) -> dict[str, Any]:
    """The content of run.json (plain data, no wall-clock values)."""
    from envgen import __version__
    from envgen.rewards.sandbox import program_hash

    envs = []
    for c in result.accepted:
        entry: dict[str, Any] = {
            "name": c.name,
            "purpose": getattr(c.spec, "purpose", None),
            "config": f"envs/{c.name}.yaml",
            "config_hash": hashlib.sha256(c.spec.to_yaml().encode("utf-8")).hexdigest(),
            "reward": f"rewards/{c.name}.py",
            "reward_hash": program_hash(c.reward_code),
            "round": c.round,
            "validation": c.validation,
            "solvability": c.solvability,
            "preview": f"preview/{c.name}.png" if _has_png(result, c) else None,
        }
        if family_entry(result.family).targets:
            entry["targets"] = list(c.targets)
        if not _has_png(result, c) and c.name in result.previews:
            entry["preview_error"] = str(result.previews[c.name])
        envs.append(entry)
    rejected = [{"name": c.name, "round": c.round, "stage": c.stage, "problems": c.problems,
                 "proposal": c.raw} for c in result.rejected]
    return {
        "format": RUN_FORMAT,
        "envgen_version": __version__,
        "goal": result.goal,
        "family": result.family,
        "n": result.n,
        "seed": result.seed,
        "max_repairs": result.max_repairs,
        "provider": result.provider,
        "model": result.model,
        "status": result.status,
        "error": result.error,
        "repairs": result.repairs,
        "requests": result.requests,
        "usage": result.usage(),
        "rounds": result.rounds,
        "environments": envs,
        "rejected": rejected,
    }


def _has_png(result: GenerateResult, c: Candidate) -> bool:
    value = result.previews.get(c.name)
    return value is not None and not isinstance(value, str)


def is_envgen_run(path: str | os.PathLike) -> bool:
    """True when ``path`` is a folder envgen wrote: a run.json object with envgen's format fields."""
    from envgen.generate.load import LoadError, read_run

    path = Path(path)
    if path.is_symlink() or not path.is_dir():
        return False
    try:
        run = read_run(path)
    except LoadError:
        return False
    return isinstance(run.get("format"), int) and isinstance(run.get("envgen_version"), str)


def failed_run_reason(path: str | os.PathLike) -> str | None:
    """Why the run in ``path`` failed, when the folder is only what a failed envgen run leaves; else None.

    Such a folder is envgen's run.json and nothing else (no environment was accepted, no file was
    added by hand), so replacing it loses nothing but the record of the failure.
    """
    from envgen.generate.load import LoadError, read_run

    path = Path(path)
    if path.is_symlink() or not path.is_dir() or sorted(p.name for p in path.iterdir()) != ["run.json"]:
        return None
    if not is_envgen_run(path):
        return None
    try:
        run = read_run(path)
    except LoadError:
        return None
    if run.get("status") != "failed" or run.get("environments"):
        return None
    return printable(run.get("error") or "no environment was accepted")[:300]


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and not any(path.iterdir())


def check_output(out: str | os.PathLike, overwrite: bool) -> str | None:
    """Refuse an ``--out`` that exists, unless overwriting was asked for *and* it is an envgen run.

    Returns the recorded reason when ``out`` holds only a failed run, which a retry replaces without
    ``--overwrite``; otherwise None.
    """
    out = Path(out)
    if not (out.exists() or out.is_symlink()) or _is_empty_dir(out):
        return None
    failed = failed_run_reason(out)
    if failed is not None:
        return failed
    if not overwrite:
        raise OutputExistsError(f"{out} already exists; choose another --out or pass --overwrite")
    if not is_envgen_run(out):
        raise OutputExistsError(f"{out} exists and is not an envgen run folder (no envgen run.json); "
                                "--overwrite only replaces folders envgen wrote - choose another --out")
    return None


def write_run(result: GenerateResult, out: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write ``result`` to the folder ``out`` (atomically: a temporary folder renamed into place)."""
    from envgen.envs.render_common import save_png

    out = Path(out)
    replaces_failed = check_output(out, overwrite) is not None or _is_empty_dir(out)
    if out.exists() and result.status != "ok" and not replaces_failed:
        why = printable(result.error or f"{len(result.accepted)} of {result.n} environments accepted")[:200]
        raise OutputExistsError(f"{out} was kept: this run did not succeed ({result.status}: {why}), and only a "
                                "successful run replaces an existing one - choose another --out to keep it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        for c in result.accepted:
            write_text_atomic(tmp / "envs" / f"{c.name}.yaml", c.spec.to_yaml())
            write_text_atomic(tmp / "rewards" / f"{c.name}.py", c.reward_code)
            if _has_png(result, c):
                save_png(result.previews[c.name], tmp / "preview" / f"{c.name}.png")
        write_json_atomic(tmp / "run.json", run_record(result))
        os.chmod(tmp, 0o755)
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, old)
            try:
                os.replace(tmp, out)
            except BaseException:
                os.replace(old, out)  # put the previous run back
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
