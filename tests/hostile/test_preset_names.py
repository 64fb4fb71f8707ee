"""Preset names are names, not paths: a lookup never leaves the presets folder nor echoes a file read outside it."""

from __future__ import annotations

import os

import pytest

import envgen
from envgen.envs.registry import UnknownEnvironmentError, is_preset_name, preset_dir, resolve_spec_path
from envgen.teachers.build import load_task_spec
from envgen.teachers.config import CurriculumError

SECRET = "TOPSECRET-d41d8cd98f00"


@pytest.fixture
def outside_secret(tmp_path):
    """A preset-shaped name that climbs out of the presets folder to a YAML file holding a secret."""
    folder = tmp_path / "outside"
    folder.mkdir()
    # a MiniGrid config whose invalid value would be quoted back by the config validator
    (folder / "secret.yaml").write_text(f"family: minigrid\nmax_steps: {SECRET}\n")
    climb = os.path.relpath(folder, preset_dir() / "minigrid")
    return f"minigrid/{climb}/secret"


def test_dotdot_preset_name_escaping_the_presets_folder_is_refused_by_make(outside_secret):
    assert (preset_dir() / f"{outside_secret}.yaml").is_file()  # the climb really reaches the file
    with pytest.raises(UnknownEnvironmentError) as info:
        envgen.make(outside_secret)
    message = str(info.value)
    assert "a preset name is family/Name" in message and "no '..'" in message
    assert SECRET not in message and "\n" not in message


def test_dotdot_preset_name_is_refused_as_a_curriculum_target(outside_secret):
    with pytest.raises(CurriculumError) as info:
        load_task_spec(outside_secret, "minigrid")
    assert "unknown task" in str(info.value) and SECRET not in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("name", ["minigrid/../minigrid/Empty-5x5", "minigrid/sub/Empty-5x5", "/etc/passwd",
                                  "minigrid/.hidden", "../minigrid/Empty-5x5", "minigrid/", "minigrid\\..\\x",
                                  "minigrid/Empty..5x5"])
def test_path_shaped_preset_names_are_not_preset_names(name):
    assert not is_preset_name(name) and resolve_spec_path(name) is None


def test_shipped_presets_still_resolve():
    for name in envgen.registered_envs():
        if "/" in name:
            assert is_preset_name(name) and resolve_spec_path(name) is not None, name
