"""``envgen compare COMPARISON.yaml --out DIR [--resume]``: several teachers, equal steps, a sound report."""

from __future__ import annotations

from pathlib import Path

import click

from envgen.cli import abort
from envgen.commands.curriculum import SET_HELP, dry_run_lines


@click.command("compare")
@click.argument("comparison", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Comparison folder: one curriculum run per teacher and seed, results.json, report.md, plots "
                   "(needed unless --dry-run).")
@click.option("--resume", is_flag=True, help="Continue the comparison in --out where it stopped.")
@click.option("--report-only", is_flag=True, help="Only (re)write the report from the runs finished so far.")
@click.option("--reps", type=click.IntRange(100, 100000), default=2000, show_default=True,
              help="Bootstrap resamples for the confidence intervals.")
@click.option("--sequential", is_flag=True,
              help="Run every (teacher, seed) pair alone, seed by seed, instead of each teacher's seeds "
                   "together with the student vmapped over seeds (same results; lockstep pays off on an "
                   "accelerator, see docs/compare.md).")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help=SET_HELP)
@click.option("--dry-run", is_flag=True, help="Validate the file, print its steps and memory estimate, run nothing.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def command(comparison: Path, out: Path | None, resume: bool, report_only: bool, reps: int, sequential: bool,
            overrides: tuple[str, ...], dry_run: bool, quiet: bool) -> None:
    """Run every teacher of COMPARISON (a YAML file, see benchmarks/comparisons/) on every seed at equal
    environment steps, then write DIR/report.md with plots and the raw per-seed DIR/results.json."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from envgen.commands.curriculum import _describe
    from envgen.commands.generate import _enable_compile_cache
    from envgen.compare.config import ComparisonError, load_comparison
    from envgen.compare.report import write_report
    from envgen.compare.run import Comparison
    from envgen.teachers.config import CurriculumError
    from envgen.teachers.footprint import check_fits, estimate

    try:
        config = load_comparison(comparison, overrides)
    except ComparisonError as err:
        abort(str(err))
    if out is None and not dry_run:
        abort("--out is required (the comparison folder), unless --dry-run")
    lanes = 1 if sequential else len(config.seeds)
    try:  # the largest teacher's runs, trained side by side
        footprint = max((estimate(config.curriculum(label, config.seeds[0]), lanes) for label in config.teachers),
                        key=lambda f: f.bytes)
        if dry_run:
            runs = len(config.teachers) * len(config.seeds)
            click.echo("\n".join(dry_run_lines(config.name, footprint, runs)))
            return
        if not report_only:
            check_fits(footprint, str(comparison))
    except (ComparisonError, CurriculumError, ValueError) as err:
        abort(str(err))
    _enable_compile_cache()
    runner = Comparison(config, out, lockstep=not sequential)
    if not report_only:
        chunks = config.budget.chunks
        pairs = runner.pairs()
        progress = Progress(TextColumn("[bold]{task.fields[name]}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TextColumn("{task.fields[info]}"), disable=quiet)
        with progress:
            done = sum(runner.is_done(*p) for p in pairs)
            overall = progress.add_task("runs", total=len(pairs), completed=done, name=f"{config.name}: runs",
                                        info=f"{config.steps_per_run:,} steps each")
            current = progress.add_task("chunks", total=chunks, name="", info="")

            def on_start(label: str, seeds: list[int], chunk: int) -> None:
                which = f"seed {seeds[0]}" if len(seeds) == 1 else "seeds " + ",".join(map(str, seeds))
                progress.update(current, completed=chunk, name=f"{label} {which}", info="starting")

            def on_chunk(label: str, seed: int, chunk: int, record: dict) -> None:
                progress.update(current, completed=chunk, info=_describe(record))
                if chunk == chunks:
                    progress.advance(overall)

            try:
                runner.run(resume=resume, on_start=on_start, on_chunk=on_chunk)
            except (FileExistsError, ValueError, CurriculumError) as err:
                abort(str(err))
    results = runner.results()
    if not results["teachers"]:
        abort(f"{out}: no finished run to report yet")
    unfinished = [f"{label} seed {seed}" for label, seed in runner.pairs() if not runner.is_done(label, seed)]
    if any(len(t["seeds"]) < 2 for t in results["teachers"].values()):
        abort(f"{out}: every teacher needs at least 2 finished seeds for a report; unfinished: "
              + ", ".join(unfinished))
    report = write_report(results, out, reps=reps)
    if unfinished:
        click.echo(f"note: {len(unfinished)} run(s) unfinished, reported without them: {', '.join(unfinished)}")
    click.echo(f"{config.name}: report {report}; raw results {out / 'results.json'}")
