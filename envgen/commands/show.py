"""``envgen show DIR``: a summary table of a generated folder (untrusted: nothing in it is executed).

Every text that came from a file or a model (goal, names, purposes, settings, problems) is printed with
control characters escaped and rich markup disabled, so a shared folder cannot drive the terminal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from envgen.cli import abort
from envgen.cli import console as make_console


def _settings(config: dict) -> str:
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


def _text(value: Any, limit: int = 400) -> str:
    """A value from the folder as one safe line: escaped controls, bounded length."""
    from envgen.printable import printable

    return _short(printable("" if value is None else value), limit)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


@click.command("show")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
def command(path: Path) -> None:
    """Summarise the generated folder PATH: environments, settings, checks, reward hashes, previews."""
    from rich.table import Table
    from rich.text import Text

    from envgen.generate.load import LoadError, folder_file, read_run, run_entries
    from envgen.spec import SpecError
    from envgen.spec.base import MAX_CONFIG_BYTES, read_yaml

    try:
        run = read_run(path)
        entries = run_entries(run, path)
    except LoadError as err:
        abort(_text(err, 2000))
    console = make_console()
    usage = run.get("usage") if isinstance(run.get("usage"), dict) else {}
    console.print(Text(
        f"{_text(run.get('goal'))}  ({_text(run.get('family'), 40)}, provider {_text(run.get('provider'), 40)} / "
        f"{_text(run.get('model'), 80)}, seed {_text(run.get('seed'), 20)}) status {_text(run.get('status'), 20)}, "
        f"{_text(run.get('repairs', 0), 10)} repair round(s), ${_number(usage.get('cost_usd')):.4f}, "
        f"{_number(usage.get('input_tokens')):.0f}+{_number(usage.get('output_tokens')):.0f} tokens"))
    table = Table(show_lines=True)
    for col in ("name", "purpose", "key settings", "solvable", "reward"):
        table.add_column(col, overflow="fold")
    for entry in entries:
        try:
            _, data = folder_file(path, entry.get("config"), MAX_CONFIG_BYTES, "config")
            config = read_yaml(data, "config")[0]
            settings = _text(_settings(config), 600) if isinstance(config, dict) else "(not a mapping)"
        except (LoadError, SpecError) as err:
            settings = f"(config unreadable: {_text(err, 500)})"
        solv = entry.get("solvability") if isinstance(entry.get("solvability"), dict) else {}
        targets = entry.get("targets") if isinstance(entry.get("targets"), list) else []
        solvable = f"{'yes' if solv.get('ok') is True else 'no'} ({_number(solv.get('fraction')):.0%})" + (
            f"\n{_text(', '.join(map(str, targets)), 300)}" if targets else "")
        table.add_row(Text(_text(entry["name"], 64)), Text(_text(entry.get("purpose"), 90)), Text(settings),
                      Text(solvable), Text(f"{_text(entry.get('reward'), 120)}\n"
                                           f"sha256 {_text(entry.get('reward_hash'), 12)}"))
    console.print(table)
    for entry in entries:
        if entry.get("preview"):
            console.print(Text(f"preview: {path}/{_text(entry['preview'], 200)}"))
    rejected = run.get("rejected") if isinstance(run.get("rejected"), list) else []
    for rej in rejected:
        if not isinstance(rej, dict):
            continue
        problems = rej.get("problems") if isinstance(rej.get("problems"), list) else []
        line = Text("rejected", style="red")
        line.append(f" {_text(rej.get('name'), 64)} (round {_text(rej.get('round'), 5)}, "
                    f"{_text(rej.get('stage'), 20)}): " + _text("; ".join(map(str, problems)), 400))
        console.print(line)


def _short(text: str, limit: int = 90) -> str:
    """The first ``limit`` characters of a long text (the full text is in the folder's files)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
