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


def _teacher_statuses(evidence: dict) -> dict:
    """(k, r/r_b, κ) → status of every teacher two-phase's region sentence speaks of."""
    return {(t["k"], t["ratio_over_boundary"], t["kappa"]): t["status"] for t in evidence["regions"]["teachers"]}


@pytest.mark.slow
def test_two_phase_region_sentences_are_the_same_at_every_seed_and_budget():
    """Two-phase at quick seeds 0–3 and standard seed 0: the same claim and part verdicts, the same
    region sentence at every quick seed, and standard's teachers that quick's grid also has in the
    same lists — so that its sentence restricted to them is quick's, word for word. Every teacher of
    the grid is named in exactly one list (holds, fails, at the threshold, undecided). The decisions
    come from the seed-free design; the seed's runs beside it must agree (part design-agrees). The
    judged constant of the Phase I bound (the slope of T₁ on the bound) agrees within its intervals."""
    from checks.claims import two_phase
    claim = next(c for c in all_claims() if c.id == "two-phase")
    results = {key: claim.run(plan(key[0]), key[1])[0] for key in RUNS}
    evidence = {key: jsonable(outcome.evidence) for key, outcome in results.items()}
    first = _verdicts(evidence[RUNS[0]], results[RUNS[0]].verdict)
    statuses = {key: _teacher_statuses(found) for key, found in evidence.items()}
    quick_sentence = evidence[RUNS[0]]["regions"]["sentence"]
    quick_grid = two_phase.SETTINGS["quick"].grid
    quick_teachers = {(k, round(ratio, 9), kappa) for k in quick_grid.k for ratio in quick_grid.ratio
                      for kappa in quick_grid.kappa}
    for key, found in evidence.items():
        assert _verdicts(found, results[key].verdict) == first, key
        assert found["parts"]["design-agrees"]["verdict"] == "confirmed", key
        assert found["regions"]["sentence"] == two_phase.region_sentence(statuses[key]), key
        shared = {teacher: status for teacher, status in statuses[key].items()
                  if (teacher[0], round(teacher[1], 9), teacher[2]) in quick_teachers}
        assert len(shared) == len(quick_teachers), key
        assert two_phase.region_sentence(shared) == quick_sentence, key
    rows: dict = {}
    for found in evidence.values():
        for row in found["grid"]:
            config = (row["k"], round(row["ratio_over_boundary"], 9), row["kappa"], str(row["p"]))
            rows.setdefault(config, set()).add((row["status"], row["design_speedup_median"], row["design_points"]))
    assert all(len(seen) == 1 for seen in rows.values())   # each configuration: one decision, one estimate
    # the Phase I bound's judged constant is the fit-free slope of T₁ on the bound: every run's
    # interval meets every other's (in one dimension: the largest lower end is below the least upper)
    slopes = [found["phase_one"]["log_log_slope_interval"] for found in evidence.values()]
    assert max(low for low, _ in slopes) <= min(high for _, high in slopes), slopes
