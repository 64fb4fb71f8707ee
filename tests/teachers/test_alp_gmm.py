"""ALP-GMM on a toy task space where the answer is known: it concentrates where progress happens."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from envgen.teachers.alp_gmm import ALPGMMConfig, ALPGMMTeacher

BINS = 10


def toy_outcome(u: np.ndarray, competence: np.ndarray) -> np.ndarray:
    """x < 0.3 is unlearnable (0), x >= 0.7 mastered (1), in between the student's competence per bin."""
    x = u[:, 0]
    bins = np.minimum((x * BINS).astype(int), BINS - 1)
    return np.where(x < 0.3, 0.0, np.where(x >= 0.7, 1.0, competence[bins]))


def run_toy(teacher, chunks: int, n: int = 50, seed: int = 0):
    state = teacher.init(jax.random.key(seed), n)
    competence = np.zeros(BINS)
    key = jax.random.key(seed + 1)
    for _ in range(chunks):
        key, k = jax.random.split(key)
        u = np.asarray(teacher.sample_vectors(state, k, n))
        r = toy_outcome(u, competence)
        bins = np.minimum((u[:, 0] * BINS).astype(int), BINS - 1)
        np.add.at(competence, bins, 0.0015)  # practice on a learnable bin raises its competence
        competence = np.clip(competence, 0, 1)
        state = teacher.add_points(state, u, r)
    return state


def test_concentrates_on_the_learnable_region_and_leaves_the_others(box_space):
    teacher = ALPGMMTeacher(env=None, space=box_space, config=ALPGMMConfig(random_ratio=0.0))
    state = run_toy(teacher, chunks=15)
    assert bool(state.fitted) and int(state.seen) == 750
    u = np.asarray(teacher.sample_vectors(state, jax.random.key(99), 2000))
    x = u[:, 0]
    middle = np.mean((x >= 0.3) & (x < 0.7))
    assert middle > 0.55, f"only {middle:.2f} of samples in the learnable region (uniform: 0.4)"
    # the borders show progress too (the nearest earlier task may lie across them); the insides do not
    assert np.mean(x < 0.25) < 0.05 and np.mean(x >= 0.8) < 0.05


def test_random_share_and_bootstrap_sample_uniformly(box_space):
    teacher = ALPGMMTeacher(env=None, space=box_space, config=ALPGMMConfig(fit_rate=150))
    state = teacher.init(jax.random.key(0), 8)
    u = np.asarray(teacher.sample_vectors(state, jax.random.key(1), 4000))
    assert not bool(state.fitted)
    assert abs(np.mean(u[:, 0] < 0.5) - 0.5) < 0.04  # before the first fit: uniform over the box


def test_alp_is_the_distance_to_the_nearest_earlier_outcome(box_space):
    teacher = ALPGMMTeacher(env=None, space=box_space, config=ALPGMMConfig(fit_rate=150))
    state = teacher.init(jax.random.key(0), 4)
    grid = np.array([[0.1, 0.1], [0.9, 0.9], [0.1, 0.9], [0.9, 0.1], [0.5, 0.5], [0.3, 0.3]], np.float32)
    state = teacher.add_points(state, grid, np.zeros(6, np.float32))
    assert np.allclose(np.asarray(state.hist_alp)[:6], 0.0)  # no progress computed until > 5 points
    state = teacher.add_points(state, np.array([[0.88, 0.92]], np.float32), np.array([0.75], np.float32))
    assert float(state.hist_alp[6]) == pytest.approx(0.75)  # nearest earlier task: (0.9, 0.9) with 0


def test_refits_every_fit_rate_points_with_the_aic_best_mixture(box_space):
    teacher = ALPGMMTeacher(env=None, space=box_space, config=ALPGMMConfig(fit_rate=60, ks=(1, 2, 3, 4)))
    state = teacher.init(jax.random.key(0), 4)
    rng = np.random.default_rng(0)
    # three tight clusters, each with its own constant outcome, after points that set the history up
    centres = np.array([[0.15, 0.15], [0.5, 0.85], [0.85, 0.2]])
    u = (centres[rng.integers(0, 3, 59)] + rng.normal(0, 0.02, (59, 2))).astype(np.float32)
    state = teacher.add_points(state, u, rng.uniform(size=59).astype(np.float32))
    assert not bool(state.fitted)
    state = teacher.add_points(state, u[:1], np.zeros(1, np.float32))
    assert bool(state.fitted) and int(state.last_fit) == 60
    assert int((np.asarray(state.weights) > 0).sum()) >= 3  # one component per cluster at least


def test_same_seed_same_samples(box_space):
    teacher = ALPGMMTeacher(env=None, space=box_space, config=ALPGMMConfig(fit_rate=100, ks=(2, 3)))
    a = run_toy(teacher, chunks=4, seed=3)
    b = run_toy(teacher, chunks=4, seed=3)
    assert bool(a.fitted)
    np.testing.assert_array_equal(a.means, b.means)
    ka = teacher.sample_vectors(a, jax.random.key(5), 16)
    np.testing.assert_array_equal(ka, teacher.sample_vectors(b, jax.random.key(5), 16))
