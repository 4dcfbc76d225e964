"""The same numbers with mpmath's gmpy2 backend and its pure-Python one; Ctrl-C during `fuzz` and
`sweep` leaves earlier outputs intact."""

import json
import os
import subprocess
import sys

import mpmath
import pytest

from checks import claims as catalogue
from checks.app import cli, fuzz, sweep

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


def test_interrupted_fuzz_keeps_the_previous_findings(tmp_path, capsys, monkeypatch):
    (tmp_path / "fuzz.json").write_text('{"previous": true}')

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(fuzz, "run_target", interrupted)
    assert cli.main(["fuzz", "--time", "1s", "--out", str(tmp_path)]) == 130
    assert json.loads((tmp_path / "fuzz.json").read_text()) == {"previous": True}
    assert "previous outputs left intact" in capsys.readouterr().err


def test_interrupted_sweep_keeps_the_previous_table(tmp_path, capsys, monkeypatch):
    (tmp_path / "sweep.json").write_text('{"previous": true}')

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(sweep, "run_sweep", interrupted)
    code = cli.main(["sweep", "--ks", "2", "--ratios", "0.5", "--etas", "1", "--runs", "10",
                     "--workers", "1", "--out", str(tmp_path), "--cache", str(tmp_path / "c"), "--force"])
    assert code == 130 and json.loads((tmp_path / "sweep.json").read_text()) == {"previous": True}
    capsys.readouterr()


def test_every_claim_reports_the_mpmath_backend_in_the_environment():
    from checks.app.report import environment
    from checks.verdicts.budget import Budget
    assert environment(Budget("quick"), 0)["backend"] == mpmath.libmp.BACKEND
    assert catalogue.all_claims()
