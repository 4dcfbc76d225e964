"""theory.landscape against the independent oracle, at degenerate geometry, and its types."""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.oracles import closed_forms as oracle
from tests.strategies import angles, log_uniform, points, teachers
from theory import Teacher
from theory.landscape import gradient, hessian, loss

ORACLE_DPS = 60


@st.composite
def generic_instances(draw, max_dim=64, margin=1e-3):
    teacher = draw(teachers(max_k=max_dim, max_p=max_dim))
    v, a = draw(points(teacher, phi=angles(margin)))
    return teacher, v, a


@given(generic_instances())
def test_float64_loss_matches_oracle_to_1e12(instance):
    teacher, v, a = instance
    with mpmath.workdps(ORACLE_DPS):
        expected, scale = oracle.loss_terms(teacher, v, a)
        assert abs(loss(teacher, v, a) - expected) <= 1e-12 * scale


@given(generic_instances())
def test_mpmath_loss_matches_oracle_to_40_digits(instance):
    teacher, v, a = instance
    with mpmath.workdps(ORACLE_DPS):
        expected, scale = oracle.loss_terms(teacher, v, a)
        assert abs(loss(teacher, v, a, dps=50) - expected) <= mpmath.mpf(10) ** -40 * scale


@given(generic_instances(max_dim=16))
def test_gradients_match_oracle(instance):
    teacher, v, a = instance
    with mpmath.workdps(ORACLE_DPS):
        expected = oracle.gradient(teacher, v, a)
        exact = gradient(teacher, v, a, dps=50)
        fast = gradient(teacher, v, a)
        for got_mp, got_64, want in zip(exact, fast, expected, strict=True):
            scale = max(mpmath.mpf(1), mpmath.norm(want))
            assert mpmath.norm([x - y for x, y in zip(got_mp, want, strict=True)]) <= 1e-40 * scale
            assert mpmath.norm([float(x) - y for x, y in zip(got_64, want, strict=True)]) <= 1e-12 * scale


@given(teachers(max_k=8, max_p=8), st.data())
def test_hessian_is_symmetric_and_its_a_block_is_M_over_2pi(teacher, data):
    v, a = data.draw(points(teacher))
    h = hessian(teacher, v, a)
    assert np.array_equal(h, h.T)
    k, p = teacher.k, teacher.p
    expected = ((math.pi - 1) * np.eye(k) + np.ones((k, k))) / (2 * math.pi)
    np.testing.assert_allclose(h[p:, p:], expected, rtol=1e-15)


# --- degenerate geometry ------------------------------------------------------------

@given(teachers(max_k=8, max_p=8), st.integers(-1000, 1000))
def test_anti_parallel_v_is_exactly_phi_pi(teacher, exponent):
    """v = −2ᵉ·w* (an exact float scaling): ∂ℓ/∂v and the v-block of H vanish exactly."""
    v, a = -(2.0 ** exponent) * teacher.w_star, teacher.a_star
    assume(np.array_equal(v * -(2.0 ** -exponent), teacher.w_star))  # no underflow to subnormals
    assert np.all(gradient(teacher, v, a)[0] == 0)
    assert all(x == 0 for x in gradient(teacher, v, a, dps=30)[0])
    assert np.all(hessian(teacher, v, a)[: teacher.p, : teacher.p] == 0)


@given(teachers(max_k=8, max_p=8), log_uniform(-300, 300))
def test_parallel_v_is_the_global_minimum_at_any_scale(teacher, norm):
    v, a = norm / teacher.w_norm * teacher.w_star, teacher.w_norm * teacher.a_star
    energy = (loss(teacher, v, a) + loss(teacher, v, -a)) / 2
    assert abs(loss(teacher, v, a)) <= 1e-14 * energy
    gv, ga = gradient(teacher, v, a)
    assert np.all(np.isfinite(gv)) and np.all(np.isfinite(ga))


@given(teachers(max_k=6, max_p=6), st.floats(-1e-15, 1e-15, allow_nan=False), st.data())
def test_nearly_parallel_never_rounds_past_cos_1(teacher, wiggle, data):
    """Perturbations at rounding level make naive cos φ exceed 1; the loss must stay finite."""
    sign = data.draw(st.sampled_from([1.0, -1.0]))
    v = sign * teacher.w_star * (1 + wiggle * np.arange(teacher.p))
    value = loss(teacher, v, teacher.a_star)
    assert math.isfinite(value)
    assert np.all(np.isfinite(hessian(teacher, v, teacher.a_star)))


@pytest.mark.parametrize("end", ["zero", "pi"])
@given(teacher=teachers(max_k=6, max_p=6).filter(lambda t: t.p >= 2))
def test_hessian_is_continuous_at_the_ends(end, teacher):
    """ℓ is C² at φ ∈ {0, π}: the Hessian there is the limit of nearby Hessians."""
    rng = np.random.default_rng(0)
    from checks.experiments.teachers import vector_at_angle
    at, near = (0.0, 1e-7) if end == "zero" else (math.pi, math.pi - 1e-7)
    a = teacher.a_star
    h_at = hessian(teacher, vector_at_angle(teacher.w_star, at, 1.0, rng), a)
    h_near = hessian(teacher, vector_at_angle(teacher.w_star, near, 1.0, rng), a)
    # H is Lipschitz in φ there, with a constant of the order of |aᵀa*|·‖w*‖ (‖v‖ = 1)
    scale = max(1.0, abs(a @ teacher.a_star) * teacher.w_norm, np.max(np.abs(h_at)))
    assert np.max(np.abs(h_at - h_near)) <= 1e-5 * scale


def test_tiny_v_is_scaled_not_underflowed():
    teacher = Teacher([1.0, 2.0], [1.0, -0.5])
    v = np.array([3e-300, -1e-300])
    assert loss(teacher, v, [0.2, 0.1]) == pytest.approx(loss(teacher, v * 1e300, [0.2, 0.1]), rel=1e-15)


def test_subnormal_v_gradient_overflow_is_a_clear_error():
    teacher = Teacher([1.0, 2.0], [1.0, -0.5])
    with pytest.raises(ValueError, match=r"overflows float64.*dps"):
        gradient(teacher, [5e-324, 5e-324 * 3], [0.2, 0.1])
    assert all(mpmath.isfinite(x) for x in gradient(teacher, [5e-324, 1.5e-323], [0.2, 0.1], dps=20)[0])


# --- return types and precision -----------------------------------------------------

def test_return_types():
    teacher = Teacher([1.0, 2.0, 0.5], [1.0, -0.5])
    v, a = [0.3, -1.0, 2.0], [0.2, 0.1]
    assert type(loss(teacher, v, a)) is float
    assert isinstance(loss(teacher, v, a, dps=30), mpmath.mpf)
    gv, ga = gradient(teacher, v, a)
    assert gv.dtype == ga.dtype == np.float64 and gv.shape == (3,) and ga.shape == (2,)
    gv, ga = gradient(teacher, v, a, dps=30)
    assert isinstance(gv, list) and all(isinstance(x, mpmath.mpf) for x in gv + ga)
    assert hessian(teacher, v, a).shape == (5, 5)
    assert hessian(teacher, v, a, dps=30).rows == 5


def test_mpf_inputs_are_used_exactly():
    teacher = Teacher([1.0, 2.0], [1.0, -0.5])
    third = mpmath.mpf(1) / 3
    with mpmath.workdps(60):
        v = [mpmath.mpf(1) / 3, mpmath.mpf(2)]
        value = loss(teacher, v, [third, third], dps=60)
        assert value != loss(teacher, [float(x) for x in v], [float(third)] * 2, dps=60)


def test_dps_does_not_leak_into_the_caller():
    teacher = Teacher([1.0], [1.0])
    before = mpmath.mp.dps
    loss(teacher, [1.0], [1.0], dps=80)
    assert mpmath.mp.dps == before


@given(st.floats(0, 250))
def test_saddle_bisection_keeps_full_relative_accuracy_for_tiny_targets(exponent):
    """g(π − δ) = target near δ = 0 cancels ~(2/3)·log10(1/target) digits; the guard digits grow."""
    from theory import formulas, landscape
    from theory.arith import MpmathArith
    target = mpmath.mpf(10) ** -mpmath.mpf(exponent)
    with MpmathArith(40).precision():
        delta = landscape._solve_g_by_delta(target, MpmathArith(40))
    reference = MpmathArith(600)
    with reference.precision():
        residual = formulas.g(formulas.angle_from_delta(delta, reference), reference) / target - 1
    assert abs(residual) < mpmath.mpf(10) ** -38


def test_saddle_bisection_stops_with_a_clear_error_if_the_precision_is_changed_under_it(monkeypatch):
    """Another thread dropping mpmath's precision mid-bisection must not hang it."""
    from theory import formulas, landscape
    from theory.arith import MpmathArith
    exact_g = formulas.g

    def g_while_another_thread_resets_the_precision(angle, ar):
        mpmath.mp.dps = 15
        return exact_g(angle, ar)
    monkeypatch.setattr(formulas, "g", g_while_another_thread_resets_the_precision)
    with MpmathArith(40).precision(), pytest.raises(ArithmeticError, match="precision was changed"):
        landscape._solve_g_by_delta(mpmath.mpf("0.3"), MpmathArith(40))
