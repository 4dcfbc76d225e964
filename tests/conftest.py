"""Hypothesis profiles, per-test hygiene, and the quick report built once per run.

Profiles (select with HYPOTHESIS_PROFILE=name; CI=true selects `ci`):
  dev       quick local runs, random seeds;
  ci        Hypothesis' built-in ci profile (derandomized, no database) with more examples;
  thorough  many examples, for occasional deep runs.

The quick report the verdict tests read is built by one worker (xdist's ``--dist loadgroup``);
the run's summary says who built it and how long it took, and a run in which it was built twice
fails (pytest ≥ 9.2 silently ignores loadgroup: pytest-dev/pytest-xdist#1386).
"""

import os

# Each xdist worker runs numba's parallel kernels on every core, so the workers oversubscribe the
# machine; OpenMP threads that spin while they wait for the next kernel call then take the cores
# from the other worker. Passive waiting changes no number (the kernels do not depend on the
# thread count) and is read when numba first starts its threads, after this.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# Likewise each worker's BLAS would start a thread per core: with the workers already filling the
# cores those threads spin against each other (as in checks.app.processes). Read when numpy loads
# BLAS, which no plugin has done yet in an xdist worker.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")

import contextlib
import io
import sys
import time
from pathlib import Path

import mpmath
import pytest
from hypothesis import HealthCheck, settings

# Let the test processes cache bytecode even where PYTHONDONTWRITEBYTECODE is set (this machine sets
# it): otherwise every xdist worker compiles every module of theory/ and checks/ and pytest rewrites
# every test module's asserts again on every run (≈ 3.4 s of each worker's start). Test modules are
# imported after this file; the caches go to the __pycache__ folders git ignores.
sys.dont_write_bytecode = False

settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile("ci", parent=settings.get_profile("ci"), max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def one_numba_thread_per_worker():
    """Under xdist the workers already fill the cores: each test starts with one numba thread
    (numba's count is per calling thread; a test that varies it sets its own). The kernels'
    numbers do not depend on it (tests/unit/test_threads.py)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import numba
        numba.set_num_threads(1)
    yield


@pytest.fixture(autouse=True)
def restore_mpmath_precision():
    """No test may leak a changed mpmath precision into the next one."""
    prec = mpmath.mp.prec
    yield
    mpmath.mp.prec = prec


QUICK_REPORT_SEED = 0
_BUILT = "quick-report-built-by-*.txt"   # one file per process that built the quick report


def _run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every process of this test run shares: xdist gives each worker ``basetemp/popen-gwN``
    of the controller's basetemp."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def quick_report(tmp_path_factory):
    """(exit code, output folder, stderr) of `theorycheck report --budget quick`, built once per test
    run: the tests that read it share the xdist group "quick-report", so one worker builds it. A
    second build means the grouping is off (pytest-dev/pytest-xdist#1386: pytest ≥ 9.2 ignores
    ``--dist loadgroup``), and the run fails loudly instead of silently building it per worker."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    record = _run_folder(tmp_path_factory)
    earlier = sorted(path.name for path in record.glob(_BUILT))
    if earlier:
        raise RuntimeError(f"the quick report is being built a second time (by {worker}, after {earlier}): "
                           "xdist's loadgroup is not in effect — see pyproject.toml's pytest pin")
    from checks.app import cli  # only the worker that builds the report needs the programs
    out = tmp_path_factory.mktemp("quick-report")
    err = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stderr(err):
        # in this process: the suite already keeps every core busy, and spawning report workers
        # would only add their start-up (tests/system/test_cli.py checks that job counts agree)
        code = cli.main(["report", "--out", str(out), "--seed", str(QUICK_REPORT_SEED), "--jobs", "1"])
    (record / _BUILT.replace("*", worker)).write_text(f"{worker} {time.perf_counter() - started:.1f}\n")
    return code, out, err.getvalue()


def pytest_configure(config: pytest.Config) -> None:
    """Under xdist the suite needs ``--dist loadgroup`` (pyproject.toml's addopts): the quick report
    and each step fault's kernel are built once, by the worker of their group."""
    if getattr(config.option, "numprocesses", None) and config.getoption("dist") != "loadgroup":
        raise pytest.UsageError(f"run the suite with --dist loadgroup (got --dist {config.getoption('dist')}): "
                                "the quick report and the step faults' kernels are built once per group")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """On the controller (or a plain run): how many processes built the quick report; more than one
    fails the run."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    factory = getattr(session.config, "_tmp_path_factory", None)    # the basetemp xdist hands its workers
    if factory is None:
        return
    records = sorted(factory.getbasetemp().glob(_BUILT))
    builds = [path.read_text().split() for path in records]
    session.config.stash[_QUICK_REPORT_BUILDS] = builds
    if len(builds) > 1:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_QUICK_REPORT_BUILDS = pytest.StashKey[list]()


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    builds = config.stash.get(_QUICK_REPORT_BUILDS, [])
    if len(builds) == 1:
        worker, seconds = builds[0]
        terminalreporter.write_line(f"quick report: built once, by {worker}, in {seconds} s")
    elif builds:
        terminalreporter.write_line(f"quick report: built {len(builds)} times ({', '.join(w for w, _ in builds)}): "
                                    "xdist's loadgroup is not in effect; the run fails", red=True, bold=True)
