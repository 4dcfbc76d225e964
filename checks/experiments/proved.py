"""Proved enclosures of P_∞ at a few points of the invariant grid, for the dynamic claims.

At p = ∞ :func:`theory.basins.map_basins` proves, cell by cell of the disk of starts, where GD
ends; :class:`theory.certify.OutcomeEnclosure` sums the proved masses in arb. An enclosure is a
theorem whatever it reaches (docs/mathematics.md#the-prover), but only one that stopped because it
reached its width is the same on every machine: a point whose prover ran out of time is reported
with its enclosure and judged by quadrature, so no verdict depends on the machine's speed.

The prover costs 4–6 s for its certified trap per (k, r, η) and seconds to minutes per point
(benchmarks/certify.py), so a budget names the few points it proves (``Plan.invariant_grid``'s
``proved_points``), chosen before any run: none at quick.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from checks.experiments import invariant_grid as ig
from checks.verdicts.cases import Record
from checks.verdicts.estimates import Estimate
from theory import basins, certify
from theory.decisions import Outcome

__all__ = ["ProvedPoint", "proved_at"]


@dataclass(frozen=True)
class ProvedPoint:
    """A point's proved enclosure of P_∞(global) and P_∞(spurious), and the map of cells that
    proved it (drawn by checks.figures.basins)."""

    point: ig.Point
    enclosure: certify.OutcomeEnclosure
    map: Any = field(repr=False, compare=False)

    @property
    def reached_width(self) -> bool:
        """True when the prover stopped because it reached its width (or answered exactly): the
        enclosure is then the same on every machine."""
        return self.enclosure.stopped in ("width", "exact")

    def estimate(self, outcome: Outcome) -> Estimate:
        e = self.enclosure
        low, high = (e.global_low, e.global_high) if outcome == Outcome.GLOBAL else (e.spurious_low, e.spurious_high)
        return Estimate.proved(low, high, note=f"{e.cells.proved_global + e.cells.proved_spurious:,} cells proved, "
                               f"unresolved mass {e.unresolved:.2g}")

    def record(self) -> Record:
        e = self.enclosure
        return {"k": self.point.k, "r": self.point.r, "ratio_over_boundary": self.point.ratio,
                "kappa": self.point.kappa, "p": "inf", "global_low": e.global_low, "global_high": e.global_high,
                "spurious_low": e.spurious_low, "spurious_high": e.spurious_high, "unresolved": e.unresolved,
                "stopped": e.stopped, "cells_proved_global": e.cells.proved_global,
                "cells_proved_spurious": e.cells.proved_spurious, "cell_steps": e.steps,
                "seconds": round(e.seconds, 3)}


_PROVED: dict[tuple, ProvedPoint | str] = {}


def proved_at(point: ig.Point, width: float, seconds: float) -> ProvedPoint | str:
    """The proved enclosure of ``point`` at p = ∞ to ``width`` within ``seconds`` of the prover's
    time, or why there is none (the prover's own words); cached per process (the claims of one
    report share it)."""
    key = (point.k, repr(point.r), repr(point.kappa), repr(width), repr(seconds))
    if key not in _PROVED:
        try:
            found = basins.map_basins(point.k, point.r, point.kappa, math.inf, width=width, seconds=seconds)
        except (ValueError, ArithmeticError) as exc:
            _PROVED[key] = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        else:
            _PROVED[key] = ProvedPoint(point, certify.OutcomeEnclosure.of_map(found), found)
    return _PROVED[key]
