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
* **slow-then-fast**: not judged (no phase bound is derived for this rule).

Exact Clopper–Pearson intervals, family-wise error FAMILY_ALPHA over every interval of the claim.
Decisions by the stated rule of theory.decisions.DecisionTable.stated (estimated); a run at its
step cap is undecided and never counts against a statement. Two parts guard the engines: the
reduced engine (numba kernel and numpy) runs plain GD step for step as the full-dimensional
engine, and decided runs keep going to their minimum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from checks.experiments.beyond import bounded_below
from checks.experiments.outcomes import NEGLIGIBLE, decisions_part, decisions_that_fail_to_hold
from checks.experiments.plan import ClaimSettings, Plan, setting
from checks.figures.render import PALETTE, legend_outside, new_figure, to_figure
from checks.verdicts.assumptions import StatementFinding, finding_of
from checks.verdicts.budget import PerBudget
from checks.verdicts.cases import UNDECIDED, Part, Record
from checks.verdicts.claim import Claim, rng_for
from checks.verdicts.coverage import coverage
from checks.verdicts.outcome import Figure, Outcome, combine
from checks.verdicts.stats import Proportion
from theory import Teacher, decisions, dynamics, invariants, landscape

__all__ = ["AGREE_RTOL", "AGREE_RUNS", "AGREE_STEPS", "CLAIM", "CLAIM_ID", "FAMILY_ALPHA", "GRID_K", "GRID_P",
           "MINIMUM_RATIOS", "PROBE", "PROBE_DIRECTIONS", "PROBE_UNDECIDED", "RELAXES", "REPORT_ORDER", "SETTINGS",
           "WITNESS", "Settings", "boundary", "check", "curve_descent", "law_figure", "plain_loss"]

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


@dataclass(frozen=True)
class Settings(ClaimSettings):
    runs: int = setting("runs per teacher and rule")
    ratios: tuple[float, ...] = setting("r/r_b of the grid's teachers")
    kappas: tuple[float, ...] = setting("κ of the grid's teachers")
    max_steps: int = setting("step cap per run")


SETTINGS = PerBudget(quick=Settings(runs=2000, ratios=(0.3, 0.9), kappas=(1.0, 10.0), max_steps=5000),
                     standard=Settings(runs=4000, ratios=(0.3, 0.6, 0.9, 1.2), kappas=(1.0, 10.0),
                                       max_steps=40_000),
                     thorough=Settings(runs=10_000, ratios=(0.1, 0.3, 0.6, 0.9, 1.2, 2.0), kappas=(0.3, 1.0, 10.0),
                                       max_steps=80_000))


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
    alpha = FAMILY_ALPHA / (4 * len(cells) + 1)       # P(global) and both rules' P(spurious) per cell, the witness
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
        StatementFinding("slow-then-fast", "not-judged", "no phase bound is derived for plain GD (‖w‖ is not "
                         "monotone)"),
    )
    parts = [minimum, flat, global_part, spurious_part, agree, held]
    lowest = min(rows, key=lambda r: r["p_global"].low)
    witness_row = next(r for r in rows if (r["ratio_over_boundary"], r["kappa"]) == WITNESS)

    def summary() -> str:
        words = {f.statement: f.finding for f in findings}
        return (f"without weight normalization: the spurious minimum {words['spurious-minimum']} (a curve of minima "
                f"for r < r_b); P(global) {words['p-global']} (lowest {lowest['p_global'].estimate:.3f}); P(spurious) "
                f"{words['p-spurious']} (witness {witness_row['p_spurious'].estimate:.3f})"
                + (f" — {where_moved}" if moved else "") + "; slow-then-fast not judged")

    return combine(parts, summary, figures=[law_figure(rows)], teachers=rows, findings=findings, relaxes=RELAXES,
                   family_alpha=FAMILY_ALPHA,
                   coverage=coverage(parts, plan.budget, runs=2 * settings.runs * len(cells),
                                     step_sizes="the default of each rule (theory.plain_gd.default_eta without "
                                     "normalization)",
                                     also=f"k = {GRID_K}, p = {GRID_P}, r/r_b ∈ {settings.ratios}, κ ∈ "
                                     f"{settings.kappas}; step cap {settings.max_steps:,}"))


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
               f"{WITNESS[1]:g}), its law compared with the weight-normalized one teacher by teacher; slow-then-"
               "fast is not judged. Exact intervals, family-wise error 1e-3; decisions by a stated rule (estimated)."),
    check=check,
    reconstruction=("Derived (docs/mathematics.md#without-weight-normalization): ℓ(w, a) = ℓ_wn(φ, ‖w‖a); the "
                    "reduced state and the balance ‖w‖² − ‖a‖² are derived there. No trap is proved for this rule: "
                    "decisions use the halfway levels of each side (theory.decisions.DecisionTable.stated)."),
)
