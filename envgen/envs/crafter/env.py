"""The Crafter environment class (gymnax v1 contract; see envgen/envs/base.py)."""

from __future__ import annotations

from typing import Literal

import jax
import jax.numpy as jnp
import numpy as np

from envgen.envs.base import Environment, ResetMode, spaces
from envgen.envs.crafter import observe
from envgen.envs.crafter.constants import NUM_ACHIEVEMENTS, NUM_ACTIONS
from envgen.envs.crafter.state import Arrows, EnvParams, EnvState, Level, StaticEnvParams
from envgen.envs.crafter.step import daylight
from envgen.envs.crafter.transition import advance
from envgen.envs.crafter.worldgen import generate_level

ObsType = Literal["symbolic", "pixels"]


class Crafter(Environment[EnvState, EnvParams, Level]):
    """Crafter in JAX with data-driven world generation.

    ``obs_type="symbolic"`` gives a flat float vector (layout in ``observe.py``); ``"pixels"`` a
    (63, 63, 3) uint8 image. ``info`` holds ``achievements`` (unlocked so far this episode, before any
    auto-reset) and ``unlocked`` (unlocked on this step), both bool[22] in Crafter's order.
    """

    family = "crafter"

    def __init__(self, static_params: StaticEnvParams | None = None, reset_mode: ResetMode = "level",
                 obs_type: ObsType = "symbolic"):
        super().__init__(static_params, reset_mode)
        if obs_type not in ("symbolic", "pixels"):
            raise ValueError(f"obs_type must be 'symbolic' or 'pixels', got {obs_type!r}")
        self.obs_type = obs_type

    jit_fields = ("static_params", "reset_mode", "obs_type")

    @property
    def default_static_params(self) -> StaticEnvParams:
        return StaticEnvParams()

    @property
    def default_params(self) -> EnvParams:
        return EnvParams()

    @property
    def num_actions(self) -> int:
        return NUM_ACTIONS

    def generate_level(self, key: jax.Array, params: EnvParams) -> Level:
        return generate_level(key, params, self.static_params)

    def reset_to_level(self, key: jax.Array, level: Level, params: EnvParams) -> EnvState:
        """Start state from a level: vitals and inventory from params, counters at zero."""
        del key
        f0 = jnp.zeros((), jnp.float32)
        vitals = jnp.clip(params.initial_vitals, 0, 9).astype(jnp.int32)
        return EnvState(
            map=level.map, player_pos=level.player_pos,
            player_dir=jnp.asarray(3, jnp.int32),  # facing down, as in Crafter
            vitals=vitals, inventory=jnp.clip(params.initial_inventory, 0, 9).astype(jnp.int32),
            hunger=f0, thirst=f0, fatigue=f0, recover=f0, sleeping=jnp.asarray(False),
            last_health=vitals[0], achievements=jnp.zeros((NUM_ACHIEVEMENTS,), bool),
            zombies=level.zombies, cows=level.cows, skeletons=level.skeletons,
            arrows=Arrows.empty(self.static_params.max_arrows), plants=level.plants,
            chunks_seen=level.chunks_seen,
            light=daylight(jnp.asarray(0), params), time=jnp.asarray(0, jnp.int32), level=level,
        )

    def step_env(self, key: jax.Array, state: EnvState, action, params: EnvParams):
        """One Crafter step (``transition.advance``), then reward and observation."""
        prev_health = state.vitals[0]
        prev_ach = state.achievements
        state = advance(key, state, jnp.asarray(action, jnp.int32), params, self.static_params)
        unlocked = state.achievements & ~prev_ach
        reward = (jnp.sum(unlocked * params.achievement_weights)
                  + params.health_reward * (state.vitals[0] - prev_health)).astype(jnp.float32)
        terminated = self.is_terminal(state, params)
        info = {"achievements": state.achievements, "unlocked": unlocked}
        return self.get_obs(state, params), state, reward, terminated, info

    def get_obs(self, state: EnvState, params: EnvParams | None = None, key=None):
        if self.obs_type == "pixels":
            return observe.pixel_obs(state, self.static_params)
        return observe.symbolic_obs(state, self.static_params)

    def is_terminal(self, state: EnvState, params: EnvParams) -> jax.Array:
        """Health at zero: the ``terminated`` of the step that produced ``state``."""
        return state.vitals[0] <= 0

    def action_space(self, params: EnvParams | None = None):
        return spaces().Discrete(NUM_ACTIONS)

    def observation_space(self, params: EnvParams | None = None):
        s = self.static_params
        if self.obs_type == "pixels":
            # The local view (view_height rows) above a 2-row inventory strip, view_width columns.
            shape = ((s.view_height + 2) * s.tile_pixels, s.view_width * s.tile_pixels, 3)
            return spaces().Box(0, 255, shape, jnp.uint8)
        return spaces().Box(0.0, 1.0, (observe.symbolic_size(s),), jnp.float32)

    # -- rendering for people (host side) ----------------------------------------------------------
    def render_map(self, state: EnvState, params: EnvParams | None = None) -> np.ndarray:
        """The whole world with mobs, the player and the outline of the agent's view."""
        return observe.full_map_image(state, self.static_params)

    def render_view(self, state: EnvState, params: EnvParams | None = None) -> np.ndarray:
        """What a pixel agent sees (local view and inventory strip)."""
        return np.asarray(observe.pixel_obs(state, self.static_params))
