"""Throughput of envgen ``crafter`` vs Craftax-Classic-Symbolic, measured the way training runs.

Not a test. ``python benchmarks/bench_crafter.py --batches 1024 --write`` measures, for every batch
size B, env steps/s, compile time and state bytes per env of

* envgen crafter as the trainer runs it: ``TaskEnv`` steps, and before every chunk of ``--chunk``
  steps domain randomisation draws new params (every env its own: biome, inventory, vitals, mobs, day
  length, ...) and a new world for every env slot in one batched call inside the timed loop; episodes
  that end restart on their slot's stored world and start observation;
* Craftax-Classic-Symbolic in its fastest documented setting: ``auto_reset=False`` under an
  optimistic-reset wrapper (B / reset_ratio fresh worlds per step, handed to the envs that finished;
  Craftax_Baselines' ``OptimisticResetVecEnvWrapper``, re-implemented here because the craftax
  package does not ship it), and with gymnax auto-reset (``--only auto-reset``: a world generated
  inside every step).

Every loop consumes what a learner consumes: a checksum of every observation element, the reward and
the done flag is folded into the scan carry. Loops of one batch size are timed interleaved in one
process (best of ``--repeats`` rounds). ``--write`` replaces the ``## crafter`` section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jax
import jax.numpy as jnp

# benchmarks/ on the path: the same import works run as a script or imported as benchmarks.<name>
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    Loop,
    checksum,
    chunked,
    envgen_loop,
    machine,
    markdown_table,
    need_peer,
    time_interleaved,
    tree_bytes,
    write_section,
)

NUM_ACTIONS = 17


# -- envgen --------------------------------------------------------------------------------------------
def loop_envgen(batch: int, chunk: int, chunks: int) -> tuple[Loop, int]:
    import envgen
    from envgen.envs.task_env import TaskEnv
    from envgen.tasks.space import ParamSpace

    env, _ = envgen.make("crafter")
    tenv = TaskEnv(env, reward_mode="task")
    # every searchable field of the config, with episodes and days of ordinary lengths
    space = ParamSpace("crafter", restrict={"max_steps": (1000, 10000), "day_length": (100, 600)})
    loop = envgen_loop(tenv, space, batch, chunk, chunks, jax.random.key(0))
    return loop, tree_bytes(loop.carry[1]) // batch


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


def loop_craftax(batch: int, chunk: int, chunks: int, optimistic: bool, reset_ratio: int) -> tuple[Loop, int]:
    need_peer("craftax")
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
        key, states, acc = carry
        key, ka, ks = jax.random.split(key, 3)
        actions = jax.random.randint(ka, (batch,), 0, NUM_ACTIONS)
        obs, states, reward, done, _ = vstep(jax.random.split(ks, batch), states, actions)
        return (key, states, acc + checksum(obs, reward, done)), None

    del obs
    carry = (jax.random.key(1), states, jnp.float32(0))
    return Loop(chunked(body, chunk, chunks), carry, batch * chunk * chunks), tree_bytes(states) // batch


# -- driver --------------------------------------------------------------------------------------------
ENVGEN = "envgen crafter (TaskEnv, new params and world per env every chunk)"
FASTEST = "Craftax-Classic-Symbolic, optimistic reset"
VARIANTS = {
    ENVGEN: lambda b, a: loop_envgen(b, a.chunk, a.chunks),
    FASTEST: lambda b, a: loop_craftax(b, a.chunk, a.chunks, True, a.reset_ratio),
    # generates a world inside every step: ~100x slower, so only on request
    "Craftax-Classic-Symbolic, gymnax auto-reset": lambda b, a: loop_craftax(b, a.chunk, a.chunks, False, 1),
}
DEFAULT = (ENVGEN, FASTEST)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batches", default="1024", help="comma-separated batch sizes")
    ap.add_argument("--chunk", type=int, default=64, help="steps between level refreshes")
    ap.add_argument("--chunks", type=int, default=2, help="chunks per timed call")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--reset-ratio", type=int, default=16, help="optimistic wrapper: envs per fresh world")
    ap.add_argument("--only", default="", help="comma-separated substrings of the variants to run "
                    "(default: envgen and Craftax's optimistic reset)")
    ap.add_argument("--write", action="store_true", help="write the table to docs/benchmarks.md (## crafter)")
    args = ap.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    names = [n for n in VARIANTS if (any(s.strip() in n for s in args.only.split(",")) if args.only else n in DEFAULT)]
    results = {}
    for b in batches:
        loops, sizes = {}, {}
        for name in names:
            try:
                loops[name], sizes[name] = VARIANTS[name](b, args)
            except ImportError as exc:  # a missing peer is reported, not fatal
                print(f"skipped {name}: {exc}", file=sys.stderr)
        for name, timing in time_interleaved(loops, args.repeats).items():
            results[(name, b)] = (timing, sizes[name])
            print(f"B={b:5d} {name}: {timing.steps_per_s:,.0f} steps/s (compile {timing.compile_s:.1f}s)",
                  file=sys.stderr)

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
    text = "\n".join([
        f"Command: `python benchmarks/bench_crafter.py {' '.join(sys.argv[1:])}`",
        "",
        f"Machine: {machine()}.",
        "",
        "Random actions; every loop consumes the observation, reward and done (a checksum of every element "
        f"in the scan carry); compile excluded; best of {args.repeats} interleaved rounds; "
        f"{args.chunks} chunks of {args.chunk} steps per timed call. envgen: `TaskEnv`, new heterogeneous params "
        "(domain randomisation over every searchable config field) and a new world for every env before every "
        f"chunk, one batched call inside the timed loop. Craftax: optimistic reset ratio {args.reset_ratio} "
        "(min with B). State bytes/env: the running state (envgen's `TaskState`, Craftax's `EnvState`).",
        "",
        markdown_table(header, rows),
    ])
    print(text)
    if args.write:
        write_section("crafter", text)


if __name__ == "__main__":
    main()
