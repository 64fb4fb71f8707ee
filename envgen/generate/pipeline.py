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
import threading
import time
from collections.abc import Callable
from typing import Any

from envgen.generate import prompts
from envgen.llm.base import LLMRequest, LLMResponse, MalformedOutput, Message, Provider, ProviderError

Event = Callable[[str], None]


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
        return max(0, len(self.rounds) - 1)

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


def generate(goal: str, family: str, n: int, provider: Provider, *, seed: int = 0, max_repairs: int = 3,
             solvability_seeds: int = 8, preview: bool = True, on_event: Event | None = None,
             model: str | None = None, max_tokens: int = 16000) -> GenerateResult:
    """Run the generation loop for ``goal`` and return what it produced (nothing is written here)."""
    if family not in prompts.FAMILIES:
        raise ValueError(f"unknown family {family!r}; known: {', '.join(prompts.FAMILIES)}")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    say = on_event or (lambda _msg: None)
    timer = _Timer()
    t0 = time.perf_counter()
    t = time.perf_counter()
    system = prompts.system_prompt(family)
    schema = prompts.output_schema(family)
    timer.add("prompt", t)
    messages: list[Message] = [Message(role="user", content=prompts.user_prompt(goal, family, n))]
    result = GenerateResult(goal, family, n, seed, provider.name, model or provider.model, max_repairs, [], [],
                            [], [])
    taken: set[str] = set()
    for round_ in range(max_repairs + 1):
        needed = n - len(result.accepted)
        request = LLMRequest(system=system, messages=tuple(messages), output_schema=schema,
                             tool_name=prompts.TOOL_NAME, tool_description=prompts.TOOL_DESCRIPTION, model=model,
                             max_tokens=max_tokens, seed=seed,
                             metadata={"goal": goal, "family": family, "n": str(needed),
                                       "kind": "generate" if round_ == 0 else "repair"})
        say(f"round {round_}: asking {provider.name} for {needed} environment(s)")
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
            break
        timer.add("provider", t)
        result.requests.append(_request_record(round_, request, response))
        candidates: list[Candidate] = []
        if parsed is not None:
            candidates, answer_problems = _split(parsed, round_, needed)
            if answer_problems:
                failures.append({"name": "answer", "stage": "answer", "problems": answer_problems})
        _check_all(candidates, family, seed, solvability_seeds, timer, say)
        for c in candidates:
            if c.ok:
                c.name = _unique(c.name, taken)
                if c.spec is not None:
                    c.spec.name = c.name
                taken.add(c.name)
                result.accepted.append(c)
            else:
                result.rejected.append(c)
                failures.append(c.failure())
        result.rounds.append({"round": round_, "accepted": [c.name for c in candidates if c.ok],
                              "failures": failures})
        say(f"round {round_}: {sum(c.ok for c in candidates)} accepted, {len(failures)} failed")
        if len(result.accepted) >= n:
            break
        if round_ == max_repairs:
            break
        raw = response.raw_text if response is not None and response.raw_text else "(no usable answer)"
        missing = n - len(result.accepted)
        messages += [Message(role="assistant", content=raw),
                     Message(role="user", content=prompts.repair_prompt(failures, missing,
                                                                         [c.name for c in result.accepted]))]
    result.accepted = result.accepted[:n]
    if preview and result.accepted:
        t = time.perf_counter()
        say("rendering previews")
        result.previews = render_previews(family, result.accepted, seed)
        timer.add("preview", t)
    timer.add("total", t0)
    result.timings = timer.t
    return result


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
    from envgen.rewards.sandbox import load_family, validate_programs

    fam = load_family(family)
    t = time.perf_counter()
    for c in cands:
        if c.stage != "pending":
            continue
        try:
            _check_answer(c, family, fam)
        except Exception as err:  # one hostile candidate must not end the run and lose the good ones
            c.fail("config", [f"this environment could not be checked: {_error_text(err)}"])
    timer.add("spec_ast", t)
    # The sandbox child (its own process: rollouts of each config) runs while this process checks
    # solvability; programs of candidates that then fail solvability were validated for nothing, cheaply.
    todo = [c for c in cands if c.stage == "pending"]
    sandbox = None
    if todo:
        say(f"sandbox: validating {len(todo)} reward program(s) on rollouts of their configs in a child process")
        sandbox = _Background(validate_programs, [c.reward_code for c in todo], family, seed=seed,
                              configs=[c.spec.to_yaml() for c in todo])
    t = time.perf_counter()
    for c in cands:
        if c.spec is not None and c.stage in ("pending", "reward"):
            say(f"solvability: {c.name}")
            try:
                c.solvability = check_solvable(family, c.spec, c.targets, seeds)
            except Exception as err:
                c.solvability = {"ok": False, "diagnosis": f"the solvability check failed: {_error_text(err)}"}
            if not c.solvability["ok"]:
                c.fail("solvability", [c.solvability["diagnosis"]])
    timer.add("solvability", t)
    if sandbox is not None:
        t = time.perf_counter()
        try:
            reports = sandbox.result()
        except Exception as err:
            reports = [None] * len(todo)
            why = f"validation could not run: {_error_text(err)}"
        timer.add("sandbox", t)  # the wait beyond solvability
        for c, rep in zip(todo, reports, strict=True):
            if c.stage != "pending":
                continue
            if rep is None:
                c.fail("reward", [why])
                continue
            c.validation = rep.to_dict()
            if not rep.ok:
                c.fail("reward", [f"reward_code failed at stage {rep.stage!r}: {rep.message}"])
    for c in cands:
        if c.stage == "pending":
            c.stage = "passed"


class _Background:
    """A call on a daemon thread: it never keeps the process alive (Ctrl-C ends envgen at once, and the
    validation child, bound to its parent, goes with it)."""

    def __init__(self, fn: Callable, *args: Any, **kwargs: Any):
        self._out: dict[str, Any] = {}
        self._thread = threading.Thread(target=self._run, args=(fn, args, kwargs), daemon=True)
        self._thread.start()

    def _run(self, fn: Callable, args: tuple, kwargs: dict) -> None:
        try:
            self._out["value"] = fn(*args, **kwargs)
        except BaseException as err:  # handed to the caller of result()
            self._out["error"] = err

    def result(self) -> Any:
        """Wait for the call; return its value or raise its exception."""
        self._thread.join()
        if "error" in self._out:
            raise self._out["error"]
        return self._out["value"]


def _check_answer(c: Candidate, family: str, fam: Any) -> None:
    """Config, targets and the reward program's AST check of one candidate (nothing runs)."""
    from envgen.rewards.sandbox import SandboxError, check_source
    from envgen.spec import SpecError, spec_from_dict

    raw = c.raw
    extra = sorted(set(raw) - {"config", "reward_code", "targets"})
    if extra:
        c.fail("answer", [f"unknown keys {extra}; each environment has config, reward_code"
                          + (", targets" if family == "crafter" else "")])
    try:
        c.spec = spec_from_dict(raw.get("config"), source=f"{c.name} config", family=family)
    except SpecError as err:
        c.fail("config", [f"config.{p}" if not p.startswith("expected") else p for p in err.problems])
    if family == "crafter":
        c.targets = _targets(c, raw.get("targets"))
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


def _targets(c: Candidate, targets: Any) -> list[str]:
    from envgen.envs.crafter.constants import ACHIEVEMENTS

    if not isinstance(targets, list) or not targets:
        c.fail("answer", [f"targets: a non-empty list of achievements is required (one of {', '.join(ACHIEVEMENTS)})"])
        return []
    bad = [t for t in targets if t not in ACHIEVEMENTS]
    if bad:
        c.fail("answer", [f"targets: unknown achievement(s) {bad}; known: {', '.join(ACHIEVEMENTS)}"])
    return [t for t in targets if t in ACHIEVEMENTS]


def check_solvable(family: str, spec: Any, targets: list[str], seeds: int = 8, seed: int = 0) -> dict[str, Any]:
    """The family's solvability check of one config: ``{"ok", "fraction", "diagnosis", "seeds"}``."""
    import jax

    params = spec.compile()
    if family == "crafter":
        from envgen.envs.crafter.solvability import check_goal

        if not targets:
            return {"ok": False, "fraction": 0.0, "seeds": seeds, "targets": [],
                    "diagnosis": "no valid targets to check"}
        rep = check_goal(params, targets, seeds=seeds, key=jax.random.key(seed))
        return {"ok": bool(rep.ok), "fraction": float(rep.fraction), "seeds": seeds, "targets": list(targets),
                "diagnosis": rep.diagnosis()}
    return _minigrid_solvable(params, seeds, seed)


def _minigrid_solvable(params: Any, seeds: int, seed: int) -> dict[str, Any]:
    import jax
    import numpy as np

    from envgen.envs.minigrid import solvability as mg_solvability

    levels = _minigrid_levels(params, seeds, seed)
    ok = np.asarray(_minigrid_ok()(levels, params))
    fraction = float(ok.mean())
    reasons = []
    for i in np.flatnonzero(~ok)[:3]:
        level = jax.tree.map(lambda x, i=i: x[i], levels)
        reasons.append(mg_solvability.diagnose(level, params))
    diag = (f"mission solvable in {fraction:.0%} of sampled levels" if ok.all() else
            f"mission solvable in only {fraction:.0%} of sampled levels; " + "; ".join(dict.fromkeys(reasons)))
    return {"ok": bool(fraction >= 0.75), "fraction": fraction, "seeds": seeds, "diagnosis": diag}


_MG_CACHE: dict[str, Any] = {}


def _minigrid_levels(params: Any, seeds: int, seed: int) -> Any:
    import jax

    if "levels" not in _MG_CACHE:
        from envgen.envs.registry import env_class

        env = env_class("minigrid")()
        _MG_CACHE["levels"] = jax.jit(lambda keys, p: jax.vmap(env.generate_level, in_axes=(0, None))(keys, p))
    return _MG_CACHE["levels"](jax.random.split(jax.random.key(seed), seeds), params)


def _minigrid_ok() -> Any:
    import jax

    if "ok" not in _MG_CACHE:
        from envgen.envs.minigrid.solvability import is_solvable

        _MG_CACHE["ok"] = jax.jit(jax.vmap(is_solvable, in_axes=(0, None)))
    return _MG_CACHE["ok"]


_RESET_CACHE: dict[str, Any] = {}


def render_previews(family: str, cands: list[Candidate], seed: int) -> dict[str, Any]:
    """A start-state frame (full map beside the agent's view) per accepted environment."""
    import jax

    from envgen.envs.registry import env_class
    from envgen.envs.render_common import render_frame

    if family not in _RESET_CACHE:
        env = env_class(family)()
        _RESET_CACHE[family] = (env, jax.jit(env.reset))
    env, reset = _RESET_CACHE[family]
    out = {}
    for c in cands:
        params = c.spec.compile()
        _, state = reset(jax.random.key(seed), params)
        try:
            out[c.name] = render_frame(env, state, params)
        except Exception as err:  # a family without a renderer yet: report, do not fail the run
            out[c.name] = f"preview unavailable: {type(err).__name__}: {err}"
    return out
