"""``envgen validate PATH...``: check config files (.yaml) and reward programs (.py) without running them.

A config is parsed (size-capped, strict YAML), validated against its family's spec, and its start
states are checked by the family's solvability check. A reward program gets the sandbox's AST
allowlist. The family of a program comes from ``--family``, else from the run.json of the generated
folder it sits in (``DIR/rewards/x.py``), else from the configs given on the same command line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from envgen.registry import family as family_entry
from envgen.registry import full_families


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--family", type=click.Choice(full_families()), default=None,
              help="family whose StateView reward programs are checked against (default: inferred)")
@click.option("--no-solvability", is_flag=True, help="skip the solvability check of configs")
def command(paths: tuple[Path, ...], family: str | None, no_solvability: bool) -> None:
    """Check each PATH: a config .yaml against its family's spec and solvability check, a reward .py with
    the sandbox's AST allowlist (nothing is executed). Exits non-zero if any fails, naming the field or line."""
    from envgen.printable import printable
    from envgen.rewards.sandbox import SandboxError, check_source, load_family
    from envgen.spec import SpecError, load_spec

    problems = 0  # every FAIL line printed
    bad_files: set[Path] = set()

    def fail(path: Path, lines: list[str]) -> None:
        nonlocal problems
        problems += len(lines)
        bad_files.add(path)
        for line in lines:
            click.echo(f"FAIL {line}")

    specs: dict[Path, Any] = {}
    families: set[str] = set()  # of the configs given, valid or not: a program beside them is of theirs
    for path in paths:
        if path.suffix not in (".yaml", ".yml"):
            continue
        try:
            spec = load_spec(path)
        except SpecError as err:
            fail(path, [f"{path}: {printable(p)}" for p in err.problems])
            named = _named_family(path)
            if named:
                families.add(named)
            continue
        specs[path] = spec
        families.add(spec.family_name)
        why = "" if no_solvability else _unsolvable(path, spec)
        if why:
            fail(path, [f"{path}: not solvable: {printable(why)}"])
        else:
            click.echo(f"ok   {path} ({spec.family_name} config)")
    config_families = sorted(families)
    for path in paths:
        if path.suffix in (".yaml", ".yml"):
            continue
        if path.suffix != ".py":
            fail(path, [f"{path}: unknown file type {printable(path.suffix)!r}: expected .yaml/.yml or .py"])
            continue
        fam_name, why = _program_family(path, family, config_families)
        if fam_name is None:
            fail(path, [f"{path}: {why}"])
            continue
        try:
            from envgen.io import read_regular_file

            source = read_regular_file(path, 64 * 1024).decode("utf-8")
        except (OSError, UnicodeDecodeError) as err:
            fail(path, [f"{path}: cannot read: {printable(err)}"])
            continue
        try:
            check_source(source, load_family(fam_name).spec)
        except SandboxError as err:
            fail(path, [f"{path}:{p.line}: {p.message}" for p in err.problems])
            continue
        click.echo(f"ok   {path} ({fam_name} reward program)")
    if problems:
        click.echo(f"{_count(problems, 'problem')} in {len(bad_files)} of {_count(len(paths), 'file')}", err=True)
        raise SystemExit(1)


def _count(n: int, noun: str) -> str:
    """``n`` and the noun, plural unless n is 1: "1 problem", "3 problems"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _program_family(path: Path, given: str | None, config_families: list[str]) -> tuple[str | None, str]:
    """The family to check a program against, or None and why it cannot be told."""
    if given:
        return given, ""
    folder = path.resolve().parent.parent
    if path.resolve().parent.name == "rewards" and (folder / "run.json").is_file():
        from envgen.generate.load import LoadError, read_run, run_family

        try:
            return run_family(read_run(folder), folder), ""
        except LoadError as err:
            return None, f"cannot tell its family: {err}"
    if len(config_families) == 1:
        return config_families[0], ""
    if config_families:
        return None, f"the configs given are of several families ({', '.join(config_families)}); pass --family"
    return None, "cannot tell its family (not in a generated folder, no config given); pass --family"


def _named_family(path: Path) -> str | None:
    """The registered family an invalid config names, if it parses that far."""
    from envgen.spec import SpecError, has_spec
    from envgen.spec.base import read_yaml

    try:
        from envgen.io import read_regular_file
        from envgen.spec.base import MAX_CONFIG_BYTES

        data = read_yaml(read_regular_file(path, MAX_CONFIG_BYTES), str(path))[0]
    except (OSError, SpecError):
        return None
    family = data.get("family") if isinstance(data, dict) else None
    return family if isinstance(family, str) and family in has_spec() else None


def _unsolvable(path: Path, spec: Any) -> str:
    """The family's solvability check of a config; '' when solvable (or no goal is known to check)."""
    from envgen.commands.generate import _enable_compile_cache
    from envgen.generate.pipeline import check_solvable

    _enable_compile_cache()  # the check compiles world generation: keep it between runs
    needs_targets = family_entry(spec.family_name).targets
    targets = _targets_from_run(path) if needs_targets else []
    if needs_targets and not targets:
        return ""  # a Crafter config alone names no goal; generated folders record it in run.json
    report = check_solvable(spec.family_name, spec, targets)
    return "" if report["ok"] else report["diagnosis"]


def _targets_from_run(path: Path) -> list[str]:
    """The Crafter goal of a config inside a generated folder (run.json's targets for that config)."""
    folder = path.resolve().parent.parent
    if path.resolve().parent.name != "envs" or not (folder / "run.json").is_file():
        return []
    from envgen.generate.load import LoadError, read_run, run_entries

    try:
        entries = run_entries(read_run(folder), folder)
    except LoadError:
        return []
    for entry in entries:
        if entry.get("config") == f"envs/{path.name}" and isinstance(entry.get("targets"), list):
            return [t for t in entry["targets"] if isinstance(t, str)]
    return []
