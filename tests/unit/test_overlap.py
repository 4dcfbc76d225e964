"""Overlapping patches: the closed form against the paper's at s = p, against Monte Carlo through the
strided network, the gradient against differences of the loss; the spurious point's fate."""

import numpy as np
import pytest

from tests import beyond_faults
from theory import Teacher, dynamics, landscape, overlap


def _teacher(seed, k=4, p=6):
    rng = np.random.default_rng(seed)
    return Teacher(rng.standard_normal(p), rng.standard_normal(k))


def test_stride_p_is_the_papers_model():
    teacher = _teacher(1)
    land = overlap.OverlapLandscape.of(teacher, teacher.p)
    rng = np.random.default_rng(2)
    V, A = rng.standard_normal((3, teacher.p)), rng.standard_normal((3, teacher.k))
    loss, grad_v, grad_a = land.loss_and_gradient(V, A)
    for i in range(3):
        assert loss[i] == pytest.approx(landscape.loss(teacher, V[i], A[i]), rel=1e-13)
        ref_v, ref_a = landscape.gradient(teacher, V[i], A[i])
        np.testing.assert_allclose(grad_v[i], ref_v, atol=1e-13)
        np.testing.assert_allclose(grad_a[i], ref_a, atol=1e-13)


def test_patches_follow_the_stride():
    geometry = overlap.Geometry(k=3, p=4, stride=2)
    assert geometry.length == 8 and geometry.lags == 2
    patches = geometry.patches(np.arange(8.0))
    np.testing.assert_array_equal(patches, [[0, 1, 2, 3], [2, 3, 4, 5], [4, 5, 6, 7]])
    with pytest.raises(ValueError, match="stride must be at most"):
        overlap.Geometry(3, 4, 5)


@pytest.mark.parametrize("stride", [1, 2, 5])
def test_gradient_agrees_with_differences_of_the_loss(stride):
    teacher = _teacher(3)
    rng = np.random.default_rng(4)
    V, A = rng.standard_normal((2, teacher.p)), rng.standard_normal((2, teacher.k))
    assert overlap.gradient_error(overlap.OverlapLandscape.of(teacher, stride), V, A) < 1e-7


@pytest.mark.parametrize("stride", [1, 3])
def test_loss_agrees_with_monte_carlo_through_the_strided_network(stride):
    teacher = _teacher(5)
    rng = np.random.default_rng(6)
    v, a = rng.standard_normal(teacher.p), rng.standard_normal(teacher.k)
    assert abs(overlap.monte_carlo_z(overlap.OverlapLandscape.of(teacher, stride), v, a, 40_000, rng)) < 6


@pytest.mark.parametrize("fault", beyond_faults.OVERLAP_FAULTS, ids=lambda f: f.name)
def test_planted_overlap_faults_are_caught(fault, monkeypatch):
    teacher = _teacher(5)
    rng = np.random.default_rng(6)
    v, a = rng.standard_normal(teacher.p), rng.standard_normal(teacher.k)
    fault.plant(monkeypatch)
    z = overlap.monte_carlo_z(overlap.OverlapLandscape.of(teacher, 2), v, a, 40_000, rng)
    assert abs(z) > 6


@pytest.mark.slow
def test_population_gd_reaches_the_global_minimum_from_its_basin():
    teacher = _teacher(7, k=3, p=4)
    land = overlap.OverlapLandscape.of(teacher, 2)
    v, a = teacher.w_star + 0.05, teacher.w_norm * teacher.a_star + 0.05
    runs = overlap.run(land, v[None, :], a[None, :], steps=1500)
    assert runs.counts()["global"] == 1, (runs.loss, runs.gradient_norm)


@pytest.mark.slow
def test_a_nondegenerate_spurious_minimum_survives_overlap():
    """Preliminary finding, pinned: for this teacher (r far below r_b), local descent from the paper's
    spurious point ends at a strict local minimum with positive loss at every stride s < p."""
    rng = np.random.default_rng(1)
    teacher = Teacher(rng.standard_normal(8), [1.0, -0.6, 0.8, -0.9])
    for stride in (7, 4, 2, 1):
        fate = overlap.spurious_point_fate(teacher, stride)
        assert fate.is_local_minimum and fate.loss > 0.1 and fate.tangent_eigenvalues[0] > 1e-3, fate


@pytest.mark.slow
def test_paper_initialization_reaches_both_kinds_of_minimum_under_overlap():
    rng = np.random.default_rng(1)
    teacher = Teacher(rng.standard_normal(8), [1.0, -0.6, 0.8, -0.9])
    V0, A0 = dynamics.random_init(teacher, 64, np.random.default_rng(2))
    counts = overlap.run(overlap.OverlapLandscape.of(teacher, 4), V0, A0, steps=3000).counts()
    assert counts["global"] > 0 and counts["spurious"] > 0, counts
