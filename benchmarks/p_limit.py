"""How P(p) approaches P_∞: the same draws of a₀ at each p (theory.invariants.coupled_outcomes).

    python benchmarks/p_limit.py

For canonical teachers on both sides of κ*, prints, per p, the fraction of runs whose outcome
differs from p = ∞ and the gap P(spurious at p) − P_∞(spurious), with the log-log slopes of both.
"""

from __future__ import annotations

import math
import time

import numpy as np

from theory import invariants

PS = (10, 100, 1000, 10_000, 100_000)


def main() -> None:
    for k, ratio, kappa in ((10, 0.3, 9.0), (10, 0.3, 100.0), (3, 0.01, 1.0), (100, 0.01, 10.0)):
        start = time.perf_counter()
        teacher = invariants.canonical_teacher(k, ratio * invariants.boundary(k), kappa)
        out = invariants.coupled_outcomes(teacher, PS, 200_000, seed=1, max_steps=400_000)
        limit = out[math.inf]
        disagree = np.array([np.mean(out[p] != limit) for p in PS])
        gap = np.array([np.mean(out[p] == 2) - np.mean(limit == 2) for p in PS])
        slope = np.polyfit(np.log10(PS), np.log10(disagree), 1)[0]
        positive = gap > 0
        gap_slope = np.polyfit(np.log10(np.array(PS)[positive][:3]), np.log10(gap[positive][:3]), 1)[0] \
            if positive.sum() >= 2 else math.nan
        print(f"k = {k}, r/r_b = {ratio}, κ = {kappa}: P_∞(spurious) = {np.mean(limit == 2):.4f} "
              f"({time.perf_counter() - start:.1f} s)")
        for p, d, g in zip(PS, disagree, gap, strict=True):
            print(f"  p = {p:>7,}: outcome differs from p = ∞ in {d:.5f} of runs; P(spurious) − P_∞ = {g:+.5f}")
        print(f"  log-log slope: disagreement {slope:.3f}; gap (first three positive p) {gap_slope:.3f}")


if __name__ == "__main__":
    main()
