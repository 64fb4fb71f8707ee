"""``envgen validate PATH...``: check config files (.yaml) and reward programs (.py) without running them."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--family", type=click.Choice(["crafter", "minigrid"]), default="crafter", show_default=True,
              help="family whose StateView reward programs are checked against")
def command(paths: tuple[Path, ...], family: str) -> None:
    """Check each PATH: a config .yaml against its family's spec, a reward .py with the sandbox's AST
    allowlist (nothing is executed). Exits non-zero if any fails, naming the field or line."""
    from envgen.rewards.sandbox import SandboxError, check_source, load_family
    from envgen.spec import SpecError, load_spec

    failed = 0
    fam = None
    for path in paths:
        if path.suffix in (".yaml", ".yml"):
            try:
                spec = load_spec(path)
            except SpecError as err:
                failed += 1
                click.echo(f"FAIL {path}")
                for p in err.problems:
                    click.echo(f"  - {p}")
                continue
            click.echo(f"ok   {path} ({spec.family_name} config)")
        elif path.suffix == ".py":
            fam = fam or load_family(family)
            try:
                source = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as err:
                failed += 1
                click.echo(f"FAIL {path}\n  - cannot read: {err}")
                continue
            try:
                check_source(source, fam.spec)
            except SandboxError as err:
                failed += 1
                click.echo(f"FAIL {path}")
                for p in err.problems:
                    click.echo(f"  - {path.name}:{p.line}: {p.message}")
                continue
            click.echo(f"ok   {path} ({family} reward program)")
        else:
            failed += 1
            click.echo(f"FAIL {path}\n  - unknown file type {path.suffix!r}: expected .yaml/.yml or .py")
    if failed:
        click.echo(f"{failed} of {len(paths)} file(s) failed", err=True)
        raise SystemExit(1)
