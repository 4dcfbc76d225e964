"""GD/SGD on sampled inputs, many runs at once: the loop against theory.empirical, per-run minibatch
streams, the input laws' moments, the outcome rule; the compiled kernel and the population engine
(slow)."""

import numpy as np
import pytest

from tests import beyond_faults
from theory import Teacher, dynamics, empirical, landscape, sampled
from theory.decisions import Outcome

TEACHER = Teacher([1.0, 0.3, -0.5], [1.0, -0.5])


def _python_advance(samples, V, A, eta, steps, batch=None, streams=None, monkeypatch=None):
    """sampled.advance through the uncompiled loop (cheap at these sizes; no compilation in fast tests)."""
    monkeypatch.setattr(sampled, "_KERNEL", sampled._sgd)
    sampled.advance(samples, V, A, eta, steps, batch, streams)


def test_gd_loop_is_theory_empirical_gd(monkeypatch):
    samples = sampled.draw_samples(TEACHER, "gaussian", 1, 40, np.random.default_rng(1))
    V, A = dynamics.random_init(TEACHER, 3, np.random.default_rng(2))
    V1, A1 = V.copy(), A.copy()
    _python_advance(samples, V1, A1, 0.2, 6, monkeypatch=monkeypatch)
    for r in range(3):
        v, a, _ = empirical.run_empirical_gd(empirical.Sample(samples.Z[0], samples.y[0]), V[r], A[r], 0.2, 6)
        np.testing.assert_allclose(V1[r], v, atol=1e-14)
        np.testing.assert_allclose(A1[r], a, atol=1e-14)


def test_a_runs_minibatches_do_not_depend_on_the_other_runs(monkeypatch):
    samples = sampled.draw_samples(TEACHER, "student-t5", 2, 50, np.random.default_rng(3))
    V, A = dynamics.random_init(TEACHER, 4, np.random.default_rng(4))
    seeds = np.random.SeedSequence(5).spawn(4)
    alone_V, alone_A = V[:2].copy(), A[:2].copy()
    _python_advance(samples, alone_V, alone_A, 0.2, 7, 3, [np.random.default_rng(s) for s in seeds[:2]],
                    monkeypatch)
    _python_advance(samples, V, A, 0.2, 7, 3, [np.random.default_rng(s) for s in seeds], monkeypatch)
    np.testing.assert_array_equal(V[:2], alone_V)
    np.testing.assert_array_equal(A[:2], alone_A)


@pytest.mark.parametrize("law", sampled.LAWS)
def test_input_laws_have_unit_variance(law):
    check = sampled.input_moments(law, 200_000, np.random.default_rng(6))
    assert check.passed(), check
    if law != "student-t5":   # its E x⁸ is infinite: the fourth moment has no standard error
        assert check.fourth == pytest.approx(sampled.FOURTH_MOMENTS[law], rel=0.05)


@pytest.mark.parametrize("fault", beyond_faults.SAMPLED_FAULTS, ids=lambda f: f.name)
def test_planted_sampling_faults_are_caught(fault, monkeypatch):
    law = fault.plant(monkeypatch)
    assert not sampled.input_moments(law, 200_000, np.random.default_rng(6)).passed()


def test_outcome_rule_on_known_points():
    teacher = Teacher([0.6, 0.8, 0.0], [1.0, -0.8, 0.5])
    assert landscape.has_spurious_minimum(teacher)
    points = [landscape.global_minimum(teacher), landscape.spurious_point(teacher),
              (np.array([0.0, 0.0, 1.0]), np.zeros(3)), (np.array([np.nan, 0, 0]), np.zeros(3))]
    V, A = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    _, _, outcome = sampled.classify(teacher, V, A)
    assert list(outcome) == [Outcome.GLOBAL, Outcome.SPURIOUS, Outcome.UNDECIDED, Outcome.DIVERGED]


def test_bad_input_is_one_value_error():
    with pytest.raises(ValueError, match="law must be one of"):
        sampled.run(TEACHER, 2, 10, seed=0, law="cauchy")
    with pytest.raises(ValueError, match="batch must be at most"):
        sampled.run(TEACHER, 2, 10, seed=0, batch=11)
    with pytest.raises(ValueError, match="GiB"):
        sampled.run(Teacher(np.ones(64), np.ones(64)), 2, 10**6, seed=0)


@pytest.mark.slow
def test_compiled_kernel_is_the_loop_and_ignores_the_thread_count(monkeypatch):
    import numba
    first = sampled.run(TEACHER, 64, 200, seed=9, batch=8, steps=300, law="rademacher", datasets=2)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        again = sampled.run(TEACHER, 64, 200, seed=9, batch=8, steps=300, law="rademacher", datasets=2)
    finally:
        numba.set_num_threads(threads)
    np.testing.assert_array_equal(first.V, again.V)
    np.testing.assert_array_equal(first.A, again.A)
    samples = sampled.draw_samples(TEACHER, "gaussian", 1, 30, np.random.default_rng(1))
    V, A = dynamics.random_init(TEACHER, 2, np.random.default_rng(2))
    V1, A1 = V.copy(), A.copy()
    sampled.advance(samples, V1, A1, 0.2, 5)
    _python_advance(samples, V, A, 0.2, 5, monkeypatch=monkeypatch)
    np.testing.assert_array_equal(V, V1)


@pytest.mark.slow
def test_large_sample_gd_agrees_with_the_population_engine():
    """GD on a large Gaussian sample against population GD: P(global) within the exact 99.9 %
    Clopper–Pearson interval of 400 runs, plus 0.01 (the runs share 4 samples; the empirical
    landscape differs from the population's by O(√(kp/n)) ≈ 0.03 in the gradient at n = 5,000)."""
    from scipy.stats import binomtest
    runs = 400
    ours = sampled.run(TEACHER, runs, 5_000, seed=7, steps=300, datasets=4).counts()
    theirs = dynamics.outcome_counts(TEACHER, 20_000, np.random.default_rng(8))
    assert ours["undecided"] <= 0.01 * runs and ours["diverged"] == 0
    population = theirs["global"] / sum(theirs.values())
    interval = binomtest(ours["global"], ours["global"] + ours["spurious"]).proportion_ci(0.999, "exact")
    assert interval.low - 0.01 <= population <= interval.high + 0.01, (ours, theirs)
