"""Bad input is a ValueError naming the argument, never a traceback deeper down or a silent NaN."""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import teachers
from theory import Teacher, gaussian
from theory.landscape import gradient, hessian, loss

GOOD_W, GOOD_A = [1.0, 2.0, 0.5], [1.0, -0.5]


@pytest.mark.parametrize("w_star, a_star, message", [
    ([], GOOD_A, "w_star must have at least one entry"),            # p = 0
    (GOOD_W, [], "a_star must have at least one entry"),            # k = 0
    ([0.0, 0.0, 0.0], GOOD_A, "w_star must not be the zero vector"),
    (GOOD_W, [0.0, 0.0], "a_star must not be the zero vector"),
    ([1.0, math.nan, 0.5], GOOD_A, r"w_star\[1\] must be finite"),
    (GOOD_W, [1.0, math.inf], r"a_star\[1\] must be finite"),
    ([[1.0, 2.0]], GOOD_A, "w_star must be a 1-D array"),
    (1.0, GOOD_A, "w_star must be a 1-D array"),
    (["1", "2"], GOOD_A, r"w_star\[0\] must be a real number"),
    ([True, False], GOOD_A, r"w_star\[0\] must be a real number"),
    ([1e30, 1e30], GOOD_A, None),    # large but in range: allowed
    ([1e308, 1e308], GOOD_A, "w_star must have a norm in"),        # the loss would overflow
    ([1e300, 1e300], [1.0, 2.0], "w_star must have a norm in"),    # issue 13 #2: w_norm = inf, η = 0
    ([1e-300, 1e-300], [1.0, 2.0], "w_star must have a norm in"),  # issue 13 #2: w_norm = 0, NaN
    ([10**400], [1.0], "w_star overflows float64"),                 # issue 13 #10: OverflowError
    (GOOD_W, [1e-70, 0.0], "a_star must have a norm in"),
])
def test_teacher_validation(w_star, a_star, message):
    if message is None:
        Teacher(w_star, a_star)
        return
    with pytest.raises(ValueError, match=message):
        Teacher(w_star, a_star)


def test_teacher_is_immutable():
    teacher = Teacher(GOOD_W, GOOD_A)
    with pytest.raises(ValueError):
        teacher.w_star[0] = 5.0
    with pytest.raises(AttributeError):
        teacher.a_star = np.ones(2)


def test_teacher_does_not_alias_the_callers_array():
    w = np.array(GOOD_W)
    teacher = Teacher(w, GOOD_A)
    w[0] = 99.0
    assert teacher.w_star[0] == 1.0


@pytest.mark.parametrize("k, p, message", [(0, 3, "k must be"), (2, 0, "p must be"), (1.5, 2, "k must be"),
                                           (2, -1, "p must be")])
def test_teacher_random_validates_dimensions(k, p, message):
    with pytest.raises(ValueError, match=message):
        Teacher.random(k, p, np.random.default_rng(0))


def test_teacher_random_needs_a_generator():
    with pytest.raises(ValueError, match="rng must be a numpy Generator"):
        Teacher.random(2, 2, 42)


@given(teachers(max_k=8, max_p=8))
def test_teacher_round_trips_through_json(teacher):
    assert Teacher(**teacher.to_json()) == teacher


@pytest.mark.parametrize("v, a, message", [
    ([1.0, 2.0], GOOD_A, "v must have length 3"),
    (GOOD_W, [1.0, 2.0, 3.0], "a must have length 2"),
    ([0.0, 0.0, 0.0], GOOD_A, "v must not be the zero vector"),
    ([1.0, math.nan, 1.0], GOOD_A, r"v\[1\] must be finite"),
    (GOOD_W, [math.inf, 1.0], r"a\[0\] must be finite"),
    ([[1.0, 2.0, 3.0]], GOOD_A, "v must be a 1-D array"),
])
@pytest.mark.parametrize("function", [loss, gradient, hessian])
@pytest.mark.parametrize("dps", [None, 30])
def test_landscape_rejects_bad_points(function, dps, v, a, message):
    with pytest.raises(ValueError, match=message):
        function(Teacher(GOOD_W, GOOD_A), v, a, dps=dps)


@pytest.mark.parametrize("dps", [0, 5, 15, 1.5, True, "50"])
def test_landscape_rejects_bad_precision(dps):
    with pytest.raises(ValueError, match="dps must be"):
        loss(Teacher(GOOD_W, GOOD_A), GOOD_W, GOOD_A, dps=dps)


def test_landscape_rejects_a_non_teacher():
    with pytest.raises(ValueError, match=r"teacher must be a theory\.Teacher"):
        loss((GOOD_W, GOOD_A), GOOD_W, GOOD_A)


def test_mpf_nan_is_rejected():
    with pytest.raises(ValueError, match=r"v\[0\] must be finite"):
        loss(Teacher(GOOD_W, GOOD_A), [mpmath.nan, 1, 1], GOOD_A, dps=30)


@pytest.mark.parametrize("call, message", [
    (lambda: gaussian.relu_mean(0.0), "norm_u must be a positive"),
    (lambda: gaussian.relu_mean(math.nan), "norm_u must be a positive"),
    (lambda: gaussian.relu_cross_moment(1.0, -1.0, 0.5), "norm_w must be a positive"),
    (lambda: gaussian.relu_cross_moment(1.0, 1.0, 4.0), "theta must lie in"),
    (lambda: gaussian.quadrature_moments(1.0, 1.0, -0.1), "theta must lie in"),
    (lambda: gaussian.monte_carlo_loss(Teacher(GOOD_W, GOOD_A), GOOD_W, GOOD_A, 1,
                                       np.random.default_rng(0)), "n must be at least 2"),
    (lambda: gaussian.monte_carlo_loss(Teacher(GOOD_W, GOOD_A), GOOD_W, GOOD_A, 0,
                                       np.random.default_rng(0)), "n must be an integer"),
    (lambda: gaussian.monte_carlo_loss(Teacher(GOOD_W, GOOD_A), [1.0], GOOD_A, 10,
                                       np.random.default_rng(0)), "v must have length 3"),
])
def test_gaussian_rejects_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@given(st.sampled_from([loss, gradient, hessian]), teachers(max_k=4, max_p=4), st.data())
def test_finite_inputs_give_finite_outputs(function, teacher, data):
    """Every finite, valid input yields finite numbers (no silent NaN)."""
    from tests.strategies import points
    v, a = data.draw(points(teacher))
    result = function(teacher, v, a)
    values = np.concatenate([np.ravel(x) for x in result]) if isinstance(result, tuple) else np.ravel(result)
    assert np.all(np.isfinite(values))
