"""Claim `spurious-sublinear`: runs attracted to the spurious minimum approach it like 1/t."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from checks.experiments.counts import codes
from checks.experiments.plan import ClaimSettings, Plan, setting
from checks.figures.render import PALETTE, legend_outside, new_figure, to_figure
from checks.verdicts.budget import PerBudget
from checks.verdicts.cases import Part
from checks.verdicts.claim import Claim, rng_for
from checks.verdicts.coverage import coverage
from checks.verdicts.outcome import Figure, Outcome, combine
from theory import Teacher, decisions, dynamics, landscape

__all__ = ["CLAIM", "CLAIM_ID", "REPORT_ORDER", "SETTINGS", "TOLERANCE", "Settings", "check", "inverse_figure"]

REPORT_ORDER = 170
CLAIM_ID = "spurious-sublinear"
TOLERANCE = 0.02   # |measured κ / predicted κ − 1|


@dataclass(frozen=True)
class Settings(ClaimSettings):
    steps: int = setting("steps per run")
    ks: tuple[int, ...] = setting("k")


SETTINGS = PerBudget(quick=Settings(steps=20_000, ks=(2, 5)), standard=Settings(steps=30_000, ks=(2, 4, 8)),
                     thorough=Settings(steps=60_000, ks=(2, 3, 5, 8, 16)))


def check(plan: Plan, seed: int) -> Outcome:
    """Near φ = π, δ = π − φ obeys δ_{t+1} ≈ δ_t − κ δ_t² with κ = η‖w*‖|a_sᵀa*|/(2π‖v‖²), so
    1/δ_t grows linearly with slope κ: δ_t ~ 1/(κt), not geometrically."""
    part = Part("rate", "slope of 1/(π − φ_t) over the second half of the run vs the predicted κ",
                "|κ_measured / κ_predicted − 1|")
    slopes = Part("log-log-slope", "log(π − φ_t) against log t over the second half", "|slope + 1|")
    rng = rng_for(seed, CLAIM_ID)
    settings = plan.settings(CLAIM_ID, Settings)
    steps = settings.steps
    examples, plotted = [], None
    for k in settings.ks:
        teacher = Teacher(rng.standard_normal(4), np.eye(k)[0] + 0.1 * rng.standard_normal(k))  # one-hot-like
        if not landscape.has_spurious_minimum(teacher):
            continue
        V0, A0 = dynamics.random_init(teacher, 400, rng)
        probe = dynamics.run_gd(teacher, V0, A0, steps=2000, until_decided=True)
        chosen = codes(probe) == decisions.Outcome.SPURIOUS
        if not chosen.any():
            continue
        # the first half unrecorded on the compiled engine, then the second half (the part the rate
        # is read from) recorded from the state reached: GD is a Markov chain in (v, a)
        half = steps // 2
        first = dynamics.run_gd(teacher, V0[chosen][:20], A0[chosen][:20], steps=half)
        result = dynamics.run_gd(teacher, first.V, first.A, steps=steps - half, record=("phi", "v_norm"))
        _, a_s = landscape.spurious_point(teacher)
        delta = math.pi - result.history["phi"]     # row j is step half + j
        for i in range(delta.shape[1]):
            kappa = result.eta * teacher.w_norm * abs(a_s @ teacher.a_star) / (
                2 * math.pi * result.history["v_norm"][-1, i] ** 2)
            measured = (1 / delta[-1, i] - 1 / delta[0, i]) / (steps - half)
            instance = {"k": k, **teacher.to_json(), "run": i, "delta_final": float(delta[-1, i])}
            part.add(instance, abs(measured / kappa - 1), TOLERANCE, size=k)
            t = np.arange(half, steps + 1)
            slope = np.polyfit(np.log(t), np.log(delta[:, i]), 1)[0]
            slopes.add(instance, abs(slope + 1), 0.05, size=k)
        examples.append({"k": k, "final_pi_minus_phi": float(np.median(delta[-1])), "steps": steps})
        if plotted is None:
            kappas = result.eta * teacher.w_norm * abs(a_s @ teacher.a_star) / (
                2 * math.pi * result.history["v_norm"][-1] ** 2)
            plotted = (teacher, delta, kappas, half)
    figures = [inverse_figure(*plotted)] if plotted else []
    return combine([part, slopes], lambda: f"on {len(part.cases)} spurious runs, 1/(π − φ_t) grows at "
                   f"κ = η‖w*‖|a_sᵀa*|/(2π‖v‖²) to {part.decided_worst().measured:.2%}; log-log slope "
                   f"−1 ± {slopes.decided_worst().measured:.3f}", figures=figures, examples=examples,
                   coverage=coverage([part, slopes], plan.budget, runs=len(part.cases), step_sizes="the default η",
                                     also=f"{steps:,} steps per run"))


def inverse_figure(teacher: Teacher, delta: np.ndarray, kappas: np.ndarray, first_step: int) -> Figure:
    """1/(π − φ_t) against t over the second half of each run (row j of ``delta`` is step
    ``first_step`` + j; every 50th step is plotted), with the predicted straight line of slope κ
    from the half's first step."""
    fig, axes = new_figure(width=7.2)
    ax = axes[0, 0]
    t = first_step + np.arange(delta.shape[0])
    ends = np.array([t[0], t[-1]])
    for i in range(delta.shape[1]):
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(t[::50], 1 / delta[::50, i], color=colour, linewidth=1, alpha=0.8)
        ax.plot(ends, 1 / delta[0, i] + kappas[i] * (ends - t[0]), "--", color="black", linewidth=0.6)
    ax.plot([], [], color=PALETTE[0], label=f"{delta.shape[1]} spurious runs")
    ax.plot([], [], "--", color="black", label="predicted slope κ from the midpoint")
    ax.set_xlabel("GD step t")
    ax.set_ylabel("1 / (π − φ_t)")
    ax.set_title(f"Sublinear approach to the spurious minimum, k = {teacher.k}, p = {teacher.p}")
    legend_outside(ax)
    return to_figure(fig, "1/(π − φ_t) against t", f"Linear growth means π − φ_t ~ 1/(κt); predicted slopes κ "
                     f"from {kappas.min():.3g} to {kappas.max():.3g}; at the last step π − φ ranges from "
                     f"{delta[-1].min():.3g} to {delta[-1].max():.3g}.")


CLAIM = Claim(
    id=CLAIM_ID,
    title="Sublinear convergence to the spurious minimum",
    source="derived",
    statement=("Runs attracted to the spurious minimum approach it like 1/t: π − φ_t ≈ 1/(κt) with "
               "κ = η‖w*‖|a_sᵀa*|/(2π‖v‖²), because the v-step is proportional to (π − φ)² there "
               "(the minimum is degenerate)."),
    check=check,
    reconstruction="Derived (docs/mathematics.md#derived-consequences).",
)
