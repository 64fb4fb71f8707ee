"""The JAX-training-loop import path: a generated folder -> one batched env -> jit(vmap(step)).

    envgen generate "learn to mine diamonds" --n 4 --out runs/diamonds
    python examples/train_loop_import.py runs/diamonds
"""

from __future__ import annotations

import sys

import jax
import jax.numpy as jnp

import envgen


def main(path: str, steps: int = 64) -> None:
    env, params = envgen.load(path)  # params: every generated config stacked, plus reward-program ids
    n = env.num_envs
    n_actions = env.action_space().n
    reset = jax.jit(jax.vmap(env.reset))
    step = jax.jit(jax.vmap(env.step))

    key = jax.random.key(0)
    key, k_reset = jax.random.split(key)
    obs, state = reset(jax.random.split(k_reset, n), params)
    dense_total = jnp.zeros(n)
    task_total = jnp.zeros(n)
    for _ in range(steps):
        key, k_act, k_step = jax.random.split(key, 3)
        actions = jax.random.randint(k_act, (n,), 0, n_actions)
        obs, state, reward, terminated, truncated, info = step(jax.random.split(k_step, n), state, actions, params)
        dense_total += info["dense_reward"]
        task_total += info["task_reward"]
    for name, dense, task in zip(env.names, dense_total.tolist(), task_total.tolist(), strict=True):
        print(f"{name:40s} dense reward {dense:8.3f}   task reward {task:6.2f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "runs/diamonds")
