"""Generated instances shared by the claim checks (numpy generators, so runs are reproducible).

The Hypothesis strategies in ``tests/strategies.py`` generate the same kinds of objects for
the test suite; these are the report's fixed-seed counterparts.
"""

from __future__ import annotations

import math

import numpy as np

from theory import Teacher


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


def point_json(teacher: Teacher, v: np.ndarray, a: np.ndarray) -> dict:
    """An exact description of (teacher, v, a) for a reproducer."""
    return {**teacher.to_json(), "v": [float(x) for x in v], "a": [float(x) for x in a]}
