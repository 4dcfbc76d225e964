"""The one way theorycheck writes its outputs: every file of a set replaced atomically, together,
under a lock on the folder, and named by a manifest written last.

A report (claims.json and index.html), fuzz findings, a sweep's outputs and the sweep cache's
entries are all written here: each file to a temporary sibling first, then renamed into place.
Renames are atomic one by one, not as a set: two writers of one folder could interleave them, and
a process killed between two renames leaves one new file beside an old one. So every command holds
an exclusive lock on its output folder (:class:`OutputLock`) from its first check to its last
write, and :func:`publish` writes, after the set, a manifest naming each file with its SHA-256: a
reader tells a complete set from a mixed one by :func:`complete_set`.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import hashlib
import json
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:     # not POSIX: no lock (theorycheck's engines run on Linux and macOS)
    fcntl = None  # type: ignore[assignment]

__all__ = ["LOCK_NAME", "OutputBusy", "OutputLock", "check_destinations", "complete_set", "publish",
           "write_atomically"]

LOCK_NAME = ".theorycheck.lock"


class OutputBusy(Exception):
    """Another theorycheck process holds the lock on this output folder."""


class OutputLock:
    """An exclusive lock on an output folder: ``flock`` on ``LOCK_NAME`` inside it, released when
    the holder exits however it ends (the kernel drops a dead process's locks). Without ``wait``
    a held lock raises :class:`OutputBusy` at once, naming the holder's process id."""

    def __init__(self, folder: Path, wait: bool = False):
        self.path = Path(folder) / LOCK_NAME
        self.wait = wait
        self._handle: Any = None

    def __enter__(self) -> OutputLock:
        handle = open(self.path, "a+", encoding="utf-8")
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read(200).strip() or "unknown"
                handle.close()
                raise OutputBusy(f"another theorycheck (process {holder}) is writing to {self.path.parent}; "
                                 "wait for it to finish, or choose another folder") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                if fcntl is not None:
                    fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def publish(folder: Path, files: Mapping[str, str], manifest: str) -> None:
    """Write ``files`` (name → text) into ``folder`` together (:func:`write_atomically`), then the
    manifest ``manifest`` naming each with its SHA-256 and the time: written last, it describes a
    complete set, and a set replaced partly (a process killed between two renames) no longer
    matches it. The caller holds the folder's :class:`OutputLock`."""
    write_atomically({folder / name: text for name, text in files.items()})
    record = {"files": {name: _digest(text) for name, text in files.items()},
              "written_utc": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
              "process": os.getpid()}
    write_atomically({folder / manifest: json.dumps(record, indent=2) + "\n"})


def complete_set(folder: Path, manifest: str) -> bool:
    """Whether the files ``manifest`` in ``folder`` names are exactly those it describes (a set
    written together by :func:`publish`, not replaced partly since)."""
    try:
        record = json.loads((Path(folder) / manifest).read_text(encoding="utf-8"))
        return bool(record["files"]) and all(
            hashlib.sha256((Path(folder) / name).read_bytes()).hexdigest() == digest
            for name, digest in record["files"].items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def check_destinations(paths: Iterable[Path]) -> None:
    """Every path is a regular file or absent (a directory or a device in the way would be found
    only after the work, or leave one file new and the other old): else an OSError naming it."""
    for path in paths:
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(mode):
            try:
                mode = os.stat(path).st_mode
            except FileNotFoundError:   # a dangling link is replaced like an absent file
                continue
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
            raise OSError(errno.EISDIR if stat.S_ISDIR(mode) else errno.EEXIST,
                          f"{path} is {kind}; remove it (its sibling outputs are replaced together with it)")


def _remove_stale(path: Path) -> None:
    """Remove what a writer killed while staging left beside ``path`` (older than a minute); a
    staged name that is a dangling link, a directory or already gone is skipped, never fatal."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            info = os.lstat(stale)
            if not stat.S_ISDIR(info.st_mode) and time.time() - info.st_mtime > 60:
                os.unlink(stale)
        except OSError:
            pass


def write_atomically(files: Mapping[Path, str], *, durable: bool = True) -> None:
    """Write every file to a temporary sibling first, then rename them all into place: all of
    them are replaced, or none.

    Every destination is checked first (a directory in the way fails before anything changes);
    when a rename fails midway, the files already renamed are put back (a hard link of each
    previous file is kept until the end). An interrupted run leaves the previous files untouched
    (and no partial ones). ``durable=False`` (the sweep cache's entries, thousands of small files
    that can be recomputed, written from the threads that finish chunks) skips the fsync, the search
    for what a killed writer left behind and the umask (its entries stay private, 0600).
    """
    staged: list[tuple[str, Path]] = []
    kept: dict[Path, str | None] = {}      # previous file's backup, or None where there was none
    mode = 0o666 & ~_current_umask() if durable else None   # the umask is read by setting it: not from threads
    check_destinations(files)
    for path in files if durable else ():
        _remove_stale(path)
    try:
        for path, text in files.items():
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            staged.append((tmp, path))
            if mode is not None:
                os.chmod(tmp, mode)  # mkstemp creates 0600; outputs are ordinary files
            with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as handle:
                handle.write(text)
                if durable:
                    handle.flush()
                    os.fsync(handle.fileno())
        if len(staged) > 1:
            for _, path in staged:
                kept[path] = _backup(path)
        replaced = []
        try:
            for tmp, path in staged:
                os.replace(tmp, path)
                replaced.append(path)
        except BaseException:
            for path in replaced:      # one report or none: put the previous files back
                backup = kept.get(path)
                with contextlib.suppress(OSError):
                    if backup:
                        os.replace(backup, path)
                    else:
                        os.unlink(path)
            raise
    finally:
        for tmp in [tmp for tmp, _ in staged] + [b for b in kept.values() if b]:
            if os.path.lexists(tmp):
                os.unlink(tmp)


def _backup(path: Path) -> str | None:
    """A hard link (a copy where links are not supported) of the file at ``path``, or None."""
    if not os.path.isfile(path):
        return None
    fd, backup = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    os.unlink(backup)
    try:
        os.link(path, backup)
    except OSError:
        shutil.copy2(path, backup)
    return backup


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
