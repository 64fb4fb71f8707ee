"""Valid reward programs written against the real Crafter and MiniGrid views are accepted: AST check,
then one sandbox child per family proving each finite, bounded and not constant."""

from __future__ import annotations

import pytest

from envgen.rewards.sandbox import check_source, load_family, validate_programs

CRAFTER = [
    "return state.wood - prev.wood",
    "return 10.0 * (state.collect_diamond - prev.collect_diamond)",
    "return state.achievement_count - prev.achievement_count",
    "return 0.1 * jnp.clip(prev.dist_tree - state.dist_tree, -1.0, 1.0)",
    "gain = (state.stone - prev.stone) + (state.coal - prev.coal)\n    return jnp.maximum(gain, 0.0)",
    "return jnp.where(state.health < prev.health, -1.0, 0.0) + 0.5 * (state.food - prev.food)",
    "r = jnp.where(state.near_table > prev.near_table, 0.2, 0.0)\n"
    "    return r + state.place_table - prev.place_table",
    "return 0.05 * state.facing_tree + (state.make_wood_pickaxe - prev.make_wood_pickaxe)",
    "near = jnp.clip(prev.dist_iron - state.dist_iron, -1.0, 1.0)\n"
    "    return jnp.tanh(state.iron - prev.iron) + 0.1 * near",
    "total = 0.0\n    for i in range(3):\n"
    "        total = total + 0.1 * i * (state.drink - prev.drink)\n    return total",
    "night_sleep = state.sleeping * (1.0 - state.daylight)\n"
    "    return (state.defeat_zombie - prev.defeat_zombie) - 0.01 * night_sleep",
    "return jnp.where(state.energy > prev.energy, 0.3, 0.0) + state.wake_up - prev.wake_up",
]
MINIGRID = [
    "return 5.0 * jnp.float32(state.mission_success)",
    "return 0.1 * jnp.clip(prev.goal_distance - state.goal_distance, -1.0, 1.0)",
    "return jnp.float32(state.target_held) - jnp.float32(prev.target_held)",
    "return 0.5 * jnp.float32(state.doors_open - prev.doors_open)",
    "return -1.0 * jnp.float32(state.in_lava) + 0.01 * jnp.float32(state.steps_remaining > 0)",
    "near = jnp.clip(prev.target_distance - state.target_distance, -1.0, 1.0)\n    return 0.1 * near",
    "return jnp.where(state.front_type == 4, 0.05, 0.0) + jnp.float32(state.mission_success)",
    "return 0.2 * jnp.float32(state.carrying_type == 5) - 0.2 * jnp.float32(prev.carrying_type == 5)",
    "d = jnp.abs(state.agent_pos[0] - state.goal_pos[0]) + jnp.abs(state.agent_pos[1] - state.goal_pos[1])\n"
    "    return -0.001 * jnp.float32(d)",
    "return 0.1 * jnp.clip(prev.put_distance - state.put_distance, -1.0, 1.0) * jnp.float32(state.target_held)",
]


def _program(body: str) -> str:
    return f"def reward(prev, state, action):\n    {body}\n"


@pytest.mark.parametrize(("family", "bodies"), [("crafter", CRAFTER), ("minigrid", MINIGRID)])
def test_valid_family_programs_are_accepted(family, bodies):
    sources = [_program(b) for b in bodies]
    spec = load_family(family).spec
    for source in sources:
        check_source(source, spec)
    reports = validate_programs(sources, family)
    bad = [f"{r.stage}: {r.message}\n{s}" for s, r in zip(sources, reports, strict=True) if not r.ok]
    assert not bad, "\n".join(bad)


def test_python_if_on_a_state_field_fails_validation_with_its_line():
    # `if` is only for static conditions; a traced comparison must use jnp.where.
    source = _program("r = 0.0\n    if state.wood > prev.wood:\n        r = 1.0\n    return r")
    (report,) = validate_programs([source], "crafter")
    assert not report.ok and "line 3" in report.message and "jnp.where" in report.message


def test_unknown_view_field_is_rejected_with_its_line():
    from envgen.rewards.sandbox import SandboxError

    with pytest.raises(SandboxError, match=r"line 2.*gold"):
        check_source(_program("return state.gold - prev.gold"), load_family("crafter").spec)
