"""Outward-rounded interval arithmetic, compiled by numba: every result contains the exact one.

An :class:`Interval` [lo, hi] is a value type in compiled code (numba's ``StructModel`` of two
float64s, passed and returned in registers, never heap-allocated) with ``+ − × ÷``, unary ``−``
and ``abs`` (numba ``@overload`` of the operators, for Interval∘Interval, Interval∘number and
number∘Interval), :func:`sqr`, :func:`sqrt`, :func:`hypot` and :func:`first_quadrant_atan2` on
boxes, and :func:`hull`, :func:`intersection`, :func:`midpoint`, :func:`width`,
:func:`contains`. They make :func:`theory.reduced_gd.step` — which uses only those — evaluate
on boxes of states (:mod:`theory.box_step`); :mod:`theory.jets` adds derivatives on top.

**Assumptions** (the theorem's hypotheses; each bound below is derived from them alone):

* (A1) IEEE-754 binary64 with round-to-nearest-even: +, −, ×, ÷ and √ return the float nearest
  to the exact real result (correctly rounded, gradual underflow: subnormal results are
  rounded like any other, no flush-to-zero or denormals-are-zero mode), a result of magnitude
  at least MAX + ½ulp(MAX) rounds to ±∞, and 0·∞, ∞ − ∞ give NaN.
* (A2) numba compiles this code with no ``fastmath`` flag: LLVM may not reassociate, contract
  a·b + c into a fused multiply-add, or assume finite values, so each operation written here is
  one IEEE operation. (Contraction would in fact be harmless: a product here is only ever
  compared, selected or bit-cast, or added to +0 inside :func:`next_up`, and fma(a, b, +0) is
  the correctly rounded a·b.) Division by zero follows IEEE (numba's ``error_model="numpy"``).
* (A3) :func:`theory.vector_math.first_quadrant_atan2` is within
  :data:`theory.vector_math.ATAN2_ULPS` = 2.5 ulp(a) of the exact a = atan2(y, x) for finite
  y, x ≥ 0, ulp(a) = 2^(⌊log₂ a⌋ − 52) (proved in ``vector_math._atan2``'s docstring, its
  polynomial certified in ball arithmetic by tests/unit/test_simd.py). That proof is relative, to
  first order; where a is subnormal (y/x < 2⁻¹⁰²²) the computed angle is the rounded quotient
  y/x itself (u·s·P(s) underflows to 0 and atan t = t to far below the float spacing there),
  within half a float of a.

**Lemma 1 (one step outward).** If f = RN(r) is the correctly rounded value of a real r, then
next_down(f) ≤ r ≤ next_up(f). (r lies between the two floats adjacent to it, and f is the
nearer of those, so the other is at most one step beyond f; if f = +∞ then r ≥ MAX =
next_down(+∞), and symmetrically for −∞; an underflowed f = ±0 has next_down/next_up at
∓2⁻¹⁰⁷⁴.) So every bound here is one rounded-to-nearest operation followed by one step away
from the interval's inside (:func:`next_down` for lower bounds, :func:`next_up` for upper
ones): each bound is at most one float wider than the correctly rounded bound (the exact
bound rounded outward). The step is taken even when the operation happened to be exact
(f alone does not tell), except where exactness is known: a sum with a 0 term and a product
with a 0 factor — so exact zeros (a jet's constant partials) stay exact. Composite functions
add their operations' steps: :func:`hypot`'s bounds are within four floats of the exact range
rounded outward.

**Operations.** For intervals A = [a, a'] and B = [b, b'] of reals (bounds in the extended
reals, lo ≤ hi):

* A + B = [a + b, a' + b'], A − B = [a − b', a' − b], −A = [−a', −a] (exact), each bound
  rounded as above — except a sum with a 0 term, which is exact and kept;
* A × B = [min, max] of the bound products, chosen by the signs of A and B (two products,
  or two per bound when both contain 0), each rounded as above — except a product with a 0
  factor, exactly 0 (also 0·∞: the bounds stand for real numbers, and 0 times any real is 0);
* A ÷ B = the same with the bound quotients when 0 ∉ B (a quotient with a 0 numerator is
  exactly 0), and (−∞, ∞) when 0 ∈ B;
* |A|, and :func:`sqr` (A² ⊂ [0, ∞): the range of x², tighter than A × A when 0 ∈ A) and
  :func:`sqrt` (of A ∩ [0, ∞); NaN when A < 0) — monotone on each sign, so their ranges are
  taken at the bounds.

**Monotone functions at corners.** atan2(y, x) on the first quadrant increases in y and
decreases in x, so over a box its range is [atan2(y_lo, x_hi), atan2(y_hi, x_lo)].
:func:`first_quadrant_atan2` evaluates vector_math's atan2 at those two corners and moves each
:data:`ATAN2_STEPS` = 6 floats outward, then clamps to [0, π/2↑] (π/2↑ = next_up(fl(π/2)),
fl(π/2) < π/2). Why 6, and not ⌈2.5⌉ + 1 = 4: by (A3) and ulp(a) ≤ 2⁻⁵² a the computed ã has
|ã − a| < 5ε a, ε = 2⁻⁵³ — a relative bound, because 2.5 ulp(a) below a power of two 2^e
spans up to five floats of the binade below it, where the spacing halves. A step from a
positive normal float w moves it by at least ε w (next_up(w) − w = 2^(⌊log₂ w⌋ − 52) > εw;
w − next_down(w) ≥ εw, with equality at a power of two), so six steps give
ã(1 + ε)⁶ ≥ a(1 − 5ε)(1 + 6ε) > a upwards and ã(1 − ε)⁶ < a(1 + 5ε)(1 − ε)⁶ < a downwards;
for a subnormal a the error is below half a step of 2⁻¹⁰⁷⁴ (A3).

:func:`hypot` is √(x² + y²) in the interval arithmetic above (x and y each appear once, and
√, + and the square are monotone where they are used, so the only overestimate is rounding),
after scaling the box by an exact power of two so that no square overflows or underflows
(as vector_math's hypot does for floats). This relies on (A1) alone; vector_math's float
hypot is not used, so its error bound is not an assumption.

**NaN.** A NaN bound marks an enclosure that failed (an operand outside the arithmetic's
domain, or a NaN input): every operation here propagates it, and :func:`contains` is False for
it, so a failed enclosure cannot pass for a proof.

**Planted faults** (:data:`FAULTS`): an interval type carries the name of a fault of the
arithmetic, "" for the sound one; every interval made by :func:`like` from a faulty one is
faulty too, so a kernel fed constants of a faulty type
(``theory.box_step.interval_constants(..., fault=...)``) runs the faulty arithmetic
throughout — the prover's kernels as well as this project's. A fault of the constants alone
(:data:`CONSTANT_FAULTS`) keeps the sound type. tests/unit/test_box_step.py shows that each fault
breaks an enclosure.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from theory import compile_cache, reduced_gd, vector_math
from theory.vector_math import bits_float, float_bits, select

__all__ = [
    "ATAN2_STEPS",
    "CONSTANT_FAULTS",
    "FAULTS",
    "HALF_PI_UP",
    "INTERVAL_SOURCES",
    "MAX_FLOAT",
    "Interval",
    "angle_pair",
    "compile_cached",
    "contains",
    "first_quadrant_atan2",
    "hull",
    "hypot",
    "intersection",
    "interval",
    "is_empty",
    "like",
    "midpoint",
    "next_down",
    "next_up",
    "sqr",
    "sqrt",
    "thin",
    "width",
]

ATAN2_STEPS = 6            # floats moved outward from each atan2 corner (module docstring)
HALF_PI_UP = math.nextafter(math.pi / 2, math.inf)   # fl(π/2) < π/2 < this
_EXACT_INTEGER = 2.0 ** 53                             # integers up to this convert to float64 exactly
_SMALLEST_NORMAL = 2.2250738585072014e-308
MAX_FLOAT = 1.7976931348623157e308

FAULTS = {
    "mul-rounds-inward": "products rounded inward: each bound stepped towards the interval's inside",
    "mul-forgets-sign": "A × B taken as [a·b, a'·b'], right only when both are nonnegative",
    "add-rounds-to-nearest": "sums and differences rounded to nearest, not outward",
    "atan2-unwidened": "atan2 at the corners taken as computed, not widened by its error bound",
    "pi-as-float": "π, π − 1 and 1/(4π) taken as the float64 values fl(π), … (constants only)",
}
"""Planted faults of the interval arithmetic, by name: what each gets wrong."""
CONSTANT_FAULTS = ("pi-as-float",)   # faults of the constants alone: the arithmetic stays sound


@dataclass(frozen=True, slots=True)
class Interval:
    """[lo, hi] as Python sees it: what compiled code receives and returns (unboxed to and boxed
    from numba's value type). ``fault`` names a planted fault (:data:`FAULTS`), "" for the
    sound arithmetic. No check here: :func:`interval` is the checked constructor."""

    lo: float
    hi: float
    fault: str = ""

    # Python's operators run the compiled operations (for tests and exploration; the kernels of
    # theory.box_step never come back to Python)
    def __add__(self, other):
        return _compiled("add")(self, other)

    def __radd__(self, other):
        return _compiled("add")(other, self)

    def __sub__(self, other):
        return _compiled("sub")(self, other)

    def __rsub__(self, other):
        return _compiled("sub")(other, self)

    def __mul__(self, other):
        return _compiled("mul")(self, other)

    def __rmul__(self, other):
        return _compiled("mul")(other, self)

    def __truediv__(self, other):
        return _compiled("div")(self, other)

    def __rtruediv__(self, other):
        return _compiled("div")(other, self)

    def __neg__(self):
        return _compiled("neg")(self)

    def __abs__(self):
        return _compiled("abs")(self)


def interval(lo: float, hi: float) -> Interval:
    """The interval [lo, hi] (lo ≤ hi, no NaN). In compiled code, unchecked."""
    lo, hi = float(lo), float(hi)
    if not lo <= hi:
        raise ValueError(f"an interval needs lo <= hi (and no NaN), got [{lo!r}, {hi!r}]")
    return Interval(lo, hi)


def like(reference, lo, hi):
    """[lo, hi] in the arithmetic of the interval ``reference`` (the same planted fault, if
    any): how compiled code makes new intervals, e.g. of a box's bounds read from arrays."""
    return Interval(float(lo), float(hi), reference.fault)


def thin(reference, x):
    """[x, x] in the arithmetic of ``reference``: exact for a float; an integer beyond 2⁵³ (not
    exactly a float64) is widened by one float each way."""
    x_float = float(x)
    if isinstance(x, (int, np.integer)) and abs(x_float) > _EXACT_INTEGER:
        return like(reference, math.nextafter(x_float, -math.inf), math.nextafter(x_float, math.inf))
    return like(reference, x_float, x_float)


def next_up(x):
    """The least float64 above x (−0 and +0 both go to 2⁻¹⁰⁷⁴; +∞ and NaN stay)."""
    return math.nextafter(x, math.inf) if x == x else x


def next_down(x):
    """The largest float64 below x (−∞ and NaN stay)."""
    return math.nextafter(x, -math.inf) if x == x else x


def hull(a, b):
    """The least interval containing both (exact)."""
    return like(a, _min(a.lo, b.lo), _max(a.hi, b.hi))


def intersection(a, b):
    """[max lo, min hi] (exact); empty, with lo > hi, when they do not meet (:func:`is_empty`)."""
    return like(a, _max(a.lo, b.lo), _min(a.hi, b.hi))


def is_empty(a) -> bool:
    """True for an interval with lo > hi (a failed :func:`intersection`)."""
    return a.lo > a.hi


def midpoint(a):
    """A float in [lo, hi] near its middle (½lo + ½hi, clamped; 0 for (−∞, ∞)): a point, not an
    enclosure."""
    middle = 0.5 * a.lo + 0.5 * a.hi
    middle = select(middle != middle, 0.0, middle)
    return float(_min(_max(middle, a.lo), a.hi))


def width(a):
    """An upper bound of hi − lo (rounded up)."""
    return float(_up(a.hi - a.lo))


def contains(a, x) -> bool:
    """Whether x (a float, or an interval: all of it) lies in a; False when any bound is NaN."""
    if isinstance(x, Interval):
        return bool(a.lo <= x.lo and x.hi <= a.hi)
    return bool(a.lo <= x <= a.hi)


def sqr(a):
    """{x² : x ∈ a}: [min |x|², max |x|²], each rounded outward (lower bound at least 0)."""
    return _compiled("sqr")(a)


def sqrt(a):
    """{√x : x ∈ a, x ≥ 0}, rounded outward; NaN bounds when a < 0."""
    return _compiled("sqrt")(a)


def hypot(x, y):
    """{√(u² + v²) : u ∈ x, v ∈ y}: the sum of squares in interval arithmetic, after an exact
    power-of-two scaling (module docstring)."""
    return _compiled("hypot")(x, y)


def first_quadrant_atan2(y, x):
    """{atan2(u, v) : u ∈ y, v ∈ x} for y, x ⊂ [0, ∞): vector_math's atan2 at the two extreme
    corners, each moved :data:`ATAN2_STEPS` floats outward, clamped to [0, π/2↑]."""
    return _compiled("first_quadrant_atan2")(y, x)


def angle_pair(x, y, pi):
    """(φ, δ) over the box x × y, π in the interval ``pi``: :func:`theory.reduced_gd.angle_pair`
    on intervals (``_angle_pair_of``)."""
    return _compiled("angle_pair")(x, y, pi)


# --- the implementations, compiled in place of the functions above -------------------------------
# Plain code over an interval's .lo and .hi (and the interval operators), which numba compiles for
# the interval type (below); Python reaches them through the public functions above.

def _min(u, v):
    """The smaller; NaN if either is (LLVM's select: no branch)."""
    return select((u < v) | (u != u), u, v)


def _max(u, v):
    return select((u > v) | (u != u), u, v)


def _down(x):
    return next_down(x)


def _up(x):
    return next_up(x)


def _failed(*bounds):
    """True when any bound is NaN (a failed enclosure, which must stay failed)."""
    bad = False
    for bound in bounds:
        bad = bad | (bound != bound)
    return bad


def _sum_down(u, v):
    """next_down(RN(u + v)), or the sum itself when a term is 0 (then it is exact). A NaN term
    gives NaN (IEEE), and next_down keeps it: no test needed."""
    total = u + v
    return select((u == 0.0) | (v == 0.0), total, _down(total))


def _sum_up(u, v):
    total = u + v
    return select((u == 0.0) | (v == 0.0), total, _up(total))


def _add(a, b):
    return like(a, _sum_down(a.lo, b.lo), _sum_up(a.hi, b.hi))


def _sub(a, b):
    return like(a, _sum_down(a.lo, -b.hi), _sum_up(a.hi, -b.lo))


def _neg(a):
    return like(a, -a.hi, -a.lo)


def _abs(a):
    lo = select(a.lo >= 0, a.lo, select(a.hi <= 0, -a.hi, 0.0))
    bad = _failed(a.lo, a.hi)
    return like(a, select(bad, np.nan, lo), _max(-a.lo, a.hi))


def _product_down(u, v):
    """next_down(RN(u·v)), or exactly 0 when a factor is 0 (0·∞ = 0 as well: bounds stand for
    reals, and 0 times any real is 0)."""
    return select((u == 0.0) | (v == 0.0), 0.0, _down(u * v))


def _product_up(u, v):
    return select((u == 0.0) | (v == 0.0), 0.0, _up(u * v))


def _mul(a, b):
    """By the signs of a and b: two bound products in eight of the nine cases, and two for each
    bound when both straddle 0 (branches a kernel predicts well: a step's signs rarely change)."""
    if a.lo >= 0.0:
        if b.lo >= 0.0:
            lo, hi = _product_down(a.lo, b.lo), _product_up(a.hi, b.hi)
        elif b.hi <= 0.0:
            lo, hi = _product_down(a.hi, b.lo), _product_up(a.lo, b.hi)
        else:
            lo, hi = _product_down(a.hi, b.lo), _product_up(a.hi, b.hi)
    elif a.hi <= 0.0:
        if b.lo >= 0.0:
            lo, hi = _product_down(a.lo, b.hi), _product_up(a.hi, b.lo)
        elif b.hi <= 0.0:
            lo, hi = _product_down(a.hi, b.hi), _product_up(a.lo, b.lo)
        else:
            lo, hi = _product_down(a.lo, b.hi), _product_up(a.lo, b.lo)
    elif b.lo >= 0.0:
        lo, hi = _product_down(a.lo, b.hi), _product_up(a.hi, b.hi)
    elif b.hi <= 0.0:
        lo, hi = _product_down(a.hi, b.lo), _product_up(a.lo, b.lo)
    else:
        lo = _min(_product_down(a.lo, b.hi), _product_down(a.hi, b.lo))
        hi = _max(_product_up(a.lo, b.lo), _product_up(a.hi, b.hi))
    bad = _failed(a.lo, a.hi, b.lo, b.hi)      # a NaN bound may have met a 0 factor
    return like(a, select(bad, np.nan, lo), select(bad, np.nan, hi))


def _quotient_down(u, v):
    """next_down(RN(u/v)), or exactly 0 when u is 0 (v ≠ 0 here)."""
    return select(u == 0.0, 0.0, _down(u / v))


def _quotient_up(u, v):
    return select(u == 0.0, 0.0, _up(u / v))


def _div(a, b):
    """By the signs, as :func:`_mul`: two bound quotients when 0 ∉ b (no ∞/∞ then: a bound of an
    interval of reals is never ∞ on its own side), (−∞, ∞) when 0 ∈ b."""
    if b.lo > 0.0:
        if a.lo >= 0.0:
            lo, hi = _quotient_down(a.lo, b.hi), _quotient_up(a.hi, b.lo)
        elif a.hi <= 0.0:
            lo, hi = _quotient_down(a.lo, b.lo), _quotient_up(a.hi, b.hi)
        else:
            lo, hi = _quotient_down(a.lo, b.lo), _quotient_up(a.hi, b.lo)
    elif b.hi < 0.0:
        if a.lo >= 0.0:
            lo, hi = _quotient_down(a.hi, b.hi), _quotient_up(a.lo, b.lo)
        elif a.hi <= 0.0:
            lo, hi = _quotient_down(a.hi, b.lo), _quotient_up(a.lo, b.hi)
        else:
            lo, hi = _quotient_down(a.hi, b.hi), _quotient_up(a.lo, b.hi)
    else:
        lo, hi = -np.inf, np.inf
    bad = _failed(a.lo, a.hi, b.lo, b.hi)
    return like(a, select(bad, np.nan, lo), select(bad, np.nan, hi))


def _magnitudes(a):
    """(min |x|, max |x|) over a."""
    smallest = select(a.lo >= 0, a.lo, select(a.hi <= 0, -a.hi, 0.0))
    return smallest, _max(-a.lo, a.hi)


def _sqr(a):
    smallest, largest = _magnitudes(a)
    bad = _failed(a.lo, a.hi)
    lo = _max(_product_down(smallest, smallest), 0.0)
    return like(a, select(bad, np.nan, lo), select(bad, np.nan, _product_up(largest, largest)))


def _sqrt(a):
    lo = _max(_down(np.sqrt(_max(a.lo, 0.0))), 0.0)
    hi = _up(np.sqrt(a.hi))               # NaN when a.hi < 0: no real square root
    bad = _failed(a.lo, a.hi) | (a.hi < 0)
    return like(a, select(bad, np.nan, lo), select(bad, np.nan, hi))


def _scaled_bound(bound, factor, step):
    """bound·factor for a power of two ``factor``: exact when the product is a normal float or an
    exact 0 (the significand is only shifted), else (underflow, overflow) rounded and moved one
    float by ``step`` (Lemma 1)."""
    product = bound * factor
    exact = ((abs(product) >= _SMALLEST_NORMAL) & (abs(product) <= MAX_FLOAT)) | (bound == 0.0)
    return select(exact, product, step(product))


def _scaled(a, factor):
    return like(a, _scaled_bound(a.lo, factor, _down), _scaled_bound(a.hi, factor, _up))


def _hypot(x, y):
    ax, ay = _abs(x), _abs(y)
    larger = _max(ax.hi, ay.hi)
    big, tiny = larger > 2.0 ** 500, larger < 2.0 ** -500
    # scaled by a power of two so that the larger magnitude is within [2⁻¹⁰⁰, 2⁵⁰⁰]: no square
    # overflows, and a square that underflows is below 2⁻¹⁰⁰⁰ of the largest, where outward
    # rounding still encloses it (only the enclosure's width is affected)
    factor = select(big, 2.0 ** -600, select(tiny, 2.0 ** 600, 1.0))
    inverse = select(big, 2.0 ** 600, select(tiny, 2.0 ** -600, 1.0))
    root = _scaled(_sqrt(_sqr(_scaled(ax, factor)) + _sqr(_scaled(ay, factor))), inverse)
    return like(root, _max(root.lo, 0.0), root.hi)


def _near_angle(y, x, steps):
    """atan2 over the box y × x ⊂ [0, ∞)², ``steps`` floats outward from each corner."""
    least = vector_math.first_quadrant_atan2(y.lo, x.hi)
    largest = vector_math.first_quadrant_atan2(y.hi, x.lo)
    # both in [0, π/2]: moving a nonnegative float by n floats is adding n to its bits (which
    # count the floats from +0 up), the lower one stopped at +0
    lo = bits_float(_max(float_bits(least) - steps, 0))
    hi = _min(bits_float(float_bits(largest) + steps), HALF_PI_UP)
    bad = _failed(y.lo, y.hi, x.lo, x.hi)
    return like(y, select(bad, np.nan, lo), select(bad, np.nan, hi))


def _angle_pair_of(x, y, pi, steps):
    """(φ, δ) over the box x × y: φ = atan2(|y|, x) ∈ [0, π], δ = π − φ.

    With Y = |y| and the angle to the nearer of ±ŵ*, near = atan2(Y, |x|) ∈ [0, π/2]: on the
    part of the box where x ≥ 0, φ = near and δ = π − near; where x ≤ 0, φ = π − near and
    δ = near. A box on both sides of x = 0 (at p = ∞ every start has x = 0) takes the hull of
    the two parts — φ decreases in x, so the hull is exactly the range. δ keeps full relative
    accuracy near φ = π (and φ near 0) because the small one is always near itself."""
    big_y = _abs(y)
    if x.lo >= 0.0:
        near = _near_angle(big_y, x, steps)
        return near, pi - near
    if x.hi <= 0.0:
        near = _near_angle(big_y, _neg(x), steps)
        return pi - near, near
    ahead = _near_angle(big_y, like(x, 0.0, x.hi), steps)      # the part with x ≥ 0
    behind = _near_angle(big_y, like(x, 0.0, -x.lo), steps)    # the part with x ≤ 0, as |x|
    return hull(ahead, pi - behind), hull(pi - ahead, behind)


# --- what Python calls: the compiled code, one small cached function per operation ---------------

def _run_add(a, b):
    return a + b


def _run_sub(a, b):
    return a - b


def _run_mul(a, b):
    return a * b


def _run_div(a, b):
    return a / b


def _run_neg(a):
    return -a


def _run_abs(a):
    return abs(a)


def _run_sqr(a):
    return sqr(a)


def _run_sqrt(a):
    return sqrt(a)


def _run_hypot(x, y):
    return hypot(x, y)


def _run_first_quadrant_atan2(y, x):
    return first_quadrant_atan2(y, x)


def _run_angle_pair(x, y, pi):
    return angle_pair(x, y, pi)


_RUNNERS: dict[str, Callable[..., Any]] = {
    "add": _run_add, "sub": _run_sub, "mul": _run_mul, "div": _run_div, "neg": _run_neg, "abs": _run_abs,
    "sqr": _run_sqr, "sqrt": _run_sqrt, "hypot": _run_hypot, "first_quadrant_atan2": _run_first_quadrant_atan2,
    "angle_pair": _run_angle_pair}
_COMPILED: dict[str, Callable] = {}


def _compiled(name: str) -> Callable:
    """The compiled ``_run_<name>`` (numba, cached on disk and dropped when this file or one it
    inlines changes: :func:`compile_cached`)."""
    if name not in _COMPILED:
        _COMPILED[name] = compile_cached(_RUNNERS[name], parallel=False)
    return _COMPILED[name]


INTERVAL_SOURCES = (Path(__file__), Path(str(vector_math.__file__)), Path(str(reduced_gd.__file__)))
"""The files whose code compiled interval arithmetic contains (the cache's stamp)."""


def compile_cached(function: Callable, parallel: bool, sources: tuple[Path, ...] = INTERVAL_SOURCES) -> Callable:
    """``function`` compiled by numba as interval code must be — no fastmath (assumption A2),
    IEEE division by zero — with an optional cache on disk that is dropped unless it was made from
    ``sources`` (:func:`theory.compile_cache.jit`: numba itself checks only the function's own file,
    and a cache that cannot be read or written is bypassed)."""
    return compile_cache.jit(function, sources, parallel=parallel, error_model="numpy")


# --- numba: the value type, its operators and functions ------------------------------------------

if reduced_gd.overload is not None:
    from numba import types
    from numba.core import cgutils
    from numba.extending import (
        NativeValue,
        box,
        make_attribute_wrapper,
        models,
        overload,
        register_jitable,
        register_model,
        typeof_impl,
        unbox,
    )

    from theory.vector_math import untyped_intrinsic

    class IntervalType(types.Type):
        """numba's type of :class:`Interval`; ``fault`` names a planted fault ("" when sound)."""

        def __init__(self, fault: str = ""):
            self.fault = fault
            super().__init__(name=f"Interval[{fault}]" if fault else "Interval")

    @register_model(IntervalType)
    class _IntervalModel(models.StructModel):
        def __init__(self, dmm, fe_type):
            super().__init__(dmm, fe_type, [("lo", types.float64), ("hi", types.float64)])

    make_attribute_wrapper(IntervalType, "lo", "lo")
    make_attribute_wrapper(IntervalType, "hi", "hi")

    @typeof_impl.register(Interval)
    def _typeof_interval(value, context):
        return IntervalType(value.fault)

    @unbox(IntervalType)
    def _unbox_interval(typ, obj, c):
        failed = cgutils.alloca_once_value(c.builder, cgutils.false_bit)
        native = cgutils.create_struct_proxy(typ)(c.context, c.builder)
        with ExitStack() as stack:
            for name in ("lo", "hi"):
                attribute = c.pyapi.object_getattr_string(obj, name)
                with cgutils.early_exit_if_null(c.builder, stack, attribute):
                    c.builder.store(cgutils.true_bit, failed)
                value = c.unbox(types.float64, attribute)
                c.pyapi.decref(attribute)
                with cgutils.early_exit_if(c.builder, stack, value.is_error):
                    c.builder.store(cgutils.true_bit, failed)
                setattr(native, name, value.value)
        return NativeValue(native._getvalue(), is_error=c.builder.load(failed))

    @box(IntervalType)
    def _box_interval(typ, val, c):
        native = cgutils.create_struct_proxy(typ)(c.context, c.builder, value=val)
        lo, hi = c.box(types.float64, native.lo), c.box(types.float64, native.hi)
        fault = c.pyapi.unserialize(c.pyapi.serialize_object(typ.fault))
        maker = c.pyapi.unserialize(c.pyapi.serialize_object(Interval))
        out = c.pyapi.call_function_objargs(maker, (lo, hi, fault))
        for obj in (lo, hi, fault, maker):
            c.pyapi.decref(obj)
        return out

    @untyped_intrinsic
    def _make_like(typingctx, reference, lo, hi):
        if not (isinstance(reference, IntervalType) and isinstance(lo, types.Float) and isinstance(hi, types.Float)):
            return None

        def codegen(context, builder, signature, args):
            out = cgutils.create_struct_proxy(signature.return_type)(context, builder)
            out.lo = context.cast(builder, args[1], signature.args[1], types.float64)
            out.hi = context.cast(builder, args[2], signature.args[2], types.float64)
            return out._getvalue()
        return reference(reference, lo, hi), codegen

    @untyped_intrinsic
    def _make_sound(typingctx, lo, hi):
        if not (isinstance(lo, types.Float) and isinstance(hi, types.Float)):
            return None

        def codegen(context, builder, signature, args):
            out = cgutils.create_struct_proxy(signature.return_type)(context, builder)
            out.lo = context.cast(builder, args[0], signature.args[0], types.float64)
            out.hi = context.cast(builder, args[1], signature.args[1], types.float64)
            return out._getvalue()
        return IntervalType()(lo, hi), codegen

    _INLINE: Any = {"forceinline": True}

    @overload(like, jit_options=_INLINE)
    def _like_compiled(reference, lo, hi):
        if isinstance(reference, IntervalType):
            return lambda reference, lo, hi: _make_like(reference, float(lo), float(hi))
        return None

    @overload(interval, jit_options=_INLINE)
    def _interval_compiled(lo, hi):
        return lambda lo, hi: _make_sound(float(lo), float(hi))

    @overload(thin, jit_options=_INLINE)
    def _thin_compiled(reference, x):
        if not isinstance(reference, IntervalType):
            return None
        if isinstance(x, types.Integer):
            def from_integer(reference, x):
                value = float(x)
                inexact = abs(value) > _EXACT_INTEGER
                return _make_like(reference, select(inexact, next_down(value), value),
                                  select(inexact, next_up(value), value))
            return from_integer
        if isinstance(x, types.Float):
            return lambda reference, x: _make_like(reference, float(x), float(x))
        return None

    @register_jitable(**_INLINE)
    def _next_up_bits(x):
        """next_up by the bits: a positive float's successor has bits + 1, a negative one's bits
        − 1 (towards zero); −0 is first made +0 (−0 + 0 = +0), +∞ and NaN are kept."""
        bits = float_bits(x + 0.0)
        stepped = bits_float(select(bits >= 0, bits + 1, bits - 1))
        return select((x == np.inf) | (x != x), x, stepped)

    overload(next_up, jit_options=_INLINE)(lambda x: _next_up_bits if isinstance(x, types.Float) else None)
    overload(next_down, jit_options=_INLINE)(
        lambda x: (lambda x: -_next_up_bits(-x)) if isinstance(x, types.Float) else None)

    for _helper in (_min, _max, _down, _up, _failed, _sum_down, _sum_up, _add, _sub, _neg, _abs, _product_down,
                    _product_up, _mul, _quotient_down, _quotient_up, _div, _magnitudes, _sqr, _sqrt,
                    _scaled_bound, _scaled, _hypot, _near_angle, _angle_pair_of, hull, intersection, is_empty,
                    midpoint, width):
        register_jitable(**_INLINE)(_helper)

    @overload(contains, jit_options=_INLINE)
    def _contains_compiled(a, x):
        if isinstance(a, IntervalType) and isinstance(x, IntervalType):
            return lambda a, x: (a.lo <= x.lo) & (x.hi <= a.hi)
        if isinstance(a, IntervalType) and isinstance(x, types.Number):
            return lambda a, x: (a.lo <= x) & (x <= a.hi)
        return None

    # --- the planted faults' versions of the operations (FAULTS) ---------------------------------

    @register_jitable(**_INLINE)
    def _mul_rounds_inward(a, b):
        products = (a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi)
        least = _min(_min(products[0], products[1]), _min(products[2], products[3]))
        largest = _max(_max(products[0], products[1]), _max(products[2], products[3]))
        return like(a, _up(least), _down(largest))

    @register_jitable(**_INLINE)
    def _mul_forgets_sign(a, b):
        return like(a, _product_down(a.lo, b.lo), _product_up(a.hi, b.hi))

    @register_jitable(**_INLINE)
    def _add_nearest(a, b):
        return like(a, a.lo + b.lo, a.hi + b.hi)

    @register_jitable(**_INLINE)
    def _sub_nearest(a, b):
        return like(a, a.lo - b.hi, a.hi - b.lo)

    def _fault_of(a, b=None):
        """The fault of an operation on intervals (and numbers), or None when the operands are
        not intervals of one arithmetic (numba then looks for another implementation)."""
        operands = [t for t in (a, b) if t is not None]
        faults = {t.fault for t in operands if isinstance(t, IntervalType)}
        plain = all(isinstance(t, (IntervalType, types.Number)) for t in operands)
        return faults.pop() if plain and len(faults) == 1 else None

    def _lift(value, reference):
        """An operand as an interval: itself, or a number as a thin interval like ``reference``."""

    @overload(_lift, jit_options=_INLINE)
    def _lift_compiled(value, reference):
        if isinstance(value, IntervalType):
            return lambda value, reference: value
        if isinstance(value, types.Number):
            return lambda value, reference: thin(reference, value)
        return None

    def _binary(core_by_fault: dict):
        def typer(a, b):
            fault = _fault_of(a, b)
            if fault is None:
                return None
            core = core_by_fault.get(fault, core_by_fault[""])
            if isinstance(a, IntervalType):
                return lambda a, b: core(a, _lift(b, a))
            return lambda a, b: core(_lift(a, b), b)
        return typer

    overload(operator.add, jit_options=_INLINE)(_binary({"": _add, "add-rounds-to-nearest": _add_nearest}))
    overload(operator.sub, jit_options=_INLINE)(_binary({"": _sub, "add-rounds-to-nearest": _sub_nearest}))
    overload(operator.mul, jit_options=_INLINE)(_binary({"": _mul, "mul-rounds-inward": _mul_rounds_inward,
                                                          "mul-forgets-sign": _mul_forgets_sign}))
    overload(operator.truediv, jit_options=_INLINE)(_binary({"": _div}))
    overload(operator.neg, jit_options=_INLINE)(lambda a: _neg if isinstance(a, IntervalType) else None)
    overload(operator.pos, jit_options=_INLINE)(lambda a: (lambda a: a) if isinstance(a, IntervalType) else None)
    overload(abs, jit_options=_INLINE)(lambda a: _abs if isinstance(a, IntervalType) else None)

    def _unary(core):
        return lambda a: core if isinstance(a, IntervalType) else None

    overload(sqr, jit_options=_INLINE)(_unary(_sqr))
    overload(sqrt, jit_options=_INLINE)(_unary(_sqrt))

    def _interval_pair(x, y):
        return _fault_of(x, y) is not None and isinstance(x, IntervalType) and isinstance(y, IntervalType)

    def _atan2_steps(fault: str) -> int:
        return 0 if fault == "atan2-unwidened" else ATAN2_STEPS

    @overload(hypot, jit_options=_INLINE)
    def _hypot_compiled(x, y):
        return _hypot if _interval_pair(x, y) else None

    @overload(first_quadrant_atan2, jit_options=_INLINE)
    def _atan2_compiled(y, x):
        if not _interval_pair(y, x):
            return None
        steps = _atan2_steps(y.fault)
        return lambda y, x: _near_angle(y, x, steps)

    @overload(angle_pair, jit_options=_INLINE)
    def _angle_pair_compiled(x, y, pi):
        if not (_interval_pair(x, y) and isinstance(pi, IntervalType) and pi.fault == x.fault):
            return None
        steps = _atan2_steps(x.fault)
        return lambda x, y, pi: _angle_pair_of(x, y, pi, steps)

    # --- reduced_gd.step's vocabulary on intervals ------------------------------------------------
    overload(reduced_gd.flush_tiny_angle, jit_options=_INLINE)(   # exact arithmetic: no flush
        lambda x, y: (lambda x, y: y) if _interval_pair(x, y) else None)
    overload(reduced_gd.hypot, jit_options=_INLINE)(lambda x, y: _hypot if _interval_pair(x, y) else None)
    overload(reduced_gd.square, jit_options=_INLINE)(
        lambda x: (lambda x: _sqr(x)) if isinstance(x, IntervalType) else None)

    @overload(reduced_gd.angle_pair, jit_options=_INLINE)
    def _step_angle_pair(x, y, pi):
        return _angle_pair_compiled(x, y, pi)
