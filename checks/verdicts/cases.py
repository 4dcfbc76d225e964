"""Turning many checked instances into one verdict with honest evidence.

A claim check evaluates instances; each yields a :class:`Case` that passed, failed, or
could not be decided (for example when the working precision ran out). A :class:`Part`
collects the cases of one property; :func:`combine` turns parts into an
:class:`~checks.verdicts.claim.Outcome`:

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
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from checks.verdicts.claim import Figure, Outcome

PASS, FAIL, UNDECIDED = "pass", "fail", "undecided"


def natural_order(text: str):
    """Sort key with numbers compared as numbers: 0× < 0.3× < 0.99× < 1.01× < 2.5×."""
    return [(0, float(piece), "") if piece[0].isdigit() else (1, 0.0, piece)
            for piece in re.findall(r"\d+(?:\.\d+)?|\D+", text)]


_EXAMPLES_KEPT = 4


@dataclass
class Case:
    instance: dict[str, Any]
    measured: float
    tolerance: float
    status: str
    size: float = 0.0          # orders counterexamples: smaller instances first
    note: str = ""

    def as_json(self) -> dict[str, Any]:
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

    def add(self, instance: dict[str, Any], measured, tolerance, *, size: float = 0.0,
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

    def as_json(self) -> dict[str, Any]:
        worst, counter = self.worst(), self.counterexample()
        out: dict[str, Any] = {
            "description": self.description, "quantity": self.quantity,
            "bound": ">" if self.lower_bound else "≤",
            "verdict": self.verdict, "cases": len(self.cases),
            "failed": len(self.by_status(FAIL)), "undecided": len(self.by_status(UNDECIDED)),
            "worst": worst.as_json() if worst else None,
            "examples": [c.as_json() for c in self.cases[:_EXAMPLES_KEPT]],
            "families": sorted({str(c.instance["family"]) for c in self.cases if "family" in c.instance},
                               key=natural_order),
        }
        if self.reading:
            out["reading"] = self.reading
        if counter:
            out["counterexample"] = counter.as_json()
        if self.verdict == "inconclusive":
            out["why"] = (f"{len(self.by_status(UNDECIDED))} of {len(self.cases)} cases undecided: "
                          + "; ".join(sorted({c.note for c in self.by_status(UNDECIDED)}))
                          if self.cases else "no cases were run")
            out["settle"] = self.settle
        return out


def combine(parts: list[Part], summary_confirmed, figures: Sequence[Figure] = (), summary_qualified=None,
            **extra: Any) -> Outcome:
    """One outcome from several parts; the summary names the deciding part.

    ``summary_confirmed`` (and ``summary_qualified``, for a qualified outcome) are callables,
    evaluated only when the verdict is theirs (they may read the parts' worst cases, which need
    not exist otherwise).
    """
    evidence: dict[str, Any] = {"parts": {p.name: p.as_json() for p in parts}, **extra}
    core = [p for p in parts if not p.reading]
    readings = [p for p in parts if p.reading]
    held = [p for p in readings if p.verdict == "confirmed"]
    failed = [p for p in readings if p.verdict == "refuted"]
    undecided = [p for p in readings if p.verdict == "inconclusive"]
    refuting = next((p for p in core if p.verdict == "refuted"), None)
    if refuting is None and failed and not held and not undecided:
        refuting = failed[0]
    if refuting is not None:
        return _refuted(refuting, evidence, figures, parts)
    if any(p.verdict == "inconclusive" for p in core) or (undecided and not (failed and held)):
        part = next(p for p in core + undecided if p.verdict == "inconclusive")
        why = part.as_json()["why"]
        evidence["summary"] = f"{part.name}: {why}"
        evidence["why"] = why
        evidence["settle"] = part.settle
        return Outcome("inconclusive", evidence, list(figures), tuple(parts))
    if failed:
        smallest = min(failed, key=lambda p: p.failure().size)
        counter = smallest.failure()
        evidence["holds_when"] = [{"part": p.name, "reading": p.reading} for p in held]
        evidence["fails_when"] = [{"part": p.name, "reading": p.reading,
                                   "counterexample": p.failure().as_json()} for p in failed]
        evidence["undecided_readings"] = [{"part": p.name, "reading": p.reading} for p in readings
                                          if p.verdict == "inconclusive"]
        evidence["counterexample"] = {"part": smallest.name, "bound": "≤" if not smallest.lower_bound else ">",
                                      **counter.as_json()}
        evidence["summary"] = (summary_qualified() if summary_qualified else
                               "holds " + "; ".join(p.reading for p in held) + " — fails "
                               + "; ".join(p.reading for p in failed))
        return Outcome("qualified", evidence, list(figures), tuple(parts))
    evidence["summary"] = summary_confirmed()
    return Outcome("confirmed", evidence, list(figures), tuple(parts))


def _refuted(part: Part, evidence: dict[str, Any], figures, parts) -> Outcome:
    counter = part.failure()
    violated = "≤" if part.lower_bound else ">"
    evidence["summary"] = (f"{part.name}: {len(part.by_status(FAIL))} of {len(part.cases)} "
                           f"cases fail ({part.quantity} = {counter.measured:.3g} {violated} "
                           f"{counter.tolerance:.3g})")
    evidence["counterexample"] = {"part": part.name, "bound": "≤" if not part.lower_bound else ">",
                                  **counter.as_json()}
    return Outcome("refuted", evidence, list(figures), tuple(parts))
