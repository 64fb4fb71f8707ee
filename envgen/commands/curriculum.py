"""``envgen curriculum run CURRICULUM.yaml --out RUN [--resume]`` and ``envgen curriculum plot RUN``."""

from __future__ import annotations

from pathlib import Path

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


@command.command("run")
@click.argument("curriculum", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Run folder: log.jsonl, checkpoint, generated configs.")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its last checkpoint.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def run(curriculum: Path, out: Path, resume: bool, quiet: bool) -> None:
    """Run CURRICULUM (a YAML file, see curricula/) into the folder --out."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from envgen.teachers.config import CurriculumError, load_curriculum
    from envgen.teachers.loop import CurriculumRun

    try:
        config = load_curriculum(curriculum)
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
