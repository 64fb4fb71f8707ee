"""A generated folder whose environments carry many textual copies of one program: the bank holds it once,
so under vmap it costs one program per env-step, and the rewards are those of the program."""

from __future__ import annotations

import hashlib
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import envgen
from envgen.envs.minigrid import constants as C  # noqa: N812

PROGRAM = "def reward(prev, state, action):\n    return 0.1 * (prev.goal_distance - state.goal_distance)\n"
N = 32


def copies(n: int) -> list[str]:
    """``n`` distinct files of one program, as an LLM writes them: comments and spacing vary."""
    return [f"# environment {i}: reward progress toward the goal\n"
            + PROGRAM.replace("0.1 *", "0.1 " + " " * (i % 3) + "*")
            + f"# end of copy {i}\n" for i in range(n)]


def rewards(folder: Path) -> tuple[int, np.ndarray]:
    env, tasks = envgen.load(folder)
    keys = jax.random.split(jax.random.key(0), N)
    _, state = jax.vmap(env.reset)(keys, tasks)
    out = []
    step = jax.jit(jax.vmap(env.step, in_axes=(0, 0, None, 0)))
    for t, action in enumerate([C.FORWARD, C.LEFT, C.FORWARD, C.RIGHT, C.FORWARD]):
        _, state, reward, *_ = step(jax.random.split(jax.random.key(t + 1), N), state, jnp.int32(action), tasks)
        out.append(np.asarray(reward))
    return len(env.bank), np.stack(out)


@pytest.mark.slow
def test_32_copies_of_one_program_build_a_bank_of_one(tmp_path, monkeypatch, make_folder):
    from envgen.rewards.sandbox import validate

    validated = []

    def counting_child(payload, limits):
        validated.extend(payload["programs"])
        return run_child(payload, limits)

    run_child = validate.run_child
    monkeypatch.setattr(validate, "run_child", counting_child)
    variants = copies(N)
    assert len({hashlib.sha256(p.encode()).hexdigest() for p in variants}) == N
    size, got = rewards(make_folder(tmp_path / "copies", variants))
    assert size == 1 and len(validated) == 1  # one branch in the bank, one program validated for the 32
    # the same folder with one byte-identical program everywhere: the rewards every env earns are the same
    _, expected = rewards(make_folder(tmp_path / "identical", [variants[0]] * N))
    assert np.any(expected != 0)
    np.testing.assert_array_equal(got, expected)
