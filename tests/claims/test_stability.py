"""Verdicts a referee accepts (issue 30): every claim and every part reaches the same verdict at
`--budget quick` for seeds 0–3 and at `--budget standard` seed 0, and no configuration of a
probability claim holds at one seed and fails at another. Slow: five runs of every claim."""

import pytest

from checks.claims import all_claims, plan
from checks.verdicts.jsonable import jsonable

RUNS = [("quick", 0), ("quick", 1), ("quick", 2), ("quick", 3), ("standard", 0)]


def _verdicts(evidence: dict, verdict: str) -> dict:
    return {"claim": verdict, **{name: part["verdict"] for name, part in evidence["parts"].items()},
            "qualification": evidence.get("qualification", "")}


def _decisions(evidence: dict) -> dict:
    """(k, r/r_b, κ, p) → status of every configuration a claim judged and records with a status."""
    return {(row["k"], round(row["ratio_over_boundary"], 9), round(row["kappa"], 9), str(row["p"])): row["status"]
            for row in evidence.get("teachers", []) if isinstance(row, dict) and "status" in row}


@pytest.mark.slow
@pytest.mark.parametrize("claim_id", [c.id for c in all_claims()])
def test_verdicts_are_the_same_at_every_seed_and_budget(claim_id):
    claim = next(c for c in all_claims() if c.id == claim_id)
    results = {}
    for budget, seed in RUNS:
        outcome, _ = claim.run(plan(budget), seed)
        results[(budget, seed)] = (outcome.verdict, jsonable(outcome.evidence))
    first = results[RUNS[0]]
    for key, (verdict, evidence) in results.items():
        assert _verdicts(evidence, verdict) == _verdicts(first[1], first[0]), (claim_id, key)
    quick = [_decisions(results[("quick", seed)][1]) for seed in range(4)]
    for config in set().union(*quick):
        seen = {d[config] for d in quick if config in d}
        assert not {"pass", "fail"} <= seen, (claim_id, config, seen)
