"""The offline provider: deterministic, rule-based answers with the same shape an LLM gives.

It reads the goal, family and number of environments from the request (``metadata`` when the pipeline
sets it, else the ``Goal:`` / ``Family:`` / ``Environments:`` lines of the user prompt), parses the goal
against the family's ontology (:mod:`envgen.generate.ontology`) and answers with configs ordered
easier -> harder plus a dense reward program each (:mod:`envgen.generate.rules`). A repair request gets
easier variants (half the difficulty). Same request, same answer: no clock, no global randomness.

Inside the ``llm`` teacher the provider is given the student's feedback (:meth:`OfflineProvider.with_feedback`):
the rules then vary their answer with the weak skills' success rates, the tech tree and the cycle
(:mod:`envgen.llm.offline_curriculum`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from envgen.generate.ontology import GoalNotUnderstood
from envgen.llm.base import LLMRequest, LLMResponse, MalformedOutput, ProviderError, Usage
from envgen.llm.structured import problem_with

MODEL = "rules-v1"


class GoalNotUnderstoodError(ProviderError):
    """The offline rules understood nothing in the goal (the message lists what they can do)."""


def _field(text: str, name: str) -> str | None:
    m = re.search(rf"^\s*{name}:\s*(.+?)\s*$", text, re.MULTILINE | re.IGNORECASE)
    return m.group(1).strip().strip('"') if m else None


class OfflineProvider:
    """Rule-based generator behind the Provider protocol (no key, no network, no cost)."""

    name = "offline"

    def __init__(self, model: str | None = None, *, allow_fallback: bool = False,
                 feedback: dict[str, Any] | None = None, **_: Any):
        # model/base_url/budget are accepted for a uniform factory and ignored: there is one rule set.
        self.model = model or MODEL
        self.allow_fallback = allow_fallback  # build starter environments for a goal it cannot read
        # the llm teacher's per-skill success rates and cycle (see with_feedback), or None
        self.feedback = feedback

    def with_feedback(self, feedback: dict[str, Any], cycle: int, mastered: float = 0.5) -> OfflineProvider:
        """This provider answering from a student's feedback: per-skill ``rates`` (or the teacher's
        ``skills`` list), the ``weakest`` skills, the ``cycle`` and the ``mastered`` threshold. The rules
        then design each cycle's environments from the weak skills' success and the tech tree
        (:mod:`envgen.llm.offline_curriculum`), so an EnvGen loop without a key still gets a curriculum."""
        rates = dict(feedback.get("rates") or {})
        rates.update({s["name"]: float(s["mean"]) for s in feedback.get("skills") or ()})
        data = {"rates": rates, "weakest": list(feedback.get("weakest") or ()), "cycle": int(cycle),
                "mastered": float(mastered)}
        return OfflineProvider(self.model, allow_fallback=self.allow_fallback, feedback=data)

    def complete(self, request: LLMRequest) -> LLMResponse:
        """Answer ``request`` with environments for the goal it names."""
        request = request.with_model(request.model or self.model)
        meta = dict(request.metadata)
        first_user = next((m.content for m in request.messages if m.role == "user"), "")
        last_user = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
        goal = meta.get("goal") or _field(first_user, "Goal")
        family = meta.get("family") or _field(first_user, "Family")
        count = meta.get("n") or _field(last_user, "Environments") or _field(first_user, "Environments")
        if not goal or not family:
            raise ProviderError("offline provider: the request names no goal/family (expected 'Goal:' and "
                                "'Family:' lines in the user prompt)")
        try:
            n = max(1, int(str(count).split()[0])) if count else 4
        except ValueError:
            n = 4
        repair = meta.get("kind") == "repair" or len(request.messages) > 1
        seed = request.seed or 0
        from envgen.registry import UnknownFamilyError
        from envgen.registry import family as family_entry

        try:
            make = family_entry(family, needs="offline_rules").load("offline_rules")
        except UnknownFamilyError as err:
            raise ProviderError(f"offline provider: {err}") from None
        # one part of a split request: design the whole range and answer with this part of it
        offset, total = int(meta.get("offset", 0)), int(meta.get("total", 0))
        try:
            extra = {"feedback": self.feedback} if self.feedback is not None else {}
            envs = make(goal, max(total, offset + n), seed, easier=repair, fallback=self.allow_fallback, **extra)
            envs = envs[offset:offset + n]
        except GoalNotUnderstood as err:
            raise GoalNotUnderstoodError(str(err)) from None
        parsed = {"environments": envs}
        malformed = problem_with(parsed, request.output_schema)
        raw = json.dumps(parsed, sort_keys=True)
        response = LLMResponse(provider=self.name, model=request.model or self.model,
                               request_hash=request.request_hash(), parsed=parsed if malformed is None else None,
                               raw_text=raw, usage=Usage(), cost_usd=0.0, stop_reason="end_turn",
                               malformed=malformed)
        if malformed is not None:
            raise MalformedOutput(malformed, response)
        return response
