"""theory.dynamics: the engines agree, initialization is as documented, outcomes are principled."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.strategies import teachers
from theory import Teacher, dynamics, landscape
from theory.full_gd import batch_gradient

ENGINES = ("reduced-numpy", "reduced-numba", "full")


@st.composite
def gd_instances(draw, max_dim=12):
    teacher = draw(teachers(max_k=max_dim, max_p=max_dim, norms=st.floats(-0.5, 0.5).map(lambda x: 10 ** x)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scheme = draw(st.sampled_from(dynamics.SCHEMES))
    V0, A0 = dynamics.random_init(teacher, draw(st.integers(1, 12)), rng, scheme)
    return teacher, V0, A0, draw(st.sampled_from([0.5, 1.0, 2.0])) * dynamics.default_eta(teacher)


@settings(max_examples=20)
@given(gd_instances(), st.integers(50, 400))
def test_reduced_engines_agree_with_the_full_engine(instance, steps):
    teacher, V0, A0, eta = instance
    runs = {e: dynamics.run_gd(teacher, V0, A0, eta=eta, steps=steps, engine=e) for e in ENGINES}
    full = runs["full"]
    for engine in ("reduced-numpy", "reduced-numba"):
        got = runs[engine]
        np.testing.assert_allclose(got.V, full.V, rtol=1e-11, atol=1e-12 * np.abs(full.V).max())
        np.testing.assert_allclose(got.A, full.A, rtol=1e-11, atol=1e-12 * max(1.0, np.abs(full.A).max()))
    assert np.array_equal(runs["reduced-numpy"].outcome, runs["reduced-numba"].outcome)
    assert np.array_equal(runs["reduced-numpy"].decided_step, runs["reduced-numba"].decided_step)


@settings(max_examples=15)
@given(gd_instances(max_dim=6))
def test_recorded_losses_are_the_closed_form_loss(instance):
    teacher, V0, A0, eta = instance
    result = dynamics.run_gd(teacher, V0, A0, eta=eta, steps=30, record=dynamics.RECORDABLE)
    for i in range(V0.shape[0]):
        expected = landscape.loss(teacher, result.V[i], result.A[i])
        scale = landscape.loss(teacher, teacher.w_star, np.zeros(teacher.k))
        assert abs(result.history["loss"][-1, i] - expected) <= 1e-11 * scale
    assert all(h.shape == (31, V0.shape[0]) for h in result.history.values())


@given(teachers(max_k=8, max_p=8), st.integers(0, 2**32 - 1))
def test_batch_gradient_is_the_landscape_gradient(teacher, seed):
    rng = np.random.default_rng(seed)
    V, A = dynamics.random_init(teacher, 5, rng, "gaussian")
    grad_v, grad_a = batch_gradient(teacher, V, A)
    for i in range(5):
        gv, ga = landscape.gradient(teacher, V[i], A[i])
        np.testing.assert_allclose(grad_v[i], gv, rtol=1e-9, atol=1e-13)
        np.testing.assert_allclose(grad_a[i], ga, rtol=1e-9, atol=1e-13)


@given(teachers(max_k=16, max_p=16), st.integers(0, 2**32 - 1))
def test_paper_initialization(teacher, seed):
    V0, A0 = dynamics.random_init(teacher, 200, np.random.default_rng(seed))
    np.testing.assert_allclose(np.linalg.norm(V0, axis=1), 1.0, rtol=1e-12)
    radius = dynamics.paper_radius(teacher)
    assert np.all(np.linalg.norm(A0, axis=1) <= radius * (1 + 1e-12))
    assert np.all(np.abs(A0.sum(axis=1)) <= abs(teacher.a_star.sum()) * teacher.w_norm * (1 + 1e-12) + 1e-300)


def test_zero_sum_teacher_gets_a0_zero():
    teacher = Teacher([1.0, 0.5], [1.0, -1.0, 0.5, -0.5])
    _, A0 = dynamics.random_init(teacher, 50, np.random.default_rng(0))
    assert np.all(A0 == 0)


def test_same_seed_same_numbers_any_engine():
    teacher = Teacher([0.3, -1.0, 0.7], [1.0, 0.2, -0.4])
    first = dynamics.run_gd(teacher, *dynamics.random_init(teacher, 64, np.random.default_rng(9)), steps=300)
    again = dynamics.run_gd(teacher, *dynamics.random_init(teacher, 64, np.random.default_rng(9)), steps=300)
    assert np.array_equal(first.V, again.V) and np.array_equal(first.outcome, again.outcome)


def test_until_decided_keeps_outcomes():
    teacher = Teacher([0.3, -1.0, 0.7], [1.0, 0.2, -0.4])
    V0, A0 = dynamics.random_init(teacher, 300, np.random.default_rng(1))
    for engine in ("reduced-numpy", "reduced-numba"):
        full = dynamics.run_gd(teacher, V0, A0, steps=3000, engine=engine)
        stopped = dynamics.run_gd(teacher, V0, A0, steps=3000, engine=engine, until_decided=True)
        assert np.array_equal(full.outcome, stopped.outcome)
        assert np.array_equal(full.decided_step, stopped.decided_step)


def test_spurious_runs_are_decided_long_before_they_converge():
    """π − φ_t ~ 1/t: a distance test would leave these undecided; the region test does not."""
    teacher = Teacher([1.0, 0.0, 0.0], [1.0, 0.05, -0.1])
    V0, A0 = dynamics.random_init(teacher, 500, np.random.default_rng(2))
    result = dynamics.run_gd(teacher, V0, A0, steps=2000, record=("phi",))
    spurious = result.outcome == "spurious"
    assert spurious.any() and not np.any(result.outcome == "undecided")
    assert np.all(math.pi - result.history["phi"][-1, spurious] > 1e-4)


def test_p1_outcome_is_fixed_by_the_initial_sign():
    teacher = Teacher([2.0], [1.0, 1.0])
    V0 = np.array([[1.0], [-3.0]])
    result = dynamics.run_gd(teacher, V0, np.zeros((2, 2)), steps=50)
    assert list(result.outcome) == ["global", "spurious"]


def test_fixed_output_layer_keeps_a():
    teacher = Teacher([0.3, -1.0], [1.0, 0.2])
    V0 = np.array([[1.0, 1.0]])
    A0 = np.array([[0.5, 0.1]])
    result = dynamics.run_gd(teacher, V0, A0, steps=100, train_a=False)
    np.testing.assert_array_equal(result.A, A0)
    assert result.outcome[0] == "undecided"


def test_above_the_stability_limit_runs_are_reported_as_diverged():
    """η(k + π − 1)/(2π) > 2 expands the output layer's 1-direction: every run diverges, is said
    to, and stops at the certifying step with finite iterates."""
    teacher = Teacher([0.3, -1.0, 0.7], [1.0, 0.2, -0.4])
    V0, A0 = dynamics.random_init(teacher, 100, np.random.default_rng(3))
    eta = 40 * dynamics.default_eta(teacher)
    assert eta * (teacher.k + math.pi - 1) / (2 * math.pi) > 2
    for engine in ENGINES:
        result = dynamics.run_gd(teacher, V0, A0, eta=eta, steps=500, engine=engine)
        assert result.counts()["diverged"] == 100
        assert np.all(np.isfinite(result.V)) and np.all(np.isfinite(result.A))
        assert np.all(result.decided_step < 500)


GOOD = Teacher([1.0, 2.0], [1.0, -1.0, 0.5])


@pytest.mark.parametrize("kwargs, message", [
    ({"V0": np.ones((3, 3))}, "V0 must have shape"),
    ({"A0": np.ones((2, 3))}, "A0 must have shape"),
    ({"V0": np.array([[np.nan, 1.0]] * 3)}, "V0 must be finite"),
    ({"V0": np.zeros((3, 2))}, "V0 must not contain a zero row"),
    ({"eta": 0.0}, "eta must be a positive"),
    ({"eta": -1.0}, "eta must be a positive"),
    ({"eta": math.inf}, "eta must be a positive"),
    ({"steps": 0}, "steps must be an integer"),
    ({"engine": "gpu"}, "engine must be"),
    ({"record": ("nope",)}, "record must be among"),
])
def test_run_gd_rejects_bad_input(kwargs, message):
    args = {"V0": np.ones((3, 2)), "A0": np.ones((3, 3)), **kwargs}
    with pytest.raises(ValueError, match=message):
        dynamics.run_gd(GOOD, **args)


@pytest.mark.parametrize("call, message", [
    (lambda: dynamics.random_init(GOOD, 0, np.random.default_rng(0)), "n must be"),
    (lambda: dynamics.random_init(GOOD, 5, np.random.default_rng(0), "uniform"), "scheme must be"),
    (lambda: dynamics.random_init("teacher", 5, np.random.default_rng(0)), "teacher must be"),
])
def test_random_init_rejects_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_reduced_results_expand_v_and_a_when_first_read():
    """Outcome-only readers never expand; V and A read later are those of the batch at the end
    (and the kernel, which advances the batch in place, cannot change them)."""
    teacher = Teacher([0.6, -1.0, 0.3], [1.0, 0.4, -0.7, 0.2])
    V0, A0 = dynamics.random_init(teacher, 64, np.random.default_rng(2))
    result = dynamics.run_gd(teacher, V0, A0, steps=300)
    result.counts()
    assert result._unexpanded is not None
    embedding, batch = result._unexpanded
    V, A = embedding.expand(batch)
    assert np.array_equal(result.V, V) and np.array_equal(result.A, A) and result._unexpanded is None
    full = dynamics.run_gd(teacher, V0, A0, steps=300, engine="full")
    assert np.allclose(result.V, full.V, rtol=1e-9, atol=1e-12) and np.allclose(result.A, full.A, rtol=1e-9, atol=1e-12)
