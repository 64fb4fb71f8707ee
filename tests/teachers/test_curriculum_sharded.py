"""The curriculum loop split over devices (forced host devices) gives the one-device run's results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

WORKER = Path(__file__).with_name("curriculum_shard_worker.py")
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_curriculum_over_four_devices_equals_one_device(tmp_path):
    # equality, not speed, is tested: conftest's fast-compile XLA flags (inherited) plus the device count
    flags = f"{os.environ.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count=4"
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "XLA_FLAGS": flags, "PYTHONPATH": str(ROOT)}
    out = tmp_path / "logs.json"
    run = subprocess.run([sys.executable, str(WORKER), str(out)], env=env, capture_output=True, text=True,
                         timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    res = json.loads(out.read_text())
    assert res["devices"] == 4
    one, four = res["logs"]["1"], res["logs"]["4"]
    assert [r["chunk"] for r in one] == [r["chunk"] for r in four] == [1]
    for a, b in zip(one, four, strict=True):
        np.testing.assert_array_equal(a["episodes"], b["episodes"])
        np.testing.assert_allclose(b["success"], a["success"], atol=1e-6)
        np.testing.assert_allclose(b["score"], a["score"], rtol=2e-3, atol=2e-4)


def test_devices_must_divide_the_env_slots():
    from envgen.teachers.students import _slot_mesh

    with pytest.raises(ValueError, match="this process has 1 device"):
        _slot_mesh(4, 8)
    assert _slot_mesh(1, 8) is None
