"""The farming check: on real rollouts, no looping policy may out-earn solving.

A dense reward is *farmable* when a policy that repeats a short cycle of actions (toggle a door, pick
up and drop a key, place and mine a stone) collects more from the shaping part of the reward — what
the dense reward pays beyond the task's own reward and its one-time event bonuses — than solving the
task pays. The check runs every single-action loop, every two-action alternation and a few random
policies from the task's start state until the episode ends (no auto-reset), and reports the largest
such income. Potential-based terms pass by construction; generated programs must prove it here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


@dataclass(frozen=True)
class FarmReport:
    """Largest shaping income over the looping policies, and whether it stays below ``solve_value``."""

    max_income: float
    worst_policy: str
    solve_value: float
    policies: int
    steps: int

    @property
    def ok(self) -> bool:
        return self.max_income < self.solve_value

    @property
    def message(self) -> str:
        verdict = "not farmable" if self.ok else "FARMABLE"
        return (f"{verdict}: the best of {self.policies} looping policies earns {self.max_income:.3f} from shaping "
                f"over {self.steps} steps ({self.worst_policy}); solving pays {self.solve_value:.3f}")


MAX_PAIR_ACTIONS = 9  # two-action alternations are drawn from the first actions (Crafter: noop, moves, do,
# sleep, place stone/table): every loop of interest among them, at 89 policies instead of 289


def looping_cycles(num_actions: int, pair_actions: int = MAX_PAIR_ACTIONS) -> np.ndarray:
    """Every single-action loop and every ordered alternation of two of the first ``pair_actions``
    actions, as [P, 2] action cycles."""
    k = min(num_actions, pair_actions)
    singles = [(a, a) for a in range(num_actions)]
    pairs = [(a, b) for a in range(k) for b in range(k) if a != b]
    return np.asarray(singles + pairs, np.int32)


@partial(jax.jit, static_argnames=("env", "steps", "random_policies"))
def _incomes(env: Any, task: Any, key: jax.Array, cycles: jax.Array, steps: int, random_policies: int):
    n_loop = cycles.shape[0]
    n = n_loop + random_policies
    k_reset, k_act, k_step = jax.random.split(key, 3)
    tasks = jax.tree.map(lambda x: jnp.broadcast_to(x, (n, *x.shape)), task)
    _, state = jax.vmap(env.reset)(jax.random.split(k_reset, n), tasks)
    step = jax.vmap(env.step)

    def body(carry, t):
        state, alive, income = carry
        loop_a = cycles[:, t % 2]
        rand_a = jax.random.randint(jax.random.fold_in(k_act, t), (random_policies,), 0, env.num_actions)
        action = jnp.concatenate([loop_a, rand_a])
        _, state, _, term, trunc, info = step(jax.random.split(jax.random.fold_in(k_step, t), n), state, action, tasks)
        income = income + jnp.where(alive, info["dense_reward"] - info["earned"], 0.0)
        return (state, alive & ~(term | trunc), income), None

    init = (state, jnp.ones((n,), bool), jnp.zeros((n,), jnp.float32))
    (_, _, income), _ = jax.lax.scan(body, init, jnp.arange(steps))
    return income


def farm_check(env: Any, task: Any, key: jax.Array, steps: int = 256, solve_value: float = 1.0,
               random_policies: int = 8) -> FarmReport:
    """Run the looping policies on ``task`` (one unbatched Task) under ``env`` (a TaskEnv)."""
    cycles = looping_cycles(env.num_actions)
    income = np.asarray(_incomes(env, task, key, jnp.asarray(cycles), steps, random_policies))
    worst = int(np.argmax(income))
    if worst < len(cycles):
        a, b = cycles[worst]
        name = f"repeat action {a}" if a == b else f"alternate actions {a} and {b}"
    else:
        name = f"random policy {worst - len(cycles)}"
    return FarmReport(float(income[worst]), name, float(solve_value), len(income), steps)
