"""From a curriculum file to objects: the env, target and held-out tasks, the space, the teacher."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax

from envgen.tasks.space import ParamSpace, SpaceError
from envgen.tasks.task import Task, index_tasks, stack_tasks
from envgen.teachers.alp_gmm import ALPGMMConfig, ALPGMMTeacher
from envgen.teachers.base import Teacher
from envgen.teachers.config import CurriculumConfig, CurriculumError
from envgen.teachers.plr import PLRConfig, PLRTeacher
from envgen.teachers.sequence import SequenceTeacher
from envgen.teachers.simple import FixedTeacher, RandomTeacher


def load_task_spec(name: str, family: str) -> Any:
    """The validated config of a preset (``family/Name``) or a config file, checked to be ``family``'s."""
    from envgen.envs.registry import resolve_spec_path
    from envgen.spec import SpecError, load_spec

    path = resolve_spec_path(name)
    if path is None:
        raise CurriculumError(f"unknown task {name!r}: not a preset (envgen list) nor a config file")
    try:
        spec = load_spec(path)
    except SpecError as err:
        raise CurriculumError(str(err)) from None
    if spec.family_name != family:
        raise CurriculumError(f"task {name!r} is a {spec.family_name} config; this curriculum is {family}")
    return spec


def make_env(family: str) -> Any:
    """The family's TaskEnv (the environment's own reward unless a task's reward section says otherwise)."""
    from envgen.envs.registry import env_class
    from envgen.envs.task_env import TaskEnv

    return TaskEnv(env_class(family)())


def tasks_for(env: Any, names: list[str], key: jax.Array, n: int | None = None, batch: int | None = None) -> Task:
    """Tasks for named configs (cycled to ``n`` when given), one level each, in one batched call.

    ``batch``: generate at least that many (cycled) and keep the first ones -- world generation compiles
    once per batch size, so making every batch the slot count saves a compile per distinct size.
    """
    specs = [load_task_spec(name, env.family) for name in names]
    count = len(specs) if n is None else n
    specs = [specs[i % len(specs)] for i in range(max(count, batch or 0))]
    return index_tasks(specs_to_tasks(env, specs, key), slice(0, count))


def specs_to_tasks(env: Any, specs: list[Any], key: jax.Array) -> Task:
    """Tasks for validated configs: their params and ``reward:`` section, one level each."""
    static = env.env.static_params
    params = stack_tasks([s.compile(static) for s in specs])
    rewards = stack_tasks([s.compile_reward() for s in specs])
    return env.make_tasks(jax.random.split(key, len(specs)), params, rewards)


def build_space(config: CurriculumConfig) -> ParamSpace | None:
    """The curriculum's parameter space (None without a ``space:`` section)."""
    if config.space is None:
        return None
    base = load_task_spec(config.space.base, config.family) if config.space.base else None
    restrict = {k: tuple(v) if isinstance(v, list) else v for k, v in config.space.restrict.items()}
    try:
        return ParamSpace(config.family, base, config.space.dims, restrict or None)
    except SpaceError as err:
        raise CurriculumError(f"space: {err}") from None


def _settings(cls: type, settings: dict[str, Any], kind: str) -> Any:
    known = set(cls.__dataclass_fields__)
    unknown = sorted(set(settings) - known)
    if unknown:
        raise CurriculumError(f"teacher.{unknown[0]}: not a {kind} setting; known: {', '.join(sorted(known))}")
    if "ks" in settings:
        settings = {**settings, "ks": tuple(settings["ks"])}
    try:
        return cls(**settings)
    except (TypeError, ValueError) as err:
        raise CurriculumError(f"teacher: {err}") from None


def build_teacher(config: CurriculumConfig, env: Any, targets: Task, space: ParamSpace | None,
                  on_configs: Callable | None = None, provider: Any = None) -> Teacher:
    """The teacher the curriculum names, with its settings checked."""
    kind, settings = config.teacher.kind, config.teacher.settings()
    if kind == "fixed":
        return FixedTeacher(env, targets)
    if kind == "random":
        return RandomTeacher(env, space)
    if kind == "sequence":
        stages = config.teacher.stages
        names = [t for s in stages for t in s.tasks]
        tasks = tasks_for(env, names, jax.random.key(config.seed), batch=config.student.num_envs)
        stage_of = [i for i, s in enumerate(stages) for _ in s.tasks]
        return SequenceTeacher(env, tasks, stage_of, [s.threshold for s in stages],
                               [s.min_episodes for s in stages],
                               names=[s.name or ", ".join(Path(t).stem for t in s.tasks) for s in stages])
    if kind in ("plr", "accel"):
        plr = _settings(PLRConfig, {**settings, "accel": kind == "accel"}, kind)
        return PLRTeacher(env, plr, space=space, targets=targets)
    if kind == "alp_gmm":
        return ALPGMMTeacher(env, space, _settings(ALPGMMConfig, settings, kind))
    if kind == "llm":
        from envgen.llm import get_provider
        from envgen.teachers.llm import LLMTeacher

        provider_name = settings.pop("provider", "offline")
        provider = provider or get_provider(provider_name, model=settings.pop("model", None))
        if config.family == "crafter":
            from envgen.envs.crafter.constants import ACHIEVEMENTS

            skills = list(ACHIEVEMENTS)
        else:
            skills = [Path(t).stem for t in config.targets]
        goal = config.goal or f"Master {', '.join(skills)}."
        try:
            return LLMTeacher(env, targets, skills, goal, provider, seed=config.seed, on_configs=on_configs,
                              target_names=[Path(t).stem for t in config.targets], **settings)
        except TypeError as err:
            raise CurriculumError(f"teacher: {err}") from None
    raise CurriculumError(f"teacher.kind: unknown teacher {kind!r}")
