"""The outcome law is a function of (k, r, κ) and of p through the law of φ₀ (theory.invariants).

Statistical comparisons use Clopper–Pearson intervals at ALPHA each: two laws that are equal give
disjoint intervals with probability at most 2·ALPHA per comparison, and every comparison here is
seeded (SeedSequence of the example), so a run is reproducible and the suite's false-alarm rate
is at most 2·ALPHA × (comparisons made) ≤ 1e-5.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.verdicts.stats import clopper_pearson
from tests.faults import Fault, moved_to
from theory import Teacher, decisions, dynamics, full_gd, invariants, reduced_gd
from theory.reduced_gd import register_jitable

ALPHA = 1e-7


def interval(count: int, n: int) -> tuple[float, float]:
    return clopper_pearson(count, n, ALPHA)


def disjoint(a: dict, b: dict, outcome: str) -> bool:
    (lo_a, hi_a), (lo_b, hi_b) = interval(a[outcome], sum(a.values())), interval(b[outcome], sum(b.values()))
    return hi_a < lo_b or hi_b < lo_a


def rotated_teacher(k: int, r: float, kappa: float, p: int, v0_norm: float, rng) -> Teacher:
    """A teacher with invariants (k, r, κ) for ‖v₀‖ = v0_norm, built unlike canonical_teacher:
    w* in a random direction of Rᵖ, a* = the canonical one turned by a random rotation that
    fixes 1 (a Householder reflection through a vector ⟂ 1) and either sign, scales split
    between ‖w*‖ and ‖a*‖ at random."""
    a = invariants.canonical_a_star(k, r)
    if k > 2:
        u = rng.standard_normal(k)
        u -= u.mean()
        u /= np.linalg.norm(u)
        a = a - 2 * (u @ a) * u
    a = a * rng.choice([-1.0, 1.0])
    split = math.exp(rng.uniform(-3, 3))
    w = rng.standard_normal(p)
    w *= split * math.sqrt(kappa) * v0_norm / np.linalg.norm(w)
    return Teacher(w, a / split)


def test_round_trip_known_values():
    t = invariants.canonical_teacher(10, 2.0, 9.0, p=5, v0_norm=3.0)
    got = invariants.of(t, v0_norm=3.0)
    assert got.k == 10 and got.r == pytest.approx(2.0, rel=1e-12) and got.kappa == pytest.approx(9.0, rel=1e-12)
    assert got.eta_fraction == pytest.approx(0.25)
    assert got.ratio_over_boundary == pytest.approx(2.0 * math.pi / (9 + math.pi))
    assert invariants.of(t, v0_norm=3.0, eta=got.eta).eta_fraction == pytest.approx(0.25)
    # a Gaussian-family teacher ties κ to k: κ = ‖w*‖²‖a*‖² ≈ k for unit w*
    assert invariants.canonical_a_star(7, 0.0).sum() == 0.0


@given(k=st.integers(1, 3000), share=st.floats(0, 1), log_kappa=st.floats(-3, 6), p=st.integers(1, 40),
       log_radius=st.floats(-3, 3))
def test_canonical_teacher_has_the_invariants_asked_for(k, share, log_kappa, p, log_radius):
    r, kappa, v0_norm = (1.0 if k == 1 else share * k), 10.0 ** log_kappa, 10.0 ** log_radius
    got = invariants.of(invariants.canonical_teacher(k, r, kappa, p, v0_norm), v0_norm)
    assert got.k == k
    assert got.r == pytest.approx(r, rel=1e-9, abs=1e-12 * k)
    assert got.kappa == pytest.approx(kappa, rel=1e-12)
    assert got.eta_fraction == pytest.approx(invariants.DEFAULT_ETA_FRACTION, rel=1e-12)


def test_bad_invariants_are_refused():
    for args, word in (((3, 4.0, 1.0), "at most k"), ((1, 0.5, 1.0), "k = 1"), ((3, -1.0, 1.0), "r must"),
                       ((3, 1.0, 0.0), "kappa"), ((3, 1.0, math.inf), "kappa"), ((0, 1.0, 1.0), "k must")):
        with pytest.raises(ValueError, match=word):
            invariants.canonical_teacher(*args)
    with pytest.raises(ValueError, match="v0_norm"):
        invariants.of(invariants.canonical_teacher(3, 1.0, 1.0), v0_norm=-1.0)
    for p in (0, 2.5, "3", True, -math.inf, math.nan):
        with pytest.raises(ValueError, match="p must"):
            dynamics.outcome_counts(invariants.canonical_teacher(3, 1.0, 1.0), 4, np.random.default_rng(0), p=p)


@pytest.mark.parametrize("p", [3, 50, math.inf])
def test_rescaling_a_star_and_the_sphere_together_changes_no_run(p):
    """(w*, λa*, ‖v₀‖ = λ) and (w*, a*, ‖v₀‖ = 1) are the same dynamics up to the scale of (v, a):
    the same draws give the same outcomes, run for run (η is the default of each: equal)."""
    base = invariants.canonical_teacher(6, 0.4 * invariants.boundary(6), 4.0, p=3)
    for lam in (1e-3, 0.37, 25.0):
        scaled = Teacher(base.w_star, lam * base.a_star)
        assert dynamics.default_eta(scaled, lam) == pytest.approx(dynamics.default_eta(base), rel=1e-14)
        first = dynamics.reduced_runs(base, 3000, np.random.default_rng(7), p=p)
        second = dynamics.reduced_runs(scaled, 3000, np.random.default_rng(7), p=p, v0_norm=lam)
        assert np.mean(first.outcome == second.outcome) > 0.999
        assert dynamics.batch_counts(first)["global"] > 0


SETTINGS = settings(max_examples=6, deadline=None)


@SETTINGS
@given(k=st.integers(2, 40), ratio=st.floats(0.02, 0.95), log_kappa=st.floats(-1, 3),
       p=st.sampled_from([3, 30, 1000, math.inf]), log_radius=st.floats(-2, 2), seed=st.integers(0, 2**32 - 1))
def test_teachers_with_equal_invariants_have_equal_outcome_laws(k, ratio, log_kappa, p, log_radius, seed):
    r, kappa, v0_norm = ratio * invariants.boundary(k), 10.0 ** log_kappa, 10.0 ** log_radius
    streams = np.random.SeedSequence(seed).spawn(3)
    canonical = invariants.canonical_teacher(k, r, kappa)
    other = rotated_teacher(k, r, kappa, 4, v0_norm, np.random.default_rng(streams[0]))
    assert invariants.of(other, v0_norm).kappa == pytest.approx(kappa, rel=1e-9)
    first = dynamics.outcome_counts(canonical, 3000, np.random.default_rng(streams[1]), p=p)
    second = dynamics.outcome_counts(other, 3000, np.random.default_rng(streams[2]), p=p, v0_norm=v0_norm)
    for outcome in ("global", "spurious"):
        assert not disjoint(first, second, outcome), (first, second)


def full_dimensional_counts(teacher: Teacher, n: int, rng, v0_norm: float, p_infinite: bool) -> dict:
    """Full-dimensional sampling and the full engine: no reduced coordinate anywhere."""
    V0, A0 = dynamics.random_init(teacher, n, rng, v0_norm=v0_norm)
    if p_infinite:     # φ₀ = π/2: v₀ ⟂ w*, back on its sphere
        w_hat = teacher.w_star / teacher.w_norm
        V0 -= (V0 @ w_hat)[:, None] * w_hat
        V0 *= v0_norm / np.linalg.norm(V0, axis=1, keepdims=True)
    return dynamics.run_gd(teacher, V0, A0, steps=4000, engine="full", until_decided=True).counts()


CASES = [(5, 0.3, 9.0, False), (8, 0.3, 100.0, True), (3, 0.05, 1.0, True)]   # (k, r/r_b, κ, p = ∞)


@pytest.mark.parametrize("k, ratio, kappa, p_infinite", CASES)
def test_full_engine_agrees_with_the_canonical_teacher(k, ratio, kappa, p_infinite):
    r = ratio * invariants.boundary(k)
    streams = np.random.SeedSequence([k, int(kappa)]).spawn(3)
    other = rotated_teacher(k, r, kappa, 4, 0.5, np.random.default_rng(streams[0]))
    full = full_dimensional_counts(other, 500, np.random.default_rng(streams[1]), 0.5, p_infinite)
    reduced = dynamics.outcome_counts(invariants.canonical_teacher(k, r, kappa), 20000,
                                      np.random.default_rng(streams[2]), p=math.inf if p_infinite else 4)
    assert full["undecided"] == 0 and full["diverged"] == 0
    for outcome in ("global", "spurious"):
        assert not disjoint(full, reduced, outcome), (full, reduced)


def test_a_different_kappa_gives_a_different_law():
    k, r = 10, 0.3 * invariants.boundary(10)
    small = dynamics.outcome_counts(invariants.canonical_teacher(k, r, 1.0), 4000, np.random.default_rng(1), p=math.inf)
    large = dynamics.outcome_counts(invariants.canonical_teacher(k, r, 100.0), 4000, np.random.default_rng(2),
                                    p=math.inf)
    assert small["spurious"] == 0 and disjoint(small, large, "spurious")


# --- a planted fault that breaks the scaling: the v-step grows with ‖w*‖ itself -----------------

_step, _gradient = reduced_gd.step, full_gd.batch_gradient


@register_jitable
def _v_step_times_teacher_norm(x, y, z1, z2, residual_sq, consts):
    out = _step(x, y, z1, z2, residual_sq, consts)
    factor = consts.c           # ‖w*‖: the v-move should depend on c‖a*‖ and ‖v‖ only
    return moved_to(out, x + factor * (out.x - x), y + factor * (out.y - y), out.z1, out.z2)


def _gradient_times_teacher_norm(teacher, V, A, state=None, ar=None):
    grad_v, grad_a = _gradient(teacher, V, A, state, ar)
    return teacher.w_norm * grad_v, grad_a


SCALING_FAULTS = (Fault("v-step-times-teacher-norm", "step", _v_step_times_teacher_norm, (), module=reduced_gd),
                  Fault("full-v-gradient-times-teacher-norm", "batch_gradient", _gradient_times_teacher_norm, (),
                        module=full_gd))


def test_planted_scaling_faults_break_the_invariance(monkeypatch):
    """The same comparisons as above fail once the v-step depends on ‖w*‖ beyond κ — in the
    compiled reduced kernel and in the full engine alike."""
    k, r, kappa = 5, 0.3 * invariants.boundary(5), 0.5    # below κ*(5, 0.3 r_b) ≈ 0.99: P_∞(spurious) = 0
    canonical = invariants.canonical_teacher(k, r, kappa)             # ‖w*‖ = 1
    heavy_w = Teacher(canonical.w_star * 20.0, canonical.a_star / 20.0)   # ‖w*‖ = 20, same κ
    honest = (dynamics.outcome_counts(canonical, 4000, np.random.default_rng(3), p=math.inf),
              dynamics.outcome_counts(heavy_w, 4000, np.random.default_rng(4), p=math.inf))
    assert not disjoint(*honest, "spurious")
    with monkeypatch.context() as patch:
        SCALING_FAULTS[0].plant(patch)
        faulty = (dynamics.outcome_counts(canonical, 4000, np.random.default_rng(3), p=math.inf),
                  dynamics.outcome_counts(heavy_w, 4000, np.random.default_rng(4), p=math.inf))
    assert disjoint(*faulty, "spurious"), faulty
    with monkeypatch.context() as patch:
        SCALING_FAULTS[1].plant(patch)
        rng = np.random.default_rng(5)
        faulty_full = (full_dimensional_counts(canonical, 400, rng, 1.0, True),
                       full_dimensional_counts(heavy_w, 400, rng, 1.0, True))
    assert disjoint(*faulty_full, "spurious"), faulty_full


# --- p = ∞ is the limit of finite p ---------------------------------------------------------

def test_finite_p_converges_to_p_infinity():
    """The fraction of runs whose outcome differs from p = ∞ falls like 1/√p (the width of φ₀'s
    law); the gap in P(spurious) falls faster — like 1/p here, as φ₀'s law is symmetric about
    π/2 and the first-order changes cancel (measured: benchmarks/p_limit.py)."""
    teacher = invariants.canonical_teacher(10, 0.3 * invariants.boundary(10), 9.0)
    ps = (100, 1000, 10_000)
    out = invariants.coupled_outcomes(teacher, ps, 60_000, seed=11)
    limit = out[math.inf]
    disagree = np.array([np.mean(out[p] != limit) for p in ps])
    gap = np.array([np.mean(out[p] == 2) - np.mean(limit == 2) for p in ps])
    slope = np.polyfit(np.log10(ps), np.log10(disagree), 1)[0]
    assert -0.6 < slope < -0.4, disagree
    assert abs(gap[-1]) < 0.3 * disagree[-1] and gap[0] > 0 and abs(gap[0]) > 5 * abs(gap[-1])


# --- κ*(k, r): where the spurious minimum becomes reachable at p = ∞ ----------------------------

def disk_samples(k: int, r: float, n: int, seed: int) -> np.ndarray:
    """Points uniform on the disk ‖ã₀‖ < √(r/k) — the support of the law of a₀'s projection on
    span{a*, 1} (which for large k puts little mass near the rim, where the threshold is)."""
    rng = np.random.default_rng(seed)
    radius = math.sqrt(r / k) * np.sqrt(rng.random(n))
    turn = rng.uniform(0, 2 * math.pi, n)
    return np.stack([radius * np.cos(turn), radius * np.sin(turn)], axis=1)


@pytest.mark.parametrize("k, ratio", [(3, 0.01), (10, 0.3), (40, 0.9)])
def test_threshold_brackets_kappa_star_and_samples_agree_on_both_sides(k, ratio):
    r = ratio * invariants.boundary(k)
    found = invariants.spurious_threshold(k, r)
    assert 0 < found.relative_width <= 0.05
    points = disk_samples(k, r, 20_000, seed=k)
    below = invariants.outcomes_at_infinity(k, r, found.kappa_low, points)
    above = invariants.outcomes_at_infinity(k, r, found.kappa_high * 1.05, points)
    spurious, undecided = decisions.Outcome.SPURIOUS, decisions.Outcome.UNDECIDED
    assert np.sum(below == spurious) == 0 and np.sum(below == undecided) == 0
    assert np.sum(above == spurious) > 0
    assert invariants.outcomes_at_infinity(k, r, found.kappa_high, np.array([found.witness]))[0] == spurious
    # and the paper's own law at p = ∞ sees no spurious run below it
    counts = dynamics.outcome_counts(invariants.canonical_teacher(k, r, found.kappa_low), 20_000,
                                     np.random.default_rng(k), p=math.inf)
    assert counts["spurious"] == 0


def test_threshold_rises_with_r_and_k():
    """Larger r/r_b and larger k need a larger κ (measured; benchmarks/thresholds.py for the map)."""
    def coarse(k, ratio):
        return invariants.spurious_threshold(k, ratio * invariants.boundary(k), tolerance=0.25)
    small, large = coarse(10, 0.05), coarse(10, 0.6)
    assert small.kappa_high < large.kappa_low
    k3, k100 = coarse(3, 0.3), coarse(100, 0.3)
    assert k3.kappa_high < k100.kappa_low


def test_threshold_refuses_where_it_is_undefined():
    with pytest.raises(ValueError, match="no spurious local minimum"):
        invariants.spurious_threshold(5, invariants.boundary(5))
    with pytest.raises(ValueError, match="ball is the point"):
        invariants.spurious_threshold(5, 0.0)


def test_a_planted_fault_moves_the_threshold(monkeypatch):
    """A v-step twice as long halves κ*: the threshold is computed by the engine, not assumed."""
    r = 0.3 * invariants.boundary(10)
    honest = invariants.spurious_threshold(10, r, tolerance=0.1)
    with monkeypatch.context() as patch:
        Fault("v-step-doubled", "step", _v_step_doubled, (), module=reduced_gd).plant(patch)
        faulty = invariants.spurious_threshold(10, r, tolerance=0.1)
    assert faulty.kappa_high < 0.6 * honest.kappa_low


@register_jitable
def _v_step_doubled(x, y, z1, z2, residual_sq, consts):
    out = _step(x, y, z1, z2, residual_sq, consts)
    return moved_to(out, 2 * out.x - x, 2 * out.y - y, out.z1, out.z2)
