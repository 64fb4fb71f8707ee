"""The validation child as a process: clean environment, resource limits, and a life tied to its parent.

The payload goes to the child as one JSON line on stdin, and the parent keeps stdin open while the child
runs: the child watches that pipe and exits the moment it reads end-of-file (the parent died or gave
up). On Linux the child also asks the kernel for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``),
which covers a parent killed by a signal it could not handle. Results come back as lines
``ENVGEN-SANDBOX <json>`` on stdout; everything else the child prints is ignored.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from envgen.rewards.sandbox.report import SandboxLimits

MARK = "ENVGEN-SANDBOX "
MAX_STDOUT_BYTES = 8 << 20  # protocol output beyond this is dropped (a child cannot fill the parent's memory)
STDERR_TAIL_BYTES = 4096

# The limits are applied first, before anything else is imported; then the child binds its life to the
# parent (death signal, and a thread that exits when the parent's end of stdin closes).
APPLY_LIMITS = """
import json, os, resource, sys, threading
payload = json.loads(sys.stdin.readline())
for name, value in payload["rlimits"].items():
    resource.setrlimit(getattr(resource, name), tuple(value))
try:
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL
except Exception:
    pass
if os.getppid() != payload["parent_pid"]:
    os._exit(3)  # the parent died before the death signal was armed
def _watch_parent():
    while os.read(0, 4096):  # unbuffered: returns b"" only at end-of-file, when the parent is gone
        pass
    os._exit(3)
threading.Thread(target=_watch_parent, daemon=True).start()
"""
BOOTSTRAP = (
    APPLY_LIMITS
    + """
sys.path[:0] = payload["paths"]
from envgen.rewards.sandbox.child import child_main
child_main(payload)
"""
)


def child_environment(home: str) -> dict[str, str]:
    """The whole environment of a validation child: nothing inherited, so no API key can leak."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "JAX_PLATFORMS": "cpu",
        "JAX_ENABLE_X64": "0",
        "OMP_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }


@dataclasses.dataclass
class ChildRun:
    """What came back from one child: its protocol events, exit status and stderr tail."""

    events: list[dict[str, Any]]
    returncode: int | None
    timed_out: bool
    stderr_tail: str
    pid: int


def run_child(payload: Mapping[str, Any], limits: SandboxLimits, command: Sequence[str] | None = None) -> ChildRun:
    """Run one validation child on ``payload`` under ``limits``; kill its process group on timeout.

    ``command`` replaces the interpreter command line (a test hook); the payload arrives as the first
    line of stdin, which stays open until the child is done.
    """
    mem = limits.memory_mb * 1024 * 1024
    payload = {
        **payload,
        "parent_pid": os.getpid(),
        "rlimits": {
            "RLIMIT_AS": [mem, mem],
            "RLIMIT_CPU": [limits.cpu_s, limits.cpu_s + 5],
            "RLIMIT_FSIZE": [16 << 20, 16 << 20],
            "RLIMIT_CORE": [0, 0],
        },
    }
    cmd = list(command) if command is not None else [sys.executable, "-I", "-c", BOOTSTRAP]
    with tempfile.TemporaryDirectory(prefix="envgen-sandbox-") as home:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=home,
            env=child_environment(home),
            start_new_session=True,  # its own group, so a kill reaches the threads and anything it started
            close_fds=True,
        )
        out, err = bytearray(), bytearray()
        readers = [
            threading.Thread(target=_drain, args=(proc.stdout, out, MAX_STDOUT_BYTES, False), daemon=True),
            threading.Thread(target=_drain, args=(proc.stderr, err, STDERR_TAIL_BYTES, True), daemon=True),
        ]
        for r in readers:
            r.start()
        timed_out = False
        try:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.write(json.dumps(payload).encode() + b"\n")
                proc.stdin.flush()
            proc.wait(timeout=limits.timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            if proc.poll() is None:
                _kill_group(proc)
                proc.wait()
            with contextlib.suppress(OSError):
                proc.stdin.close()
            for r in readers:
                r.join(timeout=5)
    events = []
    for line in out.decode("utf-8", "replace").splitlines():
        if line.startswith(MARK):
            with contextlib.suppress(ValueError):  # a garbled line is ignored; missing results are failures
                events.append(json.loads(line[len(MARK) :]))
    return ChildRun(events, proc.returncode, timed_out, err.decode("utf-8", "replace")[-2000:], proc.pid)


def _drain(stream: Any, buf: bytearray, limit: int, keep_tail: bool) -> None:
    """Read ``stream`` to its end, keeping the first (or, with ``keep_tail``, the last) ``limit`` bytes."""
    while chunk := stream.read(65536):
        if keep_tail:
            buf.extend(chunk)
            del buf[:-limit]
        elif len(buf) < limit:
            buf.extend(chunk[: limit - len(buf)])


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # the child leads its own session: this is our group only
