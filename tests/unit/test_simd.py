"""The SIMD GD kernel: its vector math is as accurate as theory/vector_math.py proves, the kernel
really vectorizes, and it decides what the numpy engine (numpy's libm) and full GD decide, with
the same numbers whatever the number of numba threads."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import mpmath
import numpy as np
import pytest

numba = pytest.importorskip("numba")
if numba.config.DISABLE_JIT:    # pragma: no cover - the compiled code is what these tests are about
    pytest.skip("NUMBA_DISABLE_JIT=1: nothing is compiled", allow_module_level=True)

from theory import Teacher, dynamics, reduced_gd, vector_math  # noqa: E402

ATAN2_ULPS, HYPOT_ULPS, LOG2_ERROR = vector_math.ATAN2_ULPS, vector_math.HYPOT_ULPS, vector_math.LOG2_ERROR
DECIDE_LOG2_TOLERANCE = 1e-9 / 8   # what decide()'s ±1e-9 margins absorb (docs/mathematics.md)
_COMPILE = {"error_model": "numpy", "fastmath": set(reduced_gd.KERNEL_FASTMATH)}   # the kernel's flags


@numba.njit(**_COMPILE)
def _atan2_all(y, x, out):
    for i in range(y.shape[0]):
        out[i] = vector_math.first_quadrant_atan2(y[i], x[i])


@numba.njit(**_COMPILE)
def _hypot_all(x, y, out):
    for i in range(x.shape[0]):
        out[i] = vector_math.hypot(x[i], y[i])


@numba.njit(**_COMPILE)
def _log2_all(x, out):
    for i in range(x.shape[0]):
        out[i] = vector_math.log2(x[i])


def _compiled(function, *arrays):
    arrays = [np.ascontiguousarray(a, dtype=float) for a in arrays]
    out = np.empty_like(arrays[0])
    function(*arrays, out)
    return out


def _ulps(got: float, exact: mpmath.mpf) -> float:
    """|got − exact| in ulps of the exact value (rounded to float64)."""
    return float(abs(mpmath.mpf(got) - exact) / mpmath.mpf(float(np.spacing(float(exact)))))


def _adversarial_atan2_arguments():
    """(y, x) at the reduction's edges: t = y/x at and around ½ and 2, tiny and huge t, y = x,
    zeros, subnormals, the largest floats and ∞."""
    ys, xs = [], []
    for t in (0.5, 2.0, 1.0, math.tan(math.pi / 8), 1e-300, 1e300):
        for steps in range(-6, 7):
            ys.append(np.nextafter(t, np.inf) if steps > 0 else t)
            for _ in range(abs(steps) - 1):
                ys[-1] = np.nextafter(ys[-1], np.inf if steps > 0 else -np.inf)
            xs.append(1.0)
    for scale in (5e-324, 1e-310, 2.2250738585072014e-308, 1e-300, 1.0, 1e300, 1.7976931348623157e308):
        for y, x in ((scale, scale), (scale, 2 * scale), (2 * scale, scale), (scale, 0.0), (0.0, scale),
                     (scale, 1.0), (1.0, scale), (0.999 * scale, scale), (scale, 0.999 * scale)):
            ys.append(y)
            xs.append(x)
    ys += [1.7e308, 1e308, 1.7e308, math.inf, 1.0, math.inf, 0.0]
    xs += [1e308, 1.7e308, 1.7e308, 1.0, math.inf, math.inf, 0.0]
    return np.array(ys), np.array(xs)


def test_atan2_is_within_its_proven_bound_on_dense_and_adversarial_samples():
    rng = np.random.default_rng(19)
    theta = np.concatenate([rng.uniform(0, math.pi / 2, 1_000_000), np.linspace(0, math.pi / 2, 200_001)])
    radius = 10.0 ** rng.uniform(-300, 300, theta.size)
    y, x = radius * np.sin(theta), radius * np.cos(theta)
    edge_y, edge_x = _adversarial_atan2_arguments()
    y, x = np.concatenate([y, edge_y]), np.concatenate([x, edge_x])
    got = _compiled(_atan2_all, y, x)
    libm = np.arctan2(y, x)
    finite = np.isfinite(libm)
    assert np.array_equal(np.isnan(got), np.isnan(libm))
    # libm is within 1 ulp itself: against it, within the bound + 1 everywhere …
    off = np.abs(got[finite] - libm[finite]) / np.spacing(np.maximum(libm[finite], 5e-324))
    assert off.max() <= ATAN2_ULPS + 1
    # … and against the exact value (mpmath, 40 digits) on the worst of them and on every edge
    worst = np.argsort(off)[-300:]
    edges = np.arange(len(y) - len(edge_y), len(y))
    checked = [i for i in np.union1d(np.flatnonzero(finite)[worst], edges)
               if y[i] > 0 and math.isfinite(y[i]) and math.isfinite(x[i])]
    with mpmath.workdps(40):
        errors = [_ulps(got[i], mpmath.atan2(mpmath.mpf(y[i]), mpmath.mpf(x[i]))) for i in checked]
    assert max(errors) <= ATAN2_ULPS
    assert max(errors) > 0.5        # the sample reaches the hard cases (measured: 1.5 ulp)


def test_atan2_edges_are_libm_values():
    y = np.array([0.0, 0.0, 1.0, 0.0, math.inf, math.inf, 1.0, 3.0, math.nan, 1.0])
    x = np.array([0.0, 1.0, 0.0, math.inf, 1.0, math.inf, math.inf, 3.0, 1.0, math.nan])
    got = _compiled(_atan2_all, y, x)
    np.testing.assert_array_equal(got, np.arctan2(y, x))


def _atan_relative_error_bound(pieces: int = 256) -> float:
    """A rigorous bound (ball arithmetic) on |atan u − u − u s P(s)| / |atan u| over |u| ≤ ½,
    P of vector_math.ATAN_COEFFICIENTS as the doubles they are. With s = u²:
    u s (f(s) − P(s)), f(s) = (atan(√s)/√s − 1)/s = Σ_{k≥1} (−1)^k s^(k−1)/(2k+1); the series
    is cut after K terms (its tail is alternating and decreasing: below s^K/(2K+3)); on each of
    ``pieces`` intervals [a, b] of [0, ¼] the polynomial D(s) = s(f_K(s) − P(s)) is written in
    Chebyshev polynomials, max |D| ≤ Σ|c_j|, and |atan u|/|u| ≥ atan(√b)/√b there."""
    flint = pytest.importorskip("flint")
    flint.ctx.prec = 320
    arb = flint.arb
    terms = 34     # the tail: below 4^-35/71 < 10^-22
    power = [arb(0)] * (terms + 2)          # D in powers of s
    for k in range(1, terms + 1):
        power[k] += arb((-1) ** k) / (2 * k + 1)
    for j, c in enumerate(vector_math.ATAN_COEFFICIENTS):
        power[j + 1] -= arb(c)
    worst = arb(0)
    for piece in range(pieces):
        lo, hi = arb(piece) / (4 * pieces), arb(piece + 1) / (4 * pieces)
        centre, half = (lo + hi) / 2, (hi - lo) / 2
        # Horner in the Chebyshev basis of z ∈ [−1, 1], s = centre + half·z: z·T_n = (T_{n+1} + T_{n−1})/2
        cheb = [arb(0)]
        for a in reversed(power):
            shifted = [c * centre for c in cheb] + [arb(0)]
            for n, c in enumerate(cheb):
                if n == 0:
                    shifted[1] += c * half
                else:
                    shifted[n + 1] += c * half / 2
                    shifted[n - 1] += c * half / 2
            shifted[0] += a
            cheb = shifted
        bound = sum((abs(c) for c in cheb), arb(0)) + hi ** (terms + 1) / (2 * terms + 3)
        ratio = hi.sqrt().atan() / hi.sqrt()
        worst = max(worst, bound / ratio, key=lambda v: float(v.upper()))
    return float(worst.upper())


def test_the_atan_polynomial_has_its_certified_error():
    bound = _atan_relative_error_bound()
    assert bound <= vector_math.ATAN_RELATIVE_ERROR
    assert bound > 4e-18          # tight: the fit's levelled error is 4.04·10⁻¹⁸


def test_hypot_is_within_its_bound_from_subnormal_to_huge():
    rng = np.random.default_rng(5)
    n = 400_000
    x = 10.0 ** rng.uniform(-320, 300, n) * rng.choice([-1, 1], n)
    y = x * 10.0 ** rng.uniform(-30, 7, n)
    extra_x = np.array([reduced_gd.MIN_V_NORM, reduced_gd.MIN_V_NORM, 5e-324, 1.2e308, 1e300, 3.0, 0.0])
    extra_y = np.array([0.0, reduced_gd.MIN_V_NORM, 5e-324, 1.2e308, 1e-300, 4.0, 0.0])
    x, y = np.concatenate([x, extra_x]), np.concatenate([y, extra_y])
    got = _compiled(_hypot_all, x, y)
    libm = np.hypot(x, y)
    assert np.all(np.isfinite(got)) and np.all((got > 0) == (libm > 0))
    off = np.abs(got - libm) / np.spacing(np.maximum(libm, 5e-324))
    assert off.max() <= HYPOT_ULPS + 1
    worst = np.union1d(np.argsort(off)[-200:], np.arange(n, len(x)))
    with mpmath.workdps(40):
        errors = [_ulps(got[i], mpmath.sqrt(mpmath.mpf(x[i]) ** 2 + mpmath.mpf(y[i]) ** 2))
                  for i in worst if libm[i] > 0]
    assert max(errors) <= HYPOT_ULPS
    # the reason step uses hypot: at ‖v‖ = MIN_V_NORM, x² + y² underflows to 0
    assert got[n] == reduced_gd.MIN_V_NORM and (extra_x[0] ** 2 + extra_y[0] ** 2) == 0


def test_log2_is_well_inside_what_decide_tolerates():
    rng = np.random.default_rng(11)
    x = np.concatenate([10.0 ** rng.uniform(-323, 308, 500_000), [5e-324, 2.2250738585072014e-308, 1e-300,
                                                                   0.5, 1.0, 2.0, math.sqrt(2), 1 - 2.0 ** -40]])
    got = _compiled(_log2_all, x)
    err = np.abs(got - np.log2(x))
    assert err.max() <= LOG2_ERROR - 2e-14    # numpy's own log2 is within half an ulp of 1075
    assert LOG2_ERROR < DECIDE_LOG2_TOLERANCE / 100
    assert np.all(got[x == 1.0] == 0) and np.all(got[x == 0.5] == -1) and np.all(got[x == 2.0] == 1)


@pytest.fixture(scope="module")
def serial_kernel():
    return reduced_gd.build_kernel(cache=False, parallel=False)


def _host_has(feature: str) -> bool:
    import llvmlite.binding as llvm
    return f"+{feature}" in llvm.get_host_cpu_features().flatten().split(",")


@pytest.mark.slow   # the assembly exists only for a fresh compile (numba disables it for cached code): ≈ 3 s
def test_the_kernel_loop_is_vectorized(serial_kernel):
    """The lane loop compiles to vector code: packed divisions and square roots, and the level
    lookup as a gather, on 256- or 512-bit registers (AVX2 / AVX-512 hosts)."""
    if not _host_has("avx2"):
        pytest.skip("no AVX2 on this host: LLVM has no wide vectors to use")
    teacher = Teacher.random(3, 4, np.random.default_rng(0))
    dynamics.run_gd(teacher, *dynamics.random_init(teacher, 3, np.random.default_rng(1)), steps=2)
    batch = dynamics.start_batch(dynamics.decision_table(teacher, dynamics.default_eta(teacher)),
                                 np.ones(3), np.ones(3), np.zeros(3), np.zeros(3), np.zeros(3))
    table = dynamics.decision_table(teacher, dynamics.default_eta(teacher))
    plane = dynamics.reduced_plane(teacher)
    serial_kernel(*batch.kernel_arguments(0.9, 3, plane.constants(table.eta, table.eta), table, False))
    asm = serial_kernel.inspect_asm(serial_kernel.signatures[0])
    register = "zmm" if "zmm" in asm else "ymm"
    for instruction in ("vdivpd", "vsqrtpd", "vgatherqpd", "vfmadd"):
        assert any(instruction in line and register in line for line in asm.splitlines()), instruction


TEACHERS = [(k, p, scheme, multiple) for k, p, scheme, multiple in
            ((2, 4, "paper", 1.0), (3, 16, "paper", 1.0), (5, 2, "gaussian", 2.0), (10, 16, "paper", 1.0),
             (16, 16, "paper", 0.5), (16, 1, "paper", 1.0), (50, 4, "gaussian", 1.0), (3, 4, "paper", 4.5))]


@pytest.mark.parametrize("k, p, scheme, multiple", TEACHERS)
def test_the_kernel_decides_what_the_numpy_engine_decides(k, p, scheme, multiple):
    """Same outcomes; the same decision step, except that an ulp-level difference of the state
    may move a threshold crossing by a step (both decisions are certified, each for its own
    computed state: docs/mathematics.md#the-simd-kernel) — measured: none in 40,000 runs."""
    rng = np.random.default_rng([19, k, p])
    teacher = Teacher.random(k, p, rng)
    V0, A0 = dynamics.random_init(teacher, 1500, rng, scheme=scheme)
    eta = multiple * dynamics.default_eta(teacher)
    simd = dynamics.run_gd(teacher, V0, A0, eta=eta, steps=500, engine="reduced-numba")
    scalar = dynamics.run_gd(teacher, V0, A0, eta=eta, steps=500, engine="reduced-numpy")
    assert simd.engine == "reduced-numba" and scalar.engine == "reduced-numpy"
    assert np.array_equal(simd.outcome, scalar.outcome)
    moved = simd.decided_step != scalar.decided_step
    assert moved.mean() <= 1e-3 and np.all(np.abs(simd.decided_step - scalar.decided_step)[moved] <= 2)
    assert np.array_equal(simd.ascents, scalar.ascents) and not np.any(simd.late_ascents)
    kept = simd.outcome != "diverged"
    np.testing.assert_allclose(simd.V[kept], scalar.V[kept], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(simd.A[kept], scalar.A[kept], rtol=1e-9, atol=1e-12)


def test_the_kernel_agrees_with_full_dimensional_gd_at_unit_and_huge_radius():
    teacher = Teacher.random(4, 6, np.random.default_rng(3))
    V0, A0 = dynamics.random_init(teacher, 300, np.random.default_rng(4))
    for scale in (1.0, 1e150):     # ‖v‖ does not change the loss; x² + y² would overflow at 1e155
        simd = dynamics.run_gd(teacher, V0 * scale, A0, steps=300, engine="reduced-numba")
        full = dynamics.run_gd(teacher, V0 * scale, A0, steps=300, engine="full")
        assert np.array_equal(simd.outcome, full.outcome)
        np.testing.assert_allclose(simd.V, full.V, rtol=1e-10, atol=1e-12 * np.abs(full.V).max())
        np.testing.assert_allclose(simd.A, full.A, rtol=1e-10, atol=1e-12 * max(1.0, np.abs(full.A).max()))


def test_a_tiny_v_norm_runs_through_the_kernel():
    """‖v₀‖ = MIN_V_NORM: x² + y² underflows, the kernel's hypot does not (same as numpy's)."""
    teacher = Teacher.random(3, 4, np.random.default_rng(8))
    V0, A0 = dynamics.random_init(teacher, 64, np.random.default_rng(9), scheme="zero-a")
    V0 = V0 * reduced_gd.MIN_V_NORM * 1.5
    simd = dynamics.run_gd(teacher, V0, A0, steps=50, engine="reduced-numba")
    scalar = dynamics.run_gd(teacher, V0, A0, steps=50, engine="reduced-numpy")
    assert np.all(np.isfinite(simd.V)) and np.array_equal(simd.outcome, scalar.outcome)
    np.testing.assert_allclose(simd.V, scalar.V, rtol=1e-9)


_THREADS_SCRIPT = """
import hashlib, json, numpy as np, numba
from theory import Teacher, dynamics
teacher = Teacher.random(16, 16, np.random.default_rng(2))
V0, A0 = dynamics.random_init(teacher, 5000, np.random.default_rng(3))
run = dynamics.run_gd(teacher, V0, A0, steps=300, engine="reduced-numba")
digest = hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() for a in
                                 (run.V, run.A, run.decided_step, run.ascents))).hexdigest()
print(json.dumps({"threads": numba.get_num_threads(), "digest": digest,
                  "outcomes": run.counts()}))
"""


@pytest.mark.slow
def test_same_numbers_whatever_the_number_of_numba_threads():
    results = []
    for threads in ("1", "2"):
        env = {**os.environ, "NUMBA_NUM_THREADS": threads, "PYTHONPATH": os.pathsep.join(sys.path)}
        out = subprocess.run([sys.executable, "-c", _THREADS_SCRIPT], env=env, capture_output=True, text=True,
                             timeout=240, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    assert [r["threads"] for r in results] == [1, 2]
    assert results[0]["digest"] == results[1]["digest"] and results[0]["outcomes"] == results[1]["outcomes"]
