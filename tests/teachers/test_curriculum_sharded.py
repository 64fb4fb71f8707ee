"""The curriculum student's env slots split over devices. That a sharded run gives the one-device run's
results is tested once, for a whole comparison in lockstep (tests/compare/test_lockstep.py: 2 seeds of two
teachers over 2 forced host devices), since ``envgen curriculum run`` is a lockstep group of one."""

from __future__ import annotations

import pytest


def test_devices_must_divide_the_env_slots():
    from envgen.teachers.students import _slot_mesh

    with pytest.raises(ValueError, match="this process has 1 device"):
        _slot_mesh(4, 8)
    assert _slot_mesh(1, 8) is None
