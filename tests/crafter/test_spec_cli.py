"""Crafter config files (validation messages, EnvGen layout, YAML round trip, make) and the CLI."""

from __future__ import annotations

import subprocess
import sys

import chex
import numpy as np
import pytest
from click.testing import CliRunner

import envgen
from envgen.envs.crafter.constants import ACH, GRASS, PATH
from envgen.spec import SpecError, load_spec
from envgen.spec.crafter import CrafterSpec


def _write(tmp_path, text: str, name: str = "env.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _problems(path) -> str:
    with pytest.raises(SpecError) as info:
        load_spec(path)
    return str(info.value)


def assert_params_equal(a, b):
    chex.assert_trees_all_equal(a, b, strict=True)  # strict: dtypes and shapes too


def test_malformed_yaml_names_the_line(tmp_path):
    msg = _problems(_write(tmp_path, "family: crafter\ntarget_biome: [mountain\nday_length: 30\n"))
    assert "malformed YAML" in msg and "line 3" in msg


def test_unknown_fields_suggest_the_right_one(tmp_path):
    msg = _problems(_write(tmp_path, "family: crafter\ncoal_rarty: common\nmobs:\n  zombie_densty: 2\n"))
    assert "coal_rarty (line 2): unknown field; did you mean 'coal_rarity'?" in msg
    assert "mobs.zombie_densty (line 4): unknown field; did you mean 'zombie_density'?" in msg


@pytest.mark.parametrize("yaml_text,field,allowed", [
    ("day_length: 5", "day_length", "[10, 100000]"),
    ("max_steps: 0", "max_steps", "[1, 100000]"),
    ("inventory_settings:\n  wood: 12", "inventory_settings.wood", "[0, 9]"),
    ("vitals:\n  health: 0", "vitals.health", "[1, 9]"),
    ("mobs:\n  zombie_density: 7.5", "mobs.zombie_density", "[0.0, 3.0]"),
    ("world:\n  coal_uniform: 1.5", "world.coal_uniform", "[0.0, 1.0]"),
    ("health_reward: -1", "health_reward", "[0.0, 1.0]"),
])
def test_out_of_range_names_field_and_range(tmp_path, yaml_text, field, allowed):
    msg = _problems(_write(tmp_path, "family: crafter\n" + yaml_text + "\n"))
    assert f"{field} (line " in msg and allowed in msg


def test_bad_enum_and_type(tmp_path):
    msg = _problems(_write(tmp_path, "family: crafter\ntarget_biome: desert\nmax_steps: many\n"))
    assert "target_biome" in msg and "grassland" in msg and "max_steps" in msg


def test_unknown_achievement_weight(tmp_path):
    msg = _problems(_write(tmp_path, "family: crafter\nachievement_weights:\n  collect_gold: 2\n"))
    assert "collect_gold" in msg and "achievement_weights" in msg and "collect_diamond" in msg
    msg = _problems(_write(tmp_path, "family: crafter\nachievement_weights:\n  collect_wood: 50\n"))
    assert "collect_wood" in msg and "[-10, 10]" in msg


def test_envgen_layout_accepted(tmp_path):
    """EnvGen's files nest biome and rarities under environment_settings."""
    path = _write(tmp_path, "family: crafter\nenvironment_settings:\n  target_biome: mountain\n"
                            "  coal_rarity: very common\n  tree_rarity: rare\n"
                            "inventory_settings:\n  wood: 3\n  table: true\n")
    spec = load_spec(path)
    flat = CrafterSpec(target_biome="mountain", coal_rarity="very common", tree_rarity="rare",
                       inventory_settings={"wood": 3, "table": True})
    assert_params_equal(spec.compile(), flat.compile())
    p = spec.compile()
    assert int(p.start_material) == PATH and bool(p.mountain_abs) and bool(p.place_table)
    assert float(p.coal_uniform) == pytest.approx(0.75) and float(p.tree_uniform) == pytest.approx(0.9)
    assert int(p.initial_inventory[1]) == 3


def test_both_very_common_spellings():
    a = CrafterSpec(coal_rarity="very common").compile()
    b = CrafterSpec(coal_rarity="very_common").compile()
    assert_params_equal(a, b)
    assert float(a.coal_uniform) < float(CrafterSpec().compile().coal_uniform)


def test_defaults_compile_to_default_params(env):
    assert_params_equal(CrafterSpec().compile(), env.default_params)
    assert int(env.default_params.start_material) == GRASS


def test_yaml_round_trip(tmp_path):
    spec = CrafterSpec(
        name="mine-rush", target_biome="beaches", iron_rarity="common", diamond_rarity="very common",
        inventory_settings={"stone_pickaxe": 1, "sapling": 2, "furnace": True}, vitals={"food": 4},
        world={"water_gain": 0.5, "lava_noise": 0.6}, mobs={"peaceful": True, "cow_density": 2.0},
        day_length=120, daylight_cycle=False, max_steps=500, achievement_weights={"collect_iron": 3.0},
        trees_deplete=True)
    path = spec.save(tmp_path / "rt.yaml")
    loaded = load_spec(path)
    assert loaded == spec
    assert_params_equal(loaded.compile(), spec.compile())
    assert float(spec.compile().achievement_weights[ACH["collect_iron"]]) == 3.0


def test_make_from_yaml_path(tmp_path):
    path = CrafterSpec(target_biome="grassland", max_steps=77).save(tmp_path / "g.yaml")
    env, params = envgen.make(str(path))
    assert env.name == "crafter" and int(params.max_steps) == 77
    assert_params_equal(params, load_spec(path).compile())
    env2, params2 = envgen.make("crafter")
    assert_params_equal(params2, env2.default_params)


# -- CLI ---------------------------------------------------------------------------------------------
def test_render_writes_png(tmp_path):
    from PIL import Image

    from envgen.cli import main

    out = tmp_path / "x.png"
    result = CliRunner().invoke(main, ["render", "crafter", "-o", str(out), "--seed", "1"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    image = np.asarray(Image.open(out))
    # Full 64x64 map at 8 px per tile, then an 8-px gap and the 63x63 agent view upscaled 8x.
    assert image.shape == (512, 512 + 8 + 63 * 8, 3)
    assert image[:, :512].std() > 10


def test_render_bad_config_fails_with_field(tmp_path):
    from envgen.cli import main

    path = _write(tmp_path, "family: crafter\ntree_rarity: sometimes\n")
    result = CliRunner().invoke(main, ["render", str(path), "-o", str(tmp_path / "y.png")],
                                catch_exceptions=False)
    assert result.exit_code != 0
    assert "tree_rarity" in result.output and not (tmp_path / "y.png").exists()


def test_help_does_not_import_jax():
    code = ("import sys\nfrom envgen.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('JAX' if 'jax' in sys.modules else 'NOJAX')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert "render" in out.stdout and out.stdout.strip().endswith("NOJAX")
