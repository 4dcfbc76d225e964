"""numba's on-disk compile cache, made optional: a cache that cannot be used is bypassed, never an error.

numba's own ``cache=True`` fails hard in three ways. At decoration, when it finds no folder it may
write (the source tree, ``NUMBA_CACHE_DIR``, the user cache folder — a read-only install run with a
read-only HOME): ``RuntimeError: cannot cache function …: no locator available``. At the first call,
when a cache file is damaged: a truncated ``.nbc`` raises ``UnpicklingError``, an empty ``.nbi``
``EOFError``, a directory in place of either ``IsADirectoryError`` — in every later process too,
until someone deletes the file by hand. And numba stamps an entry with the function's own file
only, while the GD loops inline code of other files.

:func:`jit` compiles with an :class:`OptionalCache` instead:

* no folder to write to: the function is compiled in memory (a few seconds per process);
* an entry that cannot be read: it is dropped, the function compiled afresh and saved again;
* an entry that cannot be written: it is dropped and written once more; failing again, the
  function stays compiled in memory;
* every entry is stamped with a digest of all the files its code comes from
  (:func:`forget_stale_cache`), so an edit of an inlined file drops it.

Each bypass is said in one line on the logger of this module (``theory.compile_cache``, level
WARNING), once per process and cause. A logger and not :mod:`warnings`: nothing the calling code
does caused it or can fix it (the Python logging guide's rule for ``logging.warning`` over
``warnings.warn``), a warning filter set to ``error`` (``python -W error``, pytest's
``filterwarnings = error``) would turn the bypass back into the crash it replaces, and with no
logging configured Python prints a logged warning as exactly its message on stderr.
"""

from __future__ import annotations

import glob
import hashlib
import inspect
import logging
import os
import shutil
import threading
from pathlib import Path
from typing import Any

__all__ = [
    "LOG",
    "NO_FOLDER",
    "OptionalCache",
    "drop_entries",
    "forget_stale_cache",
    "jit",
    "say_once",
]

FunctionCache: Any
try:
    from numba.core.caching import FunctionCache
except ImportError:  # pragma: no cover - numba is a declared dependency; nothing is compiled without it
    FunctionCache = object

LOG = logging.getLogger(__name__)
_SAID: set[str] = set()
_SAID_LOCK = threading.Lock()

NO_FOLDER = ("numba finds no folder it may write compiled code to (the source tree, NUMBA_CACHE_DIR and the "
             "user cache folder are read-only): compiling in memory, a few seconds per process; set "
             "NUMBA_CACHE_DIR to a writable folder to keep the compiled code")


def say_once(line: str) -> None:
    """Log ``line`` as a warning unless this process already has."""
    with _SAID_LOCK:
        if line in _SAID:
            return
        _SAID.add(line)
    LOG.warning(line)


def jit(function, sources: tuple[Path, ...], **options) -> Any:
    """``numba.njit(**options)(function)`` with an :class:`OptionalCache` on disk when numba finds a
    folder for it, else compiled in memory (one line said). ``sources``: every file whose code or
    constants the compiled function contains. Needs numba."""
    import numba
    compiled = numba.njit(**options)(function)   # not cache=True: that raises when no folder is writable
    if numba.config.DISABLE_JIT:   # type: ignore[attr-defined]  # the plain function: nothing to cache
        return compiled
    try:
        cache = OptionalCache(compiled.py_func, tuple(sources))
    except RuntimeError as error:   # numba's "cannot cache function …: no locator available"
        say_once(NO_FOLDER if "no locator" in str(error) else f"numba cannot cache compiled code ({error}): "
                 "compiling in memory")
        return compiled
    compiled._cache = cache   # what numba's Dispatcher.enable_caching() does, with this cache
    return compiled


class OptionalCache(FunctionCache):
    """numba's FunctionCache for one function, with every failure to read or write an entry turned
    into a dropped entry and an in-memory compile (see the module docstring)."""

    def __init__(self, py_func, sources: tuple[Path, ...]):
        super().__init__(py_func)   # RuntimeError when numba finds no folder it may write
        # numba names the entries "<module>.<qualname>-<line>.py<version>…": the prefix covers the
        # entries of every line number the function ever had
        qualname = py_func.__qualname__.replace("<", "").replace(">", "")
        self.prefix = f"{Path(inspect.getfile(py_func)).stem}.{qualname}"
        self.folder = Path(self.cache_path)
        try:
            forget_stale_cache(self.folder, self.prefix, sources)
        except OSError as error:
            self._bypass(f"its stamp cannot be checked or written ({error})")

    def load_overload(self, sig, target_context):
        try:
            return super().load_overload(sig, target_context)
        except Exception as error:   # any damage: truncated, empty, a directory in its place, foreign bytes
            self._drop(f"cannot be read ({type(error).__name__}: {error})")
            return None

    def save_overload(self, sig, data):
        try:
            super().save_overload(sig, data)
            return
        except Exception as error:   # a directory in place of the entry, a full disk, a folder made read-only
            if not self._drop(f"cannot be written ({type(error).__name__}: {error})"):
                return
        try:
            super().save_overload(sig, data)
        except Exception as error:
            self._bypass(f"it cannot be written ({type(error).__name__}: {error})")

    def _drop(self, why: str) -> bool:
        """Delete this function's entries (files or directories in their place); False, and no
        more caching, when they cannot be deleted."""
        try:
            drop_entries(self.folder, self.prefix)
        except OSError as error:
            self._bypass(f"its damaged entry {why} and cannot be deleted ({error})")
            return False
        say_once(f"numba's cached code for {self.prefix} in {self.folder} {why}: dropped, compiling afresh")
        return True

    def _bypass(self, why: str) -> None:
        self.disable()
        say_once(f"numba's cache for {self.prefix} in {self.folder} is not used: {why}; compiling in memory")


def drop_entries(folder: Path, prefix: str) -> None:
    """Delete numba's entries ``folder/prefix-*`` — and whatever stands in their place."""
    for entry in folder.glob(f"{glob.escape(prefix)}-*"):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink(missing_ok=True)


def forget_stale_cache(folder: Path, prefix: str, sources: tuple[Path, ...]) -> None:
    """Delete numba's cached machine code ``folder/prefix-*`` unless it was made from these
    ``sources``: a digest of their bytes is kept beside it in ``folder/prefix.sources``. numba
    checks only the stamp of the function's own file, so an edit of another file the loop
    inlines would otherwise run the old code (numba's documented limit of ``cache=True``). A
    stamp that cannot be read as this digest (missing, damaged, a directory) counts as stale.
    OSError when the entries cannot be deleted or the stamp cannot be written."""
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in sources)).hexdigest()
    stamp = folder / f"{prefix}.sources"
    try:
        found = stamp.read_text(encoding="ascii")
    except FileNotFoundError:
        found = ""
    except (OSError, ValueError) as error:   # a directory in its place, unreadable, not text
        found = f"{type(error).__name__}: {error}"
    if found == digest:
        return
    if found and not (len(found) == len(digest) and all(c in "0123456789abcdef" for c in found)):
        say_once(f"numba's cache stamp {stamp} is damaged ({found[:80]!r}): its entries are dropped and rebuilt")
    drop_entries(folder, prefix)
    if stamp.is_dir() and not stamp.is_symlink():
        shutil.rmtree(stamp)
    # two processes may both get here: each writes a whole file, the last one stays
    partial = folder / f"{prefix}.sources.{os.getpid()}.tmp"
    try:
        partial.write_text(digest, encoding="ascii")
        partial.replace(stamp)
    finally:
        partial.unlink(missing_ok=True)   # a full disk leaves no partial stamp behind
