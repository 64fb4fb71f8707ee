"""The validation child as a process: clean environment, resource limits, and a life tied to its parent.

The payload goes to the child as one JSON line on stdin, and the parent keeps stdin open while the child
runs: the child watches that pipe and exits the moment it reads end-of-file (the parent died or gave
up). On Linux the child also asks the kernel for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``),
which covers a parent killed by a signal it could not handle. Results come back as lines
``ENVGEN-SANDBOX <json>`` on stdout; everything else the child prints is ignored.

A child can be started before its work is known (:class:`ChildProcess`): the first line then holds
only the setup, the child imports and compiles what it can, and the work follows as a second line.
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
_stdin = bytearray()
def _read_line():
    while b"\\n" not in _stdin:
        chunk = os.read(0, 65536)  # unbuffered, so no later line is swallowed by a buffer
        if not chunk:
            return None
        _stdin.extend(chunk)
    end = _stdin.index(b"\\n")
    line = bytes(_stdin[:end])
    del _stdin[:end + 1]
    return line
payload = json.loads(_read_line())
for name, value in payload["rlimits"].items():
    resource.setrlimit(getattr(resource, name), tuple(value))
try:
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL
except Exception:
    pass
if os.getppid() != payload["parent_pid"]:
    os._exit(3)  # the parent died before the death signal was armed
_work, _work_ready = [], threading.Event()
def _watch_parent():
    if "programs" not in payload:  # started early: the work arrives as a second line
        line = _read_line()
        try:
            _work.append(json.loads(line))
        except (TypeError, ValueError):
            os._exit(3)  # end-of-file (the parent is gone) or a garbled line
        _work_ready.set()
    while os.read(0, 4096):  # returns b"" only at end-of-file, when the parent is gone
        pass
    os._exit(3)
threading.Thread(target=_watch_parent, daemon=True).start()
def next_work():
    _work_ready.wait()
    return _work[0]
"""
BOOTSTRAP = (
    APPLY_LIMITS
    + """
sys.path[:0] = payload["paths"]
from envgen.rewards.sandbox.child import child_main
child_main(payload, next_work)
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


class ChildProcess:
    """A validation child started now: ``payload`` is its first stdin line; :meth:`send` adds the work
    when it is known, and :meth:`wait` collects what came back."""

    def __init__(self, payload: Mapping[str, Any], limits: SandboxLimits, command: Sequence[str] | None = None):
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
        self.limits = limits
        cmd = list(command) if command is not None else [sys.executable, "-I", "-c", BOOTSTRAP]
        self._home = tempfile.TemporaryDirectory(prefix="envgen-sandbox-")
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=self._home.name,
            env=child_environment(self._home.name),
            start_new_session=True,  # its own group, so a kill reaches the threads and anything it started
            close_fds=True,
        )
        self._out, self._err = bytearray(), bytearray()
        self._readers = [
            threading.Thread(target=_drain, args=(self.proc.stdout, self._out, MAX_STDOUT_BYTES, False), daemon=True),
            threading.Thread(target=_drain, args=(self.proc.stderr, self._err, STDERR_TAIL_BYTES, True), daemon=True),
        ]
        for r in self._readers:
            r.start()
        self.send(payload)

    def send(self, message: Mapping[str, Any]) -> None:
        """One more JSON line on the child's stdin (a child that already died is found by :meth:`wait`)."""
        with contextlib.suppress(BrokenPipeError, OSError, ValueError):
            self.proc.stdin.write(json.dumps(message).encode() + b"\n")
            self.proc.stdin.flush()

    def wait(self) -> ChildRun:
        """Wait up to the limits' timeout for the child to finish (killing its group after that)."""
        timed_out = False
        try:
            self.proc.wait(timeout=self.limits.timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            self.close()
        events = []
        for line in self._out.decode("utf-8", "replace").splitlines():
            if line.startswith(MARK):
                with contextlib.suppress(ValueError):  # a garbled line is ignored; missing results are failures
                    events.append(json.loads(line[len(MARK) :]))
        return ChildRun(events, self.proc.returncode, timed_out, self._err.decode("utf-8", "replace")[-2000:],
                        self.proc.pid)

    def close(self) -> None:
        """Kill the child's group if it still runs, and remove its folder."""
        if self.proc.poll() is None:
            _kill_group(self.proc)
            self.proc.wait()
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        for r in self._readers:
            r.join(timeout=5)
        self._home.cleanup()


def run_child(payload: Mapping[str, Any], limits: SandboxLimits, command: Sequence[str] | None = None) -> ChildRun:
    """Run one validation child on ``payload`` under ``limits``; kill its process group on timeout.

    ``command`` replaces the interpreter command line (a test hook); the payload arrives as the first
    line of stdin, which stays open until the child is done.
    """
    return ChildProcess(payload, limits, command).wait()


def encode_arrays(arrays: Sequence[Any]) -> list[dict[str, Any]]:
    """Arrays as JSON-safe records (dtype, shape, base64 bytes), for the child's stdin."""
    import base64

    import numpy as np

    out = []
    for a in arrays:
        a = np.ascontiguousarray(a)
        out.append({"dtype": a.dtype.name, "shape": list(a.shape), "data": base64.b64encode(a.tobytes()).decode()})
    return out


_DTYPES = ("bool", "uint8", "int8", "uint16", "int16", "uint32", "int32", "float32")


def decode_arrays(records: Sequence[Mapping[str, Any]]) -> list[Any]:
    """The inverse of :func:`encode_arrays`, accepting only plain numeric dtypes and exact sizes."""
    import base64

    import numpy as np

    out = []
    for r in records:
        if r["dtype"] not in _DTYPES or not all(isinstance(d, int) and d >= 0 for d in r["shape"]):
            raise ValueError(f"bad array record: {r['dtype']!r} {r['shape']!r}")
        data = base64.b64decode(r["data"], validate=True)
        dtype = np.dtype(r["dtype"])
        if len(data) != dtype.itemsize * int(np.prod(r["shape"], dtype=np.int64)):
            raise ValueError("array record size does not match its shape")
        out.append(np.frombuffer(data, dtype).reshape(r["shape"]))
    return out


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
