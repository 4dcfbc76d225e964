"""What the gradient-descent claims share: outcome statistics of GD runs, with exact intervals,
the check that decisions hold, and the figure of a probability against the teacher ratio.

The teachers and initial points they run from are in :mod:`checks.instances`.
"""

from __future__ import annotations

import numpy as np

from checks.cases import Part
from checks.figures import new_figure, to_figure
from checks.instances import boundary_ratio
from checks.registry import Figure
from checks.stats import clopper_pearson
from theory import Teacher, dynamics

MAX_STEPS = 20_000


def proportion(successes: int, trials: int, alpha: float) -> dict:
    lo, hi = clopper_pearson(successes, trials, alpha)
    return {"successes": successes, "trials": trials, "estimate": successes / trials,
            "ci_low": lo, "ci_high": hi, "confidence": 1 - alpha}


def run_outcomes(teacher: Teacher, n: int, rng: np.random.Generator, scheme: str = "paper"):
    """n runs from the given initialization, each stopped at its decision."""
    V0, A0 = dynamics.random_init(teacher, n, rng, scheme)
    return dynamics.run_gd(teacher, V0, A0, steps=MAX_STEPS, until_decided=True)


def angle_to_teacher(teacher: Teacher, V: np.ndarray) -> np.ndarray:
    cos = V @ teacher.w_star / (np.linalg.norm(V, axis=1) * teacher.w_norm)
    return np.arccos(np.clip(cos, -1, 1))


def decisions_that_fail_to_hold(teacher: Teacher, result, outcome: str, max_runs: int = 50,
                                extra_steps: int = 2000) -> tuple[int, int]:
    """Continue up to ``max_runs`` runs decided as ``outcome`` and count those that do not keep
    going: still in the region at the restart, and closer to the minimum (φ towards 0 for
    `global`, towards π for `spurious`) after ``extra_steps`` more steps. Returns (failed, checked).

    The regions are invariant for the true dynamics; this guards the decisions against an
    engine that would violate the argument."""
    chosen = np.flatnonzero(result.outcome == outcome)[:max_runs]
    if len(chosen) == 0:
        return 0, 0
    more = dynamics.run_gd(teacher, result.V[chosen], result.A[chosen], eta=result.eta, steps=extra_steps)
    before, after = angle_to_teacher(teacher, result.V[chosen]), angle_to_teacher(teacher, more.V)
    progressed = after <= before + 1e-12 if outcome == "global" else after >= before - 1e-12
    held = (more.outcome == outcome) & (more.decided_step == 0) & progressed
    return int(np.sum(~held)), len(chosen)


def decisions_part(outcome: str) -> Part:
    towards = "φ = 0" if outcome == "global" else "φ = π"
    return Part("decisions-hold", f"runs decided `{outcome}`, continued 2000 steps: still in the region "
                f"and closer to {towards}", "decisions that did not hold")


def outcome_row(family: str, teacher: Teacher, n: int, rng: np.random.Generator, alpha: float,
                held: Part, outcome: str) -> dict:
    """Outcomes of n paper-initialized runs with exact intervals on P(global) and P(spurious);
    the runs decided as ``outcome`` are re-checked by continuing them (cases added to ``held``)."""
    result = run_outcomes(teacher, n, rng)
    counts = result.counts()
    failed, checked = decisions_that_fail_to_hold(teacher, result, outcome)
    held.add({"family": family, **teacher.to_json(), "checked": checked}, failed, 0,
             size=teacher.k + teacher.p)
    return {"family": family, **teacher.to_json(), **counts,
            "ratio_over_boundary": teacher.spurious_ratio / boundary_ratio(teacher.k),
            "p_global": proportion(counts["global"], n, alpha),
            "p_spurious": proportion(counts["spurious"], n, alpha)}


def probability_figure(rows: list[dict], key: str, bound: float | None, title: str, caption: str) -> Figure:
    fig, axes = new_figure()
    ax = axes[0, 0]
    for family in sorted({r["family"] for r in rows}):
        chosen = [r for r in rows if r["family"] == family]
        x = [r["ratio_over_boundary"] for r in chosen]
        y = [r[key]["estimate"] for r in chosen]
        err = [[r[key]["estimate"] - r[key]["ci_low"] for r in chosen],
               [r[key]["ci_high"] - r[key]["estimate"] for r in chosen]]
        ax.errorbar(x, y, yerr=err, fmt="o", capsize=3, markersize=4, label=family)
    if bound is not None:
        ax.axhline(bound, color="black", linestyle="--", label=f"bound {bound:g}")
    ax.axvline(1.0, color="gray", linestyle=":", label="spurious-minimum boundary")
    ax.set_xlabel("(1ᵀa*)²/‖a*‖² divided by (k + π − 1)/π")
    ax.set_ylabel("probability (Clopper–Pearson interval)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(title)
    ax.legend(fontsize="x-small", ncol=2)
    return to_figure(fig, title, caption)
