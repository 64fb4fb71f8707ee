"""The ``envgen`` command line. Subcommands live in ``envgen/commands/`` and are imported only when
invoked, so ``envgen --help`` never imports jax."""

from __future__ import annotations

import importlib

import click

from envgen._version import __version__

# command name -> (module, short help shown by --help without importing the module)
COMMANDS: dict[str, tuple[str, str]] = {
    "render": ("envgen.commands.render", "Draw a config's full map and the agent's view to a PNG."),
    "generate": ("envgen.commands.generate", "Turn a text goal into validated, solvable environments."),
    "validate": ("envgen.commands.validate", "Check config files or reward programs."),
    "show": ("envgen.commands.show", "Summarise a generated environment folder."),
    "list": ("envgen.commands.list_envs", "List environment families and shipped presets."),
    "curriculum": ("envgen.commands.curriculum", "Run a curriculum (teacher + student) and plot it."),
    "compare": ("envgen.commands.compare", "Compare curricula at equal steps over seeds: report with IQM + CIs."),
    "train": ("envgen.commands.train", "Train the PPO student on a preset, config or generated folder."),
    "plot": ("envgen.commands.plot", "Draw a training run's learning curves to a PNG."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module = importlib.import_module(COMMANDS[name][0])
        return module.command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="envgen")
def main() -> None:
    """envgen: generate RL training environments from a text goal, run thousands of them in one
    JAX batch, and teach an agent with an adaptive curriculum."""


def console(stderr: bool = False):
    """A rich console that does not wrap at 80 columns when the output is a file or a pipe (paths stay whole)."""
    import os
    import sys

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(stderr=stderr)
    # off a terminal rich assumes 80 columns: tables get room (an explicit COLUMNS still wins) and text
    # lines are never broken
    width = None if os.environ.get("COLUMNS") else 200
    return Console(stderr=stderr, soft_wrap=True, width=width)


def abort(message: str, code: int = 1) -> None:
    """Print a user-facing error (no traceback) and exit non-zero."""
    click.echo(f"error: {message}", err=True)
    raise SystemExit(code)
