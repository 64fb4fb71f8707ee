"""The config language shared by every family: a pydantic model per family, YAML in and out.

Errors name the field (and the YAML line where the file has one) and the allowed values, so a person
or an LLM repair prompt can act on them directly.
"""

from __future__ import annotations

import contextlib
import difflib
import os
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from envgen.spec.reward import RewardSpec


class SpecError(ValueError):
    """A config could not be parsed or validated. ``problems`` lists one message per fault."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: invalid config\n" + "\n".join(f"  - {p}" for p in problems))


class Spec(BaseModel):
    """Base of every family's config model. Unknown fields are errors, never silently ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_attribute_docstrings=True)
    family_name: ClassVar[str] = ""
    name: str | None = Field(None, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$", description="short file-safe name")
    purpose: str | None = Field(None, max_length=2000, description="what this environment teaches, in words")

    reward: RewardSpec | None = Field(None, description=(
        "dense reward as weights over the family's features (task_weight, potential, bonus, gamma); "
        "unset = the environment's own reward"))

    @model_validator(mode="after")
    def _check_reward_names(self):
        if self.reward is not None and self.family_name:
            from envgen.rewards.features import feature_module

            mod = feature_module(self.family_name)
            problems = self.reward.problems(mod.FEATURES, mod.EVENTS)
            if problems:
                raise ValueError("; ".join(problems))
        return self

    def compile(self, static_params: Any = None) -> Any:
        """Turn the validated config into the family's EnvParams pytree."""
        raise NotImplementedError

    def compile_reward(self, gamma: float | None = None) -> Any:
        """The config's :class:`~envgen.rewards.terms.RewardTerms` (the environment's own reward if unset)."""
        spec = self.reward if self.reward is not None else RewardSpec()
        if gamma is not None:
            spec = spec.model_copy(update={"gamma": gamma})
        return spec.compile(self.family_name)

    def to_yaml(self) -> str:
        """Serialise to YAML (explicitly set fields plus ``family``), stable key order."""
        data = self.model_dump(mode="json", exclude_unset=True)
        data = {"family": self.family_name, **{k: v for k, v in data.items() if k != "family"}}
        return yaml.safe_dump(data, sort_keys=False, default_flow_style=False)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the config atomically as YAML."""
        from envgen.io import write_text_atomic

        return write_text_atomic(path, self.to_yaml())

    @classmethod
    def from_dict(cls, data: Any, source: str = "<config>", line_of: dict | None = None):
        """Validate a mapping, raising :class:`SpecError` with field names, ranges and lines."""
        if not isinstance(data, dict):
            raise SpecError(source, [f"expected a mapping of fields, got {type(data).__name__}"])
        data = {k: v for k, v in data.items() if k != "family"}
        try:
            return cls.model_validate(data)
        except ValidationError as err:
            raise SpecError(source, describe_errors(cls, err, line_of or {})) from None


def _field_info(model: type[BaseModel], loc: tuple) -> Any:
    """Follow ``loc`` through nested models; return the pydantic FieldInfo or None."""
    info = None
    current: Any = model
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(str(part))
        if info is None:
            return None
        current = info.annotation
    return info


def format_range(lo: Any = None, hi: Any = None, lo_open: bool = False, hi_open: bool = False) -> str:
    """A numeric range as every message and table shows it: ``[0, 9]``, ``(0, inf]``; '' when unbounded."""
    if lo is None and hi is None:
        return ""
    return (f"{'(' if lo_open or lo is None else '['}{'-inf' if lo is None else lo}, "
            f"{'inf' if hi is None else hi}{')' if hi_open or hi is None else ']'}")


def field_range(info: Any) -> str:
    """The allowed range of a pydantic field (its ge/gt/le/lt constraints), formatted; '' when none."""
    lo = hi = None
    lo_open = hi_open = False
    for meta in getattr(info, "metadata", []):
        for attr, is_lo, is_open in (("ge", True, False), ("gt", True, True), ("le", False, False),
                                     ("lt", False, True)):
            value = getattr(meta, attr, None)
            if value is None:
                continue
            if is_lo:
                lo, lo_open = value, is_open
            else:
                hi, hi_open = value, is_open
    return format_range(lo, hi, lo_open, hi_open)


def schema_range(node: dict) -> str:
    """The allowed range of a JSON Schema node (minimum/maximum, exclusive or not), formatted."""
    lo_open, hi_open = "minimum" not in node and "exclusiveMinimum" in node, \
        "maximum" not in node and "exclusiveMaximum" in node
    return format_range(node.get("minimum", node.get("exclusiveMinimum")),
                        node.get("maximum", node.get("exclusiveMaximum")), lo_open, hi_open)


def _allowed_range(info: Any) -> str | None:
    text = field_range(info)
    return f"allowed range {text}" if text else None


def describe_errors(model: type[BaseModel], err: ValidationError, line_of: dict) -> list[str]:
    """One readable line per pydantic error: ``field (line N): message; allowed range/fields``."""
    problems = []
    for e in err.errors():
        loc = tuple(p for p in e["loc"] if not isinstance(p, int) or True)
        name = ".".join(str(p) for p in loc) or "<root>"
        line = line_of.get(tuple(str(p) for p in loc))
        where = f"{name} (line {line})" if line else name
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            parent = _field_info(model, loc[:-1]) if len(loc) > 1 else None
            parent_model = parent.annotation if parent is not None else model
            known = sorted(getattr(parent_model, "model_fields", {}))
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(f"{where}: unknown field{hint} (known fields: {', '.join(known)})")
            continue
        info = _field_info(model, loc)
        rng = _allowed_range(info) if info is not None else None
        got = f" (got {e['input']!r})" if "input" in e and not isinstance(e["input"], dict) else ""
        problems.append(f"{where}: {msg}{got}" + (f"; {rng}" if rng else ""))
    return problems


MAX_CONFIG_BYTES = 256 * 1024  # a config is a few hundred bytes; anything near this is not a config
MAX_YAML_NODES = 20_000  # nodes after expanding aliases (a billion-laughs file expands to 10**9)
MAX_YAML_DEPTH = 32


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys instead of silently keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            with contextlib.suppress(TypeError):  # unhashable keys are reported by the base class
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r} (first on line {seen[key]})", key_node.start_mark)
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def read_yaml(data: bytes | str, source: str) -> tuple[Any, dict[tuple, int]]:
    """Parse an untrusted YAML document; return the data and the line of each key path.

    The size is capped before parsing, bytes must be UTF-8, aliases may not expand past
    ``MAX_YAML_NODES`` nodes, nesting is limited and duplicate keys are errors. Every failure is a
    :class:`SpecError` with one problem that names the line.
    """
    size = len(data.encode("utf-8") if isinstance(data, str) else data)
    if size > MAX_CONFIG_BYTES:
        raise SpecError(source, [f"file is {size} bytes; a config may have at most {MAX_CONFIG_BYTES}"])
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            line = data.count(b"\n", 0, err.start) + 1
            raise SpecError(source, [f"line {line}: not UTF-8 text (byte 0x{data[err.start]:02x})"]) from None
    else:
        text = data
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines = _check_graph(node, source)
        return loader.construct_document(node), lines
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(source, [f"{where}malformed YAML: {problem}"]) from None
    except RecursionError:
        raise SpecError(source, [f"nested more than {MAX_YAML_DEPTH} levels deep"]) from None
    finally:
        loader.dispose()


def _check_graph(root: yaml.Node, source: str) -> dict[tuple, int]:
    """Size the document as if aliases were expanded (without expanding them) and map key paths to lines."""
    expanded: dict[int, int] = {}
    # post-order without recursion: (node, depth, children done?)
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    active: set[int] = set()
    while stack:
        node, depth, done = stack.pop()
        if depth > MAX_YAML_DEPTH:
            raise SpecError(source, [f"line {node.start_mark.line + 1}: nested more than {MAX_YAML_DEPTH} levels deep"])
        kids = _children(node)
        if done:
            active.discard(id(node))
            expanded[id(node)] = 1 + sum(expanded[id(k)] for k in kids)
            if expanded[id(node)] > MAX_YAML_NODES:
                raise SpecError(source, [f"line {node.start_mark.line + 1}: aliases expand this document past "
                                         f"{MAX_YAML_NODES} values (an alias bomb?)"])
            continue
        if id(node) in expanded:
            continue
        if id(node) in active:
            raise SpecError(source, [f"line {node.start_mark.line + 1}: a recursive alias is not allowed"])
        active.add(id(node))
        stack.append((node, depth, True))
        stack.extend((k, depth + 1, False) for k in kids if id(k) not in expanded)
    lines: dict[tuple, int] = {}
    seen: set[int] = set()
    todo: list[tuple[yaml.Node, tuple]] = [(root, ())]
    while todo:  # each node once: an alias is not walked again
        node, path = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = (*path, str(key_node.value))
                lines.setdefault(key, key_node.start_mark.line + 1)
                todo.append((value_node, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines.setdefault((*path, str(i)), item.start_mark.line + 1)
                todo.append((item, (*path, str(i))))
    return lines


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def parse_yaml(text: str | bytes, source: str) -> Any:
    """Parse YAML (see :func:`read_yaml`), turning every fault into a :class:`SpecError` naming the line."""
    return read_yaml(text, source)[0]
