"""theory.initialization: initial points drawn in reduced coordinates follow the laws of
full-dimensional sampling, and outcome counts from them agree with the full engine.

The two-sample tests run at fixed seeds; their family-wise false-alarm rate is 1e-3 (Bonferroni
over every (teacher, scheme, statistic) compared), so a correct sampler fails with probability
1e-3 per change of seed, and with the fixed seeds it either always passes or always fails.
"""

import math

import numpy as np
import pytest
from scipy import stats

from checks.experiments.design import design_uniforms
from checks.verdicts.claim import rng_for
from checks.verdicts.stats import clopper_pearson
from theory import Teacher, dynamics, initialization, invariants, reduced_gd
from theory.dynamics import Embedding

TEACHERS = {   # (k, p) small enough for full-dimensional sampling; every kind of span{a*, 1}
    "k=1, p=1": Teacher([0.7], [1.3]),
    "k=2, p=2": Teacher([1.0, -0.4], [0.8, -0.3]),
    "k=3, p=5, a* ∥ 1": Teacher([0.2, 1.0, -0.5, 0.3, 0.9], [0.6, 0.6, 0.6]),
    "k=7, p=3": Teacher([1.0, 0.5, -0.2], [1.0, -0.4, 0.3, 0.9, -1.2, 0.1, 0.5]),
    "k=9, p=12, 1ᵀa* = 0": Teacher(np.linspace(-1, 1.3, 12), [1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 0.3, -0.3, 0.0]),
}
STATISTICS = ("angle φ₀", "a₀ᵀa*", "1ᵀa₀", "‖a₀‖")
FAMILY_ALPHA = 1e-3
N = 4000


def statistics_of(teacher, plane, x, y, z1, z2, residual_sq):
    a_dot = plane.q_astar[0] * z1 + plane.q_astar[1] * z2
    a_sum = plane.q_one[0] * z1 + plane.q_one[1] * z2
    return {"angle φ₀": np.arctan2(np.abs(y), x), "a₀ᵀa*": a_dot, "1ᵀa₀": a_sum,
            "‖a₀‖": np.sqrt(z1 * z1 + z2 * z2 + residual_sq)}


def full_dimensional(teacher, n, rng, scheme):
    V0, A0 = dynamics.random_init(teacher, n, rng, scheme)
    table = dynamics.decision_table(teacher, dynamics.default_eta(teacher))
    _, batch = Embedding.reduce(teacher, V0, A0, table)
    state = batch.state
    return state.x, state.y, state.z1, state.z2, state.residual_sq


def law_differences():
    """(teacher, scheme, statistic, p-value) of every two-sample test that rejects its law."""
    tests = len(TEACHERS) * len(initialization.SCHEMES) * len(STATISTICS)
    alpha = FAMILY_ALPHA / tests
    rejected = []
    for name, teacher in TEACHERS.items():
        plane = reduced_gd.Plane.for_teacher(teacher)
        for scheme in initialization.SCHEMES:
            rng = rng_for(0, "test-initialization", name, scheme)
            reduced = statistics_of(teacher, plane, *initialization.reduced_start(teacher, plane, N, rng, scheme))
            full = statistics_of(teacher, plane, *full_dimensional(teacher, N, rng, scheme))
            for statistic in STATISTICS:
                a, b = reduced[statistic], full[statistic]
                if np.ptp(a) == 0 and np.ptp(b) == 0:   # a point mass (a₀ = 0): the same point
                    p_value = 1.0 if abs(a[0] - b[0]) <= 1e-12 else 0.0
                else:
                    p_value = stats.ks_2samp(a, b, method="asymp").pvalue
                if p_value <= alpha:
                    rejected.append((name, scheme, statistic, p_value))
    return rejected


def test_reduced_draws_follow_full_dimensional_laws():
    assert law_differences() == []


def test_a_wrong_law_is_caught(monkeypatch):
    """Beta(p/2, p/2) for (1 + cos φ₀)/2 — the law on S^p, not S^(p−1) — must be rejected."""
    def wrong(p, n, rng):
        half = rng.beta(p / 2, p / 2, n)
        return 2 * half - 1, 2 * np.sqrt(half * (1 - half))
    monkeypatch.setattr(initialization, "sphere_angles", wrong)
    assert any(statistic == "angle φ₀" for _, _, statistic, _ in law_differences())


DESIGN_TEACHERS = {   # (k, r/r_b, p) of two-phase's grid: a plane, a* ∥ 1 (r/r_b = 1.5 at k = 10: r capped at k), p = ∞
    "k=10, r/r_b=0.3, p=10": (10, 0.3, 10), "k=10, r/r_b=1.5, p=1000": (10, 1.5, 1000),
    "k=100, r/r_b=0.3, p=inf": (100, 0.3, math.inf), "k=2, r/r_b=0.3, p=10": (2, 0.3, 10),
}


def design_law_differences(name, wrong_p=None):
    """Coordinates of paper_start_at at 2,048 Halton points (with p replaced by ``wrong_p``: a planted
    fault) whose two-sample Kolmogorov–Smirnov test against 4,096 draws of reduced_start (fixed
    generator: deterministic) rejects at 1e-3; a point mass must be the same point."""
    k, ratio, p = DESIGN_TEACHERS[name]
    teacher = invariants.canonical_teacher(k, min(ratio * invariants.boundary(k), float(k)), 1.0)
    plane = dynamics.reduced_plane(teacher)
    design = initialization.paper_start_at(teacher, plane, design_uniforms(0, 2048), p if wrong_p is None else wrong_p)
    drawn = initialization.reduced_start(teacher, plane, 4096, np.random.default_rng(11), "paper", p)
    rejected = []
    for coordinate, (ours, theirs) in enumerate(zip(design, drawn, strict=True)):
        if np.ptp(theirs) == 0:
            if not np.allclose(ours, theirs[0]):
                rejected.append(coordinate)
        elif stats.ks_2samp(ours, theirs).pvalue <= 1e-3:
            rejected.append(coordinate)
    return rejected


@pytest.mark.parametrize("name", DESIGN_TEACHERS)
def test_the_quantile_form_at_design_points_has_the_samplers_law(name):
    """paper_start_at at the seed-free design's points, as a sample, has the law reduced_start draws from."""
    assert design_law_differences(name) == []


def test_a_wrong_quantile_law_is_caught():
    """φ₀ read at p = 10 for a configuration at p = 1,000 (two-phase's planted design fault) is rejected."""
    assert 0 in design_law_differences("k=10, r/r_b=1.5, p=1000", wrong_p=10)


def test_the_quantile_form_rejects_bad_points_in_one_line():
    teacher = TEACHERS["k=2, p=2"]
    plane = reduced_gd.Plane.for_teacher(teacher)
    for bad in (np.full((3, 4), 1.0), np.full((3, 4), -0.1), np.full((3, 4), np.nan), np.zeros((3, 3)), np.zeros(4),
                [["a", "b", "c", "d"]], [[0.1, 0.2], [0.3]]):
        with pytest.raises(ValueError, match=r"^uniforms must be an array of shape \(n, 4\) with values in \[0, 1\)"):
            initialization.paper_start_at(teacher, plane, bad)
    with pytest.raises(ValueError, match="p must be"):
        initialization.paper_start_at(teacher, plane, np.zeros((1, 4)), p=0)
    x, y, z1, z2, residual_sq = initialization.paper_start_at(teacher, plane, np.zeros((1, 4)))
    assert x[0] == -1.0 and y[0] == 0.0 and z1[0] == z2[0] == residual_sq[0] == 0.0   # the origin: φ₀ = π, a₀ = 0


def test_the_paper_initialization_is_inside_the_ball_and_its_sum_bound():
    for name, teacher in TEACHERS.items():
        plane = reduced_gd.Plane.for_teacher(teacher)
        _, _, z1, z2, residual_sq = initialization.reduced_start(teacher, plane, 2000, np.random.default_rng(1),
                                                                 "paper")
        radius = initialization.paper_radius(teacher)
        assert np.all(np.sqrt(z1 * z1 + z2 * z2 + residual_sq) <= radius * (1 + 1e-12) + 1e-300), name
        a_sum = plane.q_one[0] * z1 + plane.q_one[1] * z2
        assert np.all(np.abs(a_sum) <= abs(teacher.a_sum) * teacher.w_norm * (1 + 1e-12) + 1e-300), name


def test_reduced_draws_cost_nothing_extra_at_a_million_dimensions():
    """k = p = 10⁶: the draws are O(1) per trajectory (no (n, k) or (n, p) array is formed), and
    their laws keep their large-dimension limits: cos φ₀ ~ N(0, 1/p), ‖a₀‖ → R."""
    big = Teacher(np.r_[1.0, np.zeros(10**6 - 1)], np.r_[np.ones(10), np.zeros(10**6 - 10)])
    plane = reduced_gd.Plane.for_teacher(big)
    x, y, z1, z2, residual_sq = initialization.reduced_start(big, plane, 10_000, np.random.default_rng(2), "paper")
    assert x.shape == (10_000,)
    assert abs(np.std(x) * 1000 - 1) < 0.05 and np.allclose(x * x + y * y, 1)
    norm = np.sqrt(z1 * z1 + z2 * z2 + residual_sq)
    radius = initialization.paper_radius(big)
    assert np.all(norm <= radius) and np.median(norm) > 0.999 * radius


@pytest.mark.parametrize("name", ["k=2, p=2", "k=7, p=3"])
def test_outcome_counts_agree_with_full_dimensional_runs(name):
    """Counts from reduced draws against full-dimensional draws run through the full engine:
    a chi-square test of homogeneity on the outcome table, at level 1e-3 per teacher."""
    teacher = TEACHERS[name]
    n = 1500
    reduced = dynamics.outcome_counts(teacher, n, rng_for(0, "test-counts", name, "reduced"))
    V0, A0 = dynamics.random_init(teacher, n, rng_for(0, "test-counts", name, "full"))
    full = dynamics.run_gd(teacher, V0, A0, steps=dynamics.DEFAULT_MAX_STEPS // 10, engine="full",
                           until_decided=True).counts()
    assert reduced["undecided"] == full["undecided"] == 0
    table = np.array([[reduced["global"], reduced["spurious"]], [full["global"], full["spurious"]]])
    assert stats.chi2_contingency(table).pvalue > 1e-3, table
    for counts in (reduced, full):
        low, high = clopper_pearson(counts["global"], n, 1e-3)
        assert low < table[:, 0].sum() / (2 * n) < high


def test_outcome_counts_reject_bad_input():
    teacher = TEACHERS["k=2, p=2"]
    rng = np.random.default_rng(0)
    for kwargs, message in (({"n": 0}, "n must be"), ({"scheme": "uniform"}, "scheme must be"),
                            ({"eta": -1.0}, "eta must be"), ({"max_steps": 0}, "max_steps must be")):
        with pytest.raises(ValueError, match=message):
            dynamics.outcome_counts(teacher, **{"n": 10, "rng": rng, **kwargs})
    assert math.isfinite(initialization.gaussian_scale(teacher))


def test_reduced_runs_repeat_exactly_whatever_the_number_of_threads():
    """Same seed, same outcomes, decision steps and states — on one thread or all of them (each
    trajectory's arithmetic does not depend on which thread runs it)."""
    numba = pytest.importorskip("numba")
    teacher = TEACHERS["k=7, p=3"]
    runs = []
    for threads in (1, numba.config.NUMBA_NUM_THREADS):
        numba.set_num_threads(threads)
        try:
            runs.append(dynamics.reduced_runs(teacher, 3000, np.random.default_rng(11), max_steps=4000))
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    first, second = runs
    for field in ("outcome", "decided"):
        assert np.array_equal(getattr(first, field), getattr(second, field)), field
    for field in ("x", "y", "z1", "z2", "residual_sq"):
        assert np.array_equal(getattr(first.state, field), getattr(second.state, field)), field
