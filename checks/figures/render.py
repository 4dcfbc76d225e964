"""Figures as inline SVG: matplotlib (Agg, no display), deterministic output, no external fonts."""

from __future__ import annotations

import html
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np

__all__ = ["MARKERS", "OUTCOME_COLOURS", "PALETTE", "SeriesStyle", "axis_labels", "colour_labels", "data_points",
           "legend_outside", "log_ticks_at", "margins_figure", "new_figure", "series_style", "tick_label_overlaps",
           "to_figure"]

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import ticker
from matplotlib.figure import Figure as MplFigure
from matplotlib.rcsetup import cycler

from checks.verdicts.cases import FAIL, Part
from checks.verdicts.outcome import Figure, FigureLine
from theory.decisions import Outcome

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType  # read by the type checker only (not imported at run time)

# Eight colours that stay apart in print and for the common colour-vision deficiencies (Okabe–Ito);
# an axes never carries more series than this.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
MARKERS = "osD^vP*X"
# one colour per GD outcome, in every figure (in the order the figures draw them)
OUTCOME_COLOURS = {Outcome.GLOBAL: PALETTE[0], Outcome.SPURIOUS: PALETTE[1], Outcome.UNDECIDED: PALETTE[6],
                   Outcome.DIVERGED: PALETTE[3]}
_STYLE: dict[RcKeyType, Any] = {
    "svg.hashsalt": "theorycheck",   # stable element ids: same seed, same bytes
    "svg.fonttype": "path",          # glyphs as paths: renders identically offline
    "figure.figsize": (6.4, 4.0),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.prop_cycle": cycler(color=PALETTE),
}


def new_figure(ncols: int = 1, width: float = 6.4, height: float = 4.0):
    with plt.rc_context(_STYLE):
        return plt.subplots(1, ncols, figsize=(width, height), squeeze=False)


@dataclass(frozen=True)
class SeriesStyle:
    """How one series of an axes is drawn: matplotlib's color, marker and linestyle."""

    color: str
    marker: str
    linestyle: str


def series_style(index: int) -> SeriesStyle:
    """Colour, marker and line of the index-th series on one axes: the palette's eight colours with
    their own markers, then the colours again with shifted markers and dashed lines, so that no
    two of the first 64 series look alike."""
    colour, round_ = index % len(PALETTE), index // len(PALETTE)
    return SeriesStyle(PALETTE[colour], MARKERS[(colour + round_) % len(MARKERS)], "-" if round_ == 0 else "--")


def legend_outside(ax, **kwargs) -> None:
    """The legend to the right of the axes, where it cannot cover data."""
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize="small", **kwargs)


def margins_figure(parts: Iterable[Part]) -> Figure:
    """Every case of every part against its requirement: measured/tolerance on a log axis (a case
    passes at or below 1 for an error bound, above 1 for a lower bound). Parts that have no such
    ratio (a requirement of zero, or measurements of zero) are listed in the caption with how many
    of their cases fail and the range measured."""
    fig, axes = new_figure(width=7.2, height=3.8)
    ax = axes[0, 0]
    drawn: list[tuple[str, float, float]] = []
    counted: list[str] = []
    for part in parts:
        ratios = [c.measured / c.tolerance for c in part.cases
                  if c.tolerance > 0 and c.measured > 0 and c.status != "undecided"]
        if not ratios:
            measured = [c.measured for c in part.cases]
            counted.append(f"{part.name}: {len(part.by_status(FAIL))} of {len(part.cases)} cases fail (measured "
                           f"{min(measured, default=0):.3g} to {max(measured, default=0):.3g}, required "
                           f"{'>' if part.lower_bound else '≤'} {part.cases[0].tolerance:g})" if part.cases
                           else f"{part.name}: no cases")
            continue
        index = len(drawn)
        jitter = (np.arange(len(ratios)) % 7 - 3) * 0.04
        style = series_style(index)
        ax.scatter(index + jitter, ratios, s=14, color=style.color, marker=style.marker,
                   label=f"{part.name} ({'>' if part.lower_bound else '≤'} 1)")
        drawn.append((part.name, min(ratios), max(ratios)))
    ax.axhline(1.0, color="black", linestyle="--", linewidth=1, label="requirement")
    ax.set_yscale("log")
    ax.set_xticks(range(len(drawn)), [name for name, _, _ in drawn], rotation=15, ha="right", fontsize="small")
    ax.set_xlim(-0.6, max(len(drawn), 1) - 0.4)
    ax.set_xlabel("part of the claim")
    ax.set_ylabel("measured / tolerance")
    ax.set_title("Every case against its requirement")
    if drawn:
        legend_outside(ax)
    spans = "; ".join(f"{name}: {low:.2g} to {high:.2g}" for name, low, high in drawn)
    caption = f"One dot per case, by part. Range of measured/tolerance — {spans or 'none'}."
    if counted:
        caption += " Not plotted (no ratio to a nonzero requirement): " + "; ".join(counted) + "."
    return to_figure(fig, "Cases against their requirements", caption)


def log_ticks_at(axis, values, integer: bool = False) -> None:
    """Label a log axis at ``values`` only (minor ticks unlabelled): matplotlib labels the minor
    ticks of an axis spanning less than about a decade, and on a short x axis their labels
    ("3×10²4×10²") run into each other."""
    axis.set_major_locator(ticker.FixedLocator(list(values)))
    axis.set_major_formatter(ticker.FuncFormatter(lambda x, _: f"{x:,.0f}" if integer else f"{x:.3g}"))
    axis.set_minor_formatter(ticker.NullFormatter())


def tick_label_overlaps(fig) -> list[tuple[str, str]]:
    """Pairs of visible tick labels of one axis whose rendered boxes overlap (for tests)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    pairs = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t for t in axis.get_ticklabels(minor=False) + axis.get_ticklabels(minor=True)
                      if t.get_visible() and t.get_text()]
            boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels]
            boxes = [(text, box) for text, box in boxes
                     if ax.bbox.x0 - 1 <= (box.x0 + box.x1) / 2 <= ax.bbox.x1 + 1 or axis is ax.yaxis]
            for i, (text, box) in enumerate(boxes):
                pairs += [(text, other) for other, box2 in boxes[i + 1:] if box.overlaps(box2)]
    return pairs


def axis_labels(fig) -> list[tuple[str, str]]:
    """(x label, y label) of every plotting axes of ``fig``, in drawing order; an axes without a
    y label shares the one of the axes before it in its row (panels side by side). Colour bars
    are described by ``colour_labels``. A missing label raises ValueError: a figure whose axes
    do not say what they show is not evidence."""
    labels, row_label, row_top = [], "", None
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            continue
        spec = ax.get_subplotspec()
        top = spec.rowspan.start if spec is not None else ax
        if top != row_top:
            row_label, row_top = "", top
        x, y = ax.get_xlabel(), ax.get_ylabel() or row_label
        if not x or not y:
            raise ValueError(f"axes {ax.get_title()!r} needs an x and a y label (got {x!r}, {y!r})")
        row_label = y
        labels.append((x, y))
    return labels


def colour_labels(fig) -> list[str]:
    return [ax.get_ylabel() or ax.get_xlabel() for ax in fig.axes if ax.get_label() == "<colorbar>"]


def _finite_points(xy) -> int:
    xy = np.asarray(xy, dtype=float)
    return int(np.isfinite(xy).all(axis=-1).sum()) if xy.ndim == 2 and xy.size else 0


def data_points(fig) -> int:
    """How many data points the plotting axes of ``fig`` draw: finite points of lines in data
    coordinates, scatter offsets, vertices of contours and line collections, bars, images — not
    reference lines across an axes (axhline, axvline), ticks, grids or legends. 0 means an empty
    figure."""
    count = 0
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            continue
        data = ax.transData
        count += sum(_finite_points(line.get_xydata()) for line in ax.lines
                     if line.get_transform().contains_branch(data))
        for collection in ax.collections:
            if collection.get_offset_transform().contains_branch(data) and len(collection.get_offsets()):
                count += _finite_points(collection.get_offsets())
            elif collection.get_transform().contains_branch(data):
                count += sum(_finite_points(path.vertices) for path in collection.get_paths())
        count += sum(1 for patch in ax.patches if patch.get_transform().contains_branch(data))
        count += len(ax.images)
    return count


def to_figure(fig: MplFigure, title: str, caption: str, lines: Iterable[FigureLine] = ()) -> Figure:
    """Render and close ``fig``. The SVG is stripped of its XML prologue to sit inside HTML and
    labelled (role="img", aria-label) with its title and every axis label, which its glyphs —
    drawn as paths — do not expose to screen readers or to the browser test; ``data-points`` says
    how many data points it draws (:func:`data_points`, 0 for an empty figure). ``lines`` are the
    lines it draws through points, with their teachers."""
    described = [f"x: {x}; y: {y}" for x, y in axis_labels(fig)]
    points = data_points(fig)
    described += [f"colour: {label}" for label in colour_labels(fig)]
    buffer = io.StringIO()
    with plt.rc_context(_STYLE):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buffer.getvalue()
    label = html.escape(f"{title}. " + " | ".join(described), quote=True)
    svg = f'<svg role="img" aria-label="{label}" data-points="{points}"' + svg[svg.index("<svg") + len("<svg"):]
    return Figure(title, caption, svg, tuple(lines))
