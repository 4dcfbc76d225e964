"""Grid cells at p = ∞ by quadrature: `theorycheck sweep --method quadrature`.

At p = ∞ the outcome of GD from the paper's initialization is a function of one point of a disk
with an explicit law (docs/dynamics.md, "The limit κ → ∞, and P_∞ by quadrature"), so a cell's
P_∞(global) and P_∞(spurious) are integrals, estimated by :func:`theory.quadrature.probabilities`
to a requested tolerance — deterministic (no seed, no sampling error), with an error *estimate*,
not a bound (:mod:`theory.certify` proves enclosures). A cell where the quadrature's premises fail
(runs undecided within the step cap, a disk without the one-arc structure) is kept as a row that
says why, never dropped and never guessed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass
from typing import Any

from checks.experiments.cells import STEPS, Axes, Grid, Threshold, cell_r, grid_json, json_p
from theory import invariants, quadrature
from theory.validation import InvalidInput

__all__ = ["DEFAULT_TOLERANCE", "METHODS", "QuadratureCell", "QuadratureResult", "quadrature_cell",
           "quadrature_problem", "run_quadrature"]

METHODS = ("sample", "quadrature")
DEFAULT_TOLERANCE = 1e-4


@dataclass(frozen=True)
class QuadratureCell:
    """One cell (k, r/r_b, κ, η multiple) at p = ∞: P_∞(global), P_∞(spurious) with the error
    estimate, the GD runs the quadrature used and its time — or, when it could not be computed,
    ``reason`` (and NaN probabilities)."""

    k: int
    ratio_over_boundary: float
    kappa: float
    eta_multiple: float
    r: float
    eta_fraction: float
    p_global: float
    p_spurious: float
    error_estimate: float
    gd_runs: int
    seconds: float
    reason: str = ""

    @property
    def computed(self) -> bool:
        return not self.reason

    def to_json(self) -> dict[str, Any]:
        def number(x: float) -> float | None:
            return x if math.isfinite(x) else None
        row: dict[str, Any] = {"k": self.k, "p": json_p(math.inf), "ratio_over_boundary": self.ratio_over_boundary,
                               "eta_multiple": self.eta_multiple, "method": "quadrature"}
        for label, value in (("global", self.p_global), ("spurious", self.p_spurious)):
            row[f"p_{label}"] = number(value)
            row[f"p_{label}_low"] = number(max(value - self.error_estimate, 0.0))
            row[f"p_{label}_high"] = number(min(value + self.error_estimate, 1.0))
        row.update(error_estimate=number(self.error_estimate), family="canonical", r=self.r, kappa=self.kappa,
                   eta_fraction=self.eta_fraction, v0_norm=1.0, gd_runs=self.gd_runs, seconds=self.seconds,
                   not_computed_because=self.reason)
        return row


@dataclass(frozen=True)
class QuadratureResult:
    """A quadrature sweep: its grid, tolerance, cells (in the grid's order) and κ*(k, r) brackets."""

    grid: Grid
    tolerance: float
    rows: tuple[QuadratureCell, ...]
    thresholds: tuple[Threshold, ...] = ()

    @property
    def axes(self) -> Axes:
        return Axes.of(self.grid)

    def to_json(self) -> dict[str, Any]:
        return {"method": "quadrature", "grid": grid_json(self.grid), "tolerance": self.tolerance,
                "rows": [row.to_json() for row in self.rows],
                "not_computed": sum(not row.computed for row in self.rows),
                "thresholds": [t.to_json() for t in self.thresholds]}


def quadrature_problem(grid: Grid) -> str:
    """Why ``grid`` cannot be swept by quadrature ("" when it can): the method is the p = ∞ limit
    for the canonical teachers at ‖v₀‖ = 1 and r > 0."""
    if any(p != math.inf for p in grid.ps):
        return "--method quadrature computes p = inf only (pass --ps inf, or --method sample for finite p)"
    if grid.family != "canonical":
        return "--method quadrature needs --family canonical (a random teacher has no p = inf cell)"
    if grid.v0_norm != 1.0:
        return "--method quadrature runs at ‖v₀‖ = 1 (κ carries the scale: pass --kappas instead of --v0-norm)"
    if any(ratio == 0 for ratio in grid.ratios):
        return ("--method quadrature needs ratios > 0 (at r = 0 the ball is the point a₀ = 0 and GD stays on the "
                "saddle cone: no probability to integrate)")
    return ""


def quadrature_cell(k: int, ratio: float, kappa: float, eta_multiple: float, tolerance: float,
                    max_steps: int = STEPS) -> QuadratureCell:
    """One cell by :func:`theory.quadrature.probabilities` at η = ``eta_multiple`` × the default."""
    r = cell_r(k, ratio)
    fraction = invariants.DEFAULT_ETA_FRACTION * eta_multiple
    try:
        found = quadrature.probabilities(k, r, kappa, eta_fraction=fraction, tolerance=tolerance,
                                         max_steps=max_steps)
    except quadrature.QuadratureError as exc:
        return QuadratureCell(k, ratio, kappa, eta_multiple, r, fraction, math.nan, math.nan, math.nan, 0, 0.0,
                              str(exc))
    return QuadratureCell(k, ratio, kappa, eta_multiple, r, fraction, found.global_, found.spurious,
                          found.error_estimate, found.runs, found.seconds)


def run_quadrature(grid: Grid, executor: Executor, tolerance: float = DEFAULT_TOLERANCE,
                   progress: Callable[[int, int], None] = lambda done, total: None) -> QuadratureResult:
    """Every cell of ``grid`` (p = ∞) by quadrature on ``executor``; ``progress`` is told (cells
    done, cells in all). The result does not depend on the executor or the order cells finish. Its
    κ*(k, r) brackets are the caller's to add (``checks.app.sweep.thresholds``: after the cells are
    written, and a bracket that cannot be found is said, not raised)."""
    if problem := quadrature_problem(grid):
        raise InvalidInput(problem)
    if not (isinstance(tolerance, float) and 1e-8 <= tolerance <= 0.1):
        raise InvalidInput(f"tolerance must be a number in [1e-8, 0.1], got {tolerance!r}")
    keys = [(k, ratio, kappa, eta) for k, _, ratio, kappa, eta in grid.cells()]
    futures: dict[Future, int] = {executor.submit(quadrature_cell, *key, tolerance, grid.steps): i
                                  for i, key in enumerate(keys)}
    rows: list[QuadratureCell | None] = [None] * len(keys)
    progress(0, len(keys))
    for done, future in enumerate(as_completed(futures), start=1):
        rows[futures[future]] = future.result()
        progress(done, len(keys))
    return QuadratureResult(grid, tolerance, tuple(row for row in rows if row is not None))
