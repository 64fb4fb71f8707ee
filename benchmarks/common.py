"""Shared helpers for the throughput benchmarks: the training-shaped loop (envgen's ``TaskEnv`` with
levels refreshed between scan chunks), consuming what a learner consumes, timing several loops
interleaved in one process, machine facts, pytree sizes and writing one ``## section`` of
docs/benchmarks.md without touching the others."""

from __future__ import annotations

import importlib
import platform
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
INSTALL_BENCH = 'pip install -e ".[bench]"'  # the peers compared against (craftax, navix, xminigrid)


def need_peer(module: str) -> None:
    """Import the peer library ``module``, or exit non-zero with one line saying how to install it.

    The peers are optional (the ``bench`` extra): without it a benchmark that compares against one
    should say what to install rather than end in a ModuleNotFoundError traceback.
    """
    try:
        importlib.import_module(module)
    except ImportError as err:
        if isinstance(err, ModuleNotFoundError) and (err.name or "").split(".")[0] == module:
            why = "is not installed"
        else:
            detail = (str(err).splitlines() or [""])[0][:200]
            why = f"cannot be imported ({type(err).__name__}: {detail})"
        sys.exit(f"error: {module} {why}; the benchmarks compare against it: {INSTALL_BENCH}")


@dataclass
class Timing:
    compile_s: float  # first call (trace + compile + one run) minus one timed run
    run_s: float  # best wall time of one call over the repeats
    steps: int  # env steps per call (batch * scan length)

    @property
    def steps_per_s(self) -> float:
        return self.steps / self.run_s


def checksum(*trees) -> jax.Array:
    """One float32: the sum of every element of ``trees`` (observations, rewards, dones).

    Folded into the scan carry it makes XLA compute every element a learner reads. A loop that drops
    the observation lets XLA delete the observation's computation, and the figure measures nothing.
    """
    return sum(jnp.sum(jnp.asarray(x, jnp.float32)) for t in trees for x in jax.tree.leaves(t))


@dataclass
class Loop:
    """One benchmark loop: a jitted ``run(carry) -> carry``, its start carry, env steps per call."""

    run: Callable[[Any], Any]
    carry: Any
    steps: int


def chunked(step, chunk_len: int, chunks: int, refresh=None) -> Callable[[Any], Any]:
    """``jit`` of ``chunks`` times [``refresh(carry)``, then ``chunk_len`` scanned ``step(carry, None)``].

    ``refresh`` is the between-chunk work training does (new tasks and levels in one batched call);
    it runs inside the timed call, so its cost is in the figure.
    """
    def chunk(carry, _):
        if refresh is not None:
            carry = refresh(carry)
        return jax.lax.scan(step, carry, None, length=chunk_len)[0], None

    return jax.jit(lambda c: jax.lax.scan(chunk, c, None, length=chunks)[0])


def time_interleaved(loops: dict[str, Loop], repeats: int = 3) -> dict[str, Timing]:
    """Compile every loop, then time them in rounds (each loop once per round); best call per loop.

    Interleaving puts every loop under the same background load, so ratios within one call hold on a
    shared machine even when absolute figures drift.
    """
    first = {}
    for name, loop in loops.items():
        start = time.perf_counter()
        jax.block_until_ready(loop.run(loop.carry))
        first[name] = time.perf_counter() - start
    best = dict.fromkeys(loops, float("inf"))
    for _ in range(repeats):
        for name, loop in loops.items():
            start = time.perf_counter()
            jax.block_until_ready(loop.run(loop.carry))
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: Timing(compile_s=max(first[name] - best[name], 0.0), run_s=best[name], steps=loops[name].steps)
            for name in loops}


def envgen_loop(tenv, space, batch: int, chunk_len: int, chunks: int, key: jax.Array, spaces=None) -> Loop:
    """envgen the way training runs it: ``TaskEnv`` steps with random actions, and before every chunk
    domain randomisation draws new params and a new level for every env slot in one batched call
    (each slot's next episode starts on it; the reset copies the stored start state and observation).

    ``spaces`` (a list of ``(ParamSpace, n)``) mixes several spaces in one batch, ``n`` slots each.
    """
    from envgen.tasks.sampling import random_tasks

    parts = spaces if spaces is not None else [(space, batch)]
    assert sum(n for _, n in parts) == batch

    def draw(k):
        keys = jax.random.split(k, len(parts))
        tasks = [random_tasks(tenv, sp, kk, n) for (sp, n), kk in zip(parts, keys, strict=True)]
        return jax.tree.map(lambda *x: jnp.concatenate(x), *tasks)

    vstep = jax.vmap(tenv.step)
    num_actions = tenv.num_actions

    def step(carry, _):
        key, state, tasks, acc = carry
        key, k_act, k_step = jax.random.split(key, 3)
        actions = jax.random.randint(k_act, (batch,), 0, num_actions)
        obs, state, reward, terminated, truncated, _ = vstep(jax.random.split(k_step, batch), state, actions, tasks)
        return (key, state, tasks, acc + checksum(obs, reward, terminated | truncated)), None

    def refresh(carry):
        key, state, _, acc = carry
        key, k_tasks = jax.random.split(key)
        return key, state, draw(k_tasks), acc

    k_tasks, k_reset, k_run = jax.random.split(key, 3)
    tasks = jax.jit(draw)(k_tasks)
    _, state = jax.jit(jax.vmap(tenv.reset))(jax.random.split(k_reset, batch), tasks)
    carry = (k_run, state, tasks, jnp.float32(0))
    return Loop(chunked(step, chunk_len, chunks, refresh), carry, batch * chunk_len * chunks)


def tree_bytes(tree) -> int:
    """Bytes held by the array leaves of a pytree (typed PRNG keys counted by their key data)."""
    total = 0
    for x in jax.tree.leaves(tree):
        if jax.dtypes.issubdtype(getattr(x, "dtype", None), jax.dtypes.prng_key):
            x = jax.random.key_data(x)
        total += np.asarray(x).nbytes
    return int(total)


def machine() -> str:
    """One line: CPU model, vector extensions and usable cores, device, jax version, commit, load."""
    from envgen import provenance

    dev = jax.devices()[0]
    return (f"{provenance.cpu()}, device {dev.platform}:{dev.device_kind}, jax {jax.__version__}, "
            f"Python {platform.python_version()}, commit {provenance.commit()}, load {provenance.load()}")


def write_section(name: str, text: str, path: Path = DOC) -> None:
    """Replace (or append) the ``## name`` section of ``path``; other sections stay byte-identical."""
    body = path.read_text() if path.exists() else "# Benchmarks\n"
    section = f"## {name}\n\n{text.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(body):
        body = pattern.sub(lambda _: section + "\n", body, count=1).rstrip("\n") + "\n"
    else:
        body = body.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)
