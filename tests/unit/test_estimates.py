"""checks.verdicts.estimates: an estimate of any kind is decided by its interval alone, against a
requirement with an indifference zone stated beforehand; sequential looks stop at a decision."""

import math

import pytest

from checks.verdicts.cases import AT_THRESHOLD, FAIL, PASS, UNDECIDED
from checks.verdicts.estimates import Estimate, Requirement, Schedule, sequential
from checks.verdicts.outcome import ReadingVerdict, SensitivityRow, VerdictLine

REQUIREMENT = Requirement(0.25, 0.02, above=True)


def test_a_proved_enclosure_is_decided_like_any_interval():
    """The kind never enters the decision: the same ends give the same status."""
    sampled = Estimate(0.3, 0.28, 0.32, "sampled")
    by_quadrature = Estimate.quadrature(0.30, 0.02)
    proved = Estimate.proved(0.28, 0.32)
    assert {REQUIREMENT.decide(e) for e in (sampled, by_quadrature, proved)} == {PASS}
    assert proved.words == "proved" and by_quadrature.words == "estimated by quadrature"


@pytest.mark.parametrize("low, high, status", [(0.28, 0.4, PASS), (0.1, 0.22, FAIL), (0.235, 0.265, AT_THRESHOLD),
                                               (0.2, 0.3, UNDECIDED), (0.26, 0.3, UNDECIDED)])
def test_four_ways_against_the_zone(low, high, status):
    assert REQUIREMENT.decide(Estimate((low + high) / 2, low, high, "sampled")) == status
    below = Requirement(0.25, 0.02, above=False)
    mirrored = {PASS: FAIL, FAIL: PASS}.get(status, status)
    assert below.decide(Estimate((low + high) / 2, low, high, "sampled")) == mirrored


def test_runs_stopped_by_a_cap_widen_the_interval_both_ways():
    closed = Estimate.sampled(300, 1000, 1e-3)
    opened = Estimate.sampled(300, 1000, 1e-3, open_runs=100)
    assert opened.low == closed.low and opened.high > closed.high + 0.05


def test_bad_estimates_are_refused():
    with pytest.raises(ValueError):
        Estimate(0.5, 0.6, 0.4, "sampled")
    with pytest.raises(ValueError):
        Estimate(0.5, 0.4, 0.6, "guessed")
    with pytest.raises(ValueError):
        Requirement(1.0, -0.1)


def test_sequential_looks_stop_at_the_first_decision_and_split_alpha():
    seen = []

    def estimate_of(n, alpha_look):
        seen.append((n, alpha_look))
        width = 1 / math.sqrt(n)
        return Estimate(0.28, 0.28 - width, 0.28 + width, "sampled")

    decided = sequential(estimate_of, Schedule(100, 1600), REQUIREMENT, 1e-3)
    assert decided.status == UNDECIDED and decided.runs == 1600 and decided.looks == 5
    assert [n for n, _ in seen] == [100, 200, 400, 800, 1600] and {a for _, a in seen} == {1e-3 / 5}
    seen.clear()
    decided = sequential(estimate_of, Schedule(40_000, 160_000), REQUIREMENT, 1e-3)
    assert decided.status == PASS and decided.runs == 40_000 and len(seen) == 1


def test_whose_reading_fails_and_what_flips():
    line = VerdictLine("X", (ReadingVerdict("some", "paper", "holds"), ReadingVerdict("every", "stronger", "fails")))
    assert line.qualification == "stronger-reading-fails"
    assert line.text().startswith("The paper says X. It holds under the reading “some” (the paper's own words)")
    assert VerdictLine("X", (ReadingVerdict("some", "paper", "fails"),)).qualification == "paper-words-fail"
    row = SensitivityRow("η", "1/4", "1/2", "qualified", "refuted", "", "p = ∞")
    assert row.flips and row.to_json()["flips"]
