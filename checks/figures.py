"""Figures as inline SVG: matplotlib (Agg, no display), deterministic output, no external fonts."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from checks.registry import Figure  # noqa: E402

_STYLE = {
    "svg.hashsalt": "theorycheck",   # stable element ids: same seed, same bytes
    "svg.fonttype": "path",          # glyphs as paths: renders identically offline
    "figure.figsize": (6.4, 4.0),
    "axes.grid": True,
    "grid.alpha": 0.3,
}


def new_figure(ncols: int = 1, width: float = 6.4, height: float = 4.0):
    with plt.rc_context(_STYLE):
        return plt.subplots(1, ncols, figsize=(width, height), squeeze=False)


def to_figure(fig, title: str, caption: str) -> Figure:
    """Render and close ``fig``; the SVG is stripped of its XML prologue to sit inside HTML."""
    buffer = io.StringIO()
    with plt.rc_context(_STYLE):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    return Figure(title, caption, svg)
