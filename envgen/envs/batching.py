"""Branches that stay branches under ``vmap``.

``jax.vmap`` of ``lax.cond`` with a batched predicate becomes a ``select``: both branches run for every
element. For work that a batch rarely needs (moving obstacles, reward features nobody weights, a layout
no config uses) that is most of a step. :func:`batch_cond` keeps one real branch for the whole batch:
the expensive side runs only when some element needs it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax.custom_batching import custom_vmap


def _batched(x: Any, batched: bool, size: int) -> jax.Array:
    return x if batched else jnp.broadcast_to(x, (size, *jnp.shape(x)))


def batch_cond(pred: jax.Array, true_fn: Callable, false_fn: Callable, *operands: Any) -> Any:
    """``lax.cond(pred, true_fn, false_fn, *operands)`` whose ``vmap`` skips ``true_fn`` for the batch
    when no element's ``pred`` holds (elements that need it get it; the others get ``false_fn``).

    Same results as ``lax.cond`` (per element) with or without ``vmap``, nested ``vmap`` included.
    The branches must take everything they use as ``operands`` (a closure over a traced value cannot
    be batched); ``false_fn`` should be the cheap side, since a batch that needs ``true_fn`` anywhere
    computes both and selects.
    """

    @custom_vmap
    def run(pred, *ops):
        return jax.lax.cond(pred, true_fn, false_fn, *ops)

    @run.def_vmap
    def rule(axis_size, in_batched, pred, *ops):
        pred_batched, ops_batched = in_batched[0], in_batched[1:]
        ops = jax.tree.map(lambda x, b: _batched(x, b, axis_size), list(ops), list(ops_batched))
        if not pred_batched:  # one predicate for the whole batch: an ordinary branch
            out = jax.lax.cond(pred, lambda *o: jax.vmap(true_fn)(*o), lambda *o: jax.vmap(false_fn)(*o), *ops)
        else:
            def both(pred, *o):
                on, off = jax.vmap(true_fn)(*o), jax.vmap(false_fn)(*o)
                return jax.tree.map(lambda a, b: jnp.where(pred.reshape(pred.shape + (1,) * (a.ndim - 1)), a, b),
                                    on, off)

            def neither(pred, *o):
                return jax.vmap(false_fn)(*o)

            # recursing keeps an outer vmap (a batch of batches) a branch as well
            out = batch_cond(jnp.any(pred), both, neither, pred, *ops)
        return out, jax.tree.map(lambda _: True, out)

    return run(pred, *operands)


def batch_switch(index: jax.Array, branches: list[Callable], *operands: Any) -> Any:
    """``lax.switch(index, branches, *operands)`` whose ``vmap`` runs a branch only when some element of
    the batch selects it (``index`` is clamped as ``lax.switch`` does). Same results as ``lax.switch``;
    the branches, like :func:`batch_cond`'s, take everything they use as ``operands``.
    """
    index = jnp.clip(index, 0, len(branches) - 1)
    shape = jax.eval_shape(branches[0], *operands)
    out = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shape)
    for i, branch in enumerate(branches):
        out = batch_cond(index == i, lambda _, *ops, branch=branch: branch(*ops), lambda prev, *_: prev, out, *operands)
    return out
