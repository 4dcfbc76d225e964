"""Limits and checks the programs apply before any work: processes, untrusted JSON, writable
folders; and which exceptions mark an infrastructure failure (not a refutation)."""

from __future__ import annotations

import errno
import json
import math
import os
import socket
import stat
import tempfile
from concurrent.futures import BrokenExecutor
from pathlib import Path
from typing import Any

from checks.verdicts.errors import InfrastructureError
from theory.validation import InvalidInput

__all__ = ["JSON_MAX_BYTES", "JSON_MAX_DEPTH", "MAX_PROCESSES", "PROCESS_MEMORY", "SCHEDULER_WAIT_SECONDS",
           "available_memory", "check_processes", "check_scheduler", "check_writable", "is_infrastructure",
           "read_json"]

MAX_PROCESSES = 1024          # --jobs, --workers
# What one worker process holds once it has run a chunk or a claim: ≈ 185 MB measured (issue 29:
# 16 workers 3.3 GB, 40 workers 7.8 GB) — numpy, numba, the compiled kernels, the claim's data.
PROCESS_MEMORY = 200 << 20
JSON_MAX_BYTES = 16 << 20     # an untrusted claims.json / fuzz.json (a real one is < 1 MB)
JSON_MAX_DEPTH = 64           # nesting of an untrusted JSON document (a real one has < 10)


def read_json(path: Path, what: str, max_bytes: int | None = None, max_depth: int | None = None) -> Any:
    """An untrusted JSON file: a regular file (not a FIFO, device or directory, opened without
    blocking), at most ``max_bytes`` long, nested at most ``max_depth`` deep, with no NaN or
    infinities (limits default to JSON_MAX_BYTES and JSON_MAX_DEPTH). Anything else is a
    ValueError naming ``what`` and ``path``."""
    max_bytes = JSON_MAX_BYTES if max_bytes is None else max_bytes
    max_depth = JSON_MAX_DEPTH if max_depth is None else max_depth
    def refuse(constant):
        raise InvalidInput(f"{constant} is not a JSON number")

    def finite(text):   # 1e999 would be read as inf
        value = float(text)
        if not math.isfinite(value):
            raise InvalidInput(f"{text[:20]} is beyond float64")
        return value
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InvalidInput(f"{what} {path}: cannot read it ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InvalidInput(f"{what} {path}: not a regular file")
        if info.st_size > max_bytes:
            raise InvalidInput(f"{what} {path}: {info.st_size:,} bytes, more than the {max_bytes:,} allowed")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InvalidInput(f"{what} {path}: cannot read it ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if len(raw) > max_bytes:
        raise InvalidInput(f"{what} {path}: more than the {max_bytes:,} bytes allowed")
    try:
        text = raw.decode("utf-8")
        if _depth(text, max_depth) > max_depth:
            raise InvalidInput(f"nested more than the {max_depth} levels allowed")
        return json.loads(text, parse_constant=refuse, parse_float=finite)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidInput(f"{what} {path}: cannot read it ({exc})") from None


def _depth(text: str, limit: int) -> int:
    """The deepest nesting of [ and { outside JSON strings (or limit + 1, once beyond), without recursion."""
    depth = deepest = 0
    inside = escaped = False
    for ch in text:
        if inside:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                inside = False
        elif ch == '"':
            inside = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                break
        elif ch in "]}":
            depth -= 1
    return deepest


def available_memory() -> int | None:
    """Bytes of memory available to new processes now: the kernel's MemAvailable, or less when a
    cgroup (a container) limits this process; None where neither can be read."""
    available = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                available = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        try:
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            available = None
    try:   # cgroup v2: the limit less what the group already uses
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit.isdigit():
            left = int(limit) - int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
            available = left if available is None else min(available, left)
    except (OSError, ValueError):
        pass
    return available


def check_processes(count: int, option: str) -> None:
    """``count`` worker processes fit in the memory available now (PROCESS_MEMORY each), else an
    InvalidInput naming the bound: 128 workers would fill a 24 GB machine and swap it to a halt."""
    available = available_memory()
    if available is None:
        return
    bound = max(1, available // PROCESS_MEMORY)
    if count > bound:
        raise InvalidInput(f"{option} {count:,}: each worker process needs about {PROCESS_MEMORY >> 20} MB and "
                           f"{available / 2**30:.1f} GiB of memory are available now: at most {bound:,}")


SCHEDULER_WAIT_SECONDS = 5.0


def check_scheduler(address: str, seconds: float | None = None) -> None:
    """Something at ``address`` (tcp://HOST:PORT, or HOST:PORT) speaks first, as a Dask scheduler
    does (its handshake, at once), within ``seconds``: else an InvalidInput saying what is there.
    distributed's own connect waits without end on a listener that never speaks (a dashboard's
    HTTP port, any silent server), whatever its timeout. Other schemes (tls://, inproc://) are
    left to distributed."""
    seconds = SCHEDULER_WAIT_SECONDS if seconds is None else seconds
    rest = address.strip()
    if "://" in rest:
        scheme, rest = rest.split("://", 1)
        if scheme != "tcp":
            return
    host, _, port_text = rest.rstrip("/").rpartition(":")
    host = host.strip("[]")
    if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InvalidInput(f"cannot reach a Dask scheduler at {address!r}: not an address like tcp://127.0.0.1:8786")
    try:
        with socket.create_connection((host, int(port_text)), timeout=seconds) as connection:
            connection.settimeout(seconds)
            first = connection.recv(1)
    except TimeoutError:
        raise InvalidInput(f"--dask {address}: a connection opened but nothing spoke the Dask protocol within "
                           f"{seconds:g} s (a dashboard's port? a scheduler's is 8786 by default)") from None
    except OSError as exc:
        raise InvalidInput(f"cannot reach a Dask scheduler at {address!r} ({exc.strerror or exc})") from None
    if not first:
        raise InvalidInput(f"--dask {address}: the connection was closed at once; not a Dask scheduler")


def check_writable(folder: Path, option: str) -> None:
    """``folder`` exists or can be created, and a file can be created in it (a read-only or full
    file system is found now, once, not after the work); else an InfrastructureError."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".theorycheck-probe-") as probe:
            probe.write(b"x")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        raise InfrastructureError(f"{option} {folder} cannot be written ({exc.strerror or exc})") from None


def is_infrastructure(exc: BaseException) -> bool:
    """A failure of the machinery: a broken pool, a killed worker (also a Dask one), a full disk,
    memory exhausted (inputs are range-checked first, so a MemoryError is the machine's)."""
    if isinstance(exc, (InfrastructureError, BrokenExecutor, MemoryError)):
        return True
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO):
        return True
    return type(exc).__name__ in ("KilledWorker", "CommClosedError")
