"""The population loss landscape ℓ(v, a): value, gradient and Hessian.

``dps=None`` evaluates in float64; ``dps=N`` evaluates the same closed forms in mpmath at
N decimal digits (float64 inputs enter exactly; mpf inputs are used as given).
"""

from __future__ import annotations

from typing import NamedTuple

import mpmath
import numpy as np

from theory import formulas, validation
from theory.arith import arith_for
from theory.teacher import Teacher


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
    if not isinstance(teacher, Teacher):
        raise ValueError(f"teacher must be a theory.Teacher, got {type(teacher).__name__}")
    exact = ar is not arith_for(None)
    v = validation.vector(v, "v", teacher.p, exact=exact)
    a = validation.vector(a, "a", teacher.k, exact=exact)
    validation.nonzero(v, "v")
    w_star, a_star = ar.vector(teacher.w_star), ar.vector(teacher.a_star)
    return _Point(ar, ar.vector(v), ar.vector(a), w_star, a_star,
                  formulas.norm(w_star, ar), a_star.sum())


def _finite_float(x, name: str, v) -> None:
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} overflows float64 at ‖v‖ = {np.linalg.norm(v):.3g}; "
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
        value = _loss(_point(teacher, v, a, ar))
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
