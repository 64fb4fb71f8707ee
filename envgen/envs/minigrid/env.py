"""The ``minigrid`` family: MiniGrid's rules in JAX, with the layout and mission as config data."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from envgen.envs.base import Environment
from envgen.envs.base import spaces as _spaces
from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL, C.RED)
from envgen.envs.minigrid import observe, step, worldgen
from envgen.envs.minigrid.state import EnvParams, EnvState, Level, StaticEnvParams


@struct.dataclass
class MiniGridState(EnvState):
    """The episode state with ``terminated``: whether the step that made it ended the episode by the rules.

    MiniGrid's endings are not all visible in the state afterwards (a ``done`` action, a wrong pickup, a
    collision with a moving obstacle), so the step records its answer for :meth:`MiniGrid.is_terminal`.
    """

    terminated: jax.Array  # bool


class MiniGrid(Environment[EnvState, EnvParams, Level]):
    """MiniGrid-style grid worlds; one compiled step runs any mix of layouts and missions.

    Observations are ``{"image": uint8[7, 7, 3], "direction": int32, "mission": int32[5]}``; the full
    symbolic map is :meth:`full_obs`. Actions are MiniGrid's seven (left, right, forward, pickup, drop,
    toggle, done).
    """

    family = "minigrid"

    @property
    def default_static_params(self) -> StaticEnvParams:
        """25x25 maximum grid: the largest classic task (MultiRoom) is 25x25."""
        return StaticEnvParams()

    def fitted(self, params: EnvParams) -> MiniGrid:
        """This env with the smallest static maximum grid that holds every task in ``params`` (one config or
        a batch with a leading axis), for a run that knows its tasks up front.

        Every step, observation, reset and level then works on that grid instead of the 25x25 default,
        which is what a small task costs in training. On tasks that fit, levels and trajectories are the
        same as on the 25x25 grid (cells beyond a task's area are walls either way), except the crossing
        layout, whose candidate rivers scale with the maximum grid: same rules and distribution, other
        draws. Tasks larger than the fitted grid are refused (:meth:`check_params`).
        """
        height, width = (int(np.max(np.asarray(x))) for x in (params.height, params.width))
        static = self.static_params.replace(max_height=height, max_width=width)
        return type(self)(static_params=static, reset_mode=self.reset_mode)

    def check_params(self, params: EnvParams) -> None:
        """Raise ``ValueError`` naming the first task (batch index) whose grid exceeds the static maximum.

        Levels are generated under ``jit``, where an oversize task cannot raise: it would be cropped to the
        maximum grid without its outer walls. Call this on the host wherever tasks enter a run.
        """
        height, width = np.ravel(np.asarray(params.height)), np.ravel(np.asarray(params.width))
        s = self.static_params
        over = np.flatnonzero((height > s.max_height) | (width > s.max_width))
        if over.size:
            i = int(over[0])
            where = f"task {i} of the batch" if np.ndim(params.height) else "the task"
            raise ValueError(f"{where} has a {int(width[i])}x{int(height[i])} grid (width x height), larger than this "
                             f"env's static maximum {s.max_width}x{s.max_height}; build the env for the largest "
                             f"task (env.fitted(params)) or with a larger StaticEnvParams")

    @property
    def default_params(self) -> EnvParams:
        """MiniGrid-Empty-8x8: agent at (1, 1) facing right, goal in the far corner."""
        return EnvParams()

    @property
    def num_actions(self) -> int:
        return C.NUM_ACTIONS

    def generate_level(self, key: jax.Array, params: EnvParams) -> Level:
        """Generate a level from the config (the layout, then shared placement). Under ``vmap`` only the
        layout kinds and placement steps the batch uses run, so the base ``generate_levels`` is cheap."""
        return worldgen.generate_level(key, params, self.static_params)

    def reset_to_level(self, key: jax.Array, level: Level, params: EnvParams) -> EnvState:
        """Start an episode on a stored level (a copy; no generation)."""
        del key, params
        return MiniGridState(
            time=jnp.int32(0),
            grid=level.grid,
            agent_pos=level.agent_pos,
            agent_dir=level.agent_dir,
            carrying=jnp.zeros(3, jnp.int32),
            mission=level.mission,
            success=jnp.array(False),
            level=level,
            terminated=jnp.array(False),
        )

    def step_env(self, key: jax.Array, state: EnvState, action: Any, params: EnvParams):
        """One MiniGrid step (the base class adds truncation and auto-reset)."""
        state, reward, terminated, events = step.step_rules(state, action, params, key)
        state = state.replace(terminated=terminated)
        return self.get_obs(state, params), state, reward, terminated, events

    def get_obs(self, state: EnvState, params: EnvParams | None = None, key: jax.Array | None = None) -> dict:
        """Egocentric 7x7 (type, colour, state) view with occlusion, direction and mission."""
        params = self.default_params if params is None else params
        return observe.get_obs(state, params, self.static_params.view_size)

    def full_obs(self, state: EnvState) -> jax.Array:
        """``uint8[H, W, 3]`` symbolic map of the whole (maximum-size) grid with the agent drawn in."""
        return observe.full_obs(state)

    def is_terminal(self, state: MiniGridState, params: EnvParams) -> jax.Array:
        """The ``terminated`` of the step that produced ``state`` (goal, lava, mission end, collision); the
        time limit is truncation (``is_truncated``)."""
        return state.terminated

    def action_space(self, params: EnvParams | None = None):
        """MiniGrid's seven actions."""
        return _spaces().Discrete(C.NUM_ACTIONS)

    def observation_space(self, params: EnvParams | None = None):
        """Image, direction and mission."""
        v = self.static_params.view_size
        spaces = _spaces()
        return spaces.Dict({
            "image": spaces.Box(0, 10, (v, v, 3), jnp.uint8),
            "direction": spaces.Discrete(4),
            "mission": spaces.Box(0, 10, (C.MISSION_LEN,), jnp.int32),
        })

    def state_space(self, params: EnvParams | None = None):
        """Coarse description of the state pytree."""
        s = self.static_params
        spaces = _spaces()
        return spaces.Dict({
            "grid": spaces.Box(0, 255, (s.max_height, s.max_width, 4), jnp.uint8),
            "time": spaces.Discrete(2**31 - 1),
        })

    # -- people-facing -----------------------------------------------------------------------------
    def mission_text(self, state_or_level) -> str:
        """The mission in words (host side)."""
        from envgen.envs.minigrid.missions import mission_text

        return mission_text(np.asarray(state_or_level.mission))

    def render_map(self, state: EnvState, params: EnvParams) -> np.ndarray:
        """The active area of the grid with the agent, as an RGB image."""
        from envgen.envs.minigrid.render import render_map

        return render_map(state, params)

    def render_view(self, state: EnvState, params: EnvParams) -> np.ndarray:
        """The agent's 7x7 view (unseen cells black), as an RGB image."""
        from envgen.envs.minigrid.render import render_view

        return render_view(self.get_obs(state, params)["image"])
