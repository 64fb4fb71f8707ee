"""Metrics rows go to TensorBoard when tensorboardX is installed, and nothing breaks when it is not."""

from __future__ import annotations

import builtins
import struct

import pytest

from envgen.train.logs import TensorBoardLog

ROW = {"kind": "eval", "chunk": 3, "seed": 1, "steps": 4096, "success": 0.75, "episodes": 32,
       "achievements": {"collect_wood": 87.5}, "tasks": {"Empty-5x5": {"return": 0.5}}, "finished": True}


def _events(directory):
    """Every (tag, step, value) in the event files under ``directory`` (TFRecord framing, by hand)."""
    from tensorboardX.proto.event_pb2 import Event

    out = []
    for path in sorted(directory.rglob("events.out.tfevents.*")):
        data = path.read_bytes()
        at = 0
        while at < len(data):
            (length,) = struct.unpack("<Q", data[at:at + 8])
            event = Event.FromString(data[at + 12:at + 12 + length])
            at += 12 + length + 4
            out += [(v.tag, event.step, v.simple_value) for v in event.summary.value]
    return out


def test_rows_become_scalars_per_seed(tmp_path):
    pytest.importorskip("tensorboardX")
    board = TensorBoardLog(tmp_path / "tb")
    assert board.enabled
    board.write(ROW)
    board.close()
    assert (tmp_path / "tb" / "seed1").is_dir()
    events = {tag: (step, value) for tag, step, value in _events(tmp_path / "tb")}
    assert events == {"eval/success": (4096, 0.75), "eval/episodes": (4096, 32.0),
                      "eval/achievements/collect_wood": (4096, 87.5), "eval/tasks/Empty-5x5/return": (4096, 0.5)}


def test_without_tensorboardx_nothing_is_written(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_tensorboardx(name, *args, **kwargs):
        if name.startswith("tensorboardX"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tensorboardx)
    board = TensorBoardLog(tmp_path / "tb")
    board.write(ROW)
    board.close()
    assert not board.enabled and not (tmp_path / "tb").exists()
