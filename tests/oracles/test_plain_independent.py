"""Plain GD (weight_norm=False) against an implementation written by someone who had not seen ours.

On 2026-12-08 an independent checker, reading only docs/mathematics.md ("Without weight
normalization" and what it rests on) and the theory notes, wrote full-dimensional plain GD on the
closed-form population loss from the paper's initialization (4,000 starts per point, its own seeds,
η = ¼ of the weight-normalized stability limit, its own stricter classification rule: global when
ℓ < 10⁻⁸·½E f*² and φ < 10⁻³; spurious when π − φ < 10⁻², |ℓ − ℓ_s| < 10⁻⁴·½E f*², aᵀa* < 0).
Its counts are kept here as data; our engine's runs at the same η must agree in distribution
(Fisher's exact test, two-sided, each at 10⁻⁴: a false alarm below 3·10⁻⁴ for the three points).
"""

import math

import numpy as np
import pytest
from scipy.stats import fisher_exact

from theory import dynamics, invariants

# (k, r/r_b, κ, p, η): (global, spurious) of 4,000 independent starts, none undecided
INDEPENDENT = {
    (4, 0.3, 1.0, 8, 0.511527): (2732, 1268),
    (10, 0.9, 10.0, 16, 0.1): (3912, 88),
    (10, 0.3, 10.0, 16, 0.1): (3146, 854),
}


@pytest.mark.slow
@pytest.mark.parametrize("point", list(INDEPENDENT), ids=lambda p: f"k{p[0]}-ratio{p[1]}-kappa{p[2]:g}-p{p[3]}")
def test_plain_gd_agrees_with_an_implementation_we_had_not_seen(point):
    k, ratio, kappa, p, eta = point
    teacher = invariants.canonical_teacher(k, ratio * invariants.boundary(k), kappa)
    counts = dynamics.outcome_counts(teacher, 4000, np.random.default_rng(20261208), p=p, weight_norm=False, eta=eta)
    assert counts["undecided"] == 0 and counts["diverged"] == 0
    theirs = INDEPENDENT[point]
    _, p_value = fisher_exact([[counts["global"], counts["spurious"]], list(theirs)])
    assert p_value > 1e-4, (counts, theirs, p_value)
    assert not math.isnan(p_value)
