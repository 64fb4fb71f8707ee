"""``env, params = envgen.load(DIR)``: a generated folder as one batched, jit/vmap-ready environment.

``env`` is a :class:`~envgen.envs.task_env.TaskEnv` and ``params`` a batch of
:class:`~envgen.tasks.Task` (one per generated config: its EnvParams, a generated level, and a reward
whose program id points into the env's immutable :class:`~envgen.rewards.bank.RewardBank`). ``step``
returns the generated dense reward with ``info["dense_reward"]`` and ``info["task_reward"]`` (the
environment's own sparse reward). Use it as ``jax.jit(jax.vmap(env.step))(keys, states, actions, params)``;
``env.refresh(key, params)`` draws new levels for the same configs.

Reward programs are untrusted: each file's sha256 must equal the hash pinned in run.json, whose
validation report must have passed, and the AST check runs again before anything is compiled.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

import jax
import jax.numpy as jnp

RewardMode = Literal["dense", "task", "sum"]  # see load()


class LoadError(ValueError):
    """The folder is not a usable generated run (missing files, tampered programs, failed run)."""


def read_run(path: str | os.PathLike) -> dict[str, Any]:
    """The parsed run.json of a generated folder."""
    run_file = Path(path) / "run.json"
    try:
        return json.loads(run_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LoadError(f"{path} is not a generated folder: {run_file} is missing") from None
    except ValueError as err:
        raise LoadError(f"{run_file}: not valid JSON ({err})") from None


def load_programs(path: str | os.PathLike, run: dict[str, Any] | None = None) -> tuple[str, list[str], list[Any]]:
    """Every environment's reward source, re-checked: hash pinned in run.json, passing report, AST check."""
    from envgen.rewards.sandbox import SandboxError, ValidationReport, check_source, load_family, program_hash

    root = Path(path)
    run = run or read_run(root)
    family = run["family"]
    fam = load_family(family)
    sources, reports = [], []
    for entry in run.get("environments", []):
        file = root / entry["reward"]
        try:
            source = file.read_text(encoding="utf-8")
        except OSError as err:
            raise LoadError(f"{file}: cannot read reward program ({err.strerror or err})") from None
        if program_hash(source) != entry.get("reward_hash"):
            raise LoadError(f"{file}: sha256 {program_hash(source)[:12]} does not match the hash pinned in "
                            f"run.json ({str(entry.get('reward_hash'))[:12]}); the program was changed after "
                            "validation - re-run `envgen generate` or `envgen validate`")
        report = ValidationReport.from_dict(entry.get("validation") or {"program_hash": "", "family": family,
                                                                         "ok": False, "stage": "missing"})
        if not report.ok or report.program_hash != entry["reward_hash"]:
            raise LoadError(f"{file}: run.json has no passing validation report for this program")
        try:
            check_source(source, fam.spec)
        except SandboxError as err:
            raise LoadError(f"{file}: {err}") from None
        sources.append(source)
        reports.append(report)
    return family, sources, reports


def load(path: str | os.PathLike, reward_mode: RewardMode = "dense", key: jax.Array | None = None,
         **env_kwargs: Any):
    """Load a generated folder: ``(env, tasks)`` with every config batched (see module docstring).

    ``reward_mode``: "dense" (default) is the generated program's reward, "sum" adds the environment's
    own reward to it, "task" returns the environment's own reward. ``key`` draws the tasks' levels.
    """
    from envgen.envs.registry import env_class
    from envgen.envs.task_env import TaskEnv
    from envgen.rewards.bank import RewardBank
    from envgen.rewards.sandbox import program_hash
    from envgen.spec import SpecError, load_spec

    if reward_mode not in ("dense", "task", "sum"):
        raise ValueError(f"reward_mode must be dense, task or sum, got {reward_mode!r}")
    root = Path(path)
    run = read_run(root)
    envs = run.get("environments") or []
    if not envs:
        raise LoadError(f"{root}: the run accepted no environments (status {run.get('status')!r}); "
                        "see run.json 'rejected' for why")
    family, sources, reports = load_programs(root, run)
    bank = RewardBank.from_validated(family, sources, reports)
    env = TaskEnv(env_class(family)(**env_kwargs), bank, "task" if reward_mode == "task" else "dense",
                  names=[e["name"] for e in envs])
    params, rewards = [], []
    base = env.default_reward()
    for entry, source in zip(envs, sources, strict=True):
        try:
            spec = load_spec(root / entry["config"], family=family)
        except SpecError as err:
            raise LoadError(str(err)) from None
        params.append(spec.compile(env.env.static_params))
        rewards.append(base.replace(task_weight=jnp.float32(1.0 if reward_mode == "sum" else 0.0),
                                    program=jnp.int32(bank.index(program_hash(source)))))
    stack = lambda xs: jax.tree.map(lambda *leaves: jnp.stack(leaves), *xs)  # noqa: E731
    key = jax.random.key(0) if key is None else key
    tasks = env.make_tasks(jax.random.split(key, len(envs)), stack(params), stack(rewards))
    return env, tasks
