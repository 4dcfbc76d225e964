"""The catalogue: every claim well formed, in the module named after its id, refuted by at least one
planted fault, and drawing its randomness from (seed, claim, labels) alone."""

import sys
from dataclasses import replace
from pathlib import Path

import pytest

from checks.claims import all_claims, get, plan
from checks.verdicts.budget import Budget
from checks.verdicts.claim import SOURCES, Claim, rng_for
from checks.verdicts.jsonable import jsonable
from checks.verdicts.outcome import Evidence, Outcome
from tests.faults import FAULTS

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


def test_different_seeds_draw_different_instances():
    """(On a plan of a few small instances: the draws, not their number, are the point.)"""
    claim = get("population-loss")
    few = QUICK.with_claims({**QUICK.claims, claim.id: replace(QUICK.claims[claim.id], monte_carlo_instances=2,
                                                                samples=2000, float64_instances=2)})
    first, second = (claim.run(few, s)[0] for s in (1, 2))
    examples = [jsonable(outcome.evidence)["parts"]["monte-carlo"]["examples"] for outcome in (first, second)]
    assert examples[0] != examples[1]


def test_rng_streams_depend_only_on_seed_and_labels():
    a, b = rng_for(5, "x", 1).random(3), rng_for(5, "x", 1).random(3)
    assert (a == b).all()
    assert (rng_for(5, "x", 2).random(3) != a).all() and (rng_for(5, "y", 1).random(3) != a).all()


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
