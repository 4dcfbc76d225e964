"""theory.decisions: the trapping argument's two conditions hold on the sets it claims them for,
and its decisions agree with plain full-dimensional GD run to convergence."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.experiments.teachers import a_star_with_ratio, boundary_ratio, exactly_zero_sum
from checks.verdicts.claim import rng_for
from tests.oracles.closed_forms import full_gd_truth
from tests.strategies import teachers
from theory import Teacher, decisions, dynamics, formulas, landscape, reduced_gd
from theory.arith import FLOAT64_ELEMENTWISE
from theory.full_gd import batch_gradient, batch_state


def _profile(teacher, phi):
    m, a_dot = formulas.profile_from_scalars(
        FLOAT64_ELEMENTWISE, angle=formulas.Angle(phi, math.pi - phi), k=teacher.k, c=teacher.w_norm,
        s=float(teacher.a_star.sum()), astar_sq=float(teacher.a_star @ teacher.a_star))
    return m, a_dot


def states_in_trapped_set(teacher, table, row, n, rng):
    """n states of S(L, r_min) for table row ``row``: φ on the side with m(φ) ≤ L, a on or inside
    the ellipsoid ℓ(φ, a) ≤ L (often along M⁻¹a*, the direction that moves aᵀa* most), and
    ‖v‖ at r_min or just above it — the hardest states for the lemma."""
    level, (phi_lo, phi_hi) = table.levels[row], table.band[row]
    spurious = row >= decisions.LEVELS
    phi = rng.uniform(phi_hi, math.pi, 4 * n) if spurious else rng.uniform(0, min(phi_lo, math.pi), 4 * n)
    phi = np.concatenate([phi, [phi_hi if spurious else phi_lo]])
    m, _ = _profile(teacher, phi)
    phi, m = phi[m <= level][:n], m[m <= level][:n]
    k, c = teacher.k, teacher.w_norm
    M = (math.pi - 1) * np.eye(k) + np.ones((k, k))
    a_opt = np.array([landscape.optimal_a(teacher, f) for f in phi])
    d = rng.standard_normal((phi.size, k))
    toward = rng.random(phi.size) < 0.5
    d[toward] = np.linalg.solve(M, teacher.a_star) * rng.choice([-1.0, 1.0], (toward.sum(), 1))
    fill = np.where(rng.random(phi.size) < 0.5, 1.0, rng.random(phi.size))
    length = np.sqrt(4 * math.pi * np.maximum(level - m, 0) * fill * (1 - 1e-9)
                     / np.einsum("ij,jk,ik->i", d, M, d))
    A = a_opt + length[:, None] * d
    r = math.sqrt(table.r2_min[row]) * (1 + np.where(rng.random(phi.size) < 0.5, 0.0, rng.exponential(0.5, phi.size)))
    w_hat = teacher.w_star / c
    e = rng.standard_normal(teacher.p)
    e -= (e @ w_hat) * w_hat
    e /= np.linalg.norm(e)
    V = r[:, None] * (np.cos(phi)[:, None] * w_hat + np.sin(phi)[:, None] * e)
    return V, A


@settings(max_examples=30)
@given(teachers(max_k=24, max_p=8, norms=st.floats(-0.5, 0.5).map(lambda x: 10 ** x)),
       st.floats(1, 8), st.integers(1, decisions.LEVELS - 1), st.booleans(), st.integers(0, 2**32 - 1))
def test_a_step_from_the_trapped_set_descends_and_cannot_cross_the_band(teacher, multiple, level, spurious,
                                                                         seed):
    """Conditions (i) and (ii) of the lemma, on states at the edges of S(L, r_min(L))."""
    if teacher.p < 2:
        return
    table = dynamics.decision_table(teacher, multiple * dynamics.default_eta(teacher))
    row = level + decisions.LEVELS * spurious
    if not np.isfinite(table.r2_min[row]):
        return
    V, A = states_in_trapped_set(teacher, table, row, 200, np.random.default_rng(seed))
    if V.shape[0] == 0:
        return
    before = batch_state(teacher, V, A)
    grad_v, grad_a = batch_gradient(teacher, V, A, before)
    V1, A1 = V - table.eta * grad_v, A - table.eta * grad_a
    after = batch_state(teacher, V1, A1)
    rounding = decisions.SLACK * table.basins.scale
    assert np.all(after["loss"] <= before["loss"] + rounding)
    turn = np.arccos(np.clip(np.einsum("ij,ij->i", V, V1) / (before["v_norm"] * after["v_norm"]), -1, 1))
    phi_lo, phi_hi = table.band[row]
    reach = before["phi"] - turn if spurious else before["phi"] + turn   # as far as one turn can go
    assert np.all(reach > phi_lo) if spurious else np.all(reach < phi_hi)
    side_after = after["phi"] > table.basins.phi_split
    assert np.all(side_after == spurious)
    assert np.all(after["v_norm"] >= before["v_norm"] * (1 - 1e-15))


def _random_teacher(rng, k, p, family):
    """A teacher of one of the GD claims' families, ‖w*‖ log-uniform in [½, 2]."""
    w = rng.standard_normal(p)
    w = w / np.linalg.norm(w) * math.exp(rng.uniform(math.log(0.5), math.log(2)))
    a = {"gaussian": lambda: rng.standard_normal(k),
         "one-hot": lambda: np.eye(k)[rng.integers(k)],
         "zero-sum": lambda: exactly_zero_sum(k, rng) if k > 1 else np.ones(1),
         "average-pooling": lambda: np.ones(k),
         "near-boundary": lambda: a_star_with_ratio(k, min(k, boundary_ratio(k) * rng.uniform(0.5, 1)), rng),
         }[family]()
    return Teacher(w, a)


FAMILIES = ("gaussian", "one-hot", "zero-sum", "average-pooling", "near-boundary")


@pytest.mark.slow
def test_decisions_agree_with_full_dimensional_gd_run_to_convergence():
    """10⁴ runs on 50 random teachers (k, p ≤ 64) with η from 1× to 8× the default: no decision
    disagrees with where plain full-dimensional GD ends; at most 1 % of the runs that full GD
    brings to a minimum within 4000 steps are undecided after 4000; every run that full GD
    drives out of float64 is reported as diverged, and no converging run is."""
    disagreements, undecided, converged, diverged_wrongly, runs = 0, 0, 0, 0, 0
    for index in range(50):
        rng = rng_for(0, "test-decisions-agree", index)
        teacher = _random_teacher(rng, int(rng.integers(1, 65)), int(rng.integers(1, 65)),
                                  FAMILIES[index % len(FAMILIES)])
        eta = float(rng.uniform(1, 8)) * dynamics.default_eta(teacher)
        V0, A0 = dynamics.random_init(teacher, 200, rng)
        decided = dynamics.run_gd(teacher, V0, A0, eta=eta, steps=4000).outcome
        truth, by_4000 = full_gd_truth(teacher, V0, A0, eta, max_steps=20_000, converged_by=4000)
        known = (decided != "undecided") & (truth != "unresolved")
        disagreements += int(np.sum(known & (decided != truth)))
        at_minimum = np.isin(by_4000, ["global", "spurious"])
        converged += int(at_minimum.sum())
        undecided += int(np.sum(at_minimum & (decided == "undecided")))
        diverged_wrongly += int(np.sum((truth == "diverged") != (decided == "diverged")))
        runs += len(decided)
    assert runs >= 10_000
    assert disagreements == 0
    assert diverged_wrongly == 0
    assert converged > 5000 and undecided <= 0.01 * converged


def test_the_issue_example_is_decided_at_a_step_size_eight_times_the_default():
    """k = 40, p = 3, ‖w*‖ = 1, Gaussian a*, η = 0.2: the loss rises in the first steps, and every
    run is still decided, in agreement with full-dimensional GD."""
    rng = np.random.default_rng(40)
    w = rng.standard_normal(3)
    teacher = Teacher(w / np.linalg.norm(w), rng.standard_normal(40))
    V0, A0 = dynamics.random_init(teacher, 1000, rng)
    result = dynamics.run_gd(teacher, V0, A0, eta=0.2, steps=4000)
    assert 4 * dynamics.default_eta(teacher) < 0.2          # above the engine's own estimate
    assert np.any(result.ascents > 0) and np.all(result.late_ascents == 0)
    assert result.counts()["undecided"] == 0
    truth, _ = full_gd_truth(teacher, V0[:300], A0[:300], 0.2, max_steps=20_000)
    assert np.all(truth == result.outcome[:300])


@settings(max_examples=15)
@given(teachers(max_k=16, max_p=16, norms=st.floats(-0.5, 0.5).map(lambda x: 10 ** x)), st.floats(1, 8),
       st.integers(0, 2**32 - 1))
def test_decided_runs_never_rise_again(teacher, multiple, seed):
    """The lemma's invariant, run on: after its decision, no run's loss rises (beyond rounding)."""
    V0, A0 = dynamics.random_init(teacher, 64, np.random.default_rng(seed))
    result = dynamics.run_gd(teacher, V0, A0, eta=multiple * dynamics.default_eta(teacher), steps=3000)
    assert np.all(result.late_ascents == 0)


def test_divergence_threshold_is_where_the_output_layer_starts_to_grow():
    """|1ᵀa| above ηα|c s|/(ηα − 2) grows geometrically; just below the stability limit no run is
    called diverged."""
    teacher = Teacher([1.0, 0.5], [1.0, 0.3, -0.2])
    alpha = (teacher.k + math.pi - 1) / (2 * math.pi)
    unstable = dynamics.decision_table(teacher, 2.5 / alpha)
    threshold = unstable.rule.diverge_sum
    s, c = teacher.a_star.sum(), teacher.w_norm
    assert threshold == pytest.approx(2.5 * abs(c * s) / 0.5)
    V0, A0 = dynamics.random_init(teacher, 50, np.random.default_rng(1))
    assert dynamics.run_gd(teacher, V0, A0, eta=1.99 / alpha, steps=3000).counts()["diverged"] == 0


def test_p1_runs_are_decided_at_step_zero_only_when_the_output_layer_contracts():
    teacher = Teacher([2.0], [1.0, 1.0])
    V0, A0 = np.array([[1.0], [-3.0]]), np.full((2, 2), 0.1)
    alpha = (teacher.k + math.pi - 1) / (2 * math.pi)
    stable = dynamics.run_gd(teacher, V0, A0, eta=1.5 / alpha, steps=5)
    assert list(stable.outcome) == ["global", "spurious"] and list(stable.decided_step) == [0, 0]
    unstable = dynamics.run_gd(teacher, V0, A0, eta=3 / alpha, steps=200)
    assert list(unstable.outcome) == ["diverged", "diverged"]


def test_continuing_decided_p1_runs_keeps_their_step_zero_decisions():
    """The decisions-hold re-check restarts runs the way the engine starts them: at p = 1 the
    angle cannot move, so the re-started runs are decided again at step 0."""
    from checks.experiments.outcomes import decisions_that_fail_to_hold
    teacher = Teacher([-1.1], [1.2])
    batch = dynamics.reduced_runs(teacher, 60, np.random.default_rng(1))
    for code in (decisions.Outcome.GLOBAL, decisions.Outcome.SPURIOUS):
        failed, checked = decisions_that_fail_to_hold(teacher, batch, code)
        assert checked > 0 and failed == 0


@settings(max_examples=5, deadline=None)
@given(teacher=teachers(max_k=1000, max_p=50), seed=st.integers(0, 2**32 - 1), cut=st.integers(1, 400))
def test_continuing_undecided_runs_decides_them_as_one_longer_run_would(teacher, seed, cut):
    """Runs stopped after ``cut`` steps and continued from their states end exactly as runs given
    all the steps at once: outcomes, decision steps and ascents (region claims rely on it)."""
    from checks.experiments.outcomes import continue_undecided
    from checks.experiments.teachers import region_start
    whole = dynamics.reduced_runs(teacher, 24, np.random.default_rng(seed), max_steps=20_000, start=region_start)
    cut_short = dynamics.reduced_runs(teacher, 24, np.random.default_rng(seed), max_steps=cut, start=region_start)
    continue_undecided(teacher, cut_short, cut, 20_000 - cut)
    for field in ("outcome", "decided", "ascents"):
        assert np.array_equal(getattr(whole, field), getattr(cut_short, field)), field


def test_a_zero_sum_teacher_above_the_stability_limit_is_a_knife_edge_reported_as_diverged():
    """1ᵀa* = 0 and a₀ = 0: 1ᵀa = 0 is the one bounded orbit of the expanding 1-direction. Float
    GD stays on it here (k = 2: the sums of ±x are exact) and leaves it under a 1e-9
    perturbation; the engine reports the robust outcome, diverged, from step 0."""
    teacher = Teacher([1.0, 0.3], [0.7, -0.7])
    eta = 2.4 / ((teacher.k + math.pi - 1) / (2 * math.pi))
    V0, A0 = dynamics.random_init(teacher, 40, np.random.default_rng(5))
    assert np.all(A0 == 0)
    result = dynamics.run_gd(teacher, V0, A0, eta=eta, steps=100)
    assert result.counts()["diverged"] == 40 and np.all(result.decided_step == 0)
    balanced, _ = full_gd_truth(teacher, V0, A0, eta, max_steps=20_000, jitter=0.0)
    perturbed, _ = full_gd_truth(teacher, V0, A0, eta, max_steps=20_000)
    assert not np.any(balanced == "diverged") and np.all(perturbed == "diverged")


def test_a_loss_is_looked_up_at_a_level_at_or_above_it():
    """decide() compares r² with the r_min² of the least tabulated level ≥ the loss (+ slack),
    also for losses one ulp away from a level, near the top and deep down."""
    positions = decisions.level_positions()
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.random(20_000), 1 - np.geomspace(1e-13, 0.5, 500), np.geomspace(1e-13, 0.5, 500),
                        positions, np.nextafter(positions, 1), np.nextafter(positions, 0)])
    x = x[(x > 0) & (x < 1)]
    # a table whose r_min² is the level's index, a state whose r² reveals the index found
    rule = decisions.RunRule(phi_split=math.pi, global_base=0.0, global_span=1.0, spurious_base=0.0,
                             spurious_span=1.0, slack=0.0, diverge_sum=math.inf, diverge_perp_sq=math.inf, k=3.0)
    r2_min = np.concatenate([np.arange(decisions.LEVELS, dtype=float), np.full(decisions.LEVELS, np.inf)])
    index = np.full(x.size, -1)
    for guess in range(decisions.LEVELS):   # the first r² that decides is the index looked up
        found = (reduced_gd.decide(np.zeros_like(x), x, np.full_like(x, guess), np.zeros_like(x),
                                   np.zeros_like(x), rule, r2_min) == decisions.Outcome.GLOBAL) & (index < 0)
        index[found] = guess
    looked_up = index >= 0
    assert np.all(positions[index[looked_up]] >= x[looked_up])
    assert np.all(x[~looked_up] >= np.nextafter(positions[0], 0))   # only at or above the highest level


# --- the table's closed forms against the bisections they replaced (tests/oracles/decision_tables.py) ----

def _teacher_with_ratio(k, p, fraction, zero_sum, seed):
    """A teacher whose (1ᵀa*)²/‖a*‖² is ``fraction`` of the boundary ratio (k + π − 1)/π (capped
    at k, its largest value), or with 1ᵀa* = 0 exactly."""
    rng = np.random.default_rng(seed)
    a = exactly_zero_sum(k, rng) if zero_sum and k > 1 else a_star_with_ratio(
        k, min(k, fraction * boundary_ratio(k)), rng)
    return Teacher(rng.standard_normal(p) * math.exp(rng.uniform(-1, 1)), a)


def _compare_with_oracle(teacher, eta):
    """The new table and the old algorithm (on the new bands, and on its own): the bands, and
    r_min² on equal bands."""
    from tests.oracles import decision_tables as table_oracle
    table = decisions.DecisionTable.for_run(teacher, eta)
    old_r2, old_band = table_oracle.r2_min(teacher, eta)
    if not np.any(np.isfinite(old_band)):
        assert not np.any(np.isfinite(table.r2_min))
        return
    basins, alpha = table.basins, (teacher.k + math.pi - 1) / (2 * math.pi)
    sides = ("global", "spurious") if basins.phi_split < math.pi else ("global",)
    for index, side in enumerate(sides):
        own = slice(index * decisions.LEVELS, (index + 1) * decisions.LEVELS)
        levels, (phi_lo, phi_hi) = table.levels[own], table.band[own].T
        # (a) the new edges pass the bisection's own test, m > L + slack; where one lies outside
        # the old one, m between them is within rounding (8ε·½E f*²) of L + slack: the two edges
        # are the same crossing of the computed profile, each found up to its rounding
        threshold = levels + decisions.SLACK * basins.scale
        for edge, old_edge, sign in ((phi_lo, old_band[own, 0], 1), (phi_hi, old_band[own, 1], -1)):
            real = np.isfinite(edge) & (edge != basins.phi_split)
            m, _ = _profile(teacher, edge[real])
            assert np.all(m > threshold[real])
            outside = np.flatnonzero(np.isfinite(old_edge) & (sign * (edge - old_edge) < 0))
            if outside.size:
                between = np.linspace(edge[outside], old_edge[outside], 5)
                m_between, _ = _profile(teacher, between.ravel())
                assert np.all(m_between.reshape(between.shape) >= threshold[outside] - 8 * 2.0**-52 * basins.scale)
        # (b) on equal bands: the same tables of radii up to the searches' tolerances — the old
        # log-r bisection stopped within 3e-9 above its least radius, the new search within 1e-7
        _, _, on_new_band = table_oracle.side_radii(teacher, basins, table.eta, side, alpha, levels,
                                                    (phi_lo, phi_hi))
        new = table.r2_min[own]
        assert np.array_equal(np.isfinite(new), np.isfinite(on_new_band))
        both = np.isfinite(new)
        assert np.all(new[both] >= on_new_band[both] * (1 - 3e-9))
        assert np.all(new[both] <= on_new_band[both] * (1 + 2e-7))
        # and where the bands are the same floats, against the old table itself
        same = np.all((table.band[own] == old_band[own]) | (np.isinf(table.band[own]) & np.isinf(old_band[own])),
                      axis=1) & both
        assert np.all(new[same] >= old_r2[own][same] * (1 - 3e-9))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([1, 2, 3, 5, 10, 30, 100, 1000]), st.sampled_from([1, 2, 3, 16]),
       st.floats(0, 1.2), st.booleans(), st.floats(0.02, 0.999), st.integers(0, 2**32 - 1))
def test_the_closed_form_table_matches_the_bisections_it_replaced(k, p, fraction, zero_sum, stability, seed):
    """k from 1 to 10³, (1ᵀa*)²/‖a*‖² from 0 to past the boundary, 1ᵀa* = 0, p = 1 and p ≥ 2,
    η a fraction of the a-block's stability limit 4π/(k + π − 1)."""
    teacher = _teacher_with_ratio(k, p, fraction, zero_sum, seed)
    _compare_with_oracle(teacher, stability * 4 * math.pi / (k + math.pi - 1))


def test_the_closed_form_table_matches_the_bisections_at_a_million_patches():
    for fraction, stability in ((0.5, 0.3), (0.999, 0.9), (1.1, 0.6)):
        teacher = _teacher_with_ratio(10**6, 4, fraction, False, 6)
        _compare_with_oracle(teacher, stability * 4 * math.pi / (10**6 + math.pi - 1))


def test_the_edge_inversion_is_accurate_to_rounding():
    """E(x) = π − g(x) and G(x) = g(π − x) against mpmath, and their inverse round-trips."""
    import mpmath
    x = np.concatenate([np.geomspace(1e-12, math.pi / 2, 400), [0.25, np.nextafter(0.25, 0)]])
    tail_e, tail_g, _, _ = decisions._tails(x)
    with mpmath.workdps(40):
        exact_g = np.array([float(mpmath.sin(mpmath.mpf(v)) - mpmath.mpf(v) * mpmath.cos(mpmath.mpf(v))) for v in x])
        exact_e = np.array([float(mpmath.pi - (mpmath.pi - mpmath.mpf(v)) * mpmath.cos(mpmath.mpf(v))
                                  - mpmath.sin(mpmath.mpf(v))) for v in x])
    assert np.all(np.abs(tail_g / exact_g - 1) < 2e-14) and np.all(np.abs(tail_e / exact_e - 1) < 2e-15)
    ones = np.ones(x.size)
    for rising, target in ((True, tail_e), (False, tail_g)):
        found = decisions._invert_tails(target, rising * ones.astype(bool), 0 * ones, math.pi / 2 * ones)
        assert np.all(np.abs(found / x - 1) < 1e-12)


def test_the_compiled_turn_bounds_are_the_plain_functions():
    """numba's _turn_radii returns exactly what the plain Python loop does."""
    teacher = Teacher([1.0, 0.4, -0.3], [1.0, -0.6, 0.2, 0.5])
    eta = dynamics.default_eta(teacher)
    table = decisions.DecisionTable.for_run(teacher, eta)
    cells = decisions._Cells.for_teacher(teacher, table.basins)
    for index, global_side in enumerate((True, False)):
        own = slice(index * decisions.LEVELS, (index + 1) * decisions.LEVELS)
        arguments = (global_side, np.ascontiguousarray(table.band[own, 0]), np.ascontiguousarray(table.band[own, 1]),
                     table.levels[own], cells.lo_edge, cells.hi_edge, cells.m_left if global_side else cells.m_right,
                     cells.adot, cells.q, eta * teacher.w_norm, 0.7, 1e-12)
        compiled, plain = decisions._turn_kernel()(*arguments), decisions._turn_radii(*arguments)
        assert np.any(compiled[0] > 0)
        for a, b in zip(compiled, plain, strict=True):
            assert np.array_equal(a, b)


def test_tables_are_cached_per_equal_teacher_and_step_size():
    """Equal teachers built apart (even with −0.0 for 0.0) and η as a numpy float hit one entry;
    another η or teacher does not."""
    w, a = [0.3, -1.2, 0.0], [0.5, 1.5, -0.25, 2.0]
    one, other = Teacher(w, a), Teacher([0.3, -1.2, -0.0], list(a))
    eta = 0.8 * dynamics.default_eta(one)
    first = dynamics.decision_table(one, eta)
    hits = dynamics.decision_table.cache_info().hits
    assert dynamics.decision_table(other, np.float64(eta)) is first
    assert dynamics.decision_table.cache_info().hits == hits + 1
    assert dynamics.decision_table(one, eta * (1 + 1e-15)) is not first
    assert dynamics.decision_table(Teacher(w, [0.5, 1.5, -0.25, 2.5]), eta) is not first
    # the table depends on the teacher only through what equal teachers share
    twin = decisions.DecisionTable.for_run(other, eta)
    assert np.array_equal(twin.r2_min, first.r2_min) and np.array_equal(twin.rule, first.rule)
