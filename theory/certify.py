"""Rigorous statements about a teacher, proved with exact rationals and arb ball arithmetic.

Float64 teacher entries are exact dyadic rationals, so s = 1ᵀa* and ‖a*‖² are exact
rationals (python-flint ``fmpq``). The spurious-minimum condition π s² < (k + π − 1)‖a*‖²
compares them through π, which is irrational: it is therefore never an exact tie except in
the rational case s² = ‖a*‖², and an arb enclosure of π at enough bits always decides it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from theory import formulas
from theory.arith import ArbArith
from theory.teacher import Teacher

__all__ = ["MAX_PREC", "SpuriousCertificate", "certify_spurious", "exact_sums", "spurious_condition"]

MAX_PREC = 1 << 16


def _fmpq(x: float):
    import flint
    num, den = float(x).as_integer_ratio()
    return flint.fmpq(num, den)


def exact_sums(teacher: Teacher):
    """(s, ‖a*‖²) as exact rationals."""
    entries = [_fmpq(x) for x in teacher.a_star]
    return sum(entries), sum(e * e for e in entries)


def _clear_in_float64(teacher: Teacher) -> bool | None:
    """The condition's answer when float64 already settles it, else None.

    First with numpy's sums (any summation order: |fl(Σ) − Σ| ≤ γ_k·Σ|terms|, γ_k = ku/(1 − ku),
    u = 2⁻⁵³, products included for ‖a*‖²), which costs milliseconds at k = 10⁶, then with
    math.fsum, which is correctly rounded, so s and ‖a*‖² (a sum of rounded squares) carry
    relative errors below 2ε; with the final products and differences, the error of
    (k + π − 1)‖a*‖² − π s² stays below 8ε((k + π)‖a*‖² + π s²).
    """
    a, k = teacher.a_star, teacher.k
    gamma = k * 2.0 ** -53 / (1 - k * 2.0 ** -53)
    s, a_sq, abs_sum = float(a.sum()), float(a @ a), float(np.abs(a).sum())
    s_error = 2 * gamma * abs_sum                       # twice the bound: Σ|a| is itself rounded
    squares_error = s_error * (2 * abs(s) + s_error)    # of s², from |ŝ² − s²| ≤ e(2|ŝ| + e)
    room = (k + math.pi - 1) * a_sq - math.pi * s * s
    error = (2 * gamma * (k + math.pi) * a_sq + math.pi * squares_error
             + 8 * 2.0 ** -52 * ((k + math.pi) * a_sq + math.pi * s * s))
    if abs(room) > 2 * error:
        return room > 0
    s, a_sq = math.fsum(teacher.a_star), math.fsum(teacher.a_star * teacher.a_star)
    room = (teacher.k + math.pi - 1) * a_sq - math.pi * s * s
    if abs(room) > 8 * 2.0 ** -52 * ((teacher.k + math.pi) * a_sq + math.pi * s * s):
        return room > 0
    return None


@functools.lru_cache(maxsize=1024)   # teachers are immutable (and hash in O(1) after the first time)
def spurious_condition(teacher: Teacher) -> bool:
    """Decide π s² < (k + π − 1)‖a*‖² exactly, i.e. π (s² − ‖a*‖²) < (k − 1)‖a*‖²: in float64
    with a rigorous error bound where that settles it (any k, fast), else in exact rationals."""
    import flint
    clear = _clear_in_float64(teacher)
    if clear is not None:
        return clear
    s, a_sq = exact_sums(teacher)
    excess, room = s * s - a_sq, (teacher.k - 1) * a_sq
    if excess == 0:            # rational tie on the π side: decided by k alone (k = 1 → equality)
        return room > 0
    if excess < 0:             # left side negative, right side ≥ 0
        return True
    threshold = room / excess  # condition ⟺ π < threshold (a rational ≠ π)
    prec = 64
    while prec <= MAX_PREC:
        with _precision(prec):
            pi, q = flint.arb.pi(), flint.arb(threshold)
            if pi < q:
                return True
            if pi > q:
                return False
        prec *= 2
    raise ArithmeticError("π against a rational was not decided at 65536 bits (cannot happen for "
                          "float64 inputs)")


def _precision(prec: int):
    return ArbArith(prec).precision()


@dataclass(frozen=True)
class SpuriousCertificate:
    """Arb enclosures (as strings) and the signs they prove; ``None`` where a ball contains 0."""

    a_s_dot_a_star: str
    loss_gap: str
    a_s_dot_sign: int | None
    loss_gap_sign: int | None
    prec: int

    @property
    def proves_local_minimum(self) -> bool:
        """a_sᵀa* < 0 (with the m'(φ) identity) proves the spurious point is a local minimum."""
        return self.a_s_dot_sign == -1


def _sign(ball) -> int | None:
    if ball > 0:
        return 1
    if ball < 0:
        return -1
    return None


def certify_spurious(teacher: Teacher, prec: int = 256) -> SpuriousCertificate:
    """Enclose a_sᵀa* and ℓ(spurious) − ℓ(global) with arb, from the shared closed forms.

    Both are evaluated by the same :mod:`theory.formulas` code as the float64 and mpmath
    paths (:func:`formulas.optimal_a`, :func:`formulas.loss_from_scalars`), so the
    certificate is about the implemented formulas, not a hand copy.
    """
    ar = ArbArith(prec)
    with ar.precision():
        w_star, a_star = ar.vector(teacher.w_star), ar.vector(teacher.a_star)
        c, s, a_sq = formulas.norm(w_star, ar), a_star.sum(), a_star @ a_star
        at_pi, at_zero = formulas.angle_from_delta(0, ar), formulas.angle_from_phi(0, ar)

        def loss_at(angle):
            a = formulas.optimal_a(ar, angle=angle, a_star=a_star, c=c, s=s)
            return formulas.loss_from_scalars(ar, angle=angle, a_sq=a @ a, a_sum=a.sum(),
                                              a_dot=a @ a_star, c=c, s=s, astar_sq=a_sq), a

        spurious_value, a_s = loss_at(at_pi)
        global_value, _ = loss_at(at_zero)
        a_s_dot = a_s @ a_star
        gap = spurious_value - global_value
        return SpuriousCertificate(a_s_dot.str(20, radius=True), gap.str(20, radius=True),
                                   _sign(a_s_dot), _sign(gap), prec)
