"""Benchmark: the cost of a GD run (reduced initialization + reduced engine) against k and p.

For each (k, p), n runs from the paper's initialization, drawn in reduced coordinates, each
stopped at its decision. Prints the time per run, the steps a decision took (mean and median),
and the time per run-step: flat in p, and in k growing only with the steps (the time per
run-step stays flat). The teacher (O(k + p) numbers) is built outside the timing.
Run: python benchmarks/dimensions.py
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from theory import Teacher, dynamics
from theory.decisions import Outcome


def measure(k: int, p: int, n: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(p)
    teacher = Teacher(w / np.linalg.norm(w), rng.standard_normal(k))
    dynamics.decision_table(teacher, dynamics.default_eta(teacher))      # built once per teacher
    dynamics.reduced_runs(teacher, 8, rng)                                # warm: kernel loaded
    start = time.perf_counter()
    batch = dynamics.reduced_runs(teacher, n, rng, max_steps=10**7)
    seconds = time.perf_counter() - start
    steps = np.where(batch.decided >= 0, batch.decided, 10**7) + 1
    return {"k": k, "p": p, "runs": n, "seconds_per_run": seconds / n,
            "mean_decision_steps": float(steps.mean()), "median_decision_steps": float(np.median(steps)),
            "seconds_per_run_step": seconds / steps.sum(),
            "undecided": int(np.sum(batch.outcome == Outcome.UNDECIDED))}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4000)
    args = parser.parse_args(argv)
    along_p = [measure(10, p, args.runs, 1) for p in (10, 1000, 10**5, 10**6)]
    along_k = [measure(k, 10, args.runs, 2) for k in (10, 100, 10**4, 10**6)]
    fmt = lambda rows: [{key: (f"{value:.3g}" if isinstance(value, float) else value)  # noqa: E731
                         for key, value in row.items()} for row in rows]
    print(json.dumps({"p axis (k = 10)": fmt(along_p), "k axis (p = 10)": fmt(along_k)}, indent=2))


if __name__ == "__main__":
    main()
