"""``llm``: EnvGen's loop. The target tasks keep their share of the slots; every ``every`` chunks an LLM
reads the student's per-skill success rates and the previous configs and writes new configs for the rest.

Skills are Crafter's achievements (the fraction of finished target episodes that unlocked each) or, for
MiniGrid, the target tasks themselves (their success). Rates are kept per chunk for the target slots; the
feedback gives mean ± std over the last ``every`` chunks (EnvGen: over evaluation seeds). The prompt is
``templates/feedback.j2`` through the generator's own pipeline (:func:`envgen.generate.pipeline.generate`),
so configs are validated and checked for solvability exactly as ``envgen generate`` does; the new tasks use
the configs' params and their ``reward:`` section (reward *programs* would change the reward bank, part of
the jit key, and so force a recompile every cycle -- they are not used here).

The offline provider reads a goal sentence, not a table: for it the teacher names the weakest skills as
the goal, and its rules answer with configs for those skills, ordered from a generous start (the
prerequisites granted) to the full task -- more practice on the weakest skills, with eased prerequisites.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from envgen.tasks.task import Task, index_tasks
from envgen.teachers.base import TaskStats, Teacher, cycle_tasks, fresh_levels


class LLMState(struct.PyTreeNode):
    """The LLM share's current tasks, the per-chunk skill rates, and counters."""

    llm_tasks: Task          # [m] tasks of the LLM's configs (the targets until the first cycle)
    target_ids: jax.Array    # [n - m] which target each target slot runs
    rates: jax.Array         # [W, S] per-chunk success rate of each skill on the target slots (ring)
    seen: jax.Array          # [W] whether the ring row holds a measurement
    chunks: jax.Array
    cycle: jax.Array         # LLM calls so far


def config_hash(text: str) -> str:
    """Short content hash naming a saved config."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class LLMTeacher(Teacher):
    """EnvGen-style teacher (see module docstring).

    ``targets`` are the target tasks, ``skills`` the skill names (Crafter: achievements; MiniGrid: the
    target names, one per target task). ``llm_share`` of the ``n`` slots run the LLM's configs.
    ``on_configs(cycle, [(name, yaml_text)])`` is called with every accepted config (the loop saves them).
    """

    name = "llm"
    jittable = False

    def __init__(self, env: Any, targets: Task, skills: list[str], goal: str, provider: Any, *, every: int = 4,
                 llm_share: float = 0.5, envs_per_call: int = 4, weakest: int = 3, seed: int = 0,
                 max_repairs: int = 2, on_configs: Callable[[int, list[tuple[str, str]]], None] | None = None):
        if not 0.0 < llm_share < 1.0:
            raise ValueError("llm: llm_share must be in (0, 1): the target keeps a share (EnvGen trains on both)")
        if every < 1 or envs_per_call < 1:
            raise ValueError("llm: every and envs_per_call must be >= 1")
        self.env = env
        self.targets = targets
        self.skills = list(skills)
        self.per_target = env.family != "crafter"
        if self.per_target and len(self.skills) != jax.tree.leaves(targets.reward)[0].shape[0]:
            raise ValueError("llm: MiniGrid skills are the targets: give one skill name per target task")
        self.goal = goal
        self.provider = provider
        self.every = every
        self.llm_share = llm_share
        self.envs_per_call = envs_per_call
        self.weakest = weakest
        self.seed = seed
        self.max_repairs = max_repairs
        self.on_configs = on_configs
        self.previous: list[dict[str, str]] = []  # host-side: the last cycle's configs, for the prompt
        self.last_prompt: str | None = None
        self.last_error: str | None = None

    def split(self, n: int) -> tuple[int, int]:
        """(target slots, LLM slots) of a batch of ``n``."""
        m = int(round(n * self.llm_share))
        m = min(max(m, 1), n - 1)
        return n - m, m

    def init(self, key: jax.Array, n: int) -> LLMState:
        _, m = self.split(n)
        count = jax.tree.leaves(self.targets.reward)[0].shape[0]
        return LLMState(llm_tasks=cycle_tasks(self.targets, m), target_ids=jnp.arange(n - m) % count,
                        rates=jnp.zeros((self.every, len(self.skills))),
                        seen=jnp.zeros((self.every,), bool), chunks=jnp.zeros((), jnp.int32),
                        cycle=jnp.zeros((), jnp.int32))

    def sample(self, state: LLMState, key: jax.Array) -> tuple[LLMState, Task]:
        target = index_tasks(self.targets, state.target_ids)
        both = jax.tree.map(lambda a, b: jnp.concatenate([a, b]), target, state.llm_tasks)
        return state, fresh_levels(self.env, key, both)

    def skill_rates(self, stats: TaskStats, n_target: int) -> np.ndarray:
        """This chunk's success rate per skill on the target slots (NaN where no episode finished)."""
        episodes = np.asarray(stats.episodes)[:n_target]
        if self.per_target:
            owner = np.arange(n_target) % len(self.skills)  # target slots cycle the targets (init)
            success = np.asarray(stats.success)[:n_target] * episodes
            num = np.bincount(owner, success, len(self.skills))
            den = np.bincount(owner, episodes, len(self.skills))
        else:
            ach = np.asarray(stats.achievements)[:n_target]
            num = (ach * episodes[:, None]).sum(0)
            den = np.full(len(self.skills), episodes.sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / den, np.nan)

    def update(self, state: LLMState, tasks: Task, stats: TaskStats) -> LLMState:
        rates = self.skill_rates(stats, int(state.target_ids.shape[0]))
        row = int(state.chunks) % self.every
        if np.all(np.isfinite(rates)):
            state = state.replace(rates=state.rates.at[row].set(jnp.asarray(rates, jnp.float32)),
                                  seen=state.seen.at[row].set(True))
        state = state.replace(chunks=state.chunks + 1)
        if int(state.chunks) % self.every == 0 and bool(state.seen.any()):
            state = self.regenerate(state)
        return state

    def feedback(self, state: LLMState) -> dict[str, Any]:
        """The numbers the next prompt holds: per-skill mean and std, the weakest skills."""
        rows = np.asarray(state.rates)[np.asarray(state.seen)]
        mean, std = rows.mean(0), rows.std(0)
        order = np.argsort(mean, kind="stable")
        weakest = [self.skills[i] for i in order[: self.weakest]]
        skills = [{"name": s, "mean": float(mu), "std": float(sd)} for s, mu, sd in zip(self.skills, mean, std,
                                                                                        strict=True)]
        return {"skills": skills, "weakest": weakest, "seeds": int(rows.shape[0])}

    def prompt(self, state: LLMState) -> str:
        """The goal text handed to the generator: the target goal plus the feedback template."""
        from envgen.generate.prompts import render

        fb = self.feedback(state)
        return render("feedback.j2", goal=self.goal, cycle=int(state.cycle) + 1, previous=self.previous, **fb)

    def regenerate(self, state: LLMState) -> LLMState:
        """Ask the generator for new configs from the feedback; they replace the LLM share's tasks."""
        from envgen.generate.pipeline import generate

        fb = self.feedback(state)
        text = self.prompt(state)
        self.last_prompt = text
        # the offline rules parse a goal sentence; name the weakest skills for them (module docstring)
        goal = " and ".join(s.replace("_", " ") for s in fb["weakest"]) if self.provider.name == "offline" else text
        if self.provider.name == "offline" and self.per_target:
            goal = self.goal
        result = generate(goal, self.env.family, self.envs_per_call, self.provider, seed=self.seed + int(state.cycle),
                          max_repairs=self.max_repairs, preview=False)
        cycle = int(state.cycle) + 1
        if not result.accepted:  # keep training on the previous configs; the log says why
            self.last_error = result.error or "no environment passed the checks"
            return state.replace(cycle=jnp.asarray(cycle, jnp.int32))
        import yaml

        configs = [(c.name, yaml.safe_dump(c.spec.model_dump(mode="json"), sort_keys=False)) for c in result.accepted]
        self.previous = [{"name": name, "yaml": text} for name, text in configs]
        if self.on_configs is not None:
            self.on_configs(cycle, configs)
        specs = [c.spec for c in result.accepted]
        m = jax.tree.leaves(state.llm_tasks.reward)[0].shape[0]
        # a batch of the slot count (accepted configs cycled): the level generator the chunks use
        specs = [specs[i % len(specs)] for i in range(int(state.target_ids.shape[0]) + m)]
        tasks = self.tasks_from_specs(specs, jax.random.key(self.seed + cycle))
        return state.replace(llm_tasks=cycle_tasks(tasks, m), cycle=jnp.asarray(cycle, jnp.int32))

    def tasks_from_specs(self, specs: list[Any], key: jax.Array) -> Task:
        """Tasks for validated configs: their params and ``reward:`` section, one level each."""
        from envgen.teachers.build import specs_to_tasks

        return specs_to_tasks(self.env, specs, key)

    def host_state(self) -> dict[str, Any]:
        """What lives outside the pytree (the previous configs), for checkpoints."""
        return {"previous": self.previous}

    def load_host_state(self, data: dict[str, Any]) -> None:
        """Restore :meth:`host_state` on resume."""
        self.previous = list(data.get("previous", []))

    def summary(self, state: LLMState) -> dict[str, Any]:
        out: dict[str, Any] = {"cycle": int(state.cycle)}
        if bool(state.seen.any()):
            fb = self.feedback(state)
            out["weakest"] = fb["weakest"]
        return out
