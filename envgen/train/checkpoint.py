"""Orbax checkpoints of a whole training run (every seed's runner state, the tasks, the chunk index), and of
a curriculum run (teacher and student state, with the teacher's host-side JSON beside it).

Leaves are saved as a flat, numbered dict and restored into the structure of a freshly built template,
so any pytree the student or a teacher carries (flax structs, optax states) checkpoints unchanged.
Saves are synchronous and atomic (orbax writes a temporary folder and renames it), so a ``kill -9``
leaves either the previous or the new checkpoint, never half of one. What such a kill leaves is
orbax's temporary folder of the interrupted save (``<chunk>.orbax-checkpoint-tmp``); opening the folder
again removes it before orbax sees it, so the resumed run's save of that chunk starts clean instead of
orbax warning that the folder exists.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import jax
import numpy as np

# orbax's name for the folder a save writes before renaming it into place: "<step>.orbax-checkpoint-tmp",
# with a "-<timestamp>" suffix in some orbax versions
_STALE_TMP = re.compile(r"^\d+\.orbax-checkpoint-tmp(?:-\d+)?$")


def remove_stale_tmp(directory: Path) -> list[Path]:
    """Remove the temporary folders of saves that never finished (a killed run) from ``directory``.

    Saves are synchronous and a run's checkpoints are written by one Checkpointer, so when one opens the
    folder no save is in progress and any such folder is stale. Returns what was removed.
    """
    if not directory.is_dir():
        return []
    stale = [p for p in directory.iterdir() if _STALE_TMP.match(p.name) and p.is_dir() and not p.is_symlink()]
    for path in stale:
        shutil.rmtree(path)
    return stale


def _is_key(x: Any) -> bool:
    return jax.dtypes.issubdtype(getattr(x, "dtype", None), jax.dtypes.prng_key)


def _plain(x: Any) -> np.ndarray:
    """A leaf as a numpy array; typed PRNG keys (an env state may hold them) as their key data."""
    return np.asarray(jax.random.key_data(x) if _is_key(x) else x)


class Checkpointer:
    """Save and restore a pytree (plus an optional JSON ``meta`` dict, written in the same atomic step) per
    chunk index under ``directory``; keeps the newest few."""

    def __init__(self, directory: str | Path, max_to_keep: int = 2):
        import orbax.checkpoint as ocp

        self._ocp = ocp
        directory = Path(directory).resolve()
        if jax.process_index() == 0:  # one process tidies the shared folder, as orbax itself does
            remove_stale_tmp(directory)
        self.manager = ocp.CheckpointManager(
            directory,
            options=ocp.CheckpointManagerOptions(max_to_keep=max_to_keep, enable_async_checkpointing=False,
                                                 create=True))

    def latest(self) -> int | None:
        """Chunk index of the newest complete checkpoint, or None."""
        return self.manager.latest_step()

    def save(self, chunk: int, state: Any, meta: dict | None = None) -> None:
        """Write the state reached after ``chunk`` chunks, and ``meta`` (JSON-serialisable) with it."""
        # orbax refuses zero-size arrays; they hold no data, so restore takes them from the template
        leaves = {f"{i:05d}": p for i, x in enumerate(jax.tree.leaves(state)) if (p := _plain(x)).size}
        args = self._ocp.args
        self.manager.save(chunk, args=args.Composite(state=args.StandardSave(leaves), meta=args.JsonSave(meta or {})),
                          force=True)
        self.manager.wait_until_finished()

    def meta(self, chunk: int) -> dict:
        """The ``meta`` dict saved with ``chunk``."""
        args = self._ocp.args
        return dict(self.manager.restore(chunk, args=args.Composite(meta=args.JsonRestore()))["meta"])

    def restore(self, chunk: int, template: Any) -> Any:
        """The state saved at ``chunk``, in the structure (and shapes) of ``template``."""
        leaves, treedef = jax.tree.flatten(template)
        plain = [_plain(x) for x in leaves]
        abstract = {f"{i:05d}": np.zeros(x.shape, x.dtype) for i, x in enumerate(plain) if x.size}
        args = self._ocp.args
        saved = self.manager.restore(chunk, args=args.Composite(state=args.StandardRestore(abstract)))["state"]
        restored = [np.asarray(saved[f"{i:05d}"]) if x.size else np.zeros(x.shape, x.dtype)
                    for i, x in enumerate(plain)]
        restored = [jax.random.wrap_key_data(r, impl=jax.random.key_impl(t)) if _is_key(t) else r
                    for r, t in zip(restored, leaves, strict=True)]
        return jax.tree.unflatten(treedef, restored)

    def close(self) -> None:
        self.manager.close()
