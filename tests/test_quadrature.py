"""theory.quadrature: P_∞ by quadrature over the disk, against sampling and against faults."""

import math

import numpy as np
import pytest
from scipy import stats

from theory import dynamics, invariants, quadrature

# (k, r/r_b, κ): a uniform disk (k = 2) and a concentrated one (k = 10), both with a wide spurious arc
TEACHERS = [(2, 0.3, 10.0), (10, 0.3, 100.0)]
RUNS, ALPHA = 20_000, 1e-6      # a fixed seed: deterministic; the interval's error rate is 1e-6 per teacher


def sampled_interval(k: int, ratio: float, kappa: float) -> tuple[float, float]:
    teacher = invariants.canonical_teacher(k, ratio * invariants.boundary(k), kappa)
    counts = dynamics.outcome_counts(teacher, RUNS, np.random.default_rng([k, 7]), p=math.inf, max_steps=400_000)
    hits = counts["spurious"]
    assert counts["undecided"] == 0
    return (stats.beta.ppf(ALPHA / 2, hits, RUNS - hits + 1) if hits else 0.0,
            stats.beta.ppf(1 - ALPHA / 2, hits + 1, RUNS - hits) if hits < RUNS else 1.0)


@pytest.mark.parametrize(("k", "ratio", "kappa"), TEACHERS)
def test_the_quadrature_falls_inside_the_sampled_interval(k, ratio, kappa):
    estimate = quadrature.probabilities(k, ratio * invariants.boundary(k), kappa)
    low, high = sampled_interval(k, ratio, kappa)
    assert estimate.error_estimate <= 1e-6
    assert low <= estimate.spurious <= high
    assert estimate.global_ == pytest.approx(1 - estimate.spurious)
    assert 0 < estimate.closest < 1 and estimate.runs > 0


def test_a_wrong_density_is_contradicted_by_sampling(monkeypatch):
    k, ratio, kappa = TEACHERS[1]
    # the density ∝ (1 − u²)^((k−2)/2) itself taken as the tail: the planting a reviewer would expect
    monkeypatch.setattr(quadrature, "radial_tail", lambda u, k: np.exp((k - 2) / 2 * np.log1p(-u * u)))
    estimate = quadrature.probabilities(k, ratio * invariants.boundary(k), kappa)
    low, high = sampled_interval(k, ratio, kappa)
    assert not low <= estimate.spurious <= high


def test_without_a_spurious_minimum_no_ray_is_spurious():
    k = 10
    estimate = quadrature.probabilities(k, 1.2 * invariants.boundary(k), 100.0)
    assert estimate.spurious == 0.0 and estimate.global_ == 1.0 and math.isnan(estimate.arc[0])


def test_two_crossings_on_a_ray_are_refused(monkeypatch):
    """A disk whose spurious set is a ring (spurious between two radii) breaks the method's premise."""
    def ring(self, u, theta):
        u, theta = np.broadcast_arrays(np.asarray(u, float), np.asarray(theta, float))
        self.runs += u.size
        return (u > 0.4) & (u < 0.8) & (np.cos(theta) < 0)

    monkeypatch.setattr(quadrature._Disk, "outcomes", ring)
    with pytest.raises(quadrature.QuadratureError, match="more than one crossing"):
        quadrature.probabilities(2, 0.3 * invariants.boundary(2), 10.0)


def test_two_arcs_are_refused(monkeypatch):
    def two_arcs(self, u, theta):
        u, theta = np.broadcast_arrays(np.asarray(u, float), np.asarray(theta, float))
        return (u > 0.5) & (np.cos(2 * theta) < -0.5)

    monkeypatch.setattr(quadrature._Disk, "outcomes", two_arcs)
    with pytest.raises(quadrature.QuadratureError, match="2 arcs"):
        quadrature.probabilities(2, 0.3 * invariants.boundary(2), 10.0)


@pytest.mark.parametrize("bad", [{"r": 0.0}, {"tolerance": 0.0}, {"kappa": -1.0}, {"max_steps": 0}])
def test_bad_input_is_one_value_error(bad):
    arguments = {"k": 10, "r": 1.0, "kappa": 10.0, **bad}
    with pytest.raises(ValueError):
        quadrature.probabilities(**arguments)
