"""Initial points drawn directly in the reduced engine's coordinates, from their exact laws.

The reduced engine needs, per trajectory, only (x, y) = ‖v₀‖(cos φ₀, sin φ₀), the coordinates
z = Qᵀa₀ of a₀ in an orthonormal basis Q of span{a*, 1} (:class:`theory.reduced_gd.Plane`), and
the squared norm of the rest of a₀. Their laws are standard facts about uniform and Gaussian
vectors (docs/mathematics.md#dimension-laws), so drawing them costs O(1) per trajectory whatever k and p are — the
teacher's own vectors, O(k + p) once, are the only memory that grows:

* v₀ uniform on the sphere of radius ‖v₀‖ in Rᵖ: (1 + cos φ₀)/2 ~ Beta((p − 1)/2, (p − 1)/2) for
  p ≥ 2, and only |y| matters (the plane is span{v₀, w*}); for p = 1, cos φ₀ = ±1 with
  probability ½ each; for p = ∞, the limit law of cos φ₀ ≈ N(0, 1/p): φ₀ = π/2 exactly;
* a₀ = R·U^{1/k}·d uniform in the ball of radius R in Rᵏ (d uniform on S^{k−1}): with m = dim Q
  (2, or 1 when a* ∥ 1), the squared length of d's projection on Q is Beta(m/2, (k − m)/2)
  (1 when k = m), its direction uniform on the circle (a fair sign when m = 1), and the
  residual's squared norm 1 minus it;
* a₀ ~ N(0, σ²I_k): Qᵀa₀ ~ N(0, σ²I_m) and the residual's squared norm σ²χ²_{k−m}.

The paper scheme's laws are written once, against a source of draws: :func:`reduced_start` reads
them from a generator, :func:`paper_start_at` at given points of [0, 1)⁴ by their inverse
distribution functions (a seed-free design of the same law, checks/experiments/design.py).
tests/unit/test_initialization.py compares every law with full-dimensional sampling, and the
quantile form with the sampler.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from scipy import stats

from theory import validation
from theory.reduced_gd import Plane
from theory.teacher import Teacher

__all__ = ["DEFAULT_V0_NORM", "SCHEMES", "V0_NORM_RANGE", "gaussian_scale", "output_layer", "paper_radius",
           "paper_start_at", "patch_size", "plane_dimension", "reduced_start", "sphere_angles", "sphere_radius"]

SCHEMES = ("paper", "gaussian", "zero-a")
# The radius of v₀'s sphere. The paper draws v₀ "uniformly on a sphere" without a radius; 1 is our
# reconstruction. It matters: the outcome law depends on it through κ = (‖w*‖‖a*‖/‖v₀‖)²
# (theory.invariants).
DEFAULT_V0_NORM = 1.0
V0_NORM_RANGE = (1e-150, 1e150)


def patch_size(p, name: str = "p") -> float:
    """A patch size the initialization can be drawn for: an integer ≥ 1 up to float64's largest
    number (past 1e32 the draw is φ₀ = π/2 to float64's precision), or math.inf (the limit)."""
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, Real):
        raise ValueError(f"{name} must be an integer >= 1 or math.inf, got {validation.shown(p)}")
    try:
        value = float(p)
    except OverflowError:   # an integer beyond float64 (10**400)
        raise ValueError(f"{name} must be an integer in [1, 1.8e308] or math.inf, got {validation.shown(p)}") from None
    if value == math.inf:
        return math.inf
    if not isinstance(p, Integral) and not (math.isfinite(value) and value.is_integer()):
        raise ValueError(f"{name} must be an integer >= 1 or math.inf, got {validation.shown(p)}")
    if value < 1:
        raise ValueError(f"{name} must be an integer >= 1 or math.inf, got {validation.shown(p)}")
    return int(value)


def sphere_radius(v0_norm, name: str = "v0_norm") -> float:
    """‖v₀‖: a positive finite number in V0_NORM_RANGE (beyond it GD's first steps leave float64)."""
    if isinstance(v0_norm, (bool, np.bool_)) or not isinstance(v0_norm, Real):
        raise ValueError(f"{name} must be a positive finite number, got {validation.shown(v0_norm)}")
    validation.positive_real(v0_norm, name)
    value = float(v0_norm)
    if not V0_NORM_RANGE[0] <= value <= V0_NORM_RANGE[1]:
        raise ValueError(f"{name} must lie in [{V0_NORM_RANGE[0]:g}, {V0_NORM_RANGE[1]:g}], "
                         f"got {validation.shown(v0_norm)}")
    return value


def paper_radius(teacher: Teacher) -> float:
    """|1ᵀa*| ‖w*‖ / √k: the radius of the paper's ball for a₀ (0 when 1ᵀa* = 0)."""
    return abs(teacher.a_sum) * teacher.w_norm / math.sqrt(teacher.k)


def gaussian_scale(teacher: Teacher) -> float:
    """σ = ‖w*‖‖a*‖/√k of the ``gaussian`` scheme (never degenerate)."""
    return teacher.w_norm * float(np.linalg.norm(teacher.a_star)) / math.sqrt(teacher.k)


def plane_dimension(plane: Plane) -> int:
    """m = dim span{a*, 1}: 1 when a* ∥ 1 (the second basis column is 0), else 2."""
    return 1 if not np.any(plane.basis[:, 1]) else 2


class _Sampled(NamedTuple):
    """Draws from a generator: n values per call, in the order the calls come (``coordinate`` is
    ignored — it names the quantile form's column)."""

    rng: np.random.Generator
    n: int

    def beta(self, coordinate: int, a: float, b: float) -> np.ndarray:
        return self.rng.beta(a, b, self.n)

    def uniform(self, coordinate: int) -> np.ndarray:
        return self.rng.random(self.n)

    def sign(self, coordinate: int) -> np.ndarray:
        return self.rng.choice([-1.0, 1.0], self.n)

    def turn(self, coordinate: int) -> np.ndarray:
        return self.rng.uniform(0, 2 * math.pi, self.n)


class _Quantiles(NamedTuple):
    """The same laws at given points u of [0, 1)^4, by inverse distribution functions: column
    ``coordinate`` of ``points`` gives that coordinate's draw."""

    points: np.ndarray

    def beta(self, coordinate: int, a: float, b: float) -> np.ndarray:
        return stats.beta.ppf(self.points[:, coordinate], a, b)

    def uniform(self, coordinate: int) -> np.ndarray:
        return self.points[:, coordinate]

    def sign(self, coordinate: int) -> np.ndarray:
        return np.where(self.points[:, coordinate] < 0.5, -1.0, 1.0)

    def turn(self, coordinate: int) -> np.ndarray:
        return 2 * math.pi * self.points[:, coordinate]


# The coordinates of a paper start, in the order reduced_start draws them (the columns of paper_start_at's points).
_ANGLE, _RADIUS, _SHARE, _TURN = range(4)


def _sphere_angles(p: float, n: int, draws: _Sampled | _Quantiles) -> tuple[np.ndarray, np.ndarray]:
    """(cos φ₀, sin φ₀) for v₀ uniform on S^{p−1}, sin φ₀ ≥ 0, from ``draws``."""
    if p == math.inf:
        return np.zeros(n), np.ones(n)
    if p == 1:
        return draws.sign(_ANGLE), np.zeros(n)
    half = draws.beta(_ANGLE, (p - 1) / 2, (p - 1) / 2)
    # cos φ = 2B − 1 and sin φ = 2√(B(1 − B)): both exact to rounding, also for B near 0 or 1
    return 2 * half - 1, 2 * np.sqrt(half * (1 - half))


def sphere_angles(p: float, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(cos φ₀, sin φ₀) for v₀ uniform on S^{p−1}, sin φ₀ ≥ 0; p = math.inf gives φ₀ = π/2 (and
    draws nothing from ``rng``)."""
    return _sphere_angles(p, n, _Sampled(rng, n))


def _projection(k: int, m: int, n: int, draws: _Sampled | _Quantiles) -> tuple[np.ndarray, np.ndarray]:
    """(Qᵀd, 1 − ‖Qᵀd‖²) for d uniform on S^{k−1}, Q an m-column orthonormal basis."""
    share = np.ones(n) if k <= m else draws.beta(_SHARE, m / 2, (k - m) / 2)
    if m == 1:
        z = np.stack([draws.sign(_TURN) * np.sqrt(share), np.zeros(n)], axis=1)
    else:
        turn = draws.turn(_TURN)
        z = np.sqrt(share)[:, None] * np.stack([np.cos(turn), np.sin(turn)], axis=1)
    return z, 1 - share


def _paper_output_layer(teacher: Teacher, plane: Plane, n: int,
                        draws: _Sampled | _Quantiles) -> tuple[np.ndarray, np.ndarray]:
    """(z, residual_sq) of a₀ uniform in the paper's ball, from ``draws``."""
    k = teacher.k
    with np.errstate(divide="ignore"):    # U = 0 (probability 2⁻⁵³) is the centre: radius 0
        radius = paper_radius(teacher) * np.exp(np.log(draws.uniform(_RADIUS)) / k)   # R·U^{1/k}, also for huge k
    z, rest = _projection(k, plane_dimension(plane), n, draws)
    return radius[:, None] * z, radius ** 2 * rest


def output_layer(teacher: Teacher, plane: Plane, n: int, rng: np.random.Generator, scheme: str):
    """(z, residual_sq) of a₀ under ``scheme``: z of shape (n, 2), residual_sq of shape (n,)."""
    k, m = teacher.k, plane_dimension(plane)
    if scheme == "zero-a":
        return np.zeros((n, 2)), np.zeros(n)
    if scheme == "gaussian":
        sigma = gaussian_scale(teacher)
        z = np.zeros((n, 2))
        z[:, :m] = sigma * rng.standard_normal((n, m))
        return z, sigma ** 2 * (rng.chisquare(k - m, n) if k > m else np.zeros(n))
    return _paper_output_layer(teacher, plane, n, _Sampled(rng, n))


def reduced_start(teacher: Teacher, plane: Plane, n: int, rng: np.random.Generator, scheme: str,
                  p: float | None = None, v0_norm: float = DEFAULT_V0_NORM):
    """(x, y, z1, z2, residual_sq) of n initial points of ``scheme``, v₀ on the sphere of radius
    ``v0_norm`` in Rᵖ (p: default the teacher's; math.inf for the limit φ₀ = π/2)."""
    cos_phi, sin_phi = sphere_angles(teacher.p if p is None else p, n, rng)
    z, residual_sq = output_layer(teacher, plane, n, rng, scheme)
    return v0_norm * cos_phi, v0_norm * sin_phi, z[:, 0], z[:, 1], residual_sq


def paper_start_at(teacher: Teacher, plane: Plane, uniforms, p: float | None = None,
                   v0_norm: float = DEFAULT_V0_NORM):
    """(x, y, z1, z2, residual_sq) of the paper's initialization at given points of [0, 1)⁴ (shape
    (n, 4)), by the inverse distribution functions of the laws :func:`reduced_start` draws from
    (the same code, read at quantiles): column 0 gives φ₀ (B, cos φ₀ = 2B − 1; a sign at p = 1;
    unused at p = ∞), 1 a₀'s radius R·U^{1/k}, 2 the share of a₀'s direction in span{a*, 1}
    (unused when k = dim span{a*, 1}) and 3 its turn in that plane (a sign when a* ∥ 1). Uniform
    points give the law of ``reduced_start(..., "paper", p, v0_norm)``; fixed points give a
    seed-free design of it."""
    try:
        points = np.asarray(uniforms, dtype=float)
    except (TypeError, ValueError):
        points = np.zeros((0, 0))     # not numbers: refused below
    if points.ndim != 2 or points.shape[1] != 4 or not np.all((points >= 0) & (points < 1)):
        raise ValueError(f"uniforms must be an array of shape (n, 4) with values in [0, 1), got "
                         f"{validation.shown(uniforms)}")
    p = patch_size(teacher.p if p is None else p)
    v0_norm = sphere_radius(v0_norm)
    draws = _Quantiles(points)
    cos_phi, sin_phi = _sphere_angles(p, len(points), draws)
    z, residual_sq = _paper_output_layer(teacher, plane, len(points), draws)
    return v0_norm * cos_phi, v0_norm * sin_phi, z[:, 0], z[:, 1], residual_sq
