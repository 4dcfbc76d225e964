"""The starts of a cell of GD's initial parameters as a set c + A·w + E — compiled, and in arb.

A cell is a box [u₀, u₁] × [q₀, q₁] × [t₀, t₁] of the start's parameters (:mod:`theory.basins`):
the disk point R·u·(cos 2πq, sin 2πq) (R = √(r/k), in the basis (â*, e₂) of span{a*, 1}, ã-units)
and t = cos φ₀, with v₀ = (t, √(1 − t²))/√κ. This module encloses its starts — a sector of the disk
times an arc of v₀ — as an affine image of w ∈ [−1, 1]³ plus a box:

* **the disk** (columns 0 and 1): for a *root* cell with middle angle θ_m and half-width
  h = π(q₁ − q₀) ≤ π/4, a point has the coordinates ρ = Ru cos α and τ = Ru sin α along
  e_m = (cos θ_m, sin θ_m) and e_⊥ = (−sin θ_m, cos θ_m), α = θ − θ_m ∈ [−h, h], so it lies in the
  rectangle ρ ∈ [Ru₀ cos h, Ru₁], τ ∈ [−Ru₁ sin h, Ru₁ sin h]; w₀ and w₁ are its affine coordinates;
* **v₀** (column 2, finite p only): x = t/√κ is affine in w₂ = (t − t_m)/t_half; y(t) =
  √(1 − t²)/√κ = y(t_m) + y'(ξ)(t − t_m) for some ξ in the cell, y' = −t/(√(1 − t²)√κ) decreasing,
  so y'(ξ) ∈ [y'(t₁), y'(t₀)]: the column holds y'(t_m)·t_half and E the rest of the slope; a cell
  reaching t = ±1 (y' unbounded there) puts y's whole range into E.

So every start s of the cell, with *its own* w, is c + A·w + e for some e ∈ E — the parametric form
:mod:`theory.lohner` carries forward: for that w, the state after t steps lies in c_t + A_t·w + E_t.
A sub-cell's starts have their w in a sub-box of the root's (:func:`sub_boxes`), so a set can be
restricted to the sub-cell (:func:`restrict`) and carried on from the step its root reached.

Everything is in the outward-rounded interval arithmetic of :mod:`theory.intervals` — sin and cos
of small angles (|x| ≤ 1) by their Taylor polynomials with the alternating series' remainder
bound, larger angles reduced exactly by quarter turns — made ``like`` the constants' π (a planted
fault of the arithmetic runs here too). :class:`theory.reproof.ArbStarts` is the same geometry in
arb, the reference for the arb re-proof.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from theory import intervals, lohner
from theory.reduced_gd import register_jitable

__all__ = [
    "STARTS_SOURCES",
    "TAYLOR_TERMS",
    "StartConstants",
    "cos_small",
    "restrict",
    "sin_cos_pi",
    "sin_small",
    "start_constants",
    "start_sets",
    "sub_boxes",
]

TAYLOR_TERMS = 10           # sin, cos of |x| ≤ 1: remainder ≤ 1/(2·TAYLOR_TERMS + 2)! < 1e-21
PARAMETERS = lohner.PARAMETERS


# --- rigorous sin and cos in interval arithmetic -------------------------------------------------

@register_jitable
def _remainder(x, order):
    """An upper bound of |x|^order/order! over the interval x (|x| ≤ 1), rounded up."""
    largest = max(-x.lo, x.hi)
    term = intervals.like(x, 1.0, 1.0)
    for j in range(1, order + 1):
        term = term * largest / float(j)
    return term.hi


@register_jitable
def sin_small(x):
    """{sin u : u ∈ x} for x ⊂ [−1, 1]: x(1 − x²/(2·3)(1 − x²/(4·5)(⋯))) — the Taylor polynomial
    of degree 2N + 1 — plus [−b, b], b ≥ |x|^(2N+3)/(2N+3)! (alternating series with terms that
    decrease for |x| ≤ 1)."""
    square = intervals.sqr(x)
    acc = intervals.like(x, 1.0, 1.0)
    for n in range(TAYLOR_TERMS, 0, -1):
        acc = 1.0 - square * acc / float((2 * n) * (2 * n + 1))
    bound = _remainder(x, 2 * TAYLOR_TERMS + 3)
    return x * acc + intervals.like(x, -bound, bound)


@register_jitable
def cos_small(x):
    """{cos u : u ∈ x} for x ⊂ [−1, 1], as :func:`sin_small`: 1 − x²/2(1 − x²/(3·4)(⋯)), plus
    the bound |x|^(2N+2)/(2N+2)!."""
    square = intervals.sqr(x)
    acc = intervals.like(x, 1.0, 1.0)
    for n in range(TAYLOR_TERMS, 0, -1):
        acc = 1.0 - square * acc / float((2 * n - 1) * (2 * n))
    bound = _remainder(x, 2 * TAYLOR_TERMS + 2)
    return acc + intervals.like(x, -bound, bound)


@register_jitable
def sin_cos_pi(s, pi):
    """(sin πs, cos πs) for an interval s, |s| ≤ 2: s = n/2 + s' with n the integer nearest 2·mid(s)
    and |s'| ≤ ¼ (+ the width of s), x = π·s' with |x| ≤ 1, then the quarter turn n (exact sign
    changes and swaps)."""
    n = np.floor(2.0 * intervals.midpoint(s) + 0.5)
    reduced = (s - n / 2.0) * pi
    sine, cosine = sin_small(reduced), cos_small(reduced)
    quarter = int(n) % 4
    if quarter == 0:
        return sine, cosine
    if quarter == 1:
        return cosine, -sine
    if quarter == 2:
        return -sine, -cosine
    return -cosine, sine


# --- the start sets ---------------------------------------------------------------------------------

@register_jitable
def _rectangle(pi, radius, u0, u1, q0, q1):
    """(middle, spread, across, cos θ_m, sin θ_m) of a root cell's rectangle (module docstring)."""
    one = intervals.like(radius, 1.0, 1.0)
    turn = one * q0 + q1                                      # θ_m = π·turn
    half = one * q1 - q0                                      # h = π·half
    sin_m, cos_m = sin_cos_pi(turn, pi)
    sin_h, cos_h = sin_cos_pi(half, pi)
    near, far = radius * u0 * cos_h, radius * u1
    return (near + far) / 2.0, (far - near) / 2.0, far * sin_h, cos_m, sin_m


@register_jitable
def _y_slope(t, speed):
    """y'(t) = −t/(√(1 − t²)√κ)."""
    return -(t / intervals.sqrt(1.0 - intervals.sqr(t))) * speed


def _start_loop(roots, radius, speed, pi, finite, centre, matrix, error_lo, error_hi):
    """The start set of each root cell (rows of ``roots``: u₀, u₁, q₀, q₁, t₀, t₁)."""
    reference = radius
    zero = intervals.like(reference, 0.0, 0.0)
    for i in range(roots.shape[0]):
        u0, u1, q0, q1, t0, t1 = roots[i, 0], roots[i, 1], roots[i, 2], roots[i, 3], roots[i, 4], roots[i, 5]
        middle, spread, across, cos_m, sin_m = _rectangle(pi, radius, u0, u1, q0, q1)
        x_centre, y_centre, x_column, y_column, slack = zero, speed, zero, zero, 0.0
        if finite:
            low, high = intervals.like(reference, t0, t0), intervals.like(reference, t1, t1)
            t_mid, t_half = (low + high) / 2.0, (high - low) / 2.0
            x_centre, x_column = t_mid * speed, t_half * speed
            if t0 > -1.0 and t1 < 1.0:
                y_centre = intervals.sqrt(1.0 - intervals.sqr(t_mid)) * speed
                at_mid = _y_slope(t_mid, speed)
                y_column = at_mid * t_half
                slopes = intervals.hull(_y_slope(low, speed), _y_slope(high, speed))
                slack = abs((slopes - at_mid) * t_half).hi
            else:            # y's range: its values at the ends, and its top 1/√κ at t = 0
                ends = intervals.hull(intervals.sqrt(1.0 - intervals.sqr(low)) * speed,
                                      intervals.sqrt(1.0 - intervals.sqr(high)) * speed)
                y_centre = intervals.hull(ends, speed) if t0 <= 0.0 <= t1 else ends
        exact = (x_centre, y_centre, middle * cos_m, middle * sin_m)
        columns = ((zero, zero, spread * cos_m, spread * sin_m), (zero, zero, -(across * sin_m), across * cos_m),
                   (x_column, y_column, zero, zero))
        for j in range(4):
            centre[i, j] = intervals.midpoint(exact[j])
            total = exact[j] - centre[i, j]
            if j == 1:
                total = total + intervals.like(reference, -slack, slack)
            for m in range(3):
                entry = columns[m][j]
                matrix[i, j, m] = intervals.midpoint(entry)
                reach = abs(entry - matrix[i, j, m]).hi
                total = total + intervals.like(reference, -reach, reach)
            error_lo[i, j], error_hi[i, j] = total.lo, total.hi


def _box_loop(roots, cells, radius, pi, finite, lo, hi):
    """The box of w (in its root's rectangle) holding every start of each cell (rows; cells ⊂
    roots): ρ = Ru cos α ∈ [Ru₀ cos(max |α|), Ru₁ cos(min |α|)] (|α| ≤ h ≤ π/4, where cos
    decreases in |α|) and τ = Ru sin α between its values at the cell's corners (sin increases
    on [−h, h]); w₂ = (t − t_m)/t_half. Clamped to [−1, 1] (the root's own box)."""
    reference = radius
    one = intervals.like(reference, 1.0, 1.0)
    for i in range(roots.shape[0]):
        for m in range(3):
            lo[i, m], hi[i, m] = -1.0, 1.0
        if radius.hi > 0.0:
            middle, spread, across, _, _ = _rectangle(pi, radius, roots[i, 0], roots[i, 1], roots[i, 2], roots[i, 3])
            turn = one * roots[i, 2] + roots[i, 3]
            first = (one * cells[i, 2] * 2.0 - turn) * pi              # α at the cell's angular ends
            last = (one * cells[i, 3] * 2.0 - turn) * pi
            widest = max(max(-first.lo, first.hi), max(-last.lo, last.hi))
            through_zero = first.lo <= 0.0 <= last.hi
            narrowest = 0.0 if through_zero else min(min(abs(first.lo), abs(first.hi)),
                                                     min(abs(last.lo), abs(last.hi)))
            inner, outer = radius * cells[i, 0], radius * cells[i, 1]
            rho_lo = (inner * cos_small(intervals.like(reference, widest, widest)) - middle) / spread
            rho_hi = (outer * cos_small(intervals.like(reference, narrowest, narrowest)) - middle) / spread
            sin_first, sin_last = sin_small(first), sin_small(last)
            # τ's least value: at the start angle, with the outer radius where sin < 0 (both where unsure)
            tau_lo = intervals.hull(inner * sin_first, outer * sin_first) / across
            tau_hi = intervals.hull(inner * sin_last, outer * sin_last) / across
            lo[i, 0], hi[i, 0] = max(rho_lo.lo, -1.0), min(rho_hi.hi, 1.0)
            lo[i, 1], hi[i, 1] = max(tau_lo.lo, -1.0), min(tau_hi.hi, 1.0)
        if finite:
            low, high = intervals.like(reference, roots[i, 4], roots[i, 4]), intervals.like(reference, roots[i, 5],
                                                                                             roots[i, 5])
            t_mid, t_half = (low + high) / 2.0, (high - low) / 2.0
            lo[i, 2] = max(((one * cells[i, 4] - t_mid) / t_half).lo, -1.0)
            hi[i, 2] = min(((one * cells[i, 5] - t_mid) / t_half).hi, 1.0)


def _restrict_loop(reference, centre, matrix, error_lo, error_hi, box_lo, box_hi, part_lo, part_hi,
                   new_centre, new_matrix, new_lo, new_hi):
    """Each set (rows) restricted to the starts whose w (in the root's rectangle) lies in the part
    ⊂ its box: its own w' ∈ [−1, 1]³ stands for w = mid(box) + half(box)·w', so the part is
    w' ∈ shift + scale·[−1, 1], and the set c + A·(shift + scale·w'') + E is re-centred:
    c' = c + A·shift, A' = A·diag(scale) (floats near the interval values), E' = E + their
    rounding."""
    for i in range(centre.shape[0]):
        exact_shift = [intervals.like(reference, 0.0, 0.0)] * 3
        exact_scale = [intervals.like(reference, 1.0, 1.0)] * 3
        for m in range(3):
            used = False
            for j in range(4):
                used |= matrix[i, j, m] != 0.0
            if box_hi[i, m] > box_lo[i, m] and used:
                one = intervals.like(reference, 1.0, 1.0)
                middle = (one * box_lo[i, m] + box_hi[i, m]) / 2.0
                half = (one * box_hi[i, m] - box_lo[i, m]) / 2.0
                exact_shift[m] = ((one * part_lo[i, m] + part_hi[i, m]) / 2.0 - middle) / half
                exact_scale[m] = (one * part_hi[i, m] - part_lo[i, m]) / 2.0 / half
        for j in range(4):
            total = intervals.like(reference, centre[i, j], centre[i, j])
            for m in range(3):
                total = total + exact_shift[m] * matrix[i, j, m]
            new_centre[i, j] = intervals.midpoint(total)
            slack = total - new_centre[i, j] + intervals.like(reference, error_lo[i, j], error_hi[i, j])
            for m in range(3):
                column = exact_scale[m] * matrix[i, j, m]
                new_matrix[i, j, m] = intervals.midpoint(column)
                reach = abs(column - new_matrix[i, j, m]).hi
                slack = slack + intervals.like(reference, -reach, reach)
            new_lo[i, j], new_hi[i, j] = slack.lo, slack.hi


STARTS_SOURCES = (*intervals.INTERVAL_SOURCES, Path(__file__))
_COMPILED: dict[str, Any] = {}


def _compiled(name: str):
    if name not in _COMPILED:
        loops: dict[str, Callable[..., Any]] = {"start": _start_loop, "box": _box_loop, "restrict": _restrict_loop}
        loop = loops[name]
        _COMPILED[name] = intervals.compile_cached(loop, parallel=False, sources=STARTS_SOURCES)
    return _COMPILED[name]


class StartConstants(NamedTuple):
    """R = √(r/k), ‖v₀‖ = 1/√κ and π as intervals of one arithmetic, and whether p is finite."""

    radius: Any
    speed: Any
    pi: Any
    finite: bool


def start_constants(k: int, r: float, kappa: float, finite: bool, pi) -> StartConstants:
    """The constants of (k, r, κ), enclosed in arb and rounded outward, in the arithmetic of the
    interval ``pi`` (the step constants' π: a planted fault's arithmetic, if any)."""
    import flint

    from theory import box_step
    with box_step._precision(box_step.CONSTANTS_PRECISION):
        return StartConstants(box_step.enclosure((flint.arb(r) / k).sqrt(), pi.fault),
                              box_step.enclosure(1 / flint.arb(kappa).sqrt(), pi.fault), pi, bool(finite))


def start_sets(roots: np.ndarray, constants: StartConstants) -> lohner.CellSets:
    """The start sets of root cells (rows u₀, u₁, q₀, q₁, t₀, t₁; q₁ − q₀ ≤ ¼)."""
    roots = np.ascontiguousarray(roots, dtype=np.float64).reshape(-1, 6)
    n = roots.shape[0]
    centre, matrix = np.empty((n, 4)), np.empty((n, 4, PARAMETERS))
    error_lo, error_hi = np.empty((n, 4)), np.empty((n, 4))
    _compiled("start")(roots, constants.radius, constants.speed, constants.pi, constants.finite, centre, matrix,
                       error_lo, error_hi)
    return lohner.CellSets.start(centre, matrix, error_lo, error_hi)


def sub_boxes(roots: np.ndarray, cells: np.ndarray, constants: StartConstants) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi), each (n, 3): the box of w in each root's rectangle holding the starts of the cell."""
    roots = np.ascontiguousarray(roots, dtype=np.float64).reshape(-1, 6)
    cells = np.ascontiguousarray(cells, dtype=np.float64).reshape(-1, 6)
    lo, hi = np.empty((roots.shape[0], 3)), np.empty((roots.shape[0], 3))
    _compiled("box")(roots, cells, constants.radius, constants.pi, constants.finite, lo, hi)
    return lo, hi


def restrict(sets: lohner.CellSets, box: tuple[np.ndarray, np.ndarray], part: tuple[np.ndarray, np.ndarray],
             constants: StartConstants) -> lohner.CellSets:
    """Each set restricted to the starts whose w lies in ``part`` ⊂ ``box`` (:func:`_restrict_loop`);
    the last step's enclosure and the step count are kept (the part's states are among the set's)."""
    n = sets.centre.shape[0]
    centre, matrix = np.empty((n, 4)), np.empty((n, 4, PARAMETERS))
    new_lo, new_hi = np.empty((n, 4)), np.empty((n, 4))
    _compiled("restrict")(constants.radius, sets.centre, sets.matrix, sets.error_lo, sets.error_hi,
                          *(np.ascontiguousarray(a) for a in (*box, *part)), centre, matrix, new_lo, new_hi)
    return lohner.CellSets.start(centre, matrix, new_lo, new_hi, sets.known_lo.copy(), sets.known_hi.copy(),
                                 sets.step.copy())

