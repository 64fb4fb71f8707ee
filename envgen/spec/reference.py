"""Generate the config reference (markdown) from a family's pydantic schema.

``python -m envgen.spec.reference crafter > docs/config-crafter.md``. The same schema feeds the LLM
prompts, so the docs and the prompts cannot drift apart.
"""

from __future__ import annotations

import sys
from enum import Enum
from typing import Any, get_origin

from pydantic import BaseModel

from envgen.spec import spec_class
from envgen.spec.base import field_range


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return " | ".join(repr(m.value) for m in annotation)
    text = str(annotation) if get_origin(annotation) else getattr(annotation, "__name__", str(annotation))
    return text.replace("typing.", "").replace("NoneType", "None")


def _default(info) -> str:
    value = info.get_default(call_default_factory=True)
    return repr(value.value if isinstance(value, Enum) else value)


def rows(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str, str, str, str]]:
    """(field, type, default, range, description) for every field, nested models flattened."""
    out = []
    for name, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out.extend(rows(ann, f"{prefix}{name}."))
            continue
        default = "" if info.is_required() else _default(info)
        out.append((f"{prefix}{name}", _type_name(ann), default, field_range(info), info.description or ""))
    return out


def markdown(family: str) -> str:
    """The config reference of ``family`` as a markdown table."""
    cls = spec_class(family)
    lines = [f"# `{family}` config reference", "",
             f"Generated from `{cls.__module__}.{cls.__name__}` by `python -m envgen.spec.reference {family}`.",
             "Every YAML file starts with `family: " + family + "`; unset fields keep their defaults.", "",
             "| field | type | default | range | meaning |", "|---|---|---|---|---|"]
    for row in rows(cls):
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown(sys.argv[1] if len(sys.argv) > 1 else "crafter"))
