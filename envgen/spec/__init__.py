"""Config specs: one pydantic model per env family, YAML load/save, compile() -> EnvParams."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

from envgen.spec.base import Spec, SpecError, parse_yaml, yaml_line_numbers

# family name -> "module:Class"; imported lazily so loading one family never imports the other.
SPEC_CLASSES = {
    "crafter": "envgen.spec.crafter:CrafterSpec",
    "minigrid": "envgen.spec.minigrid:MinigridSpec",
}

__all__ = ["Spec", "SpecError", "load_spec", "spec_class", "spec_from_dict"]


def spec_class(family: str) -> type[Spec]:
    """The spec model of a family."""
    if family not in SPEC_CLASSES:
        raise SpecError("<config>", [f"family: unknown family {family!r}; known: {', '.join(SPEC_CLASSES)}"])
    module, cls = SPEC_CLASSES[family].split(":")
    return getattr(importlib.import_module(module), cls)


def spec_from_dict(data: Any, source: str = "<config>", family: str | None = None, line_of=None) -> Spec:
    """Validate a config mapping; ``family`` comes from the mapping unless given."""
    if not isinstance(data, dict):
        raise SpecError(source, [f"expected a mapping with a 'family' field, got {type(data).__name__}"])
    fam = data.get("family", family)
    if fam is None:
        raise SpecError(source, [f"family: required field missing; one of {', '.join(SPEC_CLASSES)}"])
    if family is not None and fam != family:
        raise SpecError(source, [f"family: expected {family!r}, got {fam!r}"])
    return spec_class(str(fam)).from_dict(data, source=source, line_of=line_of)


def load_spec(path: str | os.PathLike, family: str | None = None) -> Spec:
    """Load and validate a config YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(str(path), [f"cannot read file: {exc.strerror or exc}"]) from None
    data = parse_yaml(text, str(path))
    return spec_from_dict(data, source=str(path), family=family, line_of=yaml_line_numbers(text))
