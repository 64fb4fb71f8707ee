"""Aggregate statistics for curriculum comparisons, computed with ``rliable``.

Scores are arrays ``[runs, tasks]`` (runs = seeds; tasks = evaluation tasks or skills). Following
Agarwal et al. (2021), final performance is the interquartile mean (IQM) with a 95% stratified-bootstrap
confidence interval, distributions are performance profiles, and pairs are compared by the probability
of improvement P(X > Y), each with its interval.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

DEFAULT_REPS = 2000


@contextmanager
def _seeded(seed: int):
    """rliable's stratified bootstrap draws from numpy's global generator: seed it, then restore it."""
    saved = np.random.get_state()
    np.random.seed(seed)
    try:
        yield np.random.RandomState(seed)
    finally:
        np.random.set_state(saved)


@dataclass(frozen=True)
class Estimate:
    """A point estimate and its confidence interval."""

    value: float
    low: float
    high: float

    def overlaps(self, other: Estimate) -> bool:
        """Whether the two intervals share any point."""
        return self.low <= other.high and other.low <= self.high

    def as_dict(self) -> dict[str, float]:
        return {"value": self.value, "low": self.low, "high": self.high}

    def __str__(self) -> str:
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"


def _check(scores: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {}
    for name, s in scores.items():
        arr = np.asarray(s, np.float64)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2 or arr.shape[0] < 2:
            raise ValueError(f"{name}: scores must be [runs >= 2, tasks], got shape {np.shape(s)}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name}: scores contain NaN or inf")
        out[name] = arr
    # bootstrap draws are taken method after method: a fixed order makes an interval depend on the data and
    # the seed only, not on the order a caller listed the methods in
    return dict(sorted(out.items()))


def iqm(scores: np.ndarray) -> float:
    """Interquartile mean over all runs and tasks (the mean of the middle 50% of scores)."""
    from rliable import metrics

    return float(metrics.aggregate_iqm(np.asarray(scores, np.float64)))


def iqm_intervals(scores: Mapping[str, np.ndarray], reps: int = DEFAULT_REPS, seed: int = 0,
                  size: float = 0.95) -> dict[str, Estimate]:
    """IQM of each method with a stratified-bootstrap confidence interval (runs resampled per task)."""
    from rliable import library, metrics

    data = _check(scores)
    with _seeded(seed) as rs, warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # arch's notice about its random_state argument
        point, interval = library.get_interval_estimates(
            data, lambda x: np.array([metrics.aggregate_iqm(x)]), reps=reps, confidence_interval_size=size,
            random_state=rs)
    return {k: Estimate(float(point[k][0]), float(interval[k][0][0]), float(interval[k][1][0])) for k in data}


def mean_intervals(scores: Mapping[str, np.ndarray], reps: int = DEFAULT_REPS, seed: int = 0,
                   size: float = 0.95) -> dict[str, Estimate]:
    """Mean of each method with a stratified-bootstrap confidence interval."""
    from rliable import library, metrics

    data = _check(scores)
    with _seeded(seed) as rs, warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        point, interval = library.get_interval_estimates(
            data, lambda x: np.array([metrics.aggregate_mean(x)]), reps=reps, confidence_interval_size=size,
            random_state=rs)
    return {k: Estimate(float(point[k][0]), float(interval[k][0][0]), float(interval[k][1][0])) for k in data}


def probability_of_improvement(scores: Mapping[str, np.ndarray], pairs: list[tuple[str, str]],
                               reps: int = DEFAULT_REPS, seed: int = 0) -> dict[tuple[str, str], Estimate]:
    """P(X > Y) for each ``(X, Y)`` pair (Mann-Whitney, averaged over tasks) with its interval."""
    from rliable import library, metrics

    data = _check(scores)
    for x, y in pairs:
        for name in (x, y):
            if name not in data:
                raise KeyError(f"no scores for {name!r}; have {', '.join(data)}")
    paired = {f"{x}\u0000{y}": (data[x], data[y]) for x, y in sorted(pairs)}
    with _seeded(seed) as rs, warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        point, interval = library.get_interval_estimates(
            paired, lambda a, b: np.array([metrics.probability_of_improvement(a, b)]), reps=reps, random_state=rs)
    return {tuple(k.split("\u0000")): Estimate(float(point[k][0]), float(interval[k][0][0]),
                                               float(interval[k][1][0])) for k in paired}


def performance_profiles(scores: Mapping[str, np.ndarray], taus: np.ndarray, reps: int = DEFAULT_REPS,
                         seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Fraction of runs scoring above each threshold tau: ``{name: (profile, interval[2, len(taus)])}``."""
    from rliable import library

    data = _check(scores)
    with _seeded(seed), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        profiles, intervals = library.create_performance_profile(data, np.asarray(taus), reps=reps)
    return {k: (np.asarray(profiles[k]), np.asarray(intervals[k])) for k in data}


def bootstrap_band(curves: np.ndarray, reps: int = 1000, seed: int = 0, size: float = 0.95):
    """Mean learning curve over runs with a percentile-bootstrap band: ``(mean, low, high)``.

    ``curves`` is ``[runs, points]``; runs are resampled with replacement at every point together.
    """
    curves = np.asarray(curves, np.float64)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, curves.shape[0], size=(reps, curves.shape[0]))
    means = curves[idx].mean(axis=1)
    alpha = (1.0 - size) / 2
    return curves.mean(axis=0), np.quantile(means, alpha, axis=0), np.quantile(means, 1 - alpha, axis=0)


def area_under_curve(steps: np.ndarray, curves: np.ndarray) -> np.ndarray:
    """Per run, the mean of its learning curve over the evaluated steps (trapezoids, normalised by the
    span): 1.0 means the run scored 1.0 from the first evaluation on. ``curves`` is ``[runs, points]``."""
    steps = np.asarray(steps, np.float64)
    curves = np.asarray(curves, np.float64)
    if steps.size < 2:
        return curves[:, -1] if curves.size else np.zeros(len(curves))
    widths = np.diff(steps)
    return ((curves[:, 1:] + curves[:, :-1]) / 2 * widths).sum(-1) / (steps[-1] - steps[0])


def steps_to_threshold(steps: np.ndarray, curves: np.ndarray, threshold: float) -> np.ndarray:
    """Per run, the first evaluated step at which its curve reaches ``threshold`` (inf: never reached)."""
    steps = np.asarray(steps, np.float64)
    reached = np.asarray(curves, np.float64) >= threshold
    first = np.argmax(reached, axis=-1)
    return np.where(reached.any(-1), steps[first], np.inf)
