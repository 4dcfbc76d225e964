"""Runs from the paper's initialization on the invariant grid, measured for their two phases.

A configuration is (k, r/r_b, κ, p): the canonical teacher of the invariants
(:func:`theory.invariants.canonical_teacher`, r = min(r/r_b · r_b, k)) with v₀ on the unit sphere of
Rᵖ (p = ∞: φ₀ = π/2 exactly). Each run is decided by :mod:`theory.decisions` and, when `global`,
measured by :func:`theory.phases.measure`:

**Phase I** is fixed before any run, as in the notes (§5): T₁ is the first step with φ < π/4 and
aᵀa* ≥ ½‖w*‖‖a*‖². Nothing about a run's own T₁ selects it. Its reconstructed bound is
1/(η cos φ₀ β₀) + 1/η (:func:`phase_one_bound`; +∞ outside the theorem's region).

**The speedup**, fixed in the code before measuring: the mean per-step decrease of log ℓ from T₁
to T_floor (the first step with ℓ ≤ FLOOR·ℓ(a = 0)) divided by the mean per-step decrease of log ℓ
over steps 0 … T₁. A configuration's value is the median over **every** run of it that converges to
the global minimum. Runs count as follows:

* T₁ = 0 (the run starts inside: φ₀ < π/4 and a₀ᵀa* ≥ ½‖w*‖‖a*‖²): no Phase I, so no slow start;
  its speedup is taken as 0 (against "starts off slow") and the runs are counted on their own;
* log ℓ did not fall over steps 0 … T₁: Phase I as slow as it gets; speedup +∞;
* converged but T_floor not reached within the steps: unmeasured (NaN); counted, and a median's
  interval holds them at 0 for its lower end and at +∞ for its upper (:func:`speedup_median`);
* runs decided `spurious`, still `undecided` or `diverged` have no Phase II to the global minimum:
  counted and reported per configuration, never dropped silently.

A second statistic, shown beside the judged one, takes Phase I's average from the step where the
output layer's fast 1ᵀa mode has relaxed (:func:`relaxation_steps`).

**Seeded runs** come in blocks of BLOCK = 32: block b is drawn from
``rng_for(seed, "invariant-grid", k, repr(r), repr(κ), repr(p), "block", b)`` (κ a float, p an int
or math.inf; the draw of :func:`theory.initialization.reduced_start`), so the seed and the
configuration alone fix the runs, whatever the budget, and n runs are the first n of any larger
sample (a budget with more runs keeps a smaller budget's and adds blocks). A seed-free design of
the same starts is :mod:`checks.experiments.design`'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from checks.experiments.counts import OutcomeCounts
from checks.experiments.design import DESIGN
from checks.experiments.plan import shown
from checks.verdicts.claim import rng_for
from checks.verdicts.estimates import Requirement
from theory import Teacher, decisions, dynamics, initialization, invariants, phases, reduced_gd

__all__ = ["BLOCK", "CONFIDENCE", "DECISION_STEPS", "FLOOR", "GRID_LABEL", "RELAX_E_FOLDS", "SHAPE_THRESHOLD",
           "SPEEDUP_REQUIREMENT", "V0_NORM", "ZONE",
           "Configuration", "Grid", "Runs", "grid_r", "grid_rng", "grid_start", "measure_runs", "median_interval",
           "p_label", "phase_one_bound", "relaxation_steps", "run_configuration", "speedup_median", "speedups",
           "summarise"]

GRID_LABEL = "invariant-grid"  # the runs of a configuration are shared with any claim using this label
FLOOR = 1e-8                  # Phase II is measured down to ℓ ≤ FLOOR · ℓ(a = 0)
CONFIDENCE = 0.99             # default of the order-statistic interval on a median (two-phase passes its own)
RELAX_E_FOLDS = 3.0           # the output layer's fast 1ᵀa mode has relaxed after 3 e-folds (fixed before the data)
V0_NORM = initialization.DEFAULT_V0_NORM   # ‖v₀‖ = 1: our reconstruction of the paper's sphere
DECISION_STEPS = 100_000      # steps a run may take to be decided (global, spurious, diverged)
BLOCK = 32                    # runs per block: a configuration's n runs are its first n/BLOCK blocks
SHAPE_THRESHOLD = 2.0         # "much faster": log ℓ falls at least twice as fast per step after T₁
ZONE = 0.1                    # a speedup within 2 ± 0.1 is at the threshold (stated before any run)
# the one requirement on the speedup, for two-phase and for every claim that re-judges "slow, then fast"
SPEEDUP_REQUIREMENT = Requirement(SHAPE_THRESHOLD, ZONE, above=True)


@dataclass(frozen=True)
class Grid:
    """The configurations of a budget: every k × r/r_b × κ × p, each with ``runs`` runs; r =
    min(r/r_b · r_b, k) (1.5 × r_b is capped at k: no spurious minimum either way); p ends at ∞
    (φ₀ = π/2 exactly)."""

    k: tuple[int, ...]
    ratio: tuple[float, ...]      # r/r_b
    kappa: tuple[float, ...]
    p: tuple[float, ...]          # ends at math.inf
    runs: int                     # drawn from the seed, beside the seed-free design that decides

    def __post_init__(self):
        if self.runs < BLOCK or self.runs % BLOCK:
            raise ValueError(f"a configuration's runs come in blocks of {BLOCK}, got {self.runs}")

    def configurations(self) -> list[tuple[int, float, float, float]]:
        """Every (k, r/r_b, κ, p), p varying fastest."""
        return [(k, ratio, kappa, p) for k in self.k for ratio in self.ratio for kappa in self.kappa
                for p in self.p]

    def describe(self) -> str:
        """The grid in words, for the report's What ran."""
        return (f"k ∈ {shown(self.k)} × r/r_b ∈ {shown(self.ratio)} × κ ∈ {shown(self.kappa)} × p ∈ {shown(self.p)}, "
                f"each judged on a seed-free design of {DESIGN.first:,} to {DESIGN.last:,} points, with "
                f"{self.runs:,} runs from the seed beside it")


def relaxation_steps(teacher: Teacher, eta: float) -> int:
    """The step from which Phase I's average is also taken (the second map): the 1ᵀa mode of the
    output layer contracts by |1 − η λ₁| per step, λ₁ = (k + π − 1)/(2π) its curvature
    (theory.decisions.Curvatures.along_ones); RELAX_E_FOLDS e-folds of it."""
    factor = abs(1 - eta * decisions.teacher_curvatures(teacher, V0_NORM).along_ones)
    return 1 if factor == 0 else max(1, math.ceil(RELAX_E_FOLDS / -math.log(factor)))


def _losses_after(teacher: Teacher, start, eta: float, steps: int) -> np.ndarray:
    """ℓ of each run of ``start`` (reduced arrays) after exactly ``steps`` GD steps."""
    plane = dynamics.reduced_plane(teacher)
    n = len(start[0])
    batch = dynamics.reduced_runs(teacher, n, np.random.default_rng(0), eta=eta, max_steps=steps, until_decided=False,
                                  start=lambda *_: tuple(np.array(a) for a in start))
    state = batch.state
    return reduced_gd.step(state.x, state.y, state.z1, state.z2, state.residual_sq, plane.constants(eta, eta)).loss


def p_label(p: float) -> int | str:
    """p as evidence: an int, or the string "inf" for the limit."""
    return "inf" if p == math.inf else int(p)


def grid_r(k: int, ratio: float) -> float:
    """r for r/r_b = ``ratio``, capped at k (its largest value, a* ∥ 1)."""
    return min(ratio * invariants.boundary(k), float(k))


def grid_rng(seed: int, k: int, r: float, kappa: float, p: float, block: int) -> np.random.Generator:
    """The generator of block ``block`` (BLOCK runs) of configuration (k, r, κ, p): from the seed and
    the configuration alone, so n runs are the first n of any larger sample."""
    return rng_for(seed, GRID_LABEL, k, repr(r), repr(kappa), repr(p), "block", block)


def speedup_median(speedup: np.ndarray, unmeasured: int,
                   confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """(median, lower, upper) of the speedups with ``unmeasured`` more runs: the median with those
    at 0, the interval's lower end with them at 0 and its upper end with them at +∞ (so a decision
    holds whatever their values)."""
    low_side = np.concatenate([speedup, np.zeros(unmeasured)])
    high_side = np.concatenate([speedup, np.full(unmeasured, math.inf)])
    median, low, _ = median_interval(low_side, confidence)
    _, _, high = median_interval(high_side, confidence)
    return median, low, high


def median_interval(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """(median, lower, upper): a distribution-free interval for the median from order statistics."""
    x = np.sort(values)
    n = len(x)
    lo = int(stats.binom.ppf((1 - confidence) / 2, n, 0.5))
    hi = int(stats.binom.isf((1 - confidence) / 2, n, 0.5))
    return float(np.median(x)), float(x[max(lo - 1, 0)]), float(x[min(hi, n - 1)])


def phase_one_bound(teacher: Teacher, eta: float, cos_phi0: np.ndarray, a_dot0: np.ndarray) -> np.ndarray:
    """1/(η cos φ₀ β₀) + 1/η with β₀ = min(a₀ᵀa*‖w*‖, (g(φ₀) − 1)‖a*‖²‖w*‖²) (reconstructed), for
    runs in the theorem's region (cos φ₀ > 0, a₀ᵀa* > 0); +∞ elsewhere (e.g. at p = ∞)."""
    c, a_sq = teacher.w_norm, teacher.a_sq
    phi = np.arccos(np.clip(cos_phi0, -1, 1))
    g = (math.pi - phi) * cos_phi0 + np.sin(phi)
    beta = np.minimum(a_dot0 * c, (g - 1) * a_sq * c * c)
    inside = (cos_phi0 > 0) & (a_dot0 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(inside, 1 / (eta * cos_phi0 * beta) + 1 / eta, math.inf)


@dataclass
class Configuration:
    """The runs of one configuration: the evidence row and what the figures and parts read."""

    row: dict
    teacher_key: tuple[int, float, float]
    speedup: np.ndarray        # per measured run
    t1: np.ndarray             # T₁ of every global run (−1 if never)
    bound: np.ndarray          # the reconstructed bound of every global run (+∞ outside the region)
    region_runs: int           # runs starting in the theorem's region (cos φ₀ > 0, a₀ᵀa* > 0)
    region_not_global: int     # … of which not decided `global`
    region_t1_over_bound: np.ndarray   # T₁/bound of the region's global runs (+∞: Phase I never ended)
    runs: Runs | None = None   # every run, for a next look to extend


@dataclass(frozen=True)
class Runs:
    """What each run of a configuration gave, in run order (so blocks concatenate: a look with
    2n runs adds blocks to the n it had). ``speedup`` and ``relaxed`` are NaN for a run that is not
    global or whose statistic is unmeasured (converged, T_floor not reached), 0 without a slow start
    (T₁ = 0; for ``relaxed``, T₁ at or before the transient's end)."""

    outcome: np.ndarray        # theory.decisions.Outcome codes
    bound: np.ndarray          # the reconstructed Phase I bound (+∞ outside the theorem's region)
    t1: np.ndarray             # T₁ of a global run (−1: never; −1 for runs not global)
    speedup: np.ndarray
    relaxed: np.ndarray
    relaxed_from_step: int

    @property
    def size(self) -> int:
        return len(self.outcome)

    def __add__(self, more: Runs) -> Runs:
        outcome, bound, t1, speedup, relaxed = (np.concatenate([a, b]) for a, b in zip(self.arrays(), more.arrays(),
                                                                                        strict=True))
        return Runs(outcome, bound, t1, speedup, relaxed, self.relaxed_from_step)

    def arrays(self) -> tuple[np.ndarray, ...]:
        return self.outcome, self.bound, self.t1, self.speedup, self.relaxed

    def first(self, n: int) -> Runs:
        """The first n runs."""
        outcome, bound, t1, speedup, relaxed = (a[:n] for a in self.arrays())
        return Runs(outcome, bound, t1, speedup, relaxed, self.relaxed_from_step)

    def statistic(self) -> np.ndarray:
        """The judged speedup of the global runs, in run order (NaN: unmeasured): what a median is taken over."""
        return self.speedup[self.outcome == decisions.Outcome.GLOBAL]


def grid_start(teacher: Teacher, plane, seed: int, key: tuple[int, float, float, float], blocks: range):
    """(x, y, z1, z2, residual_sq) of the configuration's runs in ``blocks``: block b draws BLOCK
    starts of the paper's initialization (v₀ on the unit sphere of Rᵖ) from :func:`grid_rng`."""
    k, r, kappa, p = key
    drawn = [initialization.reduced_start(teacher, plane, BLOCK, grid_rng(seed, k, r, kappa, p, b), "paper", p,
                                          V0_NORM) for b in blocks]
    return tuple(np.concatenate(arrays) for arrays in zip(*drawn, strict=True))


def speedups(measured: phases.Phases) -> np.ndarray:
    """The statistic of each measured run: its mean per-step decrease of log ℓ from T₁ to T_floor
    over the one before T₁ (+∞ where log ℓ did not fall before T₁); 0 where T₁ = 0 (no slow start
    to measure); NaN where T₁ or T_floor was not reached."""
    before, after = measured.per_step_decrease()
    reached = (measured.t1 > 0) & (measured.t_floor > measured.t1)
    with np.errstate(divide="ignore", invalid="ignore"):
        judged = np.where(before > 0, after / before, math.inf)
    return np.where(reached, judged, np.where(measured.t1 == 0, 0.0, np.nan))


def measure_runs(teacher: Teacher, start, eta: float, max_steps: int, relaxed_too: bool = True) -> Runs:
    """Decide each run's outcome (theory.decisions) and measure Phase I and II on every run decided
    `global` (the module docstring's statistic, and — with ``relaxed_too`` — the one from the relaxed
    output layer; NaN without)."""
    plane = dynamics.reduced_plane(teacher)
    n = len(start[0])
    batch = dynamics.reduced_runs(teacher, n, np.random.default_rng(0), eta=eta, max_steps=DECISION_STEPS,
                                  start=lambda *_: tuple(np.array(a) for a in start))   # the kernel runs in place
    chosen = batch.outcome == decisions.Outcome.GLOBAL
    x, y, z1, z2, _ = start
    bound = phase_one_bound(teacher, eta, x / np.hypot(x, y), plane.q_astar[0] * z1 + plane.q_astar[1] * z2)
    relax = relaxation_steps(teacher, eta)
    t1 = np.full(n, -1, np.int64)
    speedup, relaxed = np.full(n, np.nan), np.full(n, np.nan)
    if chosen.any():
        runs = tuple(np.asarray(a)[chosen] for a in start)
        measured = phases.measure(teacher, runs, eta, max_steps, floor_fraction=FLOOR)   # stops at the floor
        t1_global, t_floor = measured.t1, measured.t_floor
        _, after = measured.per_step_decrease()
        loss_relaxed = _losses_after(teacher, runs, eta, relax) if relaxed_too else np.full(len(runs[0]), np.nan)
        reached = (t1_global > 0) & (t_floor > t1_global)
        with np.errstate(divide="ignore", invalid="ignore"):
            before_relaxed = np.log(loss_relaxed / measured.loss_t1) / (t1_global - relax)
            shown = np.where(before_relaxed > 0, after / before_relaxed, math.inf)
        # no Phase I (T₁ = 0), or none left after the transient: no slow start to measure, counted as 0
        t1[chosen] = t1_global
        speedup[chosen] = speedups(measured)
        if relaxed_too:
            relaxed[chosen] = np.where(reached | (t1_global == 0), np.where(t1_global > relax, shown, 0.0), np.nan)
    return Runs(np.asarray(batch.outcome), bound, t1, speedup, relaxed, relax)


def run_configuration(k: int, ratio: float, kappa: float, p: float, n: int, seed: int,
                      max_steps: int, confidence: float = CONFIDENCE, runs: Runs | None = None) -> Configuration:
    """The configuration's first n runs (n a multiple of BLOCK), decided and measured; ``runs``: its
    first runs already measured (a previous look), to which only the missing blocks are added."""
    if n % BLOCK or n < BLOCK:
        raise ValueError(f"a configuration's runs come in blocks of {BLOCK}, got {n}")
    r = grid_r(k, ratio)
    teacher = invariants.canonical_teacher(k, r, kappa)
    eta = dynamics.default_eta(teacher, V0_NORM)
    done = 0 if runs is None else runs.size
    if done < n:
        start = grid_start(teacher, dynamics.reduced_plane(teacher), seed, (k, r, kappa, p),
                           range(done // BLOCK, n // BLOCK))
        more = measure_runs(teacher, start, eta, max_steps)
        runs = more if runs is None else runs + more
    assert runs is not None and runs.size == n
    return summarise(runs, (k, r, kappa, p), eta, max_steps, confidence)


def summarise(runs: Runs, key: tuple[int, float, float, float], eta: float, max_steps: int,
              confidence: float) -> Configuration:
    """The evidence row and the arrays the parts read, from a configuration's runs."""
    k, r, kappa, p = key
    chosen = runs.outcome == decisions.Outcome.GLOBAL
    in_region = np.isfinite(runs.bound)
    t1, bound = runs.t1[chosen], runs.bound[chosen]
    speedup = runs.speedup[chosen]
    unmeasured = int(np.isnan(speedup).sum())
    measured = speedup[~np.isnan(speedup)]
    relaxed = runs.relaxed[chosen]
    relaxed = relaxed[~np.isnan(relaxed)]
    region_global = in_region[chosen]
    with np.errstate(divide="ignore", invalid="ignore"):
        over = np.where(t1[region_global] >= 0, t1[region_global] / bound[region_global], math.inf)
    no_phase_one = int(np.sum(t1 == 0))
    counts = OutcomeCounts.of_codes(runs.outcome).to_json()   # the row is evidence: outcomes by name
    row = {"k": k, "r": r, "ratio_over_boundary": r / invariants.boundary(k), "kappa": kappa, "p": p_label(p),
           "v0_norm": V0_NORM, "eta": eta, "runs": runs.size, **counts,
           "speedup_runs": int(measured.size) - no_phase_one, "no_phase_one": no_phase_one,
           "unmeasured": unmeasured, "theorem_region_runs": int(in_region.sum()), "step_cap": max_steps}
    if speedup.size:
        row["speedup_median"], row["speedup_low"], row["speedup_high"] = speedup_median(measured, unmeasured,
                                                                                         confidence)
    row["relaxed_from_step"] = runs.relaxed_from_step
    if speedup.size:     # shown beside the judged statistic, not judged (docs/claims.md)
        (row["speedup_after_transient_median"], row["speedup_after_transient_low"],
         row["speedup_after_transient_high"]) = speedup_median(relaxed, unmeasured, confidence)
    ended = t1[t1 >= 0]
    if ended.size:
        row["T1_median"], row["T1_max"] = float(np.median(ended)), int(ended.max())
    finite = bound[np.isfinite(bound)]
    row["bound_median"] = float(np.median(finite)) if finite.size else "inf"
    return Configuration(row, (k, r, kappa), measured, t1, bound, int(in_region.sum()),
                         int(np.sum(in_region & ~chosen)), over, runs)
