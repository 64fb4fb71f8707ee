"""fixed, random, sequence, PLR and ACCEL on MiniGrid tasks: what each samples and how it learns."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from envgen.envs.minigrid.solvability import is_solvable
from envgen.teachers.base import TaskStats
from envgen.teachers.plr import MUTATE, NEW, REPLAY, PLRConfig, PLRTeacher
from envgen.teachers.sequence import SequenceTeacher
from envgen.teachers.simple import FixedTeacher, RandomTeacher


def stats(n, success=0.0, score=None, episodes=1.0):
    score = jnp.zeros(n) if score is None else jnp.asarray(score, jnp.float32)
    return TaskStats.make(jnp.full(n, episodes), returns=jnp.full(n, success), success=jnp.full(n, success),
                          score=score)


def test_fixed_cycles_the_targets_over_the_slots(minigrid_env, empty_targets):
    teacher = FixedTeacher(minigrid_env, empty_targets)
    state = teacher.init(jax.random.key(0), 4)
    state, tasks = teacher.sample(state, jax.random.key(1))
    np.testing.assert_array_equal(tasks.params.width, [5, 8, 5, 8])
    assert teacher.summary(state) == {"chunks": 1}


def test_random_samples_inside_the_declared_region(minigrid_env, box_space):
    teacher = RandomTeacher(minigrid_env, box_space)
    state = teacher.init(jax.random.key(0), 4)
    state, tasks = teacher.sample(state, jax.random.key(1))
    u = np.asarray(state.last_u)
    np.testing.assert_allclose(tasks.params.door_locked_prob, u[:, 0], atol=1e-6)
    np.testing.assert_allclose(tasks.params.key_in_box_prob, u[:, 1], atol=1e-6)
    _, again = teacher.sample(teacher.init(jax.random.key(0), 4), jax.random.key(1))
    np.testing.assert_array_equal(again.level.grid, tasks.level.grid)  # same key, same tasks


def test_sequence_advances_only_on_a_full_passing_window(minigrid_env, empty_targets):
    teacher = SequenceTeacher(minigrid_env, empty_targets, stage_of=[0, 1], thresholds=[0.8, 0.8],
                              min_episodes=[10, 10], names=["small", "large"])
    state = teacher.init(jax.random.key(0), 4)
    state, tasks = teacher.sample(state, jax.random.key(1))
    np.testing.assert_array_equal(tasks.params.width, [5] * 4)
    state = teacher.update(state, tasks, stats(4, success=1.0, episodes=2.0))  # 8 episodes: window not full
    assert int(state.stage) == 0
    state = teacher.update(state, tasks, stats(4, success=0.5, episodes=2.0))  # 16 episodes at 75 %
    assert int(state.stage) == 0 and float(state.window_episodes) == 0.0  # failed window starts over
    state = teacher.update(state, tasks, stats(4, success=0.9, episodes=3.0))
    assert teacher.summary(state)["stage_name"] == "large"
    state, tasks = teacher.sample(state, jax.random.key(2))
    np.testing.assert_array_equal(tasks.params.width, [8] * 4)
    state = teacher.update(state, tasks, stats(4, success=1.0, episodes=5.0))
    assert int(state.stage) == 1  # the last stage never ends


def test_sequence_summary_reports_the_window_it_just_judged(minigrid_env, empty_targets):
    # the last stage's window closes every min_episodes; the log must show the rate it judged, not the new
    # empty window's 0
    teacher = SequenceTeacher(minigrid_env, empty_targets, stage_of=[0, 1], thresholds=[0.8, 1.0],
                              min_episodes=[4, 4], names=["small", "large"])
    state = teacher.init(jax.random.key(0), 4)
    state, tasks = teacher.sample(state, jax.random.key(1))
    state = teacher.update(state, tasks, stats(4, success=1.0))
    state, tasks = teacher.sample(state, jax.random.key(2))
    state = teacher.update(state, tasks, stats(4, success=0.75))  # on the last stage: a full window, judged
    assert float(state.window_episodes) == 0.0
    assert teacher.summary(state) == {"stage": 1, "stage_name": "large", "window_success": 0.75}


def test_sequence_rejects_a_stage_without_tasks(minigrid_env, empty_targets):
    with pytest.raises(ValueError, match="every stage needs at least one task"):
        SequenceTeacher(minigrid_env, empty_targets, stage_of=[0, 2], thresholds=[0.5] * 3, min_episodes=[1] * 3)


@pytest.fixture(scope="module")
def accel(minigrid_env, box_space):
    config = PLRConfig(capacity=8, replay_prob=1.0, min_fill=0.5, accel=True, mutation="level", num_edits=3)
    return PLRTeacher(minigrid_env, config, space=box_space)


def test_plr_fills_then_replays_exact_levels_then_mutates_every_one(accel):
    n = 4
    state = accel.init(jax.random.key(0), n)
    assert accel.refresh_levels is False
    state, new = accel.sample(state, jax.random.key(1))
    assert int(state.kind) == NEW and not accel.learns(state)  # robust PLR: no gradient on new levels
    state = accel.update(state, new, stats(n, score=[0.4, 0.1, 0.3, 0.2]))
    assert int(state.buffer.size) == 4
    state, replay = accel.sample(state, jax.random.key(2))
    assert int(state.kind) == REPLAY and accel.learns(state)
    stored = jax.tree.map(lambda x: x[state.idx], state.buffer.tasks)
    np.testing.assert_array_equal(replay.level.grid, stored.level.grid)
    state = accel.update(state, replay, stats(n, score=[0.9, 0.9, 0.9, 0.9]))
    np.testing.assert_allclose(np.asarray(state.buffer.scores)[np.asarray(state.idx)], 0.9)
    state, children = accel.sample(state, jax.random.key(3))
    assert int(state.kind) == MUTATE
    changed = np.sum(np.any(np.asarray(children.level.grid) != np.asarray(replay.level.grid), axis=-1), axis=(1, 2))
    assert np.all(changed <= 3)
    assert np.all(jax.vmap(is_solvable)(children.level))
    # every replayed level is a parent, not only the first one (dcd mutated only the first)
    np.testing.assert_array_equal(children.params.door_locked_prob, replay.params.door_locked_prob)
    assert np.sum(changed > 0) >= 2
    # the start observation is the edited level's, not the parent's
    obs, _ = jax.vmap(accel.env.reset)(jax.random.split(jax.random.key(0), n), children)
    np.testing.assert_array_equal(jax.tree.leaves(obs)[0], jax.tree.leaves(children.obs)[0])


def test_plr_staleness_spreads_replay(minigrid_env, box_space):
    config = PLRConfig(capacity=8, replay_prob=1.0, min_fill=1.0, staleness_coef=1.0)
    teacher = PLRTeacher(minigrid_env, config, space=box_space)
    state = teacher.init(jax.random.key(0), 4)
    for i in range(2):
        state, tasks = teacher.sample(state, jax.random.key(1 + i))
        state = teacher.update(state, tasks, stats(4, score=[5.0 - i, 4.0 - i, 3.0 - i, 2.0 - i]))
    assert int(state.buffer.size) == 8
    for i in range(3):  # pure staleness: an entry just replayed has weight 0 until others are drawn
        state, _ = teacher.sample(state, jax.random.key(10 + i))
        assert int(state.kind) == REPLAY
        idx = np.asarray(state.idx)
        assert np.all(idx[1:] != idx[:-1])
        assert float(teacher.replay_distribution(state)[idx[-1]]) == 0.0


def test_plr_config_names_the_bad_field():
    with pytest.raises(ValueError, match="plr: temperature must be > 0"):
        PLRConfig(temperature=0.0)


def test_level_edits_never_open_a_way_around_a_locked_door(minigrid_env):
    # DoorKey: the goal is behind a locked door. Many rounds of wall flips (which could knock a hole in the
    # dividing wall) must leave every level still needing the key, and still solvable.
    import envgen
    from envgen.teachers.mutations import minigrid_level_edits, without_locked_doors

    params = envgen.make("minigrid/DoorKey-6x6")[1]
    n = 16
    stacked = jax.tree.map(lambda x: jnp.broadcast_to(x, (n, *jnp.shape(x))), params)
    tasks = minigrid_env.make_tasks(jax.random.split(jax.random.key(0), n), stacked)
    assert not np.any(np.asarray(jax.vmap(without_locked_doors)(tasks.level)))
    changed = np.zeros(n, bool)
    for i in range(6):
        edited = minigrid_level_edits(minigrid_env, jax.random.key(10 + i), tasks, num_edits=8)
        changed |= np.any(np.asarray(edited.level.grid != tasks.level.grid), axis=(1, 2, 3))
        tasks = edited
    assert changed.any(), "edits that keep the lock happen"
    assert not np.any(np.asarray(jax.vmap(without_locked_doors)(tasks.level)))
    assert np.all(np.asarray(jax.vmap(is_solvable)(tasks.level)))
