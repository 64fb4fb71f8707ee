"""A small JSON Schema checker for the subset pydantic emits, so malformed model output is caught early.

It reports every problem with its path (``env.size: expected integer, got string``), which is what a
repair prompt needs. Full validation (ranges with custom messages, cross-field rules) is the job of the
family's pydantic model afterwards; this only guards the provider boundary.
"""

from __future__ import annotations

from typing import Any

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}

_MAX_PROBLEMS = 20


def _type_name(value: Any) -> str:
    for name, types in _TYPES.items():
        if isinstance(value, types) and not (isinstance(value, bool) and name in ("integer", "number")):
            return name
    return type(value).__name__


def _is_type(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    if name == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _TYPES.get(name, (object,)))


def _resolve(schema: dict, root: dict) -> dict:
    ref = schema.get("$ref")
    while isinstance(ref, str) and ref.startswith("#/"):
        node: Any = root
        for part in ref[2:].split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        schema = {**node, **{k: v for k, v in schema.items() if k != "$ref"}}
        ref = node.get("$ref") if isinstance(node, dict) else None
    return schema


def check(value: Any, schema: dict[str, Any]) -> list[str]:
    """Problems of ``value`` against ``schema`` (empty list: it fits)."""
    problems: list[str] = []
    _check(value, schema, schema, "", problems)
    return problems[:_MAX_PROBLEMS]


def _check(value: Any, schema: Any, root: dict, path: str, out: list[str]) -> None:
    if len(out) >= _MAX_PROBLEMS or not isinstance(schema, dict):
        return
    schema = _resolve(schema, root)
    where = path or "<root>"
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = schema[key]
            if not any(not _collect(value, opt, root, path) for opt in options):
                # Report the branch closest to fitting: the one with the fewest problems.
                best = min((_collect(value, opt, root, path) for opt in options), key=len)
                out.extend(best or [f"{where}: does not match any allowed form"])
            return
    if "const" in schema and value != schema["const"]:
        out.append(f"{where}: must be {schema['const']!r}, got {value!r}")
        return
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{where}: must be one of {schema['enum']!r}, got {value!r}")
        return
    expected = schema.get("type")
    if expected is not None:
        names = expected if isinstance(expected, list) else [expected]
        if not any(_is_type(value, n) for n in names):
            out.append(f"{where}: expected {' or '.join(names)}, got {_type_name(value)}")
            return
    if isinstance(value, dict):
        _check_object(value, schema, root, path, out)
    elif isinstance(value, list):
        items = schema.get("items")
        for i, item in enumerate(value):
            _check(item, items, root, f"{path}[{i}]", out)
        if "minItems" in schema and len(value) < schema["minItems"]:
            out.append(f"{where}: needs at least {schema['minItems']} items, got {len(value)}")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            out.append(f"{where}: allows at most {schema['maxItems']} items, got {len(value)}")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        bounds = {
            "minimum": lambda b: value >= b,
            "maximum": lambda b: value <= b,
            "exclusiveMinimum": lambda b: value > b,
            "exclusiveMaximum": lambda b: value < b,
        }
        for key, ok in bounds.items():
            if key in schema and isinstance(schema[key], (int, float)) and not ok(schema[key]):
                out.append(f"{where}: {value!r} violates {key} {schema[key]!r}")
    elif isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            out.append(f"{where}: shorter than {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            out.append(f"{where}: longer than {schema['maxLength']} characters")


def _check_object(value: dict, schema: dict, root: dict, path: str, out: list[str]) -> None:
    props = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in value:
            out.append(f"{path + '.' if path else ''}{name}: required field is missing")
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        sub = f"{path}.{key}" if path else str(key)
        if key in props:
            _check(item, props[key], root, sub, out)
        elif extra is False:
            out.append(f"{sub}: unknown field (known fields: {', '.join(sorted(props))})")
        elif isinstance(extra, dict):
            _check(item, extra, root, sub, out)


def _collect(value: Any, schema: Any, root: dict, path: str) -> list[str]:
    problems: list[str] = []
    _check(value, schema, root, path, problems)
    return problems
