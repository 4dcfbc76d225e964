"""checks.experiments.invariant_grid: the cells a claim runs are the sweep's cells (same seeds,
whoever asks), counted once where the map and a p-series meet, and zero-sum teachers are not run at
p = ∞ (they start on a critical point)."""

import math
from concurrent.futures import Future
from dataclasses import replace

from checks import claims as catalogue
from checks.experiments import cells
from checks.experiments import invariant_grid as ig
from theory.decisions import Outcome

PLAN = catalogue.plan("quick")
SMALL = replace(PLAN, invariant_grid=replace(PLAN.invariant_grid, runs=200, chunk_runs=100))


class _Inline:
    def submit(self, function, *args):
        future = Future()
        future.set_result(function(*args))
        return future


def test_a_claims_cells_are_the_sweeps_cells():
    point = ig.Point(2, 0.3, 10.0, "probe")
    rows = ig.run_cells(5, SMALL, [point], (10, math.inf), alpha=1e-3)
    assert [row.name for row in rows] == ["probe", "probe"] and {row.p for row in rows} == {10, math.inf}
    grid = cells.Grid(ks=(2,), ps=(10, math.inf), ratios=(0.3,), kappas=(10.0,), eta_multiples=(1.0,), runs=200,
                      chunk_runs=100, seed=5, steps=SMALL.cell_steps)

    class Nothing:
        corrupted, failure = 0, None

        def get(self, key, runs):
            return None

        def put(self, key, runs, counts):
            pass
    swept = cells.run_grid(grid, _Inline(), Nothing(), alpha=1e-3, with_thresholds=False)
    assert [r.counts for r in swept.rows] == [r.counts for r in rows]
    again = ig.run_cells(5, SMALL, [point], (10, math.inf), alpha=1e-3)      # from the process's cache
    assert [r.counts for r in again] == [r.counts for r in rows]


def test_evidence_rows_carry_the_invariants_and_the_cells_proportions():
    row = ig.run_cells(5, SMALL, [ig.Point(2, 0.3, 10.0)], (10,), alpha=1e-3)[0]
    record = ig.evidence_row(row)
    assert {"k", "r", "ratio_over_boundary", "kappa", "p", "v0_norm"} <= set(record)
    assert record["p_global"] == row.proportion(Outcome.GLOBAL) and record["global"] == row.counts[Outcome.GLOBAL]
    assert record["family"] == "canonical" and record["p"] == 10


def test_configurations_count_a_shared_cell_once_and_zero_sum_skips_infinity():
    maps = ig.map_points(PLAN)
    series = ig.series_points(PLAN)
    zero_sum = next(p for p in series if p.name == "zero-sum")
    assert math.inf not in ig.series_ps(PLAN, zero_sum) and math.inf in ig.series_ps(PLAN, series[0])
    shared = {(p.k, p.ratio, p.kappa) for p in maps} & {(p.k, p.ratio, p.kappa) for p in series}
    assert shared                                               # some p-series teachers are map cells
    separately = len(maps) + sum(len(ig.series_ps(PLAN, p)) for p in series)
    assert ig.configurations(PLAN, maps, series) == separately - len(shared)
    record = {"k": 2, "ratio_over_boundary": 0.3, "kappa": 10.0, "p": "inf"}
    assert ig.unique([record, dict(record), {**record, "p": 10}]) == [record, {**record, "p": 10}]
