"""Throughput of envgen ``minigrid`` vs XLand-MiniGrid and navix (random actions, auto-reset).

Not a test. Run ``python benchmarks/bench_minigrid.py`` (``--quick`` for a short run). Peers are
measured when importable (``pip install envgen[bench]``); ``--peers-python PATH`` runs the peers' side
with another interpreter (e.g. a venv that has them) and merges its rows. The table goes to the
``## minigrid`` section of docs/benchmarks.md with ``--write``.

Each measurement: ``jit(lax.scan)`` of ``steps`` batched steps with random actions; compile excluded;
steps/s = batch * steps / wall time (best of ``repeats``). Heterogeneous batches mix Empty-8x8,
DoorKey-8x8 and FourRooms params (one per env) in the same compiled step.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp

TASKS = {"Empty-8x8": "MiniGrid-Empty-8x8", "DoorKey-8x8": "MiniGrid-DoorKey-8x8", "FourRooms": "MiniGrid-FourRooms"}


def _time_scan(step, carry, steps: int, repeats: int) -> float:
    run = jax.jit(lambda c: jax.lax.scan(step, c, None, length=steps)[0])
    jax.block_until_ready(run(carry))  # compile + warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(run(carry))
        best = min(best, time.perf_counter() - start)
    return best


def bench_envgen(batch: int, task: str | None, steps: int, repeats: int, reset_mode: str = "level") -> float:
    """Steps/s for envgen; ``task=None`` gives the heterogeneous mix of the three tasks.

    ``reset_mode="fresh"`` regenerates the layout inside ``step`` at every episode end, as the peers do;
    ``"level"`` (envgen's default) restores the stored level."""
    import envgen

    env, _ = envgen.make("minigrid", reset_mode=reset_mode)
    if task is None:
        plist = [envgen.make(f"minigrid/{t}")[1] for t in TASKS]
        params = jax.tree.map(lambda *x: jnp.stack(x)[jnp.arange(batch) % len(plist)], *plist)
    else:
        p = envgen.make(f"minigrid/{task}")[1]
        params = jax.tree.map(lambda x: jnp.broadcast_to(x, (batch, *jnp.shape(x))), p)
    keys = jax.random.split(jax.random.key(0), batch)
    _, states = jax.jit(jax.vmap(env.reset))(keys, params)
    vstep = jax.vmap(env.step)

    def step(carry, _):
        key, states = carry
        key, ka, ks = jax.random.split(key, 3)
        actions = jax.random.randint(ka, (batch,), 0, 7)
        _, states, *_ = vstep(jax.random.split(ks, batch), states, actions, params)
        return (key, states), None

    return batch * steps / _time_scan(step, (jax.random.key(1), states), steps, repeats)


def bench_xminigrid(batch: int, task: str, steps: int, repeats: int) -> float:
    import xminigrid
    from xminigrid.wrappers import GymAutoResetWrapper

    env, params = xminigrid.make(TASKS[task])
    env = GymAutoResetWrapper(env)
    timestep = jax.jit(jax.vmap(env.reset, in_axes=(None, 0)))(params, jax.random.split(jax.random.key(0), batch))
    vstep = jax.vmap(env.step, in_axes=(None, 0, 0))
    n_actions = env.num_actions(params)

    def step(carry, _):
        key, ts = carry
        key, ka = jax.random.split(key)
        ts = vstep(params, ts, jax.random.randint(ka, (batch,), 0, n_actions))
        return (key, ts), None

    return batch * steps / _time_scan(step, (jax.random.key(1), timestep), steps, repeats)


def bench_navix(batch: int, task: str, steps: int, repeats: int) -> float:
    import navix as nx

    name = {"Empty-8x8": "Navix-Empty-8x8-v0", "DoorKey-8x8": "Navix-DoorKey-8x8-v0",
            "FourRooms": "Navix-FourRooms-v0"}[task]
    env = nx.make(name)
    timestep = jax.jit(jax.vmap(env.reset))(jax.random.split(jax.random.key(0), batch))
    vstep = jax.vmap(env.step)

    def step(carry, _):
        key, ts = carry
        key, ka = jax.random.split(key)
        ts = vstep(ts, jax.random.randint(ka, (batch,), 0, 7))
        return (key, ts), None

    return batch * steps / _time_scan(step, (jax.random.key(1), timestep), steps, repeats)


def run_peers(batches, steps, repeats) -> list[dict]:
    rows = []
    for lib, fn in (("xminigrid", bench_xminigrid), ("navix", bench_navix)):
        for task in TASKS:
            for b in batches:
                try:
                    sps = fn(b, task, steps, repeats)
                except Exception as exc:  # a peer missing or failing is reported, not fatal
                    rows.append({"lib": lib, "task": task, "batch": b, "sps": None, "note": type(exc).__name__})
                    print(f"{lib} {task} B={b}: {type(exc).__name__}: {exc}"[:200], file=sys.stderr)
                    break
                rows.append({"lib": lib, "task": task, "batch": b, "sps": sps})
                print(f"{lib:10s} {task:12s} B={b:5d} {sps:12.0f}", file=sys.stderr)
    return rows


def table(rows: list[dict], batches, device: str) -> str:
    def get(lib, task, b):
        for r in rows:
            if (r["lib"], r["task"], r["batch"]) == (lib, task, b) and r.get("sps"):
                return r["sps"]
        return None

    def fmt(x):
        return "—" if x is None else f"{x / 1e3:,.0f}k" if x >= 1e4 else f"{x:,.0f}"

    lines = [f"Random-action steps/s with auto-reset, `jit(scan)` of vmapped steps, compile excluded; {device}.",
             "envgen = default reset to the stored level; envgen fresh = new layout generated at every episode "
             "end (what both peers do).", "",
             "| task | B | envgen | envgen fresh | xminigrid | navix | envgen / best peer | fresh / best peer |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for task in [*TASKS, "mixed (heterogeneous)"]:
        for b in batches:
            ours, fresh = get("envgen", task, b), get("envgen-fresh", task, b)
            peers = [get("xminigrid", task, b), get("navix", task, b)]
            best = max([p for p in peers if p], default=None)
            ratio = f"{ours / best:.2f}×" if ours and best else "—"
            fratio = f"{fresh / best:.2f}×" if fresh and best else "—"
            lines.append(f"| {task} | {b} | {fmt(ours)} | {fmt(fresh)} | {fmt(peers[0])} | {fmt(peers[1])} | "
                         f"{ratio} | {fratio} |")
    homo = {b: [get("envgen", t, b) for t in TASKS] for b in batches}
    mixed = {b: get("envgen", "mixed (heterogeneous)", b) for b in batches}
    lines += ["", "Heterogeneous / mean homogeneous (envgen): " + ", ".join(
        f"B={b}: {mixed[b] / (sum(homo[b]) / len(homo[b])):.2f}" for b in batches if mixed[b] and all(homo[b]))]
    return "\n".join(lines) + "\n"


def write_section(text: str, path: Path = Path("docs/benchmarks.md")) -> None:
    """Replace (or append) the ``## minigrid`` section, leaving other sections alone."""
    body = path.read_text() if path.exists() else "# Benchmarks\n"
    head = "## minigrid\n"
    if head in body:
        start = body.index(head)
        nxt = body.find("\n## ", start + len(head))
        body = body[:start] + head + "\n" + text + (body[nxt:] if nxt >= 0 else "")
    else:
        body = body.rstrip() + "\n\n" + head + "\n" + text
    path.write_text(body)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 64, 1024, 4096])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="batches 1 and 64, 50 steps")
    ap.add_argument("--peers-only", action="store_true", help="measure only the peers, print JSON rows")
    ap.add_argument("--peers-python", help="interpreter that has xminigrid/navix installed")
    ap.add_argument("--fresh-max-batch", type=int, default=64, help="largest B for the fresh-reset rows")
    ap.add_argument("--write", action="store_true", help="write the table to docs/benchmarks.md")
    args = ap.parse_args()
    if args.quick:
        args.batches, args.steps = [1, 64], 50
    if args.peers_only:
        print(json.dumps(run_peers(args.batches, args.steps, args.repeats)))
        return
    rows = []
    for mode, lib in (("level", "envgen"), ("fresh", "envgen-fresh")):
        for task in [*TASKS, None]:
            for b in args.batches:
                if mode == "fresh" and b > args.fresh_max_batch:
                    continue  # generation inside every step is slow; large batches take minutes
                sps = bench_envgen(b, task, args.steps, args.repeats, mode)
                rows.append({"lib": lib, "task": task or "mixed (heterogeneous)", "batch": b, "sps": sps})
                print(f"{lib:12s} {task or 'mixed':12s} B={b:5d} {sps:12.0f}", file=sys.stderr)
    if args.peers_python:
        cmd = [args.peers_python, __file__, "--peers-only", "--steps", str(args.steps), "--repeats",
               str(args.repeats), "--batches", *map(str, args.batches)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        sys.stderr.write(out.stderr[-2000:])
        rows += json.loads(out.stdout.strip().splitlines()[-1]) if out.stdout.strip() else []
    else:
        rows += run_peers(args.batches, args.steps, args.repeats)
    device = f"{jax.devices()[0].device_kind} ({platform.processor() or platform.machine()}), jax {jax.__version__}"
    text = table(rows, args.batches, device)
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
