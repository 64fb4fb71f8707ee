"""``envgen show DIR``: a summary table of a generated folder."""

from __future__ import annotations

from pathlib import Path

import click

from envgen.cli import abort
from envgen.cli import console as make_console


def _settings(entry: dict, config: dict) -> str:
    skip = {"family", "name", "purpose"}
    parts = []
    for key, value in config.items():
        if key in skip:
            continue
        if isinstance(value, dict):
            inner = ", ".join(f"{k}={v}" for k, v in value.items())
            parts.append(f"{key}: {inner}")
        else:
            parts.append(f"{key}={value}")
    return "; ".join(parts) or "defaults"


@click.command("show")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
def command(path: Path) -> None:
    """Summarise the generated folder PATH: environments, settings, checks, reward hashes, previews."""
    import yaml
    from rich.table import Table

    from envgen.generate.load import LoadError, read_run

    try:
        run = read_run(path)
    except LoadError as err:
        abort(str(err))
    console = make_console()
    usage = run.get("usage", {})
    console.print(f"[bold]{run.get('goal')}[/]  ({run.get('family')}, provider {run.get('provider')} / "
                  f"{run.get('model')}, seed {run.get('seed')}) status [bold]{run.get('status')}[/], "
                  f"{run.get('repairs', 0)} repair round(s), ${usage.get('cost_usd', 0):.4f}, "
                  f"{usage.get('input_tokens', 0)}+{usage.get('output_tokens', 0)} tokens")
    table = Table(show_lines=True)
    for col in ("name", "purpose", "key settings", "solvable", "reward"):
        table.add_column(col, overflow="fold")
    for entry in run.get("environments", []):
        try:
            config = yaml.safe_load((path / entry["config"]).read_text(encoding="utf-8")) or {}
        except OSError:
            config = {}
        solv = entry.get("solvability") or {}
        targets = ", ".join(entry.get("targets", []))
        solvable = f"{'yes' if solv.get('ok') else 'no'} ({solv.get('fraction', 0):.0%})" + (
            f"\n{targets}" if targets else "")
        table.add_row(entry["name"], _short(entry.get("purpose") or ""), _settings(entry, config), solvable,
                      f"{entry['reward']}\nsha256 {entry['reward_hash'][:12]}")
    console.print(table)
    for entry in run.get("environments", []):
        if entry.get("preview"):
            console.print(f"preview: {path / entry['preview']}")
    for rej in run.get("rejected", []):
        console.print(f"[red]rejected[/] {rej['name']} (round {rej['round']}, {rej['stage']}): "
                      + "; ".join(rej["problems"])[:400])


def _short(text: str, limit: int = 90) -> str:
    """The first ``limit`` characters of a long purpose (the full text is in the YAML file)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
