"""The landscape's critical points: global minimum, spurious point, exact condition, saddle cone."""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.experiments.teachers import a_star_with_ratio, boundary_ratio
from tests.oracles import closed_forms as oracle
from tests.strategies import teachers
from theory import Teacher, landscape
from theory.certify import certify_spurious


@st.composite
def boundary_teachers(draw, max_k=64, gap_exponents=(-12.0, -10.0)):
    """Teachers whose ratio (1ᵀa*)²/‖a*‖² is within 1e-10 (relative) of (k+π−1)/π, either side."""
    k = draw(st.integers(2, max_k))
    side = draw(st.sampled_from([-1.0, 1.0]))
    gap = 10.0 ** draw(st.floats(*gap_exponents))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    w = rng.standard_normal(draw(st.integers(1, 6)))
    return Teacher(w, a_star_with_ratio(k, boundary_ratio(k) * (1 + side * gap), rng))


@given(boundary_teachers())
def test_condition_is_decided_exactly_at_the_boundary(teacher):
    assert landscape.has_spurious_minimum(teacher) == oracle.spurious_condition(teacher)


@pytest.mark.slow
@given(boundary_teachers(max_k=64))
def test_spurious_point_matches_an_lu_solve_at_the_boundary(teacher):
    with mpmath.workdps(60):
        _, a_s = landscape.spurious_point(teacher, dps=60)
        expected = oracle.spurious_a(teacher)
        assert mpmath.norm([x - y for x, y in zip(a_s, expected, strict=True)]) <= 1e-45 * mpmath.norm(expected)
    np.testing.assert_allclose(landscape.spurious_point(teacher)[1], np.array(expected, dtype=float),
                               rtol=1e-12, atol=1e-14 * float(mpmath.norm(expected)))


@given(st.integers(1, 64), st.integers(1, 8), st.floats(0.1, 10))
def test_k1_and_average_pooling_never_have_a_spurious_minimum(k, p, scale):
    """a* = 1: (1ᵀa*)² = k² ≥ (k+π−1)k/π, with equality only at k = 1 (the degenerate case)."""
    assert not landscape.has_spurious_minimum(Teacher(np.ones(p), scale * np.ones(k)))
    assert not landscape.has_spurious_minimum(Teacher(np.ones(p), [scale]))


@given(st.integers(2, 64), st.integers(0, 63))
def test_one_hot_teachers_have_a_spurious_minimum(k, index):
    assert landscape.has_spurious_minimum(Teacher([1.0, 0.5], np.eye(k)[index % k]))


@given(teachers(max_k=16, max_p=8))
def test_global_minimum_is_a_zero_of_loss_and_gradient(teacher):
    v, a = landscape.global_minimum(teacher)
    scale = (teacher.w_norm ** 2) * (teacher.a_star @ teacher.a_star)
    assert abs(landscape.loss(teacher, v, a)) <= 1e-13 * scale
    gv, ga = landscape.gradient(teacher, v, a)
    assert np.linalg.norm(gv) + np.linalg.norm(ga) <= 1e-13 * (1 + scale)


@given(teachers(max_k=16, max_p=8))
def test_spurious_point_is_critical_with_the_closed_form_loss(teacher):
    v, a = landscape.spurious_point(teacher)
    scale = (teacher.w_norm ** 2) * (teacher.a_star @ teacher.a_star)
    gv, ga = landscape.gradient(teacher, v, a)
    assert np.linalg.norm(gv) + np.linalg.norm(ga) <= 1e-13 * (1 + scale)
    closed = landscape.spurious_loss(teacher)
    assert closed > 0
    assert landscape.loss(teacher, v, a) == pytest.approx(closed, rel=1e-12)


@settings(max_examples=15)
@given(teachers(max_k=8, max_p=6))
def test_critical_points_families_and_inertia(teacher):
    points = {p.kind: p for p in landscape.critical_points(teacher)}
    k, p = teacher.k, teacher.p
    has_saddle = landscape.has_spurious_minimum(teacher) and p >= 2
    assert set(points) == {"global", "spurious"} | ({"saddle"} if has_saddle else set())
    assert points["global"].inertia == (p + k - 1, 1, 0)
    assert points["spurious"].inertia == (k, p, 0)  # degenerate: the Hessian cannot decide
    if has_saddle:
        saddle = points["saddle"]
        assert saddle.inertia == (k, p - 1, 1)
        assert saddle.phi >= math.pi / 2
        assert abs(saddle.a @ teacher.a_star) <= 1e-12 * np.linalg.norm(saddle.a) * np.linalg.norm(teacher.a_star)
        gv, ga = landscape.gradient(teacher, saddle.v, saddle.a)
        assert np.linalg.norm(np.concatenate([gv, ga])) <= 1e-12 * (1 + np.linalg.norm(saddle.a))


@given(teachers(max_k=8, max_p=4), st.floats(0.05, math.pi - 0.05))
def test_profile_slope_is_the_derivative_of_the_profile(teacher, phi):
    h = 1e-5
    numeric = (landscape.profile(teacher, phi + h) - landscape.profile(teacher, phi - h)) / (2 * h)
    scale = teacher.w_norm ** 2 * (teacher.a_star @ teacher.a_star)
    assert numeric == pytest.approx(landscape.profile_slope(teacher, phi), abs=1e-7 * scale)


@given(teachers(max_k=12, max_p=4))
def test_certificate_signs_agree_with_the_exact_condition(teacher):
    cert = certify_spurious(teacher)
    assert cert.loss_gap_sign == 1
    if teacher.k == 1:
        assert cert.a_s_dot_sign is None  # a_sᵀa* = 0 exactly: the degenerate equality
    else:
        assert cert.proves_local_minimum == landscape.has_spurious_minimum(teacher)


def test_zero_sum_teacher_has_its_saddle_at_a_right_angle():
    teacher = Teacher([1.0, -2.0, 0.5], [1.5, -1.5, 0.25, -0.25])
    with mpmath.workdps(50):
        assert abs(landscape.saddle_angle(teacher, 50) - mpmath.pi / 2) < 1e-45


def test_p1_has_no_saddle_cone():
    assert landscape.saddle_angle(Teacher([1.0], [1.0, 0.0, 0.0])) is None
    kinds = [p.kind for p in landscape.critical_points(Teacher([1.0], [1.0, 0.0, 0.0]))]
    assert kinds == ["global", "spurious"]


@pytest.mark.parametrize("call, message", [
    (lambda t: landscape.reduced_loss(t, 4.0, [1.0, 1.0]), "phi must lie in"),
    (lambda t: landscape.reduced_loss(t, 1.0, [1.0]), "a must have length 2"),
    (lambda t: landscape.cone_point(Teacher([1.0], [1.0, 2.0]), 1.0), "phi must be 0 or π when p = 1"),
    (lambda t: landscape.has_spurious_minimum("teacher"), "teacher must be a theory.Teacher"),
    (lambda t: landscape.global_minimum(None), "teacher must be a theory.Teacher"),
])
def test_landscape_api_rejects_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call(Teacher([1.0, 2.0], [1.0, -1.0]))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([2, 10, 1000, 20_000]), st.sampled_from([-1.0, 1.0]), st.floats(-14.0, -4.0),
       st.integers(0, 2**32 - 1))
def test_the_float64_shortcut_of_the_condition_answers_only_when_right(k, side, gap_exponent, seed):
    """certify's numpy-sum shortcut (what makes a table for k = 10⁶ cheap) answers only where the
    exact rational decision agrees, from 1e-4 to 1e-14 of the boundary on either side."""
    from theory import certify
    rng = np.random.default_rng(seed)
    ratio = boundary_ratio(k) * (1 + side * 10.0 ** gap_exponent)
    teacher = Teacher(rng.standard_normal(3), a_star_with_ratio(k, ratio, rng))
    quick = certify._clear_in_float64(teacher)
    if quick is not None:
        assert quick == oracle.spurious_condition(teacher)
