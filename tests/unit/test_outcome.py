"""checks.verdicts.outcome.combine: parts and readings decide a verdict by the documented rules."""

from hypothesis import given, settings
from hypothesis import strategies as st

from checks.verdicts import cases
from checks.verdicts.jsonable import jsonable
from checks.verdicts.outcome import combine


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
    weak = cases.Part("weak", "demo", "error", reading="for each fixed dimension", reading_kind="paper")
    weak.add({"k": 3}, 0.1, 1.0)
    strong = cases.Part("strong", "demo", "error", reading="uniformly in p", reading_kind="stronger")
    strong.add({"k": 2}, 2.0, 1.0, size=2)
    strong.add({"k": 1}, 3.0, 1.0, size=1)
    outcome = combine([weak, strong], lambda: "unused")
    assert outcome.verdict == "qualified"
    assert jsonable(outcome.evidence)["holds_when"] == [{"part": "weak", "reading": "for each fixed dimension",
                                                         "kind": "paper"}]
    assert jsonable(outcome.evidence)["qualification"] == "stronger-reading-fails"
    assert jsonable(outcome.evidence)["fails_when"][0]["reading"] == "uniformly in p"
    assert jsonable(outcome.evidence)["counterexample"]["instance"] == {"k": 1}
    assert "uniformly in p" in jsonable(outcome.evidence)["summary"]
    core = cases.Part("core", "demo", "error")
    core.add({"k": 5}, 9.0, 1.0)
    assert combine([weak, strong, core], lambda: "unused").verdict == "refuted"
    assert combine([strong], lambda: "unused").verdict == "refuted"
    open_reading = cases.Part("open", "demo", "error", reading="as p → ∞", reading_kind="stronger")
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


_measured = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(_measured, min_size=1, max_size=12), tolerance=st.sampled_from([0.0, 1e-9, 0.5, 3.0, -2.0]),
       lower_bound=st.booleans())
def test_the_worst_case_is_the_extreme_measured_value_for_every_comparison(values, tolerance, lower_bound):
    """One tolerance per part (≤ 0 included, where a ratio to the tolerance is meaningless): the
    worst case is the largest measured value of a ≤ part and the smallest of a > part."""
    part = cases.Part("p", "demo", "x", lower_bound=lower_bound)
    for value in values:
        part.add({}, value, tolerance)
    expected = min(values) if lower_bound else max(values)
    assert part.worst().measured == expected
    assert jsonable(part.to_json())["worst"]["measured"] == expected


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.floats(0.0, 10.0), min_size=2, max_size=8),
       tolerances=st.lists(st.floats(1e-6, 1e3), min_size=8, max_size=8))
def test_error_bounds_with_their_own_tolerances_compare_relative(values, tolerances):
    """A ≤ part whose cases have positive tolerances of different sizes: the worst is the largest
    measured/tolerance, failures before passes."""
    part = cases.Part("p", "demo", "x")
    for value, tolerance in zip(values, tolerances, strict=False):
        part.add({}, value, tolerance)
    worst = part.worst()
    ratio = max(c.measured / c.tolerance for c in part.cases)
    assert worst.measured / worst.tolerance == ratio


def test_a_bracket_end_is_on_the_bracket_to_rounding():
    assert cases.side(10.000000000000007, 1.0, 10.0) == "at"
    assert cases.side(10.1, 1.0, 10.0) == "above" and cases.side(0.9, 1.0, 10.0) == "below"
    assert cases.side(1.0 - 1e-12, 1.0, 10.0) == "at"


def test_at_the_threshold_never_confirms():
    part = cases.Part("p", "demo", "x", lower_bound=True, zone=0.02)
    part.add({}, 0.9, 0.25)
    part.add({}, 0.24, 0.25, status=cases.AT_THRESHOLD, note="inside 1/4 ± 0.02")
    assert part.verdict == "inconclusive" and "at the threshold" in part.why()
    assert part.worst().status == cases.AT_THRESHOLD
