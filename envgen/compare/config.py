"""The comparison file: one target, one student and budget, several teachers, several seeds.

    name: doorkey16
    family: minigrid
    targets: [minigrid/DoorKey-16x16]          # what every teacher is scored on
    seeds: 5                                   # or a list: [0, 1, 2, 3, 4]
    space: {base: ..., dims: [...], restrict: {...}}   # shared by the teachers that search a space
    student: {kind: ppo, num_envs: 32, steps: 128}     # the same student for everyone
    budget: {chunks: 100}                      # equal environment steps for every teacher
    evaluation: {every: 10, steps: 512, seeds: 2, heldout: [minigrid/DoorKey-8x8]}
    baselines: [fixed, random]                 # the teachers every other one is compared with
    teachers:                                  # label -> a curriculum ``teacher:`` section
      fixed: {kind: fixed}
      plr: {kind: plr, capacity: 512}
      dr-wide: {kind: random, space: {...}}    # ``space`` here overrides the shared one

Every (teacher, seed) pair becomes an ordinary curriculum (:class:`~envgen.teachers.config.CurriculumConfig`)
built from the shared sections plus the teacher's entry, so a teacher's settings are checked by the same
code that checks ``envgen curriculum run``; a teacher entry cannot change the student, budget, targets or
evaluation, which is what keeps the comparison fair. Every error names the file and the field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from envgen.teachers.config import (
    MAX_CHUNKS,
    MAX_SEED,
    NAME_PATTERN,
    BudgetConfig,
    CurriculumConfig,
    EvaluationConfig,
    SpaceConfig,
    StudentConfig,
    validate_file,
)

MAX_SEEDS = 1000


class ComparisonError(ValueError):
    """A comparison file that cannot be run (the message names the file and the field)."""


class ComparisonConfig(BaseModel):
    """The validated comparison file (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN)
    family: Literal["minigrid", "crafter"]
    goal: str | None = None
    targets: list[str] = Field(min_length=1)
    seeds: list[int]
    space: SpaceConfig | None = None
    student: StudentConfig = Field(default_factory=StudentConfig)
    budget: BudgetConfig
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
    checkpoint_every: int = Field(5, ge=1, le=MAX_CHUNKS)
    baselines: list[str] = Field(default_factory=list)
    # the score at which "steps to reach it" is measured (default: 0.5 success; none for Crafter's score)
    threshold: float | None = Field(None, ge=0.0)
    teachers: dict[str, dict[str, Any]] = Field(min_length=1)

    @field_validator("seeds", mode="before")
    @classmethod
    def _seed_list(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            if value > MAX_SEEDS:  # before the list is built: 10**9 seeds would fill the memory
                raise ValueError(f"{value} seeds; a comparison runs at most {MAX_SEEDS}")
            return list(range(value))
        return value

    @field_validator("seeds")
    @classmethod
    def _enough_seeds(cls, value: list[int]) -> list[int]:
        if len(value) < 2 or len(set(value)) != len(value):
            raise ValueError("give at least 2 distinct seeds (5 or more for a published comparison): "
                             "intervals over seeds need several runs")
        if len(value) > MAX_SEEDS:
            raise ValueError(f"{len(value)} seeds; a comparison runs at most {MAX_SEEDS}")
        bad = [s for s in value if not 0 <= s <= MAX_SEED]
        if bad:
            raise ValueError(f"seed {bad[0]} is outside 0..{MAX_SEED}")
        return value

    @field_validator("teachers")
    @classmethod
    def _labels(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for label, entry in value.items():
            if not re.fullmatch(NAME_PATTERN, label):
                raise ValueError(f"teacher label {label.encode('unicode_escape').decode()[:80]!r}: use letters, "
                                 "digits, '-', '_' and '.', at most 80 (it names a folder and a report row)")
            if not isinstance(entry, dict):
                raise ValueError(f"{label}: expected a mapping such as {{kind: plr, capacity: 512}}")
        return value

    @model_validator(mode="after")
    def _known_baselines(self):
        for b in self.baselines:
            if b not in self.teachers:
                raise ValueError(f"baseline {b!r} is not one of the teachers ({', '.join(self.teachers)})")
        return self

    @property
    def steps_per_run(self) -> int:
        """Environment steps every (teacher, seed) run takes: chunks x env slots x steps per slot."""
        return self.budget.chunks * self.student.num_envs * self.student.steps

    def eval_tasks(self) -> list[str]:
        """The tasks evaluated: the targets first, then the held-out ones (without repeats)."""
        return list(dict.fromkeys([*self.targets, *self.evaluation.heldout]))

    def curriculum(self, label: str, seed: int) -> CurriculumConfig:
        """The curriculum one run follows: the shared sections plus teacher ``label``'s entry."""
        entry = dict(self.teachers[label])
        space = entry.pop("space", None)
        data = {
            "name": f"{self.name}-{label}-seed{seed}", "family": self.family, "seed": seed, "goal": self.goal,
            "targets": self.targets,
            "space": space if space is not None else (self.space.model_dump() if self.space else None),
            "teacher": entry, "student": self.student.model_dump(), "budget": self.budget.model_dump(),
            "evaluation": {**self.evaluation.model_dump(), "heldout": self.eval_tasks()},
            "checkpoint_every": self.checkpoint_every,
        }
        try:
            return CurriculumConfig.model_validate(data)
        except ValidationError as err:
            first = err.errors()[0]
            loc = [str(p) for p in first["loc"]]
            if loc and loc[0] == "teacher":
                loc = ["teachers", label, *loc[1:]]
            elif loc and loc[0] == "space" and space is not None:
                loc = ["teachers", label, *loc]
            where = ".".join(loc) or f"teachers.{label}"
            raise ComparisonError(f"{where}: {first['msg']}") from None


def load_comparison(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> ComparisonConfig:
    """Read and validate a comparison YAML file (with ``--set key.path=value`` overrides); relative config
    paths resolve against its folder.

    Every teacher's curriculum is built and checked here, so a bad teacher entry fails before any run.
    """
    path = Path(path)
    config = validate_file(path, ComparisonConfig, ComparisonError, overrides)
    folder = path.parent
    config.targets = [_fix(folder, t) for t in config.targets]
    config.evaluation.heldout = [_fix(folder, t) for t in config.evaluation.heldout]
    if config.space is not None and config.space.base:
        config.space.base = _fix(folder, config.space.base)
    for entry in config.teachers.values():
        if isinstance(entry.get("space"), dict) and isinstance(entry["space"].get("base"), str):
            entry["space"]["base"] = _fix(folder, entry["space"]["base"])
        for stage in entry.get("stages") or []:
            if isinstance(stage, dict) and isinstance(stage.get("tasks"), list):
                stage["tasks"] = [_fix(folder, t) for t in stage["tasks"]]
    try:
        _check_tasks(config)
        for label in config.teachers:
            _check_teacher(label, config.curriculum(label, config.seeds[0]), "space" in config.teachers[label])
    except ComparisonError as err:
        raise ComparisonError(f"{path}: {err}") from None
    return config


def _check_tasks(config: ComparisonConfig) -> None:
    """Every target, held-out and stage task exists and is of the comparison's family (before anything runs)."""
    from envgen.teachers.build import load_task_spec
    from envgen.teachers.config import CurriculumError

    stages = [(f"teachers.{label}.stages.{i}.tasks", stage.get("tasks") or [])
              for label, entry in config.teachers.items()
              for i, stage in enumerate(entry.get("stages") or []) if isinstance(stage, dict)]
    for field, names in (("targets", config.targets), ("evaluation.heldout", config.evaluation.heldout), *stages):
        for name in names:
            try:
                load_task_spec(name, config.family)
            except CurriculumError as err:
                raise ComparisonError(f"{field}: {err}") from None


def _check_teacher(label: str, curriculum: CurriculumConfig, own_space: bool) -> None:
    """The teacher's settings and space, checked as the curriculum loop will build them."""
    import inspect

    from envgen.teachers.alp_gmm import ALPGMMConfig
    from envgen.teachers.build import _settings, build_space
    from envgen.teachers.config import CurriculumError
    from envgen.teachers.llm import LLMTeacher
    from envgen.teachers.plr import PLRConfig

    kind, settings = curriculum.teacher.kind, curriculum.teacher.settings()
    try:
        if kind in ("plr", "accel"):
            _settings(PLRConfig, {**settings, "accel": kind == "accel"}, kind)
        elif kind == "alp_gmm":
            _settings(ALPGMMConfig, settings, kind)
        elif kind == "llm":
            params = inspect.signature(LLMTeacher.__init__).parameters
            given = ("on_configs", "seed", "target_names")  # the loop passes these itself
            known = {n for n, p in params.items() if p.kind is p.KEYWORD_ONLY and n not in given}
            unknown = sorted(set(settings) - known - {"provider", "model"})
            if unknown:
                raise CurriculumError(f"teacher.{unknown[0]}: not a llm setting; known: "
                                      f"{', '.join(sorted(known | {'provider', 'model'}))}")
        elif settings:
            raise CurriculumError(f"teacher.{sorted(settings)[0]}: the {kind} teacher has no such setting")
        build_space(curriculum)
    except CurriculumError as err:
        message = str(err)
        for prefix in ("teacher.", "teacher:"):
            if message.startswith(prefix):
                message = f"teachers.{label}." + message[len(prefix):].lstrip()
        if message.startswith("space:") and own_space:
            message = f"teachers.{label}: {message}"
        raise ComparisonError(message) from None


def _fix(folder: Path, name: str) -> str:
    """A config file named relative to the comparison file, as a path; a preset name unchanged."""
    candidate = folder / name
    return str(candidate) if name.endswith((".yaml", ".yml")) and candidate.is_file() else name

