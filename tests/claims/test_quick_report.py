"""Every claim's verdict in the quick report (seed 0), built once per test run: every part holds
except the readings a qualified claim names as failing; figures join points of one teacher only;
the dynamic claims carry the invariants and end at p = ∞."""

import json

import pytest

from checks.claims import all_claims
from tests.extras import jax_installed as jax_available

CLAIM_IDS = [c.id for c in all_claims()]


# The verdicts the claims reach at the quick budget: a qualified claim holds under one reading of the
# paper's words (or in one part of its domain) and fails under another.
# real-network is not run without the optional JAX extra (tests/claims/test_real_network.py says how it reads).
EXPECTED = {"spurious-probability": "qualified", "two-phase": "qualified", "restarts": "qualified",
            "real-network": "confirmed" if jax_available() else "inconclusive"}


@pytest.mark.xdist_group("quick-report")
@pytest.mark.parametrize("claim_id", CLAIM_IDS)
def test_claim_reaches_its_verdict(claim_id, quick_report):
    """Read from the quick report (seed 0): every part holds, except the readings a qualified claim
    names as failing, which carry their counterexample."""
    _, out, _ = quick_report
    claim = next(c for c in json.loads((out / "claims.json").read_text())["claims"] if c["id"] == claim_id)
    assert claim["verdict"] == EXPECTED.get(claim_id, "confirmed"), claim["evidence"]["summary"]
    for part in claim["evidence"]["parts"].values():
        assert part["cases"] > 0
        if claim["verdict"] == "qualified" and part.get("reading") and part["verdict"] != "confirmed":
            assert part["verdict"] == "refuted" and part["counterexample"]
            continue
        assert part["failed"] == 0 and part["verdict"] == "confirmed"
        worst = part["worst"]
        measured = float(worst["measured"])
        assert measured <= worst["tolerance"] if part["bound"] == "≤" else measured > worst["tolerance"]


@pytest.mark.xdist_group("quick-report")
def test_no_figure_joins_points_of_different_teachers(quick_report):
    """Every line a figure draws through points names the teachers of its points: one each."""
    _, out, _ = quick_report
    claims = json.loads((out / "claims.json").read_text())["claims"]
    lines = [line for c in claims for f in c["figures"] for line in f.get("lines", [])]
    assert lines, "the dynamic claims' p-series figures draw lines"
    assert all(len(set(line["teachers"])) == 1 for line in lines), lines


@pytest.mark.xdist_group("quick-report")
def test_dynamic_claims_carry_the_invariants_and_end_at_p_infinity(quick_report):
    _, out, _ = quick_report
    claims = {c["id"]: c for c in json.loads((out / "claims.json").read_text())["claims"]}
    for claim_id in ("success-probability", "spurious-probability", "restarts"):
        rows = claims[claim_id]["evidence"]["teachers"]
        assert all({"k", "r", "ratio_over_boundary", "kappa", "p", "v0_norm"} <= set(r) for r in rows), claim_id
        assert any(r["p"] == "inf" for r in rows), claim_id
    spurious = claims["spurious-probability"]["evidence"]
    assert all({"k", "ratio_over_boundary", "kappa", "p_spurious"} <= set(r) for r in spurious["phase_map"])
    assert all({"estimate", "ci_low", "ci_high"} <= set(r["p_spurious"]) for r in spurious["phase_map"])
    assert all({"k", "r", "kappa_low", "kappa_high"} <= set(t) for t in spurious["thresholds"])


@pytest.mark.xdist_group("quick-report")
def test_paper_claims_open_with_their_verdict_line_and_the_headline_splits_qualified(quick_report):
    """Each paper claim's evidence opens with "The paper says …", each reading named as the paper's
    words or a stronger reading of ours; the summary counts qualified claims by whose reading fails."""
    _, out, _ = quick_report
    document = json.loads((out / "claims.json").read_text())
    for claim in document["claims"]:
        if claim["source"] != "paper":
            continue
        line = claim["evidence"]["verdict_line"]
        assert line["text"].startswith("The paper says "), claim["id"]
        assert all(r["kind"] in ("paper", "stronger") for r in line["readings"])
        if claim["verdict"] == "qualified":
            assert claim["evidence"]["qualification"] == line["qualification"] != ""
    split = document["summary"]["qualified_by"]
    assert sum(split.values()) == document["summary"]["counts"]["qualified"]


@pytest.mark.xdist_group("quick-report")
def test_the_witness_family_is_uniform_in_k_and_finite_p_does_not_commute_with_large_k(quick_report):
    """spurious-probability's witness (r = 0.5, κ = k) is decided above the constant at every k and
    p, P_∞ by quadrature; at the largest k the smallest p lies above P_∞ (k → ∞ and p → ∞ do not
    commute: a sentence about large k names its p)."""
    _, out, _ = quick_report
    claim = next(c for c in json.loads((out / "claims.json").read_text())["claims"]
                 if c["id"] == "spurious-probability")
    witness = [r for r in claim["evidence"]["teachers"] if r["name"] == "witness"]
    assert len({r["k"] for r in witness}) >= 3 and all(r["status"] == "pass" for r in witness)
    top = max(r["k"] for r in witness)
    at_infinity = next(r for r in witness if r["k"] == top and r["p"] == "inf")
    smallest_p = min((r for r in witness if r["k"] == top and r["p"] != "inf"), key=lambda r: r["p"])
    assert at_infinity["p_spurious_kind"] == "quadrature"
    assert smallest_p["p_spurious_low"] > at_infinity["p_spurious_high"]
