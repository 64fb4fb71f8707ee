"""The ``reward:`` section of a config: reward terms as weights over the family's documented features.

    reward:
      task_weight: 1.0          # the environment's own reward
      potential: {wood: 0.3, close_tree: 0.2}   # Phi(s) weights (>= 0, sum <= 1): potential-based shaping
      bonus: {unlock_place_table: 0.5}          # one-time payments per event
      gamma: 0.99               # the learner's discount, 0.9 to 1

Weights are numbers (YAML ``true`` or ``"1.0"`` are refused, not coerced). ``gamma`` is the discount of
the learner that trains on the task: potential-based shaping is bounded in that learner's return
(see ``docs/rewards.md``), while a gamma far below it would turn shaping into a per-step penalty.

Most generated rewards need no code: they are this section, compiled to
:class:`~envgen.rewards.terms.RewardTerms` leaves, so any mix batches at the cost of one reward function.
"""

from __future__ import annotations

import difflib
from typing import Annotated

from pydantic import AllowInfNan, BaseModel, ConfigDict, Field, Strict

from envgen.rewards.terms import MAX_GAMMA, MAX_POTENTIAL, MIN_GAMMA

# A finite number: ints are fine, booleans and numeric strings are refused rather than coerced.
Weight = Annotated[float, Strict(), AllowInfNan(False)]


class RewardSpec(BaseModel):
    """Dense reward as data (see the module docstring); names are checked against the family's features."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)
    task_weight: Weight = Field(1.0, ge=0.0, le=10.0, description="weight of the environment's own reward")
    potential: dict[str, Weight] = Field(default_factory=dict, description=(
        f"feature -> weight of the shaping potential (each >= 0, sum <= {MAX_POTENTIAL:g})"))
    bonus: dict[str, Weight] = Field(default_factory=dict, description="event -> one-time payment (-10 to 10)")
    gamma: Weight = Field(0.99, ge=MIN_GAMMA, le=MAX_GAMMA, description=(
        f"discount of the shaping term: the learner's ({MIN_GAMMA:g} to {MAX_GAMMA:g})"))

    def problems(self, features: tuple[str, ...], events: tuple[str, ...]) -> list[str]:
        """Every fault of this section against a family's feature and event names."""
        out = []
        for section, names, known in (("potential", self.potential, features), ("bonus", self.bonus, events)):
            for name in names:
                if name not in known:
                    close = difflib.get_close_matches(name, known, n=1)
                    hint = f"did you mean {close[0]!r}? " if close else ""
                    out.append(f"reward.{section}.{name}: unknown {section} name; {hint}known: {', '.join(known)}")
        for name, w in self.potential.items():
            if not 0.0 <= w <= MAX_POTENTIAL:
                out.append(f"reward.potential.{name}: weight {w} outside allowed range [0, {MAX_POTENTIAL:g}]")
        total = sum(self.potential.values())
        if total > MAX_POTENTIAL + 1e-9:
            out.append(f"reward.potential: weights sum to {total:g}; allowed at most {MAX_POTENTIAL:g} "
                       "(shaping must pay less than solving)")
        for name, w in self.bonus.items():
            if not -10.0 <= w <= 10.0:
                out.append(f"reward.bonus.{name}: weight {w} outside allowed range [-10, 10]")
        return out

    def compile(self, family: str):
        """The :class:`RewardTerms` pytree of this section."""
        import jax.numpy as jnp

        from envgen.rewards.features import feature_module
        from envgen.rewards.terms import task_only

        mod = feature_module(family)
        terms = task_only(family, self.gamma)
        return terms.replace(
            task_weight=jnp.float32(self.task_weight),
            potential=jnp.asarray([self.potential.get(f, 0.0) for f in mod.FEATURES], jnp.float32),
            bonus=jnp.asarray([self.bonus.get(e, 0.0) for e in mod.EVENTS], jnp.float32))
