"""envgen's per-user cache folder: small entries keyed by content, read and written defensively.

Everything kept here is a result of envgen's own trusted code (sandbox verdicts, solvability reports,
preview frames), never something read from a generated folder, which may come from someone else. An
entry that is missing, oversized or unreadable is a miss; one that cannot be written only costs
recomputing it next time. ``ENVGEN_CACHE_DIR`` moves the folder (default ``$XDG_CACHE_HOME/envgen`` or
``~/.cache/envgen``); ``ENVGEN_NO_VERDICT_CACHE=1`` turns reading and writing entries off.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any


def cache_root() -> Path:
    """envgen's per-user cache folder."""
    if os.environ.get("ENVGEN_CACHE_DIR"):
        return Path(os.environ["ENVGEN_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "envgen"


def read_entry(path: Path, max_bytes: int) -> bytes | None:
    """The bytes of an entry, or None (cache off, missing, unreadable or larger than ``max_bytes``)."""
    if os.environ.get("ENVGEN_NO_VERDICT_CACHE"):
        return None
    try:
        if path.stat().st_size > max_bytes:
            return None
        return path.read_bytes()
    except OSError:
        return None


def write_entry(path: Path, data: bytes) -> None:
    """Keep an entry (atomically); nothing happens when the cache is off or cannot be written."""
    if os.environ.get("ENVGEN_NO_VERDICT_CACHE"):
        return
    from envgen.io import write_bytes_atomic

    with contextlib.suppress(OSError):
        write_bytes_atomic(path, data)


def load_json(path: Path, max_bytes: int) -> dict[str, Any] | None:
    """A stored JSON object, or None (a miss, or an entry that is not a JSON object)."""
    data = read_entry(path, max_bytes)
    try:
        value = json.loads(data) if data is not None else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def store_json(path: Path, value: dict[str, Any]) -> None:
    """Keep a JSON object."""
    write_entry(path, json.dumps(value, sort_keys=True).encode())
