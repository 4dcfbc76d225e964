"""What the gradient-descent claims share: the dimension grid they are judged on, outcome
statistics of GD runs drawn in reduced coordinates (any k and p), exact intervals, the check
that decisions hold, teacher records small enough for any size, and the probability figures.

The teachers and initial points they run from are in :mod:`checks.instances`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from checks.cases import Part
from checks.figures import legend_outside, new_figure, series_style, to_figure
from checks.instances import boundary_ratio, family_teacher
from checks.registry import Budget, Figure, rng_for
from checks.stats import clopper_pearson
from theory import Teacher, dynamics, reduced_gd

if TYPE_CHECKING:
    from matplotlib.artist import Artist

MAX_STEPS = 20_000
# The dimensions every population-GD claim is judged on: k and p each on a log grid up to 10⁶.
DIMENSIONS: dict[str, dict[str, tuple[int, ...]]] = {
    "quick": {"k": (2, 10**6), "p": (2, 1000, 10**6)},
    "standard": {"k": (2, 10, 100, 1000, 10**4, 10**6), "p": (2, 10, 100, 10**4, 10**6)},
    "thorough": {"k": (1, 2, 3, 10, 100, 1000, 10**4, 10**5, 10**6),
                 "p": (1, 2, 3, 10, 100, 1000, 10**4, 10**5, 10**6)},
}
# Steps a run may take before it counts as undecided: GD's slowest time scale grows like k when
# η ∝ 1/k (a one-hot teacher at k = 10⁶ needs ~10⁶ steps), so the budget grows with it; and the
# trajectory-steps one instance may cost (a pilot of runs sizes the sample to fit).
RUN_STEPS = {"quick": 100_000, "standard": 400_000, "thorough": 2_000_000}
INSTANCE_STEPS = {"quick": 1e7, "standard": 3e7, "thorough": 6e7}
PILOT = 32
NEGLIGIBLE = 0.01   # a probability below this (with confidence) is not "a constant" of a claim


def dimension_grid(budget: Budget) -> list[tuple[int, int]]:
    grid = DIMENSIONS[budget.name]
    return [(k, p) for k in grid["k"] for p in grid["p"]]


def grid_teachers(claim_id: str, seed: int, budget: Budget, families) -> list[tuple[str, Teacher, str]]:
    """(family, teacher, how to regenerate it) for every family × (k, p) of the budget's grid
    (families that need k ≥ 2 skip k = 1). Each teacher comes from its own derived seed."""
    return [(family, *grid_teacher(claim_id, seed, family, k, p))
            for family in families for k, p in dimension_grid(budget) if not (family == "zero-sum" and k < 2)]


def grid_teacher(claim_id: str, seed: int, family: str, k: int, p: int) -> tuple[Teacher, str]:
    """The claim's teacher of ``family`` at (k, p), from its own derived seed, and the expression
    that regenerates it."""
    labels = (claim_id, "teacher", family, k, p)
    return (family_teacher(family, k, p, rng_for(seed, *labels)),
            f"checks.instances.family_teacher({family!r}, {k}, {p}, "
            f"checks.registry.rng_for({seed}, {', '.join(repr(x) for x in labels)}))")


def teacher_record(family: str, teacher: Teacher, regenerate: str = "") -> dict:
    """A teacher as evidence: k, p and its statistics always; its vectors only when small (a
    large teacher is recorded by the expression that regenerates it)."""
    phi_split = dynamics.decision_table(teacher, dynamics.default_eta(teacher)).basins.phi_split
    record = {"family": family, **teacher.statistics(),
              "ratio_over_boundary": teacher.spurious_ratio / boundary_ratio(teacher.k),
              "saddle_angle": phi_split if phi_split < math.pi else None}
    if teacher.k + teacher.p <= 64:
        record.update(teacher.to_json())
    elif regenerate:
        record["regenerate"] = regenerate
    return record


def proportion(successes: int, trials: int, alpha: float) -> dict:
    lo, hi = clopper_pearson(successes, trials, alpha)
    return {"successes": successes, "trials": trials, "estimate": successes / trials,
            "ci_low": lo, "ci_high": hi, "confidence": 1 - alpha}


def run_outcomes(teacher: Teacher, n: int, rng: np.random.Generator, scheme: str = "paper"):
    """n full-dimensional runs from the given initialization, each stopped at its decision."""
    V0, A0 = dynamics.random_init(teacher, n, rng, scheme)
    return dynamics.run_gd(teacher, V0, A0, steps=MAX_STEPS, until_decided=True)


def angle_to_teacher(teacher: Teacher, V: np.ndarray) -> np.ndarray:
    cos = V @ teacher.w_star / (np.linalg.norm(V, axis=1) * teacher.w_norm)
    return np.arccos(np.clip(cos, -1, 1))


def decisions_that_fail_to_hold(teacher: Teacher, batch: reduced_gd.Batch, code: int,
                                max_runs: int = 50, extra_steps: int = 2000) -> tuple[int, int]:
    """Continue up to ``max_runs`` runs decided as ``code`` (reduced coordinates) and count those
    that do not keep going: decided again at once, and closer to their minimum (φ towards 0 for
    `global`, towards π for `spurious`) after ``extra_steps`` more steps. Returns (failed, checked).

    The decision argument makes this impossible for the true dynamics; it guards the decisions
    against an engine that would violate it."""
    chosen = np.flatnonzero(batch.outcome == code)[:max_runs]
    if len(chosen) == 0:
        return 0, 0
    more = dynamics.continued_runs(teacher, batch, chosen, extra_steps, until_decided=False)
    before = np.arctan2(np.abs(batch.y[chosen]), batch.x[chosen])
    after = np.arctan2(np.abs(more.y), more.x)
    progressed = after <= before + 1e-12 if code == 1 else after >= before - 1e-12
    held = (more.outcome == code) & (more.decided == 0) & progressed
    return int(np.sum(~held)), len(chosen)


def decisions_part(outcome: str) -> Part:
    towards = "φ = 0" if outcome == "global" else "φ = π"
    return Part("decisions-hold", f"runs decided `{outcome}`, continued 2000 steps: decided again at "
                f"once and closer to {towards}", "decisions that did not hold")


def continue_undecided(teacher: Teacher, batch: reduced_gd.Batch, ran: int, steps: int) -> int:
    """Continue the batch's undecided runs (which ran ``ran`` steps) for up to ``steps`` more,
    from their final states, recording their outcomes and decision steps in place; returns how
    many were decided. A run is decided by its state alone (the trapping argument of
    :mod:`theory.decisions`), so a continued run is decided exactly as one run longer."""
    chosen = np.flatnonzero(batch.outcome == 0)
    if len(chosen) == 0:
        return 0
    more = dynamics.continued_runs(teacher, batch, chosen, steps, until_decided=True)
    for field in ("x", "y", "z1", "z2", "residual_sq", "outcome"):
        getattr(batch, field)[chosen] = getattr(more, field)
    batch.decided[chosen] = np.where(more.decided >= 0, ran + more.decided, -1)   # its step 0 is step `ran`
    batch.ascents[chosen] += more.ascents
    batch.late_ascents[chosen] += more.late_ascents
    return int(np.sum(more.decided >= 0))


def sized_runs(teacher: Teacher, runs: int, budget: Budget, rng: np.random.Generator, start=None,
               minimum: int = 100, undecided_limit: float = 0.25):
    """A batch of runs (paper's initialization, or ``start``) sized to the budget, or None.

    A pilot of PILOT runs (used only for sizing) measures the steps a decision takes; the
    sample is then as large as ``runs`` or the budget's trajectory-steps per instance allow
    (at least ``minimum``). An instance whose pilot leaves more than ``undecided_limit`` of its
    runs undecided within the budget's steps is skipped (None): its runs take longer than the
    budget buys. Claims about every run (from the theorem's region) pass 0: an instance whose
    runs are not all decided in the budget's steps could only be inconclusive; the few runs of
    the sample still undecided then get up to four times the budget's steps more.
    """
    max_steps = RUN_STEPS[budget.name]
    scout = dynamics.reduced_runs(teacher, PILOT // 4, rng, max_steps=max_steps, start=start)
    if np.mean(scout.outcome == 0) > undecided_limit:      # a few runs tell a hopeless instance cheaply
        return None
    pilot = dynamics.reduced_runs(teacher, PILOT - PILOT // 4, rng, max_steps=max_steps, start=start)
    decided = np.concatenate([scout.decided, pilot.decided])
    if np.mean(decided < 0) > undecided_limit:
        return None
    steps = np.where(decided >= 0, decided, max_steps).mean() + 1
    n = int(min(runs, max(minimum, INSTANCE_STEPS[budget.name] / steps)))
    batch = dynamics.reduced_runs(teacher, n, rng, max_steps=max_steps, start=start)
    if undecided_limit == 0:    # a few slow runs of an instance whose pilot all decided: let them finish
        continue_undecided(teacher, batch, max_steps, 4 * max_steps)
    return batch


def outcome_row(family: str, teacher: Teacher, batch: reduced_gd.Batch, alpha: float, held: Part,
                outcome: str, regenerate: str = "") -> dict:
    """Outcomes of a batch of paper-initialized runs with exact intervals on P(global) and
    P(spurious); undecided runs count against both. The runs decided as ``outcome`` are
    re-checked by continuing them (cases added to ``held``)."""
    n = len(batch.outcome)
    counts = dynamics.batch_counts(batch)
    record = teacher_record(family, teacher, regenerate)
    failed, checked = decisions_that_fail_to_hold(teacher, batch, dynamics.OUTCOMES.index(outcome))
    held.add({**record, "checked": checked}, failed, 0, size=teacher.k + teacher.p)
    decided = batch.decided[batch.decided >= 0]
    return {**record, **counts, "runs": n,
            "median_decision_step": float(np.median(decided)) if decided.size else None,
            "p_global": proportion(counts["global"], n, alpha),
            "p_spurious": proportion(counts["spurious"], n, alpha),
            "p_spurious_or_undecided": proportion(counts["spurious"] + counts["undecided"], n, alpha)}


def _estimates_and_errors(rows: list[dict], key: str) -> tuple[list, list]:
    """The estimates of ``key`` and their interval as (below, above) distances, for errorbar."""
    estimates = [r[key]["estimate"] for r in rows]
    return estimates, [[e - r[key]["ci_low"] for e, r in zip(estimates, rows, strict=True)],
                       [r[key]["ci_high"] - e for e, r in zip(estimates, rows, strict=True)]]


def probability_figure(rows: list[dict], key: str, bound: float | None, title: str, caption: str) -> Figure:
    """A probability with its exact interval against ratio/boundary; the ratio sweep's teachers
    form one series (they differ only in their ratio)."""
    fig, axes = new_figure(width=7.2)
    ax = axes[0, 0]
    def group(row):
        return "ratio sweep" if row["family"].startswith("ratio ") else row["family"]
    for index, family in enumerate(sorted({group(r) for r in rows})):
        chosen = sorted((r for r in rows if group(r) == family), key=lambda r: r["ratio_over_boundary"])
        ax.errorbar([r["ratio_over_boundary"] for r in chosen], *_estimates_and_errors(chosen, key),
                    **{**series_style(index), "linestyle": "-" if family == "ratio sweep" else "none"},
                    capsize=3, markersize=5, label=family)
    if bound is not None:
        ax.axhline(bound, color="black", linestyle="--", label=f"bound {bound:g}")
    ax.axvline(1.0, color="gray", linestyle=":", label="spurious-minimum boundary")
    ax.set_xlabel("ratio/boundary: (1ᵀa*)²/‖a*‖² divided by (k + π − 1)/π")
    ax.set_ylabel("probability (Clopper–Pearson interval)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(title)
    legend_outside(ax)
    lowest = min(rows, key=lambda r: r[key]["estimate"])
    return to_figure(fig, title, f"{caption} {len(rows)} teachers; lowest {lowest[key]['estimate']:.3f} "
                     f"({lowest['family']}, ratio/boundary {lowest['ratio_over_boundary']:.3g}).")


def dimension_figure(rows: list[dict], key: str, title: str, caption: str, bound: float | None = None) -> Figure:
    """A probability against p (log axis), one panel per family, one line per k, with intervals."""
    families = sorted({r["family"] for r in rows})
    fig, axes = new_figure(ncols=len(families), width=3.2 * len(families), height=3.4)
    ks = sorted({r["k"] for r in rows})
    for ax, family in zip(axes[0], families, strict=True):
        for index, k in enumerate(ks):
            chosen = sorted((r for r in rows if r["family"] == family and r["k"] == k), key=lambda r: r["p"])
            if not chosen:
                continue
            ax.errorbar([r["p"] for r in chosen], *_estimates_and_errors(chosen, key), **series_style(index),
                        markersize=4, capsize=2, label=f"k = {k:,}")
        if bound is not None:
            ax.axhline(bound, color="black", linestyle="--", linewidth=1)
        ax.set_xscale("log")
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("patch size p")
        ax.set_title(family, fontsize="medium")
    axes[0, 0].set_ylabel("probability (exact interval)")
    # one legend for every k of any panel (a panel may lack some, e.g. zero-sum teachers need k ≥ 2)
    handles: dict[str, Artist] = {}
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    order = sorted(handles, key=lambda label: int(label.removeprefix("k = ").replace(",", "")))
    axes[0, -1].legend([handles[label] for label in order], order, fontsize="x-small", loc="center left",
                       bbox_to_anchor=(1.02, 0.5))
    fig.suptitle(title)
    return to_figure(fig, title, caption)
