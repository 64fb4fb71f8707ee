"""Evaluation on tasks training never saw: per-task success and return, Crafter's achievements and score."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from envgen.train.ppo import PPO, env_achievements, episode_success


class EvalResult(struct.PyTreeNode):
    """The first episode of every evaluation slot (one slot per task; pass a task several times for more)."""

    returns: jax.Array       # [N] training reward
    task_returns: jax.Array  # [N] the task's own reward
    success: jax.Array       # [N] in [0, 1]
    lengths: jax.Array       # [N]
    finished: jax.Array      # [N] bool: the episode ended within the horizon
    achievements: jax.Array  # [N, K] bool (K = 0 outside Crafter)


def make_evaluator(ppo: PPO, horizon: int, greedy: bool = False):
    """A jitted ``evaluate(params, tasks, key) -> EvalResult`` that runs one episode per task.

    Each slot resets with its own key (a fresh level from the task) and stops counting when its first
    episode ends or after ``horizon`` steps; ``greedy`` takes the most likely action instead of sampling.
    The jitted function is cached on ``ppo``: every caller with the same horizon shares one compilation.
    """
    cache = ppo.__dict__.setdefault("_evaluators", {})
    if (horizon, greedy) not in cache:
        cache[horizon, greedy] = _build_evaluator(ppo, horizon, greedy)
    return cache[horizon, greedy]


def _build_evaluator(ppo: PPO, horizon: int, greedy: bool):
    env = ppo.env

    def evaluate(params: Any, tasks: Any, key: jax.Array) -> EvalResult:
        n = jax.tree.leaves(tasks)[0].shape[0]
        k_reset, k_run, k_levels = jax.random.split(key, 3)
        if hasattr(env, "refresh"):  # a TaskEnv starts on the task's stored level: draw new ones
            tasks = env.refresh(k_levels, tasks)
        obs, state = jax.vmap(env.reset)(jax.random.split(k_reset, n), tasks)
        achievements = env_achievements(state)
        k = 0 if achievements is None else achievements.shape[-1]
        zeros = jnp.zeros((n,), jnp.float32)
        init = (obs, state, ppo.network.initial_hidden(n), jnp.ones((n,), bool), jnp.zeros((n,), bool),
                EvalResult(zeros, zeros, zeros, zeros, jnp.zeros((n,), bool), jnp.zeros((n, k), bool)))

        def body(carry, key):
            obs, state, hidden, starts, over, res = carry
            k_act, k_env = jax.random.split(key)
            hidden, logits, _ = ppo._policy(params, hidden, obs, starts)
            action = jnp.argmax(logits, -1) if greedy else jax.random.categorical(k_act, logits)
            obs, state, reward, terminated, truncated, info = jax.vmap(env.step)(
                jax.random.split(k_env, n), state, action, tasks)
            live = (~over).astype(jnp.float32)
            task_reward = info.get("task_reward", reward).astype(jnp.float32)
            done = terminated | truncated
            ends = done & ~over
            res = EvalResult(
                returns=res.returns + live * reward, task_returns=res.task_returns + live * task_reward,
                success=jnp.where(ends, episode_success(info, task_reward, terminated), res.success),
                lengths=res.lengths + live, finished=res.finished | ends,
                achievements=jnp.where(ends[:, None], info["achievements"], res.achievements) if k
                else res.achievements)
            return (obs, state, hidden, done, over | done, res), None

        (_, state, *_, res), _ = jax.lax.scan(body, init, jax.random.split(k_run, horizon))
        if k:  # an episode cut by the horizon still counts what it unlocked
            res = res.replace(achievements=jnp.where(res.finished[:, None], res.achievements,
                                                  env_achievements(state)))
        return res

    return jax.jit(evaluate)


def crafter_score(success_rates: np.ndarray) -> float:
    """Crafter's score: exp(mean(ln(1 + s))) - 1 over per-achievement success rates ``s`` in percent."""
    s = np.asarray(success_rates, np.float64)
    return float(np.exp(np.mean(np.log1p(s))) - 1.0)


def summarise(result: EvalResult, names: list[str] | None = None) -> dict[str, Any]:
    """Host-side summary: mean success and return, per-task rows, Crafter achievements and score."""
    r = jax.device_get(result)
    out: dict[str, Any] = {
        "success": float(np.mean(r.success)), "return": float(np.mean(r.task_returns)),
        "train_return": float(np.mean(r.returns)), "length": float(np.mean(r.lengths)),
        "episodes": len(r.success), "finished": float(np.mean(r.finished)),
    }
    if names is not None:
        per: dict[str, dict[str, float]] = {}
        for name in dict.fromkeys(names):
            idx = [i for i, n in enumerate(names) if n == name]
            per[name] = {"success": float(np.mean(r.success[idx])), "return": float(np.mean(r.task_returns[idx]))}
        out["tasks"] = per
    if r.achievements.shape[-1]:
        from envgen.envs.crafter.constants import ACHIEVEMENTS

        rates = 100.0 * np.mean(r.achievements, axis=0)
        out["achievements"] = {a: float(x) for a, x in zip(ACHIEVEMENTS, rates, strict=True)}
        out["crafter_score"] = crafter_score(rates)
    return out
