"""Text goal -> validated, solvable environments with sandboxed dense reward programs.

``generate`` runs the loop (see :mod:`envgen.generate.pipeline`), ``write_run`` saves a run folder and
``load`` turns one into a batched, jit/vmap-ready environment. Imports are lazy: this package is light.
"""

from __future__ import annotations

__all__ = ["generate", "load", "write_run"]


def __getattr__(name: str):
    if name == "generate":
        from envgen.generate.pipeline import generate

        return generate
    if name == "write_run":
        from envgen.generate.writer import write_run

        return write_run
    if name == "load":
        from envgen.generate.load import load

        return load
    raise AttributeError(f"module 'envgen.generate' has no attribute {name!r}")
