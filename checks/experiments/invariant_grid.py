"""The grid the dynamic claims are judged on: fixed teachers (k, r/r_b, κ), along p up to p = ∞.

For a given η the outcome law of GD depends on the teacher only through (k, r, κ) and on p only
through the law of φ₀ (theory.invariants). So the claims are judged on

* the **map**: P_∞(outcome) at p = ∞ over k × r/r_b × κ, on canonical teachers;
* **p-series**: a few fixed teachers of the map, each run at every p of the budget and at ∞;
* **named points**: today's teacher families placed on the map — "gaussian-like" (r = 1, the mean
  of (1ᵀg)²/‖g‖² for Gaussian g, and κ = k, the mean of ‖g‖²), "one-hot" (r = 1, κ = 1) and
  "zero-sum" (r = 0, κ = 1: the paper's ball is the point a₀ = 0).

Every cell runs through :mod:`checks.experiments.cells` (its chunks, its seeds): a cell's runs depend on the
master seed and the cell alone — never on the claim asking — so two claims reporting the same
configuration report the same runs, and ``theorycheck sweep`` with the same cell and seed
reproduces them. Within a process the counts are cached (the claims of one report share them).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any

from checks.experiments import cells
from checks.experiments.cells import Axes, CellRow, GridResult, Threshold
from checks.experiments.counts import OutcomeCounts
from checks.experiments.plan import Plan
from checks.verdicts.cases import Record
from theory import invariants
from theory.decisions import Outcome

__all__ = ["Point", "as_grid_result", "configurations", "covered", "evidence_row", "map_points", "named_points",
           "run_cells", "series_points", "series_ps", "threshold", "thresholds", "unique"]

INF = math.inf


@dataclass(frozen=True)
class Point:
    """A fixed teacher of the grid: its invariants, and a name when it stands for a family."""

    k: int
    ratio: float          # r / r_b (capped so that r ≤ k)
    kappa: float
    name: str = ""

    @property
    def r(self) -> float:
        return cells.cell_r(self.k, self.ratio)

    def label(self) -> str:
        text = f"k = {self.k:,}, r/r_b = {self.ratio:.3g}, κ = {self.kappa:g}"
        return f"{self.name} ({text})" if self.name else text


def named_points(plan: Plan) -> list[Point]:
    """Today's families as points of the map, at each k of the budget."""
    points = []
    for k in plan.invariant_grid.ks:
        rb = invariants.boundary(k)
        points += [Point(k, min(1.0, k) / rb, float(k), "gaussian-like"), Point(k, min(1.0, k) / rb, 1.0, "one-hot")]
        if k > 1:
            points.append(Point(k, 0.0, 1.0, "zero-sum"))
    return points


def series_points(plan: Plan) -> list[Point]:
    """The teachers followed along p: at the smallest and a middle k, one ratio, a κ below and one
    above the threshold's usual range, plus the named points at the smallest k."""
    grid = plan.invariant_grid
    ks = (grid.ks[0], grid.ks[len(grid.ks) // 2])
    return [Point(k, 0.3, kappa) for k in ks for kappa in (grid.kappas[0], grid.kappas[-1])] \
        + [p for p in named_points(plan) if p.k == ks[0]]


class _Inline(Executor):
    """An executor that runs each chunk at once (claims already run in a worker process)."""

    def submit(self, function, /, *args, **kwargs):   # type: ignore[override]
        future: Future = Future()
        future.set_result(function(*args, **kwargs))
        return future


class _MemoryCache:
    """checks.app.sweep.ChunkCache's interface, in memory, shared by every claim of a process."""

    entries: dict[str, OutcomeCounts] = {}    # noqa: RUF012 (process-wide on purpose)
    corrupted = 0
    failure: OSError | None = None

    def get(self, key: str, runs: int) -> OutcomeCounts | None:
        return self.entries.get(key)

    def put(self, key: str, runs: int, counts: OutcomeCounts) -> None:
        self.entries[key] = counts


def run_cells(seed: int, plan: Plan, points: Iterable[Point], ps: Iterable[float], alpha: float,
              runs: int | None = None) -> list[CellRow]:
    """The cells (counts, exact intervals at confidence 1 − α each, invariants) of every point at
    every p of ``ps``, at the default η, each named after its point; ``runs`` per cell (default the
    plan's). A cell's first n runs are the same whatever its size (its chunks are seeded by index)."""
    spec = plan.invariant_grid
    rows = []
    for point in points:
        grid = cells.Grid(ks=(point.k,), ps=tuple(ps), ratios=(point.ratio,), kappas=(point.kappa,),
                          eta_multiples=(1.0,), runs=runs or spec.runs, chunk_runs=spec.chunk_runs, seed=seed,
                          steps=plan.cell_steps)
        result = cells.run_grid(grid, _Inline(), _MemoryCache(), alpha=alpha, with_thresholds=False)
        rows += [row.named(point.name) for row in result.rows]
    return rows


def map_points(plan: Plan) -> list[Point]:
    grid = plan.invariant_grid
    return [Point(k, ratio, kappa) for k in grid.ks for ratio in grid.ratios for kappa in grid.kappas]


_THRESHOLDS: dict[tuple, Threshold] = {}


def threshold(plan: Plan, k: int, ratio: float) -> Threshold:
    """κ*(k, r) bracket at the plan's precision, searched up to 10 × the grid's largest κ
    (cached per process)."""
    grid = plan.invariant_grid
    key = (k, ratio, grid.threshold_tolerance, grid.threshold_angles, max(grid.kappas))
    if key not in _THRESHOLDS:
        found = invariants.spurious_threshold(k, cells.cell_r(k, ratio), tolerance=grid.threshold_tolerance,
                                              angles=grid.threshold_angles, kappa_max=10 * max(grid.kappas))
        _THRESHOLDS[key] = Threshold(k, found.r, ratio, found.kappa_low, found.kappa_high, tuple(found.witness))
    return _THRESHOLDS[key]


def thresholds(plan: Plan) -> list[Threshold]:
    """κ*(k, r) brackets for every ratio of the map at its first ``threshold_ks`` k (at quick the
    largest k is left out: its runs take the most steps)."""
    grid = plan.invariant_grid
    return [threshold(plan, k, ratio) for k in grid.ks[:grid.threshold_ks] for ratio in grid.ratios]


def evidence_row(row: CellRow) -> Record:
    """The fields the dynamic claims' evidence rows carry (k, r, r/r_b, κ, p, ‖v₀‖, the counts and
    P(global), P(spurious) with their intervals)."""
    counts = row.counts
    return {"name": row.name or "", "family": row.name or "canonical", "k": row.k, "r": row.r,
            "ratio_over_boundary": row.ratio_over_boundary, "kappa": row.kappa, "p": cells.json_p(row.p),
            "v0_norm": row.v0_norm, "runs": row.runs, "global": counts[Outcome.GLOBAL],
            "spurious": counts[Outcome.SPURIOUS], "undecided": counts[Outcome.UNDECIDED],
            "diverged": counts[Outcome.DIVERGED], "p_global": row.proportion(Outcome.GLOBAL),
            "p_spurious": row.proportion(Outcome.SPURIOUS)}


def as_grid_result(rows: Sequence[CellRow], plan: Plan, found: Sequence[Threshold], alpha: float) -> GridResult:
    """The cells a claim ran, as a table of cells with the invariant grid's axes (the figures of a
    sweep draw it)."""
    grid = plan.invariant_grid
    axes = Axes(tuple(grid.ks), tuple(grid.ratios), tuple(grid.kappas), tuple(sorted({r.p for r in rows})), (1.0,),
                "canonical")
    return GridResult(axes, tuple(rows), tuple(found), alpha)


def covered(plan: Plan, rows: Sequence[Mapping[str, Any]]) -> str:
    """What ran, in the grid's own terms, from the evidence rows that ran."""
    def axis(values: Iterable[float]) -> str:
        shown = sorted({float(f"{v:.6g}") for v in values})
        return ", ".join(f"{v:,.0f}" if v == int(v) and v >= 1000 else f"{v:g}" for v in shown)
    ps = sorted({r["p"] for r in rows}, key=lambda p: math.inf if p == "inf" else p)
    return (f"teachers (k, r/r_b, κ) with k ∈ {{{axis(r['k'] for r in rows)}}}, r/r_b ∈ "
            f"{{{axis(round(r['ratio_over_boundary'], 6) for r in rows)}}}, κ ∈ {{{axis(r['kappa'] for r in rows)}}}; "
            f"p ∈ {{{', '.join('∞' if p == 'inf' else f'{p:,}' for p in ps)}}}; "
            f"{sum(r['runs'] for r in rows):,} runs at the default η; ‖v₀‖ = 1")


def unique(rows: Sequence[Record]) -> list[Record]:
    """Evidence rows of distinct configurations (k, r/r_b, κ, p): a p-series teacher that is also a
    map cell reports the same runs twice, which must be judged and counted once."""
    seen, out = set(), []
    for row in rows:
        key = (row["k"], float(f"{row['ratio_over_boundary']:.9g}"), float(f"{row['kappa']:.9g}"), row["p"])
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def series_ps(plan: Plan, point: Point) -> tuple[float, ...]:
    """The p a p-series teacher runs at: the budget's finite p and ∞ — except 1ᵀa* = 0 at p = ∞,
    which starts on a critical point (φ₀ = π/2, a₀ = 0: the saddle cone) and never moves, so its
    outcome there is stated, not run."""
    finite = plan.invariant_grid.ps
    return (*finite, INF) if point.ratio > 0 else finite


def configurations(plan: Plan, map_points: list[Point], series: list[Point]) -> int:
    """How many distinct configurations (k, r/r_b, κ, p) the map and the p-series hold: a p-series
    teacher that is also a map cell is one configuration (the family-wise error is split over these)."""
    keys = {(p.k, p.ratio, p.kappa, INF) for p in map_points}
    keys |= {(p.k, p.ratio, p.kappa, q) for p in series for q in series_ps(plan, p)}
    return len(keys)
