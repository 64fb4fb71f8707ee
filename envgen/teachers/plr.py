"""``plr`` and ``accel``: Robust Prioritized Level Replay and ACCEL over a level buffer held inside ``jit``.

Each chunk is one of three kinds, chosen in ``sample``:

* **new** -- fresh tasks (domain randomisation over the space, or the targets on new levels); the update
  scores them and inserts the ones that beat the buffer's weakest entry;
* **replay** -- taken once the buffer is ``min_fill`` full, with probability ``replay_prob``: entries drawn
  from the replay distribution (:mod:`envgen.teachers.level_buffer`); the update rescores them;
* **mutate** (ACCEL only, always right after a replay chunk) -- every replayed task mutated
  (:mod:`envgen.teachers.mutations`); the update scores and inserts them.

Replayed tasks keep their exact level for the whole chunk: the teacher says ``refresh_levels = False`` so
the loop never swaps a random level into a replay slot at auto-reset (a bug reported against minimax,
whose auto-reset replaced replayed levels with random ones). ``robust``
(PLR-perp) means the student learns only from replay chunks; ``learns(state)`` tells the loop.
Defaults are JaxUED's ``maze_plr.py``: capacity 4000, replay 0.8, staleness 0.3, temperature 0.3,
minimum fill 0.5, deduplication on; ACCEL's edits per mutation 5.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
from flax import struct

from envgen.tasks.sampling import tasks_from_vectors
from envgen.tasks.space import ParamSpace
from envgen.tasks.task import Task, index_tasks
from envgen.teachers import level_buffer as lb
from envgen.teachers.base import TaskStats, Teacher, cycle_tasks, fresh_levels
from envgen.teachers.mutations import mutate

NEW, REPLAY, MUTATE = 0, 1, 2
KIND_NAMES = ("new", "replay", "mutate")


@dataclass(frozen=True)
class PLRConfig:
    """Buffer and replay settings (JaxUED ``maze_plr.py`` defaults) and ACCEL's mutation settings."""

    capacity: int = 4000
    replay_prob: float = 0.8
    staleness_coef: float = 0.3
    temperature: float = 0.3
    min_fill: float = 0.5
    dedup: bool = True
    robust: bool = True
    score: str = "pvl"  # "pvl" (positive value loss) or "maxmc"; the student computes both
    accel: bool = False
    mutation: str = "level"  # "level", "params" or "both"
    num_edits: int = 5
    param_step: float = 0.1

    def __post_init__(self):
        checks = [(self.capacity >= 1, "capacity must be >= 1"),
                  (0.0 <= self.replay_prob <= 1.0, "replay_prob must be in [0, 1]"),
                  (0.0 <= self.staleness_coef <= 1.0, "staleness_coef must be in [0, 1]"),
                  (self.temperature > 0.0, "temperature must be > 0"),
                  (0.0 <= self.min_fill <= 1.0, "min_fill must be in [0, 1]"),
                  (self.score in ("pvl", "maxmc"), "score must be 'pvl' or 'maxmc'"),
                  (self.mutation in ("level", "params", "both"), "mutation must be 'level', 'params' or 'both'"),
                  (self.num_edits >= 1, "num_edits must be >= 1")]
        for ok, message in checks:
            if not ok:
                raise ValueError(f"plr: {message}")


class PLRState(struct.PyTreeNode):
    """The buffer, the kind of the last chunk and the buffer entries it replayed."""

    buffer: lb.LevelBuffer
    kind: jax.Array   # int32: NEW, REPLAY or MUTATE
    idx: jax.Array    # [n] buffer entries of the last replay chunk
    chunks: jax.Array
    kinds_seen: jax.Array  # [3] chunks of each kind so far


class PLRTeacher(Teacher):
    """Robust PLR, or ACCEL with ``config.accel`` (see module docstring).

    New tasks come from ``space`` (uniform vectors, a fresh level each) when given, otherwise from
    ``targets`` on fresh levels.
    """

    refresh_levels = False

    def __init__(self, env: Any, config: PLRConfig = PLRConfig(), space: ParamSpace | None = None,
                 targets: Task | None = None, reward: Any = None):
        if space is None and targets is None:
            raise ValueError("plr: new levels need a parameter space or target tasks")
        self.env = env
        self.config = config
        self.space = space
        self.targets = targets
        self.reward = reward
        self.name = "accel" if config.accel else "plr"

    def _placeholder(self) -> Task:
        if self.targets is not None:
            return index_tasks(self.targets, 0)
        return index_tasks(self._new(jax.random.key(0), 1), 0)

    def _new(self, key: jax.Array, n: int) -> Task:
        k_u, k_level = jax.random.split(key)
        if self.space is not None:
            return tasks_from_vectors(self.env, self.space, k_level, self.space.sample(k_u, (n,)), self.reward)
        return fresh_levels(self.env, k_level, cycle_tasks(self.targets, n))

    def init(self, key: jax.Array, n: int) -> PLRState:
        buf = lb.buffer_init(self._placeholder(), self.config.capacity)
        return PLRState(buffer=buf, kind=jnp.array(NEW, jnp.int32), idx=jnp.zeros((n,), jnp.int32),
                        chunks=jnp.zeros((), jnp.int32), kinds_seen=jnp.zeros((3,), jnp.int32))

    def replay_distribution(self, state: PLRState) -> jax.Array:
        """The current probability of replaying each buffer entry."""
        return lb.replay_weights(state.buffer, self.config.temperature, self.config.staleness_coef)

    def learns(self, state: PLRState) -> bool:
        """Whether the student should take gradient steps on the last sampled chunk (PLR-perp: replay only)."""
        return (not self.config.robust) or int(state.kind) == REPLAY

    @partial(jax.jit, static_argnames=("self",))
    def _decide(self, state: PLRState, key: jax.Array) -> jax.Array:
        cfg, buf = self.config, state.buffer
        filled = buf.size >= jnp.ceil(cfg.min_fill * cfg.capacity).astype(jnp.int32)
        replay = filled & (buf.size > 0) & (jax.random.uniform(key) < cfg.replay_prob)
        kind = jnp.where(replay, REPLAY, NEW)
        if cfg.accel:  # ACCEL mutates what it just replayed
            kind = jnp.where(state.kind == REPLAY, MUTATE, kind)
        return kind.astype(jnp.int32)

    @partial(jax.jit, static_argnames=("self",))
    def _replay(self, state: PLRState, key: jax.Array) -> tuple[PLRState, Task]:
        cfg = self.config
        buf, idx = lb.sample_replay(state.buffer, key, state.idx.shape[0], cfg.temperature, cfg.staleness_coef)
        return state.replace(buffer=buf, idx=idx), index_tasks(buf.tasks, idx)

    def sample(self, state: PLRState, key: jax.Array) -> tuple[PLRState, Task]:
        cfg, n = self.config, state.idx.shape[0]
        k_decide, k_branch = jax.random.split(key)
        # the kind is read on the host (one scalar between chunks): each branch then runs its own
        # compiled code, and level generation is the env's shared make_tasks
        kind = int(self._decide(state, k_decide))
        if kind == REPLAY:
            state, tasks = self._replay(state, k_branch)
        elif kind == MUTATE:
            parents = index_tasks(state.buffer.tasks, state.idx)
            tasks = mutate(self.env, self.space, k_branch, parents, cfg.mutation, cfg.num_edits, cfg.param_step)
        else:
            tasks = self._new(k_branch, n)
        state = state.replace(kind=jnp.asarray(kind, jnp.int32), chunks=state.chunks + 1,
                              kinds_seen=state.kinds_seen.at[kind].add(1))
        return state, tasks

    @partial(jax.jit, static_argnames=("self",))
    def update(self, state: PLRState, tasks: Task, stats: TaskStats) -> PLRState:
        cfg = self.config
        finished = stats.episodes > 0
        max_returns = jnp.where(finished, stats.returns, -jnp.inf)

        def rescore(b):
            return lb.update_scores(b, state.idx, stats.score, max_returns)

        def add(b):
            b, _ = lb.insert_batch(b, tasks, stats.score, max_returns, cfg.temperature, cfg.staleness_coef, cfg.dedup)
            return b

        buf = jax.lax.cond(state.kind == REPLAY, rescore, add, state.buffer)
        return state.replace(buffer=buf)

    def summary(self, state: PLRState) -> dict[str, Any]:
        buf = state.buffer
        size = int(buf.size)
        scores = buf.scores[:size]
        return {"kind": KIND_NAMES[int(state.kind)], "buffer_size": size,
                "buffer_mean_score": float(jnp.mean(scores)) if size else 0.0,
                "buffer_max_score": float(jnp.max(scores)) if size else 0.0,
                "kinds_seen": [int(k) for k in state.kinds_seen]}
