"""``envgen list``: families and shipped presets."""

import click


@click.command("list")
def command() -> None:
    """List environment families and shipped presets (names accepted by ``envgen render`` and
    ``envgen.make``)."""
    from envgen.envs.registry import registered_envs

    for name in registered_envs():
        click.echo(name)
