"""Outcome probabilities of a relaxed setting against the population engine's: one marker pair
(P(global), P(spurious)) per configuration with its exact interval, the population's P(spurious)
interval as a band — the figure of the claims that train on samples (beyond-sgd, real-network)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from checks.figures.render import PALETTE, legend_outside, new_figure, to_figure
from checks.verdicts.cases import Record
from checks.verdicts.outcome import Figure

__all__ = ["against_population_figure"]


def against_population_figure(rows: Sequence[Record], labels: Sequence[str], x_label: str, title: str,
                              caption: str) -> Figure:
    """P(global) and P(spurious) of each row (Estimate-like values under "p_global" and
    "p_spurious": estimate, low, high) at the x position of its label, beside the band of the
    first row's "population_p_spurious" interval."""
    fig, axes = new_figure()
    ax = axes[0, 0]
    x = np.arange(len(rows))
    for offset, (key, colour, label) in enumerate((("p_global", PALETTE[0], "P(global)"),
                                                   ("p_spurious", PALETTE[1], "P(spurious)"))):
        y = np.array([r[key].estimate for r in rows])
        errors = np.array([[r[key].estimate - r[key].low for r in rows], [r[key].high - r[key].estimate for r in rows]])
        ax.errorbar(x + (offset - 0.5) * 0.1, y, yerr=errors, fmt="o", color=colour, label=label, capsize=3)
    population = rows[0]["population_p_spurious"]
    ax.axhspan(population.low, population.high, color=PALETTE[1], alpha=0.2, label="population P(spurious)")
    ax.set_xticks(x, list(labels))
    ax.set_xlabel(x_label)
    ax.set_ylabel("probability")
    ax.set_title(title)
    legend_outside(ax)
    return to_figure(fig, title, caption)
