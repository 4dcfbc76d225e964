"""Hypothesis strategies: dimensions, teachers, angles and points, generated from norms and angles.

Floats are bounded and never NaN; vectors at a prescribed angle are built from an explicit
orthonormal pair, so the angle is what the test says it is.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from checks.experiments.teachers import vector_at_angle
from theory import Teacher

MAX_DIM = 64


def dims(max_dim: int = MAX_DIM) -> st.SearchStrategy[int]:
    return st.integers(1, max_dim)


def log_uniform(lo_exp: float, hi_exp: float) -> st.SearchStrategy[float]:
    """10**x for x uniform in [lo_exp, hi_exp]: norms over many orders of magnitude."""
    return st.floats(lo_exp, hi_exp, allow_nan=False).map(lambda x: 10.0 ** x)


WIDE_NORMS = log_uniform(-3, 3)   # strategies are immutable: one default shared by the composites


def directions(n: int) -> st.SearchStrategy[np.ndarray]:
    """Unit vectors in Rⁿ (entries bounded away from an all-zero draw)."""
    entries = st.floats(-1, 1, allow_nan=False, allow_subnormal=False)
    return (st.lists(entries, min_size=n, max_size=n).map(np.array)
            .filter(lambda x: np.linalg.norm(x) > 1e-3).map(lambda x: x / np.linalg.norm(x)))


@st.composite
def teachers(draw, max_k: int = MAX_DIM, max_p: int = MAX_DIM, norms=WIDE_NORMS):
    k, p = draw(dims(max_k)), draw(dims(max_p))
    w = draw(directions(p)) * draw(norms)
    a = draw(directions(k)) * draw(log_uniform(-2, 2))
    return Teacher(w, a)


def angles(margin: float = 0.0) -> st.SearchStrategy[float]:
    """φ in [margin, π − margin], with the ends and angles geometrically close to them."""
    inner = st.floats(margin, math.pi - margin, allow_nan=False)
    if margin > 0:
        return inner
    near_zero = st.floats(1, 15).map(lambda x: 10.0 ** -x)
    near_pi = near_zero.map(lambda d: math.pi - d)
    return st.one_of(inner, st.sampled_from([0.0, math.pi]), near_zero, near_pi)


ANY_ANGLE = angles()


@st.composite
def points(draw, teacher: Teacher, phi=ANY_ANGLE, v_norms=WIDE_NORMS):
    """(v, a) with v at a generated angle and norm from w*, and a at the teacher's scale."""
    phi_value = draw(phi)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    v = vector_at_angle(teacher.w_star, phi_value, draw(v_norms), rng)
    scale = np.linalg.norm(teacher.a_star) * teacher.w_norm
    a = draw(directions(teacher.k)) * scale * draw(st.floats(0, 3, allow_nan=False))
    return v, a
