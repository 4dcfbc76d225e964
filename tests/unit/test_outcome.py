"""checks.verdicts.outcome.combine: parts and readings decide a verdict by the documented rules."""

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
