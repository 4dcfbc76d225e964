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


@pytest.mark.parametrize(("k", "ratio", "kappa"), [(10, 0.6, 1e5), (30, 0.05, 1e5)])
def test_the_large_kappa_criterion_predicts_each_run_away_from_a_level_start(k, ratio, kappa):
    """The limit criterion decides runs at large κ point by point — on teachers other than those that
    suggested it — except where x₀ = ã₀ᵀâ* is within 2 % of the disk's radius of 0, where the angle's
    first move is too slow for the premise that it moves before the output layer does."""
    r = ratio * invariants.boundary(k)
    rng = np.random.default_rng([k, 11])
    u, theta = np.sqrt(rng.random(300)), rng.uniform(0, 2 * math.pi, 300)
    points = math.sqrt(r / k) * np.stack([u * np.cos(theta), u * np.sin(theta)], axis=1)
    codes = invariants.DiskRuns(k, r, kappa, max_steps=2_000_000).outcomes(points)
    low, high = quadrature._LimitFlow(k, r).interval(theta)
    predicted = (u > low) & (u < high)
    clear = np.abs(np.cos(theta)) * u > 0.02
    assert np.all(codes != 0)
    assert np.array_equal((codes == 2)[clear], predicted[clear])
    assert clear.mean() > 0.95


def test_the_large_kappa_limit_is_one_half_below_r_of_one_and_falls_above_it():
    """For r well below 1 the sign of x₀ decides (½); above 1 the output layer's fast mode pushes
    x up first, and the limit falls — as a function of r, nearly the same at k = 10³ and 10⁵."""
    assert quadrature.large_kappa_limit(1000, 0.5).spurious == pytest.approx(0.5, abs=1e-9)
    at_three = [quadrature.large_kappa_limit(k, 3.0, tolerance=1e-6).spurious for k in (1000, 100_000)]
    assert 0.3 < at_three[0] < 0.4 and at_three[1] == pytest.approx(at_three[0], abs=0.02)
