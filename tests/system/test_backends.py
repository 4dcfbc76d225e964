"""The same numbers with mpmath's gmpy2 backend and its pure-Python one, and without numba's JIT (the
numpy engine runs, and the report's environment says so)."""

import json
import os
import subprocess
import sys

import mpmath
import pytest

from checks import claims as catalogue
from tests.processes import ROOT, child_env


@pytest.mark.slow   # a child process that imports everything without numba's JIT
def test_with_the_jit_disabled_the_numpy_engine_runs_and_the_environment_says_so():
    code = ("import numpy as np; from theory import Teacher, dynamics, reduced_gd; from checks.app import report;"
            "from checks.verdicts import budget as registry;"
            "t = Teacher([0.3, -1.0, 0.7], [1.0, 0.2, -0.4]);"
            "V, A = dynamics.random_init(t, 4, np.random.default_rng(0));"
            "print(reduced_gd.compiled_kernel(), dynamics.run_gd(t, V, A, steps=50).engine,"
            " report.environment(registry.Budget('quick'), 0)['gd_engine'])")
    out = subprocess.run([sys.executable, "-c", code], env=child_env(NUMBA_DISABLE_JIT="1"), capture_output=True,
                         text=True, timeout=120, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["None", "reduced-numpy", "reduced-numpy"]


EVIDENCE_SCRIPT = """
import json, mpmath
from checks.claims import get, plan
from checks.verdicts.jsonable import jsonable
out = {"backend": mpmath.libmp.BACKEND}
for claim in ("gaussian-kernel", "gradients", "spurious-local-minimum"):
    outcome, _ = get(claim).run(plan("quick"), 5)
    out[claim] = jsonable(outcome.evidence)
print(json.dumps(out))
"""


def _evidence(without_gmpy: bool) -> dict:
    env = dict(os.environ)
    env.pop("MPMATH_NOGMPY", None)
    if without_gmpy:
        env["MPMATH_NOGMPY"] = "1"   # mpmath then uses its pure-Python integers
    result = subprocess.run([sys.executable, "-c", EVIDENCE_SCRIPT], capture_output=True, text=True,
                            env=env, check=True, timeout=300)
    return json.loads(result.stdout)


@pytest.mark.slow
def test_python_and_gmpy_backends_give_identical_evidence():
    plain = _evidence(without_gmpy=True)
    assert plain.pop("backend") == "python"
    default = _evidence(without_gmpy=False)
    backend = default.pop("backend")
    assert backend == mpmath.libmp.BACKEND  # gmpy where gmpy2 is installed
    assert plain == default


def test_every_claim_reports_the_mpmath_backend_in_the_environment():
    from checks.app.report import environment
    from checks.verdicts.budget import Budget
    assert environment(Budget("quick"), 0)["backend"] == mpmath.libmp.BACKEND
    assert catalogue.all_claims()
