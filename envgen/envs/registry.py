"""Name -> environment registry with lazy ``"module:Class"`` entry points (``envgen.make``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from envgen.registry import FAMILIES, family
from envgen.resources import resource_dir


def env_class(name: str) -> type:
    """Import and return the environment class of a family (from its entry in :mod:`envgen.registry`)."""
    return family(name, needs="env").load("env")


def preset_dir() -> Path:
    """Folder of the shipped preset configs (``curricula/presets/<family>/<Name>.yaml``)."""
    return resource_dir("curricula") / "presets"


# A preset is named, never addressed by path: ``family/Name``, each part starting with a letter, digit or
# underscore, so no ``..``, no hidden files and no extra folders can take a lookup out of the presets folder.
_PRESET_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*/[A-Za-z0-9_][A-Za-z0-9_.-]*")


def is_preset_name(name: str) -> bool:
    """Whether ``name`` is shaped like a preset name (``family/Name``; no path syntax)."""
    return _PRESET_NAME.fullmatch(name) is not None and ".." not in name


def presets() -> list[str]:
    """Every shipped preset as ``family/Name``."""
    root = preset_dir()
    if not root.is_dir():
        return []
    return sorted(f"{p.parent.name}/{p.stem}" for p in root.glob("*/*.yaml"))


def registered_envs() -> list[str]:
    """Families and presets accepted by :func:`make`."""
    return sorted(FAMILIES) + presets()


def resolve_spec_path(name: str) -> Path | None:
    """A config path for ``name`` if it is a preset (``family/Name``) or an existing YAML file."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return path
    if is_preset_name(name):
        family, preset = name.split("/", 1)
        candidate = preset_dir() / family / f"{preset}.yaml"
        if candidate.is_file():
            return candidate
    return None


class UnknownEnvironmentError(KeyError):
    """``make`` got a name that is no family, preset or config file (a KeyError, printed without quotes)."""

    def __str__(self) -> str:
        return str(self.args[0])


def unknown_env_message(name: str) -> str:
    """Why ``name`` is not an environment: a missing file, a wrong case, or the closest known names."""
    import difflib

    path = Path(name)
    if path.suffix in (".yaml", ".yml"):
        where = "is a folder" if path.is_dir() else "does not exist"
        return f"config file {name} {where} (looked in {path.resolve().parent})"
    if "/" in name and not is_preset_name(name):
        return (f"unknown environment {name!r}: a preset name is family/Name (letters, digits, '_', '-', '.'; "
                "no '..', no further '/'), and a config file needs its .yaml path")
    known = registered_envs()
    by_lower = {k.lower(): k for k in known}
    if name.lower() in by_lower:
        return f"unknown environment {name!r}; names are case-sensitive: did you mean {by_lower[name.lower()]!r}?"
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(repr(by_lower[c]) for c in close)}? " if close else ""
    return (f"unknown environment {name!r}; {hint}families: {', '.join(FAMILIES)}; presets: `envgen list` "
            f"({len(known) - len(FAMILIES)} of them, e.g. minigrid/DoorKey-8x8); or the path of a config .yaml file")


def make(name: str, **env_kwargs: Any):
    """Return ``(env, params)`` for a family name, a preset name or a config file path."""
    if name in FAMILIES:
        env = env_class(name)(**env_kwargs)
        return env, env.default_params
    spec_path = resolve_spec_path(name)
    if spec_path is None:
        raise UnknownEnvironmentError(unknown_env_message(name))
    from envgen.spec import load_spec

    spec = load_spec(spec_path)
    env = env_class(spec.family_name)(**env_kwargs)
    return env, spec.compile(env.static_params)
