"""atan2, hypot and log2 written with arithmetic and selects only, so that LLVM vectorizes a loop
that calls them. numba has no vector math library here: it uses Intel's SVML only with an
SVML-patched LLVM, and llvmlite has had none since numba 0.62 (``llvmlite.binding.targets.has_svml()``
is False, so even with intel-cmplr-lib-rt's libsvml.so loaded ``numba -s`` reports SVML off);
without it LLVM calls libm's scalar atan2, hypot and log2 and the loop stays scalar.

Each public function is numpy's in plain Python (the numpy engines, ``NUMBA_DISABLE_JIT=1``) and
the arithmetic version below inside numba-compiled code (the GD kernels), through ``overload``.

Error bounds (ε = 2⁻⁵³, ulp(r) = 2^(⌊log₂ r⌋ − 52), so an absolute error δ is < δ/(ε r) ulps;
first-order terms, the rest below 10⁻¹⁵ of them; valid with or without FMA contraction, which
only removes roundings):

* :func:`first_quadrant_atan2` — |error| < 2.5 ulp of the result for y, x ≥ 0 (the derivation
  is :func:`_atan2`'s docstring; measured: 1.5); exact at the edges atan2(0, x) = 0,
  atan2(y, 0) = π/2, atan2(∞, ∞) = π/4.
* :func:`hypot` — relative error < 2ε (< 2 ulp) for any finite x, y: √(x² + y²) after an
  exact power-of-two scaling, so x² + y² neither overflows nor underflows (‖v‖ ≥ 1e-307 works).
  2ε is the classical bound, and it is sharp: Jeannerod, Muller and Plet (ARITH 2017) show it
  is asymptotically attained, with or without an FMA for x² + y². (This file claimed 1.5ε
  until 2026-12, one rounding short; measured largest: 1.06 ulp, tests/unit/test_simd.py.)
* :func:`log2` — absolute error < 3·10⁻¹³ for positive finite x (subnormals included): enough for
  :func:`theory.reduced_gd.decide`, which tolerates 1.25·10⁻¹⁰ (docs/mathematics.md#the-simd-kernel).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["ATAN2_ULPS", "ATAN_COEFFICIENTS", "ATAN_DOMAIN", "ATAN_RELATIVE_ERROR", "HYPOT_ULPS", "LOG2_ERROR",
           "bits_float", "first_quadrant_atan2", "fit_atan_polynomial", "float_bits", "hypot", "lane_buffer", "log2",
           "select"]

# Declared first so that the import and its fallback give the names one type each.
overload: Callable[..., Any] | None
try:
    from llvmlite import ir
    from numba import carray, types
    from numba.core import cgutils
    from numba.extending import intrinsic, overload, register_jitable

    # numba's type stubs give an intrinsic's call the typing context as a first parameter, which
    # numba supplies itself: the decorated functions are typed as Any, so their calls type-check
    untyped_intrinsic: Callable[..., Any] = intrinsic
except ImportError:  # pragma: no cover - numba is a declared dependency; numpy's functions run without it
    overload = None

# atan(u) ≈ u + u·s·P(s), s = u², on |u| ≤ ½: weighted minimax (Remez, :func:`fit_atan_polynomial`)
# of P's 12 coefficients for the relative error of atan; these doubles are what is certified
# (tests/unit/test_simd.py: |atan(u) − u − u s P(s)| ≤ 4.44·10⁻¹⁸·|atan u| in ball arithmetic; the
# rounding of the fitted coefficients to doubles, not the fit's 4.04·10⁻¹⁸, sets the bound).
ATAN_COEFFICIENTS = (
    -0.3333333333333298,
    0.19999999999903162,
    -0.14285714276390024,
    0.11111110659797258,
    -0.09090896248355693,
    0.07692073963822661,
    -0.06663811094303168,
    0.05858301881766835,
    -0.051220179758438525,
    0.04186536107028818,
    -0.02743542684419087,
    0.01011716153699012,
)
_ATAN_HIGH_FIRST = ATAN_COEFFICIENTS[::-1]
ATAN_DOMAIN = 0.25          # the largest s = u² the fit covers
ATAN2_ULPS = 2.5            # first_quadrant_atan2's error bound in ulps (derivation: _atan2)
HYPOT_ULPS = 2.0            # hypot's error bound in ulps (2ε relative: _hypot)
LOG2_ERROR = 3e-13          # log2's absolute error bound
ATAN_RELATIVE_ERROR = 4.5e-18   # certified bound on |atan u − u − u s P(s)|/|atan u| (0.041 ε)
_PIO2_HI, _PIO4_HI = math.pi / 2, math.pi / 4
_PIO2_LO = 6.123233995736766e-17    # π/2 − fl(π/2)
_PIO4_LO = _PIO2_LO / 2
# log(m) = 2 atanh(z), z = (m − 1)/(m + 1) ∈ [−0.1716, 0.1716] for m ∈ [√½, √2]: the series'
# terms z^(2j+1)/(2j+1) up to j = 10; the rest is below 0.1716²³/23 < 10⁻¹⁹.
_LOG_HIGH_FIRST = tuple(1.0 / (2 * j + 1) for j in range(10, -1, -1))
_TWO_OVER_LN2 = 2 / math.log(2)
_SMALLEST_NORMAL = 2.2250738585072014e-308


def first_quadrant_atan2(y, x):
    """atan2(y, x) for y, x ≥ 0 (the angle in [0, π/2]); numpy's in plain Python."""
    return np.arctan2(y, x)


def hypot(x, y):
    """√(x² + y²) without overflow or underflow; numpy's in plain Python."""
    return np.hypot(x, y)


def log2(x):
    """log₂ x for positive finite x; numpy's in plain Python."""
    return np.log2(x)


def lane_buffer(count, dtype):
    """An uninitialized array of ``count`` (a constant) items of ``dtype`` (np.float64, np.int64 or
    np.bool_): on the stack in compiled code, where LLVM then knows that stores to it cannot
    change any other array — so a loop that gathers from a table (the decision levels) and
    writes such buffers vectorizes without the run-time overlap checks it cannot make for a
    gather. A numpy array in plain Python."""
    return np.empty(count, dtype)


def select(condition, if_true, if_false):
    """``if_true`` where ``condition``, else ``if_false``: np.where on arrays, LLVM's ``select``
    instruction in compiled code (emitted directly, so no branch is left for the vectorizer)."""
    return np.where(condition, if_true, if_false)


def float_bits(x):
    """The IEEE-754 bits of a float64 as an int64 (a bit cast, no conversion)."""
    return np.asarray(x, dtype=np.float64).view(np.int64)


def bits_float(bits):
    """The float64 whose IEEE-754 bits are ``bits`` (the inverse of :func:`float_bits`)."""
    return np.asarray(bits, dtype=np.int64).view(np.float64)


def _horner(high_first, s):
    """Σ c_j s^j by Horner's rule, the coefficients given from the highest power down (compiled,
    a loop over a constant tuple that LLVM unrolls; 0·s + c is exact, so the first step is c)."""
    total = 0.0
    for coefficient in high_first:
        total = total * s + coefficient
    return total


def _atan2(y, x):
    """atan2(y, x) for y, x ≥ 0, branch-free. With t = y/x:

    * t < ½: u = y/x, r = atan(u) ∈ [0, 0.464];
    * ½ ≤ t ≤ 2: u = (y − x)/(y + x) ∈ [−⅓, ⅓], r = π/4 + atan(u) ∈ [0.463, 1.108] (y − x is
      exact: Sterbenz's lemma);
    * t > 2: u = −x/y ∈ [−½, 0), r = π/2 + atan(u) ∈ [1.107, π/2];

    atan(u) = u + w, w = u·s·P(s), s = u², summed as off_hi + (u + (w + off_lo)), with π/4 and
    π/2 split in two doubles (the split's error is below 10⁻³²).

    **Error bound** (first order; ε = 2⁻⁵³ bounds every rounding's relative error; ulp(r) ≥ ε r).
    Ingredients: P's own error, certified, is < ATAN_RELATIVE_ERROR = 4.5·10⁻¹⁸ < 0.041ε of
    |atan u|. Horner's evaluation of P(s) ∈ [−⅓, −0.29] has relative error < 3ε: a step's
    roundings (two, or one fused) enter scaled by s^j|p_j| ≤ 0.05·0.15^(j−1), so they sum to
    < 1.35·2ε. So w is within 6ε|w| (s, u·s, P, the product), |w| ≤ |u|³/3.
    u's roundings move atan(u) by ≤ (roundings)·ε|u|/(1 + u²).

    * t < ½: pre-rounding error < ε(|u|/(1 + u²) + 2|u|³ + 0.041|atan u|), at most 1.44 ε r over
      |u| ≤ ½ (at u = ½; 1.04 as u → 0); plus the final rounding, ½ ulp: < 1.94 ulp.
    * ½ ≤ t ≤ 2: two roundings in u: 2ε|u|/(1 + u²) ≤ 0.6ε; w: 2ε|u|³ ≤ 0.074ε; P: 0.012ε;
      w + off_lo rounded: 0.013ε; the inner sum (|·| ≤ 0.322, so ½ ulp ≤ ε/4): 0.25ε — in all
      < 0.95ε, then ½ ulp of r: < 0.95ε/ulp(r) + ½, largest where ulp(r) = ε/2 (r < ½):
      < 2.4 ulp (elsewhere < 1.45).
    * t > 2 (ulp(r) = 2ε): u: ε|u|/(1 + u²) ≤ 0.4ε; w: 0.25ε; P: 0.02ε; inner sum: 0.25ε, plus
      0.05ε for w + off_lo: < 0.97ε/(2ε) + ½ < 1 ulp.

    So |error| < 2.4 ulp: :data:`ATAN2_ULPS` = 2.5 is the stated bound (measured largest:
    1.51 ulp, tests/unit/test_simd.py). Edges: y = 0 gives 0 (also for x = 0); x = 0 < y gives π/2
    (u = −0); y = x gives π/4 exactly (u = 0), ∞ = ∞ included; NaN gives NaN; no region test
    overflows (2x is paired with ½y, whose subnormal rounding 2x catches), and past 2¹⁰⁰⁰ the
    middle region halves y and x (exactly) so that y + x cannot overflow.
    """
    high = (0.5 * y > x) | (y > 2 * x)   # either overflows (2x) or rounds (½y of a subnormal) alone
    middle = (y >= 0.5 * x) & ~high
    half = select(y > 2.0 ** 1000, 0.5, 1.0)       # y + x < 2^1002 then: no overflow
    numerator = select(high, -x, select(middle, (y - x) * half, y))
    denominator = select(high, y, select(middle, y * half + x * half, x))
    u = select(y == x, 0.0, numerator / denominator)   # 0/0 and ∞/∞: the angle π/4 (0 for 0/0, below)
    s = u * u
    p = _horner(_ATAN_HIGH_FIRST, s)
    offset_hi = select(high, _PIO2_HI, select(middle, _PIO4_HI, 0.0))
    offset_lo = select(high, _PIO2_LO, select(middle, _PIO4_LO, 0.0))
    angle = offset_hi + (u + ((u * s) * p + offset_lo))
    return select(y == 0, 0.0, angle)


def _hypot(x, y):
    """√(x² + y²): |x| and |y| scaled by an exact power of two so that the larger lies in
    [2⁻⁵⁰⁰, 2⁵⁰⁰] (or is ∞), the square root of the sum of squares taken and scaled back
    exactly. Relative error: the two squares' roundings move the sum by at most ε of it (a
    weighted mean of two errors ≤ ε), the sum's rounding by ε more: (1 + θ), |θ| ≤ 2ε + ε²;
    the square root halves that, ε + O(ε²), and rounds once more, ε: < 2ε + O(ε²) — in fact
    ≤ 2ε exactly, a bound Jeannerod, Muller and Plet (ARITH 2017) prove and show to be
    asymptotically attained, also with an FMA for the sum. A smaller component whose square
    underflows after scaling is below 2⁻⁷⁰ of the larger: its contribution is below the
    rounding."""
    ax, ay = np.abs(x), np.abs(y)
    larger = select(ax > ay, ax, ay)
    big, tiny = larger > 2.0 ** 500, larger < 2.0 ** -500
    scale = select(big, 2.0 ** -600, select(tiny, 2.0 ** 600, 1.0))
    unscale = select(big, 2.0 ** 600, select(tiny, 2.0 ** -600, 1.0))
    sx, sy = ax * scale, ay * scale
    return np.sqrt(sx * sx + sy * sy) * unscale


def _log2(x):
    """log₂ x = e + log₂ m, x = m·2^e with m ∈ [√½, √2) read from the bits (subnormals scaled by
    2⁵⁴ first), log m = 2 atanh z, z = (m − 1)/(m + 1): m − 1 is exact (Sterbenz), z has two
    roundings, so log₂ m is off by < 2ε|z|·2/ln 2 + the series' rounding and tail (< 3ε),
    below 10⁻¹⁵; adding e ∈ [−1075, 1024] rounds once, < ½ ulp(1024) = 1.2·10⁻¹³: < 3·10⁻¹³."""
    subnormal = x < _SMALLEST_NORMAL
    scaled = select(subnormal, x * 2.0 ** 54, x)
    bits = float_bits(scaled)
    exponent = ((bits >> 52) & 0x7FF) - select(subnormal, 1023 + 54, 1023)
    mantissa = bits_float((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000)     # in [1, 2)
    above = mantissa > math.sqrt(2)
    m = select(above, mantissa * 0.5, mantissa)
    e = exponent + select(above, 1, 0)
    z = (m - 1.0) / (m + 1.0)
    z2 = z * z
    series = _horner(_LOG_HIGH_FIRST, z2)
    return e + (z * series) * _TWO_OVER_LN2


def fit_atan_polynomial(coefficients: int = 12, domain: float = ATAN_DOMAIN, grid: int = 4000,
                        iterations: int = 30, digits: int = 50):
    """The Remez exchange that produced :data:`ATAN_COEFFICIENTS`: P(s) minimizing
    max |(atan u − u − u s P(s))/atan u| over s = u² ∈ [0, domain]; returns (coefficients as
    mpf, the levelled error, the largest error on the grid)."""
    import mpmath as mp

    with mp.workdps(digits):
        top = mp.mpf(domain)

        def target(s):          # (atan(√s)/√s − 1)/s
            return mp.mpf(-1) / 3 if s == 0 else (mp.atan(mp.sqrt(s)) / mp.sqrt(s) - 1) / s

        def weight(s):          # turns an error in P into a relative error of atan
            return mp.mpf(0) if s == 0 else s * mp.sqrt(s) / mp.atan(mp.sqrt(s))

        count = coefficients + 1
        nodes = [top * (1 - mp.cos(mp.pi * (i + mp.mpf(1) / 2) / count)) / 2 for i in range(count)]
        points = [top * i / grid for i in range(1, grid + 1)]
        for _ in range(iterations):
            matrix, rhs = mp.matrix(count, count), mp.matrix(count, 1)
            for i, s in enumerate(nodes):
                for j in range(coefficients):
                    matrix[i, j] = s ** j
                matrix[i, coefficients] = (-1) ** i / weight(s)
                rhs[i] = target(s)
            solution = mp.lu_solve(matrix, rhs)
            poly = [solution[j] for j in range(coefficients)]
            errors = [weight(s) * (target(s) - mp.polyval(poly[::-1], s)) for s in points]
            extrema: list[list] = []          # the largest |error| of each run of one sign
            for s, e in zip(points, errors, strict=True):
                if extrema and (e > 0) == extrema[-1][0]:
                    if abs(e) > extrema[-1][2]:
                        extrema[-1][1:] = [s, abs(e)]
                else:
                    extrema.append([e > 0, s, abs(e)])
            while len(extrema) > count:
                extrema.pop(0 if extrema[0][2] < extrema[-1][2] else -1)
            if len(extrema) == count:
                nodes = [entry[1] for entry in extrema]
        return poly, abs(solution[coefficients]), max(abs(e) for e in errors)


if overload is not None:
    _INLINE = {"forceinline": True}

    @untyped_intrinsic
    def _bitcast_to_int(typingctx, x):
        if x != types.float64:
            return None

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.IntType(64))
        return types.int64(types.float64), codegen

    @untyped_intrinsic
    def _bitcast_to_float(typingctx, bits):
        if bits != types.int64:
            return None

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.DoubleType())
        return types.float64(types.int64), codegen

    @untyped_intrinsic
    def _stack_items(typingctx, count, item):
        if not isinstance(count, types.IntegerLiteral):
            return None
        dtype = item.dtype if isinstance(item, types.NumberClass) else None
        if dtype not in (types.float64, types.int64, types.boolean):
            return None

        def codegen(context, builder, signature, args):
            # in the function's entry block: one buffer per call, whatever loop asks for it
            return cgutils.alloca_once(builder, context.get_data_type(dtype), size=count.literal_value)
        return types.CPointer(dtype)(count, item), codegen

    @overload(lane_buffer, jit_options=_INLINE)
    def _lane_buffer_compiled(count, dtype):
        if not isinstance(count, types.IntegerLiteral):
            return None
        size = count.literal_value
        return lambda count, dtype: carray(_stack_items(count, dtype), size)

    @untyped_intrinsic
    def _select_value(typingctx, condition, if_true, if_false):
        chosen = typingctx.unify_types(if_true, if_false)
        if not isinstance(condition, types.Boolean) or not isinstance(chosen, types.Number):
            return None

        def codegen(context, builder, signature, args):
            flag = context.cast(builder, args[0], signature.args[0], types.boolean)
            return builder.select(flag, context.cast(builder, args[1], signature.args[1], chosen),
                                  context.cast(builder, args[2], signature.args[2], chosen))
        return chosen(condition, if_true, if_false), codegen

    # each compiled as a function LLVM must inline (alwaysinline), so that no call is left in a loop
    @overload(float_bits, jit_options=_INLINE)
    def _float_bits_compiled(x):
        return lambda x: _bitcast_to_int(x)

    @overload(bits_float, jit_options=_INLINE)
    def _bits_float_compiled(bits):
        return lambda bits: _bitcast_to_float(bits)

    @overload(select, jit_options=_INLINE)
    def _select_compiled(condition, if_true, if_false):
        return lambda condition, if_true, if_false: _select_value(condition, if_true, if_false)

    # the arithmetic versions, compiled in place of numpy's where these names are called
    register_jitable(**_INLINE)(_horner)
    overload(first_quadrant_atan2, jit_options=_INLINE)(lambda y, x: _atan2)
    overload(hypot, jit_options=_INLINE)(lambda x, y: _hypot)
    overload(log2, jit_options=_INLINE)(lambda x: _log2)
