"""The probability claims at a plan that proves P_∞ at a map point (theory.certify): the enclosure
judges the point where it decides, and must hold the quadrature and the sampled runs; the
spurious-probability claim draws the disk of proved cells; a planted fault in the law's masses
makes the proof contradict them, and the claims refuted."""

from dataclasses import replace

import pytest

from checks.claims import get, plan
from checks.experiments import judged, proved
from checks.verdicts.jsonable import jsonable
from theory import basins

POINT = (10, 0.3, 10.0)     # on the quick map; P_∞(spurious) ≈ 0.112, far from both claims' thresholds


def _proving(monkeypatch):
    monkeypatch.setattr(proved, "_PROVED", {})
    monkeypatch.setattr(judged, "_QUADRATURES", {})
    quick = plan("quick")
    return replace(quick, invariant_grid=replace(quick.invariant_grid, proved=(POINT,), proved_width=2e-2))


def _part(outcome, name):
    return next(part for part in outcome.evidence.parts if part.name == name)


@pytest.mark.slow    # the prover: a certified trap (4–6 s), a map, and two claims at quick
def test_a_proved_point_is_judged_by_its_enclosure_which_holds_the_estimates(monkeypatch):
    proving = _proving(monkeypatch)
    for claim_id, label in (("spurious-probability", "p_spurious"), ("success-probability", "p_global")):
        outcome, _ = get(claim_id).run(proving, seed=0)
        if claim_id == "spurious-probability":
            titles = [figure.title for figure in outcome.figures]
            assert "Which starts end where: the proved basins on the disk" in titles
        evidence = jsonable(outcome.evidence)
        assert outcome.verdict in ("confirmed", "qualified"), evidence["summary"]
        checked = _part(outcome, "proved-agrees")
        assert len(checked.cases) == 1 and checked.verdict == "confirmed"
        record = checked.cases[0].instance
        assert record[f"{label}_kind"] == "proved" and record["stopped"] == "width"
        assert record[f"{label}_low"] <= record[f"{label}_high"] <= record[f"{label}_low"] + 2e-2


@pytest.mark.slow
def test_a_wrong_law_in_the_prover_is_caught_by_the_estimates_beside_it(monkeypatch):
    """The disk's radius taken as uniform (P(u > s) = 1 − s², right only for k = 2): the proof is
    then about the wrong law, and at k = 10 its enclosure misses the quadrature and the runs."""
    proving = _proving(monkeypatch)
    monkeypatch.setattr(basins.StartLaw, "tail_arb", lambda self, s: 1 - __import__("flint").arb(s) ** 2)
    outcome, _ = get("spurious-probability").run(proving, seed=0)
    evidence = jsonable(outcome.evidence)
    assert outcome.verdict == "refuted", evidence["summary"]
    assert _part(outcome, "proved-agrees").verdict == "refuted"
