"""The claim real-network without JAX: inconclusive, saying why — never a failure, never confirmed;
`theorycheck check` exits 0. (With JAX, its verdict is read from the quick report and its planted
fault is tests/faults.py's jax-wrong-stride.)"""

import sys

from checks.app import cli
from checks.claims import get, plan
from checks.claims.real_network import NOT_RUN


def _without_jax(monkeypatch):
    """Make `import jax` and `import optax` raise ImportError, as where the extra is missing."""
    monkeypatch.setitem(sys.modules, "jax", None)
    monkeypatch.setitem(sys.modules, "optax", None)


def test_without_jax_the_claim_is_not_run_and_says_why(monkeypatch):
    _without_jax(monkeypatch)
    outcome, _ = get("real-network").run(plan("quick"), seed=0)
    assert outcome.verdict == "inconclusive"
    assert outcome.evidence.why == NOT_RUN == outcome.evidence.summary
    assert "pip install -e '.[jax]'" in NOT_RUN and not outcome.evidence.parts


def test_without_jax_the_check_command_exits_zero(monkeypatch, capsys):
    _without_jax(monkeypatch)
    code = cli.main(["check", "real-network"])
    out = capsys.readouterr().out
    assert code == 0 and "real-network: inconclusive" in out and "JAX is an optional extra" in out
