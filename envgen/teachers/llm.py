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
the goal and hands it the rates and the cycle (``OfflineProvider.with_feedback``). Its rules
(:mod:`envgen.llm.offline_curriculum`) then give each weak skill its own environments -- prerequisites
the student has not mastered granted, a bridge environment for the prerequisite that blocks it, the
materials it needs dense and near, harder as its success rises -- and vary biome, amounts and day/night
with the cycle, so the configs change from cycle to cycle and with the feedback (MiniGrid: room size,
distractors, key and door placement around each weak target).

``focus`` chooses what each cycle asks for:

* ``weakest`` (EnvGen): the skills with the lowest success.
* ``chain``: a subgoal chain. Crafter: the frontier of the tech tree -- skills not yet mastered
  (mean success below ``mastered``) whose prerequisites all are, those that unlock the most first, so the curriculum
  climbs wood -> table -> pickaxe -> stone -> ... instead of drilling a skill whose prerequisites the
  student cannot do yet. MiniGrid: the goal's own steps (Words-as-Beacons style: "open the locked door
  then fetch the key-coloured ball" is unlock, then fetch, then the whole mission); the chain moves to the
  next step once the student masters the current step's environments (the LLM share's success).
* ``failures`` (WebRL style): new tasks made from the student's failures. The prompt lists the
  environments -- targets and previous LLM configs -- where the student's success stayed below
  ``mastered``, with their configs and rates, and asks for variants that teach what they were missing.
  The offline provider cannot read configs; with it the cycle asks for the failed targets' goal
  (MiniGrid) or the weakest skills among failures (Crafter).
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
    llm_rates: jax.Array     # [W] per-chunk success of the LLM share (ring, shares ``seen``'s rows)
    llm_seen: jax.Array      # [W] whether that ring row holds a measurement
    stage: jax.Array         # focus "chain" on MiniGrid: the goal step the LLM share practises
    chunks: jax.Array
    cycle: jax.Array         # LLM calls so far


FOCUS = ("weakest", "chain", "failures")


def config_hash(text: str) -> str:
    """Short content hash naming a saved config."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class LLMTeacher(Teacher):
    """EnvGen-style teacher (see module docstring).

    ``targets`` are the target tasks, ``skills`` the skill names (Crafter: achievements; MiniGrid: the
    target names, one per target task). ``llm_share`` of the ``n`` slots run the LLM's configs.
    ``focus`` and ``mastered``: see the module docstring; ``target_names`` name the targets in prompts.
    ``on_configs(cycle, [(name, yaml_text)])`` is called with every accepted config (the loop saves them).
    """

    name = "llm"
    jittable = False

    def __init__(self, env: Any, targets: Task, skills: list[str], goal: str, provider: Any, *, every: int = 4,
                 llm_share: float = 0.5, envs_per_call: int = 4, weakest: int = 3, seed: int = 0,
                 max_repairs: int = 2, focus: str = "weakest", mastered: float = 0.5,
                 target_names: list[str] | None = None,
                 on_configs: Callable[[int, list[tuple[str, str]]], None] | None = None):
        if focus not in FOCUS:
            raise ValueError(f"llm: focus must be one of {', '.join(FOCUS)}, got {focus!r}")
        if not 0.0 < mastered <= 1.0:
            raise ValueError("llm: mastered must be in (0, 1]")
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
        self.focus = focus
        self.mastered = mastered
        count = jax.tree.leaves(targets.reward)[0].shape[0]
        self.target_names = list(target_names) if target_names else (
            self.skills if self.per_target else [f"target-{i}" for i in range(count)])
        if len(self.target_names) != count:
            raise ValueError(f"llm: {len(self.target_names)} target names for {count} target tasks")
        self.steps = self._goal_steps() if focus == "chain" and self.per_target else []
        self.previous: list[dict[str, str]] = []  # host-side: the last cycle's configs, for the prompt
        self.tally: dict[str, tuple[float, float]] = {}  # focus "failures": name -> (episodes, successes)
        self.last_prompt: str | None = None
        self.last_goal: str | None = None  # what the generator was asked for (the prompt, or offline's goal)
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
                        seen=jnp.zeros((self.every,), bool), llm_rates=jnp.zeros((self.every,)),
                        llm_seen=jnp.zeros((self.every,), bool), stage=jnp.zeros((), jnp.int32),
                        chunks=jnp.zeros((), jnp.int32), cycle=jnp.zeros((), jnp.int32))

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
        n_target = int(state.target_ids.shape[0])
        rates = self.skill_rates(stats, n_target)
        if self.per_target:
            # a target whose slots finished no episode in the whole chunk was not solved in it: that is a
            # success rate of 0, not a missing one (waiting for a finished episode would keep a student
            # that cannot finish the target from ever getting an easier environment)
            rates = np.nan_to_num(rates, nan=0.0)
        row = int(state.chunks) % self.every
        if np.all(np.isfinite(rates)):
            state = state.replace(rates=state.rates.at[row].set(jnp.asarray(rates, jnp.float32)),
                                  seen=state.seen.at[row].set(True))
        episodes = np.asarray(stats.episodes)[n_target:]
        if episodes.sum() > 0:  # the LLM share's success: the chain's "current step mastered" signal
            share = float((np.asarray(stats.success)[n_target:] * episodes).sum() / episodes.sum())
            state = state.replace(llm_rates=state.llm_rates.at[row].set(share),
                                  llm_seen=state.llm_seen.at[row].set(True))
        self._count_failures(state, stats)
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
        out = {"skills": skills, "weakest": weakest, "seeds": int(rows.shape[0]), "focus": self.focus}
        if self.focus == "chain" and not self.per_target:
            out["frontier"] = self.frontier(dict(zip(self.skills, mean.tolist(), strict=True)))
        if self.focus == "chain" and self.per_target:
            stage = self.chain_stage(state)
            out["chain"] = [step for step in self.steps]
            out["stage"] = stage
            out["step"] = self.steps[stage]
        if self.focus == "failures":
            out["failures"] = self.failures()
        return out

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
        goal = self.offline_goal(fb) if self.provider.name == "offline" else text
        self.last_goal = goal
        state = state.replace(stage=jnp.asarray(fb.get("stage", 0), jnp.int32))
        provider = self.provider
        if provider.name == "offline" and hasattr(provider, "with_feedback"):
            # the rules read the rates too: each cycle's configs follow the weak skills' success and the cycle
            provider = provider.with_feedback(fb, cycle=int(state.cycle) + 1, mastered=self.mastered)
        result = generate(goal, self.env.family, self.envs_per_call, provider, seed=self.seed + int(state.cycle),
                          max_repairs=self.max_repairs, preview=False)
        cycle = int(state.cycle) + 1
        if not result.accepted:  # keep training on the previous configs; the log says why
            self.last_error = result.error or "no environment passed the checks"
            return state.replace(cycle=jnp.asarray(cycle, jnp.int32))
        import yaml

        configs = [(c.name, yaml.safe_dump(c.spec.model_dump(mode="json"), sort_keys=False)) for c in result.accepted]
        self.previous = [{"name": name, "yaml": text} for name, text in configs]
        self.tally = {}  # failure counts are per cycle: the new configs start clean
        if self.on_configs is not None:
            self.on_configs(cycle, configs)
        specs = [c.spec for c in result.accepted]
        m = jax.tree.leaves(state.llm_tasks.reward)[0].shape[0]
        # a batch of the slot count (accepted configs cycled): the level generator the chunks use
        specs = [specs[i % len(specs)] for i in range(int(state.target_ids.shape[0]) + m)]
        tasks = self.tasks_from_specs(specs, jax.random.key(self.seed + cycle))
        return state.replace(llm_tasks=cycle_tasks(tasks, m), cycle=jnp.asarray(cycle, jnp.int32))

    def offline_goal(self, fb: dict[str, Any]) -> str:
        """The goal sentence the offline rules read this cycle (they parse goals, not tables)."""
        if self.focus == "chain" and self.per_target:
            return fb["step"]
        if self.per_target:  # MiniGrid skills are the targets; the rules read the curriculum's goal
            return self.goal
        names = fb.get("frontier") or fb["weakest"]
        if self.focus == "failures":
            failed = {f["skill"] for f in fb["failures"] if f.get("skill")}
            names = [s for s in fb["weakest"] if s in failed] or fb["weakest"]
        return " and ".join(s.replace("_", " ") for s in names)

    def frontier(self, mean: dict[str, float]) -> list[str]:
        """Crafter: unmastered skills whose prerequisites are all mastered, those that unlock the most of
        the tech tree first (at most ``weakest``; the weakest skills when none is ready)."""
        from envgen.generate.ontology import CRAFTER_PREREQS, crafter_chain

        done = {s for s, m in mean.items() if m >= self.mastered}
        unlocks = {s: sum(s in crafter_chain([t]) for t in self.skills) for s in self.skills}
        ready = [s for s in self.skills if s in mean and s not in done
                 and all(p in done for p in CRAFTER_PREREQS.get(s, ()))]
        if not ready:
            return sorted(mean, key=lambda s: (mean[s], self.skills.index(s)))[: self.weakest]
        return sorted(ready, key=lambda s: (-unlocks[s], mean[s], self.skills.index(s)))[: self.weakest]

    def _goal_steps(self) -> list[str]:
        """MiniGrid: the goal's steps as mission sentences, then the whole mission."""
        from envgen.generate.ontology import read_minigrid_goal

        plan = read_minigrid_goal(self.goal, seed=self.seed)
        if not plan.reading.ok:
            raise ValueError(f"llm: focus 'chain' needs a goal whose steps can be read; {self.goal!r} was not "
                             "understood")
        steps = [step.text() for step in plan.steps]
        whole = plan.whole.text()
        return steps + [whole] if whole not in steps else steps

    def chain_stage(self, state: LLMState) -> int:
        """MiniGrid chain: the step to practise -- the next one once the current step's environments
        (the LLM share) are mastered over the window; the stage never goes back."""
        stage = int(state.stage)
        rows = np.asarray(state.llm_rates)[np.asarray(state.llm_seen)]
        if int(state.cycle) > 0 and rows.size and rows.mean() >= self.mastered:
            stage += 1
        return min(stage, len(self.steps) - 1)

    def _count_failures(self, state: LLMState, stats: TaskStats) -> None:
        """Host-side per-environment success over the current cycle (focus ``failures``)."""
        if self.focus != "failures":
            return
        n_target = int(state.target_ids.shape[0])
        episodes, success = np.asarray(stats.episodes), np.asarray(stats.success)
        names = self.slot_names(state)
        for slot, name in enumerate(names):
            if episodes[slot] > 0:
                seen, won = self.tally.get(name, (0.0, 0.0))
                self.tally[name] = (seen + float(episodes[slot]), won + float(success[slot] * episodes[slot]))
        if not self.per_target and n_target:  # Crafter: the achievements the target episodes never unlocked
            ach = np.asarray(stats.achievements)[:n_target]
            unlocked = (ach * episodes[:n_target, None]).sum(0) > 0
            for skill, got in zip(self.skills, unlocked, strict=True):
                seen, won = self.tally.get("skill:" + skill, (0.0, 0.0))
                self.tally["skill:" + skill] = (seen + 1.0, won + float(got))

    def slot_names(self, state: LLMState) -> list[str]:
        """The environment each slot runs: target skill names, then the LLM share's configs (cycled)."""
        n_target = int(state.target_ids.shape[0])
        m = int(jax.tree.leaves(state.llm_tasks.reward)[0].shape[0])
        targets = [self.target_names[i] for i in np.asarray(state.target_ids)][:n_target]
        source = [c["name"] for c in self.previous] or self.target_names  # before cycle 1: the targets
        return targets + [source[j % len(source)] for j in range(m)]

    def failures(self) -> list[dict[str, Any]]:
        """Environments (and, for Crafter, skills) whose success this cycle stayed below ``mastered``,
        worst first, with the config text where the teacher has it."""
        configs = {c["name"]: c["yaml"] for c in self.previous}
        out = []
        for name, (seen, won) in self.tally.items():
            rate = won / seen if seen else 0.0
            if rate >= self.mastered:
                continue
            if name.startswith("skill:"):
                out.append({"name": name[6:], "skill": name[6:], "rate": rate})
            else:
                out.append({"name": name, "rate": rate, "yaml": configs.get(name),
                            "skill": name if name in self.skills else None})
        return sorted(out, key=lambda f: (f["rate"], f["name"]))

    def tasks_from_specs(self, specs: list[Any], key: jax.Array) -> Task:
        """Tasks for validated configs: their params and ``reward:`` section, one level each."""
        from envgen.teachers.build import specs_to_tasks

        return specs_to_tasks(self.env, specs, key)

    def host_state(self) -> dict[str, Any]:
        """What lives outside the pytree (the previous configs, the cycle's failure tally), for checkpoints."""
        return {"previous": self.previous, "tally": {k: list(v) for k, v in self.tally.items()}}

    def load_host_state(self, data: dict[str, Any]) -> None:
        """Restore :meth:`host_state` on resume."""
        self.previous = list(data.get("previous", []))
        self.tally = {k: (float(v[0]), float(v[1])) for k, v in data.get("tally", {}).items()}

    def summary(self, state: LLMState) -> dict[str, Any]:
        out: dict[str, Any] = {"cycle": int(state.cycle)}
        if bool(state.seen.any()):
            fb = self.feedback(state)
            out["weakest"] = fb["weakest"]
            if "frontier" in fb:
                out["frontier"] = fb["frontier"]
        if self.steps:
            out["stage"] = int(state.stage)
        return out
