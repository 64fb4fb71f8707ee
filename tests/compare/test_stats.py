"""Comparison statistics against hand-computed cases and synthetic data with a known answer."""

from __future__ import annotations

import numpy as np
import pytest

from envgen.compare import stats


def test_iqm_is_the_mean_of_the_middle_half():
    scores = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 100.0]])  # 8 values: drop 2 low, 2 high
    assert stats.iqm(scores) == pytest.approx((2 + 3 + 4 + 5) / 4)
    assert stats.iqm(np.array([[1.0], [1.0], [1.0], [50.0]])) == pytest.approx(1.0)  # robust to one outlier


def test_iqm_interval_contains_the_point_and_is_deterministic():
    rng = np.random.default_rng(0)
    scores = {"a": rng.normal(0.5, 0.1, (10, 3)), "b": rng.normal(0.7, 0.1, (10, 3))}
    one = stats.iqm_intervals(scores, reps=500, seed=3)
    two = stats.iqm_intervals(scores, reps=500, seed=3)
    assert one == two
    for est in one.values():
        assert est.low <= est.value <= est.high
    assert one["b"].low > one["a"].high  # a clear gap shows as non-overlapping intervals


def test_bootstrap_interval_covers_the_true_mean_about_95_percent_of_the_time():
    """Synthetic runs with a known mean: the interval covers it in roughly 95% of experiments."""
    rng = np.random.default_rng(1)
    hits, trials = 0, 120
    for t in range(trials):
        sample = rng.normal(0.3, 0.2, (12, 1))
        est = stats.mean_intervals({"m": sample}, reps=400, seed=t)["m"]
        hits += est.low <= 0.3 <= est.high
    assert 0.85 <= hits / trials <= 0.99


def test_probability_of_improvement():
    x = np.array([[3.0], [4.0], [5.0]])
    y = np.array([[0.0], [1.0], [2.0]])
    poi = stats.probability_of_improvement({"x": x, "y": y}, [("x", "y"), ("y", "x")], reps=200)
    assert poi[("x", "y")].value == pytest.approx(1.0) and poi[("y", "x")].value == pytest.approx(0.0)
    tie = stats.probability_of_improvement({"x": x, "z": x.copy()}, [("x", "z")], reps=200)
    assert tie[("x", "z")].value == pytest.approx(0.5)
    with pytest.raises(KeyError, match="no scores for 'w'"):
        stats.probability_of_improvement({"x": x}, [("x", "w")])


def test_performance_profile_is_the_fraction_above_tau():
    scores = {"a": np.array([[0.1], [0.4], [0.6], [0.9]])}
    prof, band = stats.performance_profiles(scores, np.array([0.0, 0.5, 1.0]), reps=100)["a"]
    np.testing.assert_allclose(prof, [1.0, 0.5, 0.0])
    assert band.shape == (2, 3)


def test_bootstrap_band_brackets_the_mean_curve():
    curves = np.stack([np.linspace(0, 1, 5) + d for d in (-0.1, 0.0, 0.1, 0.05)])
    mean, lo, hi = stats.bootstrap_band(curves, reps=300)
    np.testing.assert_allclose(mean, curves.mean(0))
    assert np.all(lo <= mean + 1e-12) and np.all(hi >= mean - 1e-12)


def test_bad_scores_get_a_clear_error():
    with pytest.raises(ValueError, match=r"a: scores must be \[runs >= 2, tasks\]"):
        stats.iqm_intervals({"a": np.zeros((1, 3))})
    with pytest.raises(ValueError, match="b: scores contain NaN"):
        stats.iqm_intervals({"b": np.array([[np.nan], [1.0]])})
