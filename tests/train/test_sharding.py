"""Data parallelism over forced host devices and over two jax.distributed processes equals one device."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

WORKER = Path(__file__).with_name("shard_worker.py")
ROOT = Path(__file__).resolve().parents[2]


def _env(devices: int) -> dict:
    cache = os.environ.get("ENVGEN_TEST_JAX_CACHE", str(ROOT / ".jax_cache"))
    # equality, not speed, is tested: conftest's fast-compile XLA flags (inherited) plus the device count
    flags = f"{os.environ.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count={devices}"
    return {**os.environ, "JAX_PLATFORMS": "cpu", "XLA_FLAGS": flags,
            "JAX_COMPILATION_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}


def _close(a: np.lib.npyio.NpzFile, b: dict, prefix: str) -> None:
    keys = sorted(k[len("plain_"):] for k in a.files if k.startswith("plain_"))
    assert keys
    for k in keys:
        np.testing.assert_allclose(b[f"{prefix}{k}"], a[f"plain_{k}"], rtol=2e-3, atol=2e-4, err_msg=k)


@pytest.mark.slow
def test_sharded_over_four_devices_equals_one_device(tmp_path):
    out = tmp_path / "four.npz"
    run = subprocess.run([sys.executable, str(WORKER), str(out)], env=_env(4), capture_output=True, text=True,
                         timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    res = np.load(out)
    assert int(res["devices"]) == 4
    _close(res, res, "sharded_")


@pytest.mark.slow
def test_two_processes_joined_by_jax_distributed_equal_one_device(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    single = tmp_path / "single.npz"
    ref = subprocess.run([sys.executable, str(WORKER), str(single)], env=_env(1), capture_output=True, text=True,
                         timeout=900)
    assert ref.returncode == 0, ref.stderr[-3000:]
    out = tmp_path / "two.npz"
    procs = [subprocess.Popen([sys.executable, str(WORKER), str(out), str(i), "2", str(port)], env=_env(1),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    try:
        logs = [p.communicate(timeout=900) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert all(p.returncode == 0 for p in procs), "\n".join(e[-2000:] for _, e in logs)
    res = np.load(out)
    assert int(res["processes"]) == 2 and int(res["devices"]) == 2
    _close(np.load(single), dict(res), "sharded_")
