"""Benchmark: the cost of a proved trap (theory.trap.certified_trap) against k and the step size.

For each k and κ, η = theory.dynamics.default_eta of the invariant teacher (k, r, κ) — a function
of (k, κ) alone — and r = ``--ratio`` × r_b. Prints the seconds of the float candidate table and
of the verification in arb (each level of both sides), the levels proved per side, how many
candidates needed the second nudge or were dropped, and, with ``tighten=True``, its seconds and the
largest factor by which it lowered a radius of each side. Each trap is computed afresh (the
in-process caches are cleared first).
Run: python benchmarks/trap.py
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from theory import invariants, trap


def measure(k: int, kappa: float, ratio: float) -> dict:
    r = min(ratio * invariants.boundary(k), float(k)) if k > 1 else 1.0
    eta = invariants.DEFAULT_ETA_FRACTION * invariants.stability_limit(k, kappa)
    trap._certified_trap.cache_clear()
    trap._cached_problem.cache_clear()
    trap._float_table.cache_clear()
    start = time.perf_counter()
    trap._float_table(k, r, eta)
    table_seconds = time.perf_counter() - start
    result = trap.certified_trap(k, r, eta)
    tight = trap.certified_trap(k, r, eta, tighten=True)
    return {"k": k, "kappa": kappa, "r": r, "eta": eta, "table_seconds": table_seconds,
            "verify_seconds": result.seconds, "tighten_seconds": tight.seconds,
            **{f"{side.side}_levels": len(side) for side in result.sides},
            "retried": sum(side.retried for side in result.sides),
            "dropped": sum(side.dropped for side in result.sides),
            **{f"{side.side}_tightened_by": float(np.max(side.r2_min / lowered.r2_min, initial=1.0))
               for side, lowered in zip(result.sides, tight.sides, strict=True)}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ks", type=int, nargs="+", default=[2, 10, 1000, 10**6])
    parser.add_argument("--kappas", type=float, nargs="+", default=[1.0, 100.0, 1e4])
    parser.add_argument("--ratio", type=float, default=0.5, help="r/r_b")
    args = parser.parse_args(argv)
    for k in args.ks:
        for kappa in args.kappas:
            print(json.dumps(measure(k, kappa, args.ratio)), flush=True)


if __name__ == "__main__":
    main()
