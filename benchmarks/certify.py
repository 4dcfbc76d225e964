"""Benchmark: proved enclosures of P(global), P(spurious) — time, cells and cell-steps to a width.

For each teacher (k, r/r_b, κ) of a grid and each patch size (p = ∞ to --width, default 2e-3;
p = 10 and 1000 to --finite-width, default 2e-2), ``theory.certify.enclosure`` runs until the
unresolved mass is at most the width or --seconds (--finite-seconds) pass, and one JSON line is
printed per run: the enclosures, why it stopped, its cells (proved, split, restarted, unresolved),
the cell-steps (evaluations of the step on a cell's set, summed), the wall time (the certified
trap included), the prover's own time and its rate (ns per cell-step, Python bookkeeping
included) and the load average while it ran — timings on a
shared machine are noisy: compare rates measured in one run. The certified trap (a few seconds per
(k, r, η), cached in the process) and the first compile of the kernels (≈ 1–2 min, cached on disk)
are in the first run's wall time, not in the prover's: --warm runs one tiny enclosure first.

Run: python benchmarks/certify.py [--grid report|hard|full|targets|quick] [--threads N]

Measured 2026-12-08 (--grid report, --grid hard; 2 numba threads, 2 cores shared with four other
agents, load average 6–10 — noisy): wall seconds (certified trap included) to the width, or the
unresolved mass when the budget (120 s at p = ∞, 300 s at finite p) ran out first.

    k     r/r_b  κ      p     P(global)            P(spurious)          unresolved  cell-steps  wall s
    2     0.3    1      ∞     [0.93705, 0.93903]   [0.06097, 0.06295]   2.0e-3      1.04e6      24.6
    10    0.3    10     ∞     [0.88702, 0.88901]   [0.11099, 0.11298]   2.0e-3      2.48e6      32.9
    100   0.3    100    ∞     [0.99855, 0.99993]   [0.00007, 0.00145]   1.4e-3      8.2e4       7.4
    1000  0.01   1000   ∞     [0.96145, 0.96345]   [0.03655, 0.03855]   2.0e-3      1.95e6      21.9
    1000  0.3    1000   ∞     [0.99854, 1]         [6e-59, 0.00146]     1.5e-3      6.4e4       7.1
    1000  0.9    1000   ∞     [1 − 3e-16, 1]       [0, 3e-16]           3e-16       4.6e4       9.9
    10    0.9    0.1    ∞     [1, 1]               [0, 0]               0 (all)     3.6e3       8.4
    100   0.01   0.1    ∞     [0.99999, 1]         [0, 1.0e-5]          1.0e-5      3.7e5       11.9
    10    0.01   100    ∞     [0.53350, 0.53546]   [0.46454, 0.46650]   2.0e-3      1.82e6      28.8
    10    0.3    100    ∞     [0.70108, 0.70503]   [0.29497, 0.29892]   3.9e-3 (time) 9.6e6     133.9
    2     0.3    100    ∞     [0.53406, 0.54061]   [0.45939, 0.46594]   6.6e-3 (time) 1.35e7    134.2
    2     0.3    1000   ∞     [0.41353, 0.64976]   [0.35024, 0.58647]   0.236 (time)  1.16e7    132.3
    10    0.3    1000   ∞     [0.23048, 0.88271]   [0.11729, 0.76952]   0.652 (time)  1.18e7    128.4
    10    0.3    10     10    [0.73716, 0.78433]   [0.21567, 0.26284]   0.047 (time)  2.32e7    310.4
    10    0.3    10     1000  [0.87577, 0.89577]   [0.10423, 0.12423]   2.0e-2      2.17e7      281.1

The prover's rate: 10–13 µs of wall time per cell-step on 2 threads at that load (bookkeeping,
splits and the arb mass sums included). Where the width is not reached — κ ≫ k at small k, and
p = 10 — the basin boundary needs many thin cells each carried for O(κ) steps.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import time

import numba

from theory import certify, invariants

GRIDS = {
    "full": (((2, 10, 100, 1000), (0.01, 0.3, 0.9), (0.1, 1.0, 10.0, 100.0, 1000.0)), (10, 1000)),
    "targets": (((2, 10, 1000), (0.3,), (1.0, 100.0, 1000.0)), (10, 1000)),
    "quick": (((10,), (0.3,), (10.0,)), ()),
}
# the teachers measured for the report (a product grid is too long for a shared machine): p = ∞ to
# --width, and the finite-p teachers to --finite-width
REPORT_INFINITE = ((2, 0.3, 1.0), (10, 0.3, 10.0), (100, 0.3, 100.0), (1000, 0.01, 1000.0), (1000, 0.9, 1000.0),
                   (10, 0.9, 0.1))
REPORT_FINITE = ((10, 0.3, 10.0, 10), (10, 0.3, 10.0, 1000))
HARD_INFINITE = ((2, 0.3, 1000.0), (10, 0.3, 1000.0), (100, 0.01, 0.1), (10, 0.01, 100.0), (1000, 0.3, 1000.0))


def run(k: int, ratio: float, kappa: float, p: float, width: float, seconds: float) -> dict:
    load = os.getloadavg()[0]
    started = time.perf_counter()
    found = certify.enclosure(k, ratio * invariants.boundary(k), kappa, p=p, width=width, seconds=seconds)
    wall = time.perf_counter() - started
    return {"k": k, "r/r_b": ratio, "kappa": kappa, "p": "inf" if p == math.inf else p, "width": width,
            "global": [found.global_low, found.global_high], "spurious": [found.spurious_low, found.spurious_high],
            "unresolved": found.unresolved, "stopped": found.stopped, "cells": found.cells._asdict(),
            "cell_steps": found.steps, "seconds": round(wall, 2), "prover_seconds": round(found.seconds, 2),
            "ns_per_cell_step": round(found.seconds * 1e9 / max(found.steps, 1)),
            "load_before": round(load, 2), "load_after": round(os.getloadavg()[0], 2),
            "threads": numba.get_num_threads()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", choices=sorted([*GRIDS, "report", "hard"]), default="targets")
    parser.add_argument("--width", type=float, default=2e-3)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--finite-width", type=float, default=2e-2)
    parser.add_argument("--finite-seconds", type=float, default=300.0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--warm", action="store_true", help="load the kernels and the trap before timing")
    args = parser.parse_args(argv)
    if args.threads:
        numba.set_num_threads(args.threads)
    if args.grid == "hard":
        for k, ratio, kappa in HARD_INFINITE:
            print(json.dumps(run(k, ratio, kappa, math.inf, args.width, args.seconds)), flush=True)
        return
    if args.grid == "report":
        for k, ratio, kappa in REPORT_INFINITE:
            print(json.dumps(run(k, ratio, kappa, math.inf, args.width, args.seconds)), flush=True)
        for k, ratio, kappa, p in REPORT_FINITE:
            print(json.dumps(run(k, ratio, kappa, p, args.finite_width, args.finite_seconds)), flush=True)
        return
    (ks, ratios, kappas), finite = GRIDS[args.grid]
    for k, ratio, kappa in itertools.product(ks, ratios, kappas):
        if ratio * invariants.boundary(k) > k:
            continue
        if args.warm:
            certify.enclosure(k, ratio * invariants.boundary(k), kappa, width=0.9, seconds=1.0)
        print(json.dumps(run(k, ratio, kappa, math.inf, args.width, args.seconds)), flush=True)
        for p in finite:
            print(json.dumps(run(k, ratio, kappa, p, args.finite_width, args.finite_seconds)), flush=True)


if __name__ == "__main__":
    main()
