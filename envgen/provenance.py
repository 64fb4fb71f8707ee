"""Where a measurement was made: the code's commit, the CPU (model, vector extensions, cores) and the load.

Every published figure carries these, so a reader can tell two numbers from different machines, code or
load apart. Nothing here needs JAX.
"""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

VECTOR_FLAGS = ("avx512f", "avx512_bf16", "avx2", "fma", "sse4_2", "neon", "asimd")


def cpu() -> str:
    """CPU model, the vector extensions it reports (from /proc/cpuinfo) and the cores this process may use."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key == "model name" and model in (platform.processor(), platform.machine()):
                model = value.strip()
            elif key in ("flags", "Features") and not flags:
                flags = set(value.split())
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    vector = [f for f in VECTOR_FLAGS if f in flags] or ["none reported"]
    return f"{model}; {', '.join(vector)}; {cores} cores usable"


def commit() -> str:
    """The git commit of envgen's source tree (``+dirty`` with uncommitted changes), or its version."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=10", "HEAD"], capture_output=True,
                              text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        from envgen._version import __version__

        return f"envgen {__version__} (no git checkout)"


def load() -> float:
    """The one-minute load average (how busy the machine was), or -1 where it is not available."""
    try:
        return round(os.getloadavg()[0], 2)
    except (OSError, AttributeError):
        return -1.0
