"""``TaskEnv``: a family environment that runs :class:`~envgen.tasks.Task` pytrees, reward included.

The gymnax contract with the task in the place of params: ``obs, state = env.reset(key, task)`` and
``obs, state, reward, terminated, truncated, info = env.step(key, state, action, task)``. The ``task``
given to ``step`` is the env slot's *next-level slot*: the running episode keeps the params and reward
it started with (held in the state), and when it ends the env restarts on ``task``'s stored level and
start observation, so no world generation and no second observation run inside ``step``. A trainer
refreshes the slot between scan chunks (``envgen.tasks.levels``) and every episode can start on a new
world at an amortised cost.

The reward is data (``envgen.rewards.terms``): the environment's own reward weighted, one-time event
bonuses, potential-based shaping over documented features, and optionally a validated program from an
immutable :class:`~envgen.rewards.bank.RewardBank`. The dense reward is sanitised (non-finite -> 0,
clipped) and every sanitisation is reported in ``info["reward_sanitised"]``.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Literal

import jax
import jax.numpy as jnp
from flax import struct

from envgen.rewards.features import feature_module
from envgen.rewards.terms import RewardTerms, dense_reward, potential, state_potential
from envgen.rewards.terms import task_only as task_only_terms
from envgen.tasks.task import Task

RewardMode = Literal["dense", "task"]


@struct.dataclass
class TaskState:
    """A running episode: the family state plus the params and reward it started with."""

    env: Any
    params: Any
    reward: RewardTerms
    phi: jax.Array  # potential of the current state under ``reward``
    view: Any  # the reward-program view of the current state (updated only when the env has programs)
    returns: jax.Array  # dense return of this episode so far (float32)
    task_returns: jax.Array  # the environment's own return of this episode so far (float32)


class TaskEnv:
    """Run tasks of one family under ``jit``/``vmap`` (see module docstring).

    ``bank`` holds the rare reward programs (part of the jit key, immutable); ``reward_mode="dense"``
    returns the task's dense reward, ``"task"`` the environment's own.
    """

    def __init__(self, env: Any, bank: Any = None, reward_mode: RewardMode = "dense", names: list[str] | None = None):
        if reward_mode not in ("dense", "task"):
            raise ValueError(f"reward_mode must be 'dense' or 'task', got {reward_mode!r}")
        if bank is not None and bank.family.name != env.family:
            raise ValueError(f"reward bank is for family {bank.family.name!r}, env is {env.family!r}")
        self.env = env
        self.bank = bank if bank is not None and len(bank) else None
        self.reward_mode = reward_mode
        self.names = list(names) if names is not None else None
        self._features = feature_module(env.family)
        import importlib

        self._view = importlib.import_module(f"envgen.rewards.views.{env.family}").build_view

    # jit treats ``self`` as static: equal settings (env, bank programs, mode) share compiled code, and a
    # different bank is a different key, so a program can never be missing from a traced switch.
    def _jit_key(self) -> tuple:
        return (self.env, self.bank, self.reward_mode)

    def __hash__(self) -> int:
        return hash(self._jit_key())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TaskEnv) and self._jit_key() == other._jit_key()

    # -- description -------------------------------------------------------------------------------
    @property
    def family(self) -> str:
        return self.env.family

    @property
    def num_actions(self) -> int:
        return self.env.num_actions

    @property
    def num_envs(self) -> int:
        """Number of named tasks this env was loaded with (``envgen.load``)."""
        if self.names is None:
            raise AttributeError("this TaskEnv was not loaded from a folder; it has no fixed task count")
        return len(self.names)

    @property
    def feature_names(self) -> tuple[str, ...]:
        return self._features.FEATURES

    @property
    def event_names(self) -> tuple[str, ...]:
        return self._features.EVENTS

    def action_space(self, task: Task | None = None):
        return self.env.action_space(None if task is None else task.params)

    def observation_space(self, task: Task | None = None):
        return self.env.observation_space(None if task is None else task.params)

    def default_reward(self, gamma: float = 0.99) -> RewardTerms:
        """The environment's own reward, no shaping."""
        return task_only_terms(self.family, gamma)

    # -- making tasks ------------------------------------------------------------------------------
    def _finish(self, level: Any, params: Any, reward: RewardTerms) -> Task:
        state = self.env.reset_to_level(jax.random.key(0), level, params)
        return Task(params=params, level=level, reward=reward, obs=self.env.get_obs(state, params),
                    features=self._features.features(state, params), view=self._view(state, params))

    def check_params(self, params: Any) -> None:
        """The family env's check of configs against its static shapes (see ``Environment.check_params``)."""
        self.env.check_params(params)

    @partial(jax.jit, static_argnames=("self",))
    def make_task(self, key: jax.Array, params: Any, reward: RewardTerms | None = None) -> Task:
        """One task: generate a level from ``params`` and store its start observation and features."""
        reward = self.default_reward() if reward is None else reward
        return self._finish(self.env.generate_level(key, params), params, reward)

    @partial(jax.jit, static_argnames=("self",))
    def make_tasks(self, keys: jax.Array, params: Any, reward: RewardTerms | None = None) -> Task:
        """A batch of tasks in one call (leading axis on ``keys``, ``params`` and ``reward``)."""
        if reward is None:
            reward = jax.tree.map(lambda x: jnp.broadcast_to(x, (keys.shape[0], *x.shape)), self.default_reward())
        levels = self.env.generate_levels(keys, params)
        return jax.vmap(self._finish)(levels, params, reward)

    @partial(jax.jit, static_argnames=("self",))
    def refresh(self, key: jax.Array, tasks: Task) -> Task:
        """New levels for a batch of tasks from their own params and rewards, in one batched call.

        Call it between scan chunks and pass the result to ``step``: every env slot's next episode then
        starts on a world it has not seen (the same key gives the same worlds).
        """
        keys = jax.random.split(key, jax.tree.leaves(tasks.reward)[0].shape[0])
        return self.make_tasks(keys, tasks.params, tasks.reward)

    # -- gymnax API ----------------------------------------------------------------------------------
    @partial(jax.jit, static_argnames=("self",))
    def reset(self, key: jax.Array, task: Task):
        """Start an episode on ``task``'s stored level: ``obs, state``."""
        state = self.env.reset_to_level(key, task.level, task.params)
        zero = jnp.zeros((), jnp.float32)
        return task.obs, TaskState(env=state, params=task.params, reward=task.reward,
                                   phi=potential(task.reward, task.features), view=task.view, returns=zero,
                                   task_returns=zero)

    def with_env_state(self, state: TaskState, env_state: Any) -> TaskState:
        """``state`` with its family state replaced (scripted tests, level edits), cached terms recomputed."""
        return state.replace(env=env_state, phi=state_potential(self._features, state.reward, env_state, state.params),
                             view=self._view(env_state, state.params))

    @partial(jax.jit, static_argnames=("self",))
    def step(self, key: jax.Array, state: TaskState, action: Any, task: Task):
        """Step the running episode; when it ends, restart on ``task`` (the next-level slot).

        ``info`` adds ``task_reward``, ``dense_reward``, ``shaping``, ``earned`` (the weighted task reward
        and event bonuses), ``reward_sanitised`` (bool) and, on
        the step an episode ends, ``episode_return``/``episode_task_return`` (0 elsewhere), to the
        family's own info and gymnax's ``final_observation``.
        """
        env, params, terms = self.env, state.params, state.reward
        key_step, key_reset = jax.random.split(key)
        action = jnp.asarray(action, jnp.int32)
        obs_st, env_st, task_reward, terminated, info = env.step_env(key_step, state.env, action, params)
        task_reward = jnp.asarray(task_reward, jnp.float32)
        info = {**info, "terminated": terminated}
        phi_next = state_potential(self._features, terms, env_st, params)  # only the features weighted
        events = self._features.events(state.env, env_st, info, params)
        program, view_next = None, state.view
        if self.bank is not None:  # one view per step: the previous state's view is carried in the state
            view_next = self._view(env_st, params)
            program = self.bank(terms.program, state.view, view_next, action)
        dense, shaping, sanitised = dense_reward(terms, task_reward, state.phi, phi_next, events, terminated, program)
        # what the task pays for its own progress (the sparse reward and event bonuses), so the rest of
        # the dense reward (shaping, programs) can be audited for farming
        earned = terms.task_weight * task_reward + jnp.dot(terms.bonus, events)

        start = env.reset_to_level(key_reset, task.level, task.params)
        obs, env_out, truncated, info = env.auto_reset(key_reset, obs_st, env_st, terminated, info, params,
                                                       reset=(task.obs, start))
        done = terminated | truncated
        returns, task_returns = state.returns + dense, state.task_returns + task_reward

        def pick(new, old):
            return jax.tree.map(lambda n, o: jax.lax.select(done, n, o), new, old)

        zero = jnp.zeros((), jnp.float32)
        state_out = TaskState(env=env_out, params=pick(task.params, params), reward=pick(task.reward, terms),
                              phi=jnp.where(done, potential(task.reward, task.features), phi_next),
                              view=pick(task.view, view_next),
                              returns=jnp.where(done, zero, returns), task_returns=jnp.where(done, zero, task_returns))
        info = {**info, "task_reward": task_reward, "dense_reward": dense, "shaping": shaping, "earned": earned,
                "reward_sanitised": sanitised, "episode_return": jnp.where(done, returns, zero),
                "episode_task_return": jnp.where(done, task_returns, zero)}
        reward = dense if self.reward_mode == "dense" else task_reward
        return obs, state_out, reward, terminated, truncated, info
