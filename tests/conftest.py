"""Suite-wide settings: CPU only, and a persistent XLA compilation cache shared by every test (and
xdist worker), so the same step function is compiled once per run rather than once per test."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402

_CACHE = Path(os.environ.get("ENVGEN_TEST_JAX_CACHE", Path(__file__).resolve().parents[1] / ".jax_cache"))
jax.config.update("jax_compilation_cache_dir", str(_CACHE))
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
