"""Results of envgen's own (trusted) checks kept between runs: solvability reports and preview frames.

Both are deterministic functions of a config, the seeds and envgen's code, so a
second ``envgen generate`` that meets the same config (the same command again, a replayed answer) reads
them instead of tracing and loading the survey and the preview renderer again. They live next to the
sandbox's verdicts in the per-user cache (never in a generated folder, which may come from someone
else), keyed by content: the whole config, the seeds, the family, and the versions of envgen and JAX,
so a changed config or release is a miss. ``ENVGEN_NO_VERDICT_CACHE=1`` turns this cache off too.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

from envgen.user_cache import cache_root, load_json, read_entry, store_json, write_entry

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


def load_report(kind: str, key: str) -> dict[str, Any] | None:
    """A stored JSON report, or None (missing, unreadable or not an object)."""
    return load_json(_path(kind, f"{key}.json"), MAX_ENTRY_BYTES)


def store_report(kind: str, key: str, report: dict[str, Any]) -> None:
    """Keep a JSON report."""
    store_json(_path(kind, f"{key}.json"), report)


def load_array(kind: str, key: str) -> Any:
    """A stored array (``.npy``, never pickled objects), or None."""
    import numpy as np

    data = read_entry(_path(kind, f"{key}.npy"), MAX_ENTRY_BYTES)
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
    write_entry(_path(kind, f"{key}.npy"), buf.getvalue())
