"""Worker processes that end with their parent.

A pool's workers are spawned (numba's threading layers are not fork-safe once used), ignore
Ctrl-C (their parent handles it), and each starts a watcher thread: when the process that made
the pool is gone — killed, even by SIGKILL, which runs no cleanup — the worker exits within half
a second instead of living on.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor

__all__ = ["BLAS_THREAD_VARIABLES", "pool", "stop"]


def _watch_parent(parent: int, numba_threads: int | None) -> None:
    # Ctrl-C reaches the whole foreground process group; the parent answers it (cancels what is
    # queued, terminates running tasks with stop(), prints one line), so a worker must not die of it mid-task
    # with a traceback of its own, or leave the pool broken while the parent waits for it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)
    threading.Thread(target=watch, daemon=True, name="theorycheck-parent-watch").start()
    if numba_threads:
        try:
            import numba  # optional: the report runs on the numpy engine without it
            # numba.config sets its options from the environment at import time (through globals()),
            # out of the type checker's sight.
            limit = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
            numba.set_num_threads(min(numba_threads, limit))
        except ImportError:
            pass


# The variables by which BLAS libraries take their thread count when they load: a worker loads
# numpy while it starts (spawn imports the parent's main module), before any initializer runs.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def _blas_threads(threads: int | None):
    """Children spawned inside this context load BLAS with ``threads`` threads, unless the user set
    a count: otherwise each worker's BLAS starts a thread per core, and on a machine the workers
    already fill, those threads spin against each other (empirical-loss ran 3.6× slower in two
    processes at once: 26 s against 7.2 s, 2026-12-08)."""
    chosen = {name: str(threads) for name in BLAS_THREAD_VARIABLES if threads and name not in os.environ}
    os.environ.update(chosen)
    try:
        yield
    finally:
        for name in chosen:
            os.environ.pop(name, None)


class _Pool(ProcessPoolExecutor):
    """Workers are started with Ctrl-C ignored (SIG_IGN survives exec; a Python handler does not):
    a Ctrl-C while a worker was still importing printed a KeyboardInterrupt traceback from it.
    A Ctrl-C arriving in the milliseconds of a start is dropped. Workers inherit the BLAS thread
    count of :func:`_blas_threads`."""

    blas_threads: int | None = None

    def _spawn_process(self):
        if threading.current_thread() is not threading.main_thread():
            with _blas_threads(self.blas_threads):
                return super()._spawn_process()  # type: ignore[misc]  # private: not in the stubs
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            with _blas_threads(self.blas_threads):
                return super()._spawn_process()  # type: ignore[misc]
        finally:
            signal.signal(signal.SIGINT, previous)


def pool(workers: int, numba_threads: int | None = None) -> ProcessPoolExecutor:
    """A spawned process pool whose workers exit when this process dies; with ``numba_threads``,
    each worker's numba and BLAS use that many threads."""
    executor = _Pool(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                     initializer=_watch_parent, initargs=(os.getpid(), numba_threads))
    executor.blas_threads = numba_threads
    return executor


def stop(executor: ProcessPoolExecutor, grace: float = 1.0) -> None:
    """Stop a pool now: cancel what is queued, terminate what runs (an interrupt or a failure must
    not wait for the remaining work), and reap the workers within ``grace`` seconds."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError):   # already gone or closed
            process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
        except (OSError, ValueError, AttributeError, AssertionError):
            pass
