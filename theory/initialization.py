"""Initial points drawn directly in the reduced engine's coordinates, from their exact laws.

The reduced engine needs, per trajectory, only (x, y) = ‖v₀‖(cos φ₀, sin φ₀), the coordinates
z = Qᵀa₀ of a₀ in an orthonormal basis Q of span{a*, 1} (:class:`theory.reduced_gd.Plane`), and
the squared norm of the rest of a₀. Their laws are standard facts about uniform and Gaussian
vectors (docs/mathematics.md#dimension-laws), so drawing them costs O(1) per trajectory whatever k and p are — the
teacher's own vectors, O(k + p) once, are the only memory that grows:

* v₀ uniform on S^{p−1}: (1 + cos φ₀)/2 ~ Beta((p − 1)/2, (p − 1)/2) for p ≥ 2, and only |y|
  matters (the plane is span{v₀, w*}); for p = 1, cos φ₀ = ±1 with probability ½ each;
* a₀ = R·U^{1/k}·d uniform in the ball of radius R in Rᵏ (d uniform on S^{k−1}): with m = dim Q
  (2, or 1 when a* ∥ 1), the squared length of d's projection on Q is Beta(m/2, (k − m)/2)
  (1 when k = m), its direction uniform on the circle (a fair sign when m = 1), and the
  residual's squared norm 1 minus it;
* a₀ ~ N(0, σ²I_k): Qᵀa₀ ~ N(0, σ²I_m) and the residual's squared norm σ²χ²_{k−m}.

tests/test_initialization.py compares every law with full-dimensional sampling.
"""

from __future__ import annotations

import math

import numpy as np

from theory.reduced_gd import Plane
from theory.teacher import Teacher

SCHEMES = ("paper", "gaussian", "zero-a")


def paper_radius(teacher: Teacher) -> float:
    """|1ᵀa*| ‖w*‖ / √k: the radius of the paper's ball for a₀ (0 when 1ᵀa* = 0)."""
    return abs(teacher.a_sum) * teacher.w_norm / math.sqrt(teacher.k)


def gaussian_scale(teacher: Teacher) -> float:
    """σ = ‖w*‖‖a*‖/√k of the ``gaussian`` scheme (never degenerate)."""
    return teacher.w_norm * float(np.linalg.norm(teacher.a_star)) / math.sqrt(teacher.k)


def plane_dimension(plane: Plane) -> int:
    """m = dim span{a*, 1}: 1 when a* ∥ 1 (the second basis column is 0), else 2."""
    return 1 if not np.any(plane.basis[:, 1]) else 2


def sphere_angles(p: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(cos φ₀, sin φ₀) for v₀ uniform on S^{p−1}, sin φ₀ ≥ 0."""
    if p == 1:
        return rng.choice([-1.0, 1.0], n), np.zeros(n)
    half = rng.beta((p - 1) / 2, (p - 1) / 2, n)
    # cos φ = 2B − 1 and sin φ = 2√(B(1 − B)): both exact to rounding, also for B near 0 or 1
    return 2 * half - 1, 2 * np.sqrt(half * (1 - half))


def _projection(k: int, m: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(Qᵀd, 1 − ‖Qᵀd‖²) for d uniform on S^{k−1}, Q an m-column orthonormal basis."""
    share = np.ones(n) if k <= m else rng.beta(m / 2, (k - m) / 2, n)
    if m == 1:
        z = np.stack([rng.choice([-1.0, 1.0], n) * np.sqrt(share), np.zeros(n)], axis=1)
    else:
        turn = rng.uniform(0, 2 * math.pi, n)
        z = np.sqrt(share)[:, None] * np.stack([np.cos(turn), np.sin(turn)], axis=1)
    return z, 1 - share


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
    radius = paper_radius(teacher) * np.exp(np.log(rng.random(n)) / k)   # R·U^{1/k}, also for huge k
    z, rest = _projection(k, m, n, rng)
    return radius[:, None] * z, radius ** 2 * rest


def reduced_start(teacher: Teacher, plane: Plane, n: int, rng: np.random.Generator, scheme: str):
    """(x, y, z1, z2, residual_sq) of n initial points of ``scheme`` (‖v₀‖ = 1)."""
    cos_phi, sin_phi = sphere_angles(teacher.p, n, rng)
    z, residual_sq = output_layer(teacher, plane, n, rng, scheme)
    return cos_phi, sin_phi, z[:, 0], z[:, 1], residual_sq
