"""The students a curriculum can train: ``random`` (a uniform-random policy) and ``ppo``
(:mod:`envgen.train`'s PPO).

A student trains several independent seeds at once: its state for a batch of seeds is the per-seed
state stacked on a leading seed axis, and one jitted, seed-vmapped program trains (or evaluates) all of
them, so the curriculum loop can advance the runs of a comparison in lockstep (one run is a batch of
one). Both students answer

- ``init(key, tasks)``: one seed's state (what a run's checkpoint holds);
- ``stack(states)`` / ``unstack(state, i)``: a batch of seeds from per-seed states, and back;
- ``train_seeds(state, keys, tasks, learn, score, fresh) -> state, TaskStats``: one chunk for every seed
  (``keys [S]``, ``tasks [S, n, ...]``, ``learn [S]``, ``fresh [S]``; stats ``[S, n]``);
- ``evaluate_seeds(state, keys, tasks, steps) -> TaskStats``: one rollout per seed (PPO: one episode per
  slot cut at ``steps``, an unfinished one a failure).

Every chunk starts each env slot on its new task (as JaxUED's rollouts do), so a chunk's stats describe
exactly the tasks the teacher sampled; episodes still running at the end of a chunk are dropped. With
``fresh`` (the default) every later episode of a PPO slot starts on a new level of the slot's task (a
pool made per chunk, see :meth:`envgen.train.ppo.PPO.train_chunk`); without it (PLR and ACCEL, which
replay levels on purpose) the slot replays its level.
``learn=False`` keeps that seed's network unchanged (robust PLR's "no gradient on new levels"): the
update is computed and discarded. The seeds never mix: each seed's results are those of running it alone.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from envgen.tasks.task import Task
from envgen.tasks.task import index_tasks as seed_slice  # any pytree: entry i of the leading axis
from envgen.tasks.task import stack_tasks as stack_trees  # any pytrees: stacked on a new leading axis
from envgen.teachers.base import TaskStats
from envgen.teachers.rollout import rollout_stats


class _SeedBatched:
    """What both students share: stacking, the vmapped evaluation cache, one-seed convenience calls."""

    def stack(self, states: list[Any]) -> Any:
        """A seed batch from per-seed states (placed on the student's devices)."""
        return self._place(stack_trees(states))

    def unstack(self, state: Any, i: int) -> Any:
        """Seed ``i``'s state, as :meth:`init` shapes it (what a checkpoint holds)."""
        return seed_slice(state, i)

    def _place(self, state: Any, tasks: Task | None = None) -> Any:
        return state if tasks is None else (state, tasks)

    def train_chunk(self, state: Any, key: jax.Array, tasks: Task, learn: bool = True,
                    score: str | None = None, fresh: bool = True) -> tuple[Any, TaskStats]:
        """One chunk for one seed (a batch of one)."""
        states, stats = self.train_seeds(self.stack([state]), key[None], stack_trees([tasks]),
                                         jnp.asarray([learn]), score, jnp.asarray([fresh]))
        return self.unstack(states, 0), seed_slice(stats, 0)

    def evaluate(self, state: Any, key: jax.Array, tasks: Task, steps: int) -> TaskStats:
        """One evaluation rollout for one seed."""
        return seed_slice(self.evaluate_seeds(self.stack([state]), key[None], stack_trees([tasks]), steps), 0)

    def evaluate_seeds(self, state: Any, keys: jax.Array, tasks: Task, steps: int) -> TaskStats:
        """One evaluation rollout per seed, vmapped; compiled once per ``steps``."""
        cache = self.__dict__.setdefault("_eval_seeds", {})
        if steps not in cache:
            cache[steps] = jax.jit(jax.vmap(self._eval_one(steps)))
        return cache[steps](state, keys, tasks)


class RandomStudent(_SeedBatched):
    """A uniform-random policy: measures the tasks, learns nothing (the no-learning reference)."""

    name = "random"

    def __init__(self, env: Any, num_envs: int, steps: int):
        self.env = env
        self.steps = steps
        self._train = jax.jit(jax.vmap(self._chunk))

    def init(self, key: jax.Array, tasks: Task) -> Any:
        return {"chunks": jnp.zeros((), jnp.int32)}

    def _chunk(self, state: Any, key: jax.Array, tasks: Task) -> tuple[Any, TaskStats]:
        return {"chunks": state["chunks"] + 1}, rollout_stats(self.env, key, tasks, self.steps)

    def train_seeds(self, state: Any, keys: jax.Array, tasks: Task, learn: Any,
                    score: str | None = None, fresh: Any = None) -> tuple[Any, TaskStats]:
        """One chunk for every seed (``learn``, ``score`` and ``fresh`` do not apply: nothing is learned, and
        every slot measures its own task)."""
        return self._train(state, keys, tasks)

    def _eval_one(self, steps: int) -> Any:
        return lambda state, key, tasks: rollout_stats(self.env, key, tasks, steps)


class PPOStudent(_SeedBatched):
    """The PPO student of :mod:`envgen.train`; ``steps`` per slot = num_steps x updates_per_chunk.

    ``settings`` are :class:`~envgen.train.config.PPOConfig` fields, plus ``devices``: split the env slots
    over that many local devices (as ``envgen train`` does; the network is replicated and XLA turns the
    update's means into collectives); the seed axis stays whole on every device. ``score`` picks the
    default PLR score a chunk reports ("pvl": positive value loss, "maxmc"); both are computed, so one
    compiled chunk serves every teacher. ``ppo.traces`` counts how often the chunk was traced.
    """

    name = "ppo"

    def __init__(self, env: Any, num_envs: int, steps: int, settings: dict[str, Any], score: str = "pvl"):
        from envgen.train.config import PPOConfig
        from envgen.train.evaluation import make_evaluator
        from envgen.train.ppo import PPO

        settings = dict(settings)
        self.mesh = _slot_mesh(int(settings.pop("devices", 1)), num_envs)
        updates = int(settings.pop("updates_per_chunk", 1))
        num_steps = max(steps // updates, 1)
        self.config = PPOConfig.from_dict({**settings, "num_envs": num_envs, "num_steps": num_steps,
                                           "updates_per_chunk": updates})
        self.ppo = PPO(env, self.config)
        self.env = env
        self.score = score
        self._init = jax.jit(self.ppo.init)
        self._train = jax.jit(jax.vmap(self._chunk))
        self._make_evaluator = make_evaluator

    def init(self, key: jax.Array, tasks: Task) -> Any:
        return self._init(key, tasks)

    def _place(self, runner: Any, tasks: Task | None = None) -> Any:
        """A seed batch (and its tasks) with the env slots split over the slot mesh (as is on one device)."""
        if self.mesh is not None:
            from envgen.train.sharding import state_shardings

            tree = {"runner": runner, "tasks": runner.starts if tasks is None else tasks}
            placed = jax.device_put(tree, state_shardings(tree, self.mesh, slot_axis=1))
            runner, tasks = placed["runner"], (None if tasks is None else placed["tasks"])
        return runner if tasks is None else (runner, tasks)

    def _start_on(self, runner: Any, key: jax.Array, tasks: Task) -> Any:
        n = jax.tree.leaves(tasks.reward)[0].shape[0]
        obs, env_state = jax.vmap(self.env.reset)(jax.random.split(key, n), tasks)
        zeros = jnp.zeros_like(runner.episodes.ret)
        return runner.replace(env_state=env_state, obs=obs, starts=jnp.ones_like(runner.starts),
                              hidden=jnp.zeros_like(runner.hidden),
                              episodes=runner.episodes.replace(ret=zeros, task_ret=zeros,
                                                               length=jnp.zeros_like(runner.episodes.length)))

    def _chunk(self, runner: Any, key: jax.Array, tasks: Task, learn: jax.Array,
               fresh: jax.Array) -> tuple[Any, Any]:
        """One seed's chunk (vmapped and jitted in ``_train``): stats with the PVL score, and MaxMC."""
        new, metrics = self.ppo.train_chunk(self._start_on(runner, key, tasks), tasks, fresh)
        # learn=False: the update was computed; the network and optimiser stay as they were
        new = new.replace(train=jax.tree.map(lambda a, b: jnp.where(learn, a, b), new.train, runner.train))
        s = metrics.slots
        stats = TaskStats.from_sums(s.episodes, s.task_returns, s.successes, metrics.pvl, s.achievements)
        return new, (stats.replace(wraps=s.wraps), metrics.maxmc)

    def train_seeds(self, state: Any, keys: jax.Array, tasks: Task, learn: Any,
                    score: str | None = None, fresh: Any = None) -> tuple[Any, TaskStats]:
        """One chunk for every seed: one call of the compiled, seed-vmapped chunk (``fresh [S]``: new
        levels for later episodes, the default; False replays each slot's level)."""
        self.ppo.check_tasks(tasks)
        state, tasks = self._place(state, tasks)
        fresh = jnp.ones((keys.shape[0],), bool) if fresh is None else jnp.asarray(fresh, bool)
        new, (stats, maxmc) = self._train(state, keys, tasks, jnp.asarray(learn, bool), fresh)
        if (score or self.score) == "maxmc":
            stats = stats.replace(score=maxmc)
        return new, stats

    def _eval_one(self, steps: int) -> Any:
        evaluator = self._make_evaluator(self.ppo, steps)

        def evaluate(state: Any, key: jax.Array, tasks: Task) -> TaskStats:
            res = evaluator(state.train.params, tasks, key)
            # one episode per slot, cut at ``steps``: an unfinished episode counts as a failure (counting
            # only finished ones would favour the quick successes); Crafter counts what it unlocked so far
            ach = res.achievements.astype(jnp.float32)
            success = ach.mean(-1) if ach.shape[1] else res.success
            return TaskStats.make(jnp.ones_like(res.success), returns=res.task_returns, success=success,
                                  achievements=ach)

        return evaluate


def _slot_mesh(devices: int, num_envs: int) -> Any:
    """A mesh over the first ``devices`` local devices, or None for one device."""
    if devices < 1 or devices > jax.local_device_count():
        raise ValueError(f"devices = {devices}, but this process has {jax.local_device_count()} device(s)")
    if num_envs % devices:
        raise ValueError(f"num_envs = {num_envs} is not divisible by devices = {devices}")
    if devices == 1:
        return None
    from envgen.train.sharding import data_mesh

    return data_mesh(jax.local_devices()[:devices])
