"""The figures of `two-phase`: where the speedup after T₁ is "much faster", and T₁ against p.

Drawn from the rows and runs of :mod:`checks.experiments.phase_runs` (the claim's evidence rows,
with the design's estimates beside the seed's, :mod:`checks.experiments.design`).
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.ticker import NullLocator

from checks.experiments.design import DESIGN_SAFETY
from checks.experiments.phase_runs import RELAX_E_FOLDS, Configuration, Grid
from checks.figures.render import new_figure, series_style, to_figure
from checks.verdicts.cases import FAIL, PASS, UNDECIDED
from checks.verdicts.estimates import Estimate, Requirement
from checks.verdicts.outcome import Figure, FigureLine

__all__ = ["speedup_figure", "t1_figure"]


def _number(x: float) -> str:
    return f"{x:g}"


def _p_text(p) -> str:
    return "∞" if p == "inf" else f"{int(p):,}"


def speedup_figure(teachers: dict, grid: Grid, requirement: Requirement, family_alpha: float,
                   key: str = "design_speedup") -> Figure:
    """Per k, a map over (κ, r/r_b): colour the teacher's least median speedup over p, text each p's;
    ``key`` "design_speedup" (judged: Phase I from step 0, on the seed-free design) or
    "speedup_after_transient" (shown: Phase I from the step where the output layer's 1ᵀa mode has
    relaxed, on the seed's runs); a configuration decided by ``requirement``, the sampled intervals
    at family-wise error ``family_alpha``."""
    median = f"{key}_median"

    def status_of(rows: list[dict]) -> str:
        statuses = [requirement.decide(Estimate(r[median], r[f"{key}_low"], r[f"{key}_high"], "sampled"))
                    if median in r else UNDECIDED for r in rows]
        return FAIL if FAIL in statuses else PASS if all(x == PASS for x in statuses) else UNDECIDED
    ks, kappas = grid.k, list(grid.kappa)
    ratios = sorted({rows[0]["ratio_over_boundary"] for rows in teachers.values()})
    fig, axes = new_figure(ncols=len(ks), width=len(ks) * (1.0 * len(kappas) + 0.9) + 1.0,
                           height=2.4 + 1.0 * len(ratios))
    values = [r.get(median, 0.0) for rows in teachers.values() for r in rows]
    finite = [v for v in values if 0 < v < math.inf] or [1.0]
    low, high = math.log10(min(finite)), math.log10(max(finite))
    centre = math.log10(requirement.threshold)
    norm = TwoSlopeNorm(centre, min(low, centre - 0.1), max(high, centre + 0.1))
    image = None
    for ax, k in zip(axes[0], ks, strict=True):
        grid_values = np.full((len(ratios), len(kappas)), np.nan)
        for (kk, _, kappa), rows in teachers.items():
            if kk != k:
                continue
            i, j = ratios.index(rows[0]["ratio_over_boundary"]), kappas.index(kappa)
            least = min(r.get(median, 0.0) for r in rows)
            grid_values[i, j] = math.log10(min(max(least, 10 ** low), 10 ** high))
            text = "\n".join(f"p = {_p_text(r['p'])}: {r.get(median, math.nan):.2f}" for r in rows)
            mark = {PASS: "holds", FAIL: "fails", UNDECIDED: "?"}[status_of(rows)]
            shade = float(norm(grid_values[i, j]))
            ax.text(j, i, f"{mark}\n{text}", ha="center", va="center", fontsize=5.5,
                    color="white" if shade < 0.15 or shade > 0.85 else "black")
        image = ax.imshow(grid_values, cmap="RdBu", norm=norm, origin="lower", aspect="auto")
        ax.set_xticks(range(len(kappas)), [_number(c) for c in kappas])
        ax.set_yticks(range(len(ratios)), [f"{r:.2g}" for r in ratios])
        ax.set_xlabel("κ = (‖w*‖‖a*‖/‖v₀‖)²")
        ax.set_title(f"k = {k:,}", fontsize="medium")
        ax.grid(False)
    axes[0, 0].set_ylabel("r/r_b  (r = (1ᵀa*)²/‖a*‖²)")
    bar = fig.colorbar(image, ax=list(axes[0]), shrink=0.9)
    bar.set_label(f"log₁₀ least median speedup over p (white: {requirement.threshold:g})")
    judged = key == "design_speedup"
    fig.suptitle("Speedup after T₁ over before, by teacher" + ("" if judged else
                                                              " — Phase I from the relaxed output layer"))
    holding = sum(status_of(r) == PASS for r in teachers.values())
    failing = sum(status_of(r) == FAIL for r in teachers.values())
    runs = sum(r["design_global" if judged else "global"] for rows in teachers.values() for r in rows)
    title = "Where 'much faster' holds" if judged else "'Much faster' with Phase I from the relaxed output layer"
    lead = ("" if judged else "Shown, not judged: Phase I's mean per-step decrease of log ℓ taken from the step "
            f"where the output layer's fast 1ᵀa mode has relaxed ({RELAX_E_FOLDS:g} e-folds of |1 − ηλ₁|, "
            "fixed before the data; a run whose T₁ comes earlier counts as 0). ")
    over = (f"the global runs of that configuration's seed-free design ({runs:,} global runs in all; T₁ = 0 counts "
            "as 0)" if judged else f"all that configuration's global runs from the seed ({runs:,} runs in all; T₁ = 0 "
            "counts as 0)")
    decided = (f"by the design's interval (median ± {DESIGN_SAFETY:g} × its last changes; estimated by quadrature)"
               if judged else f"by the sampled interval, family-wise error {family_alpha:g}")
    return to_figure(fig, title, lead + f"One cell per teacher (k, r/r_b, κ); its text gives, per p, the median "
                     f"speedup over {over}; the colour is the least of them. {holding} of {len(teachers)} teachers "
                     f"hold (every p above {requirement.threshold:g} + {requirement.zone:g} {decided}), {failing} "
                     f"fail; medians from {min(values):.2g} to {max(values):.2g}.")


def t1_figure(configurations: list[Configuration]) -> Figure:
    """Median T₁ against p, one line per teacher; p = ∞ as a short dashed level in the teacher's colour and
    marker, drawn at a tick labelled ∞ two decades past the largest finite p."""
    ks = sorted({c.teacher_key[0] for c in configurations})
    fig, axes = new_figure(ncols=len(ks), width=3.4 * len(ks) + 1.6, height=3.8)
    lines: list[FigureLine] = []
    levels, growth, bound_growth = [], [], []
    finite_p = sorted({float(c.row["p"]) for c in configurations if c.row["p"] != "inf"})
    at_limit = (finite_p[-1] if finite_p else 1.0) * 100      # where p = ∞ is drawn (its tick says ∞)
    for ax, k in zip(axes[0], ks, strict=True):
        keys = sorted({c.teacher_key for c in configurations if c.teacher_key[0] == k})
        for index, key in enumerate(keys):
            series = sorted((c for c in configurations if c.teacher_key == key and c.row["p"] != "inf"
                             and "T1_median" in c.row), key=lambda c: float(c.row["p"]))
            limit = next((c for c in configurations if c.teacher_key == key and c.row["p"] == "inf"), None)
            style = series_style(index)
            label = f"r/r_b = {series[0].row['ratio_over_boundary'] if series else 0:.2g}, κ = {_number(key[2])}"
            if series:
                ax.plot([float(c.row["p"]) for c in series], [c.row["T1_median"] for c in series], color=style.color,
                        marker=style.marker, linestyle="-", markersize=4, label=label)
                lines.append(FigureLine(f"k = {k}, {label}", (str(key),)))
                t1s = [c.row["T1_median"] for c in series]
                growth.append(max(t1s) / max(min(t1s), 1))
                bounds = [c.row["bound_median"] for c in series if c.row["bound_median"] != "inf"]
                if len(bounds) == len(series) > 1:
                    bound_growth.append(bounds[-1] / bounds[0])
            if limit is not None and "T1_median" in limit.row:   # a dashed level ending in the teacher's marker
                level = limit.row["T1_median"]
                ax.plot([at_limit / 10, at_limit], [level, level], color=style.color, linestyle="--", linewidth=1)
                ax.plot([at_limit], [level], color=style.color, marker=style.marker, markersize=4,
                        linestyle="none")
                lines.append(FigureLine(f"k = {k}, {label}, p = ∞", (str(key),)))
                levels.append(limit.row["T1_median"])
                if series:
                    t1s = [c.row["T1_median"] for c in series] + [limit.row["T1_median"]]
                    growth[-1] = max(t1s) / max(min(t1s), 1)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks([*finite_p, at_limit], [*(f"{int(p):,}" for p in finite_p), "∞"])
        ax.xaxis.set_minor_locator(NullLocator())      # ticks at the grid's p only (and cheap to draw)
        ax.set_xlabel("patch size p (dashed level: p = ∞)")
        ax.set_title(f"k = {k:,}", fontsize="medium")
    axes[0, 0].set_ylabel("median T₁ over the global runs (steps)")
    handles: dict = {}     # one legend for the teachers of every panel (labels repeat across k)
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    if handles:
        axes[0, -1].legend(list(handles.values()), list(handles), loc="center left", bbox_to_anchor=(1.02, 0.5),
                           fontsize="small")
    fig.suptitle("End of Phase I against p, per teacher")
    figure = to_figure(fig, "T₁ against p, per teacher", "Each line joins the median T₁ (first step with φ < π/4 "
                       "and aᵀa* ≥ ½‖w*‖‖a*‖²) of one teacher (k, r, κ) at the finite p of its series; the dashed "
                       "level with the same colour and marker, at the tick ∞, is that teacher at p = ∞. Across p, "
                       "∞ included, each teacher's median T₁ changes "
                       f"by at most ×{max(growth, default=1):.2g}, while the median reconstructed bound of its "
                       f"theorem-region runs grows ×{min(bound_growth, default=math.nan):.2g} to "
                       f"×{max(bound_growth, default=math.nan):.2g} from the smallest to the largest finite p and is "
                       f"infinite at p = ∞, where the median T₁ is {min(levels, default=math.nan):.0f} to "
                       f"{max(levels, default=math.nan):.0f} steps.", lines)
    return figure
