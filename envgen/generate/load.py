"""``env, params = envgen.load(DIR)``: a generated folder as one batched, jit/vmap-ready environment.

``env`` is a :class:`~envgen.envs.task_env.TaskEnv` and ``params`` a batch of
:class:`~envgen.tasks.Task` (one per generated config: its EnvParams, a generated level, and a reward
whose program id points into the env's immutable :class:`~envgen.rewards.bank.RewardBank`). ``step``
returns the generated dense reward with ``info["dense_reward"]`` and ``info["task_reward"]`` (the
environment's own sparse reward). Use it as ``jax.jit(jax.vmap(env.step))(keys, states, actions, params)``;
``env.refresh(key, params)`` draws new levels for the same configs.

A folder is untrusted input (people share them). ``family`` must be one of envgen's registered
families; every path in run.json must stay inside the folder and name a regular file of bounded size;
configs and programs must match the sha256 pinned in run.json, byte for byte. The AST check runs again
on every load, and the validation verdict is never taken from run.json: it comes from this user's
verdict cache (:mod:`envgen.rewards.sandbox.verdicts`), or the program is validated again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

import jax
import jax.numpy as jnp

from envgen.printable import printable
from envgen.spec.base import MAX_CONFIG_BYTES

RewardMode = Literal["dense", "task", "sum"]  # see load()


class LoadError(ValueError):
    """The folder is not a usable generated run (missing files, tampered programs, failed run)."""


MAX_RUN_JSON_BYTES = 8 << 20
MAX_PROGRAM_BYTES = 64 * 1024  # the sandbox accepts at most 20,000 characters
MAX_ENVIRONMENTS = 256  # `envgen generate --n` makes at most 64


def read_run(path: str | os.PathLike) -> dict[str, Any]:
    """The parsed run.json of a generated folder (a regular file, size-capped, a JSON object)."""
    from envgen.io import read_regular_file

    run_file = Path(path) / "run.json"
    try:
        data = read_regular_file(run_file, MAX_RUN_JSON_BYTES, follow_symlinks=False)
    except FileNotFoundError:
        raise LoadError(f"{path} is not a generated folder: {run_file} is missing") from None
    except OSError as err:
        raise LoadError(f"{run_file}: cannot read ({err.strerror or err})") from None
    try:
        run = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as err:
        raise LoadError(f"{run_file}: not valid JSON ({printable(err)[:200]})") from None
    if not isinstance(run, dict):
        raise LoadError(f"{run_file}: expected a JSON object, got {type(run).__name__}")
    return run


def run_family(run: dict[str, Any], where: str | os.PathLike) -> str:
    """run.json's ``family``, accepted only if it names one of envgen's registered families."""
    from envgen.envs.registry import FAMILIES

    family = run.get("family")
    if not isinstance(family, str) or family not in FAMILIES:
        shown = printable(family)[:60] if isinstance(family, str) else type(family).__name__
        raise LoadError(f"{where}: run.json names family {shown!r}; known families: {', '.join(FAMILIES)}")
    return family


def run_entries(run: dict[str, Any], where: str | os.PathLike) -> list[dict[str, Any]]:
    """run.json's ``environments``, each checked to be an object with a plain name."""
    envs = run.get("environments")
    if envs is None:
        return []
    if not isinstance(envs, list):
        raise LoadError(f"{where}: run.json 'environments' must be a list")
    if len(envs) > MAX_ENVIRONMENTS:
        raise LoadError(f"{where}: run.json lists {len(envs)} environments; at most {MAX_ENVIRONMENTS} are loaded")
    for i, entry in enumerate(envs):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
            raise LoadError(f"{where}: run.json environments[{i}] must be an object with a 'name'")
    return envs


def folder_file(root: str | os.PathLike, rel: Any, max_bytes: int, what: str) -> tuple[Path, bytes]:
    """The path and bytes of a file named in run.json: relative, inside ``root``, regular, at most max_bytes.

    No ``..``, no absolute paths, no symlinks (anywhere below the folder), no FIFOs or devices.
    """
    from envgen.io import read_regular_file

    root = Path(root)
    if not isinstance(rel, str) or not rel or "\x00" in rel:
        raise LoadError(f"{root}: run.json has no valid path for the {what}")
    parts = Path(rel).parts
    if Path(rel).is_absolute() or any(p in ("..", "") for p in parts) or "\\" in rel:
        raise LoadError(f"{root}: run.json path {printable(rel)[:120]!r} for the {what} leaves the folder")
    path = root / rel
    base = root.resolve()
    current = base
    for part in parts:  # refuse a symlink at any level, not only the last
        current = current / part
        if current.is_symlink():
            raise LoadError(f"{path}: the {what} is a symbolic link; a folder may only hold regular files")
    if not path.resolve().is_relative_to(base):
        raise LoadError(f"{path}: the {what} lies outside the folder")
    try:
        return path, read_regular_file(path, max_bytes, follow_symlinks=False)
    except OSError as err:
        raise LoadError(f"{path}: cannot read the {what} ({err.strerror or err})") from None


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def read_environments(path: str | os.PathLike, run: dict[str, Any] | None = None):
    """Every environment's config text and reward source, checked against the pins in run.json.

    Returns ``(family, entries, configs, sources)``. Nothing is executed; the AST check runs on each program.
    """
    from envgen.rewards.sandbox import SandboxError, check_source, load_family

    root = Path(path)
    run = run if run is not None else read_run(root)
    family = run_family(run, root)
    fam = load_family(family)
    entries = run_entries(run, root)
    configs, sources = [], []
    for entry in entries:
        cfg_path, cfg = folder_file(root, entry.get("config"), MAX_CONFIG_BYTES, "config")
        if _sha(cfg) != entry.get("config_hash"):
            raise LoadError(f"{cfg_path}: sha256 {_sha(cfg)[:12]} does not match the hash pinned in run.json "
                            f"({printable(entry.get('config_hash'))[:12]}); the config was changed after "
                            "validation - re-run `envgen generate`")
        file, data = folder_file(root, entry.get("reward"), MAX_PROGRAM_BYTES, "reward program")
        if _sha(data) != entry.get("reward_hash"):
            raise LoadError(f"{file}: sha256 {_sha(data)[:12]} does not match the hash pinned in run.json "
                            f"({printable(entry.get('reward_hash'))[:12]}); the program was changed after "
                            "validation - re-run `envgen generate`")
        try:
            source, config = data.decode("utf-8"), cfg.decode("utf-8")
        except UnicodeDecodeError:
            raise LoadError(f"{file}: not UTF-8 text") from None
        try:
            check_source(source, fam.spec)
        except SandboxError as err:
            raise LoadError(f"{file}: {err}") from None
        configs.append(config)
        sources.append(source)
    return family, entries, configs, sources


def _verdicts(root: Path, family: str, entries: list, configs: list[str], sources: list[str]) -> list[Any]:
    from envgen.rewards.sandbox import validate_programs

    reports = validate_programs(sources, family, configs=configs, fail_fast=True)
    for entry, report in zip(entries, reports, strict=True):
        if not report.ok and report.stage != "skipped":
            raise LoadError(f"{root / entry['reward']}: reward program failed validation at stage "
                            f"{report.stage!r}: {report.message}")
    return reports


def _why_failed(run: dict[str, Any]) -> str:
    """The first reason a run record gives for accepting nothing (provider error, or a check's diagnosis)."""
    if run.get("error"):
        return str(run["error"])
    for f in [f for r in reversed(run.get("rounds") or []) for f in r.get("failures", [])]:
        if f.get("problems"):
            return f"{f.get('name')} failed the {f.get('stage')} check: {f['problems'][0]}"
    return "no reason recorded in run.json"


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
    from envgen.spec import SpecError, spec_from_yaml

    if reward_mode not in ("dense", "task", "sum"):
        raise ValueError(f"reward_mode must be dense, task or sum, got {reward_mode!r}")
    root = Path(path)
    run = read_run(root)
    envs = run_entries(run, root)
    if not envs:
        raise LoadError(f"{root}: the run accepted no environments (status {printable(run.get('status'))!r}): "
                        f"{printable(_why_failed(run))}")
    family, entries, configs, sources = read_environments(root, run)
    reports = _verdicts(root, family, entries, configs, sources)
    bank = RewardBank.from_validated(family, sources, reports)
    env = TaskEnv(env_class(family)(**env_kwargs), bank, "task" if reward_mode == "task" else "dense",
                  names=[e["name"] for e in envs])
    params, rewards = [], []
    base = env.default_reward()
    for entry, config, source in zip(entries, configs, sources, strict=True):
        try:  # the bytes that were hashed, not the file again
            spec = spec_from_yaml(config, source=str(root / entry["config"]), family=family)
        except SpecError as err:
            raise LoadError(str(err)) from None
        params.append(spec.compile(env.env.static_params))
        # a config's reward: section (terms) adds to its program; without one the program is the reward
        terms = spec.compile_reward() if spec.reward is not None else base.replace(task_weight=jnp.float32(0.0))
        if reward_mode == "sum":
            terms = terms.replace(task_weight=jnp.float32(1.0))
        rewards.append(terms.replace(program=jnp.int32(bank.index(program_hash(source)))))
    stack = lambda xs: jax.tree.map(lambda *leaves: jnp.stack(leaves), *xs)  # noqa: E731
    key = jax.random.key(0) if key is None else key
    tasks = env.make_tasks(jax.random.split(key, len(envs)), stack(params), stack(rewards))
    return env, tasks
