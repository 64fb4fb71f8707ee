"""The Crafter student learns: a short PPO run reliably unlocks ``collect_wood``.

The task is Crafter with its own reward narrowed to the ``collect_wood`` achievement (``achievement_weights``:
1 for it, 0 for the other 21; ``health_reward`` 0), trees "very common", no zombies or skeletons
(``mobs.peaceful``) and 100-step episodes, so each chunk holds many short episodes that each start on a
fresh world. The student is the default one (grid CNN over the 9x7 local view plus inventory and vitals,
PPOConfig's defaults except 32 env slots x 64 steps x 4 updates per chunk), trained through
``envgen.train.train`` — the code path of ``envgen train`` — for 5 chunks (40,960 env steps) on 3
vmapped seeds, then evaluated on 64 fresh worlds of the same task per seed (sampled actions, 100 steps).

Measured with this exact configuration (``collect_wood`` success, % of the 64 evaluation episodes per seed;
``train_wood(out, seed)`` reruns it for another base seed):

- base seed 0: trained [65.6, 57.8, 79.7]; untrained network [7.8, 7.8, 17.2]; default world [53.1, 53.1, 70.3]
- base seed 1: trained [68.8, 71.9, 78.1]; untrained network [15.6, 23.4, 14.1]; default world [56.2, 57.8, 64.1]
- base seed 0 under the suite's ``--xla_backend_optimization_level=0`` (tests/conftest.py; XLA's numerics
  differ slightly): trained [75.0, 73.4, 73.4]; untrained [7.8, 7.8, 17.2]; default world [64.1, 68.8, 65.6]

So over these 9 seed runs (6 distinct seeds) the trained student collects wood in 58-80% of the
episodes and the untrained network (a
near-uniform random policy) in 8-23%. The test asks every seed for >= ``TRAINED_MIN`` (45%) and the
untrained network for < ``UNTRAINED_MAX`` (35%) on the same evaluation, which shows it can fail. The
default-world rate (the unmodified world, 10,000-step limit, scored over the first 100 steps) is printed,
not asserted.

Cost: the XLA compilations of the training chunk (which holds world generation for the per-chunk level
refresh) and of the evaluator dominate; training itself is ~40 s of CPU. On the shared 2-core machine
(load 4-10) one run took 209 s of CPU time (541 s wall) on one core at XLA's default level and 250 s
(407 s wall) at the suite's level 0, well over the ~90 s this test was
meant to take: Crafter's step and world generation are what XLA spends the time on (docs/training.md,
"Tests"). The suite's persistent compilation cache (tests/conftest.py) saves it when kept between runs.
"""

from __future__ import annotations

import numpy as np
import pytest

HORIZON = 100
EPISODES = 64
TRAINED_MIN = 45.0    # % of evaluation episodes that collect wood, every seed
UNTRAINED_MAX = 35.0  # % for the untrained network, every seed

WOOD_TASK = {
    "family": "crafter", "name": "CollectWood", "max_steps": HORIZON, "tree_rarity": "very common",
    "mobs": {"peaceful": True}, "health_reward": 0.0,
}


def wood_task(env):
    """The collect_wood task's EnvParams: Crafter's own reward pays only that achievement."""
    from envgen.envs.crafter.constants import ACHIEVEMENTS
    from envgen.spec import spec_from_dict

    weights = {a: (1.0 if a == "collect_wood" else 0.0) for a in ACHIEVEMENTS}
    return spec_from_dict({**WOOD_TASK, "achievement_weights": weights}).compile(env.static_params)


def wood_rates(student, state, evaluate, plan, chunk):
    from envgen.train.run import evaluate_seeds

    return np.array([s["achievements"]["collect_wood"] for s in evaluate_seeds(student, state, evaluate, plan, chunk)])


def train_wood(out, seed: int = 0):
    """Train the test's student (3 vmapped seeds from base ``seed``) and return collect_wood % per seed:
    ``(trained, untrained, default world)``, every figure on 64 fresh evaluation worlds."""
    import envgen
    from envgen.train import PPOConfig, Student, fixed_tasks, repeat_tasks, train
    from envgen.train.evaluation import make_evaluator
    from envgen.train.run import EvalPlan

    env, default = envgen.make("crafter")
    params = wood_task(env)
    config = PPOConfig(num_envs=32, num_steps=64, updates_per_chunk=4)
    student = Student(env, config, fixed_tasks(params), seeds=3, seed=seed)
    plan = EvalPlan(repeat_tasks(params, EPISODES), ["crafter/CollectWood"] * EPISODES, HORIZON)
    result = train(student, 5 * config.steps_per_chunk, out, evaluation=plan, checkpoint_every=5)

    trained = np.array([s["achievements"]["collect_wood"] for s in result["seeds"]])
    # the same evaluator (one compilation) on the untrained network and on the default world
    evaluate = make_evaluator(student.ppo, HORIZON)
    untrained = wood_rates(student, student.initial_state(), evaluate, plan, 0)
    world = EvalPlan(repeat_tasks(default, EPISODES), ["crafter/Default"] * EPISODES, HORIZON)
    return trained, untrained, wood_rates(student, result["state"], evaluate, world, 5)


@pytest.mark.slow
def test_crafter_student_unlocks_collect_wood(tmp_path):
    trained, untrained, on_default = train_wood(tmp_path)
    print(f"\ncollect_wood %: trained {trained.round(1).tolist()}, untrained {untrained.round(1).tolist()}, "
          f"default world {on_default.round(1).tolist()}")
    assert np.all(untrained < UNTRAINED_MAX), f"the untrained network already collects wood: {untrained}"
    assert np.all(trained >= TRAINED_MIN), f"collect_wood success per seed {trained} (want >= {TRAINED_MIN})"
