"""GD without weight normalization (run_gd/outcome_counts with weight_norm=False) against plain GD
on (w, a) differentiated by hand from the closed form (tests/oracles/plain.py): the same
trajectories run by run in every engine; the stated rule's decisions are where plain GD ends; and
the outcome law from reduced draws is that of full-dimensional plain GD (slow)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import fisher_exact

from tests.oracles import plain
from theory import Teacher, dynamics, invariants

ENGINES = ("reduced-numpy", "reduced-numba", "full")
TEACHERS = [invariants.canonical_teacher(4, 0.2, 1.0, p=8),
            invariants.canonical_teacher(9, 0.5, 4.0, p=3),
            Teacher([0.3, -1.0, 0.7], [1.0, 0.2, -0.4])]


@pytest.mark.parametrize("teacher", TEACHERS, ids=["k4-p8", "k9-p3-kappa4", "k3-p3"])
def test_every_engine_runs_plain_gd_step_for_step(teacher):
    V0, A0 = dynamics.random_init(teacher, 8, np.random.default_rng(5), "paper")
    eta = dynamics.default_eta(teacher, weight_norm=False)
    W, A = plain.run(teacher.w_star, teacher.a_star, V0, A0, eta, 120)
    for engine in ENGINES:
        got = dynamics.run_gd(teacher, V0, A0, eta=eta, steps=120, engine=engine, weight_norm=False)
        np.testing.assert_allclose(got.V, W, rtol=1e-9, atol=1e-11 * np.abs(W).max(), err_msg=engine)
        np.testing.assert_allclose(got.A, A, rtol=1e-9, atol=1e-11 * np.abs(A).max(), err_msg=engine)


def test_the_stated_rule_decides_where_plain_gd_ends():
    teacher = TEACHERS[0]
    V0, A0 = dynamics.random_init(teacher, 300, np.random.default_rng(3), "paper")
    runs = dynamics.run_gd(teacher, V0, A0, steps=20_000, until_decided=True, weight_norm=False)
    counts = runs.counts()
    assert counts["global"] >= 50 and counts["spurious"] >= 50 and counts["undecided"] == 0
    W, _ = plain.run(teacher.w_star, teacher.a_star, runs.V, runs.A, runs.eta, 3000)
    phi = plain.angles(W, teacher.w_star)[0]
    assert np.all(phi[runs.outcome == "global"] < 0.05)
    assert np.all(phi[runs.outcome == "spurious"] > math.pi - 0.1)


@pytest.mark.slow
@pytest.mark.parametrize("k, r, kappa, p", [(4, 0.2, 1.0, 8), (10, 0.3, 1.0, 50)])
def test_the_outcome_law_is_that_of_full_dimensional_plain_gd(k, r, kappa, p):
    """Two-sided Fisher test on (spurious, not), false-alarm rate 1e-6; 4,000 reduced draws against
    2,000 full-dimensional plain GD runs of the oracle, each run 6,000 steps and classified by
    its final angle."""
    teacher = invariants.canonical_teacher(k, r, kappa, p=p)
    reduced_rng, full_rng = (np.random.default_rng(s) for s in np.random.SeedSequence([26, k, p]).spawn(2))
    counts = dynamics.outcome_counts(teacher, 4000, reduced_rng, weight_norm=False)
    assert counts["undecided"] == counts["diverged"] == 0
    V0, A0 = dynamics.random_init(teacher, 2000, full_rng, "paper")
    W, _ = plain.run(teacher.w_star, teacher.a_star, V0, A0, dynamics.default_eta(teacher, weight_norm=False), 6000)
    phi = plain.angles(W, teacher.w_star)[0]
    assert np.all((phi < 0.3) | (phi > math.pi - 0.3))
    spurious = int(np.sum(phi > math.pi / 2))
    p_value = fisher_exact([[counts["spurious"], 4000 - counts["spurious"]], [spurious, 2000 - spurious]])[1]
    assert p_value > 1e-6, (counts, spurious)
