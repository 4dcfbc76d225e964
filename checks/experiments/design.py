"""A seed-free design: a statistic's median over a start law, judged on fixed points instead of a sample.

When GD is deterministic (population GD), a run's statistic is a function of its start, and the
median of the statistic over the paper's initialization is a functional of the start law alone —
no seed in it. A design estimates it without one: the points of the unscrambled Halton sequence in
[0, 1)⁴ (point 0, the origin, left out), mapped to starts by the inverse distribution functions of
the start law (:func:`theory.initialization.paper_start_at`), DESIGN.first of them, doubled while
the decision is open, up to DESIGN.last. The points are nested: n points are the first n of any
larger design, so a doubling keeps the runs it has.

**The rule.** After three sizes the estimate is the median of the last, its interval the median ±
DESIGN_SAFETY × the largest change of the median over the last two doublings, never narrower than
the gap from the median to its neighbouring values (the design's resolution); runs whose statistic
is unmeasured count as 0 for the lower end and +∞ for the upper. This interval is *estimated by
quadrature*, like P_∞ in :mod:`theory.quadrature`: it is not a confidence interval (nothing in it is
random, so it has no error rate) and not proved (the error estimate assumes the medians settle as
the design is refined; an integrand that fools the design is not detected by the design itself).
A claim judged on a design therefore draws its seed's runs beside it and requires them to agree
(two-phase's part ``design-agrees``). What a design decides is the same at every seed and budget.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, Self, TypeVar

import numpy as np
from scipy.stats import qmc

from checks.verdicts.cases import UNDECIDED
from checks.verdicts.estimates import Estimate, Requirement, Schedule

__all__ = ["DESIGN", "DESIGN_DIMENSIONS", "DESIGN_SAFETY", "Design", "Measured", "design_estimate",
           "design_uniforms", "run_design"]

DESIGN = Schedule(32, 2048)   # Halton points per configuration: 32, doubled while undecided, up to 2,048
DESIGN_SAFETY = 2.0           # error estimate: 2 × the largest change of the median over the last two doublings
DESIGN_DIMENSIONS = 4         # φ₀; the radius, the plane's share and the turn of a₀ (theory.initialization)
_HALTON: list[np.ndarray] = []


class Measured(Protocol):
    """The runs of a design's points, as the design reads them: in point order, extended by ``+``."""

    @property
    def size(self) -> int:
        """The number of runs (points)."""
        ...

    def __add__(self, more: Self) -> Self:
        ...

    def first(self, n: int) -> Self:
        """The runs of the first n points."""
        ...

    def statistic(self) -> np.ndarray:
        """The statistic of the runs that count towards the median, in point order (NaN: counted,
        unmeasured); runs that do not count are left out."""
        ...


M = TypeVar("M", bound=Measured)


@dataclass(frozen=True)
class Design(Generic[M]):
    """A statistic judged on the design: the decision, the estimate that made it (kind
    ``quadrature``: the median ± the error estimate), the points used, the medians at each doubling,
    and the runs."""

    status: str
    estimate: Estimate | None
    points: int
    medians: tuple[float, ...]
    runs: M


def design_uniforms(first: int, last: int) -> np.ndarray:
    """Points ``first`` … ``last`` − 1 of the unscrambled Halton sequence in [0, 1)⁴, its point 0 (the
    origin) left out: deterministic and nested — n points are the first n of any larger design."""
    if not _HALTON:
        sequence = qmc.Halton(DESIGN_DIMENSIONS, scramble=False)
        sequence.fast_forward(1)
        _HALTON.append(sequence.random(DESIGN.last))
    return _HALTON[0][first:last]


def design_estimate(runs: Measured, medians: list[float]) -> Estimate | None:
    """The median statistic of the design's runs with its interval (the module docstring's rule);
    None before three nested medians or without a run that counts."""
    if len(medians) < 3 or math.isnan(medians[-1]):
        return None
    statistic = runs.statistic()
    values = np.sort(statistic[~np.isnan(statistic)])
    middle = np.searchsorted(values, medians[-1])
    neighbours = values[max(middle - 1, 0):middle + 2]
    neighbours = neighbours[np.isfinite(neighbours)]
    resolution = float(np.max(np.abs(neighbours - medians[-1]))) if neighbours.size else 0.0
    error = max(DESIGN_SAFETY * max(abs(medians[-1] - medians[-2]), abs(medians[-2] - medians[-3])), resolution)
    unmeasured = np.isnan(statistic)
    low_side = float(np.median(np.where(unmeasured, 0.0, statistic)))
    high_side = float(np.median(np.where(unmeasured, math.inf, statistic)))
    if math.isnan(error):
        return None
    return Estimate(medians[-1], low_side - error, high_side + error, "quadrature", error=error,
                    note=f"{runs.size:,} Halton points")


def run_design(measure: Callable[[np.ndarray], M], requirement: Requirement) -> Design[M]:
    """``requirement`` judged on the design: ``measure`` runs the starts at given design points
    (rows of :func:`design_uniforms`), which are doubled from DESIGN.first while the estimate's
    interval meets an edge of the requirement's zone, up to DESIGN.last. Nothing is drawn from a
    generator: the same at every seed."""
    runs: M | None = None
    medians: list[float] = []
    status, estimate = UNDECIDED, None
    sizes = DESIGN.sizes()
    for n in sizes:
        done = 0 if runs is None else runs.size
        if done < n:       # the first three sizes in one batch: the first estimate needs their three medians
            more = measure(design_uniforms(done, max(n, sizes[min(2, len(sizes) - 1)])))
            runs = more if runs is None else runs + more
        assert runs is not None
        counted = runs.first(n).statistic()
        medians.append(float(np.median(np.where(np.isnan(counted), 0.0, counted))) if counted.size else math.nan)
        estimate = design_estimate(runs.first(n), medians)
        status = UNDECIDED if estimate is None else requirement.decide(estimate)
        if status != UNDECIDED:
            runs = runs.first(n)
            break
    assert runs is not None
    return Design(status, estimate, runs.size, tuple(medians), runs)
