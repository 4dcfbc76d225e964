"""Extreme but valid inputs, and values beyond float64: every engine runs them alike or refuses them
in one line; no silent inf or NaN, no cached array a caller can edit."""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theory import Teacher, dynamics, formulas, gaussian, landscape, validation

ENGINES = ("reduced-numba", "reduced-numpy", "full")


@pytest.mark.slow
@pytest.mark.parametrize("scale", [1e-105, 1e-110, 1e-200, 1e-300])
def test_a_tiny_v0_is_run_by_every_engine_alike(scale):
    V0, A0 = dynamics.random_init(TEACHER, 8, np.random.default_rng(1))
    results = {e: dynamics.run_gd(TEACHER, V0 * scale, A0, steps=3000, engine=e) for e in ENGINES}
    for result in results.values():
        assert np.all(np.isfinite(result.V)) and np.all(np.isfinite(result.A))
        assert result.counts()["undecided"] == 0
        assert np.array_equal(result.outcome, results["full"].outcome)


def test_a_v0_too_short_for_float64_is_refused_with_its_limit():
    V0, A0 = dynamics.random_init(TEACHER, 2, np.random.default_rng(1))
    with pytest.raises(ValueError, match="V0"):
        dynamics.run_gd(TEACHER, V0 * 1e-310, A0, steps=5)


@settings(max_examples=40)
@given(st.floats(-320, 320), st.floats(-320, 320))
def test_teachers_of_any_scale_are_finite_or_refused(log_w, log_a):
    with np.errstate(over="ignore"):      # 10^320 is inf: the teacher must refuse it by name
        w_star, a_star = np.array([1.0, 2.0]) * np.power(10.0, log_w), np.array([1.0, 2.0]) * np.power(10.0, log_a)
    try:
        teacher = Teacher(w_star, a_star)
    except ValueError as exc:
        assert "w_star" in str(exc) or "a_star" in str(exc)
        return
    eta = dynamics.default_eta(teacher)
    assert math.isfinite(eta) and eta > 0
    assert math.isfinite(landscape.loss(teacher, [1.0, 0.0], [0.1, 0.1]))
    result = dynamics.run_gd(teacher, [[1.0, 0.5]], [[0.1, -0.1]], steps=20)
    assert np.all(np.isfinite(result.V)) and np.all(np.isfinite(result.A))


@settings(max_examples=40)
@given(st.floats(-20, 120))
def test_step_sizes_of_any_size_give_finite_labelled_runs_or_a_clear_error(log_multiple):
    eta = 10.0 ** log_multiple * dynamics.default_eta(TEACHER)
    try:
        result = dynamics.run_gd(TEACHER, [[1.0, 0.5, 0.2]], [[0.1, -0.1, 0.3]], eta=eta, steps=200)
    except ValueError as exc:
        assert "eta must be at most" in str(exc) and log_multiple > 99
        return
    assert np.all(np.isfinite(result.V)) and np.all(np.isfinite(result.A))
    if log_multiple > math.log10(8):          # ηα > 2 beyond 4× the default for this teacher
        assert result.outcome[0] == "diverged"


def test_a_loss_that_overflows_is_an_error_not_nan():
    with pytest.raises(ValueError, match="overflows float64"):
        landscape.loss(TEACHER, [1.0, 0.0, 0.0], [1e200, 1e200, 1e200])


def test_a_precision_beyond_the_cap_is_refused():
    with pytest.raises(ValueError, match=r"dps must be an integer in \[16, 5000\]"):
        landscape.loss(TEACHER, [1.0, 0.0, 0.0], [1.0, 0.0, 0.0], dps=10**9)


@pytest.mark.parametrize("call, message", [
    (lambda: dynamics.random_init(TEACHER, 2, None), "rng must be a numpy Generator"),
    (lambda: dynamics.run_gd(TEACHER, [["1", "2", "3"]], [[1.0, 2.0, 3.0]]), "V0 must be an array of real numbers"),
    (lambda: dynamics.outcome_counts(TEACHER, 5, None), "rng must be a numpy Generator"),
])
def test_api_misuse_is_a_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


TEACHER = Teacher([0.3, -1.0, 0.7], [1.0, 0.2, -0.4])


def test_cached_decision_tables_and_planes_cannot_be_edited_by_the_caller():
    V0, A0 = dynamics.random_init(TEACHER, 200, np.random.default_rng(3))
    before = dynamics.run_gd(TEACHER, V0, A0, steps=3000, until_decided=True).counts()
    table = dynamics.decision_table(TEACHER, dynamics.default_eta(TEACHER))
    plane = dynamics.reduced_plane(TEACHER)
    for array in (table.r2_min, table.levels, table.band, plane.basis, plane.q_one, plane.q_astar):
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 1e300
    with pytest.raises(AttributeError):      # the run rule is a named tuple: immutable
        table.rule.slack = 1e300  # type: ignore[misc]
    assert dynamics.run_gd(TEACHER, V0, A0, steps=3000, until_decided=True).counts() == before
    assert before["undecided"] == 0


@pytest.mark.parametrize("steps", [2**63 - 1, 2**63, validation.MAX_STEPS + 1, 10**100])
def test_steps_beyond_the_documented_maximum_are_a_value_error(steps):
    V0, A0 = dynamics.random_init(TEACHER, 4, np.random.default_rng(1))
    with pytest.raises(ValueError, match=r"steps must be an integer in \[1, 1e\+15\]"):
        dynamics.run_gd(TEACHER, V0, A0, steps=steps, until_decided=True)
    with pytest.raises(ValueError, match="max_steps must be an integer"):
        dynamics.outcome_counts(TEACHER, 4, np.random.default_rng(1), max_steps=steps)


def test_the_maximum_number_of_steps_decides_runs_in_every_engine():
    V0, A0 = dynamics.random_init(TEACHER, 16, np.random.default_rng(1))
    outcomes = [dynamics.run_gd(TEACHER, V0, A0, steps=validation.MAX_STEPS, until_decided=True, engine=e).outcome
                for e in ("reduced-numba", "reduced-numpy")]
    assert np.array_equal(outcomes[0], outcomes[1]) and "undecided" not in outcomes[0]


@pytest.mark.parametrize("eta", [10**400, -(10**400)])
def test_an_integer_step_size_beyond_float64_is_a_value_error(eta):
    with pytest.raises(ValueError, match="eta must be a positive finite number"):
        dynamics.run_gd(TEACHER, [[1.0, 0.5, 0.2]], [[0.1, -0.1, 0.3]], eta=eta, steps=5)


@pytest.mark.parametrize("call", [lambda: gaussian.relu_second_moment(1e200),
                                  lambda: gaussian.relu_cross_moment(1e160, 1e160, 1.0),
                                  lambda: gaussian.relu_mean(1.7e308)])
def test_a_moment_that_overflows_float64_is_an_error_or_finite(call):
    try:
        value = call()
    except ValueError as exc:
        assert "overflows float64" in str(exc) and "dps" in str(exc)
    else:
        assert np.isfinite(float(value))


def test_a_moment_beyond_float64_is_exact_with_dps():
    assert abs(gaussian.relu_second_moment(1e200, dps=30) / mpmath.mpf("5e399") - 1) < 1e-12


@pytest.mark.parametrize("theta, fragment", [
    (formulas.Angle(10.0, -6.86), "theta.phi must lie in"),
    (formulas.Angle(1.0, 1.0), "inconsistent Angle"),
    (formulas.Angle(float("nan"), 1.0), "theta.phi must be finite"),
    (formulas.Angle(1.0, float("nan")), "theta.delta must be finite"),
    (formulas.Angle("1.0", 2.0), "theta.phi must be a real number"),
    ("1.0", "theta must be a real number"),
    (True, "theta must be a real number"),
    (float("nan"), "theta must be finite"),
])
def test_bad_angles_are_refused(theta, fragment):
    with pytest.raises(ValueError, match=fragment):
        gaussian.relu_cross_moment(1.0, 1.0, theta)
    with pytest.raises(ValueError, match=fragment):
        gaussian.quadrature_moments(1.0, 1.0, theta, dps=20)


def test_a_consistent_angle_is_accepted_at_both_ends():
    from theory.arith import arith_for
    for phi in (0.0, 1.0, np.pi):
        angle = formulas.angle_from_phi(phi, arith_for(None))
        assert gaussian.relu_cross_moment(1.0, 1.0, angle) == gaussian.relu_cross_moment(1.0, 1.0, phi)


@pytest.mark.parametrize("chunk", [0, -1, 1.5, True, "8"])
def test_monte_carlo_refuses_a_bad_chunk(chunk):
    teacher = Teacher([1.0, 2.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="chunk must be an integer"):
        gaussian.monte_carlo_loss(teacher, [1.0, 0.0], [1.0, 1.0], 100, np.random.default_rng(0), chunk=chunk)


def test_monte_carlo_refuses_a_missing_generator():
    with pytest.raises(ValueError, match="rng must be a numpy Generator"):
        gaussian.monte_carlo_loss(Teacher([1.0, 2.0], [1.0, 1.0]), [1.0, 0.0], [1.0, 1.0], 100, None)


def test_a_monte_carlo_loss_that_overflows_is_a_clear_error(recwarn):
    teacher = Teacher([1.0, 2.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="Monte Carlo loss overflows float64"):
        gaussian.monte_carlo_loss(teacher, [1.0, 0.0], [1e200, 1e200], 1000, np.random.default_rng(0))
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


class _RecordingGenerator(np.random.Generator):
    """Records the shape of the first draw, then stops the estimate."""

    def standard_normal(self, size=None, *args, **kwargs):
        self.size = size
        raise StopIteration


def test_monte_carlo_draws_a_chunk_that_fits_in_memory_whatever_k_and_p():
    teacher = Teacher(np.ones(3000), np.ones(3000))
    rng = _RecordingGenerator(np.random.PCG64(0))
    with pytest.raises(StopIteration):
        gaussian.monte_carlo_loss(teacher, np.ones(3000), np.ones(3000), 10**5, rng)
    m, k, p = rng.size
    assert (k, p) == (3000, 3000) and m >= 1 and 8 * m * k * p <= gaussian.MC_CHUNK_BYTES
    small = Teacher([1.0, 2.0], [1.0, 1.0])
    assert gaussian.monte_carlo_chunk(small, 65536) == 65536        # small inputs: chunk as asked


def test_monte_carlo_refuses_an_input_too_large_for_memory():
    with pytest.raises(ValueError, match="one Gaussian input"):
        gaussian.monte_carlo_chunk(Teacher(np.ones(10**5), np.ones(10**4)), 10)


def test_equal_teachers_hash_alike_also_with_negative_zeros():
    one, other = Teacher([1.0, 0.0], [1.0]), Teacher([1.0, -0.0], [1.0])
    assert one == other and hash(one) == hash(other)
    assert Teacher([1.0, 0.0], [-0.0, 2.0]) == Teacher([1.0, 0.0], [0.0, 2.0])
    assert hash(Teacher([1.0, 0.0], [-0.0, 2.0])) == hash(Teacher([1.0, 0.0], [0.0, 2.0]))
    assert len({one, other}) == 1
