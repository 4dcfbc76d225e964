"""What a check ran at its budget, generated from its cases — so that "what is checked" never
claims dimensions, families or step sizes that did not run.

``coverage(parts, budget, …)`` reads every case of every part (not only the few examples kept in
the evidence): the teacher families, the ranges of k and p (from the instance's ``k``/``p``, or the
lengths of its ``a_star``/``w_star``), the number of cases, and what the caller adds (GD runs, step
sizes, and instances that were not run, with why). The report shows its ``text`` under the claim's
statement; ``tests/claims/test_coverage.py`` compares it with the evidence.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checks.verdicts.budget import Budget
from checks.verdicts.cases import Part, Record, natural_order

__all__ = ["Coverage", "coverage", "dimensions", "grid_coverage"]


@dataclass(frozen=True)
class Coverage:
    """What ran: the budget, the cases, the teacher families, the range of k and p (absent when no
    instance has them), the GD runs and step sizes, what was not run and why, and all of it as text."""

    budget: str
    cases: int
    families: tuple[str, ...]
    text: str
    k: tuple[int, int] | None = None
    p: tuple[int, int] | None = None
    runs: int | None = None
    step_sizes: str = ""
    not_run: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"budget": self.budget, "cases": self.cases, "families": list(self.families)}
        if self.k is not None:
            out["k"] = list(self.k)
        if self.p is not None:
            out["p"] = list(self.p)
        if self.runs is not None:
            out["runs"] = self.runs
        if self.step_sizes:
            out["step_sizes"] = self.step_sizes
        if self.not_run:
            out["not_run"] = self.not_run
        out["text"] = self.text
        return out


def dimensions(instance: Record) -> tuple[int | None, int | None]:
    """(k, p) of an instance: its ``k``/``p`` fields, else the lengths of ``a_star``/``w_star``."""
    k, p = instance.get("k"), instance.get("p")
    if not isinstance(k, int) and isinstance(instance.get("a_star"), (list, tuple)):
        k = len(instance["a_star"])
    if not isinstance(p, int) and isinstance(instance.get("w_star"), (list, tuple)):
        p = len(instance["w_star"])
    return (k if isinstance(k, int) else None), (p if isinstance(p, int) else None)


def _span(values: list[int], name: str) -> str:
    low, high = min(values), max(values)
    return f"{name} = {low:,}" if low == high else f"{name} from {low:,} to {high:,}"


def coverage(parts: Iterable[Part], budget: Budget, *, runs: int | None = None, step_sizes: str = "",
             not_run: str = "", also: str = "") -> Coverage:
    """What ran, read from every case of ``parts``, with what the caller adds."""
    cases = [case for part in parts for case in part.cases]
    families = sorted({str(c.instance["family"]) for c in cases if "family" in c.instance}, key=natural_order)
    dims = [dimensions(c.instance) for c in cases]
    ks, ps = [k for k, _ in dims if k is not None], [p for _, p in dims if p is not None]
    pieces = [f"{len(cases):,} cases"]
    if families:
        pieces.append("families " + ", ".join(families))
    if ks:
        pieces.append(_span(ks, "k"))
    if ps:
        pieces.append(_span(ps, "p"))
    if runs is not None:
        pieces.append(f"{runs:,} GD runs")
    if step_sizes:
        pieces.append(f"step sizes: {step_sizes}")
    if also:
        pieces.append(also)
    text = f"At budget {budget.name}: " + "; ".join(pieces) + "."
    if not_run:
        text += f" Not run at this budget: {not_run}."
    return Coverage(budget.name, len(cases), tuple(families), text, k=(min(ks), max(ks)) if ks else None,
                    p=(min(ps), max(ps)) if ps else None, runs=runs, step_sizes=step_sizes, not_run=not_run)


def _values(rows: Sequence[Mapping[str, Any]], key: str) -> str:
    def shown(x: Any) -> str:
        return "∞" if x == math.inf or x == "inf" else f"{x:,}" if isinstance(x, int) else f"{x:g}"
    return "{" + ", ".join(shown(x) for x in sorted({r[key] for r in rows}, key=float)) + "}"


def grid_coverage(rows: Sequence[Mapping[str, Any]], budget: Budget, parts: Iterable[Part] = ()) -> Coverage:
    """What ran, from a claim's grid of configurations (rows with ``k``, ``ratio_over_boundary``,
    ``kappa``, ``p`` — ∞ allowed — ``runs`` and ``eta``): ``p`` is the range of the finite p. Parts
    that ran on teachers of named families rather than on the grid are added with their cases and
    families."""
    ks = [r["k"] for r in rows]
    finite = [r["p"] for r in rows if isinstance(r["p"], int)]
    runs = sum(int(r["runs"]) for r in rows)
    etas = [float(r["eta"]) for r in rows]
    families = ["canonical"]
    step_sizes = f"the default η of each teacher ({min(etas):.3g} to {max(etas):.3g})"
    text = (f"At budget {budget.name}: {len(rows):,} configurations (k, r/r_b, κ, p) of canonical teachers — "
            f"k ∈ {_values(rows, 'k')}, r/r_b ∈ {_values(rows, 'ratio_over_boundary')}, "
            f"κ ∈ {_values(rows, 'kappa')}, p ∈ {_values(rows, 'p')}; {runs:,} GD runs from the paper's "
            f"initialization; step sizes: {step_sizes}")
    for part in parts:
        if part.families():
            families = sorted({*families, *part.families()}, key=natural_order)
            text += (f"; part {part.name} on {len(part.cases):,} case(s) of other teachers "
                     f"(families {', '.join(part.families())})")
    return Coverage(budget.name, len(rows), tuple(families), text + ".", k=(min(ks), max(ks)),
                    p=(min(finite), max(finite)) if finite else None, runs=runs, step_sizes=step_sizes)
