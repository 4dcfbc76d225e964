"""Report and sweep workers share the cores: each worker's BLAS starts with the pool's thread
count (checks.app.processes), unless the user chose one."""

import os

from checks.app import processes


def _blas_settings() -> dict[str, str | None]:
    return {name: os.environ.get(name) for name in processes.BLAS_THREAD_VARIABLES}


def test_a_worker_loads_blas_with_the_pools_thread_count(monkeypatch):
    for name in processes.BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    workers = processes.pool(1, numba_threads=1)
    try:
        seen = workers.submit(_blas_settings).result(timeout=120)
    finally:
        workers.shutdown()
    assert seen == {name: "1" for name in processes.BLAS_THREAD_VARIABLES}
    assert _blas_settings() == {name: None for name in processes.BLAS_THREAD_VARIABLES}   # the parent's are its own


def test_a_thread_count_the_user_set_is_kept(monkeypatch):
    chosen = "3"
    for name in processes.BLAS_THREAD_VARIABLES:
        monkeypatch.setenv(name, chosen)
    workers = processes.pool(1, numba_threads=1)
    try:
        seen = workers.submit(_blas_settings).result(timeout=120)
    finally:
        workers.shutdown()
    assert seen == {name: chosen for name in processes.BLAS_THREAD_VARIABLES}
