"""The prover of GD's outcome probabilities (theory.basins, lohner, starts, reproof; theory.certify.enclosure).

What is checked, and against what:

* the proved enclosures contain the quadrature's estimate (theory.quadrature: independent code,
  bisection of float GD runs along rays) and the frequencies of sampled runs (Clopper–Pearson at
  α = 1e-9 per teacher: a fixed seed, so deterministic; the error rate if it were redrawn), at
  p = ∞ for k = 2 (the uniform disk), 10 and 1000, and at finite p against sampling;
* the prover's sets contain exact trajectories (arb, 512 bits) of starts of their cells, step by
  step — and planted faults of the interval arithmetic (a product that forgets signs, sums
  rounded to nearest) break that;
* planted faults in the trap (an edge moved across the band, the radii halved) are refused by the
  re-verification in arb of the rows that proved cells (certification fails); a planted fault in
  the prover itself (the mean-value remainder left out of E') lets exact trajectories escape the
  sets, and (slow) gives enclosures the quadrature contradicts and cells arb does not re-prove;
* arb re-proves a random sample of proved cells (theory.reproof);
* the map is the same with one thread or two; r = 0 at p = ∞ and r ≥ r_b are answered exactly;
  bad input is one ValueError.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

numba = pytest.importorskip("numba")
if numba.config.DISABLE_JIT:    # pragma: no cover - the compiled code is what these tests are about
    pytest.skip("NUMBA_DISABLE_JIT=1: nothing is compiled", allow_module_level=True)

import flint  # noqa: E402

from theory import (  # noqa: E402
    basins,
    box_step,
    certify,
    dynamics,
    intervals,
    invariants,
    lohner,
    quadrature,
    reduced_gd,
    reproof,
    starts,
)
from theory import trap as traps  # noqa: E402

ALPHA = 1e-9            # Clopper–Pearson error rate per sampled teacher
RUNS = 4000


# Every test that runs the prover compiles its Lohner kernels: 1–4 min of CPU on a fresh checkout (and
# ≈ 30 s warm, with a certified trap of 4–6 s per teacher), past the fast group's 60 s on its own. So
# they are in the slow group, which .ci/run runs too; the fast group keeps the tests of the law, the
# start sets and the boundary, which compile nothing of the prover.
PROVER = pytest.mark.slow


def _r(k: int, ratio: float) -> float:
    return ratio * invariants.boundary(k)


def _sampled(k: int, ratio: float, kappa: float, p: float, seed: int) -> tuple[float, float]:
    """Clopper–Pearson interval of P(spurious) from RUNS sampled runs of the canonical teacher."""
    teacher = invariants.canonical_teacher(k, _r(k, ratio), kappa)
    counts = dynamics.outcome_counts(teacher, RUNS, np.random.default_rng([k, seed]), p=p, max_steps=400_000)
    assert counts["undecided"] == counts["diverged"] == 0
    hits = counts["spurious"]
    return (stats.beta.ppf(ALPHA / 2, hits, RUNS - hits + 1) if hits else 0.0,
            stats.beta.ppf(1 - ALPHA / 2, hits + 1, RUNS - hits) if hits < RUNS else 1.0)


def _meets(enclosure: certify.OutcomeEnclosure, interval: tuple[float, float]) -> bool:
    return interval[0] <= enclosure.spurious_high and enclosure.spurious_low <= interval[1]


# --- the enclosures against independent estimates ----------------------------------------------------

K, RATIO, KAPPA = 10, 0.3, 10.0       # the teacher of the fast tests (its certified trap: ≈ 4 s, once)


@pytest.fixture(scope="module")
def ten() -> basins.BasinMap:
    """The fast tests' map: (k, r/r_b, κ) = (10, 0.3, 10) to width 2·10⁻², p = ∞."""
    return basins.map_basins(K, _r(K, RATIO), KAPPA, width=2e-2)


@pytest.fixture(scope="module")
def ten_quadrature():
    return quadrature.probabilities(K, _r(K, RATIO), KAPPA, tolerance=1e-6)


def _holds_the_estimates(found: certify.OutcomeEnclosure, k, ratio, kappa, width, estimate) -> None:
    assert found.stopped == "width" and found.unresolved <= width
    assert found.global_high - found.global_low <= width + 1e-12
    assert found.spurious_high - found.spurious_low <= width + 1e-12
    assert found.global_low + found.spurious_low <= 1 and found.cells.proved_spurious > 0
    assert found.contains("spurious", estimate.spurious) and found.contains("global", estimate.global_)
    assert _meets(found, _sampled(k, ratio, kappa, math.inf, 1))


@PROVER
def test_at_p_infinity_the_enclosure_holds_the_quadrature_and_the_sampled_frequency(ten, ten_quadrature):
    _holds_the_estimates(certify.OutcomeEnclosure.of_map(ten), K, RATIO, KAPPA, 2e-2, ten_quadrature)


@pytest.mark.slow   # a certified trap per teacher (≈ 5 s each) and the map
@pytest.mark.parametrize(("k", "ratio", "kappa"), [(2, 0.3, 1.0), (1000, 0.01, 1000.0)])
def test_at_p_infinity_other_teachers_hold_the_quadrature_and_the_sampled_frequency(k, ratio, kappa):
    found = certify.enclosure(k, _r(k, ratio), kappa, width=2e-2)
    _holds_the_estimates(found, k, ratio, kappa, 2e-2, quadrature.probabilities(k, _r(k, ratio), kappa,
                                                                                 tolerance=1e-6))


@pytest.mark.slow
def test_at_finite_p_the_enclosure_holds_the_sampled_frequency():
    k, ratio, kappa, p = 10, 0.3, 10.0, 1000
    found = certify.enclosure(k, _r(k, ratio), kappa, p=p, width=0.1)
    assert found.stopped == "width" and found.spurious_high - found.spurious_low <= 0.1 + 1e-12
    assert _meets(found, _sampled(k, ratio, kappa, p, 2))


@pytest.mark.slow   # a certified trap of its own (≈ 4 s)
def test_without_a_spurious_minimum_every_start_is_proved_global():
    found = certify.enclosure(10, _r(10, 1.2), 10.0)
    assert (found.global_low, found.global_high, found.spurious_low, found.spurious_high) == (1.0, 1.0, 0.0, 0.0)
    assert found.unresolved == 0.0 and found.cells.proved_spurious == 0 and found.stopped == "width"
    assert found.note.startswith("r ≥ r_b")


def test_r_zero_at_p_infinity_is_the_exact_enclosure_zero():
    found = certify.enclosure(10, 0.0, 1.0)
    assert (found.global_low, found.global_high, found.spurious_low, found.spurious_high) == (0.0,) * 4
    assert found.stopped == "exact" and found.unresolved == 0.0 and "saddle cone" in found.note
    # and GD from a₀ = 0, φ₀ = π/2 indeed never moves (the reason given)
    consts = box_step.float_constants(10, 0.0, found.eta)
    moved = reduced_gd.step(0.0, 1.0, 0.0, 0.0, 0.0, consts)
    assert (moved.x, moved.y, moved.z1, moved.z2) == (0.0, 1.0, 0.0, 0.0)


# --- the prover's sets contain exact trajectories ------------------------------------------------------

def _no_trap() -> tuple[np.ndarray, ...]:
    return tuple(np.empty(0) for _ in range(8))


def _escapes(k: int, ratio: float, kappa: float, fault: str, cells: np.ndarray, steps: int, rng,
             lohner_fault: int = 0) -> int:
    """How many times an exact trajectory (arb, 512 bits) from a point of a cell's start set lies
    certainly outside the cell's set c + A·w + E, step by step (every step's set checked)."""
    r = _r(k, ratio)
    eta = 0.25 * invariants.stability_limit(k, kappa)
    consts = box_step.interval_constants(k, r, eta, fault=fault)
    begun = starts.start_sets(cells, starts.start_constants(k, r, kappa, False, consts.pi))
    sets = lohner.CellSets(*(np.ascontiguousarray(a) for a in begun))    # the layout the map passes: one kernel
    escapes = 0
    with box_step._precision(512):
        balls = box_step.arb_constants(k, r, eta)
        geometry = reproof.ArbStarts(k, r, kappa, False)
        points = []
        for i, cell in enumerate(cells):
            centre, columns, _ = geometry.rectangle(cell)
            for w in (*rng.uniform(-1, 1, (3, 2)), (1.0, 1.0), (-1.0, 1.0)):
                state = [centre[j] + w[0] * columns[0][j] + w[1] * columns[1][j] for j in range(4)]
                points.append((i, np.array([w[0], w[1], 0.0]), state))
        for _ in range(steps):
            for i, w, state in points:
                for j in range(4):
                    offset = state[j] - flint.arb(float(sets.centre[i, j])) - sum(
                        flint.arb(float(sets.matrix[i, j, m])) * float(w[m]) for m in range(3))
                    escapes += bool(offset < sets.error_lo[i, j]) or bool(offset > sets.error_hi[i, j])
            lohner.advance(sets, consts, _no_trap(), 1, math.inf, 0.0, math.inf, lohner_fault)
            for index, (i, w, state) in enumerate(points):
                moved = reduced_gd.step(*state, flint.arb(0), balls)
                points[index] = (i, w, [moved.x, moved.y, moved.z1, moved.z2])
    return escapes


def _tiny_cells(rng, n: int, size: float) -> np.ndarray:
    u, q = rng.uniform(0.1, 0.9, n), rng.uniform(0.0, 0.9, n)
    return np.column_stack([u, u + size, q, q + size, np.zeros(n), np.zeros(n)])


@PROVER
def test_the_sets_contain_exact_trajectories_of_their_starts():
    rng = np.random.default_rng(5)
    cells = np.concatenate([_tiny_cells(rng, 3, 1e-12), _tiny_cells(rng, 3, 1e-3)])
    assert _escapes(10, 0.3, 10.0, "", cells, 25, rng) == 0


@PROVER
@pytest.mark.parametrize("fault", [
    "mul-forgets-sign",
    # a cold compile of the prover for another arithmetic can pass the 300-s default on a loaded machine
    pytest.param("add-rounds-to-nearest", marks=[pytest.mark.slow, pytest.mark.timeout(1200)])])
def test_a_planted_fault_of_the_interval_arithmetic_lets_an_exact_trajectory_escape(fault):
    """Cells of width 10⁻¹² and 10⁻³: the sound sets hold every exact trajectory (above), the
    faulty ones let some escape. (A cold compile of the prover for a faulty arithmetic takes about
    a minute; the kernel is then cached on disk. "mul-rounds-inward" narrows products by one float
    and "atan2-unwidened" leaves φ within 2.5 ulp of the truth: the outward rounding of the
    operations after them absorbs both here (measured: no escape in 25 steps), and point boxes show
    them, tests/unit/test_box_step.py; "pi-as-float" is caught by the constants themselves, same file.)"""
    rng = np.random.default_rng(5)
    cells = np.concatenate([_tiny_cells(rng, 3, 1e-12), _tiny_cells(rng, 3, 1e-3)])
    assert _escapes(10, 0.3, 10.0, fault, cells, 25, rng) > 0


# --- planted faults in the trap and in the prover ---------------------------------------------------------

def _faulty(trap: traps.CertifiedTrap, kind: str) -> traps.CertifiedTrap:
    side = trap.global_side
    if kind == "edge-across-the-band":      # the global edge moved onto the band's far edge, past φ_s
        edges = np.where(np.isfinite(side.far_edge), side.far_edge, side.phi_edge)
        edges.setflags(write=False)
        return dataclasses.replace(trap, global_side=dataclasses.replace(side, phi_edge=edges))
    radii = side.r2_min / 2
    radii.setflags(write=False)
    return dataclasses.replace(trap, global_side=dataclasses.replace(side, r2_min=radii))


def _trap() -> traps.CertifiedTrap:
    return traps.certified_trap(K, _r(K, RATIO), 0.25 * invariants.stability_limit(K, KAPPA), tighten=True)


@PROVER
@pytest.mark.parametrize("kind", ["edge-across-the-band", "radii-halved"])
def test_a_planted_fault_in_the_trap_is_refused_where_it_proves_a_cell(kind):
    with pytest.raises(ValueError, match="is not a theorem"):
        certify.enclosure(K, _r(K, RATIO), KAPPA, width=0.2, trap=_faulty(_trap(), kind))


@PROVER
def test_the_mean_value_remainder_left_out_lets_an_exact_trajectory_escape():
    rng = np.random.default_rng(5)
    cells = _tiny_cells(rng, 4, 1e-2)
    assert _escapes(10, 0.3, 10.0, "", cells, 25, rng, lohner.DROP_REMAINDER) > 0


@pytest.mark.slow   # ≈ 2 min: without the remainder few sets fail, and cells run long before a trap holds them
def test_the_mean_value_remainder_left_out_gives_an_enclosure_the_quadrature_contradicts(ten_quadrature):
    settings = basins.Settings(lohner_fault=lohner.DROP_REMAINDER)
    found = certify.enclosure(K, _r(K, RATIO), KAPPA, width=2e-2, settings=settings)
    assert not found.contains("spurious", ten_quadrature.spurious)


# --- arb re-proves a sample -----------------------------------------------------------------------------

def _sample(found: basins.BasinMap, n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).choice(len(found.proved), n, replace=False)


@PROVER
def test_arb_re_proves_a_random_sample_of_proved_cells(ten):
    """Two cells drawn at random among the proved cells of few steps (≤ 200: arb costs ≈ 1 ms a
    step); the slow group re-proves cells drawn from all."""
    cheap = np.flatnonzero(ten.steps <= 200)
    checked = reproof.reprove(ten, np.random.default_rng(3).choice(cheap, 2, replace=False))
    assert checked and all(result.agrees for result in checked), checked


@pytest.mark.slow   # ≈ 1 min: 40 cells of two teachers, one at finite p
@pytest.mark.parametrize(("k", "ratio", "kappa", "p"), [(2, 0.3, 10.0, math.inf), (10, 0.3, 10.0, 1000)])
def test_arb_re_proves_many_proved_cells(k, ratio, kappa, p):
    found = basins.map_basins(k, _r(k, ratio), kappa, p, width=5e-2)
    checked = reproof.reprove(found, _sample(found, 20, 4))
    assert all(result.agrees for result in checked), [result for result in checked if not result.agrees]


@pytest.mark.slow   # two maps and arb on eight cells
def test_arb_does_not_re_prove_cells_proved_without_the_mean_value_remainder():
    """The cells the faulty prover proved next to cells of the other side (where a dropped
    remainder matters): arb proves some of them otherwise or not at all."""
    settings = basins.Settings(lohner_fault=lohner.DROP_REMAINDER)
    found = basins.map_basins(K, _r(K, RATIO), KAPPA, width=2e-2, settings=settings, seconds=60)
    honest = basins.map_basins(K, _r(K, RATIO), KAPPA, width=2e-2)
    # the faulty map's proved cells that the honest map left unresolved (it could not prove them)
    honest_unresolved = {tuple(cell) for cell in honest.unresolved}
    suspects = [i for i, cell in enumerate(found.proved) if tuple(cell) in honest_unresolved]
    assert suspects
    checked = reproof.reprove(found, np.array(suspects[:8]), max_pieces=4)
    assert any(not result.agrees for result in checked)


# --- determinism, the result's fields, bad input -------------------------------------------------------------

@PROVER
def test_the_map_is_the_same_with_one_thread_or_two():
    maps = []
    before = numba.get_num_threads()
    try:
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            maps.append(basins.map_basins(K, _r(K, RATIO), KAPPA, width=0.1))
    finally:
        numba.set_num_threads(before)
    one, two = maps
    for name in ("proved", "sides", "steps", "rows", "unresolved"):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name))
    assert (one.splits, one.restarts, one.cell_steps) == (two.splits, two.restarts, two.cell_steps)


@PROVER
def test_the_enclosure_says_what_it_ran_with(ten):
    found = certify.OutcomeEnclosure.of_map(ten)
    assert (found.k, found.r, found.kappa, found.p) == (K, _r(K, RATIO), KAPPA, math.inf)
    assert found.eta == 0.25 * invariants.stability_limit(K, KAPPA) and found.width == 2e-2
    assert found.steps > 0 and found.seconds > 0 and sum(found.cells[:2]) > 0
    assert found.to_json()["cells"]["proved_global"] == found.cells.proved_global
    assert found.to_json()["p"] == "inf"


@PROVER
def test_a_budget_of_time_is_said_to_have_stopped_the_work():
    found = certify.enclosure(K, _r(K, RATIO), KAPPA, width=1e-6, seconds=0.5)
    assert found.stopped == "time" and found.unresolved > 1e-6
    assert found.global_low <= found.global_high and found.spurious_low <= found.spurious_high


@pytest.mark.parametrize(("arguments", "message"), [
    ((1, 1.0, 1.0), "k must be at least 2"), ((10, 11.0, 1.0), "r = "), ((10, 1.0, 0.0), "kappa"),
    ((10, 1.0, 1.0, 1), "p must be at least 2"), ((10, 1.0, 1.0, 2.5), "p must be"),
    ((10, 1.0, 1.0, math.inf, 0.25, 1.5), "width"), ((10, 1.0, 1.0, math.inf, 0.25, 0.0), "width"),
    ((10, 1.0, 1.0, math.inf, -1.0), "eta_fraction"), ((10, 1.0, 1.0, math.inf, 10.0), "eta"),
    ((10, 1.0, 1.0, math.inf, 0.25, 1e-3, -1.0), "seconds")])
def test_bad_input_is_one_value_error(arguments, message):
    with pytest.raises(ValueError, match=message):
        certify.enclosure(*arguments)


@PROVER    # 1.3 s: the map kernels load for a refusal
def test_given_cells_must_lie_in_the_domain():
    with pytest.raises(ValueError, match="not a cell"):
        basins.map_basins(K, _r(K, RATIO), KAPPA, cells=np.array([[0.2, 0.1, 0.0, 0.1, 0.0, 0.0]]))
    with pytest.raises(ValueError, match="not a cell"):          # wider than a quarter turn
        basins.map_basins(K, _r(K, RATIO), KAPPA, cells=np.array([[0.1, 0.2, 0.0, 0.5, 0.0, 0.0]]))


@PROVER
def test_a_map_of_given_cells_claims_nothing_about_the_rest():
    cells = np.array([[0.3, 0.31, 0.1, 0.11, 0.0, 0.0]])
    found = certify.enclosure(K, _r(K, RATIO), KAPPA, cells=cells, width=1e-9)
    assert found.cells.proved_global == 1 and found.global_low < 0.01 and found.unresolved > 0.99


def test_the_masses_of_the_first_cells_add_up_to_one():
    for k, p in ((2, math.inf), (1000, math.inf), (10, 10), (10, 1000)):
        law = basins.StartLaw(k, p)
        cells = basins.first_cells(law, False)
        total = flint.arb(0)
        with box_step._precision(basins.MASS_PRECISION):
            for cell in cells:
                total += law.mass_arb(cell)
            assert abs(total - 1) < 1e-30
        assert np.allclose(law.mass(cells), 1 / len(cells), rtol=1e-9)


def test_each_planted_fault_is_named_in_the_arithmetic():
    """The faults these tests plant are the ones theory.intervals documents."""
    assert {"mul-rounds-inward", "add-rounds-to-nearest", "mul-forgets-sign", "atan2-unwidened"} <= set(
        intervals.FAULTS)


# --- the start sets (theory.starts) --------------------------------------------------------------------------

@pytest.mark.slow   # compiles a kernel of its own (≈ 20 s)
def test_sin_and_cos_of_multiples_of_pi_enclose_arb():
    pi = box_step.interval_constants(10, 1.0, 0.1).pi
    rng = np.random.default_rng(8)
    turns = np.concatenate([rng.uniform(0, 2, 200), np.arange(9) / 4, [1e-300, 2.0 ** -60]])
    compiled = numba.njit(lambda s, pi: starts.sin_cos_pi(intervals.like(pi, s, s), pi))
    with box_step._precision(256):
        for s in turns:
            sine, cosine = compiled(float(s), pi)
            exact = flint.arb(float(s))
            for got, want in ((sine, exact.sin_pi()), (cosine, exact.cos_pi())):
                assert got.lo <= want.lower() and want.upper() <= got.hi, (s, got, want)
                assert got.hi - got.lo <= 1e-14


def _root_w(k: int, r: float, kappa: float, root, u: float, q: float, t: float):
    """The w of the start (u, q, t) in its root's rectangle, in arb (written out again here)."""
    radius = (flint.arb(r) / k).sqrt()
    theta_m = (flint.arb(root[2]) + flint.arb(root[3])) * flint.arb.pi()
    h = (flint.arb(root[3]) - flint.arb(root[2])) * flint.arb.pi()
    near, far = radius * flint.arb(root[0]) * h.cos(), radius * flint.arb(root[1])
    alpha = 2 * flint.arb.pi() * flint.arb(q) - theta_m
    rho, tau = radius * flint.arb(u) * alpha.cos(), radius * flint.arb(u) * alpha.sin()
    w = [(rho - (near + far) / 2) / ((far - near) / 2), tau / (far * h.sin())]
    t_mid, t_half = (flint.arb(root[4]) + flint.arb(root[5])) / 2, (flint.arb(root[5]) - flint.arb(root[4])) / 2
    w.append((flint.arb(t) - t_mid) / t_half if root[5] > root[4] else flint.arb(0))
    return w


@pytest.mark.parametrize("p", [math.inf, 10])
def test_every_start_of_a_cell_lies_in_its_start_set_and_its_sub_boxes(p):
    k, r, kappa = 10, _r(10, 0.3), 7.0
    finite = p != math.inf
    law = basins.StartLaw(k, p)
    rng = np.random.default_rng(9)
    roots = basins.first_cells(law, False, (4, 8, 4))[rng.choice(4 * 8 * (4 if finite else 1), 6, replace=False)]
    consts = box_step.interval_constants(k, r, 0.1)
    geometry = starts.start_constants(k, r, kappa, finite, consts.pi)
    sets = starts.start_sets(roots, geometry)
    quarter = roots.copy()                            # a sub-cell: the first quarter of each parameter range
    for m in range(3 if finite else 2):
        quarter[:, 2 * m + 1] = quarter[:, 2 * m] + (quarter[:, 2 * m + 1] - quarter[:, 2 * m]) / 4
    box_lo, box_hi = starts.sub_boxes(roots, quarter, geometry)
    with box_step._precision(256):
        speed = 1 / flint.arb(kappa).sqrt()
        for i, root in enumerate(roots):
            for _ in range(6):
                u, q = rng.uniform(quarter[i, 0], quarter[i, 1]), rng.uniform(quarter[i, 2], quarter[i, 3])
                t = rng.uniform(quarter[i, 4], quarter[i, 5]) if finite else 0.0
                w = _root_w(k, r, kappa, root, u, q, t)
                for m in range(3):
                    assert box_lo[i, m] <= w[m].lower() and w[m].upper() <= box_hi[i, m]
                radius = (flint.arb(r) / k).sqrt() * flint.arb(u)
                angle = 2 * flint.arb.pi() * flint.arb(q)
                start = (flint.arb(t) * speed, (1 - flint.arb(t) ** 2).sqrt() * speed, radius * angle.cos(),
                         radius * angle.sin())
                for j in range(4):
                    e = start[j] - float(sets.centre[i, j]) - sum(float(sets.matrix[i, j, m]) * w[m] for m in range(3))
                    assert sets.error_lo[i, j] <= e.lower() and e.upper() <= sets.error_hi[i, j], (i, j)
    # the set restricted to the sub-boxes holds the same points: c + A·w + E ⊂ c' + A'·w' + E',
    # w' = (w − mid)/half for every w of the sub-box
    part = starts.restrict(sets, (np.tile(-1.0, (6, 3)), np.tile(1.0, (6, 3))), (box_lo, box_hi), geometry)
    with box_step._precision(256):
        for i in range(len(roots)):
            for _ in range(4):
                w = rng.uniform(box_lo[i], box_hi[i])
                half = (box_hi[i] - box_lo[i]) / 2
                inner = [(flint.arb(float(w[m])) - (flint.arb(box_lo[i, m]) + box_hi[i, m]) / 2) / half[m]
                         if half[m] > 0 and np.any(sets.matrix[i, :, m]) else flint.arb(float(w[m]))
                         for m in range(3)]
                for j in range(4):
                    before = float(sets.centre[i, j]) + sum(float(sets.matrix[i, j, m]) * float(w[m]) for m in range(3))
                    after = float(part.centre[i, j]) + sum(float(part.matrix[i, j, m]) * inner[m] for m in range(3))
                    gap = flint.arb(before) - after
                    assert part.error_lo[i, j] <= (gap + sets.error_lo[i, j]).lower()
                    assert (gap + sets.error_hi[i, j]).upper() <= part.error_hi[i, j]


# --- κ* proved (invariants.spurious_threshold(..., certified=True)) -------------------------------------------

@pytest.mark.slow   # ≈ 2–4 min each: the float search to 0.3 %, two certified traps, two maps
@pytest.mark.timeout(1200)
@pytest.mark.parametrize(("k", "ratio"), [(10, 0.3), (2, 0.5)])
def test_the_ends_of_the_threshold_are_proved(k, ratio):
    found = invariants.spurious_threshold(k, _r(k, ratio), certified=True, seconds=60)
    assert found.proved, found.failure
    assert found.kappa_high / found.kappa_low - 1 <= invariants.PROVED_WIDTH
    low, high = found.low_proof, found.high_proof
    assert (low.kappa, low.global_low, low.spurious_high, low.unresolved) == (found.kappa_low, 1.0, 0.0, 0.0)
    assert high.kappa == found.kappa_high and high.spurious_low > 0
    assert found.to_json()["low_proof"]["global_low"] == 1.0


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_a_planted_fault_in_the_trap_breaks_the_proved_threshold(monkeypatch):
    """Every trap the certification asks for has its global radii halved: the rows that prove
    cells are refused, and the threshold is not proved."""
    honest = traps.certified_trap
    monkeypatch.setattr(traps, "certified_trap", lambda *a, **kw: _faulty(honest(*a, **kw), "radii-halved"))
    with pytest.raises(ValueError, match="is not a theorem"):
        invariants.spurious_threshold(10, _r(10, 0.3), certified=True, seconds=60)
