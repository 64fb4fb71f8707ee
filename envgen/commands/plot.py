"""``envgen plot RUN``: learning curves (mean and bootstrap band over seeds) to a PNG."""

from __future__ import annotations

from pathlib import Path

import click

from envgen.cli import abort


@click.command("plot")
@click.argument("run", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="PNG path.  [default: RUN/curves.png]")
@click.option("--metric", "metrics", multiple=True, default=("success", "return"), show_default=True,
              help="Metric(s) to draw, one panel each.")
def command(run: Path, out: Path | None, metrics: tuple[str, ...]) -> None:
    """Draw the training run RUN's learning curves (a curriculum run: its curriculum view)."""
    from envgen.train.plotting import plot_run

    try:
        if (run / "curriculum.json").is_file():  # written by `envgen curriculum run`
            from envgen.teachers.plots import plot_curriculum

            path = plot_curriculum(run, out)[0]
        else:
            path = plot_run(run, out, metrics)
    except (ValueError, FileNotFoundError) as err:
        abort(str(err))
    click.echo(f"wrote {path}")
