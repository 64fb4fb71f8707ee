"""Work a batch rarely needs stays a branch under vmap (``envgen.envs.batching``), and the one-uniform
cell sampler that level generation uses is exactly uniform."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from envgen.envs.batching import batch_cond, batch_switch
from envgen.envs.minigrid.worldgen import sample_cell, sample_index


def _branches(calls):
    def expensive(x, y):
        jax.debug.callback(lambda: calls.append(1))
        return x * 2 + y, x

    def cheap(x, y):
        return x - 1 + y, x

    return expensive, cheap


def test_batch_cond_equals_lax_cond_per_element():
    on, off = _branches([])
    x, y = jnp.arange(6.0), jnp.float32(1.0)

    def ours(p, x, y):
        return batch_cond(p, on, off, x, y)

    def ref(p, x, y):
        return jax.lax.cond(p, on, off, x, y)

    for pred in (x > 3, x > 10, x >= 0):
        got = jax.jit(jax.vmap(ours, in_axes=(0, 0, None)))(pred, x, y)
        want = jax.vmap(ref, in_axes=(0, 0, None))(pred, x, y)
        jax.tree.map(np.testing.assert_array_equal, got, want)
    xs = jnp.arange(12.0).reshape(3, 4)  # a batch of batches, and one predicate for the whole batch
    jax.tree.map(np.testing.assert_array_equal, jax.jit(jax.vmap(jax.vmap(ours)))(xs > 6, xs, xs),
                 jax.vmap(jax.vmap(ref))(xs > 6, xs, xs))
    jax.tree.map(np.testing.assert_array_equal, jax.vmap(ours, in_axes=(None, 0, None))(True, x, y),
                 jax.vmap(ref, in_axes=(None, 0, None))(True, x, y))
    assert float(ours(jnp.bool_(False), 2.0, 1.0)[0]) == 2.0


def test_batch_cond_skips_the_branch_no_element_needs():
    calls = []
    on, off = _branches(calls)
    run = jax.jit(jax.vmap(lambda p, x: batch_cond(p, on, off, x, x)))
    x = jnp.arange(8.0)
    jax.block_until_ready(run(x > 100, x))
    assert calls == []
    jax.block_until_ready(run(x > 6, x))
    assert calls  # one element needs it: the batch runs it
    calls.clear()
    nested = jax.jit(jax.vmap(jax.vmap(lambda p, x: batch_cond(p, on, off, x, x))))
    jax.block_until_ready(nested(x.reshape(2, 4) > 100, x.reshape(2, 4)))
    assert calls == []


def test_batch_switch_equals_lax_switch():
    branches = [lambda x: x + 1.0, lambda x: x * 3.0, lambda x: -x]
    idx, x = jnp.array([0, 2, 2, 7, -1]), jnp.arange(5.0)
    got = jax.jit(jax.vmap(lambda i, x: batch_switch(i, branches, x)))(idx, x)
    want = jax.vmap(lambda i, x: jax.lax.switch(i, branches, x))(idx, x)
    np.testing.assert_array_equal(got, want)


def test_sample_cell_is_exactly_uniform_over_the_mask():
    """Evenly spaced uniforms hit every true cell equally often and never a false one."""
    rng = np.random.default_rng(0)
    mask = rng.random((25, 25)) < 0.1
    mask[3, :] = False
    n = int(mask.sum())
    u = (jnp.arange(4 * n) + 0.5) / (4 * n)
    cells, found = jax.jit(jax.vmap(sample_cell, in_axes=(0, None)))(u, jnp.asarray(mask))
    cells = np.asarray(cells)
    assert bool(found.all()) and mask[cells[:, 0], cells[:, 1]].all()
    counts = np.zeros(mask.shape, int)
    np.add.at(counts, (cells[:, 0], cells[:, 1]), 1)
    assert (counts[mask] == 4).all()
    pos, ok = sample_cell(jnp.float32(0.7), jnp.zeros((25, 25), bool))
    assert not bool(ok) and pos.tolist() == [0, 0]


def test_sample_index_is_exactly_uniform_over_the_mask():
    mask = jnp.asarray([False, True, True, False, True])
    u = (jnp.arange(9) + 0.5) / 9
    picks = np.asarray(jax.vmap(sample_index, in_axes=(0, None))(u, mask))
    assert sorted(picks.tolist()) == [1, 1, 1, 2, 2, 2, 4, 4, 4]
    assert int(sample_index(jnp.float32(0.3), jnp.zeros(5, bool))) == 0
