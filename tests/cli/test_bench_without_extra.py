"""A benchmark run without the `bench` extra says in one line what to install and exits non-zero, whether
the peer is missing or present but broken (no ModuleNotFoundError traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALL = 'pip install -e ".[bench]"'


def run_blocked(blocked: str, code: str, tmp_path: Path, broken: bool = False) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter from the repository root with the peer ``blocked`` made unimportable:
    absent (None in sys.modules, as for a package that is not installed) or, with ``broken``, a stub package
    earlier on the path whose import raises ImportError."""
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "PYTHONPATH": os.pathsep.join(
        [str(tmp_path), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    if broken:
        (tmp_path / blocked).mkdir()
        (tmp_path / blocked / "__init__.py").write_text("raise ImportError('libfoo.so: cannot open shared object')\n")
        prelude = ""
    else:
        prelude = f"import sys; sys.modules[{blocked!r}] = None\n"
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def one_line_error(res: subprocess.CompletedProcess) -> str:
    assert res.returncode != 0, res.stdout + res.stderr
    assert "Traceback" not in res.stderr, res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr
    assert lines[0].endswith(INSTALL), lines[0]
    return lines[0]


def script(name: str, *args: str) -> str:
    return f"""
        import runpy, sys
        sys.argv = [{name!r}, *{list(args)!r}]
        runpy.run_path({f"benchmarks/{name}"!r}, run_name="__main__")
        """


def test_bench_crafter_without_craftax(tmp_path):
    res = run_blocked("craftax", script("bench_crafter.py", "--only", "Craftax", "--batches", "2"), tmp_path)
    assert one_line_error(res).startswith("error: craftax is not installed;")


@pytest.mark.parametrize("peer", ["navix", "xminigrid"])
def test_bench_minigrid_without_a_peer(tmp_path, peer):
    res = run_blocked(peer, script("bench_minigrid.py", "--libs", peer, "--tasks", "DoorKey-8x8", "--batches", "2"),
                      tmp_path)
    assert one_line_error(res).startswith(f"error: {peer} is not installed;")


def test_bench_train_with_a_broken_navix(tmp_path):
    code = """
        import sys
        sys.path.insert(0, "benchmarks")
        import bench_train
        bench_train.NavixMiniGrid("Navix-DoorKey-Random-8x8-v0", 10)
        """
    line = one_line_error(run_blocked("navix", code, tmp_path, broken=True))
    assert line.startswith("error: navix cannot be imported (ImportError: libfoo.so: cannot open shared object);")
