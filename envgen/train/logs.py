"""Append-only JSONL metrics that survive a crash, and the rows the student logs per chunk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jax
import numpy as np

# Fields that depend on the machine's speed, not on the run: left out when runs are compared.
TIMING_FIELDS = ("wall_s", "steps_per_s")


class MetricsLog:
    """``metrics.jsonl``: one JSON object per line, flushed as written; a line cut by a crash is dropped."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._drop_partial_line()
        self._file = self.path.open("a", encoding="utf-8")

    def _drop_partial_line(self) -> None:
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            with self.path.open("r+b") as f:
                f.truncate(data.rfind(b"\n") + 1)

    def rows(self) -> list[dict[str, Any]]:
        """Every complete row written so far."""
        return read_rows(self.path)

    def write(self, row: dict[str, Any]) -> None:
        """Append one row and flush it to the OS (a killed process keeps it)."""
        self._file.write(json.dumps(row, sort_keys=True) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


class TensorBoardLog:
    """The numeric fields of every row as TensorBoard scalars (``DIR/seed<N>``, step = env steps), when
    ``tensorboardX`` is installed; otherwise nothing is written and :attr:`enabled` is false."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self._writers: dict[int, Any] = {}
        try:
            from tensorboardX import SummaryWriter
        except ImportError:
            SummaryWriter = None  # noqa: N806 (the class, when there is one)
        self._writer_class = SummaryWriter

    @property
    def enabled(self) -> bool:
        return self._writer_class is not None

    def write(self, row: dict[str, Any]) -> None:
        """Add one metrics row (nested dicts such as per-achievement rates become ``kind/field/key``)."""
        if not self.enabled:
            return
        seed = int(row.get("seed", 0))
        if seed not in self._writers:
            self._writers[seed] = self._writer_class(str(self.directory / f"seed{seed}"))
        writer, step = self._writers[seed], int(row["steps"])
        for tag, value in _scalars(row, row["kind"]):
            writer.add_scalar(tag, value, step)
        writer.flush()

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()


def _scalars(row: dict[str, Any], prefix: str):
    for key, value in row.items():
        if key in ("kind", "chunk", "seed", "steps"):
            continue
        if isinstance(value, dict):
            yield from _scalars(value, f"{prefix}/{key}")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            yield f"{prefix}/{key}", float(value)


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    """The complete rows of a metrics file (an unterminated last line is ignored)."""
    path = Path(path)
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").split("\n")[:-1]
    return [json.loads(line) for line in lines if line.strip()]


def chunk_rows(metrics, chunk: int, steps: int) -> list[dict[str, Any]]:
    """One ``kind="train"`` row per seed from a seed-batched :class:`~envgen.train.ppo.ChunkMetrics`."""
    m = jax.device_get(metrics)
    slots = m.slots
    rows = []
    for s in range(slots.episodes.shape[0]):
        episodes = float(slots.episodes[s].sum())
        per = max(episodes, 1.0)
        row = {"kind": "train", "chunk": chunk, "seed": s, "steps": steps, "episodes": episodes,
               "success": float(slots.successes[s].sum()) / per, "return": float(slots.returns[s].sum()) / per,
               "task_return": float(slots.task_returns[s].sum()) / per,
               "length": float(slots.lengths[s].sum()) / per, "mean_reward": float(m.mean_reward[s]),
               "pvl": float(np.mean(m.pvl[s])), "maxmc": float(np.mean(m.maxmc[s])),
               "wraps": float(slots.wraps[s].sum())}
        row.update({k: float(v[s]) for k, v in m.losses.items()})
        if slots.achievements.shape[-1]:
            from envgen.envs.crafter.constants import ACHIEVEMENTS

            rates = slots.achievements[s].sum(0) / per
            row["achievements"] = {a: float(r) for a, r in zip(ACHIEVEMENTS, rates, strict=True)}
        rows.append(row)
    return rows
