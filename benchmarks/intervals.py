"""Benchmark: one GD step on boxes (intervals) and on jets (intervals + Jacobian) against a float step.

Three compiled loops over the same n states, one step each, parallel over the states, each
reading a state row and writing its outputs:
  * float: theory.reduced_gd.step in float64 (the kernels' flags), on the boxes' lower corners;
  * box:   theory.box_step.box_step — the same step in outward-rounded interval arithmetic;
  * jet:   theory.box_step.box_jacobian — the same on jets (values and the 4×4 Jacobian);
and, for scale, the GD kernel itself (64 trajectories per task in SIMD lanes, many steps per
call, decisions included) on as many trajectories for --kernel-steps steps. They are timed in
turns (float, box, jet, kernel, float, …), best of --repeats each, so that a change of load
hits all of them; ns per step is wall time × threads / (states × steps).

Then the overestimate: for random boxes of relative half-width 10⁻¹², 10⁻⁹, 10⁻⁶ and 10⁻³
around random states (and random teachers k, r, η), the width of each output of box_step
against the width of the same step evaluated in python-flint arb on the box as balls (arb's
own interval extension, 256 bits): median and worst ratio per size. Run:
python benchmarks/intervals.py (NUMBA_NUM_THREADS=1 gives steadier numbers on a shared machine:
one thread is less often descheduled than two).
"""

from __future__ import annotations

import argparse
import json
import time

import flint
import numba
import numpy as np

from theory import Teacher, box_step, dynamics, reduced_gd


def _float_loop(lo, consts, state, measures):
    for i in numba.prange(lo.shape[0]):
        out = reduced_gd.step(lo[i, 0], lo[i, 1], lo[i, 2], lo[i, 3], lo[i, 4], consts)
        state[i, 0], state[i, 1], state[i, 2], state[i, 3] = out.x, out.y, out.z1, out.z2
        measures[i, 0], measures[i, 1], measures[i, 2] = out.phi, out.delta, out.loss
        measures[i, 3], measures[i, 4], measures[i, 5] = out.a_dot, out.a_sum, out.a_sq


def _gd_kernel(trajectories: int, steps: int):
    """A call of the GD kernel on ``trajectories`` runs of a k = p = 16 teacher for ``steps`` steps
    (a fresh batch each call, reduced before the clock starts)."""
    teacher = Teacher.random(16, 16, np.random.default_rng(1))
    V0, A0 = dynamics.random_init(teacher, trajectories, np.random.default_rng(2))
    table = dynamics.decision_table(teacher, dynamics.default_eta(teacher))
    plane = reduced_gd.Plane.for_teacher(teacher)
    rho = reduced_gd.residual_rate(table.eta)
    consts = plane.constants(table.eta, table.eta)
    dynamics.run_gd(teacher, V0[:2], A0[:2], steps=2, engine="reduced-numba")      # load the kernel
    kernel = reduced_gd.compiled_kernel()
    batches = []

    def run():
        if not batches:
            batches.append(dynamics.Embedding.reduce(teacher, V0, A0, table)[1])
        kernel(*batches.pop().kernel_arguments(rho * rho, steps, consts, table, False))
    return run


def random_boxes(rng, n: int, relative: float) -> tuple[np.ndarray, np.ndarray]:
    """n boxes of relative half-width ``relative`` around random states (a quarter with x = 0, as at
    p = ∞), none touching y = 0 or ‖v‖ = 0."""
    centre = np.column_stack([rng.normal(size=n), rng.uniform(0.05, 2, n) * rng.choice([-1, 1], n),
                              rng.normal(size=n), rng.normal(size=n), rng.uniform(0, 1, n)])
    centre[: n // 4, 0] = 0.0
    half = relative * np.maximum(np.abs(centre), 1e-3)
    lo, hi = centre - half, centre + half
    lo[:, 4] = np.maximum(lo[:, 4], 0.0)
    return lo, hi


def overestimate(rng, relative: float, teachers: int, boxes: int) -> dict:
    """Median and worst of (our width) / (arb's width) over every output of every box."""
    ratios = []
    flint.ctx.prec = 256
    for _ in range(teachers):
        k = int(rng.integers(2, 200))
        r, eta = float(rng.uniform(0, k)), float(10 ** rng.uniform(-3, -0.5))
        consts, balls = box_step.interval_constants(k, r, eta), box_step.arb_constants(k, r, eta)
        lo, hi = random_boxes(rng, boxes, relative)
        image = box_step.box_step(lo, hi, consts)
        ours = np.concatenate([image.state_hi - image.state_lo, image.measures_hi - image.measures_lo], axis=1)
        for i in range(boxes):
            out = reduced_gd.step(*(box_step.arb_ball(a, b) for a, b in zip(lo[i], hi[i], strict=True)), balls)
            values = (out.x, out.y, out.z1, out.z2, out.phi, out.delta, out.loss, out.a_dot, out.a_sum, out.a_sq)
            for j, ball in enumerate(values):
                theirs = 2 * float(ball.rad())
                if theirs > 0:
                    ratios.append(ours[i, j] / theirs)
    ratios = np.array(ratios)
    return {"median": float(np.median(ratios)), "worst": float(ratios.max()), "least": float(ratios.min()),
            "outputs": int(ratios.size)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--states", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many timings per loop")
    parser.add_argument("--kernel-steps", type=int, default=200, help="steps per call of the GD kernel")
    parser.add_argument("--teachers", type=int, default=20, help="teachers per box size (overestimate)")
    parser.add_argument("--boxes", type=int, default=25, help="boxes per teacher (overestimate)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    k, r, eta = 10, 0.3 * (10 + np.pi - 1) / np.pi, 0.05
    consts, floats = box_step.interval_constants(k, r, eta), box_step.float_constants(k, r, eta)
    lo, hi = random_boxes(rng, args.states, 1e-9)
    float_loop = numba.njit(parallel=True, error_model="numpy", fastmath=set(reduced_gd.KERNEL_FASTMATH))(_float_loop)
    state, measures = np.empty((args.states, 4)), np.empty((args.states, 6))
    start = time.perf_counter()       # load (or compile) all three
    float_loop(lo[:4], floats, state, measures)
    box_step.box_step(lo[:4], hi[:4], consts)
    box_step.box_jacobian(lo[:4], hi[:4], consts)
    load = time.perf_counter() - start
    gd_kernel = _gd_kernel(args.states, args.kernel_steps)
    loops = {"float step": lambda: float_loop(lo, floats, state, measures),
             "box step (intervals)": lambda: box_step.box_step(lo, hi, consts),
             "jet step (intervals + Jacobian)": lambda: box_step.box_jacobian(lo, hi, consts),
             f"GD kernel step (SIMD, {args.kernel_steps} steps per call)": gd_kernel}
    steps = {name: args.kernel_steps if name.startswith("GD kernel") else 1 for name in loops}
    timings: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(args.repeats):
        for name, run in loops.items():
            begin = time.perf_counter()
            run()
            timings[name].append(time.perf_counter() - begin)
    threads = numba.get_num_threads()
    ns = {name: min(t) * threads / (args.states * steps[name]) * 1e9 for name, t in timings.items()}
    out = {"states": args.states, "threads": threads,
           "load_seconds (three loops, compile or disk cache)": round(load, 2),
           f"ns_per_step (wall × threads / (states × steps), best of {args.repeats})": {
               n: round(v, 1) for n, v in ns.items()},
           "ratio_to_float_step": {n: round(v / ns["float step"], 1) for n, v in ns.items()},
           "ratio_to_GD_kernel_step": {n: round(v / ns[list(ns)[-1]], 1) for n, v in ns.items()},
           "overestimate, our width / arb's width on the box as balls": {
               f"relative half-width {relative:g}": overestimate(rng, relative, args.teachers, args.boxes)
               for relative in (1e-12, 1e-9, 1e-6, 1e-3)}}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
