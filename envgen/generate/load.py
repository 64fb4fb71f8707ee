"""``env, params = envgen.load(DIR)``: a generated folder as one batched, jit/vmap-ready environment.

``params`` is a :class:`GeneratedParams`: the family's EnvParams of every generated config stacked on a
leading axis (``params.env``) plus each config's reward-program id (``params.reward_id``). ``env`` wraps
the family's environment with the same gymnax ``reset``/``step`` signature; its ``step`` returns the
generated dense reward, computed by a :class:`~envgen.rewards.bank.RewardBank` (``lax.switch`` over
program ids) from views of the state before and after the step, with ``info["dense_reward"]`` and
``info["task_reward"]`` (the environment's own sparse reward). Use it as
``jax.jit(jax.vmap(env.step))(keys, states, actions, params)``.

Reward programs are untrusted: each file's sha256 must equal the hash pinned in run.json, whose
validation report must have passed, and the AST check runs again before anything is compiled.
"""

from __future__ import annotations

import json
import os
from functools import partial
from pathlib import Path
from typing import Any, Literal

import jax
import jax.numpy as jnp
from flax import struct

RewardMode = Literal["dense", "task", "sum"]


class LoadError(ValueError):
    """The folder is not a usable generated run (missing files, tampered programs, failed run)."""


@struct.dataclass
class GeneratedParams:
    """Batched params of a generated run: ``env`` (the family's EnvParams) and ``reward_id`` (int32)."""

    env: Any
    reward_id: jax.Array


class GeneratedEnv:
    """A family environment whose reward is the generated dense reward (gymnax-style API).

    ``reward_mode``: "dense" (default) returns the program's reward; "task" the environment's own;
    "sum" both added. ``info`` always carries ``dense_reward`` and ``task_reward``.
    """

    def __init__(self, env: Any, bank: Any, build_view: Any, names: list[str], reward_mode: RewardMode = "dense"):
        if reward_mode not in ("dense", "task", "sum"):
            raise ValueError(f"reward_mode must be dense, task or sum, got {reward_mode!r}")
        self.env = env
        self.bank = bank
        self.build_view = build_view
        self.names = list(names)
        self.reward_mode = reward_mode

    @property
    def family(self) -> str:
        return self.env.family

    @property
    def num_envs(self) -> int:
        return len(self.names)

    def action_space(self, params: GeneratedParams | None = None):
        return self.env.action_space(None if params is None else params.env)

    def observation_space(self, params: GeneratedParams | None = None):
        return self.env.observation_space(None if params is None else params.env)

    @partial(jax.jit, static_argnames=("self",))
    def reset(self, key: jax.Array, params: GeneratedParams):
        """Reset one environment (vmap over ``key`` and ``params`` for the batch)."""
        return self.env.reset(key, params.env)

    @partial(jax.jit, static_argnames=("self",))
    def step(self, key: jax.Array, state: Any, action: Any, params: GeneratedParams):
        """Step one environment; returns ``obs, state, reward, terminated, truncated, info``."""
        env, p = self.env, params.env
        key_step, key_reset = jax.random.split(key)
        obs_st, state_st, task_reward, terminated, info = env.step_env(key_step, state, action, p)
        # the dense reward sees the transition before any auto-reset
        dense = self.bank(params.reward_id, self.build_view(state, p), self.build_view(state_st, p),
                          jnp.asarray(action, jnp.int32))
        obs, state_out, truncated, info = env.auto_reset(key_reset, obs_st, state_st, terminated, info, p)
        task_reward = jnp.asarray(task_reward, jnp.float32)
        reward = {"dense": dense, "task": task_reward, "sum": dense + task_reward}[self.reward_mode]
        info = {**info, "dense_reward": dense, "task_reward": task_reward}
        return obs, state_out, reward, terminated, truncated, info


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


def _why_failed(run: dict[str, Any]) -> str:
    """The first reason a run record gives for accepting nothing (provider error, or a check's diagnosis)."""
    if run.get("error"):
        return str(run["error"])
    for f in [f for r in reversed(run.get("rounds") or []) for f in r.get("failures", [])]:
        if f.get("problems"):
            return f"{f.get('name')} failed the {f.get('stage')} check: {f['problems'][0]}"
    return "no reason recorded in run.json"


def load(path: str | os.PathLike, reward_mode: RewardMode = "dense", **env_kwargs: Any):
    """Load a generated folder: ``(env, params)`` with every config batched (see module docstring)."""
    import importlib

    from envgen.envs.registry import env_class
    from envgen.rewards.bank import RewardBank
    from envgen.rewards.sandbox import program_hash
    from envgen.spec import SpecError, load_spec

    root = Path(path)
    run = read_run(root)
    envs = run.get("environments") or []
    if not envs:
        raise LoadError(f"{root}: the run accepted no environments (status {run.get('status')!r}): "
                        f"{_why_failed(run)}")
    family, sources, reports = load_programs(root, run)
    bank = RewardBank.from_validated(family, sources, reports)
    env = env_class(family)(**env_kwargs)
    params, ids = [], []
    for entry, source in zip(envs, sources, strict=True):
        try:
            spec = load_spec(root / entry["config"], family=family)
        except SpecError as err:
            raise LoadError(str(err)) from None
        params.append(spec.compile(env.static_params))
        ids.append(bank.index(program_hash(source)))
    stacked = jax.tree.map(lambda *xs: jnp.stack(xs), *params)
    view = importlib.import_module(f"envgen.rewards.views.{family}").build_view
    wrapped = GeneratedEnv(env, bank, view, [e["name"] for e in envs], reward_mode)
    return wrapped, GeneratedParams(env=stacked, reward_id=jnp.asarray(ids, jnp.int32))
