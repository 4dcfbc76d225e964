"""Hypothesis profiles and per-test hygiene.

Profiles (select with HYPOTHESIS_PROFILE=name; CI=true selects `ci`):
  dev       quick local runs, random seeds;
  ci        Hypothesis' built-in ci profile (derandomized, no database) with more examples;
  thorough  many examples, for occasional deep runs.
"""

import os

# Each xdist worker runs numba's parallel kernels on every core, so the workers oversubscribe the
# machine; OpenMP threads that spin while they wait for the next kernel call then take the cores
# from the other worker. Passive waiting changes no number (the kernels do not depend on the
# thread count) and is read when numba first starts its threads, after this.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import mpmath
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile("ci", parent=settings.get_profile("ci"), max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def restore_mpmath_precision():
    """No test may leak a changed mpmath precision into the next one."""
    prec = mpmath.mp.prec
    yield
    mpmath.mp.prec = prec


QUICK_REPORT_SEED = 0


@pytest.fixture(scope="session")
def quick_report(tmp_path_factory):
    """(exit code, output folder, stderr) of `theorycheck report --budget quick`, run once per test
    process: the tests that read it share the xdist group "quick-report", so one worker runs it."""
    import contextlib
    import io

    from checks.app import cli
    out = tmp_path_factory.mktemp("quick-report")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        # in this process: the suite already keeps every core busy, and spawning report workers
        # would only add their start-up (tests/test_cli.py checks that job counts agree)
        code = cli.main(["report", "--out", str(out), "--seed", str(QUICK_REPORT_SEED), "--jobs", "1"])
    return code, out, err.getvalue()
