"""theory.trap: the proved trap. Planted faults in a level's constants break its proof; the
certified constants agree with the float table they came from; GD from states inside a trap
stays there and converges; the ball-arithmetic sups and the Hessian bound they feed are right."""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theory import Teacher, decisions, formulas, invariants, landscape, trap
from theory.arith import FLOAT64_ELEMENTWISE, ArbArith, MpmathArith, MpmathElementwiseArith
from theory.full_gd import batch_gradient, batch_state

K, RATIO = 10, 0.3
R_TEST = RATIO * invariants.boundary(K)
ETA = invariants.DEFAULT_ETA_FRACTION * invariants.stability_limit(K, 1.0)     # the default η at κ = 1
ALPHA = (K + math.pi - 1) / (2 * math.pi)
ROUNDING = decisions.SLACK * (math.pi - 1 + R_TEST) / (4 * math.pi)   # of a float64 ℓ, as theory.decisions allows


@pytest.fixture(scope="module")
def tight():
    """Every 16th level of each side, radii tightened: r2_min/2 must then be refuted."""
    return trap.certified_trap(K, R_TEST, ETA, stride=16, tighten=True)


def _check(side, row, eta=ETA, **changes):
    """check_level of row ``row`` of ``side``, with some of its constants (or η) changed."""
    values = {"level": side.level[row], "phi_edge": side.phi_edge[row], "far_edge": side.far_edge[row],
              "r2_min": side.r2_min[row], **changes}
    return trap.check_level(K, R_TEST, eta, side.side, **values)


# --- planted faults in the constants ---------------------------------------------------------

def test_every_certified_level_is_proved_again_and_each_fault_planted_in_it_breaks_the_proof(tight):
    assert len(tight.global_side) > 25 and len(tight.spurious) > 25
    for side in tight.sides:
        for row in range(len(side)):
            assert _check(side, row).proved
            # r2_min halved: the turn or the descent
            assert _check(side, row, r2_min=side.r2_min[row] / 2).failure.startswith(("turn", "descent"))
            if np.isfinite(side.far_edge[row]):
                own, far = side.phi_edge[row], side.far_edge[row]
                # the edge moved across the band: onto its far edge, or past it
                assert _check(side, row, phi_edge=far).failure.startswith("band")
                assert _check(side, row, phi_edge=min(max(2 * far - own, 0.0), math.pi)).failure.startswith("band")
                # the edge moved out of the band, just past where m = L (the set would not be invariant)
                assert _check(side, row, phi_edge=_just_outside(side, row)).failure.startswith("band")
        # a level above the top: no angle has m above it
        above = math.nextafter(tight.top.hi, math.inf)
        assert _check(side, len(side) - 1, level=above).failure.startswith("band")


def _unit_profile(phi):
    """m(φ) of the invariant teacher (K, R_TEST), float64."""
    return formulas.profile_from_scalars(FLOAT64_ELEMENTWISE, angle=formulas.Angle(phi, math.pi - phi), k=K, c=1.0,
                                         s=math.sqrt(R_TEST), astar_sq=1.0)[0]


def _just_outside(side, row):
    """An angle on the side where m is 10⁻¹⁴ below the level, just out of the band (bisection
    between the side's end and phi_edge; m is monotone there)."""
    inside, outside = side.phi_edge[row], (0.0 if side.side == "global" else math.pi)
    target = side.level[row] - 1e-14
    for _ in range(80):
        middle = (inside + outside) / 2
        inside, outside = (middle, outside) if _unit_profile(np.array([middle]))[0] > target else (inside, middle)
    return outside


def test_a_step_size_past_the_stability_limit_is_refused_and_breaks_every_proof(tight):
    past = 2.01 / ALPHA
    with pytest.raises(ValueError, match="stability limit"):
        trap.certified_trap(K, R_TEST, past)
    with pytest.raises(ValueError, match="stability limit"):     # within a factor 1 − ε of it, too
        trap.certified_trap(K, R_TEST, 2 * (1 - 1e-10) / ALPHA)
    for side in tight.sides:
        for row in (0, len(side) // 2, len(side) - 1):
            assert _check(side, row, eta=past).failure.startswith("descent: ηα")


def _endpoint_sups(monkeypatch):
    """Plant the fault in the float table: the sup of q over an interval taken at its ends only."""
    q = decisions._q
    honest_to_pi = decisions.sup_q_and_h_to_pi
    monkeypatch.setattr(decisions, "sup_q", lambda lo, hi: np.maximum(q(lo), q(hi)))
    monkeypatch.setattr(decisions, "sup_q_and_h_to_pi",
                        lambda lo: (np.maximum(q(lo), q(math.pi)), honest_to_pi(lo)[1]))


def test_radii_computed_with_the_sup_of_q_at_the_ends_only_are_refused(monkeypatch):
    """The float table's global radii rest on the descent's sup of q over [0, φ_lo + θ], which
    holds q's peak inside: taken at the interval's ends it is too small, and so is r²."""
    teacher = invariants.canonical_teacher(K, R_TEST, 1.0)
    honest = trap._float_table(K, R_TEST, ETA)      # (cached before the fault is planted)
    _endpoint_sups(monkeypatch)
    faulty = decisions.DecisionTable.for_run(teacher, ETA)
    rows = np.flatnonzero(np.isfinite(faulty.r2_min[:decisions.LEVELS])
                          & (faulty.r2_min[:decisions.LEVELS] < honest.r2_min[:decisions.LEVELS] * (1 - 1e-6)))
    assert rows.size > 50
    for row in rows[:: max(rows.size // 12, 1)]:
        phi_edge, far_edge, r2_min = trap._nudged("global", *faulty.band[row], faulty.r2_min[row], 0)
        verdict = trap.check_level(K, R_TEST, ETA, "global", faulty.levels[row], phi_edge, far_edge, r2_min)
        assert verdict.failure.startswith(("turn", "descent"))
        honest_edges = trap._nudged("global", *honest.band[row], honest.r2_min[row], 0)
        assert trap.check_level(K, R_TEST, ETA, "global", honest.levels[row], *honest_edges).proved


# --- consistency with the float table ----------------------------------------------------------

@settings(max_examples=10)
@given(st.floats(math.log(2), math.log(1e4)).map(lambda x: round(math.exp(x))),
       st.one_of(st.just(0.0), st.floats(0.01, 1.2)), st.floats(-2, 4).map(lambda x: 10.0 ** x),
       st.floats(0.01, 1.0))
def test_certified_constants_lie_inside_the_float_tables(k, ratio, kappa, fraction):
    r = min(ratio * invariants.boundary(k), float(k))
    eta = fraction * invariants.DEFAULT_ETA_FRACTION * invariants.stability_limit(k, kappa)
    certified = trap.certified_trap(k, r, eta, stride=50)
    table = trap._float_table(k, r, eta)
    with mpmath.workdps(60):       # r < r_b ⟺ π(r − 1) < k − 1, decided apart from theory.trap
        assert certified.has_spurious_minimum == bool(mpmath.pi * (mpmath.mpf(r) - 1) < k - 1)
    # within rounding of r_b the float table (from a float a*) and the exact teacher may disagree
    # on whether a spurious minimum exists
    at_the_boundary = abs(r / invariants.boundary(k) - 1) <= 1e-12
    for offset, side in ((0, certified.global_side), (decisions.LEVELS, certified.spurious)):
        levels = table.levels[offset:offset + decisions.LEVELS]
        for row in range(len(side)):
            j = offset + int(np.flatnonzero(levels == side.level[row])[0])
            lo, hi = table.band[j]
            assert side.r2_min[row] >= table.r2_min[j] * (1 - 1e-15)
            assert side.r2_min[row] <= table.r2_min[j] * (1 + 2e-3)
            if side.side == "global":
                assert lo <= side.phi_edge[row] < hi
            else:
                assert lo < side.phi_edge[row] <= hi
        # a level is dropped only where the float table's own ℓ_s (from a float a*) rounds it
        # below the exact one, or at the boundary
        if not at_the_boundary:
            assert all(reason.startswith("level: not above") for reason, _ in side.failures), side.failures
    assert certified.top.lo <= table.basins.top * (1 + 1e-12) and table.basins.top <= certified.top.hi * (1 + 1e-12)
    if certified.saddle_angle is not None:
        if not at_the_boundary:
            assert abs(table.basins.phi_split - certified.saddle_angle.lo) < 1e-12
        assert np.all(certified.global_side.phi_edge < certified.saddle_angle.lo)
        assert np.all(certified.spurious.phi_edge > certified.saddle_angle.hi)


def test_the_enclosures_hold_the_values_computed_independently_in_mpmath():
    certified = trap.certified_trap(K, R_TEST, ETA, stride=100)
    ar = MpmathArith(50)
    with ar.precision():
        s = mpmath.sqrt(mpmath.mpf(R_TEST))

        def profile(phi):
            return formulas.profile_from_scalars(ar, angle=formulas.angle_from_phi(phi, ar), k=K, c=1, s=s,
                                                 astar_sq=1)

        phi_s = mpmath.findroot(lambda phi: profile(phi)[1], 1.7)
        for value, box in ((phi_s, certified.saddle_angle), (profile(phi_s)[0], certified.top),
                           (formulas.spurious_loss(ar, k=K, c=1, s=s, astar_sq=1), certified.spurious_loss)):
            assert box is not None and box.lo <= value <= box.hi and box.hi - box.lo <= 1e-15


def test_without_a_spurious_minimum_only_the_global_side_is_trapped_up_to_the_spurious_loss():
    for k, r in ((10, 1.1 * invariants.boundary(10)), (1, 1.0)):
        eta = invariants.DEFAULT_ETA_FRACTION * invariants.stability_limit(k, 1.0)
        certified = trap.certified_trap(k, r, eta, stride=20)
        assert not certified.has_spurious_minimum and certified.saddle_angle is None
        assert len(certified.spurious) == 0 and len(certified.global_side) > 20
        assert certified.top == certified.spurious_loss
        assert np.all(certified.global_side.level < certified.top.lo)
        assert np.all(np.isinf(certified.global_side.far_edge))
        assert trap.check_level(k, r, eta, "spurious", 0.2, 2.0, 1.0, 1.0).failure == "side: no spurious minimum"


def test_traps_are_cached_and_read_only():
    first = trap.certified_trap(K, R_TEST, ETA, stride=100)
    assert trap.certified_trap(K, R_TEST, np.float64(ETA), stride=100) is first
    with pytest.raises(ValueError):
        first.global_side.r2_min[0] = 0.0


@pytest.mark.parametrize(("arguments", "message"), [
    ((0, 0.5, 0.1), "k must be"), ((10, -0.1, 0.1), "r = "), ((10, 10.5, 0.1), "r = "),
    ((1, 0.5, 0.1), "for k = 1"), ((10, math.nan, 0.1), "r must be finite"), ((10, 0.5, 0.0), "eta must be"),
    ((10, 0.5, math.inf), "eta must be"), ((10, 0.5, "0.1"), "eta must be"),
])
def test_bad_input_is_one_value_error(arguments, message):
    with pytest.raises(ValueError, match=message):
        trap.certified_trap(*arguments)


def test_bad_options_and_sides_are_one_value_error():
    for options, message in (({"prec": 32}, "prec"), ({"stride": 0}, "stride"), ({"tighten": 1}, "tighten")):
        with pytest.raises(ValueError, match=message):
            trap.certified_trap(K, R_TEST, ETA, **options)
    with pytest.raises(ValueError, match="side must be"):
        trap.check_level(K, R_TEST, ETA, "saddle", 0.1, 1.0, 2.0, 1.0)


# --- GD from inside a trap ---------------------------------------------------------------------

def _teacher(p, scale_w, scale_a, flip):
    """A teacher of invariants (K, R_TEST) other than the canonical one: ‖w*‖, ‖a*‖ and the sign
    of 1ᵀa* changed, w* in another direction."""
    a_star = invariants.canonical_a_star(K, R_TEST) * scale_a * (-1 if flip else 1)
    w = np.zeros(p)
    w[-1] = scale_w
    return Teacher(w, a_star)


def _states(teacher, side, row, n, rng):
    """n states of row ``row`` of ``side``, in the teacher's units (λ = ‖w*‖‖a*‖): φ on the side
    with m(φ) ≤ L (a tenth of them at the largest such φ), a on or inside the ellipsoid
    ℓ(φ, a) ≤ L, half of them along ±M⁻¹a* (which moves aᵀa* most), ‖v‖² at r2_min or above."""
    lam = teacher.w_norm * math.sqrt(teacher.a_sq)
    level, edge, r2 = side.level[row], side.phi_edge[row], side.r2_min[row]
    k, p = teacher.k, teacher.p
    profile = _unit_profile            # m(φ) in units of λ²
    lo, hi = (0.0, edge) if side.side == "global" else (edge, math.pi)
    phi = rng.uniform(lo, hi, 50 * n)
    base = 0.0 if side.side == "global" else formulas.spurious_loss(FLOAT64_ELEMENTWISE, k=k, c=1.0,
                                                                    s=math.sqrt(R_TEST), astar_sq=1.0)
    phi = phi[profile(phi) < level - max((level - base) * 1e-6, 1e-16)]
    # the states nearest the band: the largest (global) or least (spurious) angle with m ≤ L
    extreme = phi.max() if side.side == "global" else phi.min()
    phi = np.concatenate([np.full(n // 10, extreme), phi[: n - n // 10]])
    m = profile(phi)
    M = (math.pi - 1) * np.eye(k) + np.ones((k, k))
    a_opt = np.array([landscape.optimal_a(teacher, f) for f in phi])
    d = rng.standard_normal((phi.size, k))
    along = rng.random(phi.size) < 0.5
    d[along] = np.linalg.solve(M, teacher.a_star) * rng.choice([-1.0, 1.0], (along.sum(), 1))
    fill = np.where(rng.random(phi.size) < 0.5, 1.0, rng.random(phi.size)) * (1 - 1e-9)
    length = np.sqrt(4 * math.pi * (level - m) * lam ** 2 * fill / np.einsum("ij,jk,ik->i", d, M, d))
    A = a_opt + length[:, None] * d
    radius = math.sqrt(r2) * lam * (1 + 1e-9) * np.where(rng.random(phi.size) < 0.5, 1.0, rng.uniform(1, 1.5, phi.size))
    w_hat = teacher.w_star / teacher.w_norm
    e = rng.standard_normal(p)
    e -= (e @ w_hat) * w_hat
    e /= np.linalg.norm(e)
    V = radius[:, None] * (np.cos(phi)[:, None] * w_hat + np.sin(phi)[:, None] * e)
    return V, A


def _run(teacher, V, A, steps, ar=FLOAT64_ELEMENTWISE):
    """GD with step ETA in ``ar`` (theory.full_gd's gradient): per step, (ℓ/λ², φ, ‖v‖²/λ²) as
    float arrays, and the last (V, A)."""
    lam_sq = teacher.w_norm ** 2 * teacher.a_sq
    history = []
    with ar.precision():
        if ar is not FLOAT64_ELEMENTWISE:
            V, A = (ar.vector(M).reshape(M.shape) for M in (V, A))
        for _ in range(steps + 1):
            state = batch_state(teacher, V, A, ar)
            history.append(np.array([np.asarray(state[key], float) for key in ("loss", "phi", "v_norm")]))
            grad_v, grad_a = batch_gradient(teacher, V, A, state, ar)
            V, A = V - ETA * grad_v, A - ETA * grad_a
    loss, phi, norm = np.moveaxis(np.array(history), 1, 0)
    return loss / lam_sq, phi, norm ** 2 / lam_sq, np.asarray(V, float), np.asarray(A, float)


@pytest.mark.parametrize("teacher_shape", [(3, 1.0, 1.0, False), (4, 2.5, 0.8, True)])
def test_gd_from_a_trap_stays_in_it_and_converges_to_its_minimum(tight, teacher_shape):
    """Float64 GD (p ≥ 3: the out-of-plane curvature is present), 1500 steps from 30 states of
    each of five levels per side, of two teachers with the invariants (K, R_TEST): every step in
    the set (up to float rounding), and the side's minimum approached."""
    teacher = _teacher(*teacher_shape)
    lam = teacher.w_norm * math.sqrt(teacher.a_sq)
    rng = np.random.default_rng(12345)
    groups = [(side, row) for side in tight.sides for row in np.linspace(0, len(side) - 1, 5).astype(int)]
    starts = [_states(teacher, side, row, 30, rng) for side, row in groups]
    loss, phi, norm, _, A_end = _run(teacher, np.concatenate([V for V, _ in starts]),
                                     np.concatenate([A for _, A in starts]), 1500)
    a_s = np.asarray(landscape.spurious_point(teacher)[1]) / lam
    offsets = np.cumsum([0] + [V.shape[0] for V, _ in starts])
    for (side, row), first, last in zip(groups, offsets[:-1], offsets[1:], strict=True):
        own = slice(first, last)
        level, edge, r2 = side.level[row], side.phi_edge[row], side.r2_min[row]
        # a float64 ℓ is a difference of O(1) terms: it is good to about 1e-16 absolute
        assert np.all(loss[:, own] <= level + ROUNDING)
        assert np.all(np.diff(loss[:, own], axis=0) <= ROUNDING)
        assert np.all(phi[:, own] <= edge) if side.side == "global" else np.all(phi[:, own] >= edge)
        assert np.all(norm[:, own] >= r2 * (1 - 1e-12))
        unit_a = A_end[own] / lam
        if side.side == "global":
            # At ‖v‖² = r2_min the low levels' radius is the v-block's stability limit
            # η·c²‖a*‖²/(2‖v‖²) < 2(1 − ε): φ flips sign each step and shrinks only as ‖v‖ grows.
            # From 1.2·r2_min on, a step contracts φ by 0.67 at most.
            fast = norm[0, own] >= 1.2 * r2
            assert fast.sum() >= 4
            assert np.all(phi[-1, own][fast] < 1e-6) and np.all(loss[-1, own][fast] < 1e-12)
            assert np.allclose(unit_a[fast], teacher.a_star / math.sqrt(teacher.a_sq), atol=1e-6)
        else:     # 1/t: π − φ shrinks slowly, but it shrinks, and a follows a(φ) → a_s
            delta = math.pi - phi[:, own]
            assert np.all(delta[-1] < delta[0]) and np.all(delta[-1] < 0.05)
            assert np.allclose(unit_a, a_s, atol=1e-3)


def test_forty_digit_gd_from_the_hardest_states_stays_in_the_trap(tight):
    """The same at 40 digits (mpmath), 150 steps from the states of the highest level of each side
    nearest the band's edge, with ‖v‖² = r2_min."""
    teacher = _teacher(3, 1.0, 1.0, False)
    rng = np.random.default_rng(7)
    sides = [(side, len(side) - 1) for side in tight.sides]
    starts = [_states(teacher, side, row, 30, rng) for side, row in sides]   # the first 3 are the nearest
    loss, phi, norm, _, _ = _run(teacher, np.concatenate([V[:3] for V, _ in starts]),
                                 np.concatenate([A[:3] for _, A in starts]), 150, MpmathElementwiseArith(40))
    for index, (side, row) in enumerate(sides):
        own = slice(3 * index, 3 * index + 3)
        assert np.all(loss[:, own] <= side.level[row]) and np.all(np.diff(loss[:, own], axis=0) <= 0)
        assert np.all(phi[:, own] <= side.phi_edge[row]) if side.side == "global" else \
            np.all(phi[:, own] >= side.phi_edge[row])
        assert np.all(norm[:, own] >= side.r2_min[row] * (1 - 1e-30))


# --- the sups and the curvature bound -------------------------------------------------------------

def _q(phi):
    return (math.pi - phi) * np.sin(phi)


def _h_tilde(phi):
    q, slope = _q(phi), (math.pi - phi) * np.cos(phi) - np.sin(phi)
    return np.maximum((np.abs(slope) + np.sqrt(slope ** 2 + 4 * q ** 2)) / 2, (math.pi - phi) * np.abs(np.cos(phi)))


def _sups(lo, hi):
    import flint
    with ArbArith(128).precision():
        pi = flint.arb.pi()
        a, b = flint.arb(lo), flint.arb(hi)
        return trap.float_above(trap.sup_q(a, b, pi)), trap.float_above(trap.sup_h(a, b, pi))


@settings(max_examples=30)
@given(st.floats(0, math.pi), st.floats(0, math.pi), st.sampled_from([1e-9, 1e-3, 0.3, 1.0, 4.0]))
def test_the_ball_sups_dominate_a_dense_sample_and_are_tight(x, y, width):
    lo = min(x, y)
    hi = min(max(x, y), lo + width, math.pi)
    grid = np.linspace(lo, hi, 4001)
    q_bound, h_bound = _sups(lo, hi)
    spacing = (hi - lo) / 4000
    for bound, sample in ((q_bound, _q(grid)), (h_bound, _h_tilde(grid))):
        assert bound >= sample.max() * (1 - 1e-14)
        assert bound <= sample.max() + 4 * spacing + 1e-12


def test_a_sup_taken_at_the_ends_only_is_refuted_by_the_dense_sample(monkeypatch):
    """The planted fault in the ball code: each function's sup taken at the interval's ends only.
    q's peak lies inside [1, 1.2] and h̃'s inside [1.45, 1.75]: the dense sample sees them, the
    faulty bounds do not."""
    monkeypatch.setattr(trap, "_sup_smooth", lambda f, lo, hi, floor=None: max(f(lo).upper(), f(hi).upper()))
    for (lo, hi), which, function in (((1.0, 1.2), 0, _q), ((1.45, 1.75), 1, _h_tilde)):
        assert _sups(lo, hi)[which] < function(np.linspace(lo, hi, 4001)).max() - 1e-3


@pytest.mark.slow
@pytest.mark.parametrize("k", [2, 10**6])
def test_a_whole_trap_reaches_from_near_the_top_down_to_small_losses(k):
    """All 501 float levels per side, tightened: nothing dropped but (at k = 10⁶) spurious levels
    the float teacher's ℓ_s puts below the exact one; levels from within 10⁻¹² (relative) of each
    side's base up to the float table's highest, which stops where its rounding slack
    (theory.decisions.SLACK × ½E f*²) would reach the top."""
    r = 0.5 * invariants.boundary(k)
    certified = trap.certified_trap(k, r, invariants.DEFAULT_ETA_FRACTION * invariants.stability_limit(k, 1.0),
                                    tighten=True)
    top, base = certified.top.lo, {"global": 0.0, "spurious": certified.spurious_loss.hi}
    slack = decisions.SLACK * (math.pi - 1 + r) / (4 * math.pi)
    for side in certified.sides:
        assert len(side) >= 390 and side.retried == 0
        assert all(reason.startswith("level: not above") for reason, _ in side.failures)
        span = top - base[side.side]
        assert side.level[-1] >= top - 2 * slack - 1e-11 * span and side.level[0] <= base[side.side] + 1e-12 * span
        assert np.all(np.diff(side.level) > 0)


@settings(max_examples=12)
@given(st.sampled_from([3, 4]), st.floats(1e-3, math.pi - 1e-3), st.floats(0.2, 5.0), st.integers(0, 2 ** 32 - 1))
def test_the_curvature_bound_holds_for_the_mpmath_hessian_and_needs_the_out_of_plane_term(p, phi, radius, seed):
    """H_vv's eigenvalues (40-digit Hessian of theory.landscape): in the plane of v and w* those of
    c·aᵀa*/(2πr²)·[[0, q], [q, q']], out of it c·aᵀa*(π − φ)cos φ/(2πr²) (p − 2 times); all within
    |aᵀa*|h̃(φ)/(2πr²). And the largest eigenvalue of the whole Hessian within the 2×2 bound."""
    rng = np.random.default_rng(seed)
    teacher = _teacher(p, 1.0, 1.0, False)
    w_hat = teacher.w_star
    e = rng.standard_normal(p)
    e -= (e @ w_hat) * w_hat
    v = radius * (math.cos(phi) * w_hat + math.sin(phi) * e / np.linalg.norm(e))
    a = rng.standard_normal(K)
    H = np.array(landscape.hessian(teacher, v, a, dps=40).tolist(), dtype=float)
    a_dot = float(a @ teacher.a_star)
    h_vv = np.linalg.eigvalsh(H[:p, :p])
    scale = a_dot / (2 * math.pi * radius ** 2)
    q, slope = _q(phi), (math.pi - phi) * math.cos(phi) - math.sin(phi)
    in_plane = scale * np.array([(slope - math.hypot(slope, 2 * q)) / 2, (slope + math.hypot(slope, 2 * q)) / 2])
    expected = np.sort(np.concatenate([in_plane, np.full(p - 2, scale * (math.pi - phi) * math.cos(phi))]))
    assert np.allclose(np.sort(h_vv), expected, rtol=1e-9, atol=1e-12 * (1 + abs(scale)))
    gamma = abs(a_dot) * _h_tilde(phi) / (2 * math.pi * radius ** 2)
    assert np.max(np.abs(h_vv)) <= gamma * (1 + 1e-9) + 1e-15
    alpha, beta = ALPHA, _q(phi) / (2 * math.pi * radius)
    lam = (alpha + gamma) / 2 + math.sqrt(((alpha - gamma) / 2) ** 2 + beta ** 2)
    assert np.linalg.eigvalsh(H).max() <= lam * (1 + 1e-9)


def test_the_in_plane_bound_h_alone_misses_the_out_of_plane_curvature_near_the_global_minimum():
    """For p ≥ 3 and φ below about 0.34 rad the out-of-plane eigenvalue exceeds |aᵀa*|h(φ)/(2πr²):
    h alone does not bound H_vv (docs/mathematics.md#the-trap-theorem)."""
    teacher = _teacher(3, 1.0, 1.0, False)
    phi, radius = 0.1, 1.0
    v = radius * np.array([0.0, math.sin(phi), math.cos(phi)])
    a = teacher.a_star.copy()
    H = np.array(landscape.hessian(teacher, v, a, dps=40).tolist(), dtype=float)
    q, slope = _q(phi), (math.pi - phi) * math.cos(phi) - math.sin(phi)
    h_only = (abs(slope) + math.hypot(slope, 2 * q)) / 2 / (2 * math.pi)
    assert np.linalg.eigvalsh(H[:3, :3]).max() > h_only * (1 + 1e-2)
    assert np.linalg.eigvalsh(H[:3, :3]).max() <= _h_tilde(phi) / (2 * math.pi) * (1 + 1e-12)
