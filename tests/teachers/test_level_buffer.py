"""The PLR level buffer: rank/staleness replay distribution, insertion, dedup -- checked against jaxued."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from envgen.tasks.task import Task
from envgen.teachers import level_buffer as lb

jaxued_sampler = pytest.importorskip("jaxued.level_sampler")


def toy_task(value: float) -> Task:
    """A task whose params and level are one number (enough for the buffer's bookkeeping)."""
    x = jnp.asarray(value, jnp.float32)
    return Task(params=x, level=x * 2, reward=jnp.zeros((), jnp.float32), obs=x, features=jnp.zeros(1), view=x)


def toy_batch(values) -> Task:
    return jax.tree.map(lambda *xs: jnp.stack(xs), *[toy_task(v) for v in values])


def filled_buffer(scores, timestamps, count, capacity) -> lb.LevelBuffer:
    size = len(scores)
    buf = lb.buffer_init(toy_task(0.0), capacity)
    pad = capacity - size
    return buf.replace(tasks=toy_batch(list(range(size)) + [0.0] * pad),
                       scores=jnp.asarray(list(scores) + [-np.inf] * pad, jnp.float32),
                       timestamps=jnp.asarray(list(timestamps) + [0] * pad, jnp.int32),
                       size=jnp.asarray(size, jnp.int32), count=jnp.asarray(count, jnp.int32))


def as_jaxued(buf: lb.LevelBuffer) -> dict:
    return {"levels": buf.tasks, "scores": buf.scores, "timestamps": buf.timestamps, "size": buf.size,
            "episode_count": buf.count}


@pytest.fixture(autouse=True)
def _jaxued_tree_map(monkeypatch):
    # jaxued 0.0.1 still calls the jax.tree_map alias that current jax removed
    monkeypatch.setattr(jax, "tree_map", jax.tree.map, raising=False)


@pytest.mark.parametrize("temperature,staleness", [(0.3, 0.3), (1.0, 0.5), (0.1, 0.0), (2.0, 1.0)])
def test_replay_distribution_matches_jaxued(temperature, staleness):
    rng = np.random.default_rng(0)
    scores = rng.normal(size=12)
    timestamps = rng.integers(0, 40, size=12)
    buf = filled_buffer(scores, timestamps, 50, capacity=16)
    theirs = jaxued_sampler.LevelSampler(16, staleness_coeff=staleness,
                                         prioritization_params={"temperature": temperature})
    mine = lb.replay_weights(buf, temperature, staleness)
    np.testing.assert_allclose(mine, theirs.level_weights(as_jaxued(buf)), rtol=1e-5, atol=1e-7)
    assert float(mine[12:].sum()) == 0.0  # empty entries are never replayed


def test_rank_prioritisation_is_a_power_of_reciprocal_rank():
    buf = filled_buffer([0.1, 5.0, 2.0], [0, 0, 0], 0, capacity=3)
    w = np.asarray(lb.score_weights(buf, temperature=0.5))
    expect = np.array([1 / 3, 1.0, 1 / 2]) ** 2  # ranks 3, 1, 2; power 1/0.5
    np.testing.assert_allclose(w, expect / expect.sum(), rtol=1e-6)


def test_sampling_draws_the_same_levels_as_jaxued_and_updates_staleness_alike():
    rng = np.random.default_rng(1)
    buf = filled_buffer(rng.normal(size=20), rng.integers(0, 30, size=20), 30, capacity=24)
    theirs = jaxued_sampler.LevelSampler(24, staleness_coeff=0.3, prioritization_params={"temperature": 0.3})
    key = jax.random.key(7)
    mine_buf, mine_idx = lb.sample_replay(buf, key, 32, 0.3, 0.3)
    their_sampler, (their_idx, _) = theirs.sample_replay_levels(as_jaxued(buf), key, 32)
    np.testing.assert_array_equal(mine_idx, their_idx)
    np.testing.assert_array_equal(mine_buf.timestamps, their_sampler["timestamps"])
    assert int(mine_buf.count) == int(their_sampler["episode_count"]) == 62


def test_empirical_replay_frequencies_follow_the_weights():
    buf = filled_buffer([3.0, 1.0, 2.0, 0.0], [0, 5, 9, 2], 10, capacity=4)
    w = np.asarray(lb.replay_weights(buf, 0.3, 0.3))
    keys = jax.random.split(jax.random.key(0), 4000)
    draws = jax.vmap(lambda k: jax.random.choice(k, 4, p=lb.replay_weights(buf, 0.3, 0.3)))(keys)
    freq = np.bincount(np.asarray(draws), minlength=4) / 4000
    np.testing.assert_allclose(freq, w, atol=0.03)


def test_insertion_matches_jaxued_with_dedup():
    theirs = jaxued_sampler.LevelSampler(4, staleness_coeff=0.3, prioritization_params={"temperature": 0.3},
                                         duplicate_check=True)
    values = [1.0, 2.0, 3.0, 1.0, 4.0, 5.0, 6.0, 2.0, 7.0]
    scores = jnp.asarray([0.5, 0.1, 0.9, 0.7, 0.3, 0.05, 0.8, 0.2, 0.6], jnp.float32)
    buf = lb.buffer_init(toy_task(0.0), 4)
    sampler = as_jaxued(buf)
    buf, mine_idx = lb.insert_batch(buf, toy_batch(values), scores, scores, 0.3, 0.3, dedup=True)
    sampler, their_idx = theirs.insert_batch(sampler, toy_batch(values), scores)
    np.testing.assert_array_equal(mine_idx, their_idx)
    np.testing.assert_allclose(buf.scores, sampler["scores"])
    np.testing.assert_array_equal(buf.timestamps, sampler["timestamps"])
    assert int(buf.size) == int(sampler["size"]) == 4


def test_full_buffer_replaces_its_lowest_score_only_when_beaten():
    buf = filled_buffer([0.5, 0.2, 0.9], [3, 3, 3], 3, capacity=3)  # equal staleness: weight order = score order
    low, idx = lb.insert(buf, toy_task(10.0), jnp.float32(0.1), jnp.float32(0.0), 0.3, 0.3)
    assert int(idx) == -1 and np.allclose(low.scores, buf.scores)
    high, idx = lb.insert(buf, toy_task(10.0), jnp.float32(0.6), jnp.float32(0.0), 0.3, 0.3)
    assert int(idx) == 1  # the 0.2 entry went
    np.testing.assert_allclose(high.scores, [0.5, 0.6, 0.9])
    assert float(high.tasks.params[1]) == 10.0 and int(high.size) == 3


def test_duplicate_updates_its_entry_instead_of_taking_a_second_one():
    buf = filled_buffer([0.5, 0.2], [0, 0], 2, capacity=4)
    out, idx = lb.insert(buf, toy_task(1.0), jnp.float32(0.05), jnp.float32(1.0), 0.3, 0.3, dedup=True)
    assert int(idx) == 1 and int(out.size) == 2
    assert float(out.scores[1]) == pytest.approx(0.05)


def test_rescoring_replaces_scores_and_keeps_the_best_return():
    buf = filled_buffer([0.5, 0.2, 0.9], [0, 0, 0], 3, capacity=3).replace(
        max_returns=jnp.array([0.3, 0.0, 0.8]))
    out = lb.update_scores(buf, jnp.array([0, 2, 2]), jnp.array([0.1, 0.3, 0.4]), jnp.array([0.2, -jnp.inf, 0.9]))
    np.testing.assert_allclose(out.scores, [0.1, 0.2, 0.4])  # entry 2 replayed twice: the larger score
    np.testing.assert_allclose(out.max_returns, [0.3, 0.0, 0.9])
