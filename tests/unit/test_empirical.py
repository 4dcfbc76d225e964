"""theory.empirical: the empirical gradient, the empirical loss against the population loss, SGD's inputs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.strategies import teachers
from theory import empirical, landscape


@settings(max_examples=15)
@given(teachers(max_k=5, max_p=5, norms=st.floats(-0.5, 0.5).map(lambda x: 10 ** x)), st.integers(0, 2**32 - 1))
def test_empirical_gradient_matches_finite_differences(teacher, seed):
    rng = np.random.default_rng(seed)
    sample = empirical.draw_sample(teacher, 64, rng, noise=0.1)
    v, a = rng.standard_normal(teacher.p), rng.standard_normal(teacher.k)
    _, grad_v, grad_a = empirical.loss_and_gradient(sample, v, a)
    x, h = np.concatenate([v, a]), 1e-6
    def f(y):
        return empirical.loss_and_gradient(sample, y[: teacher.p], y[teacher.p:])[0]
    numeric = np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])
    # ReLU kinks make ℓ̂ piecewise smooth: a kink within h of x is improbable but not impossible
    np.testing.assert_allclose(np.concatenate([grad_v, grad_a]), numeric, rtol=1e-4, atol=1e-6 * (1 + f(x)))


def test_empirical_loss_converges_to_population_loss():
    from theory import Teacher
    teacher = Teacher([0.5, -1.0, 0.3], [1.0, -0.4])
    rng = np.random.default_rng(0)
    sample = empirical.draw_sample(teacher, 200_000, rng)
    v, a = np.array([0.2, 0.4, -1.0]), np.array([0.3, 0.9])
    value = empirical.loss_and_gradient(sample, v, a)[0]
    assert value == pytest.approx(landscape.loss(teacher, v, a), rel=0.02)


def test_sgd_needs_an_rng_and_validates_its_inputs():
    from theory import Teacher
    teacher = Teacher([1.0, 0.0], [1.0])
    sample = empirical.draw_sample(teacher, 10, np.random.default_rng(0))
    with pytest.raises(ValueError, match="rng is required"):
        empirical.run_empirical_gd(sample, [1.0, 1.0], [1.0], 0.1, 5, batch=2)
    with pytest.raises(ValueError, match="eta must be a positive"):
        empirical.run_empirical_gd(sample, [1.0, 1.0], [1.0], 0.0, 5)
    with pytest.raises(ValueError, match="noise must be"):
        empirical.draw_sample(teacher, 10, np.random.default_rng(0), noise=-1.0)
