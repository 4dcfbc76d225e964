"""The figures of outcome probabilities over grid cells (checks.experiments.cells rows): the sweep's and the
dynamic claims' — one drawing, so a sweep and a claim show the same evidence the same way."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.colors import Normalize

from checks.figures.render import legend_outside, new_figure, series_style, to_figure


def same_teacher_key(row: dict) -> tuple:
    """What makes two rows the same teacher up to the outcome law: family and (k, r, κ) for the
    canonical family (p only changes the initialization), and the cell itself for family random."""
    if row["family"] == "random":
        return ("random", row["k"], row["p"], row["ratio_over_boundary"])
    return ("canonical", row["k"], float(f"{row['r']:.12g}"), float(f"{row['kappa']:.12g}"), row["eta_multiple"])


def p_value(p) -> float:
    return math.inf if p == "inf" else float(p)


def probability_figure(result: dict, bounds: dict | None = None):
    """P(global) and P(spurious) with exact intervals. Along p (two or more finite p): one line per
    teacher, its p = ∞ value as a dashed level of the same colour; otherwise against the ratio,
    markers only — each point there is another teacher, and a line would join them."""
    rows = result["rows"]
    finite_ps = sorted({p_value(r["p"]) for r in rows} - {math.inf})
    along_p = len(finite_ps) > 1
    fig, axes = new_figure(ncols=2, width=10.0, height=4.0)
    series: dict[tuple, list[dict]] = {}
    for row in rows:
        key = same_teacher_key(row) if along_p else (row["k"], row["p"], row["kappa_asked"], row["eta_multiple"])
        series.setdefault(key, []).append(row)
    lines = []
    for index, (_, members) in enumerate(sorted(series.items(), key=lambda item: str(item[0]))):
        style = series_style(index)
        first = members[0]
        joined = along_p and first["family"] == "canonical"
        name = f"{first['name']}: " if first.get("name") else ""
        label = (f"{name}k = {first['k']:,}, r/r_b = {first['ratio_over_boundary']:.3g}, κ = {first['kappa']:.3g}"
                 if along_p else f"k = {first['k']:,}, p = {first['p']}, κ = "
                 + ("own" if first["family"] == "random" else f"{first['kappa_asked']:g}"))
        label += f", η = {first['eta_multiple']:g}×"
        finite = sorted((r for r in members if r["p"] != "inf"), key=lambda r: p_value(r["p"]))
        limit = [r for r in members if r["p"] == "inf"]
        for ax, outcome in zip(axes[0], ("global", "spurious"), strict=True):
            points = finite if along_p else sorted(members, key=lambda r: r["ratio_over_boundary"])
            x = [p_value(r["p"]) if along_p else r["ratio_over_boundary"] for r in points]
            y = [r[f"p_{outcome}"] for r in points]
            err = [[r[f"p_{outcome}"] - r[f"p_{outcome}_low"] for r in points],
                   [r[f"p_{outcome}_high"] - r[f"p_{outcome}"] for r in points]]
            ax.errorbar(x, y, yerr=err, color=style["color"], marker=style["marker"], markersize=4, capsize=2,
                        linestyle=style["linestyle"] if joined else "none",
                        label=label if outcome == "global" else None)
            if along_p and limit:
                ax.axhline(limit[0][f"p_{outcome}"], color=style["color"], linestyle="-.", linewidth=1)
        if joined:
            lines.append({"label": label, "teachers": sorted({str(same_teacher_key(r)) for r in finite})})
    for ax, outcome in zip(axes[0], ("global", "spurious"), strict=True):
        if along_p:
            ax.set_xscale("log")
            ax.set_xlabel("patch size p (dash-dotted level: p = ∞)")
        else:
            ax.axvline(1.0, color="gray", linestyle=":")
            ax.set_xlabel("r/r_b: (1ᵀa*)²/‖a*‖² over (k + π − 1)/π")
        ax.set_ylabel(f"P({outcome}) (Clopper–Pearson)")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(f"P({outcome})")
    bounds = {"global": (0.25, "the reconstructed 1/4")} if bounds is None else bounds
    for ax, outcome in zip(axes[0], ("global", "spurious"), strict=True):
        if outcome in bounds:
            ax.axhline(bounds[outcome][0], color="black", linestyle=":", linewidth=1)
    legend_outside(axes[0, 1], handles=axes[0, 0].get_legend_handles_labels()[0],
                   labels=axes[0, 0].get_legend_handles_labels()[1])
    runs = sum(r["runs"] for r in rows)
    lowest = min(rows, key=lambda r: r["p_global"])
    highest = max(rows, key=lambda r: r["p_spurious"])
    how = ("one line per teacher (fixed k, r, κ) along p, its p = ∞ value a dash-dotted level" if along_p
           else "one marker per cell, each cell its own teacher (no lines)")
    named = sorted({r["name"] for r in rows if r.get("name")})
    family = rows[0]["family"] + (f" (with the named points {', '.join(named)})" if named else "")
    caption = (f"{len(rows)} cells, {runs:,} runs, family {family}; {how}; intervals at confidence "
               f"{result['confidence']:.6f} each. Lowest P(global) {lowest['p_global']:.3f} (k = {lowest['k']:,}, "
               f"p = {lowest['p']}, r/r_b = {lowest['ratio_over_boundary']:g}, κ = {lowest['kappa']:.3g}); highest "
               f"P(spurious) {highest['p_spurious']:.3f} (k = {highest['k']:,}, p = {highest['p']}, "
               f"r/r_b = {highest['ratio_over_boundary']:g}, κ = {highest['kappa']:.3g}). A point is an estimate, "
               "its bar the exact interval. " + " ".join(f"Dotted on P({o}): {label} ({value:g})."
                                                        for o, (value, label) in bounds.items()))
    figure = to_figure(fig, "Outcome probabilities over the grid", caption)
    figure.lines.extend(lines)
    return figure


MAP_PANELS = 6


def map_figure(result: dict, outcome: str = "spurious"):
    """P(``outcome``) as colour over (r/r_b, κ), one panel per k, at the grid's largest p (p = ∞ when
    present) and first η multiple, with κ*(k, r) as brackets joined per k."""
    grid, rows = result["grid"], result["rows"]
    p_shown = "inf" if "inf" in grid["ps"] else max(grid["ps"])
    eta_shown = grid["eta_multiples"][0]
    ks = list(grid["ks"])[:MAP_PANELS]
    fig, axes = new_figure(ncols=len(ks), width=3.6 * len(ks) + 1.0, height=3.8)
    ratios, kappas = sorted(grid["ratios"]), sorted(grid["kappas"])
    # columns evenly spaced, one per ratio of the grid (κ* is computed at those ratios); rows on log κ
    x_edges, y_edges = np.arange(len(ratios) + 1) - 0.5, _edges(kappas, log=True)
    shown = [r for r in rows if r["p"] == p_shown and r["eta_multiple"] == eta_shown and r["k"] in ks]
    key = f"p_{outcome}"
    top = max(0.5, max(r[key] for r in shown))
    vmax = 1.0 if outcome == "global" else top
    norm = Normalize(0.0, vmax)
    mesh = None
    for ax, k in zip(axes[0], ks, strict=True):
        values = np.full((len(kappas), len(ratios)), np.nan)
        for r in shown:
            if r["k"] == k:
                values[kappas.index(r["kappa_asked"]), ratios.index(r["ratio_over_boundary"])] = r[key]
        mesh = ax.pcolormesh(x_edges, y_edges, values, cmap="viridis", norm=norm, shading="flat")
        for i, kappa in enumerate(kappas):
            for j in range(len(ratios)):
                if np.isfinite(values[i, j]):     # "0": not one spurious run in the cell
                    ax.text(j, kappa, f"{values[i, j]:.2f}" if values[i, j] > 0 else "0", ha="center",
                            va="center", fontsize="x-small",
                            color="white" if values[i, j] < 0.6 * vmax else "black")
        found = sorted((t for t in result["thresholds"] if t["k"] == k), key=lambda t: t["ratio_over_boundary"])
        if found:
            middle = [math.sqrt(t["kappa_low"] * t["kappa_high"]) for t in found]
            ax.errorbar([ratios.index(t["ratio_over_boundary"]) for t in found], middle,
                        yerr=[[m - t["kappa_low"] for m, t in zip(middle, found, strict=True)],
                              [t["kappa_high"] - m for m, t in zip(middle, found, strict=True)]],
                        color="#D55E00", marker="D", markersize=5, linestyle="-", linewidth=1.5, capsize=3,
                        label="κ*(k, r)")
            ax.legend(loc="upper left", fontsize="x-small")
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
    shown_p = "∞" if p_shown == "inf" else f"{p_shown:,}"
    bar.set_label(f"P({outcome}) at p = {shown_p}")
    cells = len(shown)
    if outcome != "spurious":
        low = min(shown, key=lambda r: r[key])
        caption = (f"P({outcome}) of GD from the paper's initialization at p = {shown_p}, η = {eta_shown:g}× the "
                   f"default, canonical teachers; {cells} cells of {shown[0]['runs']:,} runs each; lowest "
                   f"{low[key]:.3f} (k = {low['k']:,}, r/r_b = {low['ratio_over_boundary']:g}, "
                   f"κ = {low['kappa']:.3g}).")
        return to_figure(fig, f"P({outcome}) over the invariants", caption)
    zero = sum(r["spurious"] == 0 for r in shown)
    above = [r for r in shown if any(t["k"] == r["k"] and t["ratio_over_boundary"] == r["ratio_over_boundary"]
                                     and r["kappa"] > t["kappa_high"] for t in result["thresholds"])]
    below = [r for r in shown if any(t["k"] == r["k"] and t["ratio_over_boundary"] == r["ratio_over_boundary"]
                                     and r["kappa"] < t["kappa_low"] for t in result["thresholds"])]
    caption = (f"P(spurious) of GD from the paper's initialization at p = {shown_p}, η = {eta_shown:g}× the default, "
               f"canonical teachers; {cells} cells of {shown[0]['runs']:,} runs each; {zero} cells with no spurious "
               f"run. Orange: the bracket of κ*(k, r) from theory.invariants.spurious_threshold. Cells below κ*: "
               f"{len(below)}, of which {sum(r['spurious'] > 0 for r in below)} with a spurious run; cells above "
               f"κ*: {len(above)}, of which {sum(r['spurious'] > 0 for r in above)} with a spurious run (above κ*, "
               "P_∞(spurious) > 0, but the spurious runs start in the outer part of the paper's ball, where its law "
               "puts little mass when k is large: a cell can be above κ* and see none).")
    unplaced = sum(1 for r in shown if not any(t["k"] == r["k"] for t in result["thresholds"]))
    if unplaced:
        caption += f" {unplaced} cells are at k without a computed κ*: not placed against it."
    if len(grid["ks"]) > MAP_PANELS:
        caption += f" Only the first {MAP_PANELS} of {len(grid['ks'])} k are drawn."
    return to_figure(fig, "Where GD can reach the spurious minimum", caption)


def _edges(values: list[float], log: bool) -> np.ndarray:
    """Cell edges around sorted centres: midpoints (geometric when ``log``), the ends mirrored."""
    v = np.log10(values) if log else np.asarray(values, dtype=float)
    if len(v) == 1:
        edges = np.array([v[0] - 0.5, v[0] + 0.5])
    else:
        mids = (v[1:] + v[:-1]) / 2
        edges = np.concatenate([[v[0] - (mids[0] - v[0])], mids, [v[-1] + (v[-1] - mids[-1])]])
    return 10.0 ** edges if log else edges
