"""Robust PLR's level buffer as a pytree: fixed capacity, scores, staleness, rank prioritisation.

The replay distribution is ``(1 - rho) * P_score + rho * P_staleness`` (Jiang et al.), where ``P_score`` is
proportional to ``(1 / rank) ** (1 / temperature)`` with rank 1 for the highest score (a power of the
reciprocal rank, never a division by the temperature and never a zero rank: a bug
reported against minimax's rank prioritisation), and
``P_staleness`` to the number of sampling events since the entry was last sampled. The clock ``count``
ticks once per replayed draw and once per insertion attempt, and a full buffer replaces its
lowest-weighted entry when the newcomer's score beats that entry's score -- the same bookkeeping as
JaxUED's ``LevelSampler`` (tests/teachers check the two agree on the same scores and staleness).
Every function is pure and jittable.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from flax import struct

from envgen.teachers.base import broadcast_tree


class LevelBuffer(struct.PyTreeNode):
    """Stored tasks (leading axis = capacity) with their scores and sampling timestamps."""

    tasks: Any
    scores: jax.Array       # [C] float32, -inf where empty
    max_returns: jax.Array  # [C] highest episode return seen on the entry (MaxMC's reference)
    timestamps: jax.Array   # [C] int32 value of ``count`` when the entry was last sampled or inserted
    size: jax.Array         # int32 entries filled (entries [0, size) are valid)
    count: jax.Array        # int32 staleness clock

    @property
    def capacity(self) -> int:
        return int(self.scores.shape[0])


def buffer_init(placeholder: Any, capacity: int) -> LevelBuffer:
    """An empty buffer shaped like ``placeholder`` (one unbatched task)."""
    return LevelBuffer(tasks=broadcast_tree(placeholder, capacity) if capacity else placeholder,
                       scores=jnp.full((capacity,), -jnp.inf, jnp.float32),
                       max_returns=jnp.full((capacity,), -jnp.inf, jnp.float32),
                       timestamps=jnp.zeros((capacity,), jnp.int32), size=jnp.zeros((), jnp.int32),
                       count=jnp.zeros((), jnp.int32))


def valid_mask(buf: LevelBuffer) -> jax.Array:
    """Which entries hold a level."""
    return jnp.arange(buf.capacity) < buf.size


def score_weights(buf: LevelBuffer, temperature: float) -> jax.Array:
    """Rank prioritisation: ``(1/rank)^(1/temperature)`` over the filled entries, normalised."""
    mask = valid_mask(buf)
    order = jnp.argsort(-jnp.where(mask, buf.scores, -jnp.inf))
    ranks = jnp.zeros_like(order).at[order].set(jnp.arange(1, buf.capacity + 1))
    w = jnp.where(mask, (1.0 / ranks) ** (1.0 / temperature), 0.0)
    return w / jnp.maximum(w.sum(), 1e-30)


def staleness_weights(buf: LevelBuffer) -> jax.Array:
    """Proportional to the sampling events since each entry was last sampled (uniform if all fresh)."""
    mask = valid_mask(buf)
    stale = jnp.where(mask, buf.count - buf.timestamps, 0).astype(jnp.float32)
    uniform = mask / jnp.maximum(buf.size, 1)
    return jnp.where(stale.sum() > 0, stale / jnp.maximum(stale.sum(), 1e-30), uniform)


def replay_weights(buf: LevelBuffer, temperature: float, staleness_coef: float) -> jax.Array:
    """The replay distribution ``(1 - rho) * P_score + rho * P_staleness``."""
    return (1.0 - staleness_coef) * score_weights(buf, temperature) + staleness_coef * staleness_weights(buf)


def sample_replay(buf: LevelBuffer, key: jax.Array, n: int, temperature: float,
                  staleness_coef: float) -> tuple[LevelBuffer, jax.Array]:
    """Draw ``n`` entries one after another (each draw refreshes its entry's staleness)."""

    def draw(b, k):
        idx = jax.random.choice(k, b.capacity, p=replay_weights(b, temperature, staleness_coef))
        count = b.count + 1
        return b.replace(timestamps=b.timestamps.at[idx].set(count), count=count), idx

    return jax.lax.scan(draw, buf, jax.random.split(key, n))


def find(buf: LevelBuffer, task: Any) -> jax.Array:
    """Index of an entry equal to ``task`` leaf by leaf (params and level), or -1."""
    eq = [jnp.all((x == y).reshape(buf.capacity, -1), axis=1)
          for x, y in zip(jax.tree.leaves((buf.tasks.params, buf.tasks.level)),
                          jax.tree.leaves((task.params, task.level)), strict=True)]
    hit = jnp.all(jnp.stack(eq), axis=0) & valid_mask(buf)
    return jnp.where(hit.any(), jnp.argmax(hit), -1)


def insert(buf: LevelBuffer, task: Any, score: jax.Array, max_return: jax.Array, temperature: float,
           staleness_coef: float, dedup: bool = True) -> tuple[LevelBuffer, jax.Array]:
    """Insert one task: into a free entry, or over the lowest-weighted one if ``score`` beats its score.

    With ``dedup`` a task already stored updates that entry's score instead. Returns the index written
    (-1 when the task was not good enough to enter a full buffer).
    """
    count = buf.count + 1
    full = buf.size >= buf.capacity
    slot = jnp.where(full, jnp.argmin(replay_weights(buf, temperature, staleness_coef)), buf.size)
    take = buf.scores[slot] < score
    same = find(buf, task) if dedup else jnp.array(-1)
    dup = same >= 0
    target = jnp.where(dup, same, slot)
    write = dup | take
    tasks = jax.tree.map(lambda xs, x: xs.at[target].set(jnp.where(write & ~dup, x, xs[target])),
                         buf.tasks, task)
    new = buf.replace(
        tasks=tasks,
        scores=buf.scores.at[target].set(jnp.where(write, score, buf.scores[target])),
        max_returns=buf.max_returns.at[target].set(
            jnp.where(dup, jnp.maximum(buf.max_returns[target], max_return),
                      jnp.where(write, max_return, buf.max_returns[target]))),
        timestamps=buf.timestamps.at[target].set(jnp.where(write, count, buf.timestamps[target])),
        size=jnp.where(write & ~dup & ~full, buf.size + 1, buf.size),
        count=count)
    return new, jnp.where(write, target, -1)


def insert_batch(buf: LevelBuffer, tasks: Any, scores: jax.Array, max_returns: jax.Array, temperature: float,
                 staleness_coef: float, dedup: bool = True) -> tuple[LevelBuffer, jax.Array]:
    """Insert a batch of tasks one after another (later ones see the earlier insertions)."""

    def one(b, item):
        task, score, max_return = item
        return insert(b, task, score, max_return, temperature, staleness_coef, dedup)

    return jax.lax.scan(one, buf, (tasks, scores, max_returns))


def update_scores(buf: LevelBuffer, idx: jax.Array, scores: jax.Array, max_returns: jax.Array) -> LevelBuffer:
    """New scores for replayed entries; ``max_returns`` raise each entry's best return (-inf: no episode ended).

    The score is the rollout's regret estimate and needs no finished episode (positive value loss is
    defined on any stretch of experience), so it always replaces the old one.
    """
    # a level replayed in two slots gets the larger of its scores: deterministic under scatter
    return buf.replace(scores=buf.scores.at[idx].set(-jnp.inf).at[idx].max(scores),
                       max_returns=buf.max_returns.at[idx].max(max_returns))
