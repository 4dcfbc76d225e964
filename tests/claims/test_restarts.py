"""Claim `restarts`: the independence part compares measured restart success with the per-run
probability's prediction, and fails when restarts are not independent draws."""

import numpy as np

from checks.cases import FAIL, PASS, Part
from checks.claims import restarts
from checks.instances import family_teacher
from checks.registry import rng_for

GROUPS = 20_000
ALPHA = 1e-6


def _parts():
    return Part("restart-bound", "", ""), Part("restarts-independent", "", "")


def _judge(success: np.ndarray) -> tuple[Part, Part]:
    bound, consistent = _parts()
    teacher = family_teacher("one-hot", 3, 4, rng_for(0, "tests", "restarts"))
    restarts.restart_cases(bound, consistent, "one-hot", teacher, "", success, GROUPS, ALPHA)
    return bound, consistent


def test_independent_restarts_match_the_per_run_prediction():
    bound, consistent = _judge(np.random.default_rng(7).random(GROUPS * max(restarts.RESTARTS)) < 0.6)
    assert [c.status for c in consistent.cases] == [PASS] * len(restarts.RESTARTS)
    assert all(c.status == PASS for c in bound.cases)


def test_correlated_restarts_are_refuted():
    """Each group repeats one draw R times: R restarts succeed exactly as often as one run,
    far below 1 − (1 − p)^R for R > 1."""
    draws = np.random.default_rng(7).random(GROUPS) < 0.6
    _, consistent = _judge(np.repeat(draws, max(restarts.RESTARTS)))
    statuses = [c.status for c in consistent.cases]
    assert statuses[0] == PASS and statuses[1:] == [FAIL] * (len(restarts.RESTARTS) - 1)


def test_partly_overlapping_intervals_are_consistent():
    """One restart's interval (the first GROUPS runs, success 0.60) and the per-run interval
    (all runs, success 0.62) overlap without either containing the other: consistent."""
    runs = GROUPS * max(restarts.RESTARTS)
    success = np.zeros(runs, dtype=bool)
    success[: int(0.60 * GROUPS)] = True
    success[GROUPS: GROUPS + int(0.625 * (runs - GROUPS))] = True
    _, consistent = _judge(success)
    one = consistent.cases[0].instance
    low, high = one["predicted_interval"]
    assert one["measured"]["ci_low"] < low < one["measured"]["ci_high"] < high
    assert consistent.cases[0].status == PASS
