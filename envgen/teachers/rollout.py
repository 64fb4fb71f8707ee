"""Rollouts that measure a policy on a batch of tasks: per-slot episodes, returns, success, skills.

Used by the curriculum loop for held-out evaluation and by the ``random`` student (a uniform-random
policy: the no-learning reference, and what the loop runs before a learning student is plugged in).
Every slot keeps its own task for the whole rollout -- the next-level slot is the slot's task, never a
random level (a bug reported against minimax, whose auto-reset swapped in random levels).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp

from envgen.tasks.task import Task
from envgen.teachers.base import TaskStats


def episode_success(info: dict, terminated: jax.Array) -> jax.Array:
    """Success of an episode ending on this step: Crafter, the fraction of achievements unlocked;
    otherwise terminated with a positive task reward."""
    if "achievements" in info:
        return jnp.mean(info["achievements"].astype(jnp.float32), axis=-1)
    return (terminated & (info["task_reward"] > 0)).astype(jnp.float32)


@partial(jax.jit, static_argnames=("env", "steps", "policy"))
def rollout_stats(env: Any, key: jax.Array, tasks: Task, steps: int, policy: Any = None,
                  policy_params: Any = None) -> TaskStats:
    """Run ``steps`` steps in every slot and total the finished episodes (``policy=None``: uniform random).

    ``policy(policy_params, key, obs) -> actions`` for a batch; the score is 1 - success (a level the
    policy fails on is worth replaying, like minimax's negative-return score).
    """
    n = jax.tree.leaves(tasks.reward)[0].shape[0]
    k_reset, k_run = jax.random.split(key)
    obs, state = jax.vmap(env.reset)(jax.random.split(k_reset, n), tasks)

    def act(k, o):
        if policy is None:
            return jax.random.randint(k, (n,), 0, env.num_actions)
        return policy(policy_params, k, o)

    def step(carry, k):
        obs, state, totals = carry
        k_act, k_step = jax.random.split(k)
        action = act(k_act, obs)
        obs, state, _, terminated, truncated, info = jax.vmap(env.step)(jax.random.split(k_step, n), state,
                                                                        action, tasks)
        done = (terminated | truncated).astype(jnp.float32)
        eps, ret, succ, ach = totals
        ach_now = info["achievements"].astype(jnp.float32) if "achievements" in info else ach[:, :0]
        ach = ach + done[:, None] * ach_now if ach.shape[1] else ach
        totals = (eps + done, ret + done * info["episode_task_return"],
                  succ + done * episode_success(info, terminated), ach)
        return (obs, state, totals), None

    k_ach = 0
    probe = jax.eval_shape(lambda: jax.vmap(env.step)(jax.random.split(k_run, n), state,
                                                       jnp.zeros((n,), jnp.int32), tasks)[5])
    if "achievements" in probe:
        k_ach = probe["achievements"].shape[-1]
    zeros = jnp.zeros((n,), jnp.float32)
    totals = (zeros, zeros, zeros, jnp.zeros((n, k_ach), jnp.float32))
    (_, _, (eps, ret, succ, ach)), _ = jax.lax.scan(step, (obs, state, totals), jax.random.split(k_run, steps))
    stats = TaskStats.from_sums(eps, ret, succ, jnp.zeros_like(eps), ach)
    return stats.replace(score=1.0 - stats.success)
