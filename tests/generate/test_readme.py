"""Every command the README shows runs as written, in order, on what the previous command produced."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def blocks(language: str) -> list[str]:
    """The README's fenced code blocks of one language, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", README.read_text(encoding="utf-8"), flags=re.S | re.M)


def shell_commands() -> list[str]:
    """Each shell line, without comments; installs are skipped (this test runs in the installed package,
    and .ci/run checks the install in a fresh virtualenv) and so is the test suite itself."""
    out = []
    for block in blocks("bash"):
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            line = re.sub(r"^pip install [^&]*&&\s*", "", line)
            if line and not line.startswith("pip install") and "pytest" not in line:
                out.append(line)
    return out


def test_the_readme_has_the_commands_this_test_runs():
    cmds = shell_commands()
    assert any(c.startswith("envgen generate") and "runs/diamonds" in c for c in cmds)
    assert any(c.startswith("envgen validate") for c in cmds) and blocks("python")


@pytest.mark.slow
def test_readme_commands_and_python_run_as_written(tmp_path):
    import jax

    # The suite's XLA cache, so the commands reuse what other tests compiled (same simulators).
    cache = jax.config.jax_compilation_cache_dir or ""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "ENVGEN_COMPILE_CACHE": cache, "JAX_COMPILATION_CACHE_DIR": cache}
    for cmd in shell_commands():
        res = subprocess.run(["bash", "-c", cmd], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=900)
        assert res.returncode == 0, f"`{cmd}` failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    for code in blocks("python"):
        res = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=900)
        assert res.returncode == 0, f"README Python block failed:\n{code}\n{res.stderr[-3000:]}"
