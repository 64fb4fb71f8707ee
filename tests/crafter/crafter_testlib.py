"""Helpers for the crafter tests: hand-built states, quiet params and a named-action runner.

Everything that compiles is session-scoped and keeps the same pytree shapes and dtypes, so the whole
crafter suite compiles ``Crafter.step`` once. Scenario states start from a real ``reset`` and are
overwritten with ``state.replace(...)``: an all-grass map with chosen tiles next to the player, no mobs
unless a test places them, and "quiet" params in which chunk balancing never spawns or despawns mobs.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from envgen.envs.crafter.constants import (
    ACH,
    ACTIONS,
    DIRECTIONS,
    GRASS,
    INVENTORY_ITEMS,
    PLANT,
    PLANT_RIPE_AGE,
    RIPE_PLANT,
    VITALS,
    M,
)
from envgen.envs.crafter.env import Crafter
from envgen.envs.crafter.state import Arrows, EnvParams, EnvState, Mobs, Plants

CENTER = (32, 32)
DIR_INDEX = {tuple(d): i for i, d in enumerate(DIRECTIONS.tolist())}
FACING = {"left": 0, "right": 1, "up": 2, "down": 3}


def with_params(params: EnvParams, **values) -> EnvParams:
    """``params.replace`` that keeps every leaf's dtype and shape (so nothing recompiles)."""
    out = {}
    for name, value in values.items():
        ref = getattr(params, name)
        arr = jnp.asarray(value, dtype=ref.dtype)
        assert arr.shape == ref.shape, f"{name}: shape {arr.shape} != {ref.shape}"
        out[name] = arr
    return params.replace(**out)


def quiet(params: EnvParams, **values) -> EnvParams:
    """Params in which chunk balancing never spawns or despawns a mob (scripted tests stay exact)."""
    zero = {k: 0.0 for k in ("zombie_spawn_prob", "zombie_despawn_prob", "skeleton_spawn_prob",
                              "skeleton_despawn_prob", "cow_spawn_prob", "cow_despawn_prob")}
    return with_params(params, **{**zero, **values})


def _mobs(template: Mobs, entries: Sequence[tuple[tuple[int, int], int]]) -> Mobs:
    n = template.alive.shape[0]
    assert len(entries) <= n
    pos = np.zeros((n, 2), np.int32)
    health = np.zeros((n,), np.int32)
    alive = np.zeros((n,), bool)
    for i, (p, h) in enumerate(entries):
        pos[i], health[i], alive[i] = p, h, True
    # Created in list order (they update in that order, oldest first).
    return Mobs(pos=jnp.asarray(pos), health=jnp.asarray(health), alive=jnp.asarray(alive),
                cooldown=jnp.zeros((n,), jnp.int32), born=jnp.arange(n, dtype=jnp.int32) - n)


def build_state(base: EnvState, tiles: dict | None = None, *, fill: int = GRASS,
                inventory: dict | None = None, vitals: dict | None = None, facing: str = "down",
                pos: tuple[int, int] = CENTER, zombies=(), cows=(), skeletons=(), arrows=(),
                time: int = 0, planted: dict | None = None, sleeping: bool = False) -> EnvState:
    """A state on a uniform map with ``tiles`` placed relative to the player.

    ``tiles`` maps (dx, dy) offsets to material names; mobs are lists of ((dx, dy), health); arrows are
    lists of ((dx, dy), (dirx, diry)); ``planted`` maps offsets to plants and their ages (steps grown).
    Every chunk counts as having held an object, so balancing (when not quiet) may act anywhere.
    """
    n = base.map.shape[0]
    grid = np.full((n, n), fill, np.uint8)
    px, py = pos
    for (dx, dy), name in (tiles or {}).items():
        grid[px + dx, py + dy] = M[name]
    n_plants = base.plants.alive.shape[0]
    p_pos = np.zeros((n_plants, 2), np.int32)
    p_grown = np.zeros((n_plants,), np.int32)
    p_alive = np.zeros((n_plants,), bool)
    for i, ((dx, dy), age) in enumerate((planted or {}).items()):
        p_pos[i], p_grown[i], p_alive[i] = (px + dx, py + dy), min(age, PLANT_RIPE_AGE + 1), True
        grid[px + dx, py + dy] = RIPE_PLANT if age > PLANT_RIPE_AGE else PLANT
    inv = np.zeros(len(INVENTORY_ITEMS), np.int32)
    for name, value in (inventory or {}).items():
        inv[INVENTORY_ITEMS.index(name)] = value
    vit = np.full(4, 9, np.int32)
    for name, value in (vitals or {}).items():
        vit[VITALS.index(name)] = value
    rel = lambda entries: [((px + d[0], py + d[1]), h) for d, h in entries]
    n_arrows = base.arrows.alive.shape[0]
    a_pos = np.zeros((n_arrows, 2), np.int32)
    a_dir = np.zeros((n_arrows, 2), np.int32)
    a_alive = np.zeros((n_arrows,), bool)
    for i, ((dx, dy), direction) in enumerate(arrows):
        a_pos[i], a_dir[i], a_alive[i] = (px + dx, py + dy), direction, True
    return base.replace(
        map=jnp.asarray(grid),
        plants=Plants(pos=jnp.asarray(p_pos), grown=jnp.asarray(p_grown), alive=jnp.asarray(p_alive),
                      damaged=jnp.zeros((n_plants,), bool)),
        chunks_seen=jnp.ones_like(base.chunks_seen),
        player_pos=jnp.asarray(pos, jnp.int32), player_dir=jnp.asarray(FACING[facing], jnp.int32),
        vitals=jnp.asarray(vit), inventory=jnp.asarray(inv),
        hunger=jnp.zeros((), jnp.float32), thirst=jnp.zeros((), jnp.float32),
        fatigue=jnp.zeros((), jnp.float32), recover=jnp.zeros((), jnp.float32),
        sleeping=jnp.asarray(sleeping), last_health=jnp.asarray(vit[0], jnp.int32),
        achievements=jnp.zeros_like(base.achievements),
        zombies=_mobs(base.zombies, rel(zombies)), cows=_mobs(base.cows, rel(cows)),
        skeletons=_mobs(base.skeletons, rel(skeletons)),
        arrows=Arrows(pos=jnp.asarray(a_pos), direction=jnp.asarray(a_dir), alive=jnp.asarray(a_alive),
                      born=jnp.arange(n_arrows, dtype=jnp.int32) - n_arrows),
        time=jnp.asarray(time, jnp.int32),
    )


def trap(offset: tuple[int, int], open_side: tuple[int, int] = (0, 0)) -> dict:
    """Stone on the four neighbours of ``offset`` except the player's tile, so a mob there cannot move."""
    x, y = offset
    out = {}
    for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        nb = (x + dx, y + dy)
        if nb != open_side:
            out[nb] = "stone"
    return out


class Runner:
    """Steps one env with named actions through the session's compiled ``env.step``."""

    def __init__(self, env: Crafter):
        self.env = env
        self.counter = 0

    def step(self, state: EnvState, action: str | int, params: EnvParams):
        self.counter += 1
        a = ACTIONS.index(action) if isinstance(action, str) else action
        return self.env.step(jax.random.key(self.counter), state, jnp.asarray(a, jnp.int32), params)

    def run(self, state: EnvState, actions: Iterable[str | int], params: EnvParams):
        """Apply actions; return the final state and the per-step (reward, terminated, truncated, info)."""
        trace = []
        for action in actions:
            _, state, reward, terminated, truncated, info = self.step(state, action, params)
            trace.append((float(reward), bool(terminated), bool(truncated), info))
        return state, trace


def unlocked(state: EnvState) -> set[str]:
    return {name for name, i in ACH.items() if bool(state.achievements[i])}


def inv(state: EnvState, item: str) -> int:
    return int(state.inventory[INVENTORY_ITEMS.index(item)])


def vital(state: EnvState, name: str) -> int:
    return int(state.vitals[VITALS.index(name)])


def tile(state: EnvState, offset: tuple[int, int], pos: tuple[int, int] = CENTER) -> str:
    from envgen.envs.crafter.constants import MATERIALS

    return MATERIALS[int(state.map[pos[0] + offset[0], pos[1] + offset[1]])]




@functools.cache
def _rules_step():
    from envgen.envs.crafter.transition import apply_rules

    return jax.jit(apply_rules)


def step_with_draws(state: EnvState, action: str, params: EnvParams, draws) -> EnvState:
    """One step of the world rules with chosen random numbers (chunk balancing keeps a fixed key)."""
    a = jnp.asarray(ACTIONS.index(action), jnp.int32)
    return _rules_step()(draws, jax.random.key(0), state, a, params)


def fixed_draws(state: EnvState, u: float = 0.99, direction: int = 0, sapling: float = 0.99, **per_kind):
    """Draws where every mob uniform is ``u`` and every random direction ``direction`` (0.99: nobody
    moves or shoots by chance); ``per_kind`` overrides a field, e.g. ``skeleton_u=0.0``."""
    from envgen.envs.crafter.step import Draws

    full = lambda n, cols=None: np.full((n,) if cols is None else (n, cols), u, np.float32)
    nz, ns, nc = (m.alive.shape[0] for m in (state.zombies, state.skeletons, state.cows))
    fields = dict(sapling=np.float32(sapling), zombie_u=full(nz, 2), zombie_dir=np.full(nz, direction, np.int32),
                  skeleton_u=full(ns, 5), skeleton_dir=np.full(ns, direction, np.int32),
                  cow_u=full(nc), cow_dir=np.full(nc, direction, np.int32))
    for name, value in per_kind.items():
        fields[name] = np.full_like(fields[name], value)
    return Draws(**fields)
