"""Turning many checked instances into one verdict with honest evidence.

A claim check evaluates instances; each yields a :class:`Case` that passed, failed, or
could not be decided (for example when the working precision ran out). A :class:`Part`
collects the cases of one property; :func:`checks.verdicts.outcome.combine` turns parts into
an :class:`~checks.verdicts.outcome.Outcome`:

* any failed case refutes the claim, and the smallest failing instance is its
  counterexample;
* otherwise any undecided case makes it inconclusive, saying why;
* otherwise it is confirmed, with the worst margin observed.

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

__all__ = ["FAIL", "PASS", "UNDECIDED", "Case", "Part", "Record", "natural_order"]

PASS, FAIL, UNDECIDED = "pass", "fail", "undecided"

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
    ``lower_bound=True``, when ``measured > tolerance`` (a positivity or margin claim).
    """

    name: str
    description: str
    quantity: str
    cases: list[Case] = field(default_factory=list)
    settle: str = "a larger budget"
    lower_bound: bool = False
    reading: str = ""        # the reading or sub-domain this part tests; "" = must hold in any case

    def judge(self, measured: float, tolerance: float) -> str:
        ok = measured > tolerance if self.lower_bound else measured <= tolerance
        return PASS if ok else FAIL

    def add(self, instance: Record, measured: Any, tolerance: Any, *, size: float = 0.0,
            status: str | None = None, note: str = "") -> Case:
        measured, tolerance = float(measured), float(tolerance)
        case = Case(instance, measured, tolerance, status or self.judge(measured, tolerance),
                    size, note)
        self.cases.append(case)
        return case

    def badness(self, case: Case) -> float:
        """How close a case comes to failing (larger is worse), comparable within the part."""
        if self.lower_bound:
            return -(case.measured - case.tolerance)
        return case.measured / case.tolerance if case.tolerance else float("inf")

    def by_status(self, status: str) -> list[Case]:
        return [c for c in self.cases if c.status == status]

    @property
    def verdict(self) -> str:
        if not self.cases:
            return "inconclusive"
        if self.by_status(FAIL):
            return "refuted"
        if self.by_status(UNDECIDED):
            return "inconclusive"
        return "confirmed"

    def counterexample(self) -> Case | None:
        failures = self.by_status(FAIL)
        return min(failures, key=lambda c: (c.size, -self.badness(c))) if failures else None

    def worst(self) -> Case | None:
        decided = [c for c in self.cases if c.status != UNDECIDED]
        return max(decided, key=self.badness) if decided else None

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
        """Why the part is inconclusive: how many cases are undecided, and their notes."""
        if not self.cases:
            return "no cases were run"
        return (f"{len(self.by_status(UNDECIDED))} of {len(self.cases)} cases undecided: "
                + "; ".join(sorted({c.note for c in self.by_status(UNDECIDED)})))

    def to_json(self) -> dict[str, Any]:
        worst, counter = self.worst(), self.counterexample()
        out: dict[str, Any] = {
            "description": self.description, "quantity": self.quantity,
            "bound": ">" if self.lower_bound else "≤",
            "verdict": self.verdict, "cases": len(self.cases),
            "failed": len(self.by_status(FAIL)), "undecided": len(self.by_status(UNDECIDED)),
            "worst": worst.to_json() if worst else None,
            "examples": [c.to_json() for c in self.cases[:_EXAMPLES_KEPT]],
            "families": self.families(),
        }
        if self.reading:
            out["reading"] = self.reading
        if counter:
            out["counterexample"] = counter.to_json()
        if self.verdict == "inconclusive":
            out["why"] = self.why()
            out["settle"] = self.settle
        return out
