"""The README's map grid (k ∈ {10, 100}, r/r_b ∈ {0.01, 0.3}, κ ∈ {0.1, 1, 10, 100}, η ∈ {1, 2}× the
default, p = ∞: 32 cells) swept by sampling and by quadrature, interleaved in one run, in this
process (one worker each: the ratio does not depend on the pool).

For each method: seconds, and the precision reached — sampling: the largest half-width of the
cells' Clopper–Pearson intervals at 99 %; quadrature: the largest error estimate — and, for
sampling, the seconds it would need for the quadrature's precision (runs grow like 1/precision²:
an extrapolation, said as one). Run: ``python benchmarks/sweep_methods.py [repeats]``.
"""

from __future__ import annotations

import math
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from checks.experiments import cells, quadrature_cells
from theory.decisions import Outcome

GRID = dict(ks=(10, 100), ps=(math.inf,), ratios=(0.01, 0.3), kappas=(0.1, 1.0, 10.0, 100.0), eta_multiples=(1.0, 2.0))


class _NoCache:
    corrupted = 0

    def get(self, key, runs):
        return None

    def put(self, key, runs, counts):
        pass


def sample(runs: int) -> tuple[float, float]:
    grid = cells.Grid(**GRID, runs=runs, chunk_runs=500)
    started = time.perf_counter()
    with ThreadPoolExecutor(1) as pool:
        result = cells.run_grid(grid, pool, _NoCache(), alpha=0.01, with_thresholds=False)
    seconds = time.perf_counter() - started
    half = max((r.proportion(o).high - r.proportion(o).low) / 2 for r in result.rows
               for o in (Outcome.GLOBAL, Outcome.SPURIOUS))
    return seconds, half


def quadrature(tolerance: float) -> tuple[float, float]:
    grid = cells.Grid(**GRID)
    started = time.perf_counter()
    with ThreadPoolExecutor(1) as pool:
        result = quadrature_cells.run_quadrature(grid, pool, tolerance)
    seconds = time.perf_counter() - started
    assert all(r.computed for r in result.rows), [r.reason for r in result.rows if not r.computed]
    return seconds, max(r.error_estimate for r in result.rows)


def main(repeats: int = 2) -> None:
    print(f"load average before: {os.getloadavg()}")
    sample(64), quadrature(1e-2)        # compile and warm up, not timed
    for _ in range(repeats):
        sampled, half = sample(2000)
        print(f"sample, 2,000 runs a cell: {sampled:6.2f} s, precision (largest 99 % half-width) {half:.3g}")
        for tolerance in (1e-2, 1e-3, 1e-4, 1e-5):
            seconds, error = quadrature(tolerance)
            needed = sampled * (half / max(error, tolerance * 1e-3)) ** 2
            print(f"quadrature, tolerance {tolerance:g}: {seconds:6.2f} s, largest error estimate {error:.2g}; "
                  f"sampling would need ≈ {needed:,.0f} s for a 99 % half-width of {max(error, tolerance * 1e-3):.2g} "
                  f"(ratio {seconds / needed:.2g})")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
