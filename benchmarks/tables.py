"""Benchmark: the fixed cost of a run_gd call — decision tables and the reduce/expand path.

One run prints
  * the time to build a DecisionTable for a new teacher (k = 2, 10, 100, 10³, 10⁶; p = 16; the
    teacher's statistics and spurious-minimum test, O(k) and cached per teacher, are timed apart),
    best and median of several teachers;
  * run_gd on 20,000 runs × 200 steps at k = p = 16 with a NEW teacher each call, split into
    validation, table, plane, reduce, kernel, expand and result, against plain batched
    full-dimensional numpy GD (benchmarks/engines.py) on the same runs, with the ratio.
Absolute times vary by machine and load; the ratios are measured in one run.
Run: python benchmarks/tables.py
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from benchmarks.engines import plain_numpy_gd
from theory import Teacher, decisions, dynamics, landscape, reduced_gd


def _seconds(function, *arguments):
    start = time.perf_counter()
    out = function(*arguments)
    return time.perf_counter() - start, out


def table_times(k: int, teachers: int, rng) -> dict:
    """Milliseconds to build the table of a new teacher (after its O(k) statistics)."""
    statistics, tables = [], []
    for _ in range(teachers):
        teacher = Teacher.random(k, 16, rng)
        seconds, _ = _seconds(lambda t: (t.w_norm, t.a_sum, t.a_sq, hash(t), landscape.has_spurious_minimum(t)),
                              teacher)
        statistics.append(seconds)
        seconds, _ = _seconds(decisions.DecisionTable.for_run, teacher, dynamics.default_eta(teacher))
        tables.append(seconds)
    return {"table_ms_best": round(1e3 * min(tables), 3), "table_ms_median": round(1e3 * float(np.median(tables)), 3),
            "teacher_statistics_ms_median": round(1e3 * float(np.median(statistics)), 3)}


def run_gd_breakdown(V0, A0, steps: int, rng) -> dict:
    """Seconds of each part of one run_gd call on a new teacher (the same code path as
    dynamics.run_gd with the compiled kernel), and the whole call timed on its own."""
    teacher = Teacher.random(16, 16, rng)
    parts = {}
    start = time.perf_counter()
    V, A, eta, steps = dynamics._validate_run(teacher, V0, A0, None, steps, ())
    parts["validate"] = time.perf_counter() - start
    parts["table"], table = _seconds(dynamics.decision_table, teacher, eta, True)
    parts["plane"], plane = _seconds(dynamics.reduced_plane, teacher)
    parts["reduce"], (embedding, batch) = _seconds(dynamics.Embedding.reduce, teacher, V, A, table)
    kernel = reduced_gd.compiled_kernel()
    parts["kernel"], _ = _seconds(reduced_gd.advance, batch, plane, table, steps, True, False, kernel, ())
    parts["expand"], (V1, A1) = _seconds(embedding.expand, batch)
    parts["result"], _ = _seconds(dynamics.finish, V1, A1, batch.outcome, batch.decided, batch.ascents,
                                  batch.late_ascents, table.eta, steps, "reduced-numba", start, {})
    whole, _ = _seconds(dynamics.run_gd, Teacher.random(16, 16, rng), V0, A0, None, steps)
    return {"parts": parts, "whole": whole}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", type=int, default=20, help="new teachers per k for the table times")
    parser.add_argument("--trajectories", type=int, default=20_000)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=7, help="run_gd calls (each on a new teacher); best is kept")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    warm = Teacher.random(3, 16, rng)       # loads numba's compiled table loop and GD kernel
    dynamics.run_gd(warm, *dynamics.random_init(warm, 2, rng), steps=2)
    out: dict = {"tables (p = 16, new teacher each)": {}}
    for k in (2, 10, 100, 1000, 10**6):
        out["tables (p = 16, new teacher each)"][f"k = {k}"] = table_times(k, args.teachers if k < 10**6 else 3, rng)
    teacher = Teacher.random(16, 16, rng)
    V0, A0 = dynamics.random_init(teacher, args.trajectories, rng)
    runs = [run_gd_breakdown(V0, A0, args.steps, rng) for _ in range(args.repeats)]
    parts = {name: min(run["parts"][name] for run in runs) for name in runs[0]["parts"]}
    whole = min(run["whole"] for run in runs)
    numpy_seconds = min(plain_numpy_gd(teacher, V0, A0, dynamics.default_eta(teacher), args.steps)
                        for _ in range(2))
    fixed = sum(parts.values()) - parts["kernel"]
    out["run_gd"] = {
        "runs x steps": f"{args.trajectories} x {args.steps}, k = p = 16, new teacher each call",
        "whole call ms (best of repeats; V and A not read, so not expanded)": round(1e3 * whole, 2),
        "parts ms (best of repeats each)": {name: round(1e3 * s, 2) for name, s in parts.items()},
        "fixed cost ms (all parts but the kernel)": round(1e3 * fixed, 2),
        "fixed cost share of the parts": round(fixed / sum(parts.values()), 3),
        "plain numpy GD ms (best of 2)": round(1e3 * numpy_seconds, 1),
        "ratio plain numpy / run_gd whole call": round(numpy_seconds / whole, 2),
        "ratio plain numpy / all parts (V and A read)": round(numpy_seconds / sum(parts.values()), 2),
        "ratio plain numpy / kernel alone (the bound on run_gd's ratio)": round(numpy_seconds / parts["kernel"], 2),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
