"""Shared helpers for the throughput benchmarks: timing a jitted scan, machine facts, pytree sizes and
writing one ``## section`` of docs/benchmarks.md without touching the others."""

from __future__ import annotations

import os
import platform
import re
import time
from dataclasses import dataclass
from pathlib import Path

import jax
import numpy as np

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


@dataclass
class Timing:
    compile_s: float  # first call (trace + compile + one run) minus one timed run
    run_s: float  # best wall time of one call over the repeats
    steps: int  # env steps per call (batch * scan length)

    @property
    def steps_per_s(self) -> float:
        return self.steps / self.run_s


def time_scan(body, carry, length: int, batch: int, repeats: int = 3) -> Timing:
    """Time ``jit(lax.scan(body, carry, length))``: compile once, then the best of ``repeats`` calls.

    ``body(carry, None) -> (carry, None)``; keep everything a real loop would use (observations,
    rewards) in the carry so XLA cannot drop it as dead code.
    """
    run = jax.jit(lambda c: jax.lax.scan(body, c, None, length=length)[0])
    start = time.perf_counter()
    jax.block_until_ready(run(carry))
    first = time.perf_counter() - start
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(run(carry))
        best = min(best, time.perf_counter() - start)
    return Timing(compile_s=max(first - best, 0.0), run_s=best, steps=batch * length)


def tree_bytes(tree) -> int:
    """Bytes held by the array leaves of a pytree (typed PRNG keys counted by their key data)."""
    total = 0
    for x in jax.tree.leaves(tree):
        if jax.dtypes.issubdtype(getattr(x, "dtype", None), jax.dtypes.prng_key):
            x = jax.random.key_data(x)
        total += np.asarray(x).nbytes
    return int(total)


def machine() -> str:
    """One line: CPU model, cores usable by this process, device, jax version."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    dev = jax.devices()[0]
    return (f"{model}, {cores} cores usable, device {dev.platform}:{dev.device_kind}, jax {jax.__version__}, "
            f"Python {platform.python_version()}")


def write_section(name: str, text: str, path: Path = DOC) -> None:
    """Replace (or append) the ``## name`` section of ``path``; other sections stay byte-identical."""
    body = path.read_text() if path.exists() else "# Benchmarks\n"
    section = f"## {name}\n\n{text.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(body):
        body = pattern.sub(lambda _: section + "\n", body, count=1).rstrip("\n") + "\n"
    else:
        body = body.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)
