"""Orbax checkpoints of a whole training run (every seed's runner state, the tasks, the chunk index).

Leaves are saved as a flat, numbered dict and restored into the structure of a freshly built template,
so any pytree the student or a teacher carries (flax structs, optax states) checkpoints unchanged.
Saves are synchronous and atomic (orbax writes a temporary folder and renames it), so a ``kill -9``
leaves either the previous or the new checkpoint, never half of one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import numpy as np


def _is_key(x: Any) -> bool:
    return jax.dtypes.issubdtype(getattr(x, "dtype", None), jax.dtypes.prng_key)


def _plain(x: Any) -> np.ndarray:
    """A leaf as a numpy array; typed PRNG keys (an env state may hold them) as their key data."""
    return np.asarray(jax.random.key_data(x) if _is_key(x) else x)


class Checkpointer:
    """Save and restore ``{"state": pytree, "chunk": int}`` under ``directory`` (keeps the newest few)."""

    def __init__(self, directory: str | Path, max_to_keep: int = 2):
        import orbax.checkpoint as ocp

        self._ocp = ocp
        self.manager = ocp.CheckpointManager(
            Path(directory).resolve(),
            options=ocp.CheckpointManagerOptions(max_to_keep=max_to_keep, enable_async_checkpointing=False,
                                                 create=True))

    def latest(self) -> int | None:
        """Chunk index of the newest complete checkpoint, or None."""
        return self.manager.latest_step()

    def save(self, chunk: int, state: Any) -> None:
        """Write the state reached after ``chunk`` chunks."""
        leaves = {f"{i:05d}": _plain(x) for i, x in enumerate(jax.tree.leaves(state))}
        self.manager.save(chunk, args=self._ocp.args.StandardSave(leaves), force=True)
        self.manager.wait_until_finished()

    def restore(self, chunk: int, template: Any) -> Any:
        """The state saved at ``chunk``, in the structure (and shapes) of ``template``."""
        leaves, treedef = jax.tree.flatten(template)
        plain = [_plain(x) for x in leaves]
        abstract = {f"{i:05d}": np.zeros(x.shape, x.dtype) for i, x in enumerate(plain)}
        saved = self.manager.restore(chunk, args=self._ocp.args.StandardRestore(abstract))
        restored = [np.asarray(saved[f"{i:05d}"]) for i in range(len(leaves))]
        restored = [jax.random.wrap_key_data(r, impl=jax.random.key_impl(t)) if _is_key(t) else r
                    for r, t in zip(restored, leaves, strict=True)]
        return jax.tree.unflatten(treedef, restored)

    def close(self) -> None:
        self.manager.close()
