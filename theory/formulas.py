"""The closed forms of the model, each written exactly once.

Every function takes an arithmetic ``ar`` from :mod:`theory.arith` and is evaluated
unchanged in float64, mpmath or arb. Vectors are numpy arrays (``object`` arrays outside
float64). Notation follows ``docs/mathematics.md``: ``c = ‖w*‖``, ``s = 1ᵀa*``,
``g(φ) = (π − φ) cos φ + sin φ``.

Angles are carried as the pair (φ, δ = π − φ), each computed directly from the vectors,
so both ends φ → 0 and φ → π keep full relative accuracy and |cos φ| never rounds past 1.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

__all__ = ["Angle", "Geometry", "angle_between", "angle_from_delta", "angle_from_phi", "g", "geometry", "grad_a",
           "grad_v", "hessian_blocks", "loss_from_scalars", "norm", "optimal_a", "optimal_a_coefficients",
           "profile_from_scalars", "profile_slope", "relu_cross_moment", "relu_mean", "relu_second_moment", "saddle_g",
           "sin_cos", "spurious_loss", "unit"]


class Angle(NamedTuple):
    """An angle φ ∈ [0, π] together with its supplement δ = π − φ."""

    phi: Any
    delta: Any


def angle_from_phi(phi, ar) -> Angle:
    phi = ar.scalar(phi)
    return Angle(phi, ar.pi_minus(phi))


def angle_from_delta(delta, ar) -> Angle:
    delta = ar.scalar(delta)
    return Angle(ar.pi_minus(delta), delta)


def norm(x: np.ndarray, ar):
    """Euclidean norm, scaled first so that tiny or huge vectors neither underflow nor overflow."""
    scale = np.max(np.abs(x))
    if scale == 0:
        return scale
    y = x / scale
    return scale * ar.sqrt(y @ y)


def unit(x: np.ndarray, ar) -> np.ndarray:
    scale = np.max(np.abs(x))
    y = x / scale
    return y / ar.sqrt(y @ y)


def angle_between(u: np.ndarray, w: np.ndarray, ar) -> Angle:
    """Kahan's formula φ = 2 atan2(‖û − ŵ‖, ‖û + ŵ‖): accurate at 0, π and everywhere between."""
    uh, wh = unit(u, ar), unit(w, ar)
    d, s = norm(uh - wh, ar), norm(uh + wh, ar)
    return Angle(2 * ar.atan2(d, s), 2 * ar.atan2(s, d))


def sin_cos(angle: Angle, ar):
    """(sin φ, cos φ), taken from whichever of φ, δ is smaller (the accurate one)."""
    if getattr(ar, "elementwise", False):   # arrays of angles: choose per element, one sin and cos each
        near_zero = angle.phi <= angle.delta
        chosen = np.where(near_zero, angle.phi, angle.delta)
        cos_chosen = ar.cos(chosen)
        return ar.sin(chosen), np.where(near_zero, cos_chosen, -cos_chosen)
    if angle.phi <= angle.delta:
        return ar.sin(angle.phi), ar.cos(angle.phi)
    return ar.sin(angle.delta), -ar.cos(angle.delta)


def g(angle: Angle, ar):
    """g(φ) = (π − φ) cos φ + sin φ, the normalized arc-cosine kernel of degree 1."""
    sin_phi, cos_phi = sin_cos(angle, ar)
    return angle.delta * cos_phi + sin_phi


# --- Gaussian ReLU moments, z ~ N(0, I) -------------------------------------------------

def relu_mean(norm_u, ar):
    """E[σ(uᵀz)] = ‖u‖ / √(2π)."""
    return norm_u / ar.sqrt(2 * ar.pi)


def relu_second_moment(norm_u, ar):
    """E[σ(uᵀz)²] = ‖u‖² / 2."""
    return norm_u * norm_u / 2


def relu_cross_moment(norm_u, norm_w, angle: Angle, ar):
    """E[σ(uᵀz) σ(wᵀz)] = ‖u‖ ‖w‖ g(θ) / (2π)."""
    return norm_u * norm_w * g(angle, ar) / (2 * ar.pi)


# --- Population loss, from the moments ------------------------------------------------

def loss_from_scalars(ar, *, angle: Angle, a_sq, a_sum, a_dot, c, s, astar_sq):
    """ℓ = ½ E[(f − f*)²] for the normalized student w = v/‖v‖.

    Patches are independent, so E[f f'] = (aᵀa')·E[σσ'] + ((1ᵀa)(1ᵀa') − aᵀa')·E[σ]E[σ'].
    The loss depends on a only through ‖a‖², 1ᵀa and aᵀa*, which the batched engine and
    the certificates exploit.
    """
    one = ar.scalar(1)
    student_sq = a_sq * relu_second_moment(one, ar) + (a_sum * a_sum - a_sq) * relu_mean(one, ar) ** 2
    teacher_sq = astar_sq * relu_second_moment(c, ar) + (s * s - astar_sq) * relu_mean(c, ar) ** 2
    cross = (a_dot * relu_cross_moment(one, c, angle, ar)
             + (a_sum * s - a_dot) * relu_mean(one, ar) * relu_mean(c, ar))
    return (student_sq - 2 * cross + teacher_sq) / 2


# --- Derivatives (hand-derived, verified numerically by the `gradients` claim) ----------

class Geometry(NamedTuple):
    """What the derivatives need of (v, w*): ‖v‖, v̂, the angle and P w* = (I − v̂v̂ᵀ) w*."""

    r: Any
    u: np.ndarray
    angle: Angle
    proj_w: np.ndarray


def geometry(v: np.ndarray, w_star: np.ndarray, ar) -> Geometry:
    u = unit(v, ar)
    return Geometry(norm(v, ar), u, angle_between(v, w_star, ar), w_star - (u @ w_star) * u)


def grad_a(ar, *, a, a_star, angle: Angle, c, s):
    """∂ℓ/∂a = (1/2π) [(π − 1) a + (1ᵀa − c s) 1 − c (g(φ) − 1) a*]."""
    return ((ar.pi - 1) * a + (a.sum() - c * s) - c * (g(angle, ar) - 1) * a_star) / (2 * ar.pi)


def grad_v(ar, *, geo: Geometry, a_dot):
    """∂ℓ/∂v = −(aᵀa*) (π − φ) / (2π ‖v‖) · (I − v̂v̂ᵀ) w*; orthogonal to v by construction."""
    # Divide the vector by ‖v‖ (not the scalar), so a vanishing P w* at tiny ‖v‖ stays 0.
    return -(a_dot * geo.angle.delta / (2 * ar.pi)) * (geo.proj_w / geo.r)


def hessian_blocks(ar, *, geo: Geometry, a_dot, a_star, c):
    """The blocks (H_vv, H_va, H_aa) of the Hessian in (v, a).

    With t = v̂ᵀw* = c cos φ, P = I − v̂v̂ᵀ and e = Pw*/‖Pw*‖ (so ‖Pw*‖ = c sin φ):
      H_vv = (aᵀa*) / (2π‖v‖²) · [(π − φ)(Pw* v̂ᵀ + v̂ (Pw*)ᵀ + t P) − c sin φ · e eᵀ]
      H_va = −(π − φ) / (2π‖v‖) · Pw* a*ᵀ
      H_aa = ((π − 1) I + 11ᵀ) / (2π)
    The e eᵀ term tends to 0 at φ ∈ {0, π}, where it is taken as 0.
    """
    p, k = len(geo.u), len(a_star)
    sin_phi, cos_phi = sin_cos(geo.angle, ar)
    delta, u, pw = geo.angle.delta, geo.u, geo.proj_w
    eye_p = ar.eye(p)
    projector = eye_p - np.outer(u, u)
    curvature = delta * (np.outer(pw, u) + np.outer(u, pw) + c * cos_phi * projector)
    pw_norm = norm(pw, ar)
    if pw_norm != 0:
        e = pw / pw_norm
        curvature = curvature - c * sin_phi * np.outer(e, e)
    h_vv = (a_dot / (2 * ar.pi)) * (curvature / geo.r / geo.r)
    h_va = -(delta / (2 * ar.pi)) * np.outer(pw / geo.r, a_star)
    ones = np.outer(ar.vector(np.ones(k)), ar.vector(np.ones(k)))
    h_aa = ((ar.pi - 1) * ar.eye(k) + ones) / (2 * ar.pi)
    return h_vv, h_va, h_aa


# --- Critical points (docs/mathematics.md#critical-points) ----------------------------------

def optimal_a_coefficients(ar, *, angle: Angle, k, c, s):
    """(μ, ν) with a(φ) = argmin_a ℓ(φ, a) = c M⁻¹((g(φ) − 1) I + 11ᵀ) a* = μ a* + ν 1:
    μ = c (g − 1)/(π − 1), ν = c s (π − g)/((π − 1)(k + π − 1)).

    Affine in g: a(0) = c a* (global minimum), a(π) = a_s (spurious point).
    """
    gv = g(angle, ar)
    return c * (gv - 1) / (ar.pi - 1), c * s * (ar.pi - gv) / ((ar.pi - 1) * (k + ar.pi - 1))


def optimal_a(ar, *, angle: Angle, a_star, c, s):
    """a(φ) = μ a* + ν 1 (see :func:`optimal_a_coefficients`)."""
    mu, nu = optimal_a_coefficients(ar, angle=angle, k=len(a_star), c=c, s=s)
    return mu * a_star + nu


def profile_from_scalars(ar, *, angle: Angle, k, c, s, astar_sq):
    """(m(φ), a(φ)ᵀa*) with m(φ) = min_a ℓ(φ, a) = ℓ(φ, a(φ)), from a(φ) = μ a* + ν 1 alone:
    a(φ)ᵀa* = μ‖a*‖² + ν s, 1ᵀa(φ) = μ s + ν k, ‖a(φ)‖² = μ²‖a*‖² + 2μν s + ν² k."""
    mu, nu = optimal_a_coefficients(ar, angle=angle, k=k, c=c, s=s)
    a_dot = mu * astar_sq + nu * s
    value = loss_from_scalars(ar, angle=angle, a_sq=mu * mu * astar_sq + 2 * mu * nu * s + nu * nu * k,
                              a_sum=mu * s + nu * k, a_dot=a_dot, c=c, s=s, astar_sq=astar_sq)
    return value, a_dot


def spurious_loss(ar, *, k, c, s, astar_sq):
    """ℓ(−w*, a_s) = c² [(π − 2)‖a*‖² + π s²/(k + π − 1)] / (4(π − 1)), always > 0."""
    return c * c * ((ar.pi - 2) * astar_sq + ar.pi * s * s / (k + ar.pi - 1)) / (4 * (ar.pi - 1))


def saddle_g(ar, *, k, s, astar_sq):
    """g(φ_s) on the saddle cone a(φ)ᵀa* = 0: [(k+π−1)‖a*‖² − π s²] / [(k+π−1)‖a*‖² − s²]."""
    d = k + ar.pi - 1
    return (d * astar_sq - ar.pi * s * s) / (d * astar_sq - s * s)


def profile_slope(ar, *, angle: Angle, a_dot_opt, c):
    """m'(φ) for m(φ) = min_a ℓ(φ, a): (π − φ) sin φ · c · a(φ)ᵀa* / (2π)."""
    sin_phi, _ = sin_cos(angle, ar)
    return angle.delta * sin_phi * c * a_dot_opt / (2 * ar.pi)
