"""Claim `beyond-input`: the abstract's statements with non-Gaussian patches (uniform, Student-t₅,
Rademacher; mean 0, variance 1), trained by minibatch SGD on n samples (theory.sampled).

The Gaussian closed form is no longer the landscape; the Gaussian-rule outcome of a final iterate
is a yardstick only. A law-independent stated rule judges the far side: a run *ends on the far
side* when it is not global (Gaussian rule — the global minimum is every law's, the labels being
realizable) and its angle to w* exceeds π/2. Judged against what the claim states, both ways:

* **spurious-minimum** (states: *changes*): the far-side runs stall at the Gaussian spurious
  minimum (median ℓ_gauss/ℓ_s − 1 ≤ AT_MINIMUM) for the uniform and Student-t₅ laws, and away from
  it (> MOVED) for Rademacher inputs — the input law's higher moments move the spurious minimum;
  between the two thresholds a case is undecided.
* **p-global** (states: *holds*): P(global) > 1 % for every law.
* **p-spurious** (states: *holds*): P(far side) > 1 % for every law.
* **slow-then-fast**: not judged.

Guard: each law's sample variance within 6 standard errors of 1. Exact intervals, family-wise
FAMILY_ALPHA.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from checks.experiments.beyond import bounded_below, teacher_with_ratio
from checks.experiments.outcomes import NEGLIGIBLE
from checks.experiments.plan import ClaimSettings, Plan, setting
from checks.figures.render import PALETTE, legend_outside, new_figure, to_figure
from checks.verdicts.assumptions import StatementFinding, finding_of
from checks.verdicts.budget import PerBudget
from checks.verdicts.cases import FAIL, PASS, UNDECIDED, Part, Record
from checks.verdicts.claim import Claim, rng_for
from checks.verdicts.coverage import coverage
from checks.verdicts.outcome import Figure, Outcome, combine
from theory import decisions, landscape, sampled

__all__ = ["AT_MINIMUM", "BATCH", "CLAIM", "CLAIM_ID", "FAMILY_ALPHA", "MOVED", "RELAXES", "REPORT_ORDER",
           "SAMPLE_SIZE", "SETTINGS", "Settings", "check", "loss_figure", "moves_minimum", "teacher"]

REPORT_ORDER = 340
CLAIM_ID = "beyond-input"
RELAXES = "Gaussian input (uniform, Student-t₅, Rademacher patches)"
FAMILY_ALPHA = 1e-3
SAMPLE_SIZE, BATCH = 10_000, 16
AT_MINIMUM, MOVED = 0.05, 0.10     # median ℓ_gauss/ℓ_s − 1 of the far-side runs


@dataclass(frozen=True)
class Settings(ClaimSettings):
    laws: tuple[str, ...] = setting("input laws trained on")
    runs: int = setting("runs per law")
    steps: int = setting("SGD steps per run")


SETTINGS = PerBudget(quick=Settings(laws=("uniform", "rademacher"), runs=100, steps=1000),
                     standard=Settings(laws=("uniform", "student-t5", "rademacher"), runs=300, steps=1000),
                     thorough=Settings(laws=("uniform", "student-t5", "rademacher"), runs=1000, steps=2000))


def teacher():
    """k = p = 4, r/r_b = 0.3, ‖w*‖ ≠ 1 (the teacher of the preliminary findings)."""
    return teacher_with_ratio(4, 4, 0.3, seed=4, unit=False)


def moves_minimum(law: str) -> bool:
    """What the claim states, fixed before measuring: Rademacher inputs move the spurious minimum."""
    return law == "rademacher"


def check(plan: Plan, seed: int) -> Outcome:
    settings = plan.settings(CLAIM_ID, Settings)
    chosen = teacher()
    alpha = FAMILY_ALPHA / (2 * len(settings.laws))
    spurious_loss = float(landscape.spurious_loss(chosen))
    minimum = Part("spurious-minimum", f"far-side runs (not global, φ > π/2) stall at the Gaussian spurious minimum "
                   f"(median ℓ_gauss/ℓ_s − 1 ≤ {AT_MINIMUM:g}) for uniform and Student-t₅ inputs, away from it "
                   f"(> {MOVED:g}) for Rademacher inputs: +1 as stated, −1 not", "agreement", lower_bound=True)
    global_part = Part("p-global", f"P(global) > {NEGLIGIBLE:g} for every law (exact interval)",
                       "CI lower end on P(global)", lower_bound=True, settle="more runs")
    far_part = Part("p-spurious", f"P(far side) > {NEGLIGIBLE:g} for every law (not global and φ > π/2)",
                    "CI lower end on P(far side)", lower_bound=True, settle="more runs")
    moments = Part("input-variance", "each law's sample variance within 6 standard errors of 1",
                   "|variance − 1| / standard error")
    rows: list[Record] = []
    for index, law in enumerate(settings.laws):
        drawn = sampled.input_moments(law, 100_000, rng_for(seed, CLAIM_ID, "moments", law))
        # Rademacher's x² is exactly 1: its standard error is 0, and any deviation fails
        deviation = abs(drawn.variance - 1)
        moments.add({"law": law, "n": drawn.n}, deviation / drawn.variance_stderr if drawn.variance_stderr else
                    (0.0 if deviation == 0 else math.inf), 6.0)
        runs = sampled.run(chosen, settings.runs, SAMPLE_SIZE, seed=int(rng_for(seed, CLAIM_ID, law).integers(2**31)),
                           law=law, batch=BATCH, steps=settings.steps, datasets=max(1, settings.runs // 50))
        is_global = runs.outcome == decisions.Outcome.GLOBAL
        far = ~is_global & np.isfinite(runs.phi) & (runs.phi > math.pi / 2)
        in_transit = ~is_global & ~far
        cell = {"law": law, "k": 4, "p": 4, "n": SAMPLE_SIZE, "batch": BATCH, "runs": settings.runs,
                "steps": settings.steps}
        p_global = bounded_below(global_part, cell, int(is_global.sum()), int(in_transit.sum()), settings.runs, alpha,
                                 size=index)
        p_far = bounded_below(far_part, cell, int(far.sum()), int(in_transit.sum()), settings.runs, alpha, size=index)
        excess = float(np.median(runs.loss[far] / spurious_loss - 1)) if far.sum() >= 5 else math.nan
        if math.isnan(excess) or AT_MINIMUM < excess <= MOVED:
            status, measured = UNDECIDED, 0.0
        else:
            status = PASS if (excess > MOVED) == moves_minimum(law) else FAIL
            measured = 1.0 if status == PASS else -1.0
        minimum.add({**cell, "median_excess_loss": excess, "stated": "moved" if moves_minimum(law) else "at ℓ_s"},
                    measured, 0.0, size=index, status=status,
                    note="too few far-side runs, or between the thresholds" if status == UNDECIDED else "")
        rows.append({**cell, "p_global": p_global, "p_far_side": p_far, "in_transit": int(in_transit.sum()),
                     "median_excess_loss": excess,
                     "far_side_losses": [float(x) for x in np.sort(runs.loss[far] / spurious_loss)]})
    moved = ", ".join(f"{r['law']} (+{r['median_excess_loss']:.0%})" for r in rows
                      if r["median_excess_loss"] > MOVED)
    findings = (
        finding_of(minimum, "spurious-minimum", "changes", "the input law's higher moments: the far-side runs stall "
                   f"above the Gaussian ℓ_s for {moved or 'no law'}"),
        finding_of(global_part, "p-global", "holds", "every law tried"),
        finding_of(far_part, "p-spurious", "holds", "every law tried (far side: a law-independent stated rule)"),
        StatementFinding("slow-then-fast", "not-judged", "no phase bound is derived for non-Gaussian inputs"),
    )
    parts = [minimum, global_part, far_part, moments]

    def summary() -> str:
        words = {f.statement: f.finding for f in findings}
        cells = "; ".join(f"{r['law']}: P(global) {r['p_global'].estimate:.2f}, P(far side) "
                          f"{r['p_far_side'].estimate:.2f}, far-side median ℓ/ℓ_s − 1 = {r['median_excess_loss']:.3f}"
                          for r in rows)
        return (f"non-Gaussian inputs (k = p = 4, r/r_b = 0.3, SGD n = {SAMPLE_SIZE:,}, batch {BATCH}): the spurious "
                f"minimum {words['spurious-minimum']}, P(global) {words['p-global']}, P(spurious) "
                f"{words['p-spurious']} ({cells}); slow-then-fast not judged")

    return combine(parts, summary, figures=[loss_figure(rows)], teachers=[{k: v for k, v in r.items()
                   if k != "far_side_losses"} for r in rows], far_side=rows, findings=findings, relaxes=RELAXES,
                   family_alpha=FAMILY_ALPHA,
                   coverage=coverage(parts, plan.budget, runs=settings.runs * len(rows),
                                     step_sizes="theory.dynamics.default_eta (the population's)",
                                     also=f"laws {', '.join(settings.laws)}; {settings.steps:,} SGD steps"))


def loss_figure(rows: list[Record]) -> Figure:
    """The far-side runs' Gaussian loss over ℓ_s, every run, per law (their distribution)."""
    fig, axes = new_figure()
    ax = axes[0, 0]
    for index, row in enumerate(rows):
        values = row["far_side_losses"]
        ax.plot(np.full(len(values), index) + np.linspace(-0.15, 0.15, len(values)), values, "o", alpha=0.5,
                color=PALETTE[index], label=f"{row['law']} ({len(values)} runs)")
    ax.axhline(1.0, color="black", linestyle=":", linewidth=1)
    ax.axhline(1.0 + MOVED, color="black", linestyle="--", linewidth=1)
    ax.set_xticks(range(len(rows)), [r["law"] for r in rows])
    ax.set_xlabel("input law")
    ax.set_ylabel("Gaussian loss / ℓ_s")
    ax.set_title("Where the far-side runs stall")
    legend_outside(ax)
    return to_figure(fig, "Where the far-side runs stall, by input law",
                     f"Every run that ends on the far side (not global, φ > π/2) after SGD on n = {SAMPLE_SIZE:,}; "
                     "dotted: the Gaussian spurious minimum's loss; dashed: the 'moved' threshold.")


CLAIM = Claim(
    id=CLAIM_ID,
    title="Beyond the paper: non-Gaussian inputs",
    source="derived",
    statement=("With uniform, Student-t₅ or Rademacher patches (mean 0, variance 1), SGD on n = 10⁴ samples (k = p = "
               "4, r/r_b = 0.3): P(global) and P(far side) exceed 1 % for every law; the far-side runs stall at the "
               "Gaussian spurious minimum for uniform and Student-t₅ inputs and away from it for Rademacher inputs — "
               "the input law moves the spurious minimum; slow-then-fast is not judged. Exact intervals, family-wise "
               "1e-3; the far side is a law-independent stated rule (estimated)."),
    check=check,
    reconstruction="Derived (docs/mathematics.md#beyond-the-papers-assumptions, preliminary findings); theory.sampled.",
)
