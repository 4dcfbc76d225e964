"""Every registered claim: confirmed by the real formulas, refuted by planted wrong ones,
deterministic in its seed, and honest about what it could not decide."""

import json
import sys
from pathlib import Path

import pytest

from checks.claims import all_claims, get, plan
from checks.verdicts import cases
from checks.verdicts.budget import Budget
from checks.verdicts.claim import SOURCES, Claim, rng_for
from checks.verdicts.jsonable import jsonable
from checks.verdicts.outcome import Evidence, Outcome, combine
from tests.faults import FAULTS
from theory import reduced_gd

QUICK = plan("quick")
CLAIM_IDS = [c.id for c in all_claims()]


def test_claims_are_well_formed():
    assert len(CLAIM_IDS) == len(set(CLAIM_IDS)) >= 3
    for claim in all_claims():
        assert claim.source in SOURCES and claim.title and claim.statement
        assert claim.wording or claim.source == "derived", "paper/cited claims quote their words"


def test_each_claim_lives_in_the_module_named_after_its_id():
    import checks.claims
    for claim in all_claims():
        module = sys.modules[claim.check.__module__]
        assert module.__name__ == f"checks.claims.{claim.id.replace('-', '_')}"
        assert module.CLAIM is claim
    folder = Path(checks.claims.__file__).parent
    files = {path.stem for path in folder.glob("*.py") if not path.name.startswith("_")}
    assert files == {claim.id.replace("-", "_") for claim in all_claims()}


def test_every_claim_has_a_planted_fault_that_refutes_it():
    covered = {claim_id for fault in FAULTS for claim_id in fault.refutes}
    assert set(CLAIM_IDS) <= covered


# The verdicts the claims reach at the quick budget: a qualified claim holds under one reading of the
# paper's words (or in one part of its domain) and fails under another.
EXPECTED = {"spurious-probability": "qualified", "two-phase": "qualified", "restarts": "qualified"}


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


# Claims cheap enough to run twice here; the GD claims' determinism rests on their seeded draws and
# the thread-independent kernel (tests/test_initialization.py, tests/test_threads.py).
CHEAP = [c for c in CLAIM_IDS if c not in ("success-probability", "spurious-probability", "two-phase",
                                           "convergence-in-region", "restarts", "spurious-sublinear")]


@pytest.mark.slow
@pytest.mark.parametrize("claim_id", CHEAP)
def test_same_seed_same_evidence(claim_id):
    claim = get(claim_id)
    assert jsonable(claim.run(QUICK, 3)[0].evidence) == jsonable(claim.run(QUICK, 3)[0].evidence)


def _planted(fault, claim_id):
    """One (fault, claim) case; the claims of one step fault share a worker, which compiles the
    kernel around that fault once (about 2.5 s each) instead of once per worker."""
    marks = [pytest.mark.xdist_group(f"fault-{fault.name}")] if fault.module is reduced_gd else []
    return pytest.param(fault, claim_id, marks=marks, id=f"{fault.name}-{claim_id}")


@pytest.mark.parametrize("fault, claim_id", [_planted(f, c) for f in FAULTS for c in f.refutes])
def test_planted_fault_is_refuted(fault, claim_id, monkeypatch):
    fault.plant(monkeypatch)
    outcome, _ = get(claim_id).run(QUICK, seed=0)
    assert outcome.verdict == "refuted", jsonable(outcome.evidence)["summary"]
    counter = jsonable(outcome.evidence)["counterexample"]
    measured = float(counter["measured"])  # JSON keeps non-finite numbers as strings
    assert measured <= counter["tolerance"] if counter["bound"] == ">" else not measured <= counter["tolerance"]


def test_different_seeds_draw_different_instances():
    first, second = (get("population-loss").run(QUICK, s)[0] for s in (1, 2))
    examples = [jsonable(outcome.evidence)["parts"]["monte-carlo"]["examples"] for outcome in (first, second)]
    assert examples[0] != examples[1]


def test_rng_streams_depend_only_on_seed_and_labels():
    a, b = rng_for(5, "x", 1).random(3), rng_for(5, "x", 1).random(3)
    assert (a == b).all()
    assert (rng_for(5, "x", 2).random(3) != a).all() and (rng_for(5, "y", 1).random(3) != a).all()


def test_part_verdicts_and_smallest_counterexample():
    part = cases.Part("p", "demo", "error")
    part.add({"k": 9}, 0.5, 1.0, size=9)
    assert part.verdict == "confirmed"
    part.add({"k": 7}, 3.0, 1.0, size=7)
    part.add({"k": 2}, 2.0, 1.0, size=2)
    part.add({"k": 1}, 0.0, 1.0, size=1, status=cases.UNDECIDED, note="ran out")
    assert part.verdict == "refuted"
    assert part.counterexample().instance == {"k": 2}
    outcome = combine([part], "unused")
    assert outcome.verdict == "refuted" and jsonable(outcome.evidence)["counterexample"]["instance"] == {"k": 2}


def test_readings_that_disagree_make_a_claim_qualified():
    weak = cases.Part("weak", "demo", "error", reading="for each fixed dimension")
    weak.add({"k": 3}, 0.1, 1.0)
    strong = cases.Part("strong", "demo", "error", reading="uniformly in p")
    strong.add({"k": 2}, 2.0, 1.0, size=2)
    strong.add({"k": 1}, 3.0, 1.0, size=1)
    outcome = combine([weak, strong], lambda: "unused")
    assert outcome.verdict == "qualified"
    assert jsonable(outcome.evidence)["holds_when"] == [{"part": "weak", "reading": "for each fixed dimension"}]
    assert jsonable(outcome.evidence)["fails_when"][0]["reading"] == "uniformly in p"
    assert jsonable(outcome.evidence)["counterexample"]["instance"] == {"k": 1}
    assert "uniformly in p" in jsonable(outcome.evidence)["summary"]
    core = cases.Part("core", "demo", "error")
    core.add({"k": 5}, 9.0, 1.0)
    assert combine([weak, strong, core], lambda: "unused").verdict == "refuted"
    assert combine([strong], lambda: "unused").verdict == "refuted"
    open_reading = cases.Part("open", "demo", "error", reading="as p → ∞")
    open_reading.add({}, 0.0, 1.0, status=cases.UNDECIDED, note="too few runs")
    assert combine([weak, open_reading], lambda: "unused").verdict == "inconclusive"
    assert combine([weak, strong, open_reading], lambda: "unused").verdict == "qualified"


def test_undecided_without_failures_is_inconclusive():
    part = cases.Part("p", "demo", "error", settle="more digits")
    part.add({}, 0.1, 1.0)
    part.add({}, float("inf"), 1.0, status=cases.UNDECIDED, note="precision ran out")
    outcome = combine([part], "unused")
    assert outcome.verdict == "inconclusive" and "precision ran out" in jsonable(outcome.evidence)["why"]
    assert combine([cases.Part("empty", "", "")], "unused").verdict == "inconclusive"


@pytest.mark.parametrize("field, value", [("source", "blog"), ("verdict", "maybe")])
def test_registry_rejects_unknown_vocabulary(field, value):
    with pytest.raises(ValueError):
        if field == "source":
            Claim("x", "t", value, "s", check=lambda b, s: None)
        else:
            Outcome(value, Evidence("x"))


def test_budget_names_are_validated():
    with pytest.raises(ValueError, match="budget must be one of"):
        Budget("huge")


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
