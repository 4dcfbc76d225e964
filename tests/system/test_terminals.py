"""Terminals that cannot encode the output (a C locale, PYTHONIOENCODING=ascii): the command still
prints, escaping what it cannot encode, and the report is written."""

import json
import os
import subprocess
import sys

import pytest

from tests.processes import child_env


@pytest.mark.parametrize("env", [{"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
                                 {"PYTHONIOENCODING": "ascii"}])
@pytest.mark.slow
def test_check_prints_on_an_ascii_terminal(env, tmp_path):
    out = subprocess.run([sys.executable, "-m", "checks", "check", "norm-monotone"], capture_output=True,
                         env=child_env(**env), timeout=300, cwd=tmp_path, check=False)
    stdout, stderr = out.stdout.decode("ascii"), out.stderr.decode("ascii")   # nothing else was written
    assert out.returncode == 0, stderr
    assert "UnicodeEncodeError" not in stderr and "Traceback" not in stderr
    assert "norm-monotone: confirmed" in stdout and "\\u2016" in stdout     # ‖ escaped, not lost


_REPORT_IN_A_FAKE_REGISTRY = """# ASCII only: a C locale cannot decode anything else on the command line
import sys
from checks import claims as catalogue
from checks.app import cli
from checks.verdicts.claim import Claim
from checks.verdicts.outcome import Evidence, Outcome
claim = Claim(id="fake", title="fake \\u03c6", source="derived", statement="a claim \\u2016v\\u2016",
              check=lambda budget, seed: Outcome("confirmed", Evidence("ok \\u03c6 \\u2014 \\u2713")))
catalogue.all_claims = lambda: [claim]
sys.exit(cli.main(["report", "--out", sys.argv[1], "--jobs", "1"]))
"""


@pytest.mark.parametrize("env", [{"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
                                 {"PYTHONIOENCODING": "ascii"}])
@pytest.mark.slow
def test_a_unicode_out_folder_on_an_ascii_terminal_keeps_the_report(env, tmp_path):
    out_dir = tmp_path / "Berichte-φ-ü"
    out = subprocess.run([sys.executable, "-c", _REPORT_IN_A_FAKE_REGISTRY, os.fsencode(out_dir)],
                         capture_output=True, env=child_env(**env), timeout=300, cwd=tmp_path, check=False)
    stderr = out.stderr.decode("ascii", "replace")
    assert out.returncode == 0, stderr
    assert "UnicodeEncodeError" not in stderr and "Traceback" not in stderr
    doc = json.loads((out_dir / "claims.json").read_text(encoding="utf-8"))
    assert doc["claims"][0]["evidence"]["summary"] == "ok φ — ✓"
    assert "Berichte-" in doc["environment"]["command"]
    assert (out_dir / "index.html").exists()
    assert b"claims.json" in out.stdout
