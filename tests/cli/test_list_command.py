"""`envgen list` names every family and preset with its family and a one-line description."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from envgen.cli import main
from envgen.envs.registry import registered_envs


@pytest.fixture(scope="module")
def rows():
    res = CliRunner().invoke(main, ["list"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = {}
    for line in res.output.splitlines():
        name, family, text = line.split(None, 2)
        out[name] = (family, text)
    return out


def test_every_family_and_preset_is_listed_once_with_its_family_and_a_description(rows):
    assert sorted(rows) == sorted(registered_envs())
    for name, (family, text) in rows.items():
        assert family == name.split("/")[0], name
        assert text.strip() and "\n" not in text and not text.startswith("(config unreadable"), name


def test_a_preset_with_a_purpose_shows_it(rows):
    assert rows["crafter/Default"] == ("crafter", "Crafter's original world and rules.")


@pytest.mark.parametrize(("name", "words"), [
    ("minigrid/DoorKey-5x5", ["reach the goal square behind a locked yellow door", "two rooms in 5x5", "250 steps"]),
    ("minigrid/KeyCorridorS3R1", ["pick up a ball behind a locked door", "corridor"]),
    ("minigrid/LavaCrossingS9N1", ["1 lava river(s) to cross in 9x9"]),
    ("minigrid/Dynamic-Obstacles-5x5", ["2 moving ball(s) to dodge", "one 5x5 room"]),
    ("minigrid/RedBlueDoors-6x6", ["open the red door, then the blue door"]),
    ("minigrid/ObstructedMaze-1Dlhb", ["its key hidden in a box", "a ball blocks the door"]),
])
def test_a_preset_without_a_purpose_is_described_from_its_config(rows, name, words):
    family, text = rows[name]
    assert family == "minigrid"
    for w in words:
        assert w in text, (name, text)


def test_columns_line_up(rows):
    res = CliRunner().invoke(main, ["list"], catch_exceptions=False)
    starts = {line.index(line.split(None, 2)[1], len(line.split()[0])) for line in res.output.splitlines()}
    assert len(starts) == 1
