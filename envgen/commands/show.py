"""``envgen show DIR``: a summary table of a generated folder (untrusted: nothing in it is executed).

Every text that came from a file or a model (goal, names, purposes, settings, problems) is printed with
control characters escaped and rich markup disabled, so a shared folder cannot drive the terminal.

The table has two columns, the short unbreakable items (name, verdict, reward file, hash) on the left and
the prose (purpose, settings, targets) on the right, so an 80-column terminal wraps between words
instead of cutting them.
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
            parts.append(f"{key}: {_inner(value)}")
        else:
            parts.append(f"{key}={value}")
    return "; ".join(parts) or "defaults"


def _inner(value: dict, depth: int = 0) -> str:
    """``k=v, k2(a=1, b=2)``: nested settings with a space after every item, so they wrap between items."""
    items = []
    for k, v in value.items():
        if isinstance(v, dict) and depth < 3:
            items.append(f"{k}({_inner(v, depth + 1)})")
        else:
            items.append(f"{k}={v}")
    return ", ".join(items)


def _bank_cost(path: Path, run: dict) -> str:
    """What the folder's reward bank costs per step: its number of distinct programs, or why unknown.

    Programs are only parsed (never run); copies that differ in comments or spacing count once, as the
    bank that :func:`envgen.load` builds holds them once.
    """
    from envgen.generate.load import LoadError, read_environments
    from envgen.rewards.sandbox import SandboxError, load_family, program_hash
    from envgen.rewards.sandbox.checker import behaviour_hash

    try:
        family, _, _, sources = read_environments(path, run)
    except LoadError:
        return "reward bank: unknown (the folder does not load; see envgen validate)"
    spec = load_family(family).spec
    distinct = set()
    for source in sources:
        try:
            distinct.add(behaviour_hash(source, spec))
        except SandboxError:
            distinct.add(program_hash(source))
    n = len(distinct)
    return (f"reward bank: {n} distinct program{'s' if n != 1 else ''} for {len(sources)} environment"
            f"{'s' if len(sources) != 1 else ''}; under vmap every distinct program runs for every "
            f"environment on each step, so a step costs about {n} program{'s' if n != 1 else ''} per environment")


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
    if run.get("status") != "ok" and run.get("error"):
        console.print(Text("error: " + _text(run["error"], 400), style="red"))
    if not entries:
        console.print(Text("no environments were accepted" + (
            "; a retry with the same --out replaces this folder" if run.get("status") == "failed" else "")))
        return
    table = Table(show_lines=True)
    table.add_column("environment", ratio=2)
    table.add_column("purpose, key settings, targets", ratio=3)
    for entry in entries:
        try:
            _, data = folder_file(path, entry.get("config"), MAX_CONFIG_BYTES, "config")
            config = read_yaml(data, "config")[0]
            settings = _text(_settings(config), 600) if isinstance(config, dict) else "(not a mapping)"
        except (LoadError, SpecError) as err:
            settings = f"(config unreadable: {_text(err, 500)})"
        solv = entry.get("solvability") if isinstance(entry.get("solvability"), dict) else {}
        targets = entry.get("targets") if isinstance(entry.get("targets"), list) else []
        solvable = f"solvable: {'yes' if solv.get('ok') is True else 'no'} ({_number(solv.get('fraction')):.0%})"
        left = Text(_text(entry["name"], 64), style="bold")
        left.append(f"\n{solvable}\n{_text(entry.get('reward'), 120)}\nsha256 {_text(entry.get('reward_hash'), 12)}")
        right = f"{_text(entry.get('purpose'), 400)}\n{settings}"
        if targets:
            right += f"\ntargets: {_text(', '.join(map(str, targets)), 300)}"
        table.add_row(left, Text(right))
    console.print(table)
    console.print(Text(_bank_cost(path, run)))
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
