"""Generated instances shared by the claim checks (numpy generators, so runs are reproducible).

The Hypothesis strategies in ``tests/strategies.py`` generate the same kinds of objects for
the test suite; these are the report's fixed-seed counterparts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import mpmath
import numpy as np

from checks.verdicts.cases import Record
from checks.verdicts.claim import rng_for
from theory import Teacher, dynamics, landscape
from theory.validation import InvalidInput

__all__ = ["GD_FAMILIES", "a_star_with_ratio", "boundary_ratio", "exactly_zero_sum", "family_teacher", "gd_teachers",
           "grid_teacher", "grid_teachers", "landscape_teachers", "loss_scale", "point_json", "random_point",
           "random_teacher", "ratio_sweep", "region_init", "region_start", "teacher_record", "vector_at_angle"]


def random_teacher(rng: np.random.Generator, max_k: int, max_p: int,
                   norm_range: tuple[float, float] = (1.0, 1.0)) -> Teacher:
    """k, p uniform in [1, max]; Gaussian directions; ‖w*‖ log-uniform in ``norm_range``."""
    k, p = int(rng.integers(1, max_k + 1)), int(rng.integers(1, max_p + 1))
    lo, hi = np.log(norm_range[0]), np.log(norm_range[1])
    teacher = Teacher.random(k, p, rng)
    w = teacher.w_star / np.linalg.norm(teacher.w_star) * math.exp(rng.uniform(lo, hi))
    return Teacher(w, teacher.a_star)


def vector_at_angle(w: np.ndarray, phi: float, norm: float, rng: np.random.Generator) -> np.ndarray:
    """A vector of the given norm at angle φ from w (any direction when p = 1 forces φ ∈ {0, π})."""
    w_hat = w / np.linalg.norm(w)
    if w.size == 1:
        return norm * w_hat * (1.0 if phi < math.pi / 2 else -1.0)
    e = rng.standard_normal(w.size)
    e -= (e @ w_hat) * w_hat
    e /= np.linalg.norm(e)
    return norm * (math.cos(phi) * w_hat + math.sin(phi) * e)


def random_point(teacher: Teacher, rng: np.random.Generator,
                 phi_range: tuple[float, float] = (0.0, math.pi)) -> tuple[np.ndarray, np.ndarray]:
    """(v, a): φ uniform in ``phi_range``, ‖v‖ log-uniform in [0.1, 10], a ~ N(0, ‖a*‖²/k · I)."""
    phi = rng.uniform(*phi_range)
    v = vector_at_angle(teacher.w_star, phi, math.exp(rng.uniform(math.log(0.1), math.log(10))), rng)
    scale = np.linalg.norm(teacher.a_star) / math.sqrt(teacher.k)
    return v, scale * rng.standard_normal(teacher.k)


def point_json(teacher: Teacher, v: np.ndarray, a: np.ndarray) -> Record:
    """An exact description of (teacher, v, a) for a reproducer."""
    return {**teacher.to_json(), "v": [float(x) for x in v], "a": [float(x) for x in a]}


def boundary_ratio(k: int) -> float:
    """(k + π − 1)/π: the spurious minimum exists iff (1ᵀa*)²/‖a*‖² is below it."""
    return (k + math.pi - 1) / math.pi


def a_star_with_ratio(k: int, ratio: float, rng: np.random.Generator) -> np.ndarray:
    """An a* ∈ Rᵏ with (1ᵀa*)²/‖a*‖² = ratio ∈ [0, k] (up to rounding).

    a* = α·1/√k + β·e with e ⟂ 1 a random unit vector: the ratio is kα²/(α² + β²).
    """
    if not 0 <= ratio <= k:
        raise InvalidInput(f"ratio must lie in [0, k={k}], got {ratio}")
    if k == 1:
        return np.array([rng.choice([-1.0, 1.0]) * math.exp(rng.uniform(-1, 1))])
    e = rng.standard_normal(k)
    e -= e.mean()
    e /= np.linalg.norm(e)
    alpha = math.sqrt(ratio / k)
    beta = math.sqrt(max(1 - ratio / k, 0.0))
    return (alpha * np.ones(k) / math.sqrt(k) + beta * e) * math.exp(rng.uniform(-1, 1))


def exactly_zero_sum(k: int, rng: np.random.Generator) -> np.ndarray:
    """An a* with 1ᵀa* = 0 exactly in floating point: pairs ±x (and a 0 when k is odd), shuffled."""
    half = rng.standard_normal(k // 2)
    a = np.concatenate([half, -half, np.zeros(k % 2)])
    return rng.permutation(a)


def landscape_teachers(rng: np.random.Generator, per_family: int, max_k: int = 16,
                       max_p: int = 8, boundary_gap: float = 1e-9) -> list[tuple[str, Teacher]]:
    """Teachers from every family the landscape claims must cover, labelled by family.

    gaussian (a* ~ N(0, I)); one-hot a* (ratio 1); 1ᵀa* = 0 exactly (ratio 0);
    average pooling a* = 1 (ratio k); k = 1 (ratio 1 = boundary: the degenerate equality);
    and teachers at relative distance ``boundary_gap`` inside and outside the boundary.
    """
    def w_star(p):
        w = rng.standard_normal(p)
        return w / np.linalg.norm(w) * math.exp(rng.uniform(math.log(0.25), math.log(4)))

    def dims(min_k=2):
        return int(rng.integers(min_k, max_k + 1)), int(rng.integers(2, max_p + 1))

    out = []
    for _ in range(per_family):
        k, p = dims()
        out.append(("gaussian", Teacher(w_star(p), rng.standard_normal(k))))
        k, p = dims()
        out.append(("one-hot", Teacher(w_star(p), np.eye(k)[rng.integers(k)] * rng.choice([-2.0, 0.5]))))
        k, p = dims()
        out.append(("zero-sum", Teacher(w_star(p), exactly_zero_sum(k, rng))))
        k, p = dims()
        out.append(("average-pooling", Teacher(w_star(p), np.ones(k))))
        k, p = dims()
        out.append(("k=1", Teacher(w_star(p), a_star_with_ratio(1, 1.0, rng))))
        for side, factor in (("inside", 1 - boundary_gap), ("outside", 1 + boundary_gap)):
            k, p = dims()
            out.append((f"boundary-{side}",
                        Teacher(w_star(p), a_star_with_ratio(k, boundary_ratio(k) * factor, rng))))
    return out


def loss_scale(teacher: Teacher, v, a):
    """½(E f² + E f*²) at the current mpmath precision: the size of the terms whose difference
    is ℓ, used to scale absolute errors. By polarization ℓ(v, a) + ℓ(v, −a) = E f² + E f*²,
    since only the cross term changes sign with a."""
    dps, a = mpmath.mp.dps, np.asarray(a, dtype=object)
    return (landscape.loss(teacher, v, a, dps) + landscape.loss(teacher, v, -a, dps)) / 2


def _w_star(rng, p):
    w = rng.standard_normal(p)
    return w / np.linalg.norm(w) * math.exp(rng.uniform(math.log(0.5), math.log(2)))


GD_FAMILIES = ("gaussian", "one-hot", "zero-sum", "average-pooling")


def family_teacher(family: str, k: int, p: int, rng: np.random.Generator) -> Teacher:
    """A teacher of a GD family at any size: ‖w*‖ log-uniform in [½, 2] in a random direction;
    a* Gaussian, one-hot, with 1ᵀa* = 0 exactly (k ≥ 2), or all ones (average pooling)."""
    a_star = {"gaussian": lambda: rng.standard_normal(k),
              "one-hot": lambda: np.eye(1, k, int(rng.integers(k)))[0],
              "zero-sum": lambda: exactly_zero_sum(k, rng),
              "average-pooling": lambda: np.ones(k)}[family]()
    return Teacher(_w_star(rng, p), a_star)


def gd_teachers(rng: np.random.Generator, per_family: int, max_k: int = 12, max_p: int = 12):
    """(family, teacher) pairs: gaussian, one-hot, 1ᵀa* = 0, average pooling, and a sweep of
    the ratio (1ᵀa*)²/‖a*‖² from 0 to k (through the spurious-minimum boundary)."""
    out = []
    for _ in range(per_family):
        k, p = int(rng.integers(2, max_k + 1)), int(rng.integers(2, max_p + 1))
        out.append(("gaussian", Teacher(_w_star(rng, p), rng.standard_normal(k))))
        out.append(("one-hot", Teacher(_w_star(rng, p), np.eye(k)[rng.integers(k)])))
        out.append(("zero-sum", Teacher(_w_star(rng, p), exactly_zero_sum(k, rng))))
        out.append(("average-pooling", Teacher(_w_star(rng, p), np.ones(k))))
    return out


def ratio_sweep(rng: np.random.Generator, fractions, k: int = 6, p: int = 6):
    """Teachers whose ratio is the given fractions of the boundary (k + π − 1)/π (capped at k)."""
    return [(f"ratio {f:g}×boundary",
             Teacher(_w_star(rng, p), a_star_with_ratio(k, min(f * boundary_ratio(k), k), rng)))
            for f in fractions]


def region_start(teacher: Teacher, plane, n: int, rng: np.random.Generator):
    """:func:`region_init`'s law drawn in reduced coordinates (x, y, z1, z2, residual_sq): O(1)
    per point whatever k and p are (a₀'s part orthogonal to 1 and a* enters by its squared
    norm, σ²χ²_{k−2})."""
    k, c, s = teacher.k, teacher.w_norm, teacher.a_sum
    edge = rng.integers(0, 4, n)          # 0: interior, 1: φ₀ edge, 2: a₀ᵀa* edge, 3: 1ᵀa₀ edge
    phi = np.where(edge == 1, math.pi / 2 - 1e-3 * rng.random(n), rng.uniform(0, math.pi / 2, n))
    if teacher.p == 1:
        phi = np.zeros(n)
    bound = abs(s) * c
    beta = np.where(edge == 3, rng.choice([-1.0, 1.0], n), rng.uniform(-1, 1, n)) * bound / math.sqrt(k)
    target = np.where(edge == 2, 1e-3, rng.uniform(0.05, 1.0, n)) * c * teacher.a_sq
    ones = np.ones(k) / math.sqrt(k)
    q_ones = plane.basis.T @ ones
    perp_sq = teacher.a_sq - s * s / k                    # ‖a* − (a*·1/√k)1/√k‖²
    sigma = c * math.sqrt(teacher.a_sq) / math.sqrt(k)
    if perp_sq > 1e-24 * teacher.a_sq:
        a_perp = teacher.a_star - (s / k) * np.ones(k)
        q_u = plane.basis.T @ a_perp / math.sqrt(perp_sq)
        alpha = (target - beta * s / math.sqrt(k)) / math.sqrt(perp_sq)
        z = alpha[:, None] * q_u + beta[:, None] * q_ones
        residual_sq = sigma ** 2 * (rng.chisquare(k - 2, n) if k > 2 else np.zeros(n))
    else:   # a* ∥ 1: β takes the sign of 1ᵀa* and cannot be 0
        beta = np.sign(s) * np.maximum(np.abs(beta), 1e-3 * bound / math.sqrt(k))
        z = beta[:, None] * q_ones
        residual_sq = sigma ** 2 * (rng.chisquare(k - 1, n) if k > 1 else np.zeros(n))
    return np.cos(phi), np.sin(phi), z[:, 0], z[:, 1], residual_sq


def region_init(teacher: Teacher, n: int, rng: np.random.Generator):
    """Initial points inside the theorem's region: φ₀ < π/2, a₀ᵀa* > 0, |1ᵀa₀| ≤ |1ᵀa*|‖w*‖.

    a₀ = α u + β 1/√k + r with u the unit part of a* orthogonal to 1 and r ⟂ {1, a*}: β sets
    1ᵀa₀ = β√k within the bound, α then sets a₀ᵀa* to a chosen positive target. A quarter of
    the points each sit at an edge: φ₀ within 1e-3 of π/2, a₀ᵀa* at 1e-3 of its scale,
    |1ᵀa₀| exactly at its bound.
    """
    k, p, a_star = teacher.k, teacher.p, teacher.a_star
    c, s = teacher.w_norm, float(a_star.sum())
    w_hat = teacher.w_star / c
    edge = rng.integers(0, 4, n)          # 0: interior, 1: φ₀ edge, 2: a₀ᵀa* edge, 3: 1ᵀa₀ edge
    phi = np.where(edge == 1, math.pi / 2 - 1e-3 * rng.random(n), rng.uniform(0, math.pi / 2, n))
    if p == 1:
        V0 = np.tile(w_hat, (n, 1))
    else:
        e = rng.standard_normal((n, p))
        e -= (e @ w_hat)[:, None] * w_hat
        e /= np.linalg.norm(e, axis=1, keepdims=True)
        V0 = np.cos(phi)[:, None] * w_hat + np.sin(phi)[:, None] * e
    ones = np.ones(k) / math.sqrt(k)
    a_perp = a_star - (a_star @ ones) * ones
    scale = c * float(a_star @ a_star)
    bound = abs(s) * c
    beta = np.where(edge == 3, rng.choice([-1.0, 1.0], n), rng.uniform(-1, 1, n)) * bound / math.sqrt(k)
    target = np.where(edge == 2, 1e-3, rng.uniform(0.05, 1.0, n)) * scale
    r = rng.standard_normal((n, k)) * c * np.linalg.norm(a_star) / math.sqrt(k)
    r -= np.outer(r @ ones, ones)
    if np.linalg.norm(a_perp) > 1e-12 * np.linalg.norm(a_star):
        u = a_perp / np.linalg.norm(a_perp)
        r -= np.outer(r @ u, u)
        alpha = (target - beta * s / math.sqrt(k)) / (u @ a_star)
        A0 = alpha[:, None] * u + beta[:, None] * ones + r
    else:  # a* ∥ 1: a₀ᵀa* = (a*·1/√k) β, so β takes the sign of 1ᵀa* and cannot be 0
        beta = np.sign(s) * np.maximum(np.abs(beta), 1e-3 * bound / math.sqrt(k))
        A0 = beta[:, None] * ones + r
    return V0, A0


def grid_teachers(claim_id: str, seed: int, dimensions: Iterable[tuple[int, int]],
                  families: Iterable[str]) -> list[tuple[str, Teacher, str]]:
    """(family, teacher, how to regenerate it) for every family × (k, p) of ``dimensions`` (the
    plan's dimension grid; families that need k ≥ 2 skip k = 1). Each teacher comes from its own
    derived seed."""
    pairs = list(dimensions)
    return [(family, *grid_teacher(claim_id, seed, family, k, p))
            for family in families for k, p in pairs if not (family == "zero-sum" and k < 2)]


def grid_teacher(claim_id: str, seed: int, family: str, k: int, p: int) -> tuple[Teacher, str]:
    """The claim's teacher of ``family`` at (k, p), from its own derived seed, and the expression
    that regenerates it."""
    labels = (claim_id, "teacher", family, k, p)
    return (family_teacher(family, k, p, rng_for(seed, *labels)),
            f"checks.experiments.teachers.family_teacher({family!r}, {k}, {p}, "
            f"checks.verdicts.claim.rng_for({seed}, {', '.join(repr(x) for x in labels)}))")


def teacher_record(family: str, teacher: Teacher, regenerate: str = "") -> Record:
    """A teacher as evidence: k, p and its statistics always; its vectors only when small (a
    large teacher is recorded by the expression that regenerates it)."""
    phi_split = dynamics.decision_table(teacher, dynamics.default_eta(teacher)).basins.phi_split
    record = {"family": family, **teacher.statistics(),
              "ratio_over_boundary": teacher.spurious_ratio / boundary_ratio(teacher.k),
              "saddle_angle": phi_split if phi_split < math.pi else None}
    if teacher.k + teacher.p <= 64:
        record.update(teacher.to_json())
    elif regenerate:
        record["regenerate"] = regenerate
    return record
