"""The curriculum file: target tasks, teacher and its settings, student, budget, evaluation.

    name: doorkey-plr
    family: minigrid
    seed: 0
    targets: [minigrid/DoorKey-5x5]          # presets or config files (relative to this file)
    space:                                    # what random / plr / accel / alp_gmm search
      base: minigrid/DoorKey-5x5
      dims: [door.locked_prob, layout.width]
      restrict: {layout.width: [5, 8]}
    teacher: {kind: plr, capacity: 256, replay_prob: 0.8}
    student: {kind: random, num_envs: 16, steps: 64}
    budget: {chunks: 50}
    evaluation: {every: 10, steps: 128, heldout: [minigrid/DoorKey-6x6]}
    checkpoint_every: 5

A ``sequence`` teacher lists stages: ``{kind: sequence, stages: [{tasks: [...], threshold: 0.8,
min_episodes: 64}, ...]}``. Every error names the file and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

# upper bounds that keep a typo from allocating before anything else is checked (the run's memory is
# estimated against the machine's separately, see envgen.teachers.footprint)
MAX_ENVS = 65_536
MAX_STEPS = 1_000_000
MAX_CHUNKS = 1_000_000
MAX_EVAL_SEEDS = 64
MAX_SEED = 2**31 - 1


class CurriculumError(ValueError):
    """A curriculum file that cannot be run (the message names the file and the field)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SpaceConfig(_Model):
    base: str | None = None
    dims: list[str] | None = None
    restrict: dict[str, Any] = Field(default_factory=dict)


# names become folder names, progress-bar text and Markdown: plain words only, so no escape sequence,
# rich markup or HTML written into a file reaches a terminal, a path or a report
NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$"


class StageConfig(_Model):
    tasks: list[str] = Field(min_length=1)
    threshold: float = Field(0.8, ge=0.0, le=1.0)
    min_episodes: int = Field(32, ge=1)
    name: str | None = Field(None, pattern=NAME_PATTERN)


class TeacherConfig(_Model):
    model_config = ConfigDict(extra="allow")  # the teacher's own settings, checked when it is built
    kind: Literal["fixed", "random", "sequence", "plr", "accel", "alp_gmm", "llm"]
    stages: list[StageConfig] | None = None

    def settings(self) -> dict[str, Any]:
        """The teacher-specific settings (everything but ``kind`` and ``stages``)."""
        return dict(self.model_extra or {})


class StudentConfig(_Model):
    model_config = ConfigDict(extra="allow")
    kind: Literal["random", "ppo"] = "random"
    num_envs: int = Field(16, ge=2, le=MAX_ENVS)
    steps: int = Field(64, ge=1, le=MAX_STEPS, description="environment steps per slot per chunk")


class BudgetConfig(_Model):
    chunks: int = Field(ge=1, le=MAX_CHUNKS)
    # EnvGen's protocol: the last ``target_chunks`` chunks train on the targets alone (teacher paused)
    target_chunks: int = Field(0, ge=0, le=MAX_CHUNKS)

    @model_validator(mode="after")
    def _phase_fits(self):
        if self.target_chunks > self.chunks:
            raise ValueError(f"target_chunks ({self.target_chunks}) cannot exceed chunks ({self.chunks})")
        return self


class EvaluationConfig(_Model):
    every: int = Field(10, ge=1, le=MAX_CHUNKS)
    steps: int = Field(128, ge=1, le=MAX_STEPS)
    seeds: int = Field(2, ge=1, le=MAX_EVAL_SEEDS)
    heldout: list[str] = Field(default_factory=list)


class CurriculumConfig(_Model):
    name: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$")  # a comparison's: name-label-seedN
    family: Literal["minigrid", "crafter"]
    seed: int = Field(0, ge=0, le=MAX_SEED)
    goal: str | None = None
    targets: list[str] = Field(min_length=1)
    space: SpaceConfig | None = None
    teacher: TeacherConfig
    student: StudentConfig = Field(default_factory=StudentConfig)
    budget: BudgetConfig
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
    checkpoint_every: int = Field(5, ge=1, le=MAX_CHUNKS)

    @model_validator(mode="after")
    def _teacher_needs(self):
        kind = self.teacher.kind
        if kind in ("random", "alp_gmm") and self.space is None:
            raise ValueError(f"teacher {kind} needs a space: section (the region it samples)")
        if kind == "sequence" and not self.teacher.stages:
            raise ValueError("teacher sequence needs stages: [{tasks: [...], threshold: ..., min_episodes: ...}]")
        return self


def load_curriculum(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> CurriculumConfig:
    """Read and validate a curriculum YAML file (with ``--set key.path=value`` overrides); relative config
    paths resolve against its folder."""
    path = Path(path)
    config = validate_file(path, CurriculumConfig, CurriculumError, overrides)
    config = _resolve_paths(config, path.parent)
    _check_task_names(path, config)
    return config


def _check_task_names(path: Path, config: CurriculumConfig) -> None:
    """Every task the file names exists and is of its family, before anything is built or compiled."""
    from envgen.teachers.build import load_task_spec

    named = [("targets", config.targets), ("evaluation.heldout", config.evaluation.heldout)]
    named += [(f"teacher.stages.{i}.tasks", s.tasks) for i, s in enumerate(config.teacher.stages or [])]
    if config.space is not None and config.space.base:
        named.append(("space.base", [config.space.base]))
    for field, names in named:
        for name in names:
            try:
                load_task_spec(name, config.family)
            except CurriculumError as err:
                raise CurriculumError(f"{path}: {field}: {err}") from None


def read_mapping(path: Path, error: type[ValueError], overrides: list[str] | tuple[str, ...] = ()) -> dict:
    """A curriculum or comparison file's mapping, read through the hardened YAML reader (size cap, alias
    budget, depth, duplicate keys, UTF-8), with ``--set key.path=value`` overrides applied."""
    from envgen.spec.base import SpecError, read_yaml

    try:
        raw = path.read_bytes()
    except OSError as err:
        raise error(f"{path}: cannot read ({err.strerror})") from None
    try:
        data = read_yaml(raw, str(path))[0]
    except SpecError as err:
        raise error(f"{path}: {err.problems[0]}") from None
    if not isinstance(data, dict):
        raise error(f"{path}: expected a mapping at the top level")
    for item in overrides:
        apply_override(data, item, error)
    return data


def apply_override(data: dict, item: str, error: type[ValueError]) -> None:
    """Set ``key.path=value`` in ``data`` (the value read as YAML: ``8``, ``0.001``, ``[1, 2]``, ``{a: 1}``)."""
    from envgen.spec.base import SpecError, read_yaml

    key, sep, text = item.partition("=")
    parts = key.strip().split(".")
    if not sep or not all(p.strip() for p in parts):
        raise error(f"--set {item!r}: expected key.path=value, e.g. budget.chunks=32")
    try:
        value = read_yaml(text, f"--set {key}")[0]
    except SpecError as err:
        raise error(f"--set {key}: {err.problems[0]}") from None
    node: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):  # stages.1.threshold
            if last:
                node[int(part)] = value
            node = node[int(part)]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            node = node.setdefault(part, {})
        else:
            raise error(f"--set {key}: {'.'.join(parts[:i]) or key} is not a mapping (or a list indexed in "
                        "range) in the file")


def validate_file(path: Path, model: type[BaseModel], error: type[ValueError],
                  overrides: list[str] | tuple[str, ...] = ()) -> Any:
    """A YAML mapping file (with ``--set`` overrides) validated as ``model``; ``error`` names the file and
    every field at fault, one line each."""
    data = read_mapping(path, error, overrides)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        problems = [f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}" for e in err.errors()]
        if len(problems) == 1:
            raise error(f"{path}: {problems[0]}") from None
        raise error(f"{path}: {len(problems)} problems\n" + "\n".join(f"  - {p}" for p in problems)) from None


def _resolve_paths(config: CurriculumConfig, folder: Path) -> CurriculumConfig:
    def fix(name: str) -> str:
        candidate = folder / name
        return str(candidate) if name.endswith((".yaml", ".yml")) and candidate.is_file() else name

    config.targets = [fix(t) for t in config.targets]
    config.evaluation.heldout = [fix(t) for t in config.evaluation.heldout]
    if config.space is not None and config.space.base:
        config.space.base = fix(config.space.base)
    for stage in config.teacher.stages or []:
        stage.tasks = [fix(t) for t in stage.tasks]
    return config
