"""Validation verdicts kept where a shared folder cannot forge them: a per-user cache, keyed by content.

A verdict is stored under the sha256 of (program hash, config hash, family, envgen version, seed and
the limits it was checked under), so a changed program, config, check or release is a cache miss and
is validated again. ``ENVGEN_CACHE_DIR`` moves the cache (default ``$XDG_CACHE_HOME/envgen`` or
``~/.cache/envgen``); ``ENVGEN_NO_VERDICT_CACHE=1`` turns it off.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path

from envgen.rewards.sandbox.report import SandboxLimits, ValidationReport
from envgen.user_cache import cache_root, load_json, store_json

# Compiles shorter than this are not written to the persistent cache: below it, reading an entry back
# saves nothing. The previews' small programs (0.3-0.6 s cold) are above it, so warm runs skip them too.
MIN_CACHED_COMPILE_S = 0.2


def compile_cache_dir() -> Path | None:
    """Where envgen keeps XLA compilations between runs: ``ENVGEN_COMPILE_CACHE``, else ``<cache>/xla``;
    None when ``ENVGEN_NO_COMPILE_CACHE`` is set."""
    if os.environ.get("ENVGEN_NO_COMPILE_CACHE"):
        return None
    return Path(os.environ.get("ENVGEN_COMPILE_CACHE") or cache_root() / "xla")


def use_compile_cache(path: str | os.PathLike | None = None) -> str | None:
    """Turn on JAX's persistent compile cache in ``path`` (default :func:`compile_cache_dir`) unless a
    cache is already configured; returns the folder in use (None: no cache)."""
    import jax

    if jax.config.jax_compilation_cache_dir:
        return jax.config.jax_compilation_cache_dir
    folder = Path(path) if path is not None else compile_cache_dir()
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", MIN_CACHED_COMPILE_S)
    return str(folder)


def verdict_key(program_hash: str, config_hash: str | None, family: str, seed: int, limits: SandboxLimits) -> str:
    """The cache key of one validation: everything the verdict depends on."""
    from envgen import __version__

    checks = {k: v for k, v in dataclasses.asdict(limits).items() if k not in ("timeout_s", "cpu_s", "memory_mb")}
    blob = json.dumps([program_hash, config_hash, family, __version__, seed, checks], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def lookup(key: str, program_hash: str) -> ValidationReport | None:
    """The stored verdict for ``key``, or None (also for an unreadable or mismatched entry)."""
    data = load_json(cache_root() / "verdicts" / f"{key}.json", max_bytes=1 << 20)
    try:
        report = ValidationReport.from_dict(data) if data is not None else None
    except (ValueError, TypeError, KeyError):
        return None
    return report if report is not None and report.program_hash == program_hash else None


def store(key: str, report: ValidationReport) -> None:
    """Keep a verdict; a cache that cannot be written only costs a later re-validation."""
    if report.stage not in ("sandbox", "skipped"):  # those are no verdict
        store_json(cache_root() / "verdicts" / f"{key}.json", report.to_dict())
