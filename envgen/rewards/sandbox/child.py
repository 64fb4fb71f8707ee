"""Inside the validation child: prove each program a scalar, finite, bounded, informative and cheap.

Two kinds of states are used. *Sampled* states cover every field's whole range, drawn by the family's
``sample_views``. *Rollout* states are real: the paired config is compiled to params and run with
several policies (uniform random, sticky random, one fixed action per env), many envs at once, and
half of the envs start late in the episode, so the states near the time limit are seen too. A program
must be finite and within the bound on both, and must not be constant on the rollouts (a program that
recognises sampled states and pays a constant on real ones fails here). One env per looping policy
(each action repeated, and alternations of two) checks that looping cannot out-earn solving. Its compile time and its
run time are measured against a reference program that reads every field, and must stay within a
budget relative to it. One compiled rollout serves every config (configs are arrays, not shapes).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from envgen.jit_options import jit_once
from envgen.rewards.sandbox import verdicts
from envgen.rewards.sandbox.checker import SandboxError, program_hash
from envgen.rewards.sandbox.families import Family, load_family
from envgen.rewards.sandbox.process import MARK, decode_arrays
from envgen.rewards.sandbox.report import ValidationReport
from envgen.rewards.sandbox.restricted import compile_program

N_POLICIES = 3  # uniform random, sticky random, one fixed action


def child_main(payload: Mapping[str, Any], next_work: Callable[[], Mapping[str, Any]] | None = None) -> None:
    """Entry point inside the child: validate each program and emit one event per result.

    A payload without ``programs`` is a setup sent before the work was known: the child imports and
    compiles what it can (with ``prepare``, the rollout), then waits for ``next_work()``.
    """
    out_fd = os.dup(1)
    sys.stdout = sys.stderr  # anything printed by libraries must not corrupt the protocol

    def emit(event: dict[str, Any]) -> None:
        os.write(out_fd, (MARK + json.dumps(event) + "\n").encode())

    import jax

    if payload.get("compile_cache"):
        verdicts.use_compile_cache(payload["compile_cache"])
    fam = load_family(importlib.import_module(payload["module"]))
    fam = dataclasses.replace(fam, name=payload["family"])
    sample = jit_once(fam.module.sample_views, static_argnums=1)  # one compile, not one per random op
    sampled = sample(jax.random.PRNGKey(payload["seed"]), payload["n_samples"])
    rollout = Rollout(fam.name, payload) if payload.get("prepare") or payload.get("configs") else None
    if "programs" not in payload:
        if rollout is not None:
            rollout.precompile()  # while the parent is still busy (the provider, the solvability check)
        payload = {**payload, **next_work()}
    if payload.get("configs") and rollout is None:
        rollout = Rollout(fam.name, payload)
    rollouts = rollout.run_all(payload) if payload.get("configs") else {}
    yardstick = _combine(sampled, next(iter(rollouts.values()), (None, None))[0])
    reference = _reference_cost(yardstick)
    emit({"event": "ready"})
    config_of = payload.get("config_of") or [None] * len(payload["programs"])
    for index, source in enumerate(payload["programs"]):
        # A compile that runs far past its budget is stopped from outside: XLA cannot be interrupted.
        deadline = _deadline(reference, payload)
        why = (f"reward took longer than {deadline:.1f} s to compile and run (a program reading every field "
               f"takes {reference.compile_s:.2f} s): use fewer operations and loops")
        timeout = ValidationReport(program_hash(source), fam.name, False, "budget", why)
        timer = threading.Timer(deadline, _give_up, (emit, index, timeout))
        timer.daemon = True
        timer.start()
        report = check_program(source, fam, sampled, rollouts.get(config_of[index]), reference, payload)
        timer.cancel()
        emit({"event": "result", "index": index, "report": report.to_dict()})
        if payload.get("fail_fast") and not report.ok:
            break  # the caller needs every program to pass: one failure is its answer


def _give_up(emit: Callable, index: int, report: ValidationReport) -> None:
    emit({"event": "result", "index": index, "report": report.to_dict()})
    os._exit(4)  # the parent starts a fresh child for the programs after this one


def _deadline(reference: Cost, payload: Mapping[str, Any]) -> float:
    compile_limit = max(payload["max_cost_ratio"] * reference.compile_s, payload["min_compile_budget_s"])
    run_limit = max(payload["max_cost_ratio"] * reference.run_s, payload["min_run_budget_s"])
    return 2.0 * compile_limit + 10.0 * run_limit + 5.0


def _combine(sampled: Any, rollout: Any) -> Any:
    """Sampled and rollout transitions in one batch, so each program is compiled once."""
    import jax
    import jax.numpy as jnp

    if rollout is None:
        return sampled
    return jax.tree.map(lambda a, b: jnp.concatenate([a, b.astype(a.dtype)]), sampled, rollout)


# -- real rollouts ---------------------------------------------------------------------------------


# Worlds per config in the rollouts: env i of a config starts on world i % LEVELS (sent by the parent,
# which generated them for its solvability check, or generated here).
LEVELS = 8


class Rollout:
    """The compiled rollout of a family, shared by every config (configs are arrays, not shapes)."""

    def __init__(self, family: str, payload: Mapping[str, Any]):
        import jax.numpy as jnp

        from envgen.envs.registry import env_class
        from envgen.rewards.farming import looping_cycles

        self.family, self.seed = family, payload["seed"]
        self.env = env = env_class(family)()
        build_view = importlib.import_module(f"envgen.rewards.views.{family}").build_view
        cycles = jnp.asarray(looping_cycles(env.num_actions))
        fn = _make_rollout(env, build_view, payload["rollout_envs"], payload["rollout_steps"], cycles)
        self.run = jit_once(fn, level=1)  # thousands of simulator steps: level 0 runs them too slowly
        self.compiled: Any = None
        self._level_shape: Any = None
        self._generate: Any = None

    def params(self, config: str | dict) -> Any:
        from envgen.spec import spec_from_dict
        from envgen.spec.base import parse_yaml

        data = parse_yaml(config, "config") if isinstance(config, str) else config
        return spec_from_dict(data, source="config", family=self.family).compile(self.env.static_params)

    def precompile(self) -> None:
        """Compile for the family's default config before any config is known (same shapes for all)."""
        import jax

        params = self.params({"name": "default"})
        levels = jax.tree.map(lambda x: jax.ShapeDtypeStruct((LEVELS, *x.shape), x.dtype), self.level_shape(params))
        self.compiled = self.run.lower(jax.random.PRNGKey(0), params, levels).compile()

    def level_shape(self, params: Any) -> Any:
        """The shapes and dtypes of one world: the same for every config, so traced once (tracing world
        generation takes about a second)."""
        import jax

        if self._level_shape is None:
            self._level_shape = jax.eval_shape(self.env.generate_level, jax.random.PRNGKey(0), params)
        return self._level_shape

    def levels(self, params: Any, index: int, sent: Any) -> Any:
        """``LEVELS`` worlds of a config: those the parent sent (decoded, checked against the family's
        level layout), else generated here."""
        import jax
        import numpy as np

        key = jax.random.PRNGKey(self.seed + 7919 * (index + 1))
        if sent is None:
            if self._generate is None:  # one compile for every config
                self._generate = jit_once(jax.vmap(self.env.generate_level, in_axes=(0, None)))
            return self._generate(jax.random.split(key, LEVELS), params)
        leaves, treedef = jax.tree.flatten(self.level_shape(params))
        arrays = decode_arrays(sent)
        if len(arrays) != len(leaves) or any(a.shape[1:] != x.shape or a.dtype != x.dtype or not len(a)
                                             for a, x in zip(arrays, leaves, strict=False)):
            raise ValueError("the levels sent do not match the family's level layout")
        return jax.tree.unflatten(treedef, [np.take(a, np.arange(LEVELS) % len(a), axis=0) for a in arrays])

    def run_all(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Config hash -> (batched (prev, state, action) views, loop episodes) from rollouts of that config."""
        from concurrent.futures import ThreadPoolExecutor

        import jax

        sent = payload.get("levels") or {}
        args = {}
        for i, (config_hash, text) in enumerate(sorted(payload["configs"].items())):
            params = self.params(text)
            args[config_hash] = (jax.random.PRNGKey(self.seed + 7919 * (i + 1)), params,
                                 self.levels(params, i, sent.get(config_hash)))

        if self.compiled is None and args:
            self.compiled = self.run.lower(*next(iter(args.values()))).compile()
        lock = threading.Lock()  # one trace and compile at a time, for arguments the compiled one rejects

        def run(a: tuple) -> Any:
            try:
                return jax.block_until_ready(self.compiled(*a))
            except TypeError:  # other argument types than those it was compiled for
                with lock:
                    return jax.block_until_ready(self.run(*a))

        # XLA runs without the GIL: two configs at a time use both cores of a small machine.
        with ThreadPoolExecutor(max_workers=2) as pool:
            return dict(zip(args, pool.map(run, args.values()), strict=True))


def _make_rollout(env: Any, build_view: Callable, n_envs: int, n_steps: int, cycles: Any) -> Callable:
    """A function ``(key, params, levels) -> (views, loops)``; ``levels`` has a leading axis of worlds,
    and env i starts on world i modulo their number.

    ``views`` are (prev views, state views, actions) of ``n_envs`` policy envs and one env per looping
    cycle, each ``n_steps`` long, flattened. ``loops`` holds the looping envs' task rewards and episode
    ends (``[cycles, n_steps]``), for the farming check. One scan with one copy of the step (compile
    time dominates: the simulator step is large).
    """
    import jax
    import jax.numpy as jnp

    n_actions = env.num_actions
    n_loops = cycles.shape[0]
    policy = jnp.concatenate([jnp.arange(n_envs) % N_POLICIES, jnp.full((n_loops,), N_POLICIES)])
    late = jnp.concatenate([jnp.arange(n_envs) >= n_envs // 2, jnp.zeros((n_loops,), bool)])
    cycle_of = jnp.concatenate([jnp.zeros((n_envs, 2), jnp.int32), cycles.astype(jnp.int32)])

    def one_env(key, params, which, start_late, cycle, level):
        k_reset, k_fixed, k_time, k_run = jax.random.split(key, 4)
        state = env.reset_to_level(k_reset, level, params)
        max_steps = jnp.asarray(getattr(params, "max_steps", n_steps), jnp.int32)
        # Jump late starters ahead so the rollout reaches the end of a long episode (time near the
        # limit, the day/night cycle, truncation) without simulating every step before it.
        offset = jax.random.randint(k_time, (), 0, jnp.maximum(max_steps - n_steps // 2, 1))
        state = state.replace(time=jnp.where(start_late, offset, state.time).astype(state.time.dtype))
        fixed = jax.random.randint(k_fixed, (), 0, n_actions)

        def step(carry, inp):
            state, last = carry
            key, t = inp
            k_new, k_sticky, k_step, k_reset = jax.random.split(key, 4)
            fresh = jax.random.randint(k_new, (), 0, n_actions)
            sticky = jnp.where(jax.random.uniform(k_sticky) < 0.9, last, fresh)
            action = jnp.stack([fresh, sticky, fixed, cycle[t % 2]])[which]
            obs_st, state_st, task_reward, terminated, info = env.step_env(k_step, state, action, params)
            views = (build_view(state, params), build_view(state_st, params), action)
            _, state_out, truncated, _ = env.auto_reset(k_reset, obs_st, state_st, terminated, info, params)
            return (state_out, action), (views, jnp.asarray(task_reward, jnp.float32), terminated | truncated)

        _, out = jax.lax.scan(step, (state, jnp.int32(0)), (jax.random.split(k_run, n_steps), jnp.arange(n_steps)))
        return out

    def rollout(key, params, levels):
        keys = jax.random.split(key, n_envs + n_loops)
        n_levels = jax.tree.leaves(levels)[0].shape[0]
        per_env = jax.tree.map(lambda x: x[jnp.arange(n_envs + n_loops) % n_levels], levels)
        views, task_reward, done = jax.vmap(one_env, in_axes=(0, None, 0, 0, 0, 0))(keys, params, policy, late,
                                                                                    cycle_of, per_env)
        flat = jax.tree.map(lambda x: x.reshape((-1, *x.shape[2:])), views)
        return flat, {"task_reward": task_reward[n_envs:], "done": done[n_envs:], "cycles": cycles}

    return rollout


def farm_problem(rewards: Any, loops: Mapping[str, Any], min_solve: float,
                 largest_payment: float = 0.0) -> tuple[str | None, dict[str, float]]:
    """Whether a looping policy out-earns solving: ``rewards`` are the program's on the looping envs
    ([cycles, steps]); income counts each loop's first episode, leaving out the steps the task itself
    rewards. Solving is worth the largest single payment the program makes (on those rewarded steps,
    or ``largest_payment`` seen on sampled states, where success flags are drawn), at least ``min_solve``."""
    import numpy as np

    task = np.asarray(loops["task_reward"], np.float64)
    done = np.asarray(loops["done"], bool)
    alive = np.cumsum(done, axis=1) - done < 1  # up to and including the first episode end
    progress = task > 0
    income = np.where(alive & ~progress, rewards, 0.0).sum(axis=1)
    paid = rewards[alive & progress]
    solve = max(float(min_solve), float(largest_payment), float(paid.max()) if paid.size else 0.0)
    worst = int(np.argmax(income))
    stats = {"loop_income": round(float(income[worst]), 4), "solve_value": round(solve, 4)}
    if income[worst] < solve:
        return None, stats
    a, b = (int(x) for x in np.asarray(loops["cycles"])[worst])
    how = f"repeating action {a}" if a == b else f"alternating actions {a} and {b}"
    return (f"reward can be farmed: {how} earns {income[worst]:.3g} in one episode of real rollouts without "
            f"the task's progress, as much as solving pays ({solve:.3g}); pay for progress once (a potential "
            "difference such as 0.99 * phi(state) - phi(prev), or a first-time event)"), stats


# -- the checks ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Cost:
    """Seconds to compile a program for the batch, and seconds per evaluation of the batch."""

    compile_s: float
    run_s: float


def _measure(fn: Callable, batch: Any) -> tuple[Any, Cost]:
    """Compile ``vmap(fn)`` for ``batch`` and run it; the run time is the best of seven (a busy machine
    stalls single runs)."""
    import jax

    t = time.perf_counter()
    compiled = jax.jit(jax.vmap(fn)).lower(*batch).compile()
    compile_s = time.perf_counter() - t
    best = float("inf")
    out = None
    for _ in range(7):
        t = time.perf_counter()
        out = jax.block_until_ready(compiled(*batch))
        best = min(best, time.perf_counter() - t)
    return out, Cost(compile_s, best)


def _reference_cost(batch: Any) -> Cost:
    """The cost of a plain program that reads every field once: the yardstick of the compute budget."""
    import jax
    import jax.numpy as jnp

    def reference(prev, state, action):
        leaves = jax.tree.leaves(state) + jax.tree.leaves(prev)
        return sum(jnp.sum(jnp.asarray(x, jnp.float32)) for x in leaves) + jnp.float32(action)

    _measure(reference, batch)  # warm-up: the first compile also pays for JAX's own setup
    return _measure(reference, batch)[1]


def check_program(source: str, fam: Family, sampled: Any, rollout: Any, reference: Cost,
                  payload: Mapping[str, Any]) -> ValidationReport:
    """Every check of one program, in order; the first failure is the report."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    h = program_hash(source)

    def fail(stage: str, msg: str, line: int | None = None, stats: Mapping[str, float] | None = None):
        return ValidationReport(h, fam.name, False, stage, msg, line, dict(stats or {}))

    try:
        fn = compile_program(source, fam.spec)
    except SandboxError as err:
        return fail("ast", str(err), err.line)
    except Exception as err:
        return fail("compile", f"{type(err).__name__}: {_text(err)}")
    one = jax.tree.map(lambda x: x[0], sampled)
    try:
        out = jax.eval_shape(fn, *one)
    except Exception as err:
        line, msg = explain(err)
        return fail("shape", msg, line)
    if not (hasattr(out, "shape") and out.shape == () and jnp.issubdtype(out.dtype, jnp.floating)):
        got = f"shape {tuple(out.shape)} {out.dtype}" if hasattr(out, "shape") else type(out).__name__
        return fail("shape", f"reward must return a scalar float, got {got} (reduce with jnp.sum/jnp.mean, "
                             "cast with jnp.float32)")
    n_sampled = jax.tree.leaves(sampled)[0].shape[0]
    rollout, loops = rollout if rollout is not None else (None, None)
    try:
        rewards, cost = _measure(fn, _combine(sampled, rollout))
    except Exception as err:
        line, msg = explain(err)
        return fail("rollout", msg, line)
    stats: dict[str, float] = {"compile_s": round(cost.compile_s, 4),
                               "run_ratio": round(cost.run_s / max(reference.run_s, 1e-9), 2)}
    budget = _over_budget(cost, reference, payload)
    if budget:
        return fail("budget", budget, stats=stats)
    bound = payload["bound"]
    rewards = np.asarray(rewards, np.float64)
    sampled_r, real = rewards[:n_sampled], rewards[n_sampled:]
    # Unprefixed stats describe what training will see: the rollouts when there are any.
    stats.update(_stats(sampled_r, "sampled_" if rollout is not None else ""))
    problem = _bad_values(sampled_r, "sampled states", bound)
    if problem:
        return fail("rollout", problem, stats=stats)
    if rollout is not None:
        stats.update(_stats(real, ""))
        problem = _bad_values(real, "states of real rollouts of the config", bound)
        if problem:
            return fail("rollout", problem, stats=stats)
        if real.max() - real.min() < payload["min_spread"]:
            return fail("rollout", f"reward is constant ({real.min():.4g}) over {real.size} transitions of real "
                                   "rollouts of the config (random, sticky and fixed-action policies): it gives "
                                   "no learning signal in training", stats=stats)
        n_loops = np.asarray(loops["done"]).shape[0]
        farmed, farm_stats = farm_problem(real.reshape(-1, payload["rollout_steps"])[-n_loops:], loops,
                                          payload["farm_min_solve"], float(sampled_r.max()))
        stats.update(farm_stats)
        if farmed:
            return fail("farming", farmed, stats=stats)
    elif sampled_r.max() - sampled_r.min() < payload["min_spread"]:
        return fail("rollout", f"reward is constant ({sampled_r.min():.4g}) over {sampled_r.size} sampled states: "
                               "it gives no learning signal", stats=stats)
    return ValidationReport(h, fam.name, True, "passed", "ok", None, stats)


def _over_budget(cost: Cost, reference: Cost, payload: Mapping[str, Any]) -> str:
    ratio = payload["max_cost_ratio"]
    compile_limit = max(ratio * reference.compile_s, payload["min_compile_budget_s"])
    run_limit = max(ratio * reference.run_s, payload["min_run_budget_s"])
    if cost.compile_s > compile_limit:
        return (f"reward takes {cost.compile_s:.2f} s to compile, {cost.compile_s / reference.compile_s:.0f}x a "
                f"program reading every field (limit {compile_limit:.2f} s): use fewer operations and loops")
    if cost.run_s > run_limit:
        return (f"reward takes {cost.run_s / reference.run_s:.0f}x the run time of a program reading every field "
                f"(limit {ratio:g}x): use fewer operations and loops")
    return ""


def _bad_values(rewards: Any, where: str, bound: float) -> str:
    import numpy as np

    finite = np.isfinite(rewards)
    if not finite.all():
        first = int(np.flatnonzero(~finite)[0])
        return (f"reward is NaN or infinite on {int((~finite).sum())} of {rewards.size} {where} (first at "
                f"#{first}, value {rewards[first]}): guard divisions, logs and square roots")
    if rewards.size and np.abs(rewards).max() > bound:
        return (f"reward reaches {rewards.min():.4g}..{rewards.max():.4g} on {where}; it must stay within "
                f"+-{bound:g}")
    return ""


def _stats(rewards: Any, prefix: str) -> dict[str, float]:
    import numpy as np

    if not rewards.size or not np.isfinite(rewards).all():
        return {f"{prefix}n": int(rewards.size)}
    return {f"{prefix}n": int(rewards.size), f"{prefix}min": float(rewards.min()),
            f"{prefix}max": float(rewards.max()), f"{prefix}mean": float(rewards.mean()),
            f"{prefix}std": float(rewards.std()), f"{prefix}nonzero_frac": float((rewards != 0).mean())}


def _text(err: BaseException) -> str:
    """The first line of an error's message; errors that carry none (MemoryError) say what they mean."""
    text = str(err).strip()
    if text:
        return text.splitlines()[0][:300]
    if isinstance(err, MemoryError):
        return "out of memory (the program builds values too large for the sandbox's memory limit)"
    if isinstance(err, RecursionError):
        return "nested too deeply"
    return "no message"


def explain(err: BaseException) -> tuple[int | None, str]:
    """The line in the reward program where ``err`` arose, and a message with a hint for common mistakes."""
    import traceback

    line = None
    for frame in traceback.extract_tb(err.__traceback__):
        if frame.filename.startswith("<reward"):
            line = frame.lineno
    name = type(err).__name__
    hint = ""
    if "Tracer" in name or "Concretization" in name:
        hint = (
            "; Python if/and/or/not and chained comparisons cannot branch on array values - use "
            "jnp.where, jnp.logical_and/or/not"
        )
    msg = f"{name}: {_text(err)}{hint}"
    return line, (f"line {line}: {msg}" if line else msg)
