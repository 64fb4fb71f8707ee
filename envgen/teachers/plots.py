"""Curriculum plots from a run's ``log.jsonl``: what the teacher sampled, how the student did, the buffer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def read_log(run_dir: str | Path) -> list[dict]:
    """The per-chunk records of a run."""
    path = Path(run_dir) / "log.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir}: no log.jsonl (not a curriculum run folder)")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def plot_curriculum(run_dir: str | Path, out: str | Path | None = None) -> list[Path]:
    """Write the curriculum view (default ``RUN/curriculum.png``) and return its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = read_log(run_dir)
    if not records:
        raise ValueError(f"{run_dir}: the log is empty")
    chunks = [r["chunk"] for r in records]
    hist = [r["sampled_hist"][0] for r in records if "sampled_hist" in r]
    buffer = [r.get("buffer_hist", [[0] * 10])[0] for r in records if "sampled_hist" in r]
    evals = [(r["chunk"], r["eval"]) for r in records if "eval" in r]
    panels = 2 + (1 if hist else 0) + (1 if any(any(b) for b in buffer) else 0)
    fig, axes = plt.subplots(panels, 1, figsize=(8, 2.6 * panels), squeeze=False)
    axes = list(axes[:, 0])
    ax = axes.pop(0)
    ax.plot(chunks, [r["mean_success"] for r in records], label="training slots")
    ax.set_ylabel("success")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("success on the teacher's tasks")
    ax = axes.pop(0)
    if evals:
        names = evals[0][1]["tasks"]
        xs = [c for c, _ in evals]
        for j, name in enumerate(names):
            mean = np.array([e["mean"][j] for _, e in evals], float)
            std = np.array([e["std"][j] for _, e in evals], float)
            ax.plot(xs, mean, marker="o", label=name)
            ax.fill_between(xs, mean - std, mean + std, alpha=0.2)
        ax.legend(fontsize=7)
    ax.set_ylabel("held-out success")
    ax.set_title("per-task success on held-out tasks (mean ± std over seeds)")
    if hist:
        ax = axes.pop(0)
        ax.imshow(np.array(hist, float).T, aspect="auto", origin="lower", extent=(0.5, len(hist) + 0.5, 0, 1))
        ax.set_ylabel("first space dim")
        ax.set_title("sampled tasks over time")
    if axes:
        ax = axes.pop(0)
        ax.imshow(np.array(buffer, float).T, aspect="auto", origin="lower", extent=(0.5, len(buffer) + 0.5, 0, 1))
        ax.set_ylabel("first space dim")
        ax.set_title("PLR buffer composition")
    for a in fig.axes:
        a.set_xlabel("chunk")
    fig.tight_layout()
    out = Path(out) if out is not None else Path(run_dir) / "curriculum.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return [out]
