"""Hostile reward programs: every one is rejected by the AST allowlist with a clear error, and nothing
of it ever runs (no child process starts, no marker file appears)."""

from __future__ import annotations

from pathlib import Path

import pytest

from envgen.rewards import sandbox as sb

HOSTILE = sorted((Path(__file__).parent / "hostile").glob("*.py"))
MARKER = "ENVGEN_HOSTILE_MARKER"


def read(path: Path) -> tuple[str, str]:
    """The program text and the message fragment its first line says to expect."""
    source = path.read_text(encoding="utf-8")
    first = source.splitlines()[0]
    assert first.startswith("# expect:"), f"{path.name} must start with '# expect: <message fragment>'"
    return source, first.removeprefix("# expect:").strip()


def test_the_suite_is_big_enough():
    assert len(HOSTILE) >= 40


@pytest.mark.parametrize("path", HOSTILE, ids=[p.stem for p in HOSTILE])
def test_hostile_program_is_rejected_with_a_clear_error(path, toy_family, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a program that ran would leave its marker here
    source, expected = read(path)
    with pytest.raises(sb.SandboxError) as info:
        sb.check_source(source, toy_family.spec)
    message = str(info.value)
    assert expected in message
    assert info.value.line is not None and f"line {info.value.line}:" in message
    with pytest.raises(sb.SandboxError):
        sb.compile_program(source, toy_family.spec)  # the compile path re-checks, so it cannot be skipped
    assert not (tmp_path / MARKER).exists()


def test_hostile_programs_never_reach_a_child_process(toy_family, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def no_child(*args, **kwargs):
        raise AssertionError("a child process was started for a program that should be rejected statically")

    monkeypatch.setattr(sb, "run_child", no_child)
    sources = [read(p)[0] for p in HOSTILE]
    reports = sb.validate_programs(sources, toy_family)
    assert all(not r.ok and r.stage == "ast" for r in reports)
    assert [r.program_hash for r in reports] == [sb.program_hash(s) for s in sources]
    assert not list(tmp_path.iterdir())


def test_the_marker_would_appear_if_a_program_ran(tmp_path, monkeypatch):
    # Control for the tests above: the marker mechanism does detect execution.
    monkeypatch.chdir(tmp_path)
    source, _ = read(Path(__file__).parent / "hostile" / "top_level_statement.py")
    exec(compile(source, "<control>", "exec"), {})  # plain Python, on purpose: this one only writes the marker
    assert (tmp_path / MARKER).read_text() == "executed"


@pytest.mark.parametrize("char", ["\ud800", "\udfff"], ids=["high", "low"])
def test_lone_surrogate_is_rejected_not_a_crash(char, toy_family, monkeypatch):
    # A lone surrogate cannot live in a UTF-8 file, so this program is built in memory.
    source = f"def reward(prev, state, action):\n    return 0.0  # {char}\n"

    def no_child(*args, **kwargs):
        raise AssertionError("a child process was started for a program that should be rejected statically")

    monkeypatch.setattr(sb, "run_child", no_child)
    report = sb.validate_program(source, toy_family)
    assert not report.ok and report.stage == "ast"
    assert f"line 2: lone surrogate U+{ord(char):04X} is not text" in report.message
    assert report.program_hash == sb.program_hash(source) != sb.program_hash(source.replace(char, "?"))
    with pytest.raises(sb.SandboxError, match="lone surrogate"):
        sb.compile_program(source, toy_family.spec)
