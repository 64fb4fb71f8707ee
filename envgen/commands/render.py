"""``envgen render``: draw the full map and the agent's view of a config's start state."""

from __future__ import annotations

from pathlib import Path

import click

from envgen.cli import abort


@click.command("render")
@click.argument("config_or_name")
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False, path_type=Path), default="frame.png",
              show_default=True, help="PNG file to write.")
@click.option("--seed", type=int, default=0, show_default=True, help="World-generation seed.")
@click.option("--steps", type=int, default=0, show_default=True,
              help="Take this many random actions before drawing.")
def command(config_or_name: str, out: Path, seed: int, steps: int) -> None:
    """Render CONFIG_OR_NAME (a family such as 'crafter', a preset such as 'minigrid/DoorKey-8x8', or a
    config .yaml file) to a PNG: the full map beside the agent's view."""
    from envgen.spec import SpecError

    try:
        from envgen.envs.render_common import render_config_png

        info = render_config_png(config_or_name, out, seed=seed, steps=steps)
    except SpecError as exc:
        abort(str(exc))
    except KeyError as exc:
        abort(exc.args[0] if exc.args else str(exc))
    click.echo(f"wrote {out} ({info})")
