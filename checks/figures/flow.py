"""A picture of the dynamics at p = ∞: why κ decides where GD goes.

Left: trajectories of GD from the paper's initialization (φ₀ = π/2 exactly) in the plane
(φ, ãᵀâ*), ã = a/(‖w*‖‖a*‖) — all of a sample, coloured by outcome, with the global minimum,
the spurious point, the saddle cone's angle and the optimal output layer a(φ)ᵀa* (the slow
curve the runs settle on). The angle moves at a rate ∝ κ·ãᵀâ*: with a large κ it runs away from
π/2 before ã has turned, so the sign of ã₀ᵀâ* picks the side. Right: the same runs' starting
points ã₀ in span{a*, 1} — the disk of radius √(r/k), the projection of the paper's ball —
coloured by outcome: the spurious ones sit in the outer part of the disk, opposite â*.
"""

from __future__ import annotations

import math

import numpy as np

from checks.experiments.counts import OutcomeCounts
from checks.figures.render import OUTCOME_COLOURS, new_figure, to_figure
from checks.verdicts.claim import rng_for
from checks.verdicts.outcome import Figure
from theory import dynamics, formulas, initialization, invariants, landscape
from theory.arith import FLOAT64_ELEMENTWISE
from theory.decisions import Outcome

__all__ = ["COLOURS", "EVERY_EARLY_STEP", "STEPS", "drawn_steps", "flow_figure"]

STEPS = 3000
EVERY_EARLY_STEP = 100
COLOURS = OUTCOME_COLOURS


def drawn_steps(count: int) -> np.ndarray:
    """The steps a trajectory is drawn through: every one of the first :data:`EVERY_EARLY_STEP`
    (the output layer's fast transient), then log-spaced up to the last (the slow drift along
    a(φ), where a few hundred points draw the same curve as thousands, at a tenth of the page)."""
    early = np.arange(min(EVERY_EARLY_STEP, count))
    if count <= EVERY_EARLY_STEP:
        return early
    late = np.geomspace(EVERY_EARLY_STEP, count - 1, 200).round().astype(int)
    return np.unique(np.concatenate([early, late]))


def flow_figure(k: int, ratio: float, kappa: float, n: int, seed: int) -> Figure:
    r = ratio * invariants.boundary(k)
    teacher = invariants.canonical_teacher(k, r, kappa)
    plane = dynamics.reduced_plane(teacher)
    start = initialization.reduced_start(teacher, plane, n, rng_for(seed, "flow-figure", k, repr(ratio), repr(kappa)),
                                         "paper", math.inf)
    batch, history = dynamics.reduced_runs(teacher, n, np.random.default_rng(0), max_steps=STEPS,
                                           record=("phi", "a_dot"), until_decided=False,
                                           start=lambda *_: start)    # the rng is unused: start draws
    lam = math.sqrt(kappa)            # ‖w*‖‖a*‖ of the canonical teacher (‖a*‖ = 1)
    phi, along = history["phi"], history["a_dot"] / lam
    outcome = batch.outcome
    fig, axes = new_figure(ncols=2, width=10.5, height=4.2)
    ax, disk = axes[0, 0], axes[0, 1]
    drawn = drawn_steps(phi.shape[0])
    for code in COLOURS:
        chosen = np.flatnonzero(outcome == code)
        for j in chosen:
            ax.plot(phi[drawn, j], along[drawn, j], color=COLOURS[code], linewidth=0.5, alpha=0.5,
                    label=f"{code.label} ({len(chosen)})" if j == chosen[0] else None)
    angles = np.linspace(0, math.pi, 400)
    _, optimal = formulas.profile_from_scalars(FLOAT64_ELEMENTWISE, angle=formulas.Angle(angles, math.pi - angles),
                                               k=teacher.k, c=teacher.w_norm, s=teacher.a_sum, astar_sq=teacher.a_sq)
    ax.plot(angles, optimal / lam, color="black", linewidth=1, linestyle="--", label="a(φ)ᵀa*, optimal a")
    ax.axhline(0, color="gray", linewidth=0.8)
    saddle = landscape.saddle_angle(teacher)
    spurious_dot = float(optimal[-1]) / lam       # a(π)ᵀa*: the spurious point's output layer
    ax.plot([0], [1.0], marker="*", markersize=12, color="black", linestyle="none", label="global minimum")
    ax.plot([math.pi], [spurious_dot], marker="X", markersize=10, color="black", linestyle="none",
            label="spurious minimum")
    if saddle is not None:
        ax.plot([float(saddle)], [0.0], marker="o", markersize=8, markerfacecolor="white", color="black",
                linestyle="none", label="saddle cone (aᵀa* = 0)")
    ax.axvline(math.pi / 2, color="gray", linestyle=":", linewidth=0.8)
    ax.set_xlabel("φ, angle between v and w*")
    ax.set_ylabel("ãᵀâ* = aᵀa*/(‖w*‖‖a*‖²)")
    ax.set_xlim(0, math.pi)
    ax.set_title(f"Trajectories from φ₀ = π/2 (k = {k}, r/r_b = {ratio:g}, κ = {kappa:g})", fontsize="medium")
    ax.legend(fontsize="x-small", loc="lower left")
    sign = 1.0 if plane.q_one[1] >= 0 else -1.0      # orient e₂ as theory.invariants does (1ᵀe₂ > 0)
    z = np.stack([start[2], sign * start[3]], axis=1) / lam
    radius = math.sqrt(r / k)
    turn = np.linspace(0, 2 * math.pi, 200)
    disk.plot(radius * np.cos(turn), radius * np.sin(turn), color="gray", linewidth=0.8, label="rim √(r/k)")
    for code in COLOURS:
        chosen = outcome == code
        if chosen.any():
            disk.scatter(z[chosen, 0], z[chosen, 1], s=8, color=COLOURS[code], label=code.label)
    disk.set_aspect("equal")
    disk.set_xlabel("ã₀ along â*")
    disk.set_ylabel("ã₀ along e₂ (normal to â*, in span{a*, 1})")
    disk.set_title("Where the runs started", fontsize="medium")
    disk.legend(fontsize="x-small", loc="center left", bbox_to_anchor=(1.02, 0.5))
    counts = OutcomeCounts.of_batch(batch)
    spurious_start = z[outcome == Outcome.SPURIOUS, 0]
    caption = (f"{n} runs of GD from the paper's initialization at p = ∞ on the canonical teacher (k = {k}, "
               f"r/r_b = {ratio:g}, κ = {kappa:g}), {STEPS:,} steps each (a run is coloured by the outcome decided "
               f"within them; each is drawn through {len(drawn)} of its steps, every one of the first "
               f"{EVERY_EARLY_STEP} and log-spaced after): {counts[Outcome.GLOBAL]} global, "
               f"{counts[Outcome.SPURIOUS]} spurious, {counts[Outcome.UNDECIDED]} undecided. "
               + (f"Every spurious run started with ã₀ᵀâ* between {spurious_start.min():.3g} and "
                  f"{spurious_start.max():.3g} (rim at ±{radius:.3g})." if len(spurious_start) else
                  "No run ended spurious."))
    return to_figure(fig, "The dynamics at p = ∞", caption)
