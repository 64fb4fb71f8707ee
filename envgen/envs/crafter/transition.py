"""One step of the Crafter world (everything but reward and observation), in Crafter's update order.

Crafter updates the player first, then every other object near the player in the order the objects
were created, then balances chunks. Here objects update by kind, in the order that creation usually
gives them: mobs (mostly from world generation), plants (placed during play), then arrows (short-lived).
Objects created during the step (arrows shot, saplings placed, mobs spawned) first update on the next.
"""

from __future__ import annotations

import jax

from envgen.envs.crafter.balance import balance_chunks, despawn_far
from envgen.envs.crafter.state import EnvParams, EnvState, StaticEnvParams
from envgen.envs.crafter.step import (
    Draws,
    daylight,
    draw,
    life_stats,
    mark_chunks,
    player_action,
    update_arrows,
    update_cows,
    update_plants,
    update_skeletons,
    update_zombies,
)


def advance(key: jax.Array, state: EnvState, action: jax.Array, params: EnvParams,
            static: StaticEnvParams) -> EnvState:
    """The world one step later, with fresh random draws."""
    k_draw, k_balance = jax.random.split(key)
    return apply_rules(draw(k_draw, static), k_balance, state, action, params)


def apply_rules(draws: Draws, key_balance: jax.Array, state: EnvState, action: jax.Array,
                params: EnvParams) -> EnvState:
    """The world one step later, given every random number the object rules use."""
    time = state.time + 1
    arrows_before, plants_before = state.arrows.alive, state.plants.alive
    state = state.replace(light=daylight(time, params))
    state = player_action(draws, state, action, params)
    state = life_stats(state)
    state = update_zombies(draws, state, params)
    state = update_skeletons(draws, state)
    state = update_cows(draws, state)
    state = update_plants(state, plants_before)
    state = update_arrows(state, params, arrows_before)
    state = mark_chunks(state)
    state = despawn_far(state.replace(time=time))
    return balance_chunks(key_balance, state, params)
