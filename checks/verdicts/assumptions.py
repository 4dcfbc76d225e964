"""The paper's four statements re-judged outside one assumption at a time, and the Assumptions table.

A claim `beyond-…` (or `real-network`) judges each of the abstract's statements — a spurious local
minimum exists; P(global) is bounded below; P(spurious) is bounded below for some teacher; slow,
then fast — outside one assumption, and records a :class:`StatementFinding` per statement in its
evidence (``details["findings"]``). A finding is read from that claim's evidence — from the
status of the cases of its part — never written by hand: the part's cases are judged against
what the claim states (``expected``), so a case that passes shows the expected finding, one that
fails shows its opposite, and an undecided one leaves the finding ``undecided``.

:func:`assumptions_table` collects the findings of every such claim of a report into the
:class:`AssumptionsTable` (paper statements × relaxed assumptions); the report writes it to
claims.json (``to_json``) and to the HTML.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from checks.verdicts.cases import FAIL, PASS, Part

__all__ = ["FINDINGS", "STATEMENTS", "AssumptionsTable", "StatementFinding", "assumptions_table", "finding_of"]

# the abstract's four statements, in its order: (key, the words the table shows)
STATEMENTS = (
    ("spurious-minimum", "a spurious local minimum exists"),
    ("p-global", "P(global) is bounded below"),
    ("p-spurious", "P(spurious) is bounded below for some teacher"),
    ("slow-then-fast", "slow, then fast"),
)
# holds: as in the paper; changes: holds in a changed form (the deciding parameter says how);
# fails: does not hold; undecided: the evidence did not settle it; not-judged: no part judges it
FINDINGS = ("holds", "changes", "fails", "undecided", "not-judged")
_OPPOSITE = {"holds": "fails", "changes": "fails", "fails": "holds"}


@dataclass(frozen=True)
class StatementFinding:
    """What a claim found for one statement: ``finding`` (one of :data:`FINDINGS`), the parameter
    that decides it, and the part of the claim's evidence it was read from ("" when not judged)."""

    statement: str
    finding: str
    parameter: str
    part: str = ""

    def __post_init__(self):
        if self.statement not in dict(STATEMENTS):
            raise ValueError(f"statement must be one of {[key for key, _ in STATEMENTS]}, got {self.statement!r}")
        if self.finding not in FINDINGS:
            raise ValueError(f"finding must be one of {FINDINGS}, got {self.finding!r}")

    def to_json(self) -> dict[str, Any]:
        return {"statement": self.statement, "finding": self.finding, "parameter": self.parameter,
                "part": self.part}


def finding_of(part: Part, statement: str, expected: str, parameter: str) -> StatementFinding:
    """The finding a part's cases show for ``statement``, judged against ``expected``: every case
    passed → ``expected``; some failed → its opposite; otherwise (some undecided, or none run)
    ``undecided``."""
    if expected not in _OPPOSITE:
        raise ValueError(f"expected must be one of {tuple(_OPPOSITE)}, got {expected!r}")
    statuses = {case.status for case in part.cases}
    if FAIL in statuses:
        finding = _OPPOSITE[expected]
    elif statuses == {PASS}:
        finding = expected
    else:
        finding = "undecided"
    return StatementFinding(statement, finding, parameter, part.name)


@dataclass(frozen=True)
class AssumptionsTable:
    """Paper statements (rows) × relaxed assumptions (columns, one per claim), each cell a
    :class:`StatementFinding` or absent (the claim did not run)."""

    columns: tuple[tuple[str, str], ...]                       # (claim id, the assumption relaxed)
    cells: Mapping[tuple[str, str], StatementFinding]         # (statement, claim id) → finding

    def cell(self, statement: str, claim_id: str) -> StatementFinding | None:
        return self.cells.get((statement, claim_id))

    def rows(self) -> list[tuple[str, str, list[StatementFinding | None]]]:
        """(statement key, its words, the cells in column order) for each statement."""
        return [(key, words, [self.cell(key, claim_id) for claim_id, _ in self.columns]) for key, words in STATEMENTS]

    def to_json(self) -> dict[str, Any]:
        return {"columns": [{"claim": claim_id, "assumption": relaxed} for claim_id, relaxed in self.columns],
                "rows": [{"statement": key, "words": words,
                          "cells": {claim_id: (cell.to_json() if cell else None)
                                    for (claim_id, _), cell in zip(self.columns, cells, strict=True)}}
                         for key, words, cells in self.rows()]}


def assumptions_table(claims: Iterable[tuple[str, Mapping[str, Any]]]) -> AssumptionsTable:
    """The table of the claims given as (claim id, evidence details), from the findings and the
    assumption relaxed (``details["relaxes"]``) in their details; claims without findings are
    left out."""
    columns, cells = [], {}
    for claim_id, details in claims:
        findings = details.get("findings")
        if not findings:
            continue
        columns.append((claim_id, str(details.get("relaxes", claim_id))))
        for finding in findings:
            cells[(finding.statement, claim_id)] = finding
    return AssumptionsTable(tuple(columns), cells)
