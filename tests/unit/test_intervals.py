"""theory/intervals.py: each compiled interval operation contains the exact result (exact fractions,
or python-flint arb for √, atan2 and hypot) on random and adversarial operands, and is at most
one float wider per bound than the exact range rounded outward (four for hypot, which composes
four roundings; atan2 as its proved bound and widening allow)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

numba = pytest.importorskip("numba")
if numba.config.DISABLE_JIT:    # pragma: no cover - the compiled code is what these tests are about
    pytest.skip("NUMBA_DISABLE_JIT=1: nothing is compiled", allow_module_level=True)

import flint  # noqa: E402

from theory import intervals, vector_math  # noqa: E402
from theory.intervals import Interval  # noqa: E402

MAX = 1.7976931348623157e308
ADVERSARIAL = (0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, 1e-310,
               1.0, -1.0, 0.1, 3.0, 2.0 ** 52, 2.0 ** 53 + 2, 1e300, MAX, -MAX, 1.5e154, math.pi)
FLOATS = st.one_of(st.floats(allow_nan=False, allow_infinity=False),            # subnormals, huge, ±0
                   st.sampled_from(ADVERSARIAL).flatmap(lambda x: st.sampled_from([x, -x])),
                   st.floats(-4, 4, allow_nan=False), st.integers(-10, 10).map(float))


@st.composite
def intervals_of(draw, floats=FLOATS):
    """Intervals of finite bounds: thin ones, ones across 0, and any pair."""
    a = draw(floats)
    kind = draw(st.sampled_from(["thin", "pair", "across zero"]))
    if kind == "thin":
        return Interval(a, a)
    b = draw(floats)
    if kind == "across zero":
        a, b = -abs(a), abs(b)
    return Interval(min(a, b), max(a, b))


def _rounded_down(q: Fraction) -> float:
    """The largest float64 ≤ q (−MAX… when q is below −MAX: then −∞)."""
    if q > Fraction(MAX):
        return MAX
    if q < -Fraction(MAX):
        return -math.inf
    f = float(q)          # correctly rounded
    return f if Fraction(f) <= q else math.nextafter(f, -math.inf)


def _rounded_up(q: Fraction) -> float:
    return -_rounded_down(-q)


def _floats_between(a: float, b: float) -> int:
    """How many floats b is above a (negative when below); ±0 count as one float."""
    def ordinal(x):
        bits = int(np.float64(x).view(np.int64))
        return bits if bits >= 0 else -(bits & 0x7FFFFFFFFFFFFFFF)
    return ordinal(b) - ordinal(a)


def _assert_encloses(got: Interval, least: Fraction, largest: Fraction, extra: int = 1):
    """got ⊇ [least, largest], and each bound at most ``extra`` floats beyond the exact bound rounded outward."""
    assert got.lo == -math.inf or Fraction(got.lo) <= least, (got, float(least))
    assert got.hi == math.inf or largest <= Fraction(got.hi), (got, float(largest))
    assert _floats_between(got.lo, _rounded_down(least)) <= extra, (got, float(least))
    assert _floats_between(_rounded_up(largest), got.hi) <= extra, (got, float(largest))


def _range(a: Interval, b: Interval, operation):
    values = [operation(Fraction(u), Fraction(v)) for u in (a.lo, a.hi) for v in (b.lo, b.hi)]
    return min(values), max(values)


@numba.njit
def _steps(values, up, down):
    for i in range(values.shape[0]):
        up[i], down[i] = intervals.next_up(values[i]), intervals.next_down(values[i])


def test_next_up_and_next_down_by_the_bits_are_nextafter():
    rng = np.random.default_rng(3)
    values = np.array([*ADVERSARIAL, *(-v for v in ADVERSARIAL), math.inf, -math.inf,
                       *rng.standard_normal(50) * 10.0 ** np.arange(-250, 250, 10),
                       *rng.integers(-2 ** 63, 2 ** 63 - 1, 1000).view(np.float64)])   # any bits
    up, down = np.empty_like(values), np.empty_like(values)
    _steps(values, up, down)
    for x, got_up, got_down in zip(values, up, down, strict=True):
        if math.isnan(x):
            assert math.isnan(got_up) and math.isnan(got_down)
        else:
            assert got_up == math.nextafter(x, math.inf) and got_down == math.nextafter(x, -math.inf), x


@given(intervals_of(), intervals_of())
def test_sum_and_difference_enclose_the_exact_range(a, b):
    _assert_encloses(a + b, *_range(a, b, lambda u, v: u + v))
    _assert_encloses(a - b, *_range(a, b, lambda u, v: u - v))


@given(intervals_of(), intervals_of())
def test_product_encloses_the_exact_range(a, b):
    _assert_encloses(a * b, *_range(a, b, lambda u, v: u * v))


@given(intervals_of(), intervals_of())
def test_quotient_encloses_the_exact_range_or_is_everything_across_zero(a, b):
    got = a / b
    if b.lo <= 0 <= b.hi:
        assert (got.lo, got.hi) == (-math.inf, math.inf)
    else:
        _assert_encloses(got, *_range(a, b, lambda u, v: u / v))


@given(intervals_of(), FLOATS)
def test_an_interval_with_a_number_is_the_interval_with_a_thin_one(a, x):
    thin = Interval(x, x)
    for got, expected in ((a + x, a + thin), (x - a, thin - a), (x * a, thin * a), (a * 3, a * Interval(3.0, 3.0))):
        assert (got.lo, got.hi) == (expected.lo, expected.hi)


@given(intervals_of())
def test_square_abs_and_negation(a):
    squares = [Fraction(a.lo) ** 2, Fraction(a.hi) ** 2]
    least = Fraction(0) if a.lo <= 0 <= a.hi else min(squares)
    got = intervals.sqr(a)
    assert got.lo >= 0
    _assert_encloses(got, least, max(squares))
    assert (abs(a).lo, abs(a).hi) == ((0.0 if a.lo <= 0 <= a.hi else min(abs(a.lo), abs(a.hi))),
                                      max(abs(a.lo), abs(a.hi)))
    assert ((-a).lo, (-a).hi) == (-a.hi, -a.lo)


@given(intervals_of())
def test_square_root_encloses_and_is_tight(a):
    got = intervals.sqrt(a)
    if a.hi < 0:
        assert math.isnan(got.lo) and math.isnan(got.hi)
        return
    least, largest = Fraction(max(a.lo, 0.0)), Fraction(a.hi)
    assert got.lo >= 0 and Fraction(got.lo) ** 2 <= least and Fraction(got.hi) ** 2 >= largest
    # one float further in would no longer enclose (after one more: the rounding's step)
    inner_lo = math.nextafter(math.nextafter(got.lo, math.inf), math.inf)
    inner_hi = math.nextafter(math.nextafter(got.hi, -math.inf), -math.inf)
    assert Fraction(inner_lo) ** 2 > least or got.lo == 0
    assert inner_hi < 0 or Fraction(inner_hi) ** 2 < largest


def _arb_range_at_corners(function, x: Interval, y: Interval):
    flint.ctx.prec = 200
    values = [function(flint.arb(u), flint.arb(v)) for u in (x.lo, x.hi) for v in (y.lo, y.hi)]
    return values


POSITIVE = st.one_of(st.floats(0, 1e300, allow_nan=False), st.sampled_from([0.0, 5e-324, 1e-310, 1.0, MAX]))


@st.composite
def boxes_of(draw, floats=POSITIVE):
    a, b = sorted([draw(floats), draw(floats)])
    return Interval(a, b) if draw(st.booleans()) else Interval(a, a)


@given(boxes_of(), boxes_of())
def test_first_quadrant_atan2_encloses_every_corner_within_its_widening(y, x):
    got = intervals.first_quadrant_atan2(y, x)
    corners = _arb_range_at_corners(lambda u, v: flint.arb.atan2(v, u) if v != 0 else flint.arb(0), x, y)
    for value in corners:
        assert bool(value.lower() >= got.lo) and bool(value.upper() <= got.hi), (x, y, got, value)
    # no wider than the widening allows: 2.5 ulp of atan2's own error plus 6 floats, per bound
    spacing = float(np.spacing(math.pi / 2))
    low_corner, high_corner = corners[2], corners[1]       # (x.hi, y.lo) and (x.lo, y.hi)
    assert float(low_corner.lower()) - got.lo <= 9 * spacing and got.hi - float(high_corner.upper()) <= 9 * spacing


HYPOT_FLOATS = 4     # how many floats beyond the exact range (rounded outward) hypot's bounds may be


@given(intervals_of(), intervals_of())
@example(intervals.Interval(0.0, 0.0), intervals.Interval(-1.0, -7.437805711232037e-159))  # found 2026-12-08
def test_hypot_encloses_the_exact_range(x, y):
    got = intervals.hypot(x, y)
    flint.ctx.prec = 2200
    ax, ay = abs(x), abs(y)
    least = flint.arb(ax.lo) ** 2 + flint.arb(ay.lo) ** 2
    largest = flint.arb(ax.hi) ** 2 + flint.arb(ay.hi) ** 2
    assert got.lo >= 0 and bool(flint.arb(got.lo) ** 2 <= least) and bool(flint.arb(got.hi) ** 2 >= largest)
    # four roundings per bound (the squares', the sum's, the root's, each half of them in the
    # root's units, and the root's own step): a bound moved in by five floats no longer
    # encloses, unless the range's end is 0 or past MAX
    inner_lo, inner_hi = got.lo, got.hi
    for _ in range(HYPOT_FLOATS + 1):
        inner_lo, inner_hi = math.nextafter(inner_lo, math.inf), math.nextafter(inner_hi, -math.inf)
    # … and the lower bound is that tight unless its square underflows in the scaled box (below 2⁻¹⁰⁰⁰
    # of the largest square: theory.intervals._hypot's documented loss of width, never of enclosure)
    underflows = got.lo < 2.0 ** -500 * max(ax.hi, ay.hi)
    assert got.lo == 0 or underflows or bool(flint.arb(inner_lo) ** 2 > least)
    assert got.hi == math.inf or inner_hi < 0 or bool(flint.arb(inner_hi) ** 2 < largest)


def test_hypot_of_tiny_and_huge_boxes_keeps_its_scale():
    tiny, huge = intervals.hypot(Interval(3e-310, 3e-310), Interval(4e-310, 4e-310)), \
        intervals.hypot(Interval(3e300, 3e300), Interval(4e300, 4e300))
    assert tiny.lo <= 5e-310 <= tiny.hi and huge.lo <= 5e300 <= huge.hi
    assert tiny.hi - tiny.lo < 1e-320 and huge.hi - huge.lo < 1e286


PI = Interval(math.pi, math.nextafter(math.pi, 4))


@pytest.mark.parametrize("x, y", [((0.0, 0.0), (1.0, 1.0)), ((-0.2, 0.3), (0.5, 0.6)), ((-0.2, 0.3), (-0.6, -0.5)),
                                  ((0.5, 2.0), (-1e-300, 1e-300)), ((-2.0, -0.5), (1e-200, 1e-199)),
                                  ((-1e-3, 1e-3), (-1e-3, 2e-3)), ((1.0, 1.0), (1e-17, 1e-17))])
def test_the_angle_pair_encloses_phi_and_delta_everywhere_on_the_box(x, y):
    box_x, box_y = Interval(*x), Interval(*y)
    phi, delta = intervals.angle_pair(box_x, box_y, PI)
    flint.ctx.prec = 200
    for u in np.linspace(*x, 7):
        for v in np.linspace(*y, 7):
            if u == 0 and v == 0:
                continue
            big_y = abs(flint.arb(v))
            exact_phi, exact_delta = flint.arb.atan2(big_y, flint.arb(u)), flint.arb.atan2(big_y, -flint.arb(u))
            assert bool(exact_phi.lower() >= phi.lo) and bool(exact_phi.upper() <= phi.hi), (u, v, phi)
            assert bool(exact_delta.lower() >= delta.lo) and bool(exact_delta.upper() <= delta.hi), (u, v, delta)


def test_a_tiny_delta_keeps_its_relative_accuracy():
    """δ near 0 (v almost opposite to w*) comes from atan2 itself, not from π − φ."""
    _, delta = intervals.angle_pair(Interval(-1.0, -1.0), Interval(1e-12, 1e-12), PI)
    assert delta.lo > 0 and (delta.hi - delta.lo) / delta.lo < 1e-14


def test_hull_intersection_midpoint_width_contains():
    a, b = Interval(-1.0, 2.0), Interval(1.5, 5.0)
    assert intervals.hull(a, b) == Interval(-1.0, 5.0)
    assert intervals.intersection(a, b) == Interval(1.5, 2.0)
    assert intervals.is_empty(intervals.intersection(a, Interval(3.0, 4.0)))
    assert a.lo <= intervals.midpoint(a) <= a.hi and intervals.midpoint(Interval(-math.inf, math.inf)) == 0
    assert intervals.width(Interval(0.1, 0.3)) >= 0.3 - 0.1 and intervals.contains(a, Interval(0.0, 2.0))
    assert not intervals.contains(Interval(math.nan, 1.0), 0.5)
    with pytest.raises(ValueError, match="lo <= hi"):
        intervals.interval(2.0, 1.0)


def test_a_failed_enclosure_stays_failed():
    """A NaN bound propagates through every operation (a hull cannot turn it into a valid interval)."""
    failed = Interval(math.nan, 1.0)
    for got in (failed + 1.0, failed * Interval(0.0, 0.0), abs(failed), intervals.sqr(failed), 1.0 / failed,
                intervals.sqrt(failed), intervals.hypot(failed, Interval(1.0, 1.0))):
        assert math.isnan(got.lo) or math.isnan(got.hi), got


def test_exact_zeros_stay_exact():
    """A product with a 0 factor (0·∞ too: the bounds stand for reals) and a sum with a 0 term are
    exact, so they are not widened: a jet's constant partials stay 0."""
    zero = Interval(0.0, 0.0)
    for got in (zero * Interval(-math.inf, math.inf), zero * Interval(-3.0, 2.0), zero + zero, zero - zero):
        assert (got.lo, got.hi) == (0.0, 0.0)
    assert (zero + Interval(0.1, 0.3)) == Interval(0.1, 0.3)


def test_the_atan2_widening_covers_its_proved_bound():
    """ATAN2_STEPS floats move a value by more than its proved error, 2.5 ulp ≤ 5ε relative."""
    assert vector_math.ATAN2_ULPS == 2.5 and intervals.ATAN2_STEPS == 6
    epsilon = Fraction(1, 2 ** 53)
    assert (1 - 5 * epsilon) * (1 + epsilon) ** 6 > 1 and (1 + 5 * epsilon) * (1 - epsilon) ** 6 < 1
