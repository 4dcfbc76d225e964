"""Gaussian ReLU expectations, three ways.

1. Closed forms (:func:`relu_mean`, :func:`relu_second_moment`, :func:`relu_cross_moment`),
   thin wrappers over :mod:`theory.formulas`.
2. :func:`quadrature_moments`: the same expectations as mpmath quadratures of their
   defining integrals. It never calls the closed forms: the 1-D moments integrate
   x σ-weighted Gaussian densities along u, and the cross moment integrates in polar
   coordinates over the wedge of the (u, w) plane where both ReLUs are active.
3. :func:`monte_carlo_loss`: samples real inputs Z (k patches of size p) through the real
   network f(Z; w, a) = Σ_j a_j σ(wᵀZ_j) and returns the mean of ½(f − f*)² with its
   standard error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import numpy as np

from theory import formulas, validation
from theory.arith import arith_for
from theory.teacher import Teacher

__all__ = ["ANGLE_TOLERANCE", "MC_CHUNK_BYTES", "MC_INPUT_BYTES", "MonteCarloEstimate", "QuadratureMoments",
           "monte_carlo_chunk", "monte_carlo_loss", "network_output", "quadrature_moments", "relu_cross_moment",
           "relu_mean", "relu_second_moment"]

ANGLE_TOLERANCE = 1e-12   # |φ + δ − π| of an Angle(φ, δ) given by the caller


def _angle(theta, ar):
    if isinstance(theta, formulas.Angle):
        phi, delta = (validation.real(x, f"theta.{name}") for x, name in zip(theta, ("phi", "delta"), strict=True))
        for x, name in ((phi, "phi"), (delta, "delta")):
            if not 0 <= x <= mpmath.pi + ANGLE_TOLERANCE:
                raise ValueError(f"theta.{name} must lie in [0, π], got {x}")
        if abs(mpmath.mpf(phi) + mpmath.mpf(delta) - mpmath.pi) > ANGLE_TOLERANCE:
            raise ValueError(f"theta is an inconsistent Angle: phi + delta must be π, got {phi} + {delta}")
        return formulas.Angle(ar.scalar(phi), ar.scalar(delta))
    theta = ar.scalar(validation.real(theta, "theta"))
    if not 0 <= theta <= ar.pi:
        raise ValueError(f"theta must lie in [0, π], got {theta}")
    return formulas.angle_from_phi(theta, ar)


def _norm_arg(x, name, ar):
    return ar.scalar(validation.positive_real(x, name))


def _finite(value, dps):
    """A closed form's value; in float64 an overflow (a norm near 1e154 or more) is an error."""
    if dps is None:
        validation.finite_result(value, "the moment", " (norms above ~1e154): pass dps=N, or rescale")
    return value


def relu_mean(norm_u, dps: int | None = None):
    """E[σ(uᵀz)] for z ~ N(0, I), as a function of ‖u‖."""
    ar = arith_for(dps)
    with ar.precision():
        return _finite(+formulas.relu_mean(_norm_arg(norm_u, "norm_u", ar), ar), dps)


def relu_second_moment(norm_u, dps: int | None = None):
    """E[σ(uᵀz)²] for z ~ N(0, I), as a function of ‖u‖."""
    ar = arith_for(dps)
    with ar.precision():
        return _finite(+formulas.relu_second_moment(_norm_arg(norm_u, "norm_u", ar), ar), dps)


def relu_cross_moment(norm_u, norm_w, theta, dps: int | None = None):
    """E[σ(uᵀz) σ(wᵀz)] for vectors of norms ‖u‖, ‖w‖ at angle θ (a number or an Angle)."""
    ar = arith_for(dps)
    with ar.precision():
        return _finite(+formulas.relu_cross_moment(_norm_arg(norm_u, "norm_u", ar),
                                                   _norm_arg(norm_w, "norm_w", ar), _angle(theta, ar), ar), dps)


@dataclass(frozen=True)
class QuadratureMoments:
    """The three expectations by quadrature, each with mpmath's own error estimate."""

    mean: mpmath.mpf
    second_moment: mpmath.mpf
    cross_moment: mpmath.mpf
    error_estimate: mpmath.mpf


def quadrature_moments(norm_u, norm_w, theta, dps: int = 40) -> QuadratureMoments:
    """E[σ(uᵀz)], E[σ(uᵀz)²] and E[σ(uᵀz)σ(wᵀz)] by mpmath tanh-sinh quadrature.

    With z projected on the plane of u and w in polar coordinates z = ρ(cos ψ, sin ψ), u
    along ψ = 0 and w along ψ = θ, both ReLUs are active on the wedge ψ ∈ [θ − π/2, π/2]
    of width δ = π − θ. Writing ψ = π/2 − t, t ∈ [0, δ], the integrand is
    ‖u‖‖w‖ ρ² sin t · sin(δ − t) times the density ρ e^{−ρ²/2}/(2π). Parametrizing by δ
    keeps full relative accuracy as θ → π, where the wedge closes.
    """
    ar = arith_for(dps)
    with ar.precision():
        nu, nw = _norm_arg(norm_u, "norm_u", ar), _norm_arg(norm_w, "norm_w", ar)
        delta = _angle(theta, ar).delta
        density_1d = lambda x: mpmath.exp(-x * x / 2) / mpmath.sqrt(2 * mpmath.pi)  # noqa: E731
        mean, err_mean = mpmath.quad(lambda x: x * density_1d(x), [0, mpmath.inf], error=True)
        second, err_second = mpmath.quad(lambda x: x * x * density_1d(x), [0, mpmath.inf],
                                         error=True)
        radial, err_radial = mpmath.quad(
            lambda rho: rho ** 3 * mpmath.exp(-rho * rho / 2) / (2 * mpmath.pi), [0, mpmath.inf],
            error=True)
        if delta == 0:
            wedge, err_wedge = mpmath.mpf(0), mpmath.mpf(0)
        else:
            # t = δx maps the wedge to [0, 1], and dividing each sine by δ keeps the integrand
            # of order 1 (quad's tolerance is absolute); it is symmetric about x = ½, and
            # integrating [0, ½] twice keeps 1 − x exact where tanh-sinh nodes cluster.
            wedge, err_wedge = mpmath.quad(
                lambda x: (mpmath.sin(delta * x) / delta) * (mpmath.sin(delta * (1 - x)) / delta),
                [0, 0.5], error=True)
            wedge, err_wedge = 2 * delta ** 3 * wedge, 2 * delta ** 3 * err_wedge
        error = max(err_mean / mean, err_second / second, err_radial / radial,
                    err_wedge / wedge if wedge else 0)
        return QuadratureMoments(nu * mean, nu * nu * second, nu * nw * radial * wedge, +error)


@dataclass(frozen=True)
class MonteCarloEstimate:
    """A sample mean with its standard error (sample standard deviation / √n)."""

    mean: float
    stderr: float
    n: int


def network_output(Z: np.ndarray, w: np.ndarray, a: np.ndarray) -> np.ndarray:
    """f(Z; w, a) = Σ_j a_j σ(wᵀZ_j) for a batch Z of shape (n, k, p)."""
    return np.maximum(Z @ w, 0.0) @ a


# Bytes of Gaussian inputs (k·p float64 each) drawn at a time, and at most for one input.
MC_CHUNK_BYTES = 1 << 28
MC_INPUT_BYTES = 1 << 31


def monte_carlo_chunk(teacher: Teacher, chunk: int) -> int:
    """Inputs drawn at a time: at most ``chunk``, and at most MC_CHUNK_BYTES of them (an input is
    k·p float64), so memory is estimated before anything is allocated."""
    chunk = validation.positive_int(chunk, "chunk")
    per_input = 8 * teacher.k * teacher.p
    if per_input > MC_INPUT_BYTES:
        raise ValueError(f"one Gaussian input of k·p = {teacher.k * teacher.p:,} entries needs "
                         f"{per_input / 2**30:.1f} GiB; Monte Carlo takes k·p ≤ {MC_INPUT_BYTES // 8:,}")
    return max(1, min(chunk, MC_CHUNK_BYTES // per_input))


def monte_carlo_loss(teacher: Teacher, v, a, n: int, rng: np.random.Generator,
                     chunk: int = 65536) -> MonteCarloEstimate:
    """Estimate ℓ(v, a) from n i.i.d. Gaussian inputs through the real network (w = v/‖v‖).

    ``chunk`` inputs at most are drawn at a time, fewer when k·p is large (:func:`monte_carlo_chunk`);
    a loss that overflows float64 is a ValueError."""
    validation.teacher(teacher)
    v = validation.vector(v, "v", teacher.p)
    a = validation.vector(a, "a", teacher.k)
    validation.nonzero(v, "v")
    n = validation.positive_int(n, "n")
    if n < 2:
        raise ValueError("n must be at least 2 to estimate a standard error")
    validation.generator(rng)
    chunk = monte_carlo_chunk(teacher, chunk)
    w = formulas.unit(v, arith_for(None))
    # Chan et al.'s pairwise update of (count, mean, sum of squared deviations) per chunk.
    count, mean, m2 = 0, 0.0, 0.0
    with np.errstate(over="ignore", invalid="ignore"):   # an overflow is reported below, by name
        while count < n:
            m = min(chunk, n - count)
            Z = rng.standard_normal((m, teacher.k, teacher.p))
            half_sq = 0.5 * (network_output(Z, w, a) - network_output(Z, teacher.w_star, teacher.a_star)) ** 2
            chunk_mean = half_sq.mean()
            chunk_m2 = ((half_sq - chunk_mean) ** 2).sum()
            delta = chunk_mean - mean
            mean += delta * m / (count + m)
            m2 += chunk_m2 + delta * delta * count * m / (count + m)
            count += m
            if not (math.isfinite(mean) and math.isfinite(m2)):
                break
        variance = m2 / (n - 1)
        estimate = MonteCarloEstimate(float(mean), float(np.sqrt(variance / n)), n)
    validation.finite_result(np.array([estimate.mean, estimate.stderr]), "the Monte Carlo loss",
                             " (‖a‖ or ‖w*‖‖a*‖ too large; the loss scales like ‖a‖²): rescale the network")
    return estimate
