"""Claim `beyond-weight-norm`: the abstract's statements for plain GD on (w, a), without weight
normalization.

σ is positively homogeneous, so ℓ(w, a) = ℓ_wn(φ, ‖w‖a) (docs/mathematics.md#without-weight-normalization):
each critical point of the paper becomes a curve {(λŵ, a/λ)}, and plain GD from the paper's start
(w₀ = v₀) keeps the reduced state of five numbers (theory.plain_gd). Each statement is judged
against what the claim states, both ways, fixed before measuring:

* **spurious-minimum** (states: *changes*): the spurious point becomes the curve
  (−λŵ*, a_s/λ); it is flat along the curve (the Hessian's null direction) and a local minimum
  across it exactly when r < r_b(k), as with normalization. Hessian by central differences
  (estimated), across the curve's tangent.
* **p-global** (states: *holds*): at every teacher of the grid (k, r/r_b, κ), P(global) > 1 %.
* **p-spurious** (states: *holds*, *changes* when the law moves): at the witness teacher fixed in
  the code, P(spurious) > 1 %; where plain GD's P(spurious) and the weight-normalized one have
  disjoint intervals, the statement holds in a changed form and the cells say where.
* **slow-then-fast** (states: *holds*; *changes* when it holds at some teachers and fails at
  others, the cells saying where): the two-phase claim's statistic on plain GD's own runs
  (:func:`phase_speedups`). ℓ(w, a) = ℓ_wn(φ, b), b = ‖w‖a, so the paper's Phase I end maps to
  b: T₁ is the first step with φ < π/4 and bᵀa* ≥ ½‖w*‖‖a*‖² (fixed before measuring; with
  normalization b = a and it is two-phase's T₁). The speedup is the mean per-step decrease of
  log ℓ from T₁ to T_floor (ℓ ≤ FLOOR·ℓ(a = 0)) over the one from step 0 to T₁; a teacher's value
  is the median over every run decided `global` (T₁ = 0 counts 0, runs short of the floor at
  the step cap at 0 and at +∞ in the order-statistic interval), judged against two-phase's
  2 ± 0.1. Phase runs are drawn on their own (not selected by outcome); no phase bound is judged
  (‖w‖ is not monotone). Beside each teacher, two-phase's own statistic with weight normalization
  (same teacher, p, interval level): where the two intervals are disjoint the statement changes.

Exact Clopper–Pearson intervals, family-wise error FAMILY_ALPHA over every interval of the claim.
Decisions by the stated rule of theory.decisions.DecisionTable.stated (estimated); a run at its
step cap is undecided and never counts against a statement. Two parts guard the engines: the
reduced engine (numba kernel and numpy) runs plain GD step for step as the full-dimensional
engine, and decided runs keep going to their minimum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from checks.experiments.beyond import bounded_below
from checks.experiments.outcomes import NEGLIGIBLE, decisions_part, decisions_that_fail_to_hold
from checks.experiments.phase_runs import FLOOR, SPEEDUP_REQUIREMENT, V0_NORM, measure_runs, speedup_median, speedups
from checks.experiments.plan import ClaimSettings, Plan, setting
from checks.figures.render import PALETTE, legend_outside, new_figure, to_figure
from checks.verdicts.assumptions import StatementFinding, finding_of
from checks.verdicts.budget import PerBudget
from checks.verdicts.cases import AT_THRESHOLD, FAIL, PASS, UNDECIDED, Part, Record
from checks.verdicts.claim import Claim, rng_for
from checks.verdicts.coverage import coverage
from checks.verdicts.estimates import Estimate
from checks.verdicts.outcome import Figure, Outcome, combine
from checks.verdicts.stats import Proportion
from theory import Teacher, decisions, dynamics, initialization, invariants, landscape, phases

__all__ = ["AGREE_RTOL", "AGREE_RUNS", "AGREE_STEPS", "CLAIM", "CLAIM_ID", "FAMILY_ALPHA", "GRID_K", "GRID_P",
           "MINIMUM_RATIOS", "PROBE", "PROBE_DIRECTIONS", "PROBE_UNDECIDED", "RELAXES", "REPORT_ORDER", "SETTINGS",
           "SPEEDUP_THRESHOLD", "WITNESS", "PhaseSpeedups", "Settings", "boundary", "check", "curve_descent",
           "law_figure", "phase_speedups", "plain_loss", "slow_then_fast_finding"]

REPORT_ORDER = 300
CLAIM_ID = "beyond-weight-norm"
RELAXES = "weight normalization (plain GD on (w, a))"
FAMILY_ALPHA = 1e-3
GRID_K, GRID_P = 10, 16
WITNESS = (0.3, 10.0)                   # (r/r_b, κ) of the p-spurious witness, fixed before measuring
MINIMUM_RATIOS = (0.3, 0.9, 1.1, 2.0)   # r/r_b of the teachers whose spurious curve is examined (k = p = 4)
PROBE, PROBE_DIRECTIONS = 1e-2, 32     # the step and number of random directions around the curve
PROBE_UNDECIDED = 1e-6                  # |Δℓ|/ε³ below this (rounding: 1e-16/1e-6 = 1e-10) decides nothing
AGREE_RUNS, AGREE_STEPS, AGREE_RTOL = 12, 150, 1e-9
SPEEDUP_THRESHOLD = f"{SPEEDUP_REQUIREMENT.threshold:g} ± {SPEEDUP_REQUIREMENT.zone:g}"   # two-phase's, in words


@dataclass(frozen=True)
class Settings(ClaimSettings):
    runs: int = setting("runs per teacher and rule")
    ratios: tuple[float, ...] = setting("r/r_b of the grid's teachers")
    kappas: tuple[float, ...] = setting("κ of the grid's teachers")
    max_steps: int = setting("step cap per run")
    phase_cells: tuple[tuple[float, float], ...] = setting("(r/r_b, κ) of the teachers slow-then-fast is judged at")
    phase_runs: int = setting("slow-then-fast: runs per teacher (histories recorded)")
    phase_steps: int = setting("slow-then-fast: steps per run (a run short of the floor is unmeasured)")


SETTINGS = PerBudget(quick=Settings(runs=2000, ratios=(0.3, 0.9), kappas=(1.0, 10.0), max_steps=5000,
                                    phase_cells=((0.3, 1.0), (0.3, 10.0)), phase_runs=128, phase_steps=800),
                     standard=Settings(runs=4000, ratios=(0.3, 0.6, 0.9, 1.2), kappas=(1.0, 10.0),
                                       max_steps=40_000, phase_cells=((0.3, 1.0), (0.9, 1.0), (0.3, 10.0), (0.9, 10.0)),
                                       phase_runs=256, phase_steps=3000),
                     thorough=Settings(runs=10_000, ratios=(0.1, 0.3, 0.6, 0.9, 1.2, 2.0), kappas=(0.3, 1.0, 10.0),
                                       max_steps=80_000,
                                       phase_cells=((0.3, 0.3), (0.9, 0.3), (0.3, 1.0), (0.9, 1.0), (1.2, 1.0),
                                                    (0.3, 10.0), (0.9, 10.0), (1.2, 10.0)),
                                       phase_runs=512, phase_steps=6000))


class PhaseSpeedups(NamedTuple):
    """Plain GD's two phases at one teacher, per run in draw order: the outcome code, T₁ and
    T_floor (−1: not reached within the steps), and the speedup (NaN: not global, or global but
    short of the floor; 0: T₁ = 0; +∞: log ℓ did not fall before T₁)."""

    outcome: np.ndarray
    t1: np.ndarray
    t_floor: np.ndarray
    speedup: np.ndarray

    def judged(self) -> tuple[np.ndarray, int]:
        """(the measured speedups of the global runs, how many global runs are unmeasured)."""
        values = self.speedup[self.outcome == decisions.Outcome.GLOBAL]
        return values[~np.isnan(values)], int(np.isnan(values).sum())


def _first(mask: np.ndarray) -> np.ndarray:
    """The first step (row) at which each column of ``mask`` is true; −1 where never."""
    return np.where(mask.any(axis=0), mask.argmax(axis=0), -1)


def phase_speedups(teacher: Teacher, runs: int, steps: int, rng: np.random.Generator) -> PhaseSpeedups:
    """``runs`` plain GD runs from the paper's initialization, ``steps`` steps each (numpy engine,
    histories of φ, bᵀa* and ℓ), measured for their two phases (module docstring): T₁ is the first
    step with φ < π/4 and bᵀa* ≥ ½‖w*‖‖a*‖², T_floor the first with ℓ ≤ FLOOR·ℓ(a = 0)."""
    batch, history = dynamics.reduced_runs(teacher, runs, rng, max_steps=steps, weight_norm=False,
                                           record=("phi", "a_dot", "loss"), until_decided=False)
    loss, phi, b_dot = history["loss"], history["phi"], history["a_dot"]
    t1 = _first((phi < math.pi / 4) & (b_dot >= 0.5 * teacher.w_norm * teacher.a_sq))
    t_floor = _first(loss <= FLOOR * phases.loss_at_zero(teacher))
    columns = np.arange(runs)
    # the histories as theory.phases.measure reports a run (every step sampled), so that the statistic
    # is two-phase's own (checks.experiments.phase_runs.speedups)
    measured = phases.Phases(t1, t_floor, loss[0], loss[np.maximum(t1, 0), columns],
                             loss[np.maximum(t_floor, 0), columns], loss.T, 1, np.cos(phi[0]), b_dot[0])
    speedup = np.where(np.asarray(batch.outcome) == decisions.Outcome.GLOBAL, speedups(measured), np.nan)
    return PhaseSpeedups(np.asarray(batch.outcome), t1, t_floor, speedup)


def boundary(k: int) -> float:
    return (k + math.pi - 1) / math.pi


def plain_loss(teacher: Teacher, w: np.ndarray, a: np.ndarray) -> float:
    """ℓ(w, a) of the network without weight normalization: ℓ_wn(ŵ, ‖w‖a) (σ is homogeneous)."""
    return float(landscape.loss(teacher, w, np.linalg.norm(w) * a))


def curve_descent(teacher: Teacher, scale: float, rng: np.random.Generator) -> tuple[float, float]:
    """At the point (−λŵ*, a_s/λ), λ = ``scale``, of the spurious curve: (min over directions d of
    [ℓ(x + εd) − ℓ(x)]/ε³, ε = PROBE, over the p − 1 directions that turn w alone and PROBE_DIRECTIONS
    random unit directions of (w, a); the loss's change from λ = 1). At φ = π the loss changes
    with the angle at third order only (g(π − δ) − g(π) = δ³/3 + O(δ⁵)), so the Hessian is
    singular across the curve and a minimum shows at ε³: the sign of that term is the paper's
    condition. Estimated (finitely many directions)."""
    v, a_s = (np.asarray(x, dtype=float) for x in landscape.spurious_point(teacher))
    p = teacher.p
    point = np.concatenate([scale * v, a_s / scale])
    base = plain_loss(teacher, point[:p], point[p:])
    turns = np.linalg.qr(np.column_stack([v, np.eye(p)]))[0][:, 1:p].T       # unit w-directions ⟂ w*
    directions = [np.concatenate([turn, np.zeros(teacher.k)]) for turn in turns]
    for _ in range(PROBE_DIRECTIONS):
        d = rng.standard_normal(point.size)
        directions.append(d / np.linalg.norm(d))
    rise = min((plain_loss(teacher, *np.split(point + PROBE * d, [p])) - base) / PROBE ** 3 for d in directions)
    return rise, abs(base - plain_loss(teacher, v, a_s))


def _grid_teacher(ratio: float, kappa: float) -> Teacher:
    return invariants.canonical_teacher(GRID_K, ratio * boundary(GRID_K), kappa, p=GRID_P)


def check(plan: Plan, seed: int) -> Outcome:
    settings = plan.settings(CLAIM_ID, Settings)
    cells = [(ratio, kappa) for kappa in settings.kappas for ratio in settings.ratios]
    # P(global) and both rules' P(spurious) per cell, the witness, a speedup median per phase teacher
    alpha = FAMILY_ALPHA / (4 * len(cells) + 1 + len(settings.phase_cells))
    minimum = Part("spurious-curve", f"the spurious curve (−λŵ*, a_s/λ), λ ∈ {{½, 1, 2}}, k = p = 4: a local minimum "
                   f"exactly when r < r_b(k) — min over {PROBE_DIRECTIONS} random directions and the p − 1 turns of w "
                   f"of Δℓ/ε³ (ε = {PROBE:g}), times +1 where r < r_b and −1 where not, is positive (estimated)",
                   "signed least rise Δℓ/ε³", lower_bound=True)
    flat = Part("curve-is-flat", "along the spurious curve the loss does not change (the scaling symmetry "
                "(w, a) → (λw, a/λ))", "|ℓ(λ) − ℓ(1)|")
    global_part = Part("p-global", f"P(global) > {NEGLIGIBLE:g} at every teacher of the grid (k = {GRID_K}, "
                       f"p = {GRID_P}), exact interval; lacking it needs P(global or undecided) below it",
                       "CI lower end on P(global)", lower_bound=True, settle="more runs per teacher")
    spurious_part = Part("p-spurious", f"P(spurious) > {NEGLIGIBLE:g} at the witness teacher r/r_b = {WITNESS[0]:g}, "
                         f"κ = {WITNESS[1]:g} (k = {GRID_K}, p = {GRID_P}), fixed before measuring",
                         "CI lower end on P(spurious)", lower_bound=True, settle="more runs per teacher")
    agree = Part("engines-agree", f"{AGREE_RUNS} runs × {AGREE_STEPS} steps of plain GD: the reduced engines "
                 "(numba kernel, numpy) against the full-dimensional one, (W, A) after the last step",
                 "max relative difference")
    held = decisions_part(decisions.Outcome.SPURIOUS)
    phases = Part("slow-then-fast", f"plain GD's speedup (mean per-step decrease of log ℓ after T₁ over before; T₁: "
                  f"φ < π/4 and bᵀa* ≥ ½‖w*‖‖a*‖², b = ‖w‖a), median over every global run of the witness "
                  f"r/r_b = {WITNESS[0]:g}, κ = {WITNESS[1]:g} (k = {GRID_K}, p = {GRID_P}), above "
                  f"{SPEEDUP_THRESHOLD}; order-statistic interval; the other phase teachers are shown and "
                  "change the finding where they fail",
                  "median speedup (interval's lower end)", lower_bound=True, settle="more phase runs per teacher")

    for ratio in MINIMUM_RATIOS:
        teacher = invariants.canonical_teacher(4, ratio * boundary(4), 1.0, p=4)
        sign = 1.0 if ratio < 1 else -1.0
        for scale in (0.5, 1.0, 2.0):
            rise, drift = curve_descent(teacher, scale, rng_for(seed, CLAIM_ID, "probe", f"{ratio:g}", f"{scale:g}"))
            instance: Record = {"k": 4, "p": 4, "ratio_over_boundary": ratio, "lambda": scale, "least_rise": rise,
                                "expect": "minimum" if ratio < 1 else "not a minimum"}
            undecided = abs(rise) < PROBE_UNDECIDED
            minimum.add(instance, sign * rise, 0.0, size=ratio, status=UNDECIDED if undecided else None,
                        note="the rise is within rounding" if undecided else "")
            flat.add(instance, drift, 1e-12)

    rows: list[Record] = []
    witness_batch = None
    for ratio, kappa in cells:
        teacher = _grid_teacher(ratio, kappa)
        rng = rng_for(seed, CLAIM_ID, f"{ratio:g}", f"{kappa:g}")
        plain = dynamics.reduced_runs(teacher, settings.runs, rng, max_steps=settings.max_steps, weight_norm=False)
        normalized = dynamics.outcome_counts(teacher, settings.runs,
                                             rng_for(seed, CLAIM_ID, "wn", f"{ratio:g}", f"{kappa:g}"),
                                             max_steps=settings.max_steps)
        counts = dynamics.batch_counts(plain)
        instance = {"k": GRID_K, "p": GRID_P, "ratio_over_boundary": ratio, "kappa": kappa, "runs": settings.runs}
        p_global = bounded_below(global_part, instance, counts["global"], counts["undecided"], settings.runs,
                                 alpha, size=ratio)
        row = {**instance, "p_global": p_global,
               "p_spurious": Proportion.of(counts["spurious"], settings.runs, alpha),
               "p_spurious_weight_normalized": Proportion.of(normalized["spurious"], settings.runs, alpha),
               "undecided": counts["undecided"], "undecided_weight_normalized": normalized["undecided"]}
        rows.append(row)
        if (ratio, kappa) == WITNESS:
            witness_batch = plain
            bounded_below(spurious_part, instance, counts["spurious"], counts["undecided"], settings.runs, alpha)
    if witness_batch is None:
        raise ValueError(f"the plan's grid must hold the witness teacher {WITNESS}")
    failed, checked = decisions_that_fail_to_hold(_grid_teacher(*WITNESS), witness_batch, decisions.Outcome.SPURIOUS)
    held.add({"witness": f"r/r_b = {WITNESS[0]:g}, κ = {WITNESS[1]:g}", "checked": checked}, failed, 0)

    phase_rows: list[Record] = []
    for ratio, kappa in settings.phase_cells:
        measured = phase_speedups(_grid_teacher(ratio, kappa), settings.phase_runs, settings.phase_steps,
                                  rng_for(seed, CLAIM_ID, "phases", f"{ratio:g}", f"{kappa:g}"))
        values, unmeasured = measured.judged()
        row = {"k": GRID_K, "p": GRID_P, "ratio_over_boundary": ratio, "kappa": kappa, "runs": settings.phase_runs,
               "steps": settings.phase_steps, "global": int(values.size + unmeasured), "unmeasured": unmeasured,
               "no_phase_one": int(np.sum(values == 0)), "median": math.nan, "low": math.nan, "high": math.nan,
               "status": UNDECIDED}
        if values.size + unmeasured:
            median, low, high = speedup_median(values, unmeasured, 1 - alpha)
            row.update(median=median, low=low, high=high,
                       status=SPEEDUP_REQUIREMENT.decide(Estimate(median, low, high, "sampled")))
        wn_rng = rng_for(seed, CLAIM_ID, "phases-wn", f"{ratio:g}", f"{kappa:g}")
        wn_values, wn_unmeasured = _normalized_speedups(_grid_teacher(ratio, kappa), settings.phase_runs,
                                                        settings.max_steps, wn_rng)
        row.update(zip(("median_weight_normalized", "low_weight_normalized", "high_weight_normalized"),
                       speedup_median(wn_values, wn_unmeasured, 1 - alpha) if wn_values.size + wn_unmeasured
                       else (math.nan,) * 3, strict=True))
        phase_rows.append(row)
        if (ratio, kappa) == WITNESS:
            phases.add({key: row[key] for key in row if key != "status"}, row["low"], SPEEDUP_REQUIREMENT.threshold,
                       status=row["status"], note="" if row["global"] else "no run decided global")
    if not phases.cases:
        raise ValueError(f"the plan's phase teachers must hold the witness teacher {WITNESS}")

    teacher = _grid_teacher(*WITNESS)
    V0, A0 = dynamics.random_init(teacher, AGREE_RUNS, rng_for(seed, CLAIM_ID, "agree"))
    full = dynamics.run_gd(teacher, V0, A0, steps=AGREE_STEPS, engine="full", weight_norm=False)
    for engine in ("reduced-numba", "reduced-numpy"):
        reduced = dynamics.run_gd(teacher, V0, A0, steps=AGREE_STEPS, engine=engine, weight_norm=False)
        difference = max(float(np.max(np.abs(reduced.V - full.V) / np.abs(full.V).max())),
                         float(np.max(np.abs(reduced.A - full.A) / np.abs(full.A).max())))
        agree.add({"engine": engine, "runs": AGREE_RUNS, "steps": AGREE_STEPS}, difference, AGREE_RTOL)

    moved = [r for r in rows if r["p_spurious"].high < r["p_spurious_weight_normalized"].low
             or r["p_spurious_weight_normalized"].high < r["p_spurious"].low]
    where_moved = "; ".join(f"r/r_b = {r['ratio_over_boundary']:g}, κ = {r['kappa']:g}: "
                            f"{r['p_spurious'].estimate:.3f} against {r['p_spurious_weight_normalized'].estimate:.3f} "
                            "with normalization" for r in moved)
    spurious_finding = finding_of(spurious_part, "p-spurious", "holds",
                                  "(k, r, κ) as with normalization; the witness's interval")
    if spurious_finding.finding == "holds" and moved:
        spurious_finding = StatementFinding("p-spurious", "changes", f"its law moves with κ: {where_moved}",
                                            spurious_part.name)
    findings = (
        finding_of(minimum, "spurious-minimum", "changes",
                   "a curve {(−λŵ*, a_s/λ)} of minima, flat along it, for r < r_b(k) as with normalization"),
        finding_of(global_part, "p-global", "holds", f"every teacher of the grid (k = {GRID_K}, r/r_b ≤ "
                   f"{max(settings.ratios):g}, κ ≤ {max(settings.kappas):g})"),
        spurious_finding,
        slow_then_fast_finding(phases, phase_rows),
    )
    parts = [minimum, flat, global_part, spurious_part, phases, agree, held]
    lowest = min(rows, key=lambda r: r["p_global"].low)
    witness_row = next(r for r in rows if (r["ratio_over_boundary"], r["kappa"]) == WITNESS)

    def summary() -> str:
        words = {f.statement: f.finding for f in findings}
        return (f"without weight normalization: the spurious minimum {words['spurious-minimum']} (a curve of minima "
                f"for r < r_b); P(global) {words['p-global']} (lowest {lowest['p_global'].estimate:.3f}); P(spurious) "
                f"{words['p-spurious']} (witness {witness_row['p_spurious'].estimate:.3f})"
                + (f" — {where_moved}" if moved else "") + f"; slow-then-fast {words['slow-then-fast']} (median "
                + ", ".join(f"{r['median']:.2f} at r/r_b = {r['ratio_over_boundary']:g}, κ = {r['kappa']:g}"
                            for r in phase_rows) + ")")

    return combine(parts, summary, figures=[law_figure(rows)], teachers=rows, phase_teachers=phase_rows,
                   findings=findings, relaxes=RELAXES,
                   family_alpha=FAMILY_ALPHA,
                   coverage=coverage(parts, plan.budget, runs=2 * settings.runs * len(cells)
                                     + settings.phase_runs * len(settings.phase_cells),
                                     step_sizes="the default of each rule (theory.plain_gd.default_eta without "
                                     "normalization)",
                                     also=f"k = {GRID_K}, p = {GRID_P}, r/r_b ∈ {settings.ratios}, κ ∈ "
                                     f"{settings.kappas}; step cap {settings.max_steps:,}"))


def _normalized_speedups(teacher: Teacher, runs: int, max_steps: int,
                         rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Two-phase's statistic with weight normalization at the same teacher and p (its engine,
    :func:`checks.experiments.phase_runs.measure_runs`): (the measured speedups of the global runs,
    how many global runs are unmeasured), shown beside plain GD's."""
    start = initialization.reduced_start(teacher, dynamics.reduced_plane(teacher), runs, rng, "paper", GRID_P,
                                         V0_NORM)
    values = measure_runs(teacher, start, dynamics.default_eta(teacher, V0_NORM), max_steps,
                          relaxed_too=False).statistic()
    return values[~np.isnan(values)], int(np.isnan(values).sum())


def _moved(row: Record) -> bool:
    """Plain GD's speedup interval and the weight-normalized one are disjoint."""
    return bool(row["high"] < row["low_weight_normalized"] or row["high_weight_normalized"] < row["low"])


def slow_then_fast_finding(part: Part, rows: list[Record]) -> StatementFinding:
    """The finding read off the witness's case (``part``) and every phase teacher's row: the witness
    passes, no teacher fails and no teacher's interval is disjoint from the weight-normalized one
    → holds; the witness passes and some teacher fails or moves → changes, the teachers saying
    where; the witness fails → fails; else undecided.
    Teachers left undecided or at the threshold are named in the parameter."""
    def where(*statuses: str) -> str:
        return ", ".join(f"r/r_b = {r['ratio_over_boundary']:g}, κ = {r['kappa']:g} (median {r['median']:.2f}, "
                         f"[{r['low']:.2f}, {r['high']:.2f}])" for r in rows if r["status"] in statuses)
    witness = finding_of(part, "slow-then-fast", "holds", "")
    open_rows = where(UNDECIDED, AT_THRESHOLD)
    still_open = f"; undecided or at the threshold: {open_rows}" if open_rows else ""
    moved = "; ".join(f"r/r_b = {r['ratio_over_boundary']:g}, κ = {r['kappa']:g}: {r['median']:.2f} against "
                      f"{r['median_weight_normalized']:.2f} with normalization" for r in rows if _moved(r))
    if witness.finding == "holds" and (moved or any(r["status"] == FAIL for r in rows)):
        failing = f"; fails at {where(FAIL)}" if any(r["status"] == FAIL for r in rows) else ""
        law = f"; its speedup moves: {moved}" if moved else ""
        return StatementFinding("slow-then-fast", "changes", f"holds at {where(PASS)}{failing}{law}" + still_open,
                                part.name)
    if witness.finding == "holds":
        return StatementFinding("slow-then-fast", "holds", f"median speedup above {SPEEDUP_THRESHOLD} at "
                                f"{where(PASS)}" + still_open, part.name)
    if witness.finding == "fails":
        return StatementFinding("slow-then-fast", "fails", f"fails at {where(FAIL)}" + still_open, part.name)
    return StatementFinding("slow-then-fast", "undecided", f"the witness is undecided{still_open}", part.name)


def law_figure(rows: list[Record]) -> Figure:
    """P(spurious) with and without normalization against r/r_b, one panel per κ (points with
    their intervals; each point its own teacher, so no line joins them)."""
    kappas = sorted({r["kappa"] for r in rows})
    fig, axes = new_figure(ncols=len(kappas), width=4.2 * len(kappas))
    for ax, kappa in zip(axes[0], kappas, strict=True):
        chosen = [r for r in rows if r["kappa"] == kappa]
        for offset, (key, colour, label) in enumerate((("p_spurious", PALETTE[1], "plain GD on (w, a)"),
                                                       ("p_spurious_weight_normalized", PALETTE[0],
                                                        "with weight normalization"))):
            x = np.array([r["ratio_over_boundary"] for r in chosen]) + (offset - 0.5) * 0.02
            y = np.array([r[key].estimate for r in chosen])
            errors = np.array([[r[key].estimate - r[key].low for r in chosen], [r[key].high - r[key].estimate
                                                                                 for r in chosen]])
            ax.errorbar(x, y, yerr=errors, fmt="o", color=colour, label=label, capsize=3)
        ax.axvline(1.0, color="black", linestyle=":", linewidth=1)
        ax.set_xlabel("r / r_b(k)")
        ax.set_ylabel("P(spurious)")
        ax.set_title(f"κ = {kappa:g}")
    legend_outside(axes[0, -1])
    runs = rows[0]["runs"]
    return to_figure(fig, "P(spurious) with and without weight normalization",
                     f"k = {GRID_K}, p = {GRID_P}; {runs:,} runs per point from the paper's initialization, exact "
                     "intervals (family-wise); right of the dotted line the ReLU has no spurious minimum.")


CLAIM = Claim(
    id=CLAIM_ID,
    title="Beyond the paper: without weight normalization",
    source="derived",
    statement=("Plain GD on (w, a) from the paper's start (w₀ = v₀): the spurious minimum becomes a curve "
               "{(−λŵ*, a_s/λ)} of minima, flat along it, for r < r_b(k) as with normalization; P(global) > 1 % "
               f"on every teacher of the grid; P(spurious) > 1 % at the witness (r/r_b = {WITNESS[0]:g}, κ = "
               f"{WITNESS[1]:g}), its law compared with the weight-normalized one teacher by teacher; slow, then fast: "
               "the two-phase statistic (T₁ on b = ‖w‖a) has median above 2 ± 0.1 at the witness, and where another "
               "teacher's median falls below it the statement changes. Exact intervals, family-wise error 1e-3; "
               "decisions by a stated rule (estimated)."),
    check=check,
    reconstruction=("Derived (docs/mathematics.md#without-weight-normalization): ℓ(w, a) = ℓ_wn(φ, ‖w‖a); the "
                    "reduced state and the balance ‖w‖² − ‖a‖² are derived there. No trap is proved for this rule: "
                    "decisions use the halfway levels of each side (theory.decisions.DecisionTable.stated)."),
)
