"""``envgen curriculum run CURRICULUM.yaml --out RUN [--resume]`` and ``envgen curriculum plot RUN``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from envgen.cli import abort


@click.group("curriculum")
def command() -> None:
    """Teach a student with a curriculum (teacher + target tasks + budget) and plot what it did."""


def _describe(record: dict) -> str:
    teacher = record.get("teacher", {})
    parts = [f"success {record['mean_success']:.2f}"]
    for key in ("stage_name", "kind", "buffer_size", "components", "cycle"):
        if key in teacher:
            parts.append(f"{key.replace('_name', '')} {teacher[key]}")
    hist = record.get("sampled_hist")
    if hist:  # the teacher's current distribution over the first dimension, as a sparkline
        bars = " ▁▂▃▄▅▆▇█"
        top = max(max(hist[0]), 1)
        parts.append("tasks " + "".join(bars[round(8 * c / top)] for c in hist[0]))
    return " | ".join(parts)


SET_HELP = ("Override one setting of the file, as key.path=value (the value is read as YAML); repeat it, "
            "e.g. --set budget.chunks=32 --set student.lr=0.0005.")


def dry_run_lines(name: str, footprint: Any, runs: int = 1) -> list[str]:
    """What ``--dry-run`` prints: steps and the memory estimate of a file that validated."""
    from envgen.teachers.footprint import human, machine_bytes

    lines = [f"{name}: valid"]
    lines.append(f"  environment steps: {footprint.steps_per_run:,} per run" +
                 (f", {footprint.steps_per_run * runs:,} in all ({runs} runs)" if runs > 1 else ""))
    lines.append(f"  memory estimate: {human(footprint.bytes)} ({footprint.lanes} run(s) side by side; "
                 f"{human(footprint.task_bytes)} per task) of {human(machine_bytes())} on this machine")
    return lines


@command.command("run")
@click.argument("curriculum", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Run folder: log.jsonl, checkpoint, generated configs (needed unless --dry-run).")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its last checkpoint.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help=SET_HELP)
@click.option("--dry-run", is_flag=True, help="Validate the file, print its steps and memory estimate, run nothing.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def run(curriculum: Path, out: Path | None, resume: bool, overrides: tuple[str, ...], dry_run: bool,
        quiet: bool) -> None:
    """Run CURRICULUM (a YAML file, see curricula/) into the folder --out."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from envgen.teachers.config import CurriculumError, load_curriculum
    from envgen.teachers.footprint import check_fits, estimate

    try:
        config = load_curriculum(curriculum, overrides)
    except CurriculumError as err:
        abort(str(err))
    if out is None and not dry_run:
        abort("--out is required (the run folder), unless --dry-run")
    try:
        footprint = estimate(config)
        if dry_run:
            click.echo("\n".join(dry_run_lines(config.name, footprint)))
            return
        check_fits(footprint, str(curriculum))
    except (CurriculumError, ValueError) as err:
        abort(str(err))
    from envgen.teachers.loop import CurriculumRun

    try:
        runner = CurriculumRun(config, out)
    except CurriculumError as err:
        abort(str(err))
    total = config.budget.chunks
    progress = Progress(TextColumn("[bold]{task.fields[name]}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TextColumn("{task.fields[info]}"), disable=quiet)
    with progress:
        bar = progress.add_task("chunks", total=total, name=f"{config.name} ({config.teacher.kind})", info="")

        def on_chunk(chunk: int, record: dict) -> None:
            progress.update(bar, completed=chunk, info=_describe(record))

        try:
            final = runner.run(resume=resume, on_chunk=on_chunk)
        except FileExistsError as err:
            abort(str(err))
    click.echo(f"{config.name}: {final.chunk} chunks; log {out / 'log.jsonl'}")


@command.command("plot")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def plot(run_dir: Path) -> None:
    """Draw RUN_DIR's curriculum: task heat map, held-out success lines, buffer composition."""
    from envgen.teachers.plots import plot_curriculum

    try:
        paths = plot_curriculum(run_dir)
    except (FileNotFoundError, ValueError) as err:
        abort(str(err))
    for p in paths:
        click.echo(str(p))
