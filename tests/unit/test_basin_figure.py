"""The disk of starts coloured by proved outcome (checks.figures.basins): what it draws is the map's
cells, and in its right panel area is probability."""

import math

import numpy as np
import pytest

from checks.figures import basins as basin_figures
from theory import basins, invariants


def test_the_mass_radius_makes_area_the_laws_mass():
    """Area between ρ(u₀) and ρ(u₁) over a full turn is π(ρ₁² − ρ₀²) = π·P(u₀ < u < u₁), with
    P(u > t) = (1 − t²)^(k/2) (the law of the disk's radius): for k = 2 the disk is uniform (ρ = u)."""
    u = np.linspace(0.0, 1.0, 101)
    np.testing.assert_allclose(basin_figures.mass_radius(u, 2), u, atol=1e-15)
    for k in (3, 10, 1000):
        rho = basin_figures.mass_radius(u, k)
        np.testing.assert_allclose(rho ** 2, 1 - (1 - u ** 2) ** (k / 2), atol=1e-14)
        assert rho[0] == 0.0 and rho[-1] == 1.0 and np.all(np.diff(rho) >= 0)


@pytest.mark.slow   # a certified trap (4–6 s) and a map of a few thousand cells
def test_the_disk_figure_draws_the_maps_cells_and_says_its_masses():
    k = 10
    found = basins.map_basins(k, 0.3 * invariants.boundary(k), 10.0, math.inf, width=2e-2, seconds=60.0)
    figure = basin_figures.basin_disk_figure(found, basins.GLOBAL, basins.SPURIOUS)
    totals = found.totals()
    assert f"mass ≥ {totals.global_low:.6f}" in figure.caption and f"mass ≥ {totals.spurious_low:.6f}" in figure.caption
    assert f"{int((found.sides == basins.SPURIOUS).sum()):,} proved to" in figure.caption
    # the drawn cells' area in mass coordinates, over π, is the law's mass of the proved cells
    for side, low in ((basins.GLOBAL, totals.global_low), (basins.SPURIOUS, totals.spurious_low)):
        cells = found.proved[found.sides == side]
        rho0, rho1 = basin_figures.mass_radius(cells[:, 0], k), basin_figures.mass_radius(cells[:, 1], k)
        area = float(np.sum((cells[:, 3] - cells[:, 2]) * (rho1 ** 2 - rho0 ** 2)))
        assert area == pytest.approx(low, abs=1e-9)
    with pytest.raises(ValueError, match="p = inf"):
        basin_figures.basin_disk_figure(type("Finite", (), {"p": 10})(), basins.GLOBAL, basins.SPURIOUS)
