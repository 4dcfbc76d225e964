"""What a check ran at its budget, generated from its cases — so that "what is checked" never
claims dimensions, families or step sizes that did not run.

``coverage(parts, budget, …)`` reads every case of every part (not only the few examples kept in
the evidence): the teacher families, the ranges of k and p (from the instance's ``k``/``p``, or the
lengths of its ``a_star``/``w_star``), the number of cases, and what the caller adds (GD runs, step
sizes, and instances that were not run, with why). The report shows its ``text`` under the claim's
statement; ``tests/test_coverage.py`` compares it with the evidence.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from checks.verdicts.cases import Part, natural_order
from checks.verdicts.claim import Budget


def dimensions(instance: dict[str, Any]) -> tuple[int | None, int | None]:
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
             not_run: str = "", also: str = "") -> dict[str, Any]:
    """What ran: ``{"budget", "cases", "families", "k", "p", "runs", "step_sizes", "not_run", "text"}``
    (``k``/``p`` as [smallest, largest], absent when no instance has them)."""
    cases = [case for part in parts for case in part.cases]
    families = sorted({str(c.instance["family"]) for c in cases if "family" in c.instance}, key=natural_order)
    dims = [dimensions(c.instance) for c in cases]
    ks, ps = [k for k, _ in dims if k is not None], [p for _, p in dims if p is not None]
    out: dict[str, Any] = {"budget": budget.name, "cases": len(cases), "families": families}
    pieces = [f"{len(cases):,} cases"]
    if families:
        pieces.append("families " + ", ".join(families))
    if ks:
        out["k"] = [min(ks), max(ks)]
        pieces.append(_span(ks, "k"))
    if ps:
        out["p"] = [min(ps), max(ps)]
        pieces.append(_span(ps, "p"))
    if runs is not None:
        out["runs"] = runs
        pieces.append(f"{runs:,} GD runs")
    if step_sizes:
        out["step_sizes"] = step_sizes
        pieces.append(f"step sizes: {step_sizes}")
    if also:
        pieces.append(also)
    text = f"At budget {budget.name}: " + "; ".join(pieces) + "."
    if not_run:
        out["not_run"] = not_run
        text += f" Not run at this budget: {not_run}."
    out["text"] = text
    return out


def _values(rows: list[dict[str, Any]], key: str) -> str:
    def shown(x):
        return "∞" if x == math.inf or x == "inf" else f"{x:,}" if isinstance(x, int) else f"{x:g}"
    return "{" + ", ".join(shown(x) for x in sorted({r[key] for r in rows}, key=float)) + "}"


def grid_coverage(rows: list[dict[str, Any]], budget: Budget, parts: dict[str, Any] | None = None) -> dict[str, Any]:
    """What ran, from a claim's grid of configurations (rows with ``k``, ``ratio_over_boundary``,
    ``kappa``, ``p`` — ∞ allowed — ``runs`` and ``eta``): the same keys as :func:`coverage`, with
    ``p`` the range of the finite p. Parts of the evidence (``parts``) that ran on teachers of named
    families rather than on the grid are added with their cases and families."""
    ks = [r["k"] for r in rows]
    finite = [r["p"] for r in rows if isinstance(r["p"], int)]
    runs = sum(int(r["runs"]) for r in rows)
    etas = [float(r["eta"]) for r in rows]
    out: dict[str, Any] = {"budget": budget.name, "cases": len(rows), "families": ["canonical"],
                           "k": [min(ks), max(ks)], "runs": runs,
                           "step_sizes": f"the default η of each teacher ({min(etas):.3g} to {max(etas):.3g})"}
    if finite:
        out["p"] = [min(finite), max(finite)]
    out["text"] = (f"At budget {budget.name}: {len(rows):,} configurations (k, r/r_b, κ, p) of canonical teachers — "
                   f"k ∈ {_values(rows, 'k')}, r/r_b ∈ {_values(rows, 'ratio_over_boundary')}, "
                   f"κ ∈ {_values(rows, 'kappa')}, p ∈ {_values(rows, 'p')}; {runs:,} GD runs from the paper's "
                   f"initialization; step sizes: {out['step_sizes']}")
    off_grid = [(name, part) for name, part in (parts or {}).items() if part.get("families")]
    for name, part in off_grid:
        out["families"] = sorted({*out["families"], *part["families"]}, key=natural_order)
        out["text"] += (f"; part {name} on {part['cases']:,} case(s) of other teachers "
                        f"(families {', '.join(part['families'])})")
    out["text"] += "."
    return out
