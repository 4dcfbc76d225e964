"""What a check returns: a verdict, its typed evidence and its figures; and :func:`combine`, which
turns parts into one.

:func:`combine` decides the verdict from the parts (checks.verdicts.cases):

* any failed case of a part without a reading refutes the claim, and the smallest failing
  instance is its counterexample; so does a failure of every reading;
* otherwise a part that could not be decided makes it inconclusive, saying why;
* otherwise some readings holding and others failing make it **qualified** (where it holds,
  where it fails, the smallest failing instance);
* otherwise it is confirmed, with the worst margin observed.

A qualified claim says whose reading fails (:data:`QUALIFICATIONS`): the paper's own words, or only
a stronger reading of ours that the paper does not assert. A paper claim's :class:`VerdictLine`
says it in plain words above its evidence — "The paper says X. It holds under reading A, where …;
it fails under reading B (the paper does not assert B), where …", with what is excluded — and its
:class:`SensitivityRow` table says which of our own choices (step size, ‖v₀‖, thresholds, step caps)
the verdict rests on.

:class:`Evidence` holds what every outcome has (the summary, the parts with every case, what ran)
and what its verdict adds (a counterexample, the readings, why it is inconclusive); what a claim
adds of its own goes into ``details`` — values that are JSON-ready or have a ``to_json()``.
Nothing here is a dict until :meth:`Evidence.to_json`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from checks.verdicts.cases import FAIL, Case, Part
from checks.verdicts.coverage import Coverage

__all__ = ["QUALIFICATIONS", "VERDICTS", "Counterexample", "Evidence", "Figure", "FigureLine", "Outcome", "Reading",
           "ReadingVerdict", "SensitivityRow", "Series", "VerdictLine", "combine", "qualification"]

VERDICTS = ("confirmed", "qualified", "refuted", "inconclusive")
# whose reading fails, for a claim that is qualified (or refuted) on its readings
QUALIFICATIONS = ("paper-words-fail", "stronger-reading-fails")
_HOLDS, _FAILS, _OPEN = "holds", "fails", "undecided"


@dataclass(frozen=True)
class FigureLine:
    """A line a figure draws through points, with the teachers of its points: a line must join
    points of one teacher only (the tests check it from here)."""

    label: str
    teachers: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "teachers": list(self.teachers)}


@dataclass(frozen=True)
class Series:
    """The data one series of a figure draws, as drawn: the panel it is on, its legend label, what
    it is (``line``, ``points``, ``level``, ``cells``, ``bars``, ``image``, ``paths``), the axes'
    labels, its columns and rows (numbers), and how it looks (colour, marker, line style) — so that
    every figure's data can be downloaded, and no two series of a panel look alike (a test)."""

    panel: str
    label: str
    kind: str
    x_label: str
    y_label: str
    columns: tuple[str, ...]
    rows: tuple[tuple[float, ...], ...] = field(repr=False)
    colour: str = ""
    marker: str = ""
    linestyle: str = ""
    drawn_rows: int = 0     # rows the figure drew, when more than ``rows`` keeps (evenly thinned, ends kept)

    def to_json(self) -> dict[str, Any]:
        return {"panel": self.panel, "label": self.label, "kind": self.kind, "x_label": self.x_label,
                "y_label": self.y_label, "columns": list(self.columns), "rows": [list(r) for r in self.rows],
                "colour": self.colour, "marker": self.marker, "linestyle": self.linestyle,
                "drawn_rows": self.drawn_rows or len(self.rows)}


@dataclass(frozen=True)
class Figure:
    """An inline SVG figure with its title, a caption saying what to look for, the lines it draws
    through points, and the data of every series it draws."""

    title: str
    caption: str
    svg: str = field(repr=False)
    lines: tuple[FigureLine, ...] = field(default=(), repr=False)
    series: tuple[Series, ...] = field(default=(), repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "caption": self.caption, "lines": [line.to_json() for line in self.lines],
                "series": [s.to_json() for s in self.series], "svg": self.svg}


@dataclass(frozen=True)
class Counterexample:
    """The smallest failing case of a part, with the part's name and the bound it broke."""

    part: str
    bound: str          # "≤" (an error bound) or ">" (a lower bound)
    case: Case

    @classmethod
    def of(cls, part: Part) -> Counterexample:
        return cls(part.name, ">" if part.lower_bound else "≤", part.failure())

    def to_json(self) -> dict[str, Any]:
        return {"part": self.part, "bound": self.bound, **self.case.to_json()}


@dataclass(frozen=True)
class Reading:
    """A part that tests one reading of the claim — the paper's own words or a stronger reading of
    ours (``kind``) — and (when it fails) its smallest failing case."""

    part: str
    reading: str
    counterexample: Case | None = None
    kind: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"part": self.part, "reading": self.reading}
        if self.kind:
            out["kind"] = self.kind
        if self.counterexample is not None:
            out["counterexample"] = self.counterexample.to_json()
        return out


_KIND_WORDS = {"paper": "the paper's own words", "stronger": "a stronger reading of ours: the paper does not assert it"}


@dataclass(frozen=True)
class ReadingVerdict:
    """One reading in a verdict line: its plain words, whose words they are (``kind``: "paper" or
    "stronger"), how it came out (holds, fails, undecided) and where — in words drawn only from
    the configurations that decided it."""

    reading: str
    kind: str
    verdict: str
    where: str = ""

    def text(self) -> str:
        where = f", where {self.where}" if self.where else ""
        if self.verdict == _HOLDS:
            return f"it holds under the reading “{self.reading}” ({_KIND_WORDS[self.kind]}){where}"
        if self.verdict == _FAILS:
            return f"it fails under the reading “{self.reading}” ({_KIND_WORDS[self.kind]}){where}"
        return f"the reading “{self.reading}” ({_KIND_WORDS[self.kind]}) is undecided{where}"

    def to_json(self) -> dict[str, Any]:
        return {"reading": self.reading, "kind": self.kind, "verdict": self.verdict, "where": self.where}


@dataclass(frozen=True)
class VerdictLine:
    """A paper claim's verdict in plain words, above its evidence: what the paper says, each
    reading tried with how and where it came out, and what is excluded (with why). Seed-free by
    construction: its sentences name configurations and decisions, never a sampled number."""

    says: str
    readings: tuple[ReadingVerdict, ...] = ()
    exclusions: tuple[str, ...] = ()
    holds_in_any_case: str = ""      # what must hold whatever the reading (the core parts), when said

    @property
    def qualification(self) -> str:
        """"paper-words-fail" when a reading in the paper's own words fails, "stronger-reading-fails"
        when only stronger readings of ours fail, "" when none fails."""
        failed = [r for r in self.readings if r.verdict == _FAILS]
        if any(r.kind == "paper" for r in failed):
            return QUALIFICATIONS[0]
        return QUALIFICATIONS[1] if failed else ""

    def text(self) -> str:
        says = self.says.rstrip(".")
        pieces = [f"The paper says {says}."]
        if self.readings:
            joined = "; ".join(r.text() for r in self.readings)
            pieces.append(joined[0].upper() + joined[1:] + ".")
        if self.holds_in_any_case:
            pieces.append(self.holds_in_any_case.rstrip(".") + ".")
        if self.exclusions:
            pieces.append("Excluded: " + "; ".join(e.rstrip(".") for e in self.exclusions) + ".")
        return " ".join(pieces)

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text(), "says": self.says, "readings": [r.to_json() for r in self.readings],
                "exclusions": list(self.exclusions), "qualification": self.qualification}


@dataclass(frozen=True)
class SensitivityRow:
    """One knob we chose (not the paper): our value, the value tried, and the claim's verdict (and
    its readings') under each — so a reader sees which verdicts hinge on a choice of ours.
    ``judged_on`` says what was re-judged with the tried value (the rest kept as it ran)."""

    knob: str
    ours: str
    tried: str
    verdict_ours: str
    verdict_tried: str
    readings_tried: str
    judged_on: str

    @property
    def flips(self) -> bool:
        return self.verdict_ours != self.verdict_tried

    def to_json(self) -> dict[str, Any]:
        return {"knob": self.knob, "ours": self.ours, "tried": self.tried, "verdict_ours": self.verdict_ours,
                "verdict_tried": self.verdict_tried, "flips": self.flips, "readings_tried": self.readings_tried,
                "judged_on": self.judged_on}


def qualification(readings: Sequence[Part]) -> str:
    """Whose reading fails among reading parts: "paper-words-fail", "stronger-reading-fails" or ""."""
    failed = [p for p in readings if p.reading and p.verdict == "refuted"]
    if any(p.reading_kind == "paper" for p in failed):
        return QUALIFICATIONS[0]
    return QUALIFICATIONS[1] if failed else ""


@dataclass(frozen=True)
class Evidence:
    """The evidence of an outcome. ``parts`` keep every case (the report draws them all);
    ``details`` is the claim's own evidence (its tables and numbers), in the claim's order."""

    summary: str
    parts: tuple[Part, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)     # read-only by convention (pickled to workers)
    coverage: Coverage | None = None
    counterexample: Counterexample | None = None
    # a qualified outcome: the readings that hold, fail and are undecided
    holds_when: tuple[Reading, ...] | None = None
    fails_when: tuple[Reading, ...] | None = None
    undecided_readings: tuple[Reading, ...] | None = None
    # an inconclusive outcome: why, and what would settle it
    why: str = ""
    settle: str = ""
    # a paper claim: its verdict in plain words; every claim with readings: whose reading fails
    verdict_line: VerdictLine | None = None
    qualification: str = ""

    def part(self, name: str) -> Part:
        return next(p for p in self.parts if p.name == name)

    def tables(self) -> list[tuple[str, Sequence[Mapping[str, Any]]]]:
        """The claim's evidence tables: details that are non-empty lists of records."""
        return [(key, rows) for key, rows in self.details.items()
                if isinstance(rows, (list, tuple)) and rows and isinstance(rows[0], Mapping)]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"parts": {p.name: p.to_json() for p in self.parts}, **self.details}
        if self.verdict_line is not None:
            out["verdict_line"] = self.verdict_line.to_json()
        if self.qualification:
            out["qualification"] = self.qualification
        if self.coverage is not None:
            out["coverage"] = self.coverage.to_json()
        if self.holds_when is not None:        # qualified
            out["holds_when"] = [r.to_json() for r in self.holds_when]
            out["fails_when"] = [r.to_json() for r in self.fails_when or ()]
            out["undecided_readings"] = [r.to_json() for r in self.undecided_readings or ()]
            if self.counterexample is not None:
                out["counterexample"] = self.counterexample.to_json()
            out["summary"] = self.summary
        elif self.why:                         # inconclusive
            out.update(summary=self.summary, why=self.why, settle=self.settle)
        else:                                  # refuted (with its counterexample) or confirmed
            out["summary"] = self.summary
            if self.counterexample is not None:
                out["counterexample"] = self.counterexample.to_json()
        return out


@dataclass(frozen=True)
class Outcome:
    """A verdict with its evidence and figures.

    A refuted outcome carries its smallest ``counterexample``; a qualified one says where the
    claim holds (``holds_when``), where it fails (``fails_when``) and its smallest failing
    instance; an inconclusive one says ``why`` and what would settle it.
    """

    verdict: str
    evidence: Evidence
    figures: tuple[Figure, ...] = ()

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if not isinstance(self.evidence, Evidence) or not self.evidence.summary:
            raise ValueError("evidence must be an Evidence with a one-line summary")


def combine(parts: Sequence[Part], summary_confirmed: Callable[[], str], figures: Iterable[Figure] = (),
            summary_qualified: Callable[[], str] | None = None, coverage: Coverage | None = None,
            says: str = "", where: Mapping[str, Callable[[], str]] | None = None, exclusions: Sequence[str] = (),
            holds_in_any_case: Callable[[], str] | None = None, **details: Any) -> Outcome:
    """One outcome from several parts; the summary names the deciding part.

    ``summary_confirmed`` (and ``summary_qualified``, for a qualified outcome) are callables,
    evaluated only when the verdict is theirs (they may read the parts' worst cases, which need
    not exist otherwise). ``details`` is the claim's own evidence.

    ``says`` (what the paper says, plain words) makes the :class:`VerdictLine`: one
    :class:`ReadingVerdict` per reading part, with ``where[part name]()`` saying where it came out
    as it did, the ``exclusions``, and ``holds_in_any_case()`` for the core parts.
    """
    parts, figures = tuple(parts), tuple(figures)
    readings = [p for p in parts if p.reading]
    line = None
    if says:
        where = where or {}
        line = VerdictLine(says, tuple(
            ReadingVerdict(p.reading, p.reading_kind, {"confirmed": _HOLDS, "refuted": _FAILS}.get(p.verdict, _OPEN),
                           where[p.name]() if p.name in where else "") for p in readings),
            tuple(exclusions), holds_in_any_case() if holds_in_any_case else "")
    base = Evidence("", parts, dict(details), coverage, verdict_line=line, qualification=qualification(readings))
    core = [p for p in parts if not p.reading]
    held = [p for p in readings if p.verdict == "confirmed"]
    failed = [p for p in readings if p.verdict == "refuted"]
    undecided = [p for p in readings if p.verdict == "inconclusive"]
    refuting = next((p for p in core if p.verdict == "refuted"), None)
    if refuting is None and failed and not held and not undecided:
        refuting = failed[0]
    if refuting is not None:
        counter = refuting.failure()
        violated = "≤" if refuting.lower_bound else ">"
        summary = (f"{refuting.name}: {len(refuting.by_status(FAIL))} of {len(refuting.cases)} cases fail "
                   f"({refuting.quantity} = {counter.measured:.3g} {violated} {counter.tolerance:.3g})")
        return Outcome("refuted", _with(base, summary=summary, counterexample=Counterexample.of(refuting)), figures)
    if any(p.verdict == "inconclusive" for p in core) or (undecided and not (failed and held)):
        part = next(p for p in core + undecided if p.verdict == "inconclusive")
        why = part.why()
        return Outcome("inconclusive", _with(base, summary=f"{part.name}: {why}", why=why, settle=part.settle),
                       figures)
    if failed:
        smallest = min(failed, key=lambda p: p.failure().size)
        summary = (summary_qualified() if summary_qualified else
                   "holds " + "; ".join(p.reading for p in held) + " — fails " + "; ".join(p.reading for p in failed))
        return Outcome("qualified", _with(
            base, summary=summary, counterexample=Counterexample.of(smallest),
            holds_when=tuple(Reading(p.name, p.reading, kind=p.reading_kind) for p in held),
            fails_when=tuple(Reading(p.name, p.reading, p.failure(), p.reading_kind) for p in failed),
            undecided_readings=tuple(Reading(p.name, p.reading, kind=p.reading_kind)
                                     for p in readings if p.verdict == "inconclusive")),
            figures)
    return Outcome("confirmed", _with(base, summary=summary_confirmed()), figures)


def _with(evidence: Evidence, **changes: Any) -> Evidence:
    return replace(evidence, **changes)
