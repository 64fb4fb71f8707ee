"""One-shot compiles (envgen/jit_options.py): same results as a plain jit, options only on the CPU."""

import chex
import jax
import jax.numpy as jnp
import pytest

import envgen
from envgen.jit_options import jit_once, one_shot_options


@pytest.mark.slow
def test_one_shot_compile_generates_the_same_level_as_the_default_compile():
    env, params = envgen.make("minigrid/DoorKey-5x5")
    keys = jax.random.split(jax.random.key(3), 4)
    make = jax.vmap(env.generate_level, in_axes=(0, None))
    fast, plain = jit_once(make)(keys, params), jax.jit(make)(keys, params)
    chex.assert_trees_all_equal(fast, plain)


def test_options_are_cpu_only_and_keep_the_requested_level():
    assert jax.default_backend() == "cpu"
    assert one_shot_options(1)["xla_backend_optimization_level"] == 1
    assert one_shot_options()["xla_cpu_use_fusion_emitters"] is False
    assert float(jit_once(lambda x: x * 2)(jnp.float32(2))) == 4.0
