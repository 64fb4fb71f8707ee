"""ACCEL's mutations: small random changes to replayed tasks, through the parameter space and level edits.

``param_mutation`` moves a task's vector a small step along one random dimension and generates a level
from the new params; ``minigrid_level_edits`` flips a few interior cells between wall and empty on the
task's own level (never the agent's cell or anything that is not plain wall or floor) and keeps the
parent level when an edit would make the mission unreachable or open a way around a locked door. Both
work on a whole batch, one mutation per task: every replayed level is mutated, not only the first (a bug
reported against the dcd reference code, which mutated only the first).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp

from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL)
from envgen.envs.minigrid.solvability import is_solvable
from envgen.tasks.space import ParamSpace
from envgen.tasks.task import Task
from envgen.teachers.base import fresh_levels


@partial(jax.jit, static_argnames=("space", "step"))
def _step_params(space: ParamSpace, key: jax.Array, params: Any, step: float) -> Any:
    n = jax.tree.leaves(params)[0].shape[0]
    k_dim, k_size = jax.random.split(key)
    u = jax.vmap(space.from_params)(params)
    dims = jax.random.randint(k_dim, (n,), 0, space.ndim)
    delta = jax.random.uniform(k_size, (n,), minval=-step, maxval=step)
    u = space.clip(u + jax.nn.one_hot(dims, space.ndim) * delta[:, None])
    return jax.vmap(lambda v, p: space.to_params(v, p))(u, params)


def param_mutation(env: Any, space: ParamSpace, key: jax.Array, tasks: Task, step: float = 0.1) -> Task:
    """Each task's vector moved by ``±step`` (uniform size) along one random dimension, on a new level."""
    k_params, k_level = jax.random.split(key)
    return fresh_levels(env, k_level, tasks.replace(params=_step_params(space, k_params, tasks.params, step)))


def _edit_grid(key: jax.Array, level: Any, params: Any, num_edits: int) -> Any:
    height, width = level.grid.shape[:2]

    def one(grid, k):
        k_r, k_c = jax.random.split(k)
        r = jax.random.randint(k_r, (), 1, jnp.maximum(params.height - 1, 2))
        c = jax.random.randint(k_c, (), 1, jnp.maximum(params.width - 1, 2))
        typ = grid[r, c, 0]
        editable = ((typ == C.WALL) | (typ == C.EMPTY)) & ~((r == level.agent_pos[0]) & (c == level.agent_pos[1]))
        flipped = jnp.where(typ == C.WALL, jnp.array([C.EMPTY, 0, 0, 0], grid.dtype),
                            jnp.array([C.WALL, C.DEFAULT_COLOR[C.WALL], 0, 0], grid.dtype))
        return grid.at[r, c].set(jnp.where(editable, flipped, grid[r, c])), None

    del height, width
    grid, _ = jax.lax.scan(one, level.grid, jax.random.split(key, num_edits))
    edited = level.replace(grid=grid)
    # an edit keeps what the level asks: the mission stays reachable, and a wall flip never opens a way
    # around a locked door the parent needed (a hole in DoorKey's dividing wall turns it into an open room,
    # and a buffer of such rooms teaches nothing about keys)
    keep = is_solvable(edited) & (without_locked_doors(edited) == without_locked_doors(level))
    return jax.tree.map(lambda new, old: jnp.where(keep, new, old), edited, level)


def without_locked_doors(level: Any) -> jax.Array:
    """Whether the level's mission can be done without unlocking any door (locked doors read as walls)."""
    typ, st = level.grid[..., 0], level.grid[..., 2]
    locked = ((typ == C.DOOR) & (st == C.LOCKED))[..., None]
    wall = jnp.array([C.WALL, C.DEFAULT_COLOR[C.WALL], 0, 0], level.grid.dtype)
    return is_solvable(level.replace(grid=jnp.where(locked, wall, level.grid)))


@partial(jax.jit, static_argnames=("env", "num_edits"))
def minigrid_level_edits(env: Any, key: jax.Array, tasks: Task, num_edits: int = 5) -> Task:
    """``num_edits`` wall/empty flips on each task's own level; start observation and features recomputed."""
    n = jax.tree.leaves(tasks.reward)[0].shape[0]
    levels = jax.vmap(lambda k, lv, p: _edit_grid(k, lv, p, num_edits))(jax.random.split(key, n), tasks.level,
                                                                      tasks.params)
    # TaskEnv._finish is the one place that derives a task's stored start obs/features from a level
    return jax.vmap(env._finish)(levels, tasks.params, tasks.reward)


def mutate(env: Any, space: ParamSpace | None, key: jax.Array, tasks: Task, kind: str, num_edits: int,
           step: float) -> Task:
    """The configured mutation: ``"level"`` edits, ``"params"`` steps, or ``"both"`` (params, then edits)."""
    k_params, k_level = jax.random.split(key)
    if kind in ("params", "both"):
        if space is None:
            raise ValueError("accel: a params mutation needs a parameter space (the curriculum's space:)")
        tasks = param_mutation(env, space, k_params, tasks, step)
    if kind in ("level", "both"):
        if env.family != "minigrid":
            raise ValueError(f"accel: level edits exist for minigrid only, not {env.family!r}; use mutation: params")
        tasks = minigrid_level_edits(env, k_level, tasks, num_edits)
    return tasks
