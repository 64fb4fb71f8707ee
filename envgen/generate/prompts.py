"""Prompts rendered from jinja2 templates (``templates/``) with facts generated from code.

Nothing the model is told about configs or reward programs is hand-copied: config fields, types, ranges
and meanings come from the family's pydantic JSON Schema; the reward API from the view class and its
``FIELD_DOCS``; the allowed ``jnp`` functions and rules from the sandbox; the tech tree and vocabulary
from :mod:`envgen.generate.ontology`; the example program from the offline rules.
"""

from __future__ import annotations

import dataclasses
import importlib
from functools import cache
from typing import Any, Literal

import jinja2
from pydantic import BaseModel, ConfigDict, Field, create_model

from envgen.generate import ontology as onto
from envgen.registry import family as family_entry
from envgen.resources import resource_dir

TOOL_NAME = "submit_environments"
TOOL_DESCRIPTION = "Submit the designed environments: one config and one reward program each."


@cache
def _jinja() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource_dir("templates"))),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
        autoescape=False,
    )


def render(template: str, **context: Any) -> str:
    """Render ``templates/<template>`` with ``context``."""
    return _jinja().get_template(template).render(**context)


# -- the answer's schema ---------------------------------------------------------------------------


@cache
def output_model(family: str) -> type[BaseModel]:
    """The pydantic model of one answer: ``{"environments": [{config, reward_code[, targets]}]}``."""
    from envgen.spec import spec_class

    spec = spec_class(family)
    fields: dict[str, Any] = {
        "config": (spec, Field(description=f"the {family} environment config")),
        "reward_code": (str, Field(max_length=20000, description=(
            "Python source of exactly one function `def reward(prev, state, action):` returning a float "
            "scalar (dense shaping for this environment)"))),
    }
    if family_entry(family).targets:
        achievements = tuple(family_entry(family).load("targets"))
        fields["targets"] = (list[Literal[achievements]], Field(min_length=1, description=(  # type: ignore[valid-type]
            "the achievements this environment teaches; its solvability is checked against them")))
    env_model = create_model(f"{family.capitalize()}Environment", __config__=ConfigDict(extra="forbid"),
                             **fields)
    return create_model(f"{family.capitalize()}Submission", __config__=ConfigDict(extra="forbid"),
                        environments=(list[env_model], Field(min_length=1, description=(  # type: ignore[valid-type]
                            "the environments, ordered from easier to harder"))))


def output_schema(family: str) -> dict[str, Any]:
    """JSON Schema of one answer (given to the provider as the tool's input schema)."""
    return output_model(family).model_json_schema()


# -- facts generated from code ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FieldRow:
    """One config field as the prompt lists it."""

    name: str
    type: str
    allowed: str
    default: str
    description: str


def _resolve(node: dict, root: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = {**root["$defs"][name], **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def schema_rows(schema: dict[str, Any]) -> list[FieldRow]:
    """Flatten a pydantic JSON Schema into dotted field rows (nested models become ``a.b``)."""
    rows: list[FieldRow] = []

    def walk(node: dict, prefix: str) -> None:
        node = _resolve(node, schema)
        required = set(node.get("required", []))
        for name, prop in node.get("properties", {}).items():
            full = f"{prefix}{name}"
            desc = prop.get("description", "")
            prop = _resolve(prop, schema)
            options = [_resolve(o, schema) for o in prop.get("anyOf", [])]
            non_null = [o for o in options if o.get("type") != "null"]
            nullable = len(non_null) < len(options)
            body = non_null[0] if len(non_null) == 1 else prop
            if body.get("type") == "object" and "properties" in body:
                walk(body, f"{full}.")
                continue
            if len(non_null) > 1:  # e.g. a union of literals
                enum = [v for o in non_null for v in o.get("enum", [o.get("const")]) if v is not None]
                body = {"type": "string", "enum": enum}
            rows.append(FieldRow(*(_cell(v) for v in (
                full, _type_name(body) + (" or null" if nullable else ""), _allowed(body),
                _default(prop, name in required), desc or body.get("description", "")))))

    walk(schema, "")
    return rows


def _type_name(node: dict) -> str:
    if "enum" in node:
        return "one of"
    if node.get("type") == "array":
        return f"list of {_type_name(node.get('items', {}))}"
    if node.get("type") == "object":
        extra = node.get("additionalProperties")
        return f"map to {_type_name(extra)}" if isinstance(extra, dict) else "object"
    return str(node.get("type", "any"))


def _allowed(node: dict) -> str:
    from envgen.spec.base import schema_range

    if "enum" in node:
        return ", ".join(str(v) for v in node["enum"])
    bounds = schema_range(node)
    if bounds:
        return bounds
    if "maxLength" in node or "pattern" in node:
        parts = [f"pattern {node['pattern']}"] if "pattern" in node else []
        if "maxLength" in node:
            parts.append(f"at most {node['maxLength']} chars")
        return ", ".join(parts)
    return ""


def _cell(text: str) -> str:
    """A Markdown table cell: a literal ``|`` would end the cell, so it is escaped."""
    return text.replace("|", "\\|").replace("\n", " ")


def _default(prop: dict, required: bool) -> str:
    if "default" not in prop:
        return "required" if required else "computed"  # default_factory fields have no JSON default
    value = prop["default"]
    return "none" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def reward_api(family: str) -> dict[str, Any]:
    """The facts the system prompt states about reward programs: the sandbox's own description of what a
    program may use (fields, helpers, jnp functions, limits), with each field's meaning from FIELD_DOCS."""
    from envgen.rewards import sandbox

    api = sandbox.reward_api(family)
    docs = getattr(importlib.import_module(f"envgen.rewards.views.{family}"), "FIELD_DOCS", {})
    types = field_types(family)
    return {
        "fields": [(name, types.get(name, "float32"), docs.get(name, "")) for name in api["fields"]],
        "helpers": sorted(api["helpers"].items()),
        "jnp_functions": [f + ("(" + ", ".join(f"{k}=" for k in kw) + ")" if kw else "")
                          for f, kw in api["jnp"].items()],
        "jnp_constants": api["jnp_constants"],
        "limits": api["limits"],
        "bound": api["limits"]["reward_bound"],
    }


@cache
def field_types(family: str) -> dict[str, str]:
    """The dtype and shape of each view field ("float32", "bool", "int32[2]"), from an abstract evaluation
    of the family's ``sample_views`` (no arrays are computed)."""
    import jax

    views = importlib.import_module(f"envgen.rewards.views.{family}")
    prev, _, _ = jax.eval_shape(lambda k: views.sample_views(k, 1), jax.random.key(0))
    out = {}
    for name, leaf in vars(prev).items() if not hasattr(prev, "__dataclass_fields__") else \
            ((n, getattr(prev, n)) for n in prev.__dataclass_fields__):
        shape = tuple(leaf.shape[1:])
        out[name] = leaf.dtype.name + (f"[{', '.join(map(str, shape))}]" if shape else "")
    return out


def family_facts(family: str) -> dict[str, Any]:
    """Family-specific vocabulary of the prompt (the family entry's ``facts``)."""
    return family_entry(family, needs="facts").load("facts")()


def crafter_facts() -> dict[str, Any]:
    """Crafter's achievements, actions and tech tree, and an example reward program."""
    from envgen.envs.crafter.constants import ACHIEVEMENTS, ACTIONS
    from envgen.generate import rules

    example = rules.crafter_candidates("collect wood and place a table", 1)[0]
    return {
        "achievements": list(ACHIEVEMENTS),
        "actions": list(ACTIONS),
        "tech_tree": [(a, list(onto.CRAFTER_PREREQS[a]), onto.crafter_costs().get(a, {})) for a in ACHIEVEMENTS],
        "example_reward": example["reward_code"],
    }


def minigrid_facts() -> dict[str, Any]:
    """MiniGrid's objects, colours, missions, layouts and actions, and an example reward program."""
    from envgen.envs.minigrid import constants as mg
    from envgen.generate import rules

    example = rules.minigrid_candidates("pick up the blue ball", 1)[0]
    return {
        "objects": list(onto.MINIGRID_OBJECTS),
        "colors": list(mg.COLOR_NAMES),
        "missions": list(mg.MISSION_NAMES),
        "layouts": list(mg.LAYOUT_NAMES),
        "actions": list(mg.ACTION_NAMES),
        "example_reward": example["reward_code"],
    }


# -- the three prompts -----------------------------------------------------------------------------


@cache
def system_prompt(family: str, tools: bool = True) -> str:
    """The long, stable system prompt of a family (cached by the provider; no run-specific bytes).

    ``tools=False`` is for providers that answer with a JSON object instead of a tool call.
    """
    entry = family_entry(family, needs="prompt_template")
    from envgen.spec import spec_class

    spec_schema = spec_class(family).model_json_schema()
    return render(entry.prompt_template, family=family, fields=schema_rows(spec_schema),
                  api=reward_api(family), facts=family_facts(family), tool_name=TOOL_NAME, tools=tools)


def user_prompt(goal: str, family: str, n: int, part: tuple[int, int] | None = None) -> str:
    """The first user turn: the goal and how many environments to design; ``part=(offset, total)`` when
    the run's environments are asked for in several requests."""
    return render("user.j2", goal=goal, family=family, n=n, part=part)


def repair_prompt(failures: list[dict[str, Any]], n: int, accepted: list[str], tools: bool = True) -> str:
    """A repair turn: each failed environment with its stage and diagnosis; ask for ``n`` replacements."""
    return render("repair.j2", failures=failures, n=n, accepted=accepted, tools=tools, tool_name=TOOL_NAME)


# Re-exported for the offline provider and tests.
__all__ = ["FieldRow", "output_model", "output_schema", "repair_prompt", "render", "schema_rows",
           "system_prompt", "user_prompt"]
