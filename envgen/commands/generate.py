"""``envgen generate``: a text goal -> a folder of validated, solvable environments with reward programs."""

from __future__ import annotations

import click

from envgen.cli import abort, console
from envgen.registry import full_families

DEFAULT_FAMILY = "crafter"  # when --family is not given and neither family's vocabulary reads the goal


def _enable_compile_cache() -> None:
    """Keep XLA compilations between runs (world generation takes seconds to compile)."""
    from envgen.rewards.sandbox.verdicts import use_compile_cache

    use_compile_cache()


@click.command("generate")
@click.argument("goal")
@click.option("--family", type=click.Choice(full_families()), default=None,
              help=f"default: the family whose vocabulary reads the goal, else {DEFAULT_FAMILY}")
@click.option("--n", "n", type=click.IntRange(1, 64), default=4, show_default=True, help="environments to make")
@click.option("--provider", type=click.Choice(["offline", "anthropic", "openai"]), default=None,
              help="default: anthropic when ANTHROPIC_API_KEY is set, else offline")
@click.option("--model", default=None, help="model name (provider default when omitted)")
@click.option("--base-url", default=None, help="server URL (openai-compatible servers, proxies)")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--max-repairs", type=click.IntRange(0, 20), default=3, show_default=True)
@click.option("--replay", "replay", type=click.Path(file_okay=False), default=None,
              help="record/replay cache folder: answers are read from it, and recorded on a miss")
@click.option("--replay-only", is_flag=True, help="with --replay: fail instead of calling the provider on a miss")
@click.option("--max-cost", type=click.FloatRange(0.0), default=None, help="spend cap in USD for this run")
@click.option("--thinking-budget", type=click.IntRange(1024, 64000), default=None,
              help="anthropic: extended thinking with this many tokens while designing rewards")
@click.option("--allow-fallback", is_flag=True,
              help="offline: when the goal names nothing the family has, build its starter environments "
                   "instead of failing")
@click.option("--no-preview", is_flag=True, help="skip the start-state PNGs")
@click.option("--overwrite", is_flag=True, help="replace an existing --out folder")
@click.option("--out", "out", type=click.Path(file_okay=False), required=True, help="output folder")
def command(goal, family, n, provider, model, base_url, seed, max_repairs, replay, replay_only, max_cost,
            thinking_budget, allow_fallback, no_preview, overwrite, out):
    """Turn GOAL (plain text) into N validated, solvable environments with dense reward programs."""
    from envgen.llm import Budget, ProviderError, default_provider_name, get_provider

    err = console(stderr=True)
    if replay_only and not replay:
        abort("--replay-only needs --replay DIR")
    from envgen.generate.writer import OutputExistsError, check_output

    try:
        failed_before = check_output(out, overwrite)  # before any work: refuse early, not after minutes of work
    except OutputExistsError as e:
        abort(str(e))
    if failed_before is not None:
        err.print(f"replacing {out}: it holds only a failed run ({failed_before})", highlight=False, markup=False)
    if family is None:
        family = _guess_family(goal, seed, err)
    name = provider or default_provider_name()
    extra = {}
    if name == "offline":
        _check_goal_offline(goal, family, seed, allow_fallback, err)
        extra["allow_fallback"] = allow_fallback
    try:
        prov = get_provider(name, model=model, base_url=base_url, budget=Budget(max_cost),
                            replay_dir=replay, replay_mode="replay" if replay_only else "auto", **extra)
    except ProviderError as e:
        abort(str(e))
    _enable_compile_cache()
    from envgen.generate.pipeline import generate
    from envgen.generate.writer import write_run

    with err.status(f"generating {n} {family} environment(s) with {name}") as status:
        result = generate(goal, family, n, prov, seed=seed, max_repairs=max_repairs, preview=not no_preview,
                          on_event=lambda msg: status.update(msg), model=model, thinking_budget=thinking_budget)
    try:
        path = write_run(result, out, overwrite=overwrite)
    except OutputExistsError as e:
        abort(str(e))
    report(result, path, err)
    if result.status != "ok":
        raise SystemExit(1)


def _guess_family(goal: str, seed: int, out) -> str:
    """The family to use when --family is not given: the one whose vocabulary reads the goal (said in one
    line), else the default."""
    from envgen.generate.ontology import guess_family

    guess = guess_family(goal, seed)
    if guess is None or guess not in full_families():
        return DEFAULT_FAMILY
    out.print(f"family: {guess} (guessed from the goal's words; pass --family to choose)", highlight=False)
    return guess


def _check_goal_offline(goal: str, family: str, seed: int, allow_fallback: bool, out) -> None:
    """Say what the offline rules read in the goal; stop (exit 2) when they read nothing, unless allowed."""
    from envgen.generate.ontology import not_understood_message, read_goal

    reading = read_goal(goal, family, seed)
    if not reading.ok and not allow_fallback:
        abort(not_understood_message(reading, seed), code=2)
    if reading.ok:
        out.print(f"goal: {reading.summary()}", highlight=False)
    else:
        out.print(f"[yellow]goal not understood[/] ({' '.join(reading.ignored) or 'no words'}); "
                  "--allow-fallback: building the family's starter environments", highlight=False)


def report(result, path, out) -> None:
    """Print the outcome: accepted files, why each rejection failed, provider use and timings.

    Names, problems and errors come from a model: they are printed escaped (no markup, no control codes).
    """
    from rich.markup import escape

    from envgen.printable import printable

    def safe(text) -> str:
        return escape(printable(text))
    n = result.n
    out.print(f"[bold]{result.status}[/]: {len(result.accepted)}/{n} environments accepted after "
              f"{result.repairs} repair round(s), {len(result.rejected)} rejected; wrote {path}", highlight=False)
    for c in result.accepted:
        out.print(f"  {safe(c.name)}: {safe(path / 'envs' / (c.name + '.yaml'))}", highlight=False)
    last = result.rounds[-1]["failures"] if result.rounds else []
    for f in last:
        problem = f["problems"][0] if f["problems"] else "(no detail)"
        more = f" (+{len(f['problems']) - 1} more in run.json)" if len(f["problems"]) > 1 else ""
        out.print(f"  [red]rejected[/] {safe(f['name'])} at the {safe(f['stage'])} check: {safe(problem)}{more}",
                  highlight=False)
    usage = result.usage()
    cost = f"${usage['cost_usd']:.4f}" + (" (+ unpriced calls)" if usage["unpriced_calls"] else "")
    out.print(f"  provider {result.provider} ({result.model}): {usage['calls']} call(s), "
              f"{usage['input_tokens']} in / {usage['output_tokens']} out tokens, {cost}", highlight=False)
    out.print("  time: " + ", ".join(f"{k} {v:.1f}s" for k, v in sorted(result.timings.items())), highlight=False)
    if result.error:
        out.print(f"[red]error[/]: {safe(result.error)}", highlight=False)
    if result.status == "failed":
        out.print(f"  {safe(path / 'run.json')} records why; a retry with the same --out replaces it", highlight=False)
