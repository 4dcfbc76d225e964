"""Claim `spurious-local-minimum`: its landscape figure draws the loss on a slice that holds every
critical point it marks, with contour levels that resolve the spurious basin."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

from checks.claims import plan
from checks.claims import spurious_local_minimum as claim
from theory import Teacher, landscape

TEACHERS = {
    "quick-report": lambda: claim.spurious_teachers(plan("quick").settings(claim.CLAIM_ID, claim.Settings), 0)[0][0][1],
    "zero-sum": lambda: Teacher([0.3, -1.2, 0.5], [1.0, -2.0, 1.0]),       # saddle at φ = π/2 exactly
    "one-hot": lambda: Teacher([2.0, 1.0], [0.0, 0.0, 0.5, 0.0, 0.0]),
    "shallow": lambda: Teacher([1.0, 0.0, 0.0, 0.0], [1.0, 0.5, 0.0, 0.0]),     # ratio/boundary 0.92
}
KINDS = {"global minimum": "global", "spurious minimum": "spurious", "saddle": "saddle"}


def _direction(v):
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v)


@pytest.mark.parametrize("name", TEACHERS)
def test_every_marked_critical_point_lies_on_the_plotted_slice(name):
    teacher = TEACHERS[name]()
    assert landscape.has_spurious_minimum(teacher)
    data = claim.landscape_slice(teacher, n_phi=41, n_t=41)
    located = {point.kind: point for point in landscape.critical_points(teacher)}
    assert set(data.marked) == set(KINDS)
    for label, (phi, t, value) in data.marked.items():
        critical = located[KINDS[label]]
        v, a = claim.slice_point(teacher, phi, t)
        # ℓ depends on v only through its direction: a critical point is a ray of v
        distance = math.hypot(np.linalg.norm(_direction(v) - _direction(critical.v)),
                              np.linalg.norm(a - critical.a))
        scale = 1 + np.linalg.norm(critical.a)
        assert distance <= 1e-12 * scale, (label, distance)
        assert value == pytest.approx(critical.loss, rel=1e-12, abs=1e-12), label
        assert value == pytest.approx(landscape.loss(teacher, v, a), rel=1e-12, abs=1e-12), label
    # the global minimum and the spurious point are grid points of the drawn data, not only markers
    assert data.values[np.searchsorted(data.ts, 0.0), 0] == pytest.approx(0.0, abs=1e-12)
    assert data.values[np.searchsorted(data.ts, 1.0), -1] == pytest.approx(data.spurious_loss, rel=1e-12)


@pytest.mark.parametrize("name", TEACHERS)
def test_the_contour_levels_bracket_the_spurious_and_the_saddle_loss(name):
    teacher = TEACHERS[name]()
    data = claim.landscape_slice(teacher, n_phi=41, n_t=41)
    levels, spurious, saddle = data.levels, data.spurious_loss, data.saddle_loss
    assert spurious == pytest.approx(landscape.spurious_loss(teacher), rel=1e-12) and spurious < saddle
    assert np.all(np.diff(levels) > 0) and levels[0] <= data.values.min() and levels[-1] >= data.values.max()
    assert levels[levels < spurious].size >= 3 and levels[levels > saddle].size >= 3
    # the spurious basin's floor is resolved: several bands between ℓ_s and ℓ_sad, and ℓ_sad a level
    assert levels[(levels > spurious) & (levels < saddle)].size >= 6
    assert np.isclose(levels, saddle, rtol=0, atol=0).any()


def test_the_figure_draws_those_levels_and_says_its_numbers():
    teacher = TEACHERS["quick-report"]()
    data = claim.landscape_slice(teacher)
    figure = claim.landscape_figure(teacher)
    assert f"ℓ_s = {data.spurious_loss:.4g}" in figure.caption
    assert f"ℓ_sad = {data.saddle_loss:.4g}" in figure.caption
    phi_s, t_s, _ = data.marked["saddle"]
    assert f"({phi_s:.3f}, {t_s:.3f})" in figure.caption
    assert "<path" in figure.svg and len(figure.svg) > 50_000
    plt.close("all")


def test_levels_still_draw_when_the_critical_losses_are_out_of_order():
    """A planted fault can put the saddle below the spurious point: the figure must still draw."""
    levels = claim.contour_levels(spurious=2.0, saddle=1.0, top=5.0)
    assert np.all(np.diff(levels) > 0) and levels[0] == 0.0 and levels[-1] == pytest.approx(5.0)
    assert 1.0 in levels and 2.0 in levels
