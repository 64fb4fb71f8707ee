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
    params: Any        # one task, or a batch (a generated folder's tasks)
    names: list[str]   # one per task in ``params``
    eval_params: Any   # the tasks evaluated (fresh levels of them; Crafter's default world for crafter)
    eval_names: list[str]
    family: str
    batched: bool = False  # ``params`` holds several tasks on a leading axis


def resolve(name: str) -> Target:
    """Resolve ``--env``: a generated folder (dense reward; evaluated on the task reward) or a make() name."""
    import envgen

    path = Path(name)
    if path.is_dir() and (path / "run.json").is_file():
        env, tasks = envgen.load(path)
        family = env.family
        if family == "crafter":
            # the unmodified default world, scored on its own reward (the reward program is not used)
            default = jax.tree.map(lambda x: np.asarray(x)[None], env.env.default_params)
            held_out = env.make_tasks(jax.random.split(jax.random.key(1), 1), default)
            return Target(env, tasks, list(env.names), held_out, ["crafter/Default"], family, batched=True)
        return Target(env, tasks, list(env.names), tasks, list(env.names), family, batched=True)
    try:
        env, params = envgen.make(name)
    except KeyError as err:
        raise ValueError(str(err).strip("'\"")) from None
    family = env.family
    if hasattr(env, "fitted"):  # a fixed task set: step the smallest grid that holds it (MiniGrid)
        env = env.fitted(params)
    eval_name = name if "/" in name or family != "crafter" else "crafter/Default"
    return Target(env, params, [name], jax.tree.map(lambda x: np.asarray(x)[None], params), [eval_name], family)


def eval_plan(target: Target, episodes: int, horizon: int | None = None, every: int = 0) -> EvalPlan:
    """``episodes`` evaluation episodes spread over the target's eval tasks (cycled)."""
    tasks = repeat_tasks(target.eval_params, episodes, batched=True)
    names = [target.eval_names[i % len(target.eval_names)] for i in range(episodes)]
    if horizon is None:
        params = getattr(tasks, "params", tasks)  # a Task batch keeps its EnvParams in .params
        horizon = int(np.max(np.asarray(params.max_steps)))
    return EvalPlan(tasks, names, horizon, every)
