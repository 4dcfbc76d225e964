"""Benchmark: the reduced GD engines against plain full-dimensional numpy and a plain C loop.

One run prints trajectory-steps per second of
  * the compiled reduced kernel (numba: parallel over blocks of 64 trajectories, each block's
    step vectorized across its trajectories, theory/vector_math.py) and the numpy reduced engine;
  * theorycheck's full-dimensional engine, and the plain batched full-dimensional numpy GD a
    researcher would write in an afternoon, at k = p = 16 and at k = p = 1000 (the reduced
    engines' cost does not depend on k or p; the plain baseline's does);
  * the same recurrence as a plain C loop (benchmarks/reference_kernel.c, built on the spot with
    gcc -O3 -march=native -fopenmp when a C compiler exists), one trajectory at a time and 8
    interleaved, timed in turns with the kernel; whether they return the kernel's outcomes and
    decision steps is printed (and whether the numpy engine does);
  * run_gd end to end on 20,000 runs × 200 steps at k = p = 16, a new teacher each call (its
    fixed cost: decision table, reduce/expand), against plain batched full-dimensional numpy GD
    on the same runs, and the kernel's share of run_gd's time.
All engines run the same trajectories from the paper's initialization at the same η, every one
for every step (no early stop), on all cores. Ratios are measured in one run; the absolute
rates depend on the machine (and on what else runs on it). Run: python benchmarks/engines.py
"""

from __future__ import annotations

import argparse
import ctypes
import json
import math
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from theory import Teacher, dynamics, reduced_gd

HERE = Path(__file__).resolve().parent


def plain_numpy_gd(teacher: Teacher, V: np.ndarray, A: np.ndarray, eta: float, steps: int) -> float:
    """Batched full-dimensional GD written directly from the notes' gradient (§3); seconds."""
    w, a_star, c = teacher.w_star, teacher.a_star, teacher.w_norm
    s = a_star.sum()
    start = time.perf_counter()
    for _ in range(steps):
        r = np.linalg.norm(V, axis=1)
        cos = np.clip(V @ w / (r * c), -1, 1)
        phi = np.arccos(cos)
        g = (np.pi - phi) * cos + np.sin(phi)
        a_dot = A @ a_star
        grad_a = ((np.pi - 1) * A + (A.sum(axis=1) - c * s)[:, None] - c * (g - 1)[:, None] * a_star) / (2 * np.pi)
        proj = w - (V @ w / r ** 2)[:, None] * V
        grad_v = -(a_dot * (np.pi - phi) / (2 * np.pi * r))[:, None] * proj
        V, A = V - eta * grad_v, A - eta * grad_a
    return time.perf_counter() - start


def build_reference(workdir: Path):
    """The C reference loops (``run_plain``, ``run_lanes``) as a shared library's functions,
    or None when no C compiler is found."""
    compiler = shutil.which(os.environ.get("CC", "gcc")) or shutil.which("cc")
    if compiler is None:
        return None
    library = workdir / "reference_kernel.so"
    subprocess.run([compiler, "-O3", "-march=native", "-fopenmp", "-shared", "-fPIC",
                    str(HERE / "reference_kernel.c"), "-o", str(library), "-lm"], check=True)
    loaded = ctypes.CDLL(str(library))
    double_p, long_p = ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ctypes.c_int64)
    functions = {}
    for name in ("run_plain", "run_lanes"):
        function = getattr(loaded, name)
        function.argtypes = [ctypes.c_int64, *[double_p] * 5, ctypes.c_double, ctypes.c_int64,
                             *[double_p] * 3, *[long_p] * 4, ctypes.c_int]
        functions[name] = function
    return functions


def _pointer(array: np.ndarray):
    kind = ctypes.c_double if array.dtype == np.float64 else ctypes.c_int64
    return array.ctypes.data_as(ctypes.POINTER(kind))


def reduced_batch(teacher, V0, A0, table):
    _, batch = dynamics.Embedding.reduce(teacher, V0, A0, table)
    return batch


def time_kernel(run_kernel, teacher, V0, A0, table, steps):
    """Seconds of one call of ``run_kernel`` on freshly reduced inputs, and the batch it left."""
    batch = reduced_batch(teacher, V0, A0, table)
    plane = reduced_gd.Plane.for_teacher(teacher)
    rho = 1 - table.eta * (math.pi - 1) / (2 * math.pi)
    arguments = batch.kernel_arguments(rho * rho, steps, plane.constants(table.eta, table.eta), table, False)
    start = time.perf_counter()
    run_kernel(*arguments)
    return time.perf_counter() - start, batch


def c_caller(run):
    def call(x, y, z1, z2, residual_sq, rho_sq, steps, consts, rule, r2_min, outcome, decided, ascents,
             late, until_decided):
        # the named constants and rule as the C loop reads them: doubles in their fields' order
        consts, rule = np.array(consts, dtype=np.float64), np.array(rule, dtype=np.float64)
        run(x.shape[0], *map(_pointer, (x, y, z1, z2, residual_sq)), rho_sq, steps,
            *map(_pointer, (consts, rule, r2_min, outcome, decided, ascents, late)), int(until_decided))
    return call


def rate(trajectories, steps, seconds):
    return trajectories * steps / seconds


def run_gd_against_plain_numpy(rng, calls: int, runs: int = 20_000, steps: int = 200):
    """Median seconds of run_gd (a new teacher each call, k = p = 16) and of the kernel alone on
    the same runs, and of plain batched full-dimensional numpy GD on them."""
    run_seconds, kernel_seconds, plain_seconds = [], [], []
    for call in range(calls):
        teacher = Teacher.random(16, 16, rng)
        V0, A0 = dynamics.random_init(teacher, runs, rng)
        result = dynamics.run_gd(teacher, V0, A0, steps=steps, engine="reduced-numba")
        run_seconds.append(result.seconds)
        table = dynamics.decision_table(teacher, result.eta)
        kernel_seconds.append(time_kernel(reduced_gd.compiled_kernel(), teacher, V0, A0, table, steps)[0])
        if call < 2:
            plain_seconds.append(plain_numpy_gd(teacher, V0, A0, result.eta, steps))
    return float(np.median(run_seconds)), float(np.median(kernel_seconds)), min(plain_seconds)


def vector_isa() -> str:
    import llvmlite.binding as llvm
    features = llvm.get_host_cpu_features()
    return "AVX-512" if features.get("avx512f") else "AVX2" if features.get("avx2") else "no AVX2"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trajectories", type=int, default=200_000)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many timings per engine")
    parser.add_argument("--run-gd-calls", type=int, default=5, help="run_gd calls (new teachers) timed")
    parser.add_argument("--plain-steps", type=int, default=20,
                        help="steps for the full-dimensional engines (their rate does not depend on steps)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    teacher = Teacher.random(16, 16, rng)
    V0, A0 = dynamics.random_init(teacher, args.trajectories, rng)
    table = dynamics.decision_table(teacher, dynamics.default_eta(teacher))
    start = time.perf_counter()   # the first call loads the kernel from numba's disk cache (or compiles it)
    dynamics.run_gd(teacher, V0[:2], A0[:2], steps=2, engine="reduced-numba")
    load = time.perf_counter() - start
    kernel = reduced_gd.compiled_kernel()
    best = lambda timings: min(timings)  # noqa: E731
    import numba
    out = {"cpus": os.cpu_count(), "numba_threads": numba.get_num_threads(), "vector_isa": vector_isa(),
           "kernel_fastmath": sorted(reduced_gd.KERNEL_FASTMATH), "k": 16, "p": 16,
           "trajectories": args.trajectories, "steps": args.steps,
           "kernel_load_seconds (compile or disk cache)": round(load, 2), "trajectory_steps_per_second": {}}
    rates = out["trajectory_steps_per_second"]
    small = min(args.trajectories, 20_000)
    numpy_run = dynamics.run_gd(teacher, V0[:small], A0[:small], steps=200, engine="reduced-numpy")
    rates["reduced, numpy"] = rate(small, 201, numpy_run.seconds)
    kernel_run = dynamics.run_gd(teacher, V0[:small], A0[:small], steps=200, engine="reduced-numba")
    out["kernel_vs_numpy_engine_same_outcomes_and_decision_steps"] = bool(
        np.array_equal(kernel_run.outcome, numpy_run.outcome)
        and np.array_equal(kernel_run.decided_step, numpy_run.decided_step))
    full_run = dynamics.run_gd(teacher, V0, A0, steps=args.plain_steps, engine="full")
    rates["theorycheck full engine, k = p = 16"] = rate(args.trajectories, args.plain_steps + 1, full_run.seconds)
    rates["plain numpy GD, k = p = 16, all trajectories in one batch"] = rate(
        args.trajectories, args.plain_steps, plain_numpy_gd(teacher, V0, A0, table.eta, args.plain_steps))
    chunk_rates = {}
    for chunk in (1024, 4096, 16384):   # numpy's best batch size, for the most favourable comparison
        chunk_rates[chunk] = rate(chunk, args.plain_steps, plain_numpy_gd(
            teacher, V0[:chunk], A0[:chunk], table.eta, args.plain_steps))
    fastest = max(chunk_rates, key=chunk_rates.get)
    rates[f"plain numpy GD, k = p = 16, best batch ({fastest})"] = chunk_rates[fastest]
    big = Teacher.random(1000, 1000, rng)
    Vb, Ab = dynamics.random_init(big, 512, rng)
    rates["plain numpy GD, k = p = 1000"] = rate(512, 10, plain_numpy_gd(big, Vb, Ab, dynamics.default_eta(big), 10))
    # The kernel and the C loops are timed in turns (kernel, plain C, 8-lane C, again …), best of
    # ``repeats`` each: on a machine shared with other work a load change then hits all of them.
    with tempfile.TemporaryDirectory() as workdir:
        loops = build_reference(Path(workdir))
        engines = {"reduced, numba kernel": kernel}
        if loops is None:
            out["c_reference"] = "no C compiler found"
        else:
            engines["plain C loop, one trajectory at a time"] = c_caller(loops["run_plain"])
            engines["C loop, 8 trajectories interleaved"] = c_caller(loops["run_lanes"])
        timings: dict[str, list[float]] = {label: [] for label in engines}
        batches = {}
        for _ in range(args.repeats):
            for label, run in engines.items():
                seconds, batches[label] = time_kernel(run, teacher, V0, A0, table, args.steps)
                timings[label].append(seconds)
        for label in engines:
            rates[label] = rate(args.trajectories, args.steps + 1, best(timings[label]))
    ratios = {"numba kernel / plain numpy, k = p = 16, same batch":
              rates["reduced, numba kernel"] / rates["plain numpy GD, k = p = 16, all trajectories in one batch"],
              "numba kernel / plain numpy, k = p = 16, numpy's best batch":
              rates["reduced, numba kernel"] / chunk_rates[fastest],
              "numba kernel / plain numpy, k = p = 1000":
              rates["reduced, numba kernel"] / rates["plain numpy GD, k = p = 1000"]}
    if loops is not None:
        kernel_batch = batches["reduced, numba kernel"]
        out["c_reference_same_outcomes"], out["c_reference_same_decision_steps"] = {}, {}
        for name, label in (("run_plain", "plain C loop, one trajectory at a time"),
                            ("run_lanes", "C loop, 8 trajectories interleaved")):
            ratios[f"numba kernel / {label}"] = rates["reduced, numba kernel"] / rates[label]
            out["c_reference_same_outcomes"][name] = bool(np.array_equal(batches[label].outcome,
                                                                         kernel_batch.outcome))
            out["c_reference_same_decision_steps"][name] = bool(np.array_equal(batches[label].decided,
                                                                               kernel_batch.decided))
    run_seconds, kernel_seconds, plain_seconds = run_gd_against_plain_numpy(rng, args.run_gd_calls)
    out["run_gd, 20000 runs x 200 steps, k = p = 16, new teacher each call"] = {
        "run_gd_seconds (median)": round(run_seconds, 4), "kernel_seconds (median)": round(kernel_seconds, 4),
        "kernel_share_of_run_gd": round(kernel_seconds / run_seconds, 2),
        "plain_numpy_seconds (one batch)": round(plain_seconds, 3)}
    ratios["run_gd / plain numpy, 20000 x 200, k = p = 16, new teacher each call"] = plain_seconds / run_seconds
    out["trajectory_steps_per_second"] = {k: f"{v:.3g}" for k, v in rates.items()}
    out["ratios"] = {k: round(v, 2) for k, v in ratios.items()}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
