"""The students a curriculum can train: ``random`` (a uniform-random policy) and ``ppo`` (issue 9's PPO).

Both answer ``init(key, tasks)``, ``train_chunk(state, key, tasks, learn) -> state, TaskStats`` and
``evaluate(state, key, tasks, steps) -> TaskStats`` (PPO: one episode per slot cut at ``steps``, an
unfinished one a failure). Every chunk starts each env slot on its new task
(as JaxUED's rollouts do), so a chunk's stats describe exactly the tasks the teacher sampled; episodes
still running at the end of a chunk are dropped. ``learn=False`` keeps the network unchanged (robust
PLR's "no gradient on new levels"): the update is computed and discarded.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from envgen.tasks.task import Task
from envgen.teachers.base import TaskStats
from envgen.teachers.rollout import rollout_stats


class RandomStudent:
    """A uniform-random policy: measures the tasks, learns nothing (the no-learning reference)."""

    name = "random"

    def __init__(self, env: Any, num_envs: int, steps: int):
        self.env = env
        self.steps = steps

    def init(self, key: jax.Array, tasks: Task) -> Any:
        return {"chunks": jnp.zeros((), jnp.int32)}

    def train_chunk(self, state: Any, key: jax.Array, tasks: Task, learn: bool = True) -> tuple[Any, TaskStats]:
        return {"chunks": state["chunks"] + 1}, rollout_stats(self.env, key, tasks, self.steps)

    def evaluate(self, state: Any, key: jax.Array, tasks: Task, steps: int) -> TaskStats:
        return rollout_stats(self.env, key, tasks, steps)


class PPOStudent:
    """The PPO student of :mod:`envgen.train` on one seed; ``steps`` per slot = num_steps x updates_per_chunk.

    ``settings`` are :class:`~envgen.train.config.PPOConfig` fields; ``score`` picks the PLR score the
    chunk reports ("pvl": positive value loss, "maxmc").
    """

    name = "ppo"

    def __init__(self, env: Any, num_envs: int, steps: int, settings: dict[str, Any], score: str = "pvl"):
        from envgen.train.config import PPOConfig
        from envgen.train.evaluation import make_evaluator
        from envgen.train.ppo import PPO

        settings = dict(settings)
        updates = int(settings.pop("updates_per_chunk", 1))
        num_steps = max(steps // updates, 1)
        self.config = PPOConfig.from_dict({**settings, "num_envs": num_envs, "num_steps": num_steps,
                                           "updates_per_chunk": updates})
        self.ppo = PPO(env, self.config)
        self.env = env
        self.score = score
        self._train = jax.jit(self.ppo.train_chunk)
        self._init = jax.jit(self.ppo.init)
        self._make_evaluator = make_evaluator
        self._evaluators: dict[int, Any] = {}

    def init(self, key: jax.Array, tasks: Task) -> Any:
        return self._init(key, tasks)

    def _start_on(self, runner: Any, key: jax.Array, tasks: Task) -> Any:
        n = jax.tree.leaves(tasks.reward)[0].shape[0]
        obs, env_state = jax.vmap(self.env.reset)(jax.random.split(key, n), tasks)
        zeros = jnp.zeros_like(runner.episodes.ret)
        return runner.replace(env_state=env_state, obs=obs, starts=jnp.ones_like(runner.starts),
                              hidden=jnp.zeros_like(runner.hidden),
                              episodes=runner.episodes.replace(ret=zeros, task_ret=zeros,
                                                               length=jnp.zeros_like(runner.episodes.length)))

    def train_chunk(self, state: Any, key: jax.Array, tasks: Task, learn: bool = True) -> tuple[Any, TaskStats]:
        runner = self._start_on(state, key, tasks)
        new, metrics = self._train(runner, tasks)
        if not learn:
            new = new.replace(train=state.train)
        s = metrics.slots
        score = metrics.pvl if self.score == "pvl" else metrics.maxmc
        return new, TaskStats.from_sums(s.episodes, s.task_returns, s.successes, score, s.achievements)

    def evaluate(self, state: Any, key: jax.Array, tasks: Task, steps: int) -> TaskStats:
        if steps not in self._evaluators:
            self._evaluators[steps] = self._make_evaluator(self.ppo, steps)
        res = self._evaluators[steps](state.train.params, tasks, key)
        # one episode per slot, cut at ``steps``: an unfinished episode counts as a failure (counting only
        # finished ones would favour the quick successes); Crafter counts what the episode unlocked so far
        ach = res.achievements.astype(jnp.float32)
        success = ach.mean(-1) if ach.shape[1] else res.success
        return TaskStats.make(jnp.ones_like(res.success), returns=res.task_returns, success=success,
                              achievements=ach)
