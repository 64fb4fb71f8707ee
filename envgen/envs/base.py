"""envgen's environment contract (gymnax v1's) with cheap, level-based auto-reset.

A *level* is everything needed to restart an episode: the generated world and start state. It is made
once, when the episode's world is generated, and stored inside the env state. Auto-reset copies it back
instead of regenerating the world, because under ``vmap`` a reset inside ``step`` is computed for every
env on every step (the way UED libraries reset to a stored level).

Families implement five pure hooks: ``generate_level``, ``reset_to_level``, ``step_env``, ``get_obs`` and
``is_terminal``. The public ``reset``/``step`` are written once, here.

The class follows gymnax's ``Environment`` (same methods, arguments and return values, so gymnax's
wrappers and PureJaxRL-style loops drive it) without subclassing it: importing anything from the gymnax
package runs its ``__init__``, which imports every bundled gymnax env and with them matplotlib, pandas and
scipy (about two CPU seconds). Making, resetting and stepping an env therefore imports no gymnax; only the
space methods (``observation_space``, ``action_space``) return gymnax's own space classes, imported then.
"""

from __future__ import annotations

from functools import partial
from types import ModuleType
from typing import Any, Generic, Literal, TypeVar

import jax
import jax.numpy as jnp

TState = TypeVar("TState")
TParams = TypeVar("TParams")
TLevel = TypeVar("TLevel")

ResetMode = Literal["level", "fresh"]


def spaces() -> ModuleType:
    """``gymnax.environments.spaces``, imported on first use (see the module docstring).

    Spaces are gymnax's own classes, so gymnax's wrappers (``FlattenObservationWrapper``,
    ``GymnaxToGymWrapper``) and ``isinstance`` checks against them accept envgen's spaces.
    """
    from gymnax.environments import spaces as gymnax_spaces

    return gymnax_spaces


class Environment(Generic[TState, TParams, TLevel]):
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
        return (type(self), *(getattr(self, f) for f in self.jit_fields))

    def __hash__(self) -> int:
        return hash(self._jit_key())

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._jit_key() == other._jit_key()

    # -- hooks each family implements ------------------------------------------------------------
    @property
    def default_static_params(self) -> Any:
        """Shapes shared by every config of the family (static under jit)."""
        raise NotImplementedError

    @property
    def default_params(self) -> TParams:
        """The family's default config (its ``EnvParams``)."""
        raise NotImplementedError

    def generate_level(self, key: jax.Array, params: TParams) -> TLevel:
        """World generation: params -> start level. Runs once per level, never inside ``step``."""
        raise NotImplementedError

    def reset_to_level(self, key: jax.Array, level: TLevel, params: TParams) -> TState:
        """Build the start state of an episode from a stored level (cheap)."""
        raise NotImplementedError

    def step_env(self, key: jax.Array, state: TState, action: Any, params: TParams):
        """One transition without reset: returns ``obs, state, reward, terminated, info``."""
        raise NotImplementedError

    def get_obs(self, state: TState, params: TParams | None = None, key: jax.Array | None = None) -> Any:
        """The observation of a state."""
        raise NotImplementedError

    def is_terminal(self, state: TState, params: TParams) -> jax.Array:
        """Whether ``state`` (as ``step_env`` returns it) ended its episode by the rules, the ``terminated`` of
        that step. Never the time limit: that is truncation (:meth:`is_truncated`), as in gymnax v1."""
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
    @partial(jax.jit, static_argnames=("self",))
    def reset(self, key: jax.Array, params: TParams | None = None) -> tuple[Any, TState]:
        """Start an episode on a freshly generated level: returns ``obs, state``."""
        if params is None:
            params = self.default_params
        return self.reset_env(key, params)

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

    def is_terminated(self, state: TState, params: TParams) -> jax.Array:
        """gymnax v1's name for :meth:`is_terminal` (the same answer; families override only ``is_terminal``)."""
        return self.is_terminal(state, params)

    def discount(self, state: TState, params: TParams) -> jax.Array:
        """0.0 where ``state`` is terminal by the rules, else 1.0 (truncation keeps 1.0), as gymnax computes it."""
        return jax.lax.select(self.is_terminal(state, params), 0.0, 1.0)

    def observe(self, key: jax.Array, state: TState, action: Any, params: TParams) -> Any:
        """gymnax v1's keyed observation hook: :meth:`get_obs` (envgen observations use no key or action)."""
        del action
        return self.get_obs(state, params=params, key=key)

    # Differentiable transitions (a gymnax v1 option) are not offered.
    supports_transition_gradients = False
    transition_gradients_enabled = False

    @property
    def name(self) -> str:
        return self.family or type(self).__name__

    @property
    def num_actions(self) -> int:
        raise NotImplementedError

    def action_space(self, params: TParams | None = None):
        """A gymnax space (see :func:`spaces`)."""
        raise NotImplementedError

    def observation_space(self, params: TParams | None = None):
        """A gymnax space (see :func:`spaces`)."""
        raise NotImplementedError

    def state_space(self, params: TParams | None = None):
        raise NotImplementedError
