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
               "pvl": float(np.mean(m.pvl[s])), "maxmc": float(np.mean(m.maxmc[s]))}
        row.update({k: float(v[s]) for k, v in m.losses.items()})
        if slots.achievements.shape[-1]:
            from envgen.envs.crafter.constants import ACHIEVEMENTS

            rates = slots.achievements[s].sum(0) / per
            row["achievements"] = {a: float(r) for a, r in zip(ACHIEVEMENTS, rates, strict=True)}
        rows.append(row)
    return rows
