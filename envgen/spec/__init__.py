"""Config specs: one pydantic model per env family, YAML load/save, compile() -> EnvParams."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from envgen.registry import FAMILIES, UnknownFamilyError
from envgen.registry import family as family_entry
from envgen.spec.base import Spec, SpecError, read_yaml

__all__ = ["Spec", "SpecError", "load_spec", "spec_class", "spec_from_dict", "spec_from_yaml"]


def spec_class(family: str) -> type[Spec]:
    """The spec model of a family (from its entry in :mod:`envgen.registry`)."""
    try:
        return family_entry(family, needs="spec").load("spec")
    except UnknownFamilyError as err:
        raise SpecError("<config>", [f"family: {err}"]) from None


def has_spec() -> list[str]:
    """The families that have a config model."""
    return [name for name, entry in FAMILIES.items() if entry.spec is not None]


def spec_from_dict(data: Any, source: str = "<config>", family: str | None = None, line_of=None) -> Spec:
    """Validate a config mapping; ``family`` comes from the mapping unless given."""
    if not isinstance(data, dict):
        raise SpecError(source, [f"expected a mapping with a 'family' field, got {type(data).__name__}"])
    fam = data.get("family", family)
    if fam is None:
        raise SpecError(source, [f"family: required field missing; one of {', '.join(has_spec())}"])
    if family is not None and fam != family:
        raise SpecError(source, [f"family: expected {family!r}, got {fam!r}"])
    return spec_class(str(fam)).from_dict(data, source=source, line_of=line_of)


def spec_from_yaml(data: str | bytes, source: str = "<config>", family: str | None = None) -> Spec:
    """Validate a config given as YAML text or bytes (untrusted: see :func:`envgen.spec.base.read_yaml`)."""
    parsed, lines = read_yaml(data, source)
    return spec_from_dict(parsed, source=source, family=family, line_of=lines)


def load_spec(path: str | os.PathLike, family: str | None = None) -> Spec:
    """Load and validate a config YAML file (a regular file of at most ``MAX_CONFIG_BYTES``)."""
    from envgen.io import read_regular_file
    from envgen.spec.base import MAX_CONFIG_BYTES

    path = Path(path)
    try:
        data = read_regular_file(path, MAX_CONFIG_BYTES)
    except OSError as exc:
        raise SpecError(str(path), [f"cannot read file: {exc.strerror or exc}"]) from None
    return spec_from_yaml(data, source=str(path), family=family)
