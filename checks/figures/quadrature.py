"""The map of a quadrature sweep: P_∞(spurious) over (r/r_b, κ), one panel per k — each cell a
teacher, its value estimated by quadrature (checks.experiments.quadrature_cells)."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.colors import Normalize

from checks.experiments.quadrature_cells import QuadratureCell, QuadratureResult
from checks.figures.outcomes import MAP_PANELS, cell_edges, draw_thresholds
from checks.figures.render import new_figure, to_figure
from checks.verdicts.outcome import Figure

__all__ = ["quadrature_map_figure"]


def quadrature_map_figure(result: QuadratureResult) -> Figure:
    """P_∞(spurious) as colour over (r/r_b, κ) at the first η multiple, one panel per k (at most
    MAP_PANELS), with κ*(k, r) as brackets joined per k; a cell the quadrature could not compute is
    left blank and marked "n/c"."""
    axes_ = result.axes
    eta_shown = axes_.eta_multiples[0]
    ks = list(axes_.ks)[:MAP_PANELS]
    ratios, kappas = sorted(axes_.ratios), sorted(axes_.kappas)
    shown = [r for r in result.rows if r.eta_multiple == eta_shown and r.k in ks]
    computed = [r for r in shown if r.computed]
    vmax = max([0.5] + [r.p_spurious for r in computed])
    norm = Normalize(0.0, vmax)
    fig, axes = new_figure(ncols=len(ks), width=3.6 * len(ks) + 1.0, height=3.8)
    x_edges, y_edges = np.arange(len(ratios) + 1) - 0.5, cell_edges(kappas, log=True)
    mesh = None
    for ax, k in zip(axes[0], ks, strict=True):
        values = np.full((len(kappas), len(ratios)), np.nan)
        cell: QuadratureCell
        for cell in shown:
            if cell.k != k:
                continue
            i, j = kappas.index(cell.kappa), ratios.index(cell.ratio_over_boundary)
            values[i, j] = cell.p_spurious
            text = "n/c" if not cell.computed else f"{cell.p_spurious:.3f}" if cell.p_spurious > 0 else "0"
            ax.text(j, cell.kappa, text, ha="center", va="center", fontsize="x-small",
                    color="black" if not cell.computed or cell.p_spurious >= 0.6 * vmax else "white")
        mesh = ax.pcolormesh(x_edges, y_edges, values, cmap="viridis", norm=norm, shading="flat")
        draw_thresholds(ax, [t for t in result.thresholds if t.k == k], ratios)
        ax.set_yscale("log")
        ax.set_xlim(x_edges[0], x_edges[-1])
        ax.set_ylim(y_edges[0], y_edges[-1])
        ax.set_xticks(range(len(ratios)), [f"{x:g}" for x in ratios])
        ax.grid(False)
        ax.set_xlabel("r/r_b (one column per value)")
        if ax is axes[0, 0]:
            ax.set_ylabel("κ = (‖w*‖‖a*‖/‖v₀‖)²")
        ax.set_title(f"k = {k:,}")
    bar = fig.colorbar(mesh, ax=list(axes[0]), fraction=0.04, pad=0.02)
    bar.set_label("P_∞(spurious), by quadrature")
    missing = len(shown) - len(computed)
    worst = max((r.error_estimate for r in computed), default=math.nan)
    caption = (f"P_∞(spurious) of GD from the paper's initialization at p = ∞, η = {eta_shown:g}× the default, "
               f"canonical teachers; {len(shown)} cells, each estimated by quadrature over the disk of initial "
               f"points to tolerance {result.tolerance:g} (largest error estimate {worst:.2g}; an estimate, not a "
               f"bound), {sum(r.gd_runs for r in computed):,} GD runs in all"
               + (f"; {missing} cells not computed (n/c: the reason is in sweep.json)" if missing else "") + "."
               + (" Orange: the bracket of κ*(k, r) from theory.invariants.spurious_threshold." if result.thresholds
                  else ""))
    return to_figure(fig, "P_∞(spurious) over the invariants, by quadrature", caption)
