"""goal -> prompt -> provider -> parse -> validate config -> sandbox-check reward -> solvability -> repair.

:func:`generate` runs the loop and returns a :class:`GenerateResult` (the accepted environments, the
rejected ones with their diagnoses, everything run.json records, and wall-clock timings kept *out* of
run.json so that a re-run writes identical bytes). :func:`envgen.generate.writer.write_run` saves it.

Every check pairs a failure with a diagnosis a model can act on: the config's field errors (with the
allowed range), the reward program's line and construct, or the solvability check's reasons. Failed
environments go back in a repair turn, up to ``max_repairs`` rounds; what still fails is reported in
run.json under ``rejected`` and never written as an environment.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

from envgen.generate import prompts, results
from envgen.jit_options import jit_once
from envgen.llm.base import LLMRequest, LLMResponse, MalformedOutput, Message, Provider, ProviderError
from envgen.registry import FamilyEntry
from envgen.registry import family as family_entry

Event = Callable[[str], None]
FULL_FAMILY = FamilyEntry.FULL


@dataclasses.dataclass
class Candidate:
    """One proposed environment and what the checks said about it."""

    round: int
    index: int
    name: str
    raw: dict[str, Any]
    spec: Any = None
    reward_code: str = ""
    targets: list[str] = dataclasses.field(default_factory=list)
    stage: str = "pending"  # "passed" or the first failing check: answer, config, reward, solvability
    problems: list[str] = dataclasses.field(default_factory=list)
    validation: dict[str, Any] | None = None
    solvability: dict[str, Any] | None = None
    levels: Any = None  # the worlds the solvability check sampled (leading axis; the first is the preview)

    @property
    def level(self) -> Any:
        """The first world the solvability check sampled (drawn as the preview), or None."""
        import jax

        return None if self.levels is None else jax.tree.map(lambda x: x[0], self.levels)

    @property
    def ok(self) -> bool:
        return self.stage == "passed"

    def fail(self, stage: str, problems: list[str]) -> None:
        if self.stage == "pending" or self.stage == "passed":
            self.stage = stage
        self.problems.extend(problems)

    def failure(self) -> dict[str, Any]:
        """What the repair prompt and run.json say about a failed candidate."""
        return {"name": self.name, "stage": self.stage, "problems": list(self.problems)}


@dataclasses.dataclass
class GenerateResult:
    """The outcome of one run: accepted and rejected environments, the run record and timings."""

    goal: str
    family: str
    n: int
    seed: int
    provider: str
    model: str
    max_repairs: int
    accepted: list[Candidate]
    rejected: list[Candidate]
    requests: list[dict[str, Any]]
    rounds: list[dict[str, Any]]
    error: str | None = None
    previews: dict[str, Any] = dataclasses.field(default_factory=dict)
    timings: dict[str, float] = dataclasses.field(default_factory=dict)

    @property
    def status(self) -> str:
        if self.error is not None and not self.accepted:
            return "failed"
        if len(self.accepted) >= self.n:
            return "ok"
        return "partial" if self.accepted else "failed"

    @property
    def repairs(self) -> int:
        """Repair rounds taken (over all parts of a split request)."""
        return sum(1 for r in self.rounds if r["round"] > 0)

    def usage(self) -> dict[str, Any]:
        totals = {"calls": len(self.requests), "input_tokens": 0, "output_tokens": 0, "cache_read_tokens": 0,
                  "cache_write_tokens": 0, "cost_usd": 0.0, "unpriced_calls": 0}
        for r in self.requests:
            for k in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens"):
                totals[k] += r["usage"].get(k, 0)
            if r["cost_usd"] is None:
                totals["unpriced_calls"] += 1
            else:
                totals["cost_usd"] += r["cost_usd"]
        totals["cost_usd"] = round(totals["cost_usd"], 6)
        return totals


class _Timer:
    def __init__(self) -> None:
        self.t: dict[str, float] = {}

    def add(self, key: str, since: float) -> None:
        self.t[key] = self.t.get(key, 0.0) + time.perf_counter() - since


# Environments asked for in one request: each is a config plus a reward program (about 1-2k tokens), so
# a larger --n is split into several requests that each fit max_tokens.
MAX_PER_REQUEST = 8


def split_counts(n: int, per_request: int = MAX_PER_REQUEST) -> list[tuple[int, int]]:
    """(offset, count) of each request when ``n`` environments are asked for ``per_request`` at a time."""
    parts = -(-n // per_request)
    sizes = [n // parts + (1 if i < n % parts else 0) for i in range(parts)]
    return [(sum(sizes[:i]), size) for i, size in enumerate(sizes)]


def generate(goal: str, family: str, n: int, provider: Provider, *, seed: int = 0, max_repairs: int = 3,
             solvability_seeds: int = 8, preview: bool = True, on_event: Event | None = None,
             model: str | None = None, max_tokens: int = 16000, thinking_budget: int | None = None,
             per_request: int = MAX_PER_REQUEST) -> GenerateResult:
    """Run the generation loop for ``goal`` and return what it produced (nothing is written here).

    More than ``per_request`` environments are asked for in several requests (parts of the
    easier-to-harder range), each with its own repair conversation. An environment identical to one
    already accepted (same config apart from name and purpose, same reward program) is rejected as a
    duplicate, so it is never counted twice.
    """
    for part in FULL_FAMILY:
        family_entry(family, needs=part)  # an unknown or partial family is an error before any work
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    say = on_event or (lambda _msg: None)
    timer = _Timer()
    t0 = time.perf_counter()
    t = time.perf_counter()
    tools = getattr(provider, "uses_tools", True)
    system = prompts.system_prompt(family, tools)
    schema = prompts.output_schema(family)
    timer.add("prompt", t)
    result = GenerateResult(goal, family, n, seed, provider.name, model or provider.model, max_repairs, [], [],
                            [], [])
    seen: dict[str, str] = {}  # fingerprint -> accepted name
    parts = split_counts(n, per_request)
    for offset, count in parts:
        part = (offset, n) if len(parts) > 1 else None
        messages = [Message(role="user", content=prompts.user_prompt(goal, family, count, part))]
        base = LLMRequest(system=system, messages=tuple(messages), output_schema=schema,
                          tool_name=prompts.TOOL_NAME, tool_description=prompts.TOOL_DESCRIPTION, model=model,
                          max_tokens=max_tokens, seed=seed, thinking_budget=thinking_budget)
        if not _run_part(base, goal, family, count, part, provider, result, seen, solvability_seeds, seed,
                         tools, timer, say):
            break  # a provider error: later parts would fail the same way
    result.accepted = result.accepted[:n]
    if preview and result.accepted:
        t = time.perf_counter()
        say("rendering previews")
        result.previews = render_previews(family, result.accepted, seed, solvability_seeds)
        timer.add("preview", t)
    timer.add("total", t0)
    result.timings = timer.t
    return result


def _run_part(base: LLMRequest, goal: str, family: str, count: int, part: tuple[int, int] | None,
              provider: Provider, result: GenerateResult, seen: dict[str, str], solvability_seeds: int,
              seed: int, tools: bool, timer: _Timer, say: Event) -> bool:
    """The round loop (ask, check, repair) for ``count`` environments; False after a provider error."""
    messages = list(base.messages)
    accepted_here = 0
    where = f" (environments {part[0] + 1}-{part[0] + count} of {part[1]})" if part else ""
    for round_ in range(result.max_repairs + 1):
        needed = count - accepted_here
        meta = {"goal": goal, "family": family, "n": str(needed), "kind": "generate" if round_ == 0 else "repair"}
        if part:
            meta.update(offset=str(part[0] + accepted_here), total=str(part[1]))
        request = base.model_copy(update={"messages": tuple(messages), "metadata": meta})
        say(f"round {round_}{where}: asking {provider.name} for {needed} environment(s)")
        t = time.perf_counter()
        response: LLMResponse | None = None
        failures: list[dict[str, Any]] = []
        try:
            response = provider.complete(request)
            parsed = response.parsed or {}
        except MalformedOutput as err:
            response = err.response
            parsed = None
            failures.append({"name": "answer", "stage": "answer", "problems": [err.reason]})
        except ProviderError as err:
            timer.add("provider", t)
            result.error = f"{type(err).__name__}: {err}"
            say(f"provider error: {err}")
            return False
        timer.add("provider", t)
        result.requests.append(_request_record(round_, request, response))
        candidates: list[Candidate] = []
        if parsed is not None:
            candidates, answer_problems = _split(parsed, round_, needed)
            if answer_problems:
                failures.append({"name": "answer", "stage": "answer", "problems": answer_problems})
        _check_all(candidates, family, seed, solvability_seeds, timer, say)
        taken = {c.name for c in result.accepted}
        for c in candidates:
            if c.ok:
                fp = _fingerprint(c)
                if fp in seen:
                    c.stage = "pending"
                    c.fail("answer", [f"duplicate of the accepted environment {seen[fp]!r} (same config and "
                                      "reward program); design a different one"])
            if c.ok:
                c.name = _unique(c.name, taken)
                if c.spec is not None:
                    c.spec.name = c.name
                taken.add(c.name)
                seen[_fingerprint(c)] = c.name
                result.accepted.append(c)
                accepted_here += 1
            else:
                result.rejected.append(c)
                failures.append(c.failure())
        record: dict[str, Any] = {"round": round_, "accepted": [c.name for c in candidates if c.ok],
                                  "failures": failures}
        if part:
            record["part"] = {"offset": part[0], "count": count}
        result.rounds.append(record)
        say(f"round {round_}{where}: {sum(c.ok for c in candidates)} accepted, {len(failures)} failed")
        if accepted_here >= count or round_ == result.max_repairs:
            return True
        raw = response.raw_text if response is not None and response.raw_text else "(no usable answer)"
        messages += [Message(role="assistant", content=raw),
                     Message(role="user", content=prompts.repair_prompt(failures, count - accepted_here,
                                                                         [c.name for c in result.accepted], tools))]
    return True


def _fingerprint(c: Candidate) -> str:
    """What makes two environments the same: the config without its name and purpose, and the program."""
    import hashlib
    import json

    config = c.spec.model_dump(mode="json", exclude={"name", "purpose"}) if c.spec is not None else c.raw
    blob = json.dumps({"config": config, "reward": c.reward_code, "targets": sorted(c.targets)}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _request_record(round_: int, request: LLMRequest, response: LLMResponse | None) -> dict[str, Any]:
    return {
        "round": round_,
        "request_hash": request.request_hash() if response is None else response.request_hash,
        "model": None if response is None else response.model,
        "stop_reason": None if response is None else response.stop_reason,
        "attempts": None if response is None else response.attempts,
        "usage": {} if response is None else response.usage.model_dump(),
        "cost_usd": None if response is None else response.cost_usd,
        "malformed": None if response is None else response.malformed,
    }


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    k = 2
    while f"{name}-{k}"[:64] in taken:
        k += 1
    return f"{name}-{k}"[:64]


def _split(parsed: dict[str, Any], round_: int, needed: int) -> tuple[list[Candidate], list[str]]:
    """The environments of an answer as candidates, plus problems with the answer as a whole."""
    envs = parsed.get("environments") if isinstance(parsed, dict) else None
    if not isinstance(envs, list):
        return [], ["the answer must be an object with a list `environments`"]
    problems = []
    if len(envs) < needed:
        problems.append(f"asked for {needed} environments, got {len(envs)}")
    out = []
    for i, env in enumerate(envs[:needed]):
        raw = env if isinstance(env, dict) else {}
        config = raw.get("config") if isinstance(raw.get("config"), dict) else {}
        name = config.get("name") if isinstance(config.get("name"), str) else None
        c = Candidate(round_, i, name or f"env-{round_}-{i + 1}", raw)
        if not isinstance(env, dict):
            c.fail("answer", [f"environments[{i}] must be an object, got {type(env).__name__}"])
        out.append(c)
    return out, problems


def _check_all(cands: list[Candidate], family: str, seed: int, seeds: int, timer: _Timer, say: Event) -> None:
    import jax

    from envgen.rewards import sandbox

    fam = sandbox.load_family(family)
    t = time.perf_counter()
    for c in cands:
        if c.stage != "pending":
            continue
        try:
            _check_answer(c, family, fam)
        except Exception as err:  # one hostile candidate must not end the run and lose the good ones
            c.fail("config", [f"this environment could not be checked: {_error_text(err)}"])
    timer.add("spec_ast", t)
    todo = [c for c in cands if c.stage == "pending"]
    programs, configs = [c.reward_code for c in todo], [c.spec.to_yaml() for c in todo]
    prepared = None
    child = bool(todo) and sandbox.needs_child(programs, family, seed=seed, configs=configs)
    if child:
        # The child imports JAX and compiles the rollout while this process checks solvability; the
        # worlds that check generates are then handed to it, so world generation compiles only here.
        say(f"sandbox: starting a child process to validate {len(todo)} reward program(s)")
        prepared = sandbox.start_validation(family, seed=seed)
    try:
        # Stored solvability reports carry no worlds, so they are used only when no child needs them.
        _check_solvability(cands, family, seeds, timer, say, stored=not child)
        if todo:
            t = time.perf_counter()
            say(f"sandbox: validating {len(todo)} reward program(s) on rollouts of their configs")
            try:
                levels = [None if c.levels is None else jax.tree.leaves(c.levels) for c in todo]
                reports = sandbox.validate_programs(programs, family, seed=seed, configs=configs, levels=levels,
                                                    prepared=prepared)
                prepared = None  # validate_programs closes it
            except Exception as err:
                reports = [None] * len(todo)
                why = f"validation could not run: {_error_text(err)}"
            timer.add("sandbox", t)
            for c, rep in zip(todo, reports, strict=True):
                if rep is None:
                    c.fail("reward", [why])
                    continue
                c.validation = rep.to_dict()
                if not rep.ok:
                    c.fail("reward", [f"reward_code failed at stage {rep.stage!r}: {rep.message}"])
    finally:
        if prepared is not None:
            prepared.close()
    for c in cands:
        if c.stage == "pending":
            c.stage = "passed"


def _check_solvability(cands: list[Candidate], family: str, seeds: int, timer: _Timer, say: Event,
                       stored: bool = False) -> None:
    """The solvability check of every candidate with a valid config. With ``stored``, a report kept by
    an earlier run for the same config is taken as is (without worlds); every new report is kept."""
    t = time.perf_counter()
    check = [c for c in cands if c.spec is not None and c.stage in ("pending", "reward")]
    keys = {id(c): _solvability_key(family, c, seeds) for c in check}
    if stored:
        for c in check:
            rep = results.load_report(SOLVABILITY_CACHE, keys[id(c)])
            if rep is not None:
                c.solvability = rep
                if not rep.get("ok"):
                    c.fail("solvability", [str(rep.get("diagnosis"))])
        check = [c for c in check if c.solvability is None]
    if check:
        say(f"solvability: checking {len(check)} config(s)")
        try:
            reports, levels = check_solvable_batch(family, [c.spec for c in check], [c.targets for c in check],
                                                   seeds)
        except Exception:  # one config broke the batch: check each alone, so only that one fails
            reports, levels = [], []
            for c in check:
                try:
                    (rep,), (level,) = check_solvable_batch(family, [c.spec], [c.targets], seeds)
                except Exception as err:
                    rep, level = {"ok": False, "diagnosis": f"the solvability check failed: {_error_text(err)}"}, None
                reports.append(rep)
                levels.append(level)
        for c, rep, level in zip(check, reports, levels, strict=True):
            c.solvability, c.levels = rep, level
            if level is not None:  # a report of a check that ran (not one that broke)
                results.store_report(SOLVABILITY_CACHE, keys[id(c)], rep)
            if not rep["ok"]:
                c.fail("solvability", [rep["diagnosis"]])
    timer.add("solvability", t)


SOLVABILITY_CACHE, PREVIEW_CACHE = "solvability", "previews"
# The solvability survey's own seed: its worlds are the preview's and the sandbox rollouts' start states.
SURVEY_SEED = 0


def _solvability_key(family: str, c: Candidate, seeds: int) -> str:
    return results.result_key(SOLVABILITY_CACHE, family, c.spec, targets=sorted(c.targets), seeds=seeds,
                              seed=SURVEY_SEED)


def _check_answer(c: Candidate, family: str, fam: Any) -> None:
    """Config, targets and the reward program's AST check of one candidate (nothing runs)."""
    from envgen.rewards.sandbox import SandboxError, check_source
    from envgen.spec import SpecError, spec_from_dict

    raw = c.raw
    extra = sorted(set(raw) - {"config", "reward_code", "targets"})
    if extra:
        c.fail("answer", [f"unknown keys {extra}; each environment has config, reward_code"
                          + (", targets" if family_entry(family).targets else "")])
    try:
        c.spec = spec_from_dict(raw.get("config"), source=f"{c.name} config", family=family)
    except SpecError as err:
        c.fail("config", [f"config.{p}" if not p.startswith("expected") else p for p in err.problems])
    if family_entry(family).targets:
        c.targets = _targets(c, raw.get("targets"), family_entry(family).load("targets"))
    code = raw.get("reward_code")
    if not isinstance(code, str) or not code.strip():
        c.fail("reward", ["reward_code: required, the source of `def reward(prev, state, action):`"])
        return
    # One line ending, so the bytes written are the bytes validated and the bytes read back.
    code = code.replace("\r\n", "\n").replace("\r", "\n")
    c.reward_code = code if code.endswith("\n") else code + "\n"
    try:
        check_source(c.reward_code, fam.spec)
    except SandboxError as err:
        c.fail("reward", [f"reward_code {p}" for p in err.problems])


def _error_text(err: BaseException) -> str:
    from envgen.printable import printable

    return f"{type(err).__name__}: {printable(str(err) or 'no message')[:200]}"


def _targets(c: Candidate, targets: Any, known: tuple[str, ...]) -> list[str]:
    """The valid achievements of an answer's ``targets`` (the family's vocabulary ``known``)."""
    if not isinstance(targets, list) or not targets:
        c.fail("answer", [f"targets: a non-empty list of achievements is required (one of {', '.join(known)})"])
        return []
    bad = [t for t in targets if t not in known]
    if bad:
        c.fail("answer", [f"targets: unknown achievement(s) {bad}; known: {', '.join(known)}"])
    return [t for t in targets if t in known]


# Candidates are checked in fixed-size chunks so the compiled check has one shape per process (a repair
# round with fewer candidates pads up instead of compiling again).
CHECK_CHUNK = 4


def check_solvable(family: str, spec: Any, targets: list[str], seeds: int = 8, seed: int = 0) -> dict[str, Any]:
    """The family's solvability check of one config: ``{"ok", "fraction", "diagnosis", "seeds"}``."""
    return check_solvable_batch(family, [spec], [targets], seeds, seed)[0][0]


def check_solvable_batch(family: str, specs: list[Any], targets: list[list[str]], seeds: int = 8,
                         seed: int = 0) -> tuple[list[dict[str, Any]], list[Any]]:
    """Solvability reports of many configs from one compiled, vmapped survey, plus each config's sampled
    levels (host arrays, leading axis = seeds: the preview and the sandbox's rollouts start on them), so
    world generation compiles once per run."""
    import jax
    import numpy as np

    solvability = family_entry(family, needs="solvability").load("solvability")
    reports: list[dict[str, Any]] = []
    levels: list[Any] = []
    keys = jax.random.split(jax.random.key(seed), seeds)
    for lo in range(0, len(specs), CHECK_CHUNK):
        chunk = [s.compile() for s in specs[lo:lo + CHECK_CHUNK]]
        padded = chunk + [chunk[-1]] * (CHECK_CHUNK - len(chunk))
        params = jax.tree.map(lambda *xs: np.stack(xs), *jax.device_get(padded))
        out = jax.device_get(_survey(family, seeds)(keys, params))
        for i, (p, tg) in enumerate(zip(chunk, targets[lo:lo + CHECK_CHUNK], strict=False)):
            row = jax.tree.map(lambda x, i=i: x[i], out)
            reports.append(solvability.survey_report(row, p, tg, seeds))
            levels.append(row["levels"])
    return reports, levels


_SURVEYS: dict[tuple[str, int], Any] = {}


def _survey(family: str, seeds: int) -> Any:
    """jit over (configs x seeds) through the family's batched ``generate_levels``: what the solvability
    check needs per level, and the levels."""
    import jax
    import jax.numpy as jnp

    if (family, seeds) in _SURVEYS:
        return _SURVEYS[(family, seeds)]
    from envgen.envs.registry import env_class

    env = env_class(family)()
    measure = family_entry(family, needs="solvability").load("solvability").survey_measure

    def survey(keys, params):
        n_cfg = jax.tree.leaves(params)[0].shape[0]
        flat = jax.tree.map(lambda x: jnp.repeat(x, seeds, axis=0), params)  # config c, seed s -> c*seeds+s
        levels = env.generate_levels(keys[jnp.tile(jnp.arange(seeds), n_cfg)], flat)
        out = measure(levels, flat)
        out["levels"] = levels
        return jax.tree.map(lambda x: x.reshape((n_cfg, seeds) + x.shape[1:]), out)

    _SURVEYS[(family, seeds)] = jit_once(survey)
    return _SURVEYS[(family, seeds)]


def render_previews(family: str, cands: list[Candidate], seed: int, seeds: int = 8) -> dict[str, Any]:
    """A start-state frame (full map beside the agent's view) per accepted environment.

    The world is the first one the solvability check sampled (kept on the candidate), so no second
    world-generation compile is needed; candidates without one get it from the same survey (``seeds``
    worlds) here. A frame drawn by an earlier run for the same config and seeds is read back instead.
    """
    import jax

    from envgen.envs.registry import env_class
    from envgen.envs.render_common import render_frame

    out: dict[str, Any] = {}
    keys = {id(c): results.result_key(PREVIEW_CACHE, family, c.spec, seed=seed, seeds=seeds,
                                      survey_seed=SURVEY_SEED) for c in cands}
    for c in cands:
        frame = results.load_array(PREVIEW_CACHE, keys[id(c)])
        if frame is not None:
            out[c.name] = frame
    todo = [c for c in cands if c.name not in out]
    if not todo:
        return out
    env = env_class(family)()
    missing = [c for c in todo if c.levels is None]
    if missing:
        _, levels = check_solvable_batch(family, [c.spec for c in missing], [c.targets for c in missing], seeds,
                                         SURVEY_SEED)
        for c, level in zip(missing, levels, strict=True):
            c.levels = level
    reset, view = _preview_fns(family)
    for c in todo:
        params = c.spec.compile()
        try:
            state = reset(jax.random.key(seed), c.level, params)
            out[c.name] = render_frame(env, state, params, view=view(state, params))
        except Exception as err:  # a family without a renderer yet: report, do not fail the run
            out[c.name] = f"preview unavailable: {type(err).__name__}: {err}"
            continue
        results.store_array(PREVIEW_CACHE, keys[id(c)], out[c.name])
    return {c.name: out[c.name] for c in cands}


_PREVIEW: dict[str, Any] = {}


def _preview_fns(family: str) -> tuple[Callable, Callable]:
    """(jitted reset_to_level, agent-view image): two small compiles (run once each, so optimised as little
    as the survey); drawn op by op they cost ten times as much on a cold start."""
    import numpy as np

    if family not in _PREVIEW:
        from envgen.envs.registry import env_class

        env = env_class(family)()
        if family == "crafter":
            from envgen.envs.crafter.observe import pixel_obs

            pixels = jit_once(pixel_obs, static_argnums=1)

            def view(state, params):
                return np.asarray(pixels(state, env.static_params))
        else:
            from envgen.envs.minigrid.render import render_view

            obs = jit_once(env.get_obs)

            def view(state, params):
                return render_view(np.asarray(obs(state, params)["image"]))
        _PREVIEW[family] = (jit_once(env.reset_to_level), view)
    return _PREVIEW[family]
