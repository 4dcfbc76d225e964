"""The disk of starts with its cells coloured by their proved outcome: what "the probability that GD
converges to the spurious minimum" means, for one teacher at p = ∞.

At p = ∞ a start is a point R·u·(cos 2πq, sin 2πq) of a disk (theory.basins); the prover's cells
are boxes [u₀, u₁] × [q₀, q₁], each proved global, proved spurious, or unresolved. The left panel
draws them where they are (radius u); the right one with the radius ρ = √(1 − (1 − u²)^(k/2)),
under which a cell's area is proportional to its probability under the paper's initialization (so
the colours' areas are the probabilities, and at large k the mass near the centre shows).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.patches import Wedge

from checks.figures.render import new_figure, to_figure
from checks.verdicts.outcome import Figure

__all__ = ["OUTCOME_COLOURS", "basin_disk_figure", "mass_radius"]

# global, spurious, unresolved: colour-blind-safe (Okabe–Ito) and told apart in grey scale as well
OUTCOME_COLOURS = {"global": "#0072B2", "spurious": "#E69F00", "unresolved": "#CC0000"}


def mass_radius(u: np.ndarray, k: int) -> np.ndarray:
    """ρ = √(1 − (1 − u²)^(k/2)): the disk's radius under which area is the law's mass."""
    u = np.asarray(u, dtype=float)
    with np.errstate(divide="ignore"):     # u = 1, the rim: log1p(−1) = −∞ gives ρ = 1 exactly
        return np.sqrt(-np.expm1(k / 2 * np.log1p(-u * u)))


def _wedges(cells: np.ndarray, radius) -> list[Wedge]:
    out = []
    for u0, u1, q0, q1, *_ in cells:
        outer, inner = float(radius(u1)), float(radius(u0))
        out.append(Wedge((0.0, 0.0), outer, 360 * q0, 360 * q1, width=outer - inner))
    return out


def basin_disk_figure(found: Any, global_side: int, spurious_side: int) -> Figure:
    """The cells of a p = ∞ basin map (a :class:`theory.basins.BasinMap`: ``proved``, ``sides``,
    ``unresolved``, ``totals()``), in the disk's coordinates and in mass coordinates. The caption's
    masses are the map's proved totals (summed in arb)."""
    if found.p != math.inf:
        raise ValueError("the disk figure draws a map at p = inf (a finite p adds the φ₀ axis)")
    k = found.k
    fig, axes = new_figure(ncols=2, width=9.0, height=4.6)
    groups = {"global": found.proved[found.sides == global_side],
              "spurious": found.proved[found.sides == spurious_side],
              "unresolved": np.asarray(found.unresolved).reshape(-1, 6)}
    for ax, (title, radius) in zip(axes[0], (("radius u (where the starts are)", lambda u: u),
                                             ("area = probability (ρ = √(1 − (1 − u²)^(k/2)))",
                                              lambda u: mass_radius(u, k))), strict=True):
        for name, cells in groups.items():
            if len(cells):
                ax.add_collection(PatchCollection(_wedges(cells, radius), facecolor=OUTCOME_COLOURS[name],
                                                  edgecolor="white" if name != "unresolved" else OUTCOME_COLOURS[name],
                                                  linewidth=0.1, label=name))
        ax.add_patch(Wedge((0, 0), 1.0, 0, 360, width=1e-9, fill=False, edgecolor="black", linewidth=0.6))
        ax.set_xlim(-1.05, 1.05)
        ax.set_ylim(-1.05, 1.05)
        ax.set_aspect("equal")
        ax.set_xlabel("along â* (units of the disk's radius √(r/k))")
        if ax is axes[0, 0]:
            ax.set_ylabel("along e₂")
        ax.set_title(title, fontsize="small")
        ax.grid(False)
    handles = [Wedge((0, 0), 1, 0, 360, facecolor=OUTCOME_COLOURS[name], label=name) for name in groups]
    axes[0, 1].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small")
    totals = found.totals()
    caption = (f"The starts of GD at p = ∞ for (k, r, κ) = ({k:,}, {found.r:.4g}, {found.kappa:.4g}), η = "
               f"{found.eta_fraction:g} × the stability limit: {len(groups['global']):,} cells proved to converge to "
               f"the global minimum (blue, mass ≥ {totals.global_low:.6f}), {len(groups['spurious']):,} proved to "
               f"converge to the spurious one (orange, mass ≥ {totals.spurious_low:.6f}) and "
               f"{len(groups['unresolved']):,} unresolved (red, mass ≤ {totals.unresolved:.2g}). Left: the disk as "
               "it is; right: the same cells with area equal to probability under the paper's initialization.")
    return to_figure(fig, "Which starts end where: the proved basins on the disk", caption)
