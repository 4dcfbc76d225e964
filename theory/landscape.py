"""The population loss landscape ℓ(v, a): value, gradient and Hessian.

``dps=None`` evaluates in float64; ``dps=N`` evaluates the same closed forms in mpmath at
N decimal digits (float64 inputs enter exactly; mpf inputs are used as given).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import mpmath
import numpy as np

from theory import formulas, precision, validation
from theory.arith import arith_for
from theory.teacher import Teacher

__all__ = ["CriticalPoint", "cone_point", "critical_points", "global_minimum", "gradient", "has_spurious_minimum",
           "hessian", "inertia", "loss", "optimal_a", "profile", "profile_slope", "reduced_loss", "saddle_angle",
           "spurious_loss", "spurious_point"]


class _Point(NamedTuple):
    """A validated point (v, a) and the teacher, converted into one arithmetic."""

    ar: object
    v: np.ndarray
    a: np.ndarray
    w_star: np.ndarray
    a_star: np.ndarray
    c: object
    s: object


def _point(teacher: Teacher, v, a, ar) -> _Point:
    validation.teacher(teacher)
    exact = ar is not arith_for(None)
    v = validation.vector(v, "v", teacher.p, exact=exact)
    a = validation.vector(a, "a", teacher.k, exact=exact)
    validation.nonzero(v, "v")
    w_star, a_star = ar.vector(teacher.w_star), ar.vector(teacher.a_star)
    return _Point(ar, ar.vector(v), ar.vector(a), w_star, a_star,
                  formulas.norm(w_star, ar), a_star.sum())


def _finite_float(x, name: str, v) -> None:
    if not np.all(np.isfinite(x)):
        # the scaled norm: np.linalg.norm underflows to 0 for a subnormal v (it printed "‖v‖ = 0")
        raise ValueError(f"{name} overflows float64 at ‖v‖ = {validation.row_norms(np.asarray(v)[None, :])[0]:.3g}; "
                         "pass dps=N to evaluate in mpmath")


def _loss(pt: _Point):
    ar = pt.ar
    return formulas.loss_from_scalars(
        ar, angle=formulas.angle_between(pt.v, pt.w_star, ar),
        a_sq=pt.a @ pt.a, a_sum=pt.a.sum(), a_dot=pt.a @ pt.a_star,
        c=pt.c, s=pt.s, astar_sq=pt.a_star @ pt.a_star)


def loss(teacher: Teacher, v, a, dps: int | None = None):
    """Closed-form population loss ℓ(v, a) = ½ E_Z[(f(Z; v/‖v‖, a) − f(Z; w*, a*))²].

    Returns a Python float (``dps=None``) or an ``mpmath.mpf`` at ``dps`` digits.
    """
    ar = arith_for(dps)
    with ar.precision():
        point = _point(teacher, v, a, ar)
        with np.errstate(over="ignore", invalid="ignore"):
            value = _loss(point)
        if dps is None:
            _finite_float(value, "the loss", point.v)
        return float(value) if dps is None else +value


def gradient(teacher: Teacher, v, a, dps: int | None = None):
    """``(∂ℓ/∂v, ∂ℓ/∂a)``: float64 arrays, or lists of mpf when ``dps`` is set."""
    ar = arith_for(dps)
    # Overflow at subnormal ‖v‖ is detected below and reported as a ValueError.
    with ar.precision(), np.errstate(over="ignore", invalid="ignore"):
        pt = _point(teacher, v, a, ar)
        geo = formulas.geometry(pt.v, pt.w_star, ar)
        gv = formulas.grad_v(ar, geo=geo, a_dot=pt.a @ pt.a_star)
        ga = formulas.grad_a(ar, a=pt.a, a_star=pt.a_star, angle=geo.angle, c=pt.c, s=pt.s)
        if dps is None:
            _finite_float(gv, "gradient", pt.v)
            return np.asarray(gv, dtype=float), np.asarray(ga, dtype=float)
        return [+x for x in gv], [+x for x in ga]


def hessian(teacher: Teacher, v, a, dps: int | None = None):
    """The (p+k)×(p+k) Hessian in the coordinates (v, a).

    A float64 ndarray, or an ``mpmath.matrix`` when ``dps`` is set. ℓ is twice
    continuously differentiable everywhere with v ≠ 0, including φ ∈ {0, π}.
    """
    ar = arith_for(dps)
    with ar.precision(), np.errstate(over="ignore", invalid="ignore"):
        pt = _point(teacher, v, a, ar)
        geo = formulas.geometry(pt.v, pt.w_star, ar)
        h_vv, h_va, h_aa = formulas.hessian_blocks(
            ar, geo=geo, a_dot=pt.a @ pt.a_star, a_star=pt.a_star, c=pt.c)
        full = np.block([[h_vv, h_va], [h_va.T, h_aa]])
        if dps is None:
            full = np.asarray(full, dtype=float)
            _finite_float(full, "Hessian", pt.v)
            return full
        return mpmath.matrix(full.tolist())


# --- Critical points --------------------------------------------------------------------

def _teacher_arith(teacher: Teacher, dps: int | None):
    validation.teacher(teacher)
    ar = arith_for(dps)
    return ar, ar.vector(teacher.w_star), ar.vector(teacher.a_star)


def _out(vector, dps):
    return np.asarray(vector, dtype=float) if dps is None else [+x for x in vector]


def _minimum_on_axis(teacher: Teacher, at_pi: bool, dps):
    """(±w*/‖w*‖, a(φ)) for φ = 0 (the global minimum) or φ = π (the spurious point)."""
    ar, w_star, a_star = _teacher_arith(teacher, dps)
    with ar.precision():
        angle = formulas.angle_from_delta(0, ar) if at_pi else formulas.angle_from_phi(0, ar)
        a = formulas.optimal_a(ar, angle=angle, a_star=a_star, c=formulas.norm(w_star, ar),
                               s=a_star.sum())
        w_hat = formulas.unit(w_star, ar)
        return _out(-w_hat if at_pi else w_hat, dps), _out(a, dps)


def global_minimum(teacher: Teacher, dps: int | None = None):
    """(v, a) = (w*/‖w*‖, ‖w*‖ a*): ℓ = 0 there (and along v = λ w*, λ > 0)."""
    return _minimum_on_axis(teacher, False, dps)


def spurious_point(teacher: Teacher, dps: int | None = None):
    """(v, a) = (−w*/‖w*‖, a_s), a_s = (‖w*‖/(π−1)) [−a* + π (1ᵀa*)/(k+π−1) · 1].

    A critical point for every teacher; a local minimum iff :func:`has_spurious_minimum`.
    """
    return _minimum_on_axis(teacher, True, dps)


def has_spurious_minimum(teacher: Teacher) -> bool:
    """(1ᵀa*)² < ((k + π − 1)/π) ‖a*‖², decided exactly (never misclassifies near the boundary).

    For p ≥ 2 this is when the spurious point is a local minimum. For p = 1 the angle can
    only be 0 or π, so the spurious point is a local minimum for every teacher; this
    function still answers the condition itself.
    """
    validation.teacher(teacher)
    from theory.certify import spurious_condition
    return spurious_condition(teacher)


def saddle_angle(teacher: Teacher, dps: int = 50):
    """φ_s with a(φ_s)ᵀa* = 0 (an mpf in [π/2, π)), or None when no saddle cone exists."""
    if not has_spurious_minimum(teacher) or teacher.p < 2:
        return None
    ar, _, a_star = _teacher_arith(teacher, dps)
    with ar.precision():
        target = formulas.saddle_g(ar, k=teacher.k, s=a_star.sum(), astar_sq=a_star @ a_star)
        if target == 1:  # 1ᵀa* = 0: the cone sits exactly at φ = π/2, where g = 1
            return ar.pi / 2
        return ar.pi_minus(_solve_g_by_delta(target, ar))


def _solve_g_by_delta(target, ar):
    """δ ∈ (0, π/2] with g(π − δ) = target ∈ (0, 1], by bisection on δ to full relative precision.

    g(π − δ) = sin δ − δ cos δ increases strictly in δ, from 0 (like δ³/3) to 1 at δ = π/2;
    bisecting δ (not φ) keeps relative accuracy when the root is close to π. Guard digits,
    more the smaller the target, absorb the cancellation in sin δ − δ cos δ.
    """
    if not 0 < target <= 1:
        raise ValueError(f"g(φ_s) = {target} lies outside (0, 1]: no saddle angle in [π/2, π)")
    # sin δ − δ cos δ ≈ δ³/3 cancels about 2·log10(1/δ) ≈ (2/3)·log10(1/target) digits.
    cancelled = int(mpmath.ceil(-2 * mpmath.log10(target) / 3))
    with precision.extradps(30 + cancelled):
        lo, hi = mpmath.mpf(0), mpmath.pi / 2
        eps = mpmath.mpf(10) ** (-(mpmath.mp.dps - 25 - cancelled))
        # Each halving gains a bit; δ³/3 ≈ target bounds the bits before the root's leading one.
        halvings_left = mpmath.mp.prec + int(-mpmath.log(target, 2) / 3) + 64
        while hi - lo > eps * hi:
            if halvings_left == 0:  # only if the working precision changed under us
                raise ArithmeticError("saddle-angle bisection did not converge: mpmath's precision "
                                      "was changed during it (use theory.precision.workdps in threads)")
            halvings_left -= 1
            mid = (lo + hi) / 2
            if formulas.g(formulas.angle_from_delta(mid, ar), ar) < target:
                lo = mid
            else:
                hi = mid
        root = (lo + hi) / 2
    return +root


class CriticalPoint(NamedTuple):
    """A critical point (a representative v for the saddle cone) with its loss and inertia.

    ``inertia`` = (positive, zero, negative) eigenvalue counts of the Hessian in (v, a),
    zero meaning |λ| ≤ 1e-25 · max|λ| at 40 digits.
    """

    kind: str
    phi: float
    v: np.ndarray
    a: np.ndarray
    loss: float
    inertia: tuple[int, int, int]


def inertia(teacher: Teacher, v, a, dps: int = 40, rel_zero: float = 1e-25) -> tuple[int, int, int]:
    with precision.workdps(dps):
        eigenvalues = mpmath.eigsy(hessian(teacher, v, a, dps=dps), eigvals_only=True)
        values = [eigenvalues[i] for i in range(eigenvalues.rows)]
        zero = rel_zero * max(abs(x) for x in values)
        return (sum(x > zero for x in values), sum(abs(x) <= zero for x in values),
                sum(x < -zero for x in values))


def critical_points(teacher: Teacher, dps: int = 40) -> list[CriticalPoint]:
    """Every critical point up to v's positive scale: global, spurious and (if any) the saddle cone.

    ∂ℓ/∂v = 0 iff φ ∈ {0, π} or aᵀa* = 0, and ∂ℓ/∂a = 0 iff a = a(φ); a(φ)ᵀa* decreases
    strictly in φ, so the saddle cone (a(φ)ᵀa* = 0 with 0 < φ < π) has at most one angle.
    The spurious point is listed whether or not it is a local minimum (its inertia and
    :func:`has_spurious_minimum` tell). Locations, losses and inertias are computed at
    ``dps`` digits, so float64 rounding of the location cannot fake tiny eigenvalues.
    """
    located = [("global", 0.0, *global_minimum(teacher, dps)),
               ("spurious", math.pi, *spurious_point(teacher, dps))]
    phi_s = saddle_angle(teacher, dps)
    if phi_s is not None:
        located.append(("saddle", float(phi_s), cone_point(teacher, phi_s, dps),
                        optimal_a(teacher, phi_s, dps)))
    return [CriticalPoint(kind, phi, np.array(v, dtype=float), np.array(a, dtype=float),
                          float(loss(teacher, v, a, dps)), inertia(teacher, v, a, dps))
            for kind, phi, v, a in located]


def cone_point(teacher: Teacher, phi, dps: int | None = None):
    """A unit v at angle φ from w* (a fixed representative of the cone of such v).

    For p = 1 only φ ∈ {0, π} exist, and other angles raise ValueError.
    """
    ar, w_star, _ = _teacher_arith(teacher, dps)
    with ar.precision():
        angle = formulas.angle_from_phi(phi, ar)
        if teacher.p == 1 and angle.phi != 0 and angle.delta != 0:
            raise ValueError(f"phi must be 0 or π when p = 1, got {phi}")
        return _out(_cone_representative(w_star, phi, ar), dps)


def _cone_representative(w_star: np.ndarray, phi, ar) -> list:
    """A unit vector at angle φ from w*, turned towards the coordinate axis least aligned with it."""
    w_hat = formulas.unit(w_star, ar)
    e = ar.vector(np.zeros(len(w_hat)))
    e[int(np.argmin([abs(x) for x in w_hat]))] = ar.scalar(1)
    if len(w_hat) > 1:
        e = formulas.unit(e - (e @ w_hat) * w_hat, ar)
    sin_phi, cos_phi = formulas.sin_cos(formulas.angle_from_phi(phi, ar), ar)
    return [+x for x in cos_phi * w_hat + sin_phi * e]


# --- Reduced coordinates (φ, a) -------------------------------------------------------------

def _reduced(teacher: Teacher, phi, dps):
    ar, w_star, a_star = _teacher_arith(teacher, dps)
    angle = formulas.angle_from_phi(phi, ar)
    if not 0 <= angle.phi <= ar.pi:
        raise ValueError(f"phi must lie in [0, π], got {phi}")
    return ar, angle, formulas.norm(w_star, ar), a_star


def reduced_loss(teacher: Teacher, phi, a, dps: int | None = None):
    """ℓ as a function of the angle φ = ∠(v, w*) and a (ℓ depends on v only through φ)."""
    ar = arith_for(dps)
    with ar.precision():
        ar, angle, c, a_star = _reduced(teacher, phi, dps)
        a = ar.vector(validation.vector(a, "a", teacher.k, exact=dps is not None))
        value = formulas.loss_from_scalars(ar, angle=angle, a_sq=a @ a, a_sum=a.sum(),
                                           a_dot=a @ a_star, c=c, s=a_star.sum(),
                                           astar_sq=a_star @ a_star)
        return float(value) if dps is None else +value


def optimal_a(teacher: Teacher, phi, dps: int | None = None):
    """a(φ) = argmin_a ℓ(φ, a); a(0) = ‖w*‖a*, a(π) = a_s."""
    ar = arith_for(dps)
    with ar.precision():
        ar, angle, c, a_star = _reduced(teacher, phi, dps)
        return _out(formulas.optimal_a(ar, angle=angle, a_star=a_star, c=c, s=a_star.sum()), dps)


def profile(teacher: Teacher, phi, dps: int | None = None):
    """m(φ) = min_a ℓ(φ, a) = ℓ(φ, a(φ))."""
    return reduced_loss(teacher, phi, optimal_a(teacher, phi, dps), dps)


def profile_slope(teacher: Teacher, phi, dps: int | None = None):
    """m'(φ) = (π − φ) sin φ · ‖w*‖ a(φ)ᵀa* / (2π): m decreases towards π while a(φ)ᵀa* < 0."""
    ar = arith_for(dps)
    with ar.precision():
        ar, angle, c, a_star = _reduced(teacher, phi, dps)
        a = formulas.optimal_a(ar, angle=angle, a_star=a_star, c=c, s=a_star.sum())
        value = formulas.profile_slope(ar, angle=angle, a_dot_opt=a @ a_star, c=c)
        return float(value) if dps is None else +value


def spurious_loss(teacher: Teacher, dps: int | None = None):
    """ℓ(−w*, a_s) = ‖w*‖² [(π − 2)‖a*‖² + π (1ᵀa*)²/(k + π − 1)] / (4(π − 1)) > 0."""
    ar, w_star, a_star = _teacher_arith(teacher, dps)
    with ar.precision():
        value = formulas.spurious_loss(ar, k=teacher.k, c=formulas.norm(w_star, ar),
                                       s=a_star.sum(), astar_sq=a_star @ a_star)
        return float(value) if dps is None else +value
