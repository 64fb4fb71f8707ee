"""`envgen generate` end to end (offline), reproducibility, `envgen.load` + jit(vmap(step)), validate, show."""

from __future__ import annotations

import json
import shutil

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from click.testing import CliRunner

import envgen
from envgen.cli import main
from envgen.envs.crafter.constants import GRASS, TREE, A
from envgen.generate.load import LoadError
from envgen.tasks import Task

GOALS = {"crafter": "make a wood pickaxe", "minigrid": "pick up the blue ball"}


def run_cli(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module", params=["crafter", "minigrid"])
def generated(request, tmp_path_factory):
    family = request.param
    out = tmp_path_factory.mktemp(family) / "run"
    res = run_cli("generate", GOALS[family], "--family", family, "--n", "4", "--provider", "offline", "--out",
                  str(out))
    assert res.exit_code == 0, res.output
    return family, out


def test_folder_layout_and_run_json(generated):
    family, out = generated
    run = json.loads((out / "run.json").read_text())
    assert run["goal"] == GOALS[family] and run["family"] == family and run["status"] == "ok"
    assert run["provider"] == "offline" and run["model"] == "rules-v1" and run["n"] == 4
    assert len(run["requests"]) == 1 and len(run["requests"][0]["request_hash"]) == 64
    assert run["usage"]["calls"] == 1 and run["usage"]["cost_usd"] == 0.0
    names = [e["name"] for e in run["environments"]]
    assert len(names) == 4 and len(set(names)) == 4
    for e in run["environments"]:
        assert (out / "envs" / f"{e['name']}.yaml").is_file()
        assert (out / "rewards" / f"{e['name']}.py").is_file()
        assert (out / e["preview"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert e["validation"]["ok"] and e["solvability"]["ok"]
    assert sorted(p.name for p in out.iterdir()) == ["envs", "preview", "rewards", "run.json"]
    assert not list(out.parent.glob(".*tmp"))  # no temporary folder left behind


def test_same_seed_gives_identical_bytes(generated, tmp_path):
    family, out = generated
    again = tmp_path / "again"
    res = run_cli("generate", GOALS[family], "--family", family, "--n", "4", "--provider", "offline", "--out",
                  str(again))
    assert res.exit_code == 0, res.output
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for f in files:
        assert (out / f).read_bytes() == (again / f).read_bytes(), f


def test_existing_output_is_not_overwritten(generated):
    family, out = generated
    res = CliRunner().invoke(main, ["generate", "x", "--family", family, "--out", str(out)])
    assert res.exit_code != 0 and "already exists" in res.output


@pytest.fixture(scope="module")
def loaded(generated):
    family, out = generated
    env, params = envgen.load(out)
    return family, out, env, params, jax.jit(jax.vmap(env.step)), jax.jit(jax.vmap(env.reset))


@pytest.mark.slow
def test_load_batches_every_config_and_steps_under_jit_vmap(loaded):
    _family, _out, env, params, step, reset = loaded
    assert isinstance(params, Task) and params.reward.program.shape == (4,)
    assert all(x.shape[0] == 4 for x in jax.tree.leaves(params))
    keys = jax.random.split(jax.random.key(0), 4)
    _obs, state = reset(keys, params)
    actions = jnp.zeros(4, jnp.int32)
    _obs, state, reward, term, trunc, info = step(keys, state, actions, params)
    assert reward.shape == (4,) and reward.dtype == jnp.float32
    assert {"dense_reward", "task_reward"} <= set(info)
    np.testing.assert_array_equal(reward, info["dense_reward"])


@pytest.mark.slow
def test_dense_reward_rises_along_a_scripted_crafter_path(loaded):
    family, _out, env, params, step, reset = loaded
    if family != "crafter":
        pytest.skip("crafter path")
    keys = jax.random.split(jax.random.key(1), 4)
    _obs, state = reset(keys, params)
    # a clean patch of grass around the player with one tree two tiles to the right; no creatures
    inner = state.env
    m = np.array(inner.map)
    pos = np.array(inner.player_pos)
    for i, (x, y) in enumerate(pos):
        m[i, x - 3:x + 4, y - 3:y + 4] = GRASS
        m[i, x + 2, y] = TREE
    no = jnp.zeros_like(inner.zombies.alive)
    inner = inner.replace(map=jnp.asarray(m), zombies=inner.zombies.replace(alive=no),
                          cows=inner.cows.replace(alive=jnp.zeros_like(inner.cows.alive)),
                          skeletons=inner.skeletons.replace(alive=jnp.zeros_like(inner.skeletons.alive)))
    state = jax.vmap(env.with_env_state)(state, inner)
    path = ["move_right", "do", "do", "do", "move_down", "place_table", "make_wood_pickaxe"]
    rewards = []
    for t, name in enumerate(path):
        k = jax.random.split(jax.random.key(100 + t), 4)
        _obs, state, reward, *_ = step(k, state, jnp.full(4, A[name], jnp.int32), params)
        rewards.append(np.asarray(reward))
    rewards = np.stack(rewards)  # (steps, envs)
    assert np.asarray(state.env.achievements)[:, 15].all()  # make_wood_pickaxe unlocked everywhere
    cum = rewards.cumsum(0)
    # items held are paid as a potential difference (0.99 * phi' - phi): holding them costs a drift of
    # 1% of their potential per step, nothing like a penalty
    assert (rewards >= -0.01).all(), rewards
    assert (cum[-1] > 0).all()
    # the full-world config (last) pays for every step of the chain: approach, wood, table, pickaxe
    last = rewards[:, -1]
    assert last[0] > 0 and last[1] > 0 and last[5] > 0 and last[6] > 0, last
    assert cum[-1, -1] > cum[-1, 0]  # starting from nothing there is more to reward than with a head start


def test_tampered_reward_program_is_refused(generated, tmp_path):
    _family, out = generated
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    victim = next((copy / "rewards").glob("*.py"))
    victim.write_text(victim.read_text().replace("return r", "return r * 2.0"))
    with pytest.raises(LoadError, match="does not match the hash pinned"):
        envgen.load(copy)


def test_show_summarises_the_folder(generated):
    _family, out = generated
    res = run_cli("show", str(out))
    assert res.exit_code == 0 and "preview" in res.output and "sha256" in res.output


def test_validate_names_field_and_line(tmp_path, generated):
    _family, out = generated
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("family: crafter\nmax_steps: 0\n")
    hostile = tmp_path / "hostile.py"
    hostile.write_text("def reward(prev, state, action):\n    x = ().__class__.__bases__\n    return 0.0\n")
    res = CliRunner().invoke(main, ["validate", str(bad_yaml), str(hostile)])
    assert res.exit_code == 1
    assert "max_steps (line 2)" in res.output and "hostile.py:2:" in res.output
    good = [str(p) for p in sorted((out / "envs").glob("*.yaml")) + sorted((out / "rewards").glob("*.py"))]
    res = CliRunner().invoke(main, ["validate", *good, "--family", _family])
    assert res.exit_code == 0, res.output


@pytest.mark.slow  # one PPO compile on the folder's tasks
def test_train_on_a_generated_folder_learns_the_dense_reward_and_is_scored_on_the_task_reward(generated, tmp_path):
    from envgen.train.logs import read_rows

    family, out = generated
    if family != "minigrid":
        pytest.skip("the same path for every family; MiniGrid's student compiles fastest")
    res = run_cli("train", "--env", str(out), "--steps", "256", "--seeds", "1", "--num-envs", "4", "--num-steps",
                  "16", "--updates-per-chunk", "1", "--eval-episodes", "4", "--eval-horizon", "16", "--out",
                  str(tmp_path / "ppo"))
    assert res.exit_code == 0, res.output
    rows = read_rows(tmp_path / "ppo" / "metrics.jsonl")
    train = [r for r in rows if r["kind"] == "train" and r["episodes"] > 0]
    # the student is paid the generated dense reward; the task's own return is tracked beside it
    assert train and any(abs(r["return"] - r["task_return"]) > 1e-6 for r in train)
    (evaluation,) = [r for r in rows if r["kind"] == "eval"]
    assert set(evaluation["tasks"]) == {p.stem for p in (out / "envs").glob("*.yaml")}
    # scored on MiniGrid's task reward (at most 1 per episode), not on the dense reward it trained on
    assert all(0.0 <= t["return"] <= 1.0 for t in evaluation["tasks"].values())
