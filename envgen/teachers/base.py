"""The teacher protocol: ``init`` / ``sample`` / ``update`` over a pytree state, and the stats teachers read.

A teacher proposes the tasks of the next training chunk and learns from how the student did on them:

    state = teacher.init(key, n)                    # n = env slots per chunk (fixed: shapes are static)
    state, tasks = teacher.sample(state, key)       # a batch of n Tasks
    ...train a chunk on ``tasks``...
    state = teacher.update(state, tasks, stats)     # stats: a TaskStats, one entry per slot

``sample`` returns the state too (DESIGN decision 6 has it return only the tasks): PLR must record which
buffer entries it replayed and when, ALP-GMM which vectors it drew, so the update can credit them. The state
is a pytree of arrays, so a checkpoint saves it and a resume is exact. Pure-JAX teachers (fixed, random,
sequence, PLR, ACCEL) jit both calls; ALP-GMM and the LLM teacher update on the host between chunks.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from flax import struct

from envgen.tasks.task import Task


class TaskStats(struct.PyTreeNode):
    """How the student did on each env slot's task during one chunk (leading axis = slot)."""

    episodes: jax.Array    # [n] finished episodes
    returns: jax.Array     # [n] mean task return of the finished episodes (0 where none finished)
    success: jax.Array     # [n] mean success of the finished episodes, in [0, 1]
    score: jax.Array       # [n] the student's regret estimate for the slot (positive value loss or MaxMC)
    achievements: jax.Array  # [n, K] fraction of finished episodes that unlocked each skill (K may be 0)
    wraps: jax.Array       # [n] episodes that started on a level the slot had already run in the chunk

    @classmethod
    def make(cls, episodes: Any, returns: Any = None, success: Any = None, score: Any = None,
             achievements: Any = None) -> TaskStats:
        """Stats with missing fields as zeros (shapes follow ``episodes``)."""
        episodes = jnp.asarray(episodes, jnp.float32)
        zeros = jnp.zeros_like(episodes)
        as_f = lambda x: zeros if x is None else jnp.asarray(x, jnp.float32)
        ach = jnp.zeros((episodes.shape[0], 0), jnp.float32) if achievements is None else achievements
        return cls(episodes=episodes, returns=as_f(returns), success=as_f(success), score=as_f(score),
                   achievements=jnp.asarray(ach, jnp.float32), wraps=zeros)

    @classmethod
    def from_sums(cls, episodes: Any, return_sums: Any, success_sums: Any, score: Any,
                  achievement_sums: Any = None) -> TaskStats:
        """Stats from per-slot totals over finished episodes (the student's SlotStats shape)."""
        episodes = jnp.asarray(episodes, jnp.float32)
        per = lambda x: jnp.asarray(x, jnp.float32) / jnp.maximum(episodes, 1.0).reshape(
            (-1,) + (1,) * (jnp.ndim(x) - 1))
        ach = None if achievement_sums is None else per(achievement_sums)
        return cls.make(episodes, per(return_sums), per(success_sums), score, ach)


class Teacher:
    """Base class of every teacher (see the module docstring for the protocol).

    ``sample`` and ``update`` are called between chunks. Their state logic is jitted (``self`` static);
    level generation goes through the env's jitted ``make_tasks`` (:func:`fresh_levels`). ``jittable``
    is false for the teachers whose update runs on the host (ALP-GMM's fits, the LLM).
    ``refresh_levels`` tells the loop whether later episodes of a chunk start on new levels of each
    slot's task (the default) or replay the slot's level (PLR and ACCEL replay exact levels, so they
    say no).
    """

    name = "teacher"
    jittable = True
    refresh_levels = True

    def init(self, key: jax.Array, n: int) -> Any:
        """The initial state for ``n`` env slots per chunk."""
        raise NotImplementedError

    def sample(self, state: Any, key: jax.Array) -> tuple[Any, Task]:
        """The next chunk's tasks (one per slot) and the state that remembers them."""
        raise NotImplementedError

    def update(self, state: Any, tasks: Task, stats: TaskStats) -> Any:
        """Learn from the student's results on ``tasks``."""
        return state

    def summary(self, state: Any) -> dict[str, Any]:
        """Host-side numbers for logs and the progress bar (plain Python values)."""
        return {}

    # jit treats ``self`` as static: identity hashing keeps one compiled program per teacher object
    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other


def fresh_levels(env: Any, key: jax.Array, tasks: Task) -> Task:
    """The same tasks on newly generated levels.

    Teachers call the env's own jitted ``make_tasks`` rather than tracing level generation into their
    own jitted functions: world generation is the expensive compile, and this way every teacher (and the
    loop) shares one compiled program per batch size.
    """
    n = jax.tree.leaves(tasks.reward)[0].shape[0]
    return env.make_tasks(jax.random.split(key, n), tasks.params, tasks.reward)


def broadcast_tree(tree: Any, n: int) -> Any:
    """Repeat an unbatched pytree ``n`` times along a new leading axis."""
    return jax.tree.map(lambda x: jnp.broadcast_to(x, (n, *jnp.shape(x))), tree)


def cycle_tasks(tasks: Task, n: int) -> Task:
    """``n`` tasks taken from a batch in order, wrapping around."""
    count = jax.tree.leaves(tasks.reward)[0].shape[0]
    return jax.tree.map(lambda x: x[jnp.arange(n) % count], tasks)
