"""The one way theorycheck writes its outputs: every file of a set replaced atomically, together.

A report (claims.json and index.html), fuzz findings, a sweep's outputs and the sweep cache's
entries are all written here: each file to a temporary sibling first, then renamed into place.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["check_destinations", "write_atomically"]


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
