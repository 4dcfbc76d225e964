"""Benchmark: theory.phases.measure against the GD kernel, trajectory-steps per second in one run.

Both advance the same trajectories (paper's initialization, k = p = 16 by default, default η) with the same
step function; phases.measure also tracks T₁, T_floor and the loss samples, and stops a
trajectory at the floor (here 0, so none stops early). Run: python benchmarks/phases.py
[--threads N]. Absolute rates vary by machine and load; compare the ratio.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from theory import Teacher, dynamics, initialization, phases, reduced_gd


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trajectories", type=int, default=20_000)
    parser.add_argument("--steps", type=int, default=5000)   # loss sampled every 13 steps
    parser.add_argument("--repeats", type=int, default=3, help="best of this many timings")
    parser.add_argument("--threads", type=int, default=0, help="numba threads (0: all)")
    parser.add_argument("--k", type=int, default=16, help="hidden units (larger k: smaller η, runs move longer)")
    parser.add_argument("--p", type=int, default=16)
    args = parser.parse_args(argv)
    import numba
    if args.threads:
        numba.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    teacher = Teacher.random(args.k, args.p, rng)
    eta = dynamics.default_eta(teacher)
    plane = dynamics.reduced_plane(teacher)
    start = initialization.reduced_start(teacher, plane, args.trajectories, rng, "paper", teacher.p, 1.0)
    small = tuple(a[:8] for a in start)
    phases.measure(teacher, small, eta, 2, floor_fraction=0.0)         # load (or compile) the loop
    table = dynamics.decision_table(teacher, eta)
    dynamics.reduced_runs(teacher, 8, rng, max_steps=2, until_decided=False)   # and the kernel

    def time_phases():
        begin = time.perf_counter()
        measured = phases.measure(teacher, start, eta, args.steps, floor_fraction=0.0)
        seconds = time.perf_counter() - begin
        done = np.where(measured.t_floor >= 0, measured.t_floor + 1, args.steps + 1)
        return seconds, int(done.sum())

    def time_kernel():
        batch = dynamics.start_batch(table, *(np.array(a) for a in start))
        begin = time.perf_counter()
        reduced_gd.advance(batch, plane, table, args.steps, True, False, reduced_gd.compiled_kernel(), ())
        return time.perf_counter() - begin, args.trajectories * (args.steps + 1)

    rates = {}
    for name, timed in (("phases.measure", time_phases), ("GD kernel", time_kernel)):
        best = min(timed() for _ in range(args.repeats))
        rates[name] = best[1] / best[0]
    out = {"threads": numba.get_num_threads(), "k": args.k, "p": args.p, "trajectories": args.trajectories,
           "steps": args.steps,
           "trajectory_steps_per_second": {k: f"{v:.3g}" for k, v in rates.items()},
           "phases / kernel": round(rates["phases.measure"] / rates["GD kernel"], 2)}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
