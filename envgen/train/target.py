"""What ``envgen train --env`` names: a preset, a config file or a generated folder, as env + tasks + eval."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import numpy as np

from envgen.train.run import EvalPlan
from envgen.train.tasks import repeat_tasks


@dataclass
class Target:
    """The env, the task(s) training samples from, and the held-out evaluation."""

    env: Any
    params: Any        # one task, or a batch (a generated folder's configs)
    names: list[str]   # one per task in ``params``
    eval_params: Any   # the tasks evaluated (fresh levels of them; Crafter's default world for crafter)
    eval_names: list[str]
    family: str


def resolve(name: str) -> Target:
    """Resolve ``--env``: a generated folder (dense reward; evaluated on the task reward) or a make() name."""
    import envgen

    path = Path(name)
    if path.is_dir() and (path / "run.json").is_file():
        env, params = envgen.load(path)
        family = env.family
        if family == "crafter":
            # the unmodified default world, scored on its own reward (the reward program is not used)
            default = jax.tree.map(lambda x: x[:1], params).replace(env=jax.tree.map(
                lambda x: np.asarray(x)[None], env.env.default_params))
            return Target(env, params, list(env.names), default, ["crafter/Default"], family)
        return Target(env, params, list(env.names), params, list(env.names), family)
    try:
        env, params = envgen.make(name)
    except KeyError as err:
        raise ValueError(str(err).strip("'\"")) from None
    family = env.family
    eval_name = name if "/" in name or family != "crafter" else "crafter/Default"
    return Target(env, params, [name], jax.tree.map(lambda x: np.asarray(x)[None], params), [eval_name], family)


def eval_plan(target: Target, episodes: int, horizon: int | None = None, every: int = 0) -> EvalPlan:
    """``episodes`` evaluation episodes spread over the target's eval tasks (cycled)."""
    tasks = repeat_tasks(target.eval_params, episodes) if len(target.eval_names) > 1 else jax.tree.map(
        lambda x: np.repeat(np.asarray(x), episodes, axis=0), target.eval_params)
    names = [target.eval_names[i % len(target.eval_names)] for i in range(episodes)]
    if horizon is None:
        inner = getattr(tasks, "env", tasks)
        horizon = int(np.max(np.asarray(inner.max_steps)))
    return EvalPlan(tasks, names, horizon, every)
