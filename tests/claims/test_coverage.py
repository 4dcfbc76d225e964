"""Coverage that is true at each budget: what a claim says ran is generated from its cases, and a
quick report's claims mention no dimension that did not run at quick."""

import json
import math
import re

import pytest

from checks.verdicts.budget import Budget
from checks.verdicts.cases import Part
from checks.verdicts.coverage import coverage, dimensions, grid_coverage

# the claims whose coverage this module checks (success-probability, spurious-probability,
# restarts and two-phase state their own)
GENERATED = ("gaussian-kernel", "population-loss", "gradients", "global-minimum", "spurious-local-minimum",
             "spurious-condition-sharp", "critical-points", "convergence-in-region", "norm-monotone",
             "spurious-sublinear", "fixed-output-layer", "empirical-loss")


def test_coverage_is_read_from_every_case():
    part = Part("p", "d", "q")
    part.add({"family": "one-hot", "k": 2, "p": 1_000_000}, 0, 1)
    part.add({"family": "gaussian", "w_star": [1.0, 2.0, 3.0], "a_star": [1.0] * 12}, 0, 1)
    other = Part("q", "d", "q")
    other.add({"n": 5}, 0, 1)
    ran = coverage([part, other], Budget("quick"), runs=40, step_sizes="the default η",
                   not_run="k = 1,000,000 (too slow)")
    assert ran.k == (2, 12) and ran.p == (3, 1_000_000) and ran.cases == 3
    assert ran.families == ("gaussian", "one-hot") and ran.runs == 40
    assert ran.text == ("At budget quick: 3 cases; families gaussian, one-hot; k from 2 to 12; p from 3 to "
                           "1,000,000; 40 GD runs; step sizes: the default η. Not run at this budget: "
                           "k = 1,000,000 (too slow).")
    assert dimensions({"n": 4}) == (None, None)


def _instances(evidence):
    for part in evidence["parts"].values():
        for case in [part.get("worst"), part.get("counterexample"), *part.get("examples", [])]:
            if case and isinstance(case.get("instance"), dict):
                yield case["instance"]


MILLION = re.compile(r"1,000,000|10⁶|10\^6")
# a dimension stated at 10⁶ ("k = 10⁶", "p up to 1,000,000", "k and p up to 10⁶")
DIMENSION_MILLION = re.compile(r"\b[kp](?: and [kp])?\s*(?:=|≤|up to|to|from \S+ to)\s*(?:1,000,000|10⁶|10\^6)")


def test_a_grid_claims_coverage_is_read_from_its_grid():
    rows = [{"k": k, "ratio_over_boundary": 0.3, "kappa": kappa, "p": p, "runs": 32, "eta": 0.1 * k}
            for k in (2, 10) for kappa in (0.1, 10.0) for p in (10, math.inf)]
    rate, on_grid = Part("rate", "d", "q"), Part("grid-part", "d", "q")
    rate.add({"family": "one-hot"}, 0, 1)
    rate.add({"family": "one-hot"}, 0, 1)
    on_grid.add({"k": 2}, 0, 1)
    ran = grid_coverage(rows, Budget("quick"), [rate, on_grid])
    assert ran.cases == 8 and ran.runs == 256 and ran.k == (2, 10) and ran.p == (10, 10)
    assert ran.families == ("canonical", "one-hot")
    assert ran.text == ("At budget quick: 8 configurations (k, r/r_b, κ, p) of canonical teachers — "
                           "k ∈ {2, 10}, r/r_b ∈ {0.3}, κ ∈ {0.1, 10}, p ∈ {10, ∞}; 256 GD runs from the "
                           "paper's initialization; step sizes: the default η of each teacher (0.2 to 1); "
                           "part rate on 2 case(s) of other teachers (families one-hot).")


@pytest.mark.xdist_group("quick-report")
def test_a_quick_reports_claims_state_only_what_ran(quick_report):
    _, out, _ = quick_report
    doc = json.loads((out / "claims.json").read_text())
    claims = {c["id"]: c for c in doc["claims"]}
    for claim_id in GENERATED:
        claim = claims[claim_id]
        ran = claim["evidence"]["coverage"]
        assert ran["budget"] == "quick" and ran["text"].startswith("At budget quick:")
        assert ran["cases"] == sum(p["cases"] for p in claim["evidence"]["parts"].values()), claim_id
        families = set(ran["families"])
        for instance in _instances(claim["evidence"]):
            k, p = dimensions(instance)
            assert k is None or ran["k"][0] <= k <= ran["k"][1], (claim_id, k, ran)
            assert p is None or ran["p"][0] <= p <= ran["p"][1], (claim_id, p, ran)
            assert "family" not in instance or instance["family"] in families, claim_id
        largest = max([*ran.get("k", [0]), *ran.get("p", [0])])
        said = claim["statement"] + " " + claim["evidence"]["summary"]
        assert largest >= 10**6 or not MILLION.search(said), f"{claim_id} mentions 10⁶, largest run {largest}"
    for claim in doc["claims"]:   # every claim, the grid claims included, says what ran and no more
        ran = claim["evidence"]["coverage"]
        assert ran["budget"] == "quick" and ran["text"].startswith("At budget quick:"), claim["id"]
        largest = max([*ran.get("k", [0]), *ran.get("p", [0])])
        stated = ran["text"].split(" Not run at this budget:")[0]    # what was not run may name 10⁶
        said = claim["statement"] + " " + claim["evidence"]["summary"] + " " + stated
        assert largest >= 10**6 or not DIMENSION_MILLION.search(said), (claim["id"], DIMENSION_MILLION.search(said))
    phases = claims["two-phase"]["evidence"]
    assert phases["coverage"]["runs"] == sum(row["runs"] for row in phases["grid"])
    assert phases["coverage"]["k"] == [min(r["k"] for r in phases["grid"]), max(r["k"] for r in phases["grid"])]
    region = claims["convergence-in-region"]
    k_low, k_high = region["evidence"]["coverage"]["k"]
    assert f"k {k_low:,}–{k_high:,} " in region["evidence"]["summary"]   # not "k and p up to 10⁶"
    if region["evidence"]["skipped_for_budget"]:
        skipped_k = {r["k"] for r in region["evidence"]["skipped_for_budget"]}
        assert all(f"k = {k:,}" in region["evidence"]["coverage"]["not_run"] for k in skipped_k)
        assert all(k > k_high for k in skipped_k)
    page = (out / "index.html").read_text()
    assert page.count("<b>What ran.</b> At budget quick:") >= len(GENERATED)
