"""The shared gymnax-style environment contract with cheap, level-based auto-reset.

A *level* is everything needed to restart an episode: the generated world and start state. It is made
once, when the episode's world is generated, and stored inside the env state. Auto-reset copies it back
instead of regenerating the world, because under ``vmap`` a reset inside ``step`` is computed for every
env on every step (the way UED libraries reset to a stored level).

Families implement four pure hooks: ``generate_level``, ``reset_to_level``, ``step_env`` and
``get_obs``. The public ``reset``/``step`` are written once, here.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Generic, Literal, TypeVar

import jax
import jax.numpy as jnp
from gymnax.environments import environment as gymnax_env

TState = TypeVar("TState")
TParams = TypeVar("TParams")
TLevel = TypeVar("TLevel")

ResetMode = Literal["level", "fresh"]


class Environment(gymnax_env.Environment, Generic[TState, TParams, TLevel]):
    """Base class of envgen families (gymnax v1 contract).

    ``reset_mode="level"`` (default) restores the stored start state when an episode ends, so the
    same world is replayed until the caller resets with a new key or a teacher hands in a new level.
    ``reset_mode="fresh"`` generates a new world inside ``step`` on every episode end, like Craftax's
    auto-reset; it is exact but computes world generation on every step of every env.
    """

    family: str = ""

    def __init__(self, static_params: Any = None, reset_mode: ResetMode = "level"):
        if reset_mode not in ("level", "fresh"):
            raise ValueError(f"reset_mode must be 'level' or 'fresh', got {reset_mode!r}")
        self.static_params = static_params if static_params is not None else self.default_static_params
        self.reset_mode = reset_mode

    # jit treats ``self`` as a static argument: envs with the same settings compare equal, so a second
    # ``envgen.make(...)`` (or a render after training) reuses the compiled step and reset.
    jit_fields: tuple[str, ...] = ("static_params", "reset_mode")

    def _jit_key(self) -> tuple:
        return (type(self), getattr(self, "_transition_gradients_enabled", False),
                *(getattr(self, f) for f in self.jit_fields))

    def __hash__(self) -> int:
        return hash(self._jit_key())

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._jit_key() == other._jit_key()

    # -- hooks each family implements ------------------------------------------------------------
    @property
    def default_static_params(self) -> Any:
        """Shapes shared by every config of the family (static under jit)."""
        raise NotImplementedError

    def generate_level(self, key: jax.Array, params: TParams) -> TLevel:
        """World generation: params -> start level. Runs once per level, never inside ``step``."""
        raise NotImplementedError

    def reset_to_level(self, key: jax.Array, level: TLevel, params: TParams) -> TState:
        """Build the start state of an episode from a stored level (cheap)."""
        raise NotImplementedError

    def check_params(self, params: TParams) -> None:
        """Raise ``ValueError`` for a config (or batch) this env's static shapes cannot hold, on the host:
        under ``jit`` it could not raise. The default holds any config."""

    def generate_levels(self, keys: jax.Array, params: TParams) -> TLevel:
        """Levels for a batch of configs (leading axis on ``keys`` and ``params``) in one call.

        Families whose generation branches on a config value override this to run only the branches a
        batch uses (under ``vmap`` a ``lax.switch`` computes every branch for every level).
        """
        return jax.vmap(self.generate_level)(keys, params)

    # -- public API ------------------------------------------------------------------------------
    def reset_env(self, key: jax.Array, params: TParams) -> tuple[Any, TState]:
        """Generate a fresh level and start an episode on it."""
        key_level, key_reset = jax.random.split(key)
        level = self.generate_level(key_level, params)
        state = self.reset_to_level(key_reset, level, params)
        return self.get_obs(state, params), state

    @partial(jax.jit, static_argnames=("self",))
    def reset_from_level(self, key: jax.Array, level: TLevel, params: TParams | None = None):
        """Start an episode on a given level (for teachers that hand out stored levels)."""
        if params is None:
            params = self.default_params
        state = self.reset_to_level(key, level, params)
        return self.get_obs(state, params), state

    @partial(jax.jit, static_argnames=("self",))
    def step(self, key: jax.Array, state: TState, action: Any, params: TParams | None = None):
        """Step, and auto-reset finished episodes to their stored level (or a fresh one).

        Returns ``obs, state, reward, terminated, truncated, info`` (gymnax v1). ``info`` holds the
        pre-reset observation as ``final_observation``.
        """
        if params is None:
            params = self.default_params
        key_step, key_reset = jax.random.split(key)
        obs_st, state_st, reward, terminated, info = self.step_env(key_step, state, action, params)
        obs, state_out, truncated, info = self.auto_reset(key_reset, obs_st, state_st, terminated, info, params)
        return obs, state_out, reward, terminated, truncated, info

    def auto_reset(self, key: jax.Array, obs_st: Any, state_st: TState, terminated: jax.Array, info: dict,
                   params: TParams, reset: tuple[Any, TState] | None = None):
        """Truncation and the branch-free reset after ``step_env``: returns obs, state, truncated, info.

        Wrappers that need the pre-reset transition (e.g. a task env scoring the final state) call
        ``step_env`` themselves and then this, so the reset rule lives in one place. ``reset`` is an
        ``(obs, state)`` pair to start the next episode from; a task env passes the next task's stored
        start, so no observation is computed for the reset branch.
        """
        truncated = jnp.logical_and(self.is_truncated(state_st, params), jnp.logical_not(terminated))
        done = jnp.logical_or(terminated, truncated)
        if reset is not None:
            obs_re, state_re = reset
        elif self.reset_mode == "fresh":
            obs_re, state_re = self.reset_env(key, params)
        else:
            state_re = self.reset_to_level(key, state_st.level, params)
            obs_re = self.get_obs(state_re, params)
        state_out = jax.tree.map(lambda r, s: jax.lax.select(done, r, s), state_re, state_st)
        obs = jax.tree.map(lambda r, s: jax.lax.select(done, r, s), obs_re, obs_st)
        info = {**info, "terminated": terminated, "truncated": truncated, "final_observation": obs_st}
        return obs, state_out, truncated, info

    def is_truncated(self, state: TState, params: TParams) -> jax.Array:
        """Time limit reached."""
        return state.time >= params.max_steps

    @property
    def name(self) -> str:
        return self.family or type(self).__name__
