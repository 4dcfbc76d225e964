"""Figures as inline SVG: matplotlib (Agg, no display), deterministic output, no external fonts."""

from __future__ import annotations

import dataclasses
import hashlib
import html
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np

__all__ = [
    "MARKERS",
    "MAX_FIGURE_ROWS",
    "OUTCOME_COLOURS",
    "PALETTE",
    "SeriesStyle",
    "axis_labels",
    "colour_labels",
    "data_points",
    "figure_series",
    "legend_outside",
    "log_ticks_at",
    "look_alike_series",
    "margins_figure",
    "new_figure",
    "series_style",
    "tick_label_overlaps",
    "to_figure",
]

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import ticker
from matplotlib.collections import LineCollection, PathCollection, QuadMesh
from matplotlib.colors import to_hex
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure as MplFigure
from matplotlib.patches import Rectangle
from matplotlib.rcsetup import cycler

from checks.verdicts.cases import FAIL, Part
from checks.verdicts.outcome import Figure, FigureLine, Series
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


def _colour(value) -> str:
    try:
        colours = np.atleast_2d(value) if not isinstance(value, str) else [value]
        return to_hex(colours[0], keep_alpha=False) if len(colours) else ""
    except (ValueError, TypeError, IndexError):
        return ""


def _label(artist, kind: str, index: int, containers: dict[int, str] | None = None) -> str:
    """An artist's legend label — or its container's (errorbar and bar put the label there) — else
    its kind and number on the panel."""
    label = (containers or {}).get(id(artist)) or str(artist.get_label() or "")
    return label if label and not label.startswith("_") else f"{kind} {index + 1}"


def _container_labels(ax) -> dict[int, str]:
    """{id of an artist: the label of the errorbar or bar container it belongs to}."""
    labels = {}
    for container in ax.containers:
        label = str(container.get_label() or "")
        if label.startswith("_"):
            continue
        members = [container.lines[0]] if isinstance(container, ErrorbarContainer) else list(container)
        labels.update({id(m): label for m in members if m is not None})
    return labels


def _rows(*columns) -> tuple[tuple[float, ...], ...]:
    """Rows of the given columns with every value finite (points a figure cannot draw are not data)."""
    table = np.column_stack([np.asarray(c, dtype=float).ravel() for c in columns]) if columns else np.empty((0, 0))
    return tuple(map(tuple, table[np.isfinite(table).all(axis=1)].tolist()))


def _marker_key(collection) -> str:
    """A scatter's marker, named by the shape of its path (matplotlib keeps the path, not the name)."""
    paths = collection.get_paths()
    if not paths:
        return ""
    vertices = np.round(paths[0].vertices, 6)
    # a digest, not hash(): Python salts hash() per process, and figures must not depend on the process
    return "path:" + hashlib.sha256(vertices.tobytes()).hexdigest()[:8]


def _error_bars(ax) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """{id of an error bar's data line: (low, high) of its vertical bars} for every errorbar of ``ax``."""
    bars = {}
    for container in ax.containers:
        if not isinstance(container, ErrorbarContainer):
            continue
        data_line, _, bar_collections = container.lines
        for collection in bar_collections:
            segments = [np.asarray(s) for s in collection.get_segments()]
            vertical = [s for s in segments if len(s) == 2 and s[0, 0] == s[1, 0]]
            if data_line is not None and vertical and len(vertical) == len(segments):
                bars[id(data_line)] = (np.array([s[:, 1].min() for s in vertical]),
                                       np.array([s[:, 1].max() for s in vertical]))
    return bars


def figure_series(fig) -> tuple[Series, ...]:
    """The data of every series the plotting axes of ``fig`` draw, as drawn (:class:`Series`): lines
    (with the low and high ends of their error bars), scatters, reference levels (axhline, axvline),
    coloured cells (pcolormesh), images, bars and the paths of contours and filled areas."""
    out: list[Series] = []
    plotting = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    for number, ax in enumerate(plotting):
        panel = ax.get_title() or f"panel {number + 1}"
        x_label, y_label = ax.get_xlabel(), ax.get_ylabel() or (plotting[0].get_ylabel() if plotting else "")
        data = ax.transData
        bars = _error_bars(ax)
        owners = _container_labels(ax)
        consumed = {id(c) for container in ax.containers if isinstance(container, ErrorbarContainer)
                    for c in container.lines[2]}
        # an error bar's caps are lines of their own to matplotlib, and part of the bar to a reader
        caps = {id(c) for container in ax.containers if isinstance(container, ErrorbarContainer)
                for c in container.lines[1]}

        def add(kind, label, columns, rows, colour="", marker="", linestyle=""):
            if rows:
                out.append(Series(panel, label, kind, x_label, y_label, tuple(columns), rows, colour,  # noqa: B023
                                  marker, linestyle))
        for i, line in enumerate(ax.lines):
            if id(line) in caps:
                continue
            x, y = (np.asarray(v, dtype=float) for v in line.get_data())
            style = (_colour(line.get_color()), str(line.get_marker()), str(line.get_linestyle()))
            if line.get_transform().contains_branch(data):
                if id(line) in bars and len(bars[id(line)][0]) == len(x):
                    low, high = bars[id(line)]
                    add("line", _label(line, "line", i, owners), ("x", "y", "y_low", "y_high"), _rows(x, y, low, high),
                        *style)
                else:
                    add("line", _label(line, "line", i, owners), ("x", "y"), _rows(x, y), *style)
            else:     # a reference level across the axes: axhline (y in data units) or axvline (x)
                along_x, along_y = line.get_transform().contains_branch_seperately(data)
                if along_y and not along_x:
                    add("level", _label(line, "level", i), ("y",), _rows(y[:1]), *style)
                elif along_x and not along_y:
                    add("level", _label(line, "level", i), ("x",), _rows(x[:1]), *style)
        for i, collection in enumerate(ax.collections):
            if id(collection) in consumed:
                continue
            label = _label(collection, "series", i)
            values = collection.get_array()
            if isinstance(collection, QuadMesh):
                corners: Any = np.asarray(collection.get_coordinates(), dtype=float)
                centre = (corners[:-1, :-1] + corners[1:, 1:]) / 2
                cells: Any = np.ma.filled(np.ma.asarray(values, dtype=float), np.nan).reshape(centre.shape[:2])
                add("cells", label, ("x", "y", "value"), _rows(centre[..., 0], centre[..., 1], cells))
            elif isinstance(collection, PathCollection) and collection.get_offset_transform().contains_branch(data) \
                    and np.size(collection.get_offsets()):
                offsets = np.asarray(collection.get_offsets(), dtype=float)
                marker = _marker_key(collection)
                colour = _colour(collection.get_facecolor()) or _colour(collection.get_edgecolor())
                if values is not None and np.size(values) == len(offsets):
                    add("points", label, ("x", "y", "value"), _rows(offsets[:, 0], offsets[:, 1], values),
                        colour, marker)
                else:
                    add("points", label, ("x", "y"), _rows(offsets[:, 0], offsets[:, 1]), colour, marker)
            elif collection.get_transform().contains_branch(data):
                paths = collection.get_paths()
                same = values is not None and np.size(values) == len(paths)
                levels = np.asarray(values, dtype=float) if same else None
                kind = "segments" if isinstance(collection, LineCollection) else "paths"
                columns = [np.concatenate([np.full(len(p.vertices), levels[j] if levels is not None else j)
                                           for j, p in enumerate(paths)]) if paths else np.empty(0)]
                vertices = np.concatenate([p.vertices for p in paths]) if paths else np.empty((0, 2))
                add(kind, label, ("value" if levels is not None else "path", "x", "y"),
                    _rows(columns[0], vertices[:, 0], vertices[:, 1]), _colour(collection.get_edgecolor()))
        rectangles = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_transform().contains_branch(data)]
        if rectangles:
            by_label: dict[str, list[Rectangle]] = {}
            for patch in rectangles:
                by_label.setdefault(owners.get(id(patch)) or str(patch.get_label() or ""), []).append(patch)
            for i, (name, group) in enumerate(by_label.items()):
                label = name if name and not name.startswith("_") else f"bars {i + 1}"
                add("bars", label, ("x", "width", "bottom", "height"),
                    _rows([p.get_x() for p in group], [p.get_width() for p in group], [p.get_y() for p in group],
                          [p.get_height() for p in group]), _colour(group[0].get_facecolor()))
        for i, image in enumerate(ax.images):
            array: Any = np.ma.filled(np.ma.asarray(image.get_array(), dtype=float), np.nan)
            if array.ndim != 2:
                continue
            left, right, bottom, top = image.get_extent()
            rows_, cols_ = array.shape
            xs = left + (np.arange(cols_) + 0.5) * (right - left) / cols_
            ys = bottom + (np.arange(rows_) + 0.5) * (top - bottom) / rows_
            grid_x, grid_y = np.meshgrid(xs, ys)
            add("image", _label(image, "image", i), ("x", "y", "value"), _rows(grid_x, grid_y, array))
    return _thinned(out)


# A figure's data travels twice (claims.json, and the page's CSV link): a figure of 200
# trajectories of 3,000 steps each would add 20 MB. Beyond this many rows in all, each series is
# thinned evenly to its share (its ends kept), as its drawing is at the figure's resolution.
MAX_FIGURE_ROWS = 5_000


def _thinned(series: list[Series]) -> tuple[Series, ...]:
    total = sum(len(s.rows) for s in series)
    if total <= MAX_FIGURE_ROWS:
        return tuple(series)
    share = max(50, MAX_FIGURE_ROWS // len(series))
    out = []
    for s in series:
        if len(s.rows) > share:
            keep = np.unique(np.linspace(0, len(s.rows) - 1, share).round().astype(int))
            s = dataclasses.replace(s, rows=tuple(s.rows[i] for i in keep), drawn_rows=len(s.rows))
        out.append(s)
    return tuple(out)


_UNLABELLED = re.compile(r"(line|level|series|bars|image) \d+")


def look_alike_series(series: Iterable[Series]) -> list[tuple[str, str, str]]:
    """(panel, label, label) of two differently labelled series of one panel drawn alike — the same
    colour, marker and line style — which a reader cannot tell apart by the legend. Series without
    a legend entry of their own (named "line 3" by :func:`figure_series`: the trajectories of one
    outcome, drawn alike on purpose under one entry) are not compared; reference levels and cells
    are told apart by their position, so only lines and points count."""
    seen: dict[tuple, str] = {}
    clashes = []
    for s in series:
        if s.kind not in ("line", "points") or _UNLABELLED.fullmatch(s.label):
            continue
        key = (s.panel, s.colour, s.marker, s.linestyle)
        if key in seen and seen[key] != s.label:
            clashes.append((s.panel, seen[key], s.label))
        seen.setdefault(key, s.label)
    return clashes


def to_figure(fig: MplFigure, title: str, caption: str, lines: Iterable[FigureLine] = ()) -> Figure:
    """Render and close ``fig``. The SVG is stripped of its XML prologue to sit inside HTML and
    labelled (role="img", aria-label) with its title and every axis label, which its glyphs —
    drawn as paths — do not expose to screen readers or to the browser test; ``data-points`` says
    how many data points it draws (:func:`data_points`, 0 for an empty figure). ``lines`` are the
    lines it draws through points, with their teachers."""
    described = [f"x: {x}; y: {y}" for x, y in axis_labels(fig)]
    points = data_points(fig)
    series = figure_series(fig)
    described += [f"colour: {label}" for label in colour_labels(fig)]
    buffer = io.StringIO()
    with plt.rc_context(_STYLE):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buffer.getvalue()
    label = html.escape(f"{title}. " + " | ".join(described), quote=True)
    svg = f'<svg role="img" aria-label="{label}" data-points="{points}"' + svg[svg.index("<svg") + len("<svg"):]
    return Figure(title, caption, svg, tuple(lines), series)
