"""Activations beyond the ReLU: kernels against mpmath, the loss against Monte Carlo and the ReLU
reference, gradients against finite differences, the spurious condition, and the two GD engines."""

import math

import numpy as np
import pytest

from tests import beyond_faults
from theory import Teacher, activation_gd, activations, dynamics, landscape

ANGLES = (0.0, 1e-9, 0.7, math.pi / 2, 2.9, math.pi - 1e-9, math.pi)


def _teacher(seed, k=5, p=6, unit=False):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(p)
    return Teacher(w / np.linalg.norm(w) if unit else w, rng.standard_normal(k))


def test_leaky_kernels_agree_with_mpmath_at_one_angle():
    check = activations.check_kernels(activations.LeakyRelu(0.2), 1.0, (2.9,), dps=16)
    assert check.passed(), check


@pytest.mark.slow
@pytest.mark.parametrize("sigma, c", [(activations.LeakyRelu(0.2), 1.7), (activations.Relu(), 0.3),
                                      (activations.Gelu(), 1.0), (activations.Gelu(), 2.0),
                                      (activations.Gelu(), 0.125)])
def test_kernels_agree_with_mpmath(sigma, c):
    check = activations.check_kernels(sigma, c, ANGLES[::2])
    assert check.passed(), check


@pytest.mark.slow
def test_gelu_moments_agree_with_their_closed_forms():
    gelu = activations.Gelu()
    assert activations.quadrature_error() < 1e-13
    # at c = 1 and φ = 0 the 2-D rule's kernel is the 1-D second moment
    assert gelu.quadrature(1.0, np.array([1.0]), np.array([0.0]))[0][0] == pytest.approx(gelu.second_moment(1.0),
                                                                                      rel=1e-13)


@pytest.mark.parametrize("sigma", [activations.LeakyRelu(0.3), activations.Gelu()])
def test_slope_kernel_is_the_angle_derivative_of_the_kernel(sigma):
    """Price's theorem: dK/dφ = −c sin φ D(φ), checked by central differences of K."""
    c, h = 1.0, 1e-5
    phi = np.array([0.4, 1.3, 2.6])
    numeric = (sigma.kernels(c, phi + h, np.pi - phi - h)[0] - sigma.kernels(c, phi - h, np.pi - phi + h)[0]) / (2 * h)
    np.testing.assert_allclose(numeric, -c * np.sin(phi) * sigma.kernels(c, phi, np.pi - phi)[1], atol=1e-9)


def test_relu_landscape_is_the_papers():
    teacher = _teacher(1)
    relu = activations.Landscape.of(activations.Relu(), teacher)
    rng = np.random.default_rng(2)
    V, A = rng.standard_normal((4, teacher.p)), rng.standard_normal((4, teacher.k))
    np.testing.assert_allclose(relu.loss(V, A), [landscape.loss(teacher, v, a) for v, a in zip(V, A, strict=True)],
                               rtol=1e-13)
    grad_v, grad_a = relu.gradient(V, A)
    for i in range(4):
        ref_v, ref_a = landscape.gradient(teacher, V[i], A[i])
        np.testing.assert_allclose(grad_v[i], ref_v, atol=1e-13 * (1 + np.abs(ref_v).max()))
        np.testing.assert_allclose(grad_a[i], ref_a, atol=1e-13 * (1 + np.abs(ref_a).max()))
    assert relu.boundary_ratio == pytest.approx((teacher.k + math.pi - 1) / math.pi, rel=1e-14)
    assert relu.saddle_angle == pytest.approx(float(landscape.saddle_angle(teacher)), abs=1e-12)
    assert relu.has_spurious_minimum == landscape.has_spurious_minimum(teacher)


@pytest.mark.slow
@pytest.mark.parametrize("sigma", [activations.LeakyRelu(0.1), activations.Gelu()])
def test_loss_agrees_with_monte_carlo_through_the_network(sigma):
    teacher = _teacher(3, k=3, p=4, unit=True)
    land = activations.Landscape.of(sigma, teacher)
    rng = np.random.default_rng(4)
    v, a = rng.standard_normal(teacher.p), rng.standard_normal(teacher.k)
    mean, stderr = activations.monte_carlo_loss(land, v, a, 100_000, rng)
    assert abs(mean - land.loss(v, a)[0]) < 6 * stderr     # false alarm ≈ 2e-9


@pytest.mark.parametrize("sigma", [activations.Relu(), activations.LeakyRelu(0.25), activations.Gelu()])
def test_gradient_agrees_with_finite_differences(sigma):
    teacher = _teacher(5, k=3, p=4, unit=True)
    rng = np.random.default_rng(6)
    V, A = rng.standard_normal((2, teacher.p)), rng.standard_normal((2, teacher.k))
    assert activations.gradient_error(activations.Landscape.of(sigma, teacher), V, A) < 1e-7


def test_leaky_boundary_is_the_closed_form_and_decides_the_local_minimum():
    """r_b(α) = (d + βk)(α + β)/(β(1 + α)²/2), β = (1 − α)²/(2π), d = (1 + α²)/2 − β; on either side of
    it the spurious point is (is not) a local minimum: a nondegenerate one for α > 0."""
    alpha, k = 0.2, 4
    beta = (1 - alpha) ** 2 / (2 * math.pi)
    d = (1 + alpha ** 2) / 2 - beta
    closed = (d + beta * k) * (alpha + beta) / (beta * (1 + alpha) ** 2 / 2)
    sigma = activations.LeakyRelu(alpha)
    ones_and_tilt = np.array([1.0, 1.0, 1.0, 1.0]), np.array([1.0, -1.0, 0.5, -0.5])
    for scale in (0.9, 1.1):
        # a* = 1 + t·(tilt) with r = (1ᵀa*)²/‖a*‖² at scale × r_b
        target = scale * closed
        tilt = math.sqrt(16 / target - 4) / math.sqrt(2.5)
        teacher = Teacher([0.6, -0.8, 0.0], ones_and_tilt[0] + tilt * ones_and_tilt[1])
        land = activations.Landscape.of(sigma, teacher)
        assert land.boundary_ratio == pytest.approx(closed, rel=1e-13)
        assert teacher.spurious_ratio == pytest.approx(target, rel=1e-12)
        assert land.has_spurious_minimum == (scale < 1)
        # the profile m(φ) near π: falling towards π exactly when the spurious point is a minimum
        near = land.profile(np.array([math.pi - 1e-2, math.pi]))[0]
        assert (near[1] < near[0]) == (scale < 1)


@pytest.mark.parametrize("sigma", [activations.LeakyRelu(0.2),
                                   pytest.param(activations.Gelu(), marks=pytest.mark.slow)])
def test_reduced_engine_matches_full_dimensional_gd(sigma):
    teacher = _teacher(7, unit=True)
    land = activations.Landscape.of(sigma, teacher)
    V0, A0 = dynamics.random_init(teacher, 32, np.random.default_rng(8))
    reduced = activation_gd.run(land, V0, A0, steps=100)
    full = activation_gd.run(land, V0, A0, steps=100, engine="full")
    np.testing.assert_allclose(reduced.loss, full.loss, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(reduced.phi, full.phi, atol=1e-10)
    assert np.array_equal(reduced.outcome, full.outcome)


@pytest.mark.slow
def test_relu_outcomes_agree_with_the_population_engine():
    """The same law from two engines (independent seeds): counts within 5 standard errors."""
    teacher = _teacher(9)
    ours = activation_gd.outcome_counts(activations.Landscape.of(activations.Relu(), teacher), 3000,
                                        np.random.default_rng(10)).counts()
    theirs = dynamics.outcome_counts(teacher, 3000, np.random.default_rng(11))
    assert ours["undecided"] == ours["diverged"] == 0
    p = (ours["global"] + theirs["global"]) / 6000
    assert abs(ours["global"] - theirs["global"]) / 3000 < 5 * math.sqrt(2 * p * (1 - p) / 3000)


@pytest.mark.parametrize("fault", beyond_faults.ACTIVATION_FAULTS, ids=lambda f: f.name)
def test_planted_activation_faults_are_caught(fault, monkeypatch):
    teacher = _teacher(5, k=3, p=4, unit=True)
    rng = np.random.default_rng(12)
    V, A = rng.standard_normal((2, teacher.p)), rng.standard_normal((2, teacher.k))
    sigma = fault.plant(monkeypatch)
    # the cheap checks: the quadrature against Stein's closed mean, the gradient against differences of the loss
    assert (activations.quadrature_error() > 1e-13
            or activations.gradient_error(activations.Landscape.of(sigma, teacher), V, A) > 1e-7)


@pytest.mark.slow
@pytest.mark.parametrize("fault", beyond_faults.ACTIVATION_FAULTS, ids=lambda f: f.name)
def test_planted_activation_faults_fail_the_mpmath_check(fault, monkeypatch):
    assert not activations.check_kernels(fault.plant(monkeypatch), 1.0, (0.7, 2.9)).passed()


def test_bad_input_is_one_value_error():
    with pytest.raises(ValueError, match="alpha must lie in"):
        activations.LeakyRelu(1.0)
    with pytest.raises(ValueError, match="GELU needs"):
        activations.Landscape.of(activations.Gelu(), Teacher([3.0, 0.0], [1.0]))
    with pytest.raises(ValueError, match="activation must be one of"):
        activations.activation("tanh")
    land = activations.Landscape.of(activations.Relu(), _teacher(1))
    with pytest.raises(ValueError, match="shapes"):
        activation_gd.run(land, np.ones((2, 3)), np.ones((2, 5)))
    with pytest.raises(ValueError, match="engine must be one of"):
        activation_gd.run(land, np.ones((1, 6)), np.ones((1, 5)), engine="gpu")


def test_leaky_spurious_minimum_is_quadratic_the_relus_cubic():
    """m(π − δ) − m(π) ≈ ½cα|a(π)ᵀa*|δ² for α > 0 (nondegenerate), ≈ c|a_sᵀa*|δ³/(6π) for the ReLU."""
    teacher = Teacher([0.6, 0.8, 0.0], [1.0, -0.8, 0.5])
    delta = np.array([1e-2, 1e-3])
    for alpha in (0.0, 0.2):
        land = activations.Landscape.of(activations.LeakyRelu(alpha), teacher)
        at_pi, a_dot = (float(x) for x in land.profile(np.pi))
        rise = land.profile(np.pi - delta)[0] - at_pi
        c = teacher.w_norm
        predicted = (0.5 * c * alpha * abs(a_dot) * delta ** 2 if alpha else c * abs(a_dot) * delta ** 3 / (6 * np.pi))
        np.testing.assert_allclose(rise, predicted, rtol=2e-2)
