"""What `theorycheck sweep` shows in the terminal: the plan before it starts, progress, the result.

Tables and progress are rich's; the numbers are the sweep's own (checks.app.sweep), nothing here
computes a probability.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from checks.experiments import cells
from checks.experiments.cells import CellRow, GridResult
from checks.experiments.quadrature_cells import QuadratureResult
from checks.verdicts.claim import rng_for
from theory import dynamics
from theory.decisions import Outcome

__all__ = ["PILOT_CELLS", "PILOT_RUNS", "ChunkProgress", "estimate_seconds", "print_plan", "print_quadrature_plan",
           "print_quadrature_result", "print_result",
           "stderr_console", "stdout_console"]

PILOT_RUNS, PILOT_CELLS = 48, 6


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False)


def stdout_console() -> Console:
    return Console(highlight=False, width=160)


def estimate_seconds(grid: cells.Grid, workers: int) -> float:
    """Seconds the sweep should take on ``workers`` processes, from PILOT_RUNS runs on each of up
    to PILOT_CELLS cells spread over the grid (their own seeds: the sweep's numbers are not
    touched). Cells differ in cost — larger k and κ take more steps — so this is a guide only."""
    every = grid.cells()
    cells.run_chunk(grid, every[0], -1, 1)    # load the compiled kernel before the clock starts
    chosen = [every[round(i * (len(every) - 1) / max(PILOT_CELLS - 1, 1))] for i in range(min(PILOT_CELLS, len(every)))]
    start = time.perf_counter()
    for cell in chosen:
        k, p, ratio, kappa, eta_multiple = cell
        teacher = cells.cell_teacher(grid, k, p, ratio, kappa)
        dynamics.outcome_counts(teacher, PILOT_RUNS, rng_for(grid.seed, "sweep-pilot", *map(repr, cell)),
                                eta=cells.cell_eta(grid, teacher, eta_multiple), max_steps=grid.steps, p=p,
                                v0_norm=grid.v0_norm)
    per_run = (time.perf_counter() - start) / (PILOT_RUNS * len(chosen))
    return per_run * grid.runs * len(every) / max(workers, 1)


def _axis(values) -> str:
    return ", ".join("∞" if v == math.inf else f"{v:g}" if isinstance(v, float) else f"{v:,}" for v in values)


def print_plan(console: Console, grid: cells.Grid, where: str, seconds: float) -> None:
    table = Table(title="sweep plan", show_header=False, title_justify="left")
    table.add_column("axis", style="bold")
    table.add_column("values", overflow="fold")
    table.add_row("family", grid.family + (" (κ recorded per cell)" if grid.family == "random" else ""))
    table.add_row("k", _axis(grid.ks))
    table.add_row("p", _axis(grid.ps))
    table.add_row("r/r_b", _axis(grid.ratios))
    table.add_row("κ", _axis(grid.kappas) if grid.family == "canonical" else "the teacher's own")
    table.add_row("η multiples", _axis(grid.eta_multiples))
    table.add_row("‖v₀‖", f"{grid.v0_norm:g}")
    cells = len(grid.cells())
    table.add_row("cells × runs", f"{cells:,} × {grid.runs:,} = {cells * grid.runs:,} runs in "
                  f"{len(grid.chunks()):,} chunks")
    table.add_row("on", where)
    table.add_row("estimated", f"about {seconds:,.0f} s without the cache (from a pilot of {PILOT_RUNS} runs on "
                  f"{min(PILOT_CELLS, cells)} cells)")
    console.print(table)


def print_quadrature_plan(console: Console, grid: cells.Grid, tolerance: float, where: str) -> None:
    table = Table(title="sweep plan (by quadrature: p = ∞, deterministic)", show_header=False, title_justify="left")
    table.add_column("axis", style="bold")
    table.add_column("values", overflow="fold")
    table.add_row("k", _axis(grid.ks))
    table.add_row("r/r_b", _axis(grid.ratios))
    table.add_row("κ", _axis(grid.kappas))
    table.add_row("η multiples", _axis(grid.eta_multiples))
    table.add_row("cells", f"{len(grid.cells()):,}, each to tolerance {tolerance:g} (an error estimate, not a bound)")
    table.add_row("on", where)
    console.print(table)


def print_quadrature_result(console: Console, result: QuadratureResult, paths: list[str],
                            not_found: Sequence[Any] = ()) -> None:
    """Each cell's P_∞ with its error estimate, or why it was not computed; what was written."""
    table = Table(title=f"P_∞ by quadrature (tolerance {result.tolerance:g}; error estimates, not bounds)",
                  title_justify="left")
    for name in ("k", "r/r_b", "κ", "η ×", "P_∞(global)", "P_∞(spurious)", "± estimate", "GD runs", "s"):
        table.add_column(name, justify="right", no_wrap=True)
    for row in result.rows:
        numbers = ((f"{row.p_global:.6f}", f"{row.p_spurious:.6f}", f"{row.error_estimate:.1g}") if row.computed
                   else ("not computed", row.reason[:60], ""))
        table.add_row(f"{row.k:,}", f"{row.ratio_over_boundary:g}", f"{row.kappa:.3g}", f"{row.eta_multiple:g}",
                      *numbers, f"{row.gd_runs:,}", f"{row.seconds:.2f}")
    console.print(table)
    _print_thresholds(console, result.thresholds, not_found)
    console.print(f"{len(result.rows)} cells ({sum(not r.computed for r in result.rows)} not computed); wrote "
                  + ", ".join(paths))


class ChunkProgress:
    """A rich progress bar fed by run_sweep's (done, total); a plain closing line either way, so a
    log without a terminal still says how far the sweep got."""

    def __init__(self, console: Console, unit: str = "chunks"):
        self.console, self.unit = console, unit
        self.progress = Progress(TextColumn(unit), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                 TextColumn("left"), TimeRemainingColumn(), console=console, transient=True)
        self.task = self.progress.add_task(unit, total=None)
        self.done = self.total = 0
        self.start = time.perf_counter()

    def update(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        self.progress.update(self.task, completed=done, total=total)

    def __enter__(self) -> ChunkProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()
        self.console.print(f"{self.done}/{self.total} {self.unit} in {time.perf_counter() - self.start:.1f} s")


def _interval(row: CellRow, outcome: Outcome) -> str:
    share = row.proportion(outcome)
    return f"{share.estimate:.3f} [{share.low:.3f}, {share.high:.3f}]"


def _print_thresholds(console: Console, thresholds: tuple[cells.Threshold, ...], not_found: Sequence[Any]) -> None:
    """κ*(k, r) brackets, and why each one not found was not (checks.app.sweep.ThresholdNotFound)."""
    if thresholds:
        console.print("κ*(k, r): the least κ at which P_∞(spurious) > 0 (default η, ‖v₀‖ = 1)")
        found = Table()
        for name in ("k", "r/r_b", "κ* from", "κ* to"):
            found.add_column(name, justify="right")
        for t in thresholds:
            found.add_row(f"{t.k:,}", f"{t.ratio_over_boundary:g}", f"{t.kappa_low:.4g}", f"{t.kappa_high:.4g}")
        console.print(found)
    for t in not_found:
        console.print(f"κ*(k = {t.k:,}, r/r_b = {t.ratio_over_boundary:g}): not found, because {t.reason}",
                      markup=False, highlight=False)


def print_result(console: Console, result: GridResult, paths: list[str], not_found: Sequence[Any] = ()) -> None:
    """The cells' probabilities with their intervals, κ*(k, r) when computed (and, for each bracket
    not found, why: ``not_found``, :class:`checks.app.sweep.ThresholdNotFound`), and what was written."""
    table = Table(title=f"outcome probabilities (intervals at confidence {result.confidence:.6f} each)",
                  title_justify="left")
    for name in ("k", "p", "r/r_b", "κ", "η ×", "runs", "P(global)", "P(spurious)", "undecided", "diverged"):
        table.add_column(name, justify="right", no_wrap=True)
    for row in sorted(result.rows, key=lambda r: (r.k, float(r.p), r.ratio_over_boundary, r.kappa, r.eta_multiple)):
        table.add_row(f"{row.k:,}", "∞" if row.p == math.inf else f"{row.p:,}", f"{row.ratio_over_boundary:g}",
                      f"{row.kappa:.3g}", f"{row.eta_multiple:g}", f"{row.runs:,}", _interval(row, Outcome.GLOBAL),
                      _interval(row, Outcome.SPURIOUS), f"{row.counts[Outcome.UNDECIDED]:,}",
                      f"{row.counts[Outcome.DIVERGED]:,}")
    console.print(table)
    _print_thresholds(console, result.thresholds, not_found)
    console.print(f"{len(result.rows)} cells, {result.chunks} chunks ({result.from_cache} from cache, "
                  f"{result.corrupted_cache_entries} corrupted entries recomputed); wrote " + ", ".join(paths))
