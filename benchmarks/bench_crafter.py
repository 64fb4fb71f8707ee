"""Throughput of envgen ``crafter`` vs Craftax-Classic-Symbolic (random actions, resets included).

Not a test. ``python benchmarks/bench_crafter.py --batches 1,64,1024 --write`` measures, for every batch
size B, env steps/s, compile time and state bytes per env of

* envgen crafter, homogeneous batch (default params shared by all envs), level reset;
* envgen crafter, heterogeneous batch (every env its own config: biome, rarities, inventory, stations,
  peaceful, day length; compiled through ``CrafterSpec`` and stacked), level reset;
* envgen crafter with ``reset_mode="fresh"`` (a new world generated inside ``step`` on episode end);
* Craftax-Classic-Symbolic with gymnax auto-reset (``auto_reset=True``: world generation inside every
  step), and in its fastest documented setting: ``auto_reset=False`` under an optimistic-reset wrapper
  (B / reset_ratio fresh worlds per step, handed to the envs that finished; Craftax_Baselines'
  ``OptimisticResetVecEnvWrapper``, re-implemented here because the craftax package does not ship it).

Each measurement is ``jit(lax.scan)`` over T batched steps; observations and rewards stay in the carry
so nothing is dead code; compile excluded from steps/s; best of ``--repeats`` calls. ``--write``
replaces the ``## crafter`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys

import jax
import jax.numpy as jnp
import numpy as np
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

try:
    from benchmarks.common import Timing, machine, markdown_table, time_scan, tree_bytes, write_section
except ModuleNotFoundError:  # run as a script: benchmarks/ is on sys.path
    from common import Timing, machine, markdown_table, time_scan, tree_bytes, write_section

console = Console()
NUM_ACTIONS = 17
POOL = 256  # distinct compiled specs; beyond it every env still differs by its day length


# -- configs -------------------------------------------------------------------------------------------
def hetero_spec(i: int):
    from envgen.spec.crafter import CrafterSpec

    rng = np.random.default_rng(i)
    rarity = [None, "rare", "common", "very common"]
    pick = lambda: rarity[int(rng.integers(4))]
    return CrafterSpec(
        target_biome=("natural", "grassland", "mountain", "beaches")[i % 4],
        coal_rarity=pick(), iron_rarity=pick(), diamond_rarity=pick(), tree_rarity=pick(),
        inventory_settings={"wood": int(rng.integers(0, 5)), "stone": int(rng.integers(0, 5)),
                            "sapling": int(rng.integers(0, 3)), "wood_pickaxe": int(rng.integers(0, 2)),
                            "table": bool(rng.integers(2)), "furnace": bool(rng.integers(2)),
                            "plant": bool(rng.integers(2))},
        mobs={"peaceful": i % 3 == 0, "spawn_cows": int(rng.integers(0, 3)),
              "spawn_zombies": int(rng.integers(0, 3))},
        day_length=int(rng.integers(100, 600)), daylight_cycle=i % 7 != 0,
    )


def hetero_params(batch: int):
    """B configs, all different: POOL compiled specs, and the day length shifted per pool round."""
    from envgen.envs.crafter.state import stack_params

    pool = stack_params([hetero_spec(i).compile() for i in range(min(batch, POOL))])
    idx = np.arange(batch) % min(batch, POOL)
    params = jax.tree.map(lambda x: x[idx], pool)
    return params.replace(day_length=params.day_length + jnp.asarray(np.arange(batch) // POOL, jnp.int32))


# -- envgen --------------------------------------------------------------------------------------------
def bench_envgen(batch: int, length: int, repeats: int, mode: str) -> tuple[Timing, int]:
    import envgen

    reset_mode = "fresh" if mode == "fresh" else "level"
    env, params = envgen.make("crafter", reset_mode=reset_mode)
    keys = jax.random.split(jax.random.key(0), batch)
    if mode == "hetero":
        params = hetero_params(batch)
        p_axis = 0
    else:
        p_axis = None  # one config shared by the batch
    obs, states = jax.jit(jax.vmap(env.reset, in_axes=(0, p_axis)))(keys, params)
    vstep = jax.vmap(env.step, in_axes=(0, 0, 0, p_axis))

    def body(carry, _):
        key, states, _, ret = carry
        key, ka, ks = jax.random.split(key, 3)
        actions = jax.random.randint(ka, (batch,), 0, NUM_ACTIONS)
        obs, states, reward, *_ = vstep(jax.random.split(ks, batch), states, actions, params)
        return (key, states, obs, ret + reward), None

    carry = (jax.random.key(1), states, obs, jnp.zeros((batch,), jnp.float32))
    return time_scan(body, carry, length, batch, repeats), tree_bytes(states) // batch


# -- Craftax-Classic -----------------------------------------------------------------------------------
def optimistic_step(env, params, num_envs: int, reset_ratio: int):
    """Craftax_Baselines' optimistic reset: num_envs / reset_ratio fresh worlds per step, each handed to
    up to reset_ratio finished envs (chosen among the done ones)."""
    num_resets = num_envs // reset_ratio
    step_fn = jax.vmap(env.step, in_axes=(0, 0, 0, None))
    reset_fn = jax.vmap(env.reset, in_axes=(0, None))

    def step(key, state, action):
        k1, k2, k3 = jax.random.split(key, 3)
        obs_st, state_st, reward, done, info = step_fn(jax.random.split(k1, num_envs), state, action, params)
        obs_re, state_re = reset_fn(jax.random.split(k2, num_resets), params)
        reset_indexes = jnp.arange(num_resets).repeat(reset_ratio)
        being_reset = jax.random.choice(k3, jnp.arange(num_envs), shape=(num_resets,), p=done, replace=False)
        reset_indexes = reset_indexes.at[being_reset].set(jnp.arange(num_resets))
        obs_re = obs_re[reset_indexes]
        state_re = jax.tree.map(lambda x: x[reset_indexes], state_re)
        pick = lambda r, s: jax.vmap(jax.lax.select)(jnp.broadcast_to(done, r.shape[:1]), r, s)
        state = jax.tree.map(pick, state_re, state_st)
        obs = pick(obs_re, obs_st)
        return obs, state, reward, done, info

    return step


def bench_craftax(batch: int, length: int, repeats: int, optimistic: bool, reset_ratio: int):
    from craftax.craftax_env import make_craftax_env_from_name

    env = make_craftax_env_from_name("Craftax-Classic-Symbolic-v1", auto_reset=not optimistic)
    params = env.default_params
    obs, states = jax.jit(jax.vmap(env.reset, in_axes=(0, None)))(jax.random.split(jax.random.key(0), batch),
                                                                      params)
    if optimistic:
        ostep = optimistic_step(env, params, batch, min(reset_ratio, batch))
        vstep = lambda keys, s, a: ostep(keys[0], s, a)
    else:
        batched = jax.vmap(env.step, in_axes=(0, 0, 0, None))
        vstep = lambda keys, s, a: batched(keys, s, a, params)

    def body(carry, _):
        key, states, _, ret = carry
        key, ka, ks = jax.random.split(key, 3)
        actions = jax.random.randint(ka, (batch,), 0, NUM_ACTIONS)
        obs, states, reward, _, _ = vstep(jax.random.split(ks, batch), states, actions)
        return (key, states, obs, ret + reward), None

    carry = (jax.random.key(1), states, obs, jnp.zeros((batch,), jnp.float32))
    return time_scan(body, carry, length, batch, repeats), tree_bytes(states) // batch


# -- driver --------------------------------------------------------------------------------------------
VARIANTS = {
    "envgen crafter, homogeneous (level reset)": lambda b, t, r, a: bench_envgen(b, t, r, "homo"),
    "envgen crafter, heterogeneous (level reset)": lambda b, t, r, a: bench_envgen(b, t, r, "hetero"),
    "envgen crafter, homogeneous (fresh-world reset)": lambda b, t, r, a: bench_envgen(b, t, r, "fresh"),
    "Craftax-Classic-Symbolic, gymnax auto-reset": lambda b, t, r, a: bench_craftax(b, t, r, False, a.reset_ratio),
    "Craftax-Classic-Symbolic, optimistic reset": lambda b, t, r, a: bench_craftax(b, t, r, True, a.reset_ratio),
}
FASTEST = "Craftax-Classic-Symbolic, optimistic reset"
HOMO = "envgen crafter, homogeneous (level reset)"


# Variants that generate a world inside every step run ~100x slower; they get a smaller step budget.
SLOW = ("fresh-world", "gymnax auto-reset")


def scan_length(batch: int, budget: int, slow: bool) -> int:
    if slow:
        return int(max(4, min(400, budget // 16 // batch)))
    return int(max(16, min(400, budget // batch)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batches", default="1,64,1024,4096", help="comma-separated batch sizes")
    ap.add_argument("--steps-budget", type=int, default=32768, help="env steps per timed call (scan length = "
                    "budget / B, clipped to [16, 400])")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--reset-ratio", type=int, default=16, help="optimistic wrapper: envs per fresh world")
    ap.add_argument("--only", default="", help="comma-separated substrings of the variants to run")
    ap.add_argument("--write", action="store_true", help="write the table to docs/benchmarks.md (## crafter)")
    args = ap.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    names = [n for n in VARIANTS if not args.only or any(s.strip() in n for s in args.only.split(","))]
    results: dict[tuple[str, int], tuple[Timing, int]] = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("benchmarking", total=len(batches) * len(names))
        for b in batches:
            for name in names:
                progress.update(task, description=f"B={b}: {name}")
                try:
                    results[(name, b)] = VARIANTS[name](
                        b, scan_length(b, args.steps_budget, any(k in name for k in SLOW)), args.repeats, args)
                except ImportError as exc:
                    console.print(f"[yellow]skipped {name}: {exc}")
                timing = results.get((name, b))
                if timing:
                    progress.console.print(f"B={b:5d} {name}: {timing[0].steps_per_s:,.0f} steps/s "
                                           f"(compile {timing[0].compile_s:.1f}s)")
                progress.advance(task)

    header = ["variant", *[f"B={b} steps/s" for b in batches], *[f"B={b} vs Craftax fastest" for b in batches],
              "compile s (largest B)", "state bytes/env"]
    rows = []
    for name in names:
        cells = [name]
        for b in batches:
            r = results.get((name, b))
            cells.append(f"{r[0].steps_per_s:,.0f}" if r else "–")
        for b in batches:
            r, ref = results.get((name, b)), results.get((FASTEST, b))
            cells.append(f"{r[0].steps_per_s / ref[0].steps_per_s:.2f}×" if r and ref else "–")
        last = results.get((name, batches[-1]))
        cells += [f"{last[0].compile_s:.1f}" if last else "–", f"{last[1]:,}" if last else "–"]
        rows.append(cells)
    table = Table(*header, title="Crafter throughput")
    for r in rows:
        table.add_row(*r)
    console.print(table)
    hetero = [results.get(("envgen crafter, heterogeneous (level reset)", b)) for b in batches]
    homo = [results.get((HOMO, b)) for b in batches]
    ratio = ", ".join(f"B={b}: {h[0].steps_per_s / o[0].steps_per_s:.2f}×"
                      for b, h, o in zip(batches, hetero, homo, strict=True) if h and o)
    text = "\n".join([
        f"Command: `python benchmarks/bench_crafter.py {' '.join(sys.argv[1:])}`",
        "",
        f"Machine: {machine()}.",
        "",
        "Random actions, resets included, `jit(lax.scan)` of batched steps (observations and rewards kept "
        "live), compile excluded, best of "
        f"{args.repeats}. Optimistic reset ratio {args.reset_ratio} (min with B). Scan length = "
        f"{args.steps_budget} / B clipped to [16, 400] ({args.steps_budget // 16} / B clipped to [4, 400] for "
        "the variants that generate worlds inside every step).",
        "",
        markdown_table(header, rows),
        "",
        f"Heterogeneous / homogeneous envgen: {ratio or '–'}.",
    ])
    console.print(text)
    if args.write:
        write_section("crafter", text)
        console.print("[green]wrote the ## crafter section of docs/benchmarks.md")


if __name__ == "__main__":
    main()
