"""Limits and checks the programs apply before any work: processes, sweep sizes, untrusted JSON,
writable folders; and the error that marks an infrastructure failure (not a refutation)."""

from __future__ import annotations

import errno
import json
import math
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

MAX_PROCESSES = 1024          # --jobs, --workers
MAX_SWEEP_CHUNKS = 100_000    # chunks of one sweep: each is a future, a cache lookup and a file
JSON_MAX_BYTES = 16 << 20     # an untrusted claims.json / fuzz.json (a real one is < 1 MB)
JSON_MAX_DEPTH = 64           # nesting of an untrusted JSON document (a real one has < 10)


class InfrastructureError(Exception):
    """The machine failed, not a claim: a worker killed, a pool broken, a disk full or read-only.
    Reported in one line with its own exit code, distinct from "refuted"."""


def read_json(path: Path, what: str, max_bytes: int | None = None, max_depth: int | None = None) -> Any:
    """An untrusted JSON file: a regular file (not a FIFO, device or directory, opened without
    blocking), at most ``max_bytes`` long, nested at most ``max_depth`` deep, with no NaN or
    infinities (limits default to JSON_MAX_BYTES and JSON_MAX_DEPTH). Anything else is a
    ValueError naming ``what`` and ``path``."""
    max_bytes = JSON_MAX_BYTES if max_bytes is None else max_bytes
    max_depth = JSON_MAX_DEPTH if max_depth is None else max_depth
    def refuse(constant):
        raise ValueError(f"{constant} is not a JSON number")

    def finite(text):   # 1e999 would be read as inf
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"{text[:20]} is beyond float64")
        return value
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise ValueError(f"{what} {path}: cannot read it ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{what} {path}: not a regular file")
        if info.st_size > max_bytes:
            raise ValueError(f"{what} {path}: {info.st_size:,} bytes, more than the {max_bytes:,} allowed")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise ValueError(f"{what} {path}: cannot read it ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if len(raw) > max_bytes:
        raise ValueError(f"{what} {path}: more than the {max_bytes:,} bytes allowed")
    try:
        text = raw.decode("utf-8")
        if _depth(text, max_depth) > max_depth:
            raise ValueError(f"nested more than the {max_depth} levels allowed")
        return json.loads(text, parse_constant=refuse, parse_float=finite)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ValueError(f"{what} {path}: cannot read it ({exc})") from None


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


def sweep_grid_problem(grid) -> str:
    """Why a sweep grid cannot be run as asked ("" when it can): too many chunks to hold, or a
    ratio that a cell's teacher cannot have (it would be measured at another ratio, but labelled
    with this one)."""
    from checks.instances import boundary_ratio
    chunks = len(grid.cells()) * math.ceil(grid.runs / grid.chunk_runs)
    if chunks > MAX_SWEEP_CHUNKS:
        return (f"the sweep would have {chunks:,} chunks, more than the {MAX_SWEEP_CHUNKS:,} allowed "
                f"(raise --chunk-runs, up to 1,048,576, or lower --runs)")
    for k in grid.ks:
        top = k / boundary_ratio(k)   # (1ᵀa*)²/‖a*‖² ≤ k, and = 1 when k = 1
        for ratio in grid.ratios:
            attainable = abs(ratio - 1.0) <= 1e-12 if k == 1 else ratio <= top * (1 + 1e-12)
            if not attainable:
                reach = "only ratio 1 (a* is a scalar: (1ᵀa*)²/‖a*‖² = 1)" if k == 1 else \
                    f"ratios up to {top:.6g} ((1ᵀa*)²/‖a*‖² ≤ k)"
                return f"ratio {ratio:g} is not attainable at k = {k}: it allows {reach}"
    return ""


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
    from concurrent.futures import BrokenExecutor
    if isinstance(exc, (InfrastructureError, BrokenExecutor, MemoryError)):
        return True
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO):
        return True
    return type(exc).__name__ in ("KilledWorker", "CommClosedError")
