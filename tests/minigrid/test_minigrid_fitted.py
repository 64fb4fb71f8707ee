"""A static maximum grid fitted to a run's tasks (``MiniGrid.fitted``): the same levels and trajectories as
the 25x25 default on every task that fits, and a clear refusal of a task that does not."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import envgen
from envgen.envs.minigrid import constants as C  # noqa: N812 (the table module reads best as C.WALL)
from envgen.train.tasks import repeat_tasks

# a mixed batch: two rooms with a locked door and its key, an empty room, moving obstacles, a room grid
# and the largest of them, FourRooms (19x19), which sets the fitted size
MIXED = ["minigrid/DoorKey-8x8", "minigrid/Empty-5x5", "minigrid/Dynamic-Obstacles-8x8", "minigrid/KeyCorridorS3R1",
         "minigrid/FourRooms"]
SEEDS_EACH = 3
STEPS = 40


def _batch(names: list[str], each: int):
    params = [repeat_tasks(envgen.make(n)[1], each) for n in names]
    return jax.tree.map(lambda *x: jnp.concatenate(x), *params)


def test_fitted_grid_is_the_largest_task():
    env, params = envgen.make("minigrid/DoorKey-8x8")
    fitted = env.fitted(params)
    assert (fitted.static_params.max_height, fitted.static_params.max_width) == (8, 8)
    assert fitted.state_space().spaces["grid"].shape == (8, 8, 4)
    big = env.fitted(_batch(["minigrid/Empty-5x5", "minigrid/FourRooms"], 2))
    assert (big.static_params.max_height, big.static_params.max_width) == (19, 19)
    assert big != env and env.fitted(_batch(["minigrid/MultiRoom-N6"], 1)) == env  # 25x25: the default's jit key


@pytest.mark.slow  # one more compile of level generation (every layout kind), on the fitted grid
def test_fitted_grid_gives_the_same_levels_and_trajectories(env, gen_batch, batch_step):
    params = _batch(MIXED, SEEDS_EACH)
    n = len(MIXED) * SEEDS_EACH
    fitted = env.fitted(params)
    h, w = fitted.static_params.max_height, fitted.static_params.max_width
    assert (h, w) == (19, 19)
    keys = jax.random.split(jax.random.key(3), n)
    big, small = gen_batch(keys, params), jax.jit(jax.vmap(fitted.generate_level))(keys, params)
    np.testing.assert_array_equal(small.grid, big.grid[:, :h, :w])
    grid = np.asarray(big.grid)
    beyond = np.concatenate([grid[:, h:].reshape(-1, 4), grid[:, :h, w:].reshape(-1, 4)])
    np.testing.assert_array_equal(beyond, np.broadcast_to([C.WALL, C.GREY, 0, 0], beyond.shape))  # walls only
    for field in ("agent_pos", "agent_dir", "mission", "target_pos", "other_pos"):
        np.testing.assert_array_equal(getattr(small, field), getattr(big, field), err_msg=field)

    (obs_b, st_b), (obs_s, st_s) = (jax.vmap(e.reset_from_level)(keys, lv, params)
                                    for e, lv in ((env, big), (fitted, small)))
    np.testing.assert_array_equal(obs_s["image"], obs_b["image"])
    step_small = jax.jit(jax.vmap(fitted.step))
    actions = jax.random.randint(jax.random.key(4), (STEPS, n), 0, C.NUM_ACTIONS)
    ended = np.zeros(n, bool)
    for t in range(STEPS):
        k = jax.random.split(jax.random.fold_in(jax.random.key(5), t), n)
        out_b = batch_step(k, st_b, actions[t], params)
        out_s = step_small(k, st_s, actions[t], params)
        (obs_b, st_b, *rest_b, info_b), (obs_s, st_s, *rest_s, info_s) = out_b, out_s
        jax.tree.map(np.testing.assert_array_equal, (obs_s, rest_s, info_s["final_observation"]),
                     (obs_b, rest_b, info_b["final_observation"]))
        np.testing.assert_array_equal(st_s.grid, st_b.grid[:, :h, :w])
        np.testing.assert_array_equal(st_s.agent_pos, st_b.agent_pos)
        ended |= np.asarray(rest_s[1] | rest_s[2])
    assert ended.any() and not ended.all()  # the auto-reset path ran, and episodes also went on


def test_oversize_task_is_refused_with_its_size():
    env, params = envgen.make("minigrid/DoorKey-8x8")
    small = env.fitted(params)
    small.check_params(_batch(["minigrid/Empty-5x5", "minigrid/DoorKey-8x8"], 2))  # fits: no error
    with pytest.raises(ValueError, match=r"task 2 of the batch has a 19x19 grid .* static maximum 8x8"):
        small.check_params(_batch(["minigrid/DoorKey-8x8", "minigrid/FourRooms"], 2))
    with pytest.raises(ValueError, match=r"the task has a 16x16 grid"):
        small.check_params(envgen.make("minigrid/Empty-16x16")[1])


@pytest.mark.slow
def test_student_refuses_tasks_larger_than_its_grid():
    from envgen.train import PPOConfig, Student, fixed_tasks

    env, params = envgen.make("minigrid/DoorKey-8x8")
    config = PPOConfig(num_envs=4, num_steps=4, num_minibatches=1)
    student = Student(env.fitted(params), config, fixed_tasks(envgen.make("minigrid/DoorKey-16x16")[1]))
    with pytest.raises(ValueError, match=r"16x16 grid .* static maximum 8x8"):
        student.initial_state()
    # tasks handed in between chunks (a teacher's) are checked too
    student = Student(env.fitted(params), config, fixed_tasks(params))
    state = student.initial_state()
    big = jax.tree.map(lambda x: x[None], _batch(["minigrid/DoorKey-8x8", "minigrid/DoorKey-16x16"], 2))
    with pytest.raises(ValueError, match=r"task 2 of the batch has a 16x16 grid"):
        student.run_chunk(state, big)


def test_task_env_passes_the_grid_check_through():
    from envgen.envs.task_env import TaskEnv

    env, params = envgen.make("minigrid/DoorKey-8x8")
    tasks = TaskEnv(env.fitted(params))
    tasks.check_params(_batch(["minigrid/DoorKey-8x8"], 2))  # fits: no error
    with pytest.raises(ValueError, match=r"task 1 of the batch has a 16x16 grid .* static maximum 8x8"):
        tasks.check_params(_batch(["minigrid/DoorKey-8x8", "minigrid/DoorKey-16x16"], 1))
    TaskEnv(envgen.make("crafter")[0]).check_params(envgen.make("crafter")[1])  # families without a limit


def test_envgen_train_steps_the_grid_its_preset_needs():
    from envgen.train.target import resolve

    target = resolve("minigrid/DoorKey-5x5")
    assert (target.env.static_params.max_height, target.env.static_params.max_width) == (5, 5)
    assert resolve("crafter").env.family == "crafter"  # other families are used as made
