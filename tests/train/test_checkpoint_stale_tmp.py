"""A save killed part-way leaves orbax's temporary folder (``<chunk>.orbax-checkpoint-tmp``). Resuming
removes it before orbax sees it: no warning about an existing temporary folder, the intact checkpoint is
restored, and the interrupted chunk is saved again."""

from __future__ import annotations

import logging
import shutil

import numpy as np
import pytest

from envgen.train.checkpoint import Checkpointer


def killed_save(directory, chunk: int, template_chunk: int) -> None:
    """What a kill during the save of ``chunk`` leaves: orbax's temporary folder, written but not renamed."""
    tmp = directory / f"{chunk}.orbax-checkpoint-tmp"
    shutil.copytree(directory / str(template_chunk), tmp)
    (tmp / "commit_success.txt").unlink(missing_ok=True)
    (tmp / "_CHECKPOINT_METADATA").unlink(missing_ok=True)


def test_a_stale_temporary_folder_is_removed_quietly_and_the_intact_checkpoint_restored(tmp_path, caplog, capfd):
    directory = tmp_path / "checkpoints"
    ckpt = Checkpointer(directory)
    ckpt.save(1, {"w": np.arange(4.0)}, {"chunk": 1})
    ckpt.close()
    killed_save(directory, 2, 1)
    (directory / "notes.txt").write_text("not orbax's")  # only orbax's temporary folders are removed

    with caplog.at_level(logging.DEBUG):
        ckpt = Checkpointer(directory)
        assert ckpt.latest() == 1
        restored = ckpt.restore(1, {"w": np.zeros(4)})
        assert ckpt.meta(1) == {"chunk": 1}
        ckpt.save(2, {"w": np.arange(4.0) + 10}, {"chunk": 2})  # the interrupted save, done again
        ckpt.close()
    np.testing.assert_array_equal(restored["w"], np.arange(4.0))
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] + [capfd.readouterr().err]
    assert not [s for s in said if "orbax-checkpoint-tmp" in s or "already exists" in s], said
    assert sorted(p.name for p in directory.iterdir()) == ["1", "2", "notes.txt"]
    again = Checkpointer(directory)
    assert again.latest() == 2
    np.testing.assert_array_equal(again.restore(2, {"w": np.zeros(4)})["w"], np.arange(4.0) + 10)
    again.close()


@pytest.mark.slow
def test_envgen_train_resume_after_a_killed_save_is_quiet_and_continues_from_the_intact_checkpoint(tmp_path, caplog):
    from click.testing import CliRunner

    from envgen.cli import main
    from envgen.train.logs import TIMING_FIELDS, read_rows

    args = ["train", "--env", "minigrid/Empty-5x5", "--steps", "256", "--seeds", "1", "--num-envs", "8",
            "--num-steps", "16", "--updates-per-chunk", "1", "--eval-episodes", "2", "--eval-horizon", "8",
            "--out", str(tmp_path / "run")]
    first = CliRunner().invoke(main, args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    checkpoints = tmp_path / "run" / "checkpoints"
    assert sorted(p.name for p in checkpoints.iterdir()) == ["1", "2"]
    rows_full = read_rows(tmp_path / "run" / "metrics.jsonl")
    # the run as a kill during the save of chunk 2 leaves it: chunk 1 intact, chunk 2 only as orbax's temporary
    # folder, and the metrics of chunk 2 not yet written
    killed_save(checkpoints, 2, 2)
    shutil.rmtree(checkpoints / "2")
    metrics = tmp_path / "run" / "metrics.jsonl"
    kept = [line for line in metrics.read_text().splitlines(keepends=True) if '"chunk": 2' not in line]
    assert 0 < len(kept) < len(rows_full)
    metrics.write_text("".join(kept))

    with caplog.at_level(logging.WARNING):
        resumed = CliRunner().invoke(main, [*args, "--resume"], catch_exceptions=False)
    assert resumed.exit_code == 0, resumed.output
    said = [r.getMessage() for r in caplog.records] + [resumed.output]
    assert not [s for s in said if "orbax-checkpoint-tmp" in s], said
    assert sorted(p.name for p in checkpoints.iterdir()) == ["1", "2"]
    rows = read_rows(metrics)
    assert [{k: v for k, v in r.items() if k not in TIMING_FIELDS} for r in rows] == \
        [{k: v for k, v in r.items() if k not in TIMING_FIELDS} for r in rows_full]
