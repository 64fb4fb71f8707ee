"""Results of envgen's own (trusted) checks kept between runs: solvability reports and preview frames.

Both are deterministic functions of a config, the seeds and envgen's code, so a
second ``envgen generate`` that meets the same config (the same command again, a replayed answer) reads
them instead of tracing and loading the survey and the preview renderer again. They live next to the
sandbox's verdicts in the per-user cache (never in a generated folder, which may come from someone
else), keyed by content: the whole config, the seeds, the family, and the versions of envgen and JAX,
so a changed config or release is a miss. ``ENVGEN_NO_VERDICT_CACHE=1`` turns this cache off too.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

from envgen.rewards.sandbox.verdicts import cache_root

MAX_ENTRY_BYTES = 16 << 20  # a frame is ~1 MB; anything larger is not one of ours


def result_key(kind: str, family: str, config: Any, **extra: Any) -> str:
    """The cache key of a ``kind`` of result for one config: sha256 over the versions of envgen and JAX,
    the family, the ``extra`` settings and the whole validated ``config`` (its JSON form, which is all
    that its compiled params are made from)."""
    from importlib.metadata import version

    from envgen import __version__

    data = config.model_dump(mode="json") if hasattr(config, "model_dump") else config
    blob = json.dumps([kind, family, __version__, version("jax"), extra, data], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _path(kind: str, key: str) -> Path:
    return cache_root() / kind / key


def _read(path: Path) -> bytes | None:
    if os.environ.get("ENVGEN_NO_VERDICT_CACHE"):
        return None
    try:
        if path.stat().st_size > MAX_ENTRY_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None


def _write(path: Path, data: bytes) -> None:
    """Keep an entry; a cache that cannot be written only costs recomputing it next time."""
    if os.environ.get("ENVGEN_NO_VERDICT_CACHE"):
        return
    from envgen.io import write_bytes_atomic

    with contextlib.suppress(OSError):
        write_bytes_atomic(path, data)


def load_report(kind: str, key: str) -> dict[str, Any] | None:
    """A stored JSON report, or None (missing, unreadable or not an object)."""
    data = _read(_path(kind, f"{key}.json"))
    try:
        report = json.loads(data) if data is not None else None
    except ValueError:
        return None
    return report if isinstance(report, dict) else None


def store_report(kind: str, key: str, report: dict[str, Any]) -> None:
    """Keep a JSON report."""
    _write(_path(kind, f"{key}.json"), json.dumps(report, sort_keys=True).encode())


def load_array(kind: str, key: str) -> Any:
    """A stored array (``.npy``, never pickled objects), or None."""
    import numpy as np

    data = _read(_path(kind, f"{key}.npy"))
    if data is None:
        return None
    try:
        return np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError):
        return None


def store_array(kind: str, key: str, array: Any) -> None:
    """Keep an array as ``.npy``."""
    import numpy as np

    buf = io.BytesIO()
    np.save(buf, np.asarray(array), allow_pickle=False)
    _write(_path(kind, f"{key}.npy"), buf.getvalue())
