"""The Phase II rate part of `two-phase`: a float64 fit off by more than the tolerance is only a
reason to measure again, at 40 digits; a 40-digit measurement decides."""

import json
import math

import mpmath
import numpy as np
import pytest

from checks.claims import two_phase
from checks.experiments import design, phase_runs, phase_two_rate
from checks.experiments.teachers import region_init
from tests.faults import Fault
from theory import Teacher, arith, dynamics, full_gd, initialization

_W = np.random.default_rng(6).standard_normal(60)
TEACHER = Teacher(_W / np.linalg.norm(_W), np.eye(6)[0])   # p = 60: some runs have a Phase I of 8 steps or more


def _phases(monkeypatch, float64_error, deep_error, deep_budget=100, runs=12):
    """(runs with a Phase II fit, the rate record, 40-digit measurements made)."""
    monkeypatch.setattr(phase_two_rate, "rate_error", lambda *args: float64_error)
    deep_calls = []

    def deep(*args):
        deep_calls.append(args)
        return deep_error
    monkeypatch.setattr(phase_two_rate, "deep_rate_error", deep)
    V0, A0 = region_init(TEACHER, runs, np.random.default_rng(3))
    t1, rate = phase_two_rate.region_phases(TEACHER, V0, A0, dynamics.default_eta(TEACHER), runs, deep_budget)
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


# --- the shape, judged on every run of every configuration ---------------------------------

@pytest.fixture(scope="module")
def quick(quick_report):
    """(verdict, evidence, figures) of two-phase in the quick report (seed 0), as claims.json has them."""
    _, out, _ = quick_report
    claim = next(c for c in json.loads((out / "claims.json").read_text())["claims"] if c["id"] == "two-phase")
    return claim["verdict"], claim["evidence"], claim["figures"]


@pytest.mark.xdist_group("quick-report")
def test_quick_verdict_and_evidence_carry_the_invariants(quick):
    assert quick[0] == "qualified"
    rows = quick[1]["grid"]
    for row in rows:
        assert {"k", "r", "ratio_over_boundary", "kappa", "p", "v0_norm"} <= set(row)
        assert row["p"] == "inf" or isinstance(row["p"], int)
    for name, part in quick[1]["parts"].items():   # every part's cases carry them too (the slope: grid-wide)
        for case in part["examples"] if name != "phase-one-slope" else ():
            assert {"k", "r", "ratio_over_boundary", "kappa", "p", "v0_norm"} <= set(case["instance"])
    series: dict = {}
    for row in rows:
        series.setdefault((row["k"], row["r"], row["kappa"]), []).append(row["p"])
    assert all(ps[-1] == "inf" for ps in series.values())       # every p-series ends at p = ∞
    summary = quick[1]["summary"]
    assert "k = 2" in summary and "κ" in summary and "r/r_b" in summary
    counter = quick[1]["counterexample"]
    assert counter["part"] == "much-faster-everywhere"
    instance = counter["instance"]
    assert instance["ratio_over_boundary"] < 1                     # a teacher with a spurious minimum
    assert counter["measured"] == instance["design_speedup_median"] < two_phase.SHAPE_THRESHOLD   # the statistic
    assert math.isinf(float(quick[1]["phase_one"]["at_infinity"][0]["bound"]))
    assert all(r["T1_median"] is not None for r in quick[1]["phase_one"]["at_infinity"])


@pytest.mark.xdist_group("quick-report")
def test_no_part_selects_runs_every_run_drawn_is_counted(quick):
    """Every configuration of the grid is judged, and its runs add up: global (measured, without a
    Phase I, unmeasured) + spurious + undecided + diverged = the runs drawn."""
    grid = two_phase.SETTINGS["quick"].grid
    rows = quick[1]["grid"]
    assert len(rows) == len(grid.configurations()) == len(grid.k) * len(grid.ratio) * len(grid.kappa) * len(grid.p)
    assert quick[1]["parts"]["much-faster-everywhere"]["cases"] == len(rows)
    for row in rows:
        assert row["runs"] == grid.runs
        assert row["design_points"] in design.DESIGN.sizes()     # the design doubled while undecided
        assert row["global"] + row["spurious"] + row["undecided"] + row["diverged"] == row["runs"]
        assert row["speedup_runs"] + row["no_phase_one"] + row["unmeasured"] == row["global"]
    assert quick[1]["totals"]["runs"] == sum(row["runs"] for row in rows)


@pytest.mark.xdist_group("quick-report")
def test_no_part_judges_a_constant_on_the_runs_that_fitted_it(quick):
    """The Phase I bound's C is fitted on one half of the runs and reported with the other half's;
    the parts judge the runs that never end Phase I (tolerance 0) and the fit-free slope (< 1)."""
    parts, phase_one = quick[1]["parts"], quick[1]["phase_one"]
    assert parts["phase-one-bound"]["worst"]["tolerance"] == 0
    assert parts["phase-one-slope"]["worst"]["tolerance"] == 1.0
    assert {"C_fitted_on_half", "C_of_the_other_half", "log_log_slope_interval"} <= set(phase_one)
    low, high = phase_one["log_log_slope_interval"]
    assert low <= phase_one["log_log_slope"] <= high < 1


def test_a_configuration_draws_its_runs_in_blocks_from_its_seed():
    """The runs depend on (seed, k, r, κ, p, block) only: the outcomes of reduced_runs from each block's
    rng_for(seed, "invariant-grid", k, repr(r), repr(κ), repr(p), "block", b), and n runs are the first n
    of 2n (nested looks) — measured afresh or by extending the first n."""
    from theory import initialization, invariants
    for k, ratio, kappa, p in ((2, 0.3, 10.0, 10), (10, 0.3, 1.0, math.inf)):
        r = phase_runs.grid_r(k, ratio)
        teacher = invariants.canonical_teacher(k, r, kappa)
        plane = dynamics.reduced_plane(teacher)
        first = phase_runs.run_configuration(k, ratio, kappa, p, 32, 0, 50_000)
        both = phase_runs.run_configuration(k, ratio, kappa, p, 64, 0, 50_000)
        extended = phase_runs.run_configuration(k, ratio, kappa, p, 64, 0, 50_000, runs=first.runs)
        assert both.row == extended.row
        assert first.runs is not None and both.runs is not None
        assert np.array_equal(both.runs.outcome[:32], first.runs.outcome)
        assert np.array_equal(both.runs.speedup[:32], first.runs.speedup, equal_nan=True)
        counts = dict.fromkeys(dynamics.OUTCOMES, 0)
        for block in (0, 1):
            start = initialization.reduced_start(teacher, plane, phase_runs.BLOCK,
                                                 phase_runs.grid_rng(0, k, r, kappa, p, block), "paper", p)
            batch = dynamics.reduced_runs(teacher, phase_runs.BLOCK, np.random.default_rng(0), eta=first.row["eta"],
                                          start=lambda *_, s=start: tuple(np.array(a) for a in s),
                                          max_steps=phase_runs.DECISION_STEPS)
            for key, value in dynamics.batch_counts(batch).items():
                counts[key] += value
        assert counts == {key: both.row[key] for key in dynamics.OUTCOMES}


def test_a_grid_takes_its_runs_in_whole_blocks():
    with pytest.raises(ValueError, match="blocks of 32"):
        phase_runs.Grid((2,), (0.3,), (1.0,), (10,), 48)
    with pytest.raises(ValueError, match="blocks of 32"):
        phase_runs.run_configuration(2, 0.3, 1.0, 10, 40, 0, 1000)


def test_the_region_sentence_names_every_teacher_once_by_its_grid_values():
    statuses = {(2, 0.3, 0.1): "pass", (2, 0.3, 1.0): "pass", (2, 0.3, 10.0): "fail", (2, 1.5, 0.1): "pass",
                (2, 1.5, 1.0): "undecided", (2, 1.5, 10.0): "fail", (10, 0.3, 1.0): "at-threshold"}
    sentence = two_phase.region_sentence(statuses)
    assert sentence.startswith("holds for 3 of 7 teachers (k, r/r_b, κ) of the grid, at every p of its series: "
                               "k = 2: κ = 0.1, 1 (r/r_b = 0.3); κ = 0.1 (r/r_b = 1.5); fails for 2 (at some p): "
                               "k = 2: κ = 10 (r/r_b = 0.3, 1.5); at the threshold")
    assert sentence.endswith("for 1: k = 10: κ = 1 (r/r_b = 0.3); undecided for 1 (at some p the design's interval "
                             "still meets an edge of 2 ± 0.1 after its last doubling): k = 2: κ = 1 (r/r_b = 1.5)")
    assert "≤" not in sentence and "every κ" not in sentence      # grid values only, no range
    assert "undecided for 0 (" in two_phase.region_sentence({(2, 0.3, 0.1): "pass"})


def test_a_teacher_is_at_the_threshold_only_when_every_p_is_decided():
    def row(low, high):
        return {"speedup_median": (low + high) / 2, "speedup_low": low, "speedup_high": high}
    holds, inside, straddles, fails = row(2.2, 2.5), row(1.95, 2.05), row(2.0, 2.5), row(1.0, 1.5)
    assert two_phase.teacher_status([holds, inside]) == "at-threshold"
    assert two_phase.teacher_status([holds, inside, straddles]) == "undecided"
    assert two_phase.teacher_status([inside, fails, straddles]) == "fail"
    assert two_phase.teacher_status([holds, holds]) == "pass"


def test_the_design_is_the_same_whatever_the_seed_and_its_interval_never_has_width_zero():
    one = two_phase.configuration_design(10, 1.5, 0.1, 1000, 200_000)
    again = two_phase.configuration_design(10, 1.5, 0.1, 1000, 200_000)
    assert one.estimate == again.estimate and one.medians == again.medians
    assert one.estimate is not None and one.estimate.kind == "quadrature" and one.estimate.high > one.estimate.low
    assert one.points in design.DESIGN.sizes() and one.points >= 4 * design.DESIGN.first   # three medians
    assert design.design_estimate(one.runs, [2.0, 2.0, 2.0]).error > 0     # repeated medians: resolution


def test_a_wrong_design_law_is_caught_by_the_seeds_runs(monkeypatch):
    """A planted fault in the design — φ₀ drawn as if p were 10 whatever the configuration's p —
    moves the design's median at p = 1,000 away from what the seed's runs give: design-agrees fails."""
    def row():
        return two_phase.with_design(phase_runs.run_configuration(100, 0.3, 1.0, 1000, 128, 0, 200_000, 0.99),
                                     two_phase.configuration_design(100, 0.3, 1.0, 1000, 200_000)).row
    assert two_phase.design_agreement(row())[0] == "pass"
    original = initialization.paper_start_at
    monkeypatch.setattr(initialization, "paper_start_at", lambda teacher, plane, uniforms, p, v0_norm:
                        original(teacher, plane, uniforms, min(p, 10), v0_norm))
    planted = row()
    assert two_phase.design_agreement(planted)[0] == "fail", planted


def test_unmeasured_runs_widen_the_interval_both_ways():
    speedup = np.full(30, 3.0)
    median, low, high = phase_runs.speedup_median(speedup, 0)
    assert median == low == high == 3.0
    median, low, high = phase_runs.speedup_median(speedup[:10], 20)     # most runs unmeasured
    assert median == 0.0 and low == 0.0 and high == math.inf


@pytest.mark.xdist_group("quick-report")
def test_figure_lines_each_join_one_teacher(quick):
    lines = [line for figure in quick[2] for line in figure["lines"]]
    assert lines and all(len(line["teachers"]) == 1 for line in lines)


# --- the 40-digit run is the full engine's loop -------------------------------------------------

_gradient = full_gd.batch_gradient


def _a_gradient_ten_percent_long(teacher, V, A, state=None, ar=None):
    grad_v, grad_a = _gradient(teacher, V, A, state, ar)
    return grad_v, grad_a * 1.1


def test_the_40_digit_rate_error_is_measured_by_the_full_engine_and_a_planted_fault_reaches_it(monkeypatch):
    """An honest 40-digit run matches the predicted Phase II rate; the full engine's a-gradient
    made 10 % too long (its a-modes then contract at 1 − 1.1ηλ) moves the measured rate off."""
    V0, A0 = region_init(TEACHER, 1, np.random.default_rng(3))
    eta = dynamics.default_eta(TEACHER)
    honest = phase_two_rate.deep_rate_error(TEACHER, eta, V0[0], A0[0])
    assert honest is not None and honest < 1e-6
    Fault("full-a-gradient-ten-percent-long", "batch_gradient", _a_gradient_ten_percent_long, (),
          module=full_gd).plant(monkeypatch)
    planted = phase_two_rate.deep_rate_error(TEACHER, eta, V0[0], A0[0])
    assert planted is not None and planted > phase_two_rate.RATE_TOLERANCE


def test_the_full_engine_in_mpmath_follows_its_float64_run():
    V0, A0 = region_init(TEACHER, 3, np.random.default_rng(4))
    eta = dynamics.default_eta(TEACHER)
    table = dynamics.decision_table(TEACHER, eta)
    floats, float_history = full_gd.run_full(TEACHER, V0, A0, table, 60, ("loss", "phi"), False)
    deep, deep_history = full_gd.run_full(TEACHER, V0, A0, table, 60, ("loss", "phi"), False,
                                          arith.MpmathElementwiseArith(30))
    assert deep.state.V.dtype == object and isinstance(deep.state.V[0, 0], mpmath.mpf)
    # float64's loss is a difference of O(ℓ₀) terms: good to ~1e-15 ℓ₀, not relative to ℓ
    np.testing.assert_allclose(deep_history["loss"], float_history["loss"], rtol=0,
                               atol=1e-14 * float_history["loss"][0].max())
    np.testing.assert_allclose(deep_history["phi"], float_history["phi"], rtol=1e-9)
    np.testing.assert_allclose(np.asarray(deep.state.V, dtype=float), floats.state.V, rtol=1e-9, atol=1e-12)
    assert np.array_equal(deep.outcome, floats.outcome) and np.array_equal(deep.decided, floats.decided)
