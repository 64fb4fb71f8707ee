"""Hostile and malformed config files: every one is a one-line error naming the file and the line, fast."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from envgen.cli import main
from envgen.spec import SpecError, load_spec
from envgen.spec.base import MAX_CONFIG_BYTES

BILLION_LAUGHS = "family: minigrid\na: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))

CASES = {
    "alias_bomb": (BILLION_LAUGHS.encode(), "aliases expand this document past"),
    "duplicate_key": (b"family: minigrid\nmax_steps: 10\nmax_steps: 20\n", "line 3"),
    "duplicate_nested": (b"family: minigrid\nagent:\n  x: 1\n  x: 2\n", "duplicate key 'x' (first on line 3)"),
    "not_utf8": (b"family: minigrid\npurpose: caf\xe9\n", "line 2: not UTF-8 text (byte 0xe9)"),
    "too_big": (b"family: minigrid\n" + b"#" * (MAX_CONFIG_BYTES + 1), f"the limit is {MAX_CONFIG_BYTES}"),
    "deep": (b"family: minigrid\nx: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested more than"),
    "recursive": (b"family: minigrid\na: &a [*a]\n", "line"),
    "tabs_malformed": (b"family: minigrid\n\tmax_steps: 3\n", "line 2"),
    "two_documents": (b"family: minigrid\n---\nfamily: crafter\n", "line"),
    "python_tag": (b"family: !!python/object/apply:os.system ['echo pwned']\n", "line 1"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_yaml_is_one_clear_error_naming_the_line(name, tmp_path):
    data, expected = CASES[name]
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(data)
    t = time.perf_counter()
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert time.perf_counter() - t < 10  # generous: it must not hang (the bomb once took minutes)
    (problem,) = info.value.problems
    assert expected in problem and "\n" not in problem
    res = CliRunner().invoke(main, ["validate", str(path)])
    assert res.exit_code == 1 and res.output.startswith(f"FAIL {path}: ") and expected in res.output


def test_a_directory_or_fifo_config_is_refused_without_blocking(tmp_path):
    import os

    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    with pytest.raises(SpecError, match="not a regular file"):
        load_spec(fifo)


def test_valid_yaml_still_reports_field_lines(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("family: minigrid\nagent:\n  dir: 9\n")
    with pytest.raises(SpecError, match=r"agent\.dir \(line 3\)"):
        load_spec(path)
