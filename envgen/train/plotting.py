"""Learning curves from a run's metrics.jsonl: the mean over seeds with a bootstrap confidence band."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from envgen.train.logs import read_rows


def bootstrap_band(values: np.ndarray, confidence: float = 0.95, resamples: int = 1000,
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over seeds (axis 0) and the percentile bootstrap interval of that mean, per column."""
    values = np.asarray(values, np.float64)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, values.shape[0], size=(resamples, values.shape[0]))
    means = values[idx].mean(axis=1)
    tail = (1 - confidence) / 2 * 100
    return values.mean(0), np.percentile(means, tail, axis=0), np.percentile(means, 100 - tail, axis=0)


def curves(rows: list[dict], kind: str, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """``(steps [C], values [seeds, C])`` for the chunks every seed logged."""
    by_seed: dict[int, dict[int, float]] = {}
    for r in rows:
        if r.get("kind") == kind and metric in r:
            by_seed.setdefault(r["seed"], {})[r["steps"]] = r[metric]
    if not by_seed:
        return np.zeros(0), np.zeros((0, 0))
    steps = sorted(set.intersection(*(set(v) for v in by_seed.values())))
    return np.asarray(steps), np.asarray([[v[s] for s in steps] for _, v in sorted(by_seed.items())])


def plot_run(run: str | Path, out: str | Path | None = None, metrics: tuple[str, ...] = ("success", "return")) -> Path:
    """Draw training (and evaluation, if logged) curves of ``run`` to a PNG; returns its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run = Path(run)
    rows = read_rows(run / "metrics.jsonl")
    if not rows:
        raise ValueError(f"{run / 'metrics.jsonl'} has no metrics yet")
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.6), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        for kind, colour in (("train", "tab:blue"), ("eval", "tab:orange")):
            steps, values = curves(rows, kind, metric)
            if not steps.size:
                continue
            mean, lo, hi = bootstrap_band(values)
            label = f"{kind} (mean of {values.shape[0]} seeds, 95% bootstrap CI)"
            ax.plot(steps, mean, color=colour, marker="o" if kind == "eval" else None, label=label)
            ax.fill_between(steps, lo, hi, color=colour, alpha=0.25)
        ax.set_xlabel("env steps per seed")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(run.name)
    fig.tight_layout()
    path = Path(out) if out else run / "curves.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
