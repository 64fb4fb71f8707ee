"""``envgen train``: PPO on a preset, a config file or a generated folder, with checkpoints and resume."""

from __future__ import annotations

import json
from pathlib import Path

import click

from envgen.cli import abort


@click.command("train")
@click.option("--env", "env_name", help="Preset (minigrid/DoorKey-8x8), config .yaml, or an `envgen generate` folder.")
@click.option("--steps", type=click.IntRange(1, 10**12), help="Env steps per seed, rounded up to whole chunks (said "
              "before training starts).  [default: 1000000]")
@click.option("--seeds", type=click.IntRange(1, 1024), help="Independent seeds trained in parallel (vmapped).  "
              "[default: 1]")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Run folder.")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its newest checkpoint.")
@click.option("--num-envs", type=click.IntRange(1, 65536), help="Env slots per seed.  [default: 64]")
@click.option("--num-steps", type=click.IntRange(1, 100_000), help="Rollout length per update.  [default: 128]")
@click.option("--updates-per-chunk", type=click.IntRange(1, 10_000), help="PPO updates per jitted chunk.  [default: 8]")
@click.option("--lr", type=click.FloatRange(0, 1, min_open=True), help="Adam learning rate.  [default: 2.5e-4]")
@click.option("--network", type=click.Choice(["auto", "mlp", "grid_cnn", "pixel_cnn"]), help="[default: auto]")
@click.option("--recurrent", is_flag=True, default=None, help="Add a GRU core.")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), help="Base PRNG seed.  [default: 0]")
@click.option("--checkpoint-every", type=click.IntRange(1, 10**6), default=1, show_default=True,
              help="Chunks between checkpoints.")
@click.option("--eval-episodes", type=click.IntRange(0, 65536), default=32, show_default=True,
              help="Held-out episodes per seed.")
@click.option("--eval-every", type=click.IntRange(0, 10**6), default=0, show_default=True,
              help="Chunks between evals (0: at the end).")
@click.option("--eval-horizon", type=click.IntRange(1, 10**6),
              help="Step limit of an eval episode.  [default: the task's max_steps]")
def command(env_name, steps, seeds, out, resume, num_envs, num_steps, updates_per_chunk, lr, network, recurrent, seed,
            checkpoint_every, eval_episodes, eval_every, eval_horizon) -> None:
    """Train the PPO student; metrics go to OUT/metrics.jsonl, checkpoints to OUT/checkpoints."""
    import math

    if lr is not None and not math.isfinite(lr):  # NaN passes every range comparison
        abort(f"--lr must be a finite number > 0, got {lr}")
    given = {"num_envs": num_envs, "num_steps": num_steps, "updates_per_chunk": updates_per_chunk, "lr": lr,
             "network": network, "recurrent": recurrent}
    given = {k: v for k, v in given.items() if v is not None}
    saved = _saved(out) if resume else None
    if saved:  # a resumed run keeps its settings; only --steps may grow
        env_name = env_name or saved["env"]
        if env_name != saved["env"] or any(saved["config"].get(k) != v for k, v in given.items()):
            abort(f"{out}: --resume must keep the run's settings (see {out / 'train.json'})")
        given, seeds, seed = saved["config"], seeds or saved["seeds"], saved["seed"] if seed is None else seed
        steps = steps or saved["steps"]
    if not env_name:
        abort("--env is required (a preset such as minigrid/Empty-5x5, a config file, or a generated folder)")
    steps, seeds, seed = steps or 1_000_000, seeds or 1, 0 if seed is None else seed

    from envgen.train import PPOConfig, Student, fixed_tasks, train
    from envgen.train.run import num_chunks
    from envgen.train.target import eval_plan, resolve

    try:
        config = PPOConfig.from_dict(given)
        target = resolve(env_name)
        student = Student(target.env, config, fixed_tasks(target.params, target.batched), seeds=seeds, seed=seed)
        plan = eval_plan(target, eval_episodes, eval_horizon, eval_every) if eval_episodes > 0 else None
    except (ValueError, KeyError) as err:
        abort(str(err))
    chunks = num_chunks(steps, config)
    if chunks * config.steps_per_chunk != steps:  # training runs whole chunks: say what will run
        rounded = chunks * config.steps_per_chunk
        click.echo(f"note: --steps {steps:,} rounded up to {rounded:,}: {chunks} chunk(s) of "
                   f"{config.steps_per_chunk:,} steps ({config.num_envs} envs x {config.num_steps} steps x "
                   f"{config.updates_per_chunk} updates)")
        steps = rounded
    progress, on_chunk = _progress(steps, seeds)
    with progress:
        try:
            result = train(student, steps, out, resume=resume, checkpoint_every=checkpoint_every, evaluation=plan,
                           on_chunk=on_chunk, run_info={"env": env_name, "family": target.family})
        except ValueError as err:
            abort(str(err))
    _summary(result["seeds"], out)


def _saved(out: Path) -> dict | None:
    info = out / "train.json"
    return json.loads(info.read_text()) if info.is_file() else None


def _progress(steps: int, seeds: int):
    """A rich progress bar (steps/s and current success) and the per-chunk callback that drives it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("[bold]train"), BarColumn(), MofNCompleteColumn(), TextColumn("steps"),
                        TextColumn("{task.fields[sps]} steps/s"), TextColumn("success {task.fields[success]}"),
                        TimeElapsedColumn())
    task = progress.add_task("train", total=steps, sps="-", success="-")

    def on_chunk(chunk: int, total: int, rows: list[dict]) -> None:
        train_rows = [r for r in rows if r["kind"] == "train"]
        success = sum(r["success"] for r in train_rows) / max(len(train_rows), 1)
        progress.update(task, completed=min(train_rows[0]["steps"], steps), sps=f"{train_rows[0]['steps_per_s']:,.0f}",
                        success=f"{success:.2f}")

    return progress, on_chunk


def _summary(seeds: list[dict], out: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if seeds:
        table = Table(title=f"evaluation ({seeds[0]['episodes']} episodes per seed)")
        crafter = "crafter_score" in seeds[0]
        for col in ("seed", "success", "return", "length") + (("crafter score",) if crafter else ()):
            table.add_column(col, justify="right")
        for s, summ in enumerate(seeds):
            row = [str(s), f"{summ['success']:.3f}", f"{summ['return']:.3f}", f"{summ['length']:.1f}"]
            table.add_row(*row, *([f"{summ['crafter_score']:.2f}"] if crafter else []))
        console.print(table)
    console.print(f"metrics: {out / 'metrics.jsonl'}   plot: envgen plot {out}")
