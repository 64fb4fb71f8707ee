"""Suite-wide settings: CPU only, XLA's fastest-compiling options, and a persistent XLA compilation
cache shared by every test (and xdist worker), so the same step function is compiled once per run rather
than once per test."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("JAX_PLATFORMS", "cpu")
# The suite checks behaviour, not speed: XLA's cheapest optimisation level and the older CPU loop
# emitters (envgen/jit_options.py) cut the compile time that dominates it (measured on the PPO tests:
# 185 -> 77 CPU s, the learning one 153 -> 83). Subprocesses the tests start (the CLI, the sandbox child,
# jax.distributed workers) inherit them.
for _flag in ("--xla_backend_optimization_level=0", "--xla_cpu_use_fusion_emitters=false"):
    if _flag.split("=")[0] not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {_flag}".strip()

import jax  # noqa: E402
import pytest  # noqa: E402

_CACHE = Path(os.environ.get("ENVGEN_TEST_JAX_CACHE", Path(__file__).resolve().parents[1] / ".jax_cache"))
jax.config.update("jax_compilation_cache_dir", str(_CACHE))
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


@pytest.fixture(scope="session", autouse=True)
def _private_verdict_cache(tmp_path_factory):
    """Validation verdicts of this session go to a fresh folder, never the user's cache."""
    import os

    old = os.environ.get("ENVGEN_CACHE_DIR")
    os.environ["ENVGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("envgen-cache"))
    yield
    if old is None:
        os.environ.pop("ENVGEN_CACHE_DIR", None)
    else:
        os.environ["ENVGEN_CACHE_DIR"] = old
