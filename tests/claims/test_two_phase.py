"""The Phase II rate part of `two-phase`: a float64 fit off by more than the tolerance is only a
reason to measure again, at 40 digits; a 40-digit measurement decides."""

import numpy as np
import pytest

from checks.claims import two_phase
from checks.instances import region_init
from theory import Teacher, dynamics

_W = np.random.default_rng(6).standard_normal(60)
TEACHER = Teacher(_W / np.linalg.norm(_W), np.eye(6)[0])   # p = 60: some runs have a Phase I of 8 steps or more


def _phases(monkeypatch, float64_error, deep_error, deep_budget=100, runs=12):
    """(runs with a Phase II fit, the rate record, 40-digit measurements made)."""
    monkeypatch.setattr(two_phase, "rate_error", lambda *args: float64_error)
    deep_calls = []

    def deep(*args):
        deep_calls.append(args)
        return deep_error
    monkeypatch.setattr(two_phase, "deep_rate_error", deep)
    V0, A0 = region_init(TEACHER, runs, np.random.default_rng(3))
    t1, rate = two_phase.region_phases(TEACHER, V0, A0, dynamics.default_eta(TEACHER), runs, deep_budget)
    fitted = int(np.sum(t1 >= 8))      # Phase II is fitted only after a Phase I of 8 steps or more
    assert fitted >= 3
    return fitted, rate, len(deep_calls)


def test_a_float64_fit_within_tolerance_is_kept_without_a_deep_measurement(monkeypatch):
    fitted, rate, deep_calls = _phases(monkeypatch, 0.002, None)
    assert deep_calls == 0 and rate["errors"] == [0.002] * fitted and rate["unsettled"] == 0


@pytest.mark.parametrize("deep_error", [0.001, 0.2])
def test_a_float64_fit_off_by_more_is_replaced_by_the_40_digit_measurement(monkeypatch, deep_error):
    fitted, rate, deep_calls = _phases(monkeypatch, 0.2, deep_error)
    assert deep_calls == fitted and rate["remeasured"] == fitted
    assert rate["errors"] == [deep_error] * fitted      # 0.2 at 40 digits is a real failure


def test_without_a_40_digit_answer_a_float64_deviation_stays_unsettled_never_a_failure(monkeypatch):
    fitted, rate, deep_calls = _phases(monkeypatch, 0.2, None)
    assert deep_calls == fitted and rate["errors"] == [] and rate["unsettled"] == fitted
    fitted, rate, deep_calls = _phases(monkeypatch, 0.2, 0.001, deep_budget=2)
    assert deep_calls == 2 and rate["errors"] == [0.001, 0.001] and rate["unsettled"] == fitted - 2


def test_shape_configurations_beyond_the_budget_are_not_run():
    """At k = 10⁶ Phase II alone needs ~10⁸ steps per run: the row says so and nothing runs."""
    from checks.instances import family_teacher
    from checks.registry import Budget, rng_for
    teacher = family_teacher("gaussian", 10**6, 10, rng_for(0, "test-two-phase"))
    row, measured = two_phase.shape_configuration("gaussian", teacher, "", "paper", 1, 16,
                                                  np.random.default_rng(0), Budget("quick"))
    assert measured is None and row["phase_two_steps"] > row["step_cap"] and row["k"] == 10**6
