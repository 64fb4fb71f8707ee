"""Locate the data folders shipped with envgen (templates/, curricula/).

In a wheel they are installed inside the package; in a source checkout (editable install) they sit at
the repository root.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the folder ``templates`` or ``curricula`` wherever this install keeps it."""
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"envgen data folder {name!r} not found next to {_PACKAGE_DIR}")
