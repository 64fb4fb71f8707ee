"""Shared fixtures for the reward sandbox tests: the toy view family and its reports."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def _load_toy():
    # Loaded by file path, so it works whether or not the test folders are packages.
    if "toyfamily" in sys.modules:
        return sys.modules["toyfamily"]
    spec = importlib.util.spec_from_file_location("toyfamily", HERE / "toyfamily.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["toyfamily"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def toy():
    return _load_toy()


@pytest.fixture(scope="session")
def toy_family(toy):
    from envgen.rewards import load_family

    return load_family(toy)


RET = "def reward(prev, state, action):\n    return "

# Programs a reasonable LLM would write for the toy family; every one must be accepted.
VALID = {
    "inventory_gain": RET + "jnp.float32(jnp.sum(state.inventory - prev.inventory))\n",
    "approach_goal": RET + "prev.goal_dist - state.goal_dist\n",
    "done_bonus_where": (RET + "jnp.where(state.done, 1.0, 0.0) - 0.01 * state.goal_dist\n"),
    "helper_has": RET + "jnp.float32(state.has(2)) - jnp.float32(prev.has(2))\n",
    "helper_dist": RET + "-0.1 * jnp.float32(state.dist_to(3, 4))\n",
    "nested_stats": RET + "state.stats.food - prev.stats.food\n",
    "weighted_loop": (
        "def reward(prev, state, action):\n"
        "    total = 0.0\n"
        "    for i in range(5):\n"
        "        total += (state.inventory[i] - prev.inventory[i]) * (i + 1) * 0.2\n"
        "    return total\n"
    ),
    "clip_keywords": RET + "jnp.clip(state.health - prev.health, min=-1.0, max=1.0)\n",
    "clip_positional": RET + "jnp.clip(state.health / 9.0, 0.0, 1.0)\n",
    "tanh_shaping": RET + "jnp.tanh(prev.goal_dist - state.goal_dist)\n",
    "exp_decay": RET + "jnp.exp(-state.goal_dist / 5.0)\n",
    "sqrt_guarded": RET + "-jnp.sqrt(jnp.maximum(state.goal_dist, 0.0) + 1e-6)\n",
    "log1p": RET + "jnp.log1p(jnp.float32(jnp.sum(state.inventory)))\n",
    "static_if_elif_else": (
        "def reward(prev, state, action):\n"
        '    """Weights chosen by a static switch."""\n'
        "    mode = 2\n"
        "    if mode == 1:\n"
        "        w = 0.5\n"
        "    elif mode == 2:\n"
        "        w = 1.0\n"
        "    else:\n"
        "        w = 0.0\n"
        "    return w * (prev.goal_dist - state.goal_dist)\n"
    ),
    "logical_ops": (
        "def reward(prev, state, action):\n"
        "    good = jnp.logical_and(state.done, jnp.logical_not(prev.done))\n"
        "    return jnp.float32(good) + 0.01 * state.health\n"
    ),
    "action_penalty": RET + "-0.1 * (action == 3) + 0.05 * state.health\n",
    "reduction_axis": (
        "def reward(prev, state, action):\n"
        "    return jnp.float32(jnp.max(state.inventory, axis=0) - jnp.min(prev.inventory, axis=0, keepdims=False))\n"
    ),
    "tuple_unpack": (
        "def reward(prev, state, action):\n"
        "    x, y = state.pos[0], state.pos[1]\n"
        "    return -0.01 * jnp.float32(jnp.abs(x - 8) + jnp.abs(y - 8))\n"
    ),
    "power_const": RET + "-(state.goal_dist / 20.0) ** 2\n",
    "mean_change": RET + "jnp.mean(state.inventory - prev.inventory) * 1.0\n",
    "trig_pi": RET + "jnp.sin(state.health * jnp.pi / 9.0)\n",
    "slices_and_negative": (
        "def reward(prev, state, action):\n"
        "    return jnp.float32(jnp.sum(state.inventory[1:3]) - state.inventory[-1])\n"
    ),
    "loop_var_index_arith": (
        "def reward(prev, state, action):\n"
        "    t = 0.0\n"
        "    for i in range(4):\n"
        "        t = t + jnp.float32(state.inventory[i + 1] > state.inventory[i])\n"
        "    return t\n"
    ),
    "count_nonzero": RET + "jnp.float32(jnp.count_nonzero(state.inventory)) / 5.0\n",
    "stack_max": (
        "def reward(prev, state, action):\n"
        "    # the better of two shaping terms\n"
        "    a = prev.goal_dist - state.goal_dist\n"
        "    b = state.health - prev.health\n"
        "    return jnp.max(jnp.stack([a, b]))\n"
    ),
    "hypot": RET + "-0.01 * jnp.hypot(state.pos[0] * 1.0, state.pos[1] * 1.0)\n",
    "nan_guard": (
        "def reward(prev, state, action):\n"
        "    r = jnp.log(state.goal_dist)\n"
        "    return jnp.where(jnp.isfinite(r), jnp.clip(r, -5.0, 5.0), 0.0)\n"
    ),
    "bitwise_bools": RET + "jnp.float32(state.done & ~prev.done) - 0.001 * state.goal_dist\n",
    "round_decimals": RET + "jnp.round(state.health / 9.0, decimals=2)\n",
    "dot_weights": (
        "def reward(prev, state, action):\n"
        "    w = jnp.stack([1.0, 0.5, 0.25, 0.1, 0.05])\n"
        "    return jnp.dot(jnp.float32(state.inventory - prev.inventory), w)\n"
    ),
    "conditional_expression_static": (
        "def reward(prev, state, action):\n"
        "    scale = 2.0 if 3 > 2 else 1.0\n"
        "    return scale * jnp.tanh(state.health - prev.health)\n"
    ),
    "loop_var_static_if": (
        "def reward(prev, state, action):\n"
        "    t = 0.0\n"
        "    for i in range(5):\n"
        "        if i == 0:\n"
        "            w = 2.0\n"
        "        else:\n"
        "            w = 1.0 / i\n"
        "        t = t + w * (state.inventory[i] - prev.inventory[i])\n"
        "    return t\n"
    ),
    "int32_floor_mod": (
        "def reward(prev, state, action):\n"
        "    parity = jnp.int32(state.stats.steps) % 2\n"
        "    return jnp.float32(parity) * 0.1 + jnp.floor(state.health) * 0.01\n"
    ),
}

# Programs that pass the AST check but fail in the child: (stage, message fragment).
RUNTIME_BAD = {
    "python_if_on_array": (
        "def reward(prev, state, action):\n    if state.health > 3:\n        return 1.0\n    return 0.0\n",
        ("shape", "line 2: TracerBoolConversionError"),
    ),
    "python_and_on_array": (
        RET + "1.0 * (state.done and prev.done)\n",
        ("shape", "use jnp.where, jnp.logical_and"),
    ),
    "not_a_scalar": (
        RET + "state.inventory * 1.0\n",
        ("shape", "must return a scalar float, got shape (5,)"),
    ),
    "int_result": (
        RET + "state.stats.steps\n",
        ("shape", "scalar float, got shape () int32"),
    ),
    "nan": (
        RET + "jnp.log(state.goal_dist - 5.0)\n",
        ("rollout", "NaN or infinite"),
    ),
    "unbounded": (
        RET + "state.goal_dist * 1000.0\n",
        ("rollout", "must stay within +-100"),
    ),
    "constant": (RET + "0.5\n", ("rollout", "constant (0.5)")),
    "integer_blowup": (
        "def reward(prev, state, action):\n    x = 10\n" + "    x = x * x\n" * 40 + "    return jnp.float32(x)\n",
        ("shape", "line 7: OverflowError: integer arithmetic exceeds +-2**62"),
    ),
}


@pytest.fixture(scope="session")
def toy_reports(toy_family):
    """Every VALID and RUNTIME_BAD program validated in one child process (they are costly)."""
    from envgen.rewards import validate_programs

    names = list(VALID) + list(RUNTIME_BAD)
    sources = list(VALID.values()) + [src for src, _ in RUNTIME_BAD.values()]
    reports = validate_programs(sources, toy_family)
    return dict(zip(names, zip(sources, reports, strict=True), strict=True))


@pytest.fixture(scope="session")
def programs():
    return {"valid": VALID, "runtime_bad": RUNTIME_BAD}


