"""Benchmark: the reduced GD engine (numba and numpy) against the plain full-dimensional engine.

Same trajectories (k = p = 16, 10⁵ of them by default) and the same η; prints trajectory-steps
per second for each engine, the speed-up, and the first call's compile cost (numba caches the
compiled kernel on disk, so later processes skip it). Run: python benchmarks/engines.py
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from theory import Teacher, dynamics


def measure(teacher, V0, A0, steps, engine):
    result = dynamics.run_gd(teacher, V0, A0, steps=steps, engine=engine)
    rate = V0.shape[0] * steps / result.seconds
    return {"engine": engine, "trajectories": V0.shape[0], "steps": steps,
            "seconds": round(result.seconds, 3), "trajectory_steps_per_second": round(rate)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trajectories", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--full-steps", type=int, default=50,
                        help="steps for the slow full engine (its rate does not depend on steps)")
    parser.add_argument("--dim", type=int, default=16)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    teacher = Teacher.random(args.dim, args.dim, rng)
    V0, A0 = dynamics.random_init(teacher, args.trajectories, rng)
    start = time.perf_counter()
    dynamics.run_gd(teacher, V0[:2], A0[:2], steps=2, engine="reduced-numba")
    first_call = time.perf_counter() - start
    rows = [measure(teacher, V0, A0, args.steps, "reduced-numba"),
            measure(teacher, V0, A0, args.steps, "reduced-numpy"),
            measure(teacher, V0, A0, args.full_steps, "full")]
    full = rows[-1]["trajectory_steps_per_second"]
    for row in rows:
        row["speedup_over_full"] = round(row["trajectory_steps_per_second"] / full, 1)
    print(json.dumps({"k": args.dim, "p": args.dim, "first_call_seconds (compile or cache load)":
                      round(first_call, 2), "engines": rows}, indent=2))


if __name__ == "__main__":
    main()
