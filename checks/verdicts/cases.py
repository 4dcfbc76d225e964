"""Turning many checked instances into one verdict with honest evidence.

A claim check evaluates instances; each yields a :class:`Case` that passed, failed, or
could not be decided (for example when the working precision ran out). A :class:`Part`
collects the cases of one property; :func:`checks.verdicts.outcome.combine` turns parts into
an :class:`~checks.verdicts.outcome.Outcome`:

* any failed case refutes the claim, and the smallest failing instance is its
  counterexample;
* otherwise any undecided case — or one *at the threshold*, inside the indifference zone stated
  beforehand around a requirement (:class:`checks.verdicts.estimates.Requirement`) — makes it
  inconclusive, saying why: what is decided neither way never confirms;
* otherwise it is confirmed, with the worst case observed (:meth:`Part.worst`: the decided case
  closest to failing, by one rule for every comparison).

A part may instead test one *reading* of the paper's words, or one part of the claim's domain
(``reading="uniformly in p"``). Readings are alternatives: the claim is confirmed when every
reading holds, **qualified** when some hold and others fail (the evidence names where it holds,
where it fails, and the smallest failing instance), refuted when every reading fails, and
inconclusive when none holds and some could not be decided.
Parts without a reading must hold in any case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["AT_THRESHOLD", "FAIL", "PASS", "READING_KINDS", "ROUNDING", "STATUSES", "UNDECIDED", "Case", "Part",
           "Record", "natural_order", "side"]

PASS, FAIL, UNDECIDED = "pass", "fail", "undecided"
AT_THRESHOLD = "at-threshold"     # decided inside the indifference zone: neither holds nor fails
STATUSES = (PASS, FAIL, UNDECIDED, AT_THRESHOLD)
READING_KINDS = ("paper", "stronger")    # the paper's own words; a stronger reading of ours
ROUNDING = 1e-9                   # relative: a value this close to a boundary is on it


def side(value: float, low: float, high: float | None = None) -> str:
    """Where ``value`` lies against the bracket [low, high] (a single boundary when ``high`` is
    None): "below", "at" (inside the bracket, its ends included to relative :data:`ROUNDING`) or
    "above". The one rule for "on the boundary" that text, tables and figures share."""
    high = low if high is None else high
    if value < low - ROUNDING * abs(low):
        return "below"
    if value > high + ROUNDING * abs(high):
        return "above"
    return "at"

# A record of evidence — a case's instance, a row of a claim's evidence table: named fields as the
# report shows them, JSON-ready values or typed ones with a to_json() (a Proportion stays a
# Proportion until the JSON). Records are the JSON boundary's content; results travel as types.
Record = dict[str, Any]


def natural_order(text: str) -> list[tuple[int, float, str]]:
    """Sort key with numbers compared as numbers: 0× < 0.3× < 0.99× < 1.01× < 2.5×."""
    return [(0, float(piece), "") if piece[0].isdigit() else (1, 0.0, piece)
            for piece in re.findall(r"\d+(?:\.\d+)?|\D+", text)]


_EXAMPLES_KEPT = 4


@dataclass(frozen=True)
class Case:
    """One checked instance: what was measured against which tolerance, and the status it earned."""

    instance: Record
    measured: float
    tolerance: float
    status: str
    size: float = 0.0          # orders counterexamples: smaller instances first
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        out = {"instance": self.instance, "measured": self.measured,
               "tolerance": self.tolerance, "status": self.status}
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class Part:
    """One property checked over many instances.

    Each case passes when ``measured ≤ tolerance`` (an error bound), or, for a part with
    ``lower_bound=True``, when ``measured > tolerance`` (a positivity or margin claim) — unless the
    check gives its status (a case judged by an interval against a requirement with an
    indifference zone of half-width ``zone`` around ``tolerance``, or undecided).
    """

    name: str
    description: str
    quantity: str
    cases: list[Case] = field(default_factory=list)
    settle: str = "a larger budget"
    lower_bound: bool = False
    reading: str = ""        # the reading or sub-domain this part tests; "" = must hold in any case
    reading_kind: str = ""   # for a reading: "paper" (the paper's own words) or "stronger" (ours)
    zone: float = 0.0        # the indifference zone's half-width around the tolerance (stated beforehand)

    def __post_init__(self):
        if self.reading and self.reading_kind not in READING_KINDS:
            raise ValueError(f"part {self.name!r}: a reading's kind must be one of {READING_KINDS}, "
                             f"got {self.reading_kind!r}")

    def judge(self, measured: float, tolerance: float) -> str:
        ok = measured > tolerance if self.lower_bound else measured <= tolerance
        return PASS if ok else FAIL

    def add(self, instance: Record, measured: Any, tolerance: Any, *, size: float = 0.0,
            status: str | None = None, note: str = "") -> Case:
        measured, tolerance = float(measured), float(tolerance)
        status = status or self.judge(measured, tolerance)
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        case = Case(instance, measured, tolerance, status, size, note)
        self.cases.append(case)
        return case

    def _relative(self, cases: list[Case]) -> bool:
        """Error bounds with positive tolerances (≤) compare as measured/tolerance — tolerances may
        differ by orders of magnitude within a part; every other part compares differences."""
        return not self.lower_bound and all(c.tolerance > 0 for c in cases)

    def badness(self, case: Case, relative: bool | None = None) -> tuple[int, float, float]:
        """How close a case comes to failing (larger is worse), comparable within the part: failed
        cases first, then at-threshold ones, then by the margin to the tolerance — measured −
        tolerance (≤; measured/tolerance when every tolerance of the part is positive) or
        tolerance − measured (>). So a part with one tolerance has as its worst the largest
        measured value (≤) or the smallest (>), whatever the tolerance is, 0 included (the measured
        value itself breaks a tie that the margin's rounding makes)."""
        relative = self._relative(self.cases) if relative is None else relative
        rank = {FAIL: 2, AT_THRESHOLD: 1}.get(case.status, 0)
        if self.lower_bound:
            return rank, case.tolerance - case.measured, -case.measured
        margin = case.measured / case.tolerance if relative else case.measured - case.tolerance
        return rank, margin, case.measured

    def by_status(self, status: str) -> list[Case]:
        return [c for c in self.cases if c.status == status]

    @property
    def verdict(self) -> str:
        if not self.cases:
            return "inconclusive"
        if self.by_status(FAIL):
            return "refuted"
        if self.by_status(UNDECIDED) or self.by_status(AT_THRESHOLD):
            return "inconclusive"
        return "confirmed"

    def counterexample(self) -> Case | None:
        failures = self.by_status(FAIL)
        return min(failures, key=lambda c: (c.size, -self.badness(c)[1])) if failures else None

    def worst(self) -> Case | None:
        """The decided case closest to failing (:meth:`badness`); None when no case is decided."""
        decided = [c for c in self.cases if c.status != UNDECIDED]
        relative = self._relative(decided)
        return max(decided, key=lambda c: self.badness(c, relative)) if decided else None

    def decided_worst(self) -> Case:
        """:meth:`worst` of a part that has decided cases (as every confirmed or refuted part has)."""
        worst = self.worst()
        assert worst is not None, f"part {self.name!r} has no decided case"
        return worst

    def failure(self) -> Case:
        """:meth:`counterexample` of a part that has failed cases (as every refuted part has)."""
        counter = self.counterexample()
        assert counter is not None, f"part {self.name!r} has no failed case"
        return counter

    def families(self) -> list[str]:
        """The teacher families of the part's cases, in natural order."""
        return sorted({str(c.instance["family"]) for c in self.cases if "family" in c.instance}, key=natural_order)

    def why(self) -> str:
        """Why the part is inconclusive: how many cases are undecided or at the threshold, and their notes."""
        if not self.cases:
            return "no cases were run"
        open_cases = self.by_status(UNDECIDED) + self.by_status(AT_THRESHOLD)
        counted = [f"{len(self.by_status(UNDECIDED))} of {len(self.cases)} cases undecided"]
        if self.by_status(AT_THRESHOLD):
            counted.append(f"{len(self.by_status(AT_THRESHOLD))} at the threshold (inside its indifference zone)")
        return ", ".join(counted) + ": " + "; ".join(sorted({c.note for c in open_cases}))

    def to_json(self) -> dict[str, Any]:
        worst, counter = self.worst(), self.counterexample()
        out: dict[str, Any] = {
            "description": self.description, "quantity": self.quantity,
            "bound": ">" if self.lower_bound else "≤",
            "verdict": self.verdict, "cases": len(self.cases),
            "failed": len(self.by_status(FAIL)), "undecided": len(self.by_status(UNDECIDED)),
            "at_threshold": len(self.by_status(AT_THRESHOLD)),
            "worst": worst.to_json() if worst else None,
            "examples": [c.to_json() for c in self.cases[:_EXAMPLES_KEPT]],
            "families": self.families(),
        }
        if self.reading:
            out["reading"] = self.reading
            out["reading_kind"] = self.reading_kind
        if self.zone:
            out["zone"] = self.zone
        if counter:
            out["counterexample"] = counter.to_json()
        if self.verdict == "inconclusive":
            out["why"] = self.why()
            out["settle"] = self.settle
        return out
