"""The figures of outcome probabilities over grid cells (checks.experiments.cells rows): the sweep's and the
dynamic claims' — one drawing, so a sweep and a claim show the same evidence the same way."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.colors import Normalize

from checks.experiments.cells import CellRow, GridResult, Threshold, json_p
from checks.figures.render import legend_outside, new_figure, series_style, to_figure
from checks.verdicts.outcome import Figure, FigureLine
from theory.decisions import Outcome

__all__ = ["MAP_PANELS", "cell_edges", "draw_thresholds", "map_figure", "probability_figure", "same_teacher_key"]

_DRAWN = (Outcome.GLOBAL, Outcome.SPURIOUS)


def same_teacher_key(row: CellRow) -> tuple:
    """What makes two rows the same teacher up to the outcome law: family and (k, r, κ) for the
    canonical family (p only changes the initialization), and the cell itself for family random."""
    if row.family == "random":
        return ("random", row.k, json_p(row.p), row.ratio_over_boundary)
    return ("canonical", row.k, float(f"{row.r:.12g}"), float(f"{row.kappa:.12g}"), row.eta_multiple)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _number(x: float) -> str:
    """One format for the numbers of a legend: "1,000" and "0.25" as written, very large or small
    ones as "3·10⁻⁵" (never Python's "1e+03" beside a "k = 1,000")."""
    if 1e3 <= abs(x) < 1e6:
        return f"{round(x):,}"
    if x == 0 or 1e-3 <= abs(x) < 1e3:
        return f"{x:,.4g}"
    mantissa, exponent = f"{x:.2e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    return power if mantissa == "1" else f"{mantissa}·{power}"


def probability_figure(result: GridResult, bounds: dict[Outcome, tuple[float, str]] | None = None) -> Figure:
    """P(global) and P(spurious) with exact intervals. Along p (two or more finite p): one line per
    teacher, its p = ∞ value as a dashed level of the same colour; otherwise against the ratio,
    markers only — each point there is another teacher, and a line would join them."""
    rows = result.rows
    finite_ps = sorted({float(r.p) for r in rows} - {math.inf})
    along_p = len(finite_ps) > 1
    fig, axes = new_figure(ncols=2, width=10.0, height=4.0)
    series: dict[tuple, list[CellRow]] = {}
    for row in rows:
        key = same_teacher_key(row) if along_p else (row.k, json_p(row.p), row.kappa_asked, row.eta_multiple)
        series.setdefault(key, []).append(row)
    lines = []
    for index, (_, members) in enumerate(sorted(series.items(), key=lambda item: str(item[0]))):
        style = series_style(index)
        first = members[0]
        joined = along_p and first.family == "canonical"
        name = f"{first.name}: " if first.name else ""
        label = (f"{name}k = {first.k:,}, r/r_b = {_number(first.ratio_over_boundary)}, κ = {_number(first.kappa)}"
                 if along_p else f"k = {first.k:,}, p = {json_p(first.p)}, κ = "
                 + ("own" if first.kappa_asked is None else _number(first.kappa_asked)))
        label += f", η = {first.eta_multiple:g}×"
        finite = sorted((r for r in members if r.p != math.inf), key=lambda r: float(r.p))
        limit = [r for r in members if r.p == math.inf]
        for ax, outcome in zip(axes[0], _DRAWN, strict=True):
            points = finite if along_p else sorted(members, key=lambda r: r.ratio_over_boundary)
            x = [float(r.p) if along_p else r.ratio_over_boundary for r in points]
            shares = [r.proportion(outcome) for r in points]
            y = [share.estimate for share in shares]
            err = [[share.estimate - share.low for share in shares], [share.high - share.estimate for share in shares]]
            ax.errorbar(x, y, yerr=err, color=style.color, marker=style.marker, markersize=4, capsize=2,
                        linestyle=style.linestyle if joined else "none",
                        label=label if outcome == Outcome.GLOBAL else None)
            if along_p and limit:
                level = limit[0].proportion(outcome).estimate
                ax.axhline(level, color=style.color, linestyle="-.", linewidth=1)
                # the level labelled where it ends: "∞" in the series' colour, outside the axes
                ax.text(1.01, level, "p = ∞", transform=ax.get_yaxis_transform(), color=style.color,
                        fontsize="xx-small", va="center", ha="left", clip_on=False)
        if joined:
            lines.append(FigureLine(label, tuple(sorted({str(same_teacher_key(r)) for r in finite}))))
    for ax, outcome in zip(axes[0], _DRAWN, strict=True):
        if along_p:
            ax.set_xscale("log")
            ax.set_xlabel("patch size p (dash-dotted level: p = ∞)")
        else:
            ax.axvline(1.0, color="gray", linestyle=":")
            ax.set_xlabel("r/r_b: (1ᵀa*)²/‖a*‖² over (k + π − 1)/π")
        ax.set_ylabel(f"P({outcome.label}) (Clopper–Pearson)")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(f"P({outcome.label})")
    bounds = {Outcome.GLOBAL: (0.25, "the reconstructed 1/4")} if bounds is None else bounds
    for ax, outcome in zip(axes[0], _DRAWN, strict=True):
        if outcome in bounds:
            ax.axhline(bounds[outcome][0], color="black", linestyle=":", linewidth=1)
    legend_outside(axes[0, 1], handles=axes[0, 0].get_legend_handles_labels()[0],
                   labels=axes[0, 0].get_legend_handles_labels()[1])
    runs = sum(r.runs for r in rows)
    lowest = min(rows, key=lambda r: r.proportion(Outcome.GLOBAL).estimate)
    highest = max(rows, key=lambda r: r.proportion(Outcome.SPURIOUS).estimate)
    how = ("one line per teacher (fixed k, r, κ) along p, its p = ∞ value a dash-dotted level" if along_p
           else "one marker per cell, each cell its own teacher (no lines)")
    named = sorted({r.name for r in rows if r.name})
    family = rows[0].family + (f" (with the named points {', '.join(named)})" if named else "")
    caption = (f"{len(rows)} cells, {runs:,} runs, family {family}; {how}; intervals at confidence "
               f"{result.confidence:.6f} each. Lowest P(global) {lowest.proportion(Outcome.GLOBAL).estimate:.3f} "
               f"(k = {lowest.k:,}, p = {json_p(lowest.p)}, r/r_b = {lowest.ratio_over_boundary:g}, "
               f"κ = {lowest.kappa:.3g}); highest P(spurious) {highest.proportion(Outcome.SPURIOUS).estimate:.3f} "
               f"(k = {highest.k:,}, p = {json_p(highest.p)}, r/r_b = {highest.ratio_over_boundary:g}, "
               f"κ = {highest.kappa:.3g}). A point is an estimate, its bar the exact interval. "
               + " ".join(f"Dotted on P({o.label}): {label} ({value:g})." for o, (value, label) in bounds.items()))
    return to_figure(fig, "Outcome probabilities over the grid", caption, lines)


MAP_PANELS = 6


def map_figure(result: GridResult, outcome: Outcome = Outcome.SPURIOUS,
               quadrature: Mapping[tuple[int, float, float], float] | None = None) -> Figure:
    """P(``outcome``) as colour over (r/r_b, κ), one panel per k, at the grid's largest p (p = ∞ when
    present) and first η multiple, with κ*(k, r) as brackets joined per k. ``quadrature`` maps
    (k, r/r_b, κ) to P_∞(outcome) estimated by quadrature: where given, it is the value drawn (the
    sampled cells stay the evidence beside it), and the caption says so."""
    axes_, rows, found_all = result.axes, result.rows, result.thresholds
    p_shown = math.inf if math.inf in axes_.ps else max(axes_.ps)
    eta_shown = axes_.eta_multiples[0]
    ks = list(axes_.ks)[:MAP_PANELS]
    fig, axes = new_figure(ncols=len(ks), width=3.6 * len(ks) + 1.0, height=3.8)
    ratios, kappas = sorted(axes_.ratios), sorted(axes_.kappas)
    # columns evenly spaced, one per ratio of the grid (κ* is computed at those ratios); rows on log κ
    x_edges, y_edges = np.arange(len(ratios) + 1) - 0.5, cell_edges(kappas, log=True)
    shown = [r for r in rows if r.p == p_shown and r.eta_multiple == eta_shown and r.k in ks]

    def share(row: CellRow) -> float:
        if quadrature is not None:
            value = quadrature.get((row.k, row.ratio_over_boundary, row.kappa_asked or row.kappa))
            if value is not None:
                return value
        return row.proportion(outcome).estimate

    drawn = "P_∞ estimated by quadrature (sampled runs beside it as evidence)" if quadrature else "sampled runs"

    top = max(0.5, max(share(r) for r in shown))
    vmax = 1.0 if outcome == Outcome.GLOBAL else top
    norm = Normalize(0.0, vmax)
    mesh = None
    for ax, k in zip(axes[0], ks, strict=True):
        values = np.full((len(kappas), len(ratios)), np.nan)
        for r in shown:
            if r.k == k and r.kappa_asked is not None:     # a map's cells are canonical: their κ was asked
                values[kappas.index(r.kappa_asked), ratios.index(r.ratio_over_boundary)] = share(r)
        mesh = ax.pcolormesh(x_edges, y_edges, values, cmap="viridis", norm=norm, shading="flat")
        for i, kappa in enumerate(kappas):
            for j in range(len(ratios)):
                if np.isfinite(values[i, j]):     # "0": not one spurious run in the cell (P_∞ = 0 by quadrature)
                    ax.text(j, kappa, f"{values[i, j]:.2f}" if values[i, j] > 0 else "0", ha="center",
                            va="center", fontsize="x-small",
                            color="white" if values[i, j] < 0.6 * vmax else "black")
        draw_thresholds(ax, [t for t in found_all if t.k == k], ratios)
        ax.set_yscale("log")
        ax.set_xlim(x_edges[0], x_edges[-1])
        ax.set_xticks(range(len(ratios)), [f"{x:g}" for x in ratios])
        ax.grid(False)
        ax.set_ylim(y_edges[0], y_edges[-1])
        ax.set_xlabel("r/r_b (one column per value)")
        if ax is axes[0, 0]:       # the panels share this label (figures.axis_labels)
            ax.set_ylabel("κ = (‖w*‖‖a*‖/‖v₀‖)²")
        ax.set_title(f"k = {k:,}")
    bar = fig.colorbar(mesh, ax=list(axes[0]), fraction=0.04, pad=0.02)
    shown_p = "∞" if p_shown == math.inf else f"{p_shown:,}"
    bar.set_label(f"P({outcome.label}) at p = {shown_p}")
    cells = len(shown)
    if outcome != Outcome.SPURIOUS:
        low = min(shown, key=share)
        caption = (f"P({outcome.label}) of GD from the paper's initialization at p = {shown_p}, η = {eta_shown:g}× the "
                   f"default, canonical teachers; {cells} cells, drawn from {drawn} ({shown[0].runs:,} runs each); "
                   f"lowest {share(low):.3f} (k = {low.k:,}, r/r_b = {low.ratio_over_boundary:g}, "
                   f"κ = {low.kappa:.3g}).")
        return to_figure(fig, f"P({outcome.label}) over the invariants", caption)
    spurious = {id(r): share(r) if quadrature else r.counts[Outcome.SPURIOUS] for r in shown}
    zero = sum(spurious[id(r)] == 0 for r in shown)

    def placed(where: str) -> list[CellRow]:      # the one boundary rule (checks.verdicts.cases.side)
        return [r for r in shown if any(t.k == r.k and t.ratio_over_boundary == r.ratio_over_boundary
                                        and t.side(r.kappa) == where for t in found_all)]
    above, below, on = placed("above"), placed("below"), placed("at")
    what = "P_∞ > 0 by quadrature" if quadrature else "a spurious run"
    caption = (f"P(spurious) of GD from the paper's initialization at p = {shown_p}, η = {eta_shown:g}× the default, "
               f"canonical teachers; {cells} cells, drawn from {drawn} ({shown[0].runs:,} runs each); {zero} cells "
               f"at 0. Orange: the bracket of κ*(k, r) from theory.invariants.spurious_threshold. Cells below κ*: "
               f"{len(below)}, of which {sum(spurious[id(r)] > 0 for r in below)} with {what}; cells above "
               f"κ*: {len(above)}, of which {sum(spurious[id(r)] > 0 for r in above)} with {what}"
               + (f"; cells inside a bracket (its ends included, to rounding): {len(on)}" if on else "")
               + " (above κ*, P_∞(spurious) > 0, but the spurious starts lie in the outer part of the paper's ball, "
               "where its law puts little mass when k is large: P_∞ can be far below any constant).")
    unplaced = sum(1 for r in shown if not any(t.k == r.k for t in found_all))
    if unplaced:
        caption += f" {unplaced} cells are at k without a computed κ*: not placed against it."
    if len(axes_.ks) > MAP_PANELS:
        caption += f" Only the first {MAP_PANELS} of {len(axes_.ks)} k are drawn."
    return to_figure(fig, "Where GD can reach the spurious minimum", caption)


def draw_thresholds(ax, found: Sequence[Threshold], ratios: list[float]) -> None:
    """κ*(k, r) brackets of one k as orange diamonds with bars, joined along r/r_b (one column per
    ratio of the map)."""
    found = sorted(found, key=lambda t: t.ratio_over_boundary)
    if found:
        middle = [math.sqrt(t.kappa_low * t.kappa_high) for t in found]
        ax.errorbar([ratios.index(t.ratio_over_boundary) for t in found], middle,
                    yerr=[[m - t.kappa_low for m, t in zip(middle, found, strict=True)],
                          [t.kappa_high - m for m, t in zip(middle, found, strict=True)]],
                    color="#D55E00", marker="D", markersize=5, linestyle="-", linewidth=1.5, capsize=3,
                    label="κ*(k, r)")
        ax.legend(loc="upper left", fontsize="x-small")


def cell_edges(values: list[float], log: bool) -> np.ndarray:
    """Cell edges around sorted centres: midpoints (geometric when ``log``), the ends mirrored."""
    v = np.log10(values) if log else np.asarray(values, dtype=float)
    if len(v) == 1:
        edges = np.array([v[0] - 0.5, v[0] + 0.5])
    else:
        mids = (v[1:] + v[:-1]) / 2
        edges = np.concatenate([[v[0] - (mids[0] - v[0])], mids, [v[-1] + (v[-1] - mids[-1])]])
    return 10.0 ** edges if log else edges
