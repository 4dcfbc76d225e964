"""Sweeps: outcome probabilities over a grid, split into seeded chunks, cached, on any Executor.

A grid cell is (k, p, r/r_b, κ, η multiple): the invariants that fix the outcome law of GD
(theory.invariants) and the patch size p the initialization is drawn for, ``inf`` for the limit
φ₀ = π/2. By default (family ``canonical``) a cell's teacher is
``theory.invariants.canonical_teacher(k, r, κ)``, so every p of one (k, r, κ) is the same
teacher and P_∞ over (k, r/r_b, κ) is one command; family ``random`` keeps the earlier teachers
(a random one per (k, p, ratio) cell, whose κ is whatever it draws: recorded, not chosen).
Initial points are drawn in reduced coordinates (theory.initialization), so a cell with k or p
= 10⁶ costs no more memory per run than one with k = p = 2;
its runs are split into chunks whose seeds depend only on (seed, cell, chunk index). Counts are
summed over chunks, so the numbers do not depend on the number of workers or on the order in
which chunks finish. Finished chunks are cached on disk under a hash of their configuration
(written atomically, with a checksum): an interrupted sweep resumes without recomputing them,
and a corrupted entry is detected and recomputed, never trusted.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import itertools
import json
import math
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import Executor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from checks.instances import a_star_with_ratio, boundary_ratio
from checks.registry import rng_for
from checks.stats import clopper_pearson
from theory import Teacher, dynamics, initialization, invariants

CACHE_VERSION = 5   # bump when a chunk's computation changes meaning (5: κ axis, families, p = ∞)
# Limits that a 24 GB machine serves with room to spare: a teacher of k = p = 10⁷ holds 240 MB of
# vectors per worker process; a chunk of 2²⁰ runs holds ~60 MB of reduced states.
MAX_DIMENSION = 10**7
MAX_RUNS = 10**9
MAX_CHUNK_RUNS = 1 << 20
STEPS = 400_000     # a run's steps before it counts as undecided (GD's time scale grows like k)


FAMILIES = ("canonical", "random")


@dataclass(frozen=True)
class Grid:
    ks: tuple[int, ...] = (2, 4, 8)
    ps: tuple[float, ...] = (6,)                                        # integers, or math.inf
    ratios: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 0.9, 1.1, 1.5)   # × the boundary (k+π−1)/π
    eta_multiples: tuple[float, ...] = (1.0, 2.0)                       # × dynamics.default_eta
    runs: int = 2000
    chunk_runs: int = 500
    seed: int = 0
    kappas: tuple[float, ...] = (1.0,)    # (‖w*‖‖a*‖/‖v₀‖)²; the family's own when family = random
    family: str = "canonical"
    v0_norm: float = initialization.DEFAULT_V0_NORM

    def __post_init__(self):
        if self.family not in FAMILIES:
            raise ValueError(f"family must be one of {', '.join(FAMILIES)}, got {self.family!r}")
        if self.family == "random" and self.kappas != (1.0,):
            raise ValueError("family random draws its own teachers, whose κ is recorded, not chosen: "
                             "leave kappas out, or use family canonical")
        if not self.kappas or any(not (isinstance(x, (int, float)) and 1e-6 <= x <= 1e8) for x in self.kappas):
            raise ValueError("kappas must be numbers in [1e-6, 1e8]")
        initialization.sphere_radius(self.v0_norm)
        if not self.ks or any(k < 1 for k in self.ks):
            raise ValueError("ks must be integers >= 1")
        if not self.ratios or any(not r >= 0 for r in self.ratios):
            raise ValueError("ratios must be numbers >= 0")
        if not self.eta_multiples or any(not 0 < e <= 1e100 for e in self.eta_multiples):
            raise ValueError("eta multiples must be positive and at most 1e100")
        if any(not math.isfinite(r) or r > 1e6 for r in self.ratios):
            raise ValueError("ratios must be finite multiples of the boundary, at most 1e6")
        if any(d > MAX_DIMENSION for d in self.ks + tuple(p for p in self.ps if p != math.inf)):
            raise ValueError(f"ks and ps must be at most {MAX_DIMENSION:,} (a teacher's vectors, 8 bytes an "
                             "entry, must fit in a worker's memory)")
        if self.runs > MAX_RUNS or self.chunk_runs > MAX_CHUNK_RUNS:
            raise ValueError(f"runs must be at most {MAX_RUNS:,} per cell and chunk_runs at most {MAX_CHUNK_RUNS:,}")
        if not self.ps or any(p != math.inf and (p < 1 or p != int(p)) for p in self.ps):
            raise ValueError("ps must be integers >= 1, or inf")
        if self.family == "random" and math.inf in self.ps:
            raise ValueError("family random draws a teacher of dimension p: use family canonical for p = inf")
        if self.runs < 1 or self.chunk_runs < 1 or self.seed < 0:
            raise ValueError("runs and chunk_runs must be >= 1 and seed >= 0")

    def cells(self) -> list[tuple]:
        """(k, p, ratio, κ, η multiple) of every cell."""
        return list(itertools.product(self.ks, self.ps, self.ratios, self.kappas, self.eta_multiples))

    def chunks(self):
        per_cell = math.ceil(self.runs / self.chunk_runs)
        return [(cell, i, min(self.chunk_runs, self.runs - i * self.chunk_runs))
                for cell in self.cells() for i in range(per_cell)]


def cell_r(k: int, ratio: float) -> float:
    """r = ratio × r_b, capped at its largest value k (k = 1: r is always 1)."""
    return 1.0 if k == 1 else min(ratio * boundary_ratio(k), float(k))


def cell_teacher(grid: Grid, k: int, p: float, ratio: float, kappa: float = 1.0) -> Teacher:
    """The teacher of a cell, from the seed and the cell alone. ``canonical``: the one teacher of
    (k, r, κ) for ‖v₀‖ = grid.v0_norm, whatever p (p changes only the initialization's law);
    ``random``: w* uniform on the unit sphere of Rᵖ and a random a* with the cell's r, a new one
    per (k, p, ratio), of norm e^U, U ~ U(−1, 1)."""
    if grid.family == "canonical":
        return invariants.canonical_teacher(k, cell_r(k, ratio), kappa, v0_norm=grid.v0_norm)
    rng = rng_for(grid.seed, "sweep-teacher", k, int(p), repr(ratio))
    w = rng.standard_normal(int(p))
    return Teacher(w / np.linalg.norm(w), a_star_with_ratio(k, min(ratio * boundary_ratio(k), k), rng))


def cell_eta(grid: Grid, teacher: Teacher, eta_multiple: float) -> float:
    return eta_multiple * dynamics.default_eta(teacher, grid.v0_norm)


def run_chunk(grid: Grid, cell: tuple, index: int, runs: int) -> dict:
    """Outcome counts of one chunk (a pure function of its arguments)."""
    k, p, ratio, kappa, eta_multiple = cell
    teacher = cell_teacher(grid, k, p, ratio, kappa)
    rng = rng_for(grid.seed, "sweep-runs", k, repr(p), repr(ratio), repr(kappa), repr(eta_multiple), index)
    return dynamics.outcome_counts(teacher, runs, rng, eta=cell_eta(grid, teacher, eta_multiple), max_steps=STEPS,
                                   p=p, v0_norm=grid.v0_norm)


def chunk_key(grid: Grid, cell: tuple, index: int, runs: int) -> str:
    config = {"version": CACHE_VERSION, "kind": "outcome-counts", "seed": grid.seed, "family": grid.family,
              "v0_norm": repr(grid.v0_norm), "cell": [cell[0], repr(cell[1]), *(repr(x) for x in cell[2:])],
              "chunk": index, "runs": runs, "steps": STEPS}
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


class ChunkCache:
    """One JSON file per finished chunk: {"key", "runs", "counts", "checksum"}. An entry is used
    only when its checksum matches, it names the chunk asked for, and its counts are non-negative
    integers for every outcome summing to the chunk's runs; anything else is discarded (with a
    warning) and recomputed."""

    def __init__(self, directory: Path, warn: Callable[[str], None] = lambda line: None):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.corrupted = 0
        self.warn = warn

    @staticmethod
    def _checksum(key: str, runs: int, counts: dict) -> str:
        return hashlib.sha256(json.dumps([key, runs, counts], sort_keys=True).encode()).hexdigest()

    def get(self, key: str, runs: int) -> dict | None:
        path = self.directory / f"{key}.json"
        if not path.exists():
            return None
        try:
            entry = json.loads(path.read_text())
            counts = entry["counts"]
            valid = (entry["key"] == key and entry["runs"] == runs
                     and entry["checksum"] == self._checksum(key, runs, counts)
                     and set(counts) == set(dynamics.OUTCOMES)
                     and all(type(v) is int and v >= 0 for v in counts.values())
                     and sum(counts.values()) == runs)
            if valid:
                return counts
        except (ValueError, KeyError, TypeError, OSError, AttributeError):
            pass
        self.corrupted += 1
        self.warn(f"sweep: discarding the damaged cache entry {path.name}; recomputing its chunk")
        path.unlink(missing_ok=True)
        return None

    def put(self, key: str, runs: int, counts: dict) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump({"key": key, "runs": runs, "counts": counts,
                           "checksum": self._checksum(key, runs, counts)}, handle)
            os.replace(tmp, self.directory / f"{key}.json")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def cache_when_done(cache: ChunkCache, key: str, runs: int, future) -> None:
    """Cache a chunk the moment it finishes (so an interrupted sweep keeps it); a cancelled or
    failed chunk is left alone — asking a cancelled future for its exception would raise."""
    if not future.cancelled() and future.exception() is None:
        cache.put(key, runs, future.result())


def run_sweep(grid: Grid, executor: Executor, cache: ChunkCache,
              progress: Callable[[int, int], None] = lambda done, total: None) -> dict:
    """Counts per cell, from the cache where possible and the executor otherwise; ``progress``
    is told (chunks done, chunks in all) as chunks finish."""
    chunks = grid.chunks()
    counts = {cell: dict.fromkeys(dynamics.OUTCOMES, 0) for cell in grid.cells()}
    pending, done, cached = {}, 0, 0
    for cell, index, runs in chunks:
        key = chunk_key(grid, cell, index, runs)
        hit = cache.get(key, runs)
        if hit is None:
            future = executor.submit(run_chunk, grid, cell, index, runs)
            future.add_done_callback(functools.partial(cache_when_done, cache, key, runs))
            pending[future] = (cell, key)
        else:
            cached += 1
            done += 1
            for name, value in hit.items():
                counts[cell][name] += value
    progress(done, len(chunks))
    for future in as_completed(pending):
        cell, _ = pending[future]
        result = future.result()
        for name, value in result.items():
            counts[cell][name] += value
        done += 1
        progress(done, len(chunks))
    alpha = 1e-3 / len(counts)
    rows = [cell_row(grid, cell, c, alpha) for cell, c in counts.items()]
    return {"grid": grid_json(grid), "rows": rows, "chunks": len(chunks), "from_cache": cached,
            "corrupted_cache_entries": cache.corrupted, "confidence": 1 - alpha,
            "thresholds": thresholds(grid)}


def json_p(p: float):
    """p for JSON, which has no infinity: the string "inf" for the limit."""
    return "inf" if p == math.inf else int(p)


def grid_json(grid: Grid) -> dict:
    return {**asdict(grid), "ps": [json_p(p) for p in grid.ps]}


def cell_row(grid: Grid, cell: tuple, c: dict, alpha: float) -> dict:
    """A cell's counts, probabilities with exact intervals at 1 − α each, and the invariants of the
    teacher that ran (for family random: its own r and κ, which the grid did not choose)."""
    k, p, ratio, kappa, eta_multiple = cell
    teacher = cell_teacher(grid, k, p, ratio, kappa)
    eta = cell_eta(grid, teacher, eta_multiple)
    inv = invariants.of(teacher, grid.v0_norm, eta)
    n = sum(c.values())
    row = {"k": k, "p": json_p(p), "ratio_over_boundary": ratio, "eta_multiple": eta_multiple, **c, "runs": n}
    for outcome in dynamics.OUTCOMES:
        lo, hi = clopper_pearson(c[outcome], n, alpha)
        row[f"p_{outcome}"], row[f"p_{outcome}_low"], row[f"p_{outcome}_high"] = c[outcome] / n, lo, hi
    row["ci_low"], row["ci_high"] = row["p_global_low"], row["p_global_high"]       # the earlier keys, kept
    return {**row, "family": grid.family, "kappa_asked": kappa if grid.family == "canonical" else None,
            "r": inv.r, "ratio_actual": inv.ratio_over_boundary, "kappa": inv.kappa, "eta": eta,
            "eta_fraction": inv.eta_fraction, "v0_norm": grid.v0_norm}


def thresholds(grid: Grid) -> list[dict]:
    """κ*(k, r) brackets for the grid's (k, ratio) with a spurious minimum (0 < ratio < 1), at the
    default η and ‖v₀‖ = 1 — where P_∞(spurious) turns positive (canonical family only)."""
    if grid.family != "canonical":
        return []
    rows = []
    for k in grid.ks:
        for ratio in grid.ratios:
            if k > 1 and 0 < ratio < 1:
                found = invariants.spurious_threshold(k, cell_r(k, ratio))
                rows.append({"k": k, "r": found.r, "ratio_over_boundary": ratio, "kappa_low": found.kappa_low,
                             "kappa_high": found.kappa_high})
    return rows


def write_outputs(result: dict, out_dir: Path) -> list[Path]:
    """sweep.json, sweep.csv, sweep.svg and — for a grid with several ratios and κ — map.svg,
    written together (atomically)."""
    from checks.report import write_atomically
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = result["rows"]
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    files = {out_dir / "sweep.json": json.dumps(result, indent=2) + "\n", out_dir / "sweep.csv": table.getvalue()}
    files.update({out_dir / name: figure.svg for name, figure in sweep_figures(result).items()})
    write_atomically(files)
    return list(files)


def same_teacher_key(row: dict) -> tuple:
    """What makes two rows the same teacher up to the outcome law: family and (k, r, κ) for the
    canonical family (p only changes the initialization), and the cell itself for family random."""
    if row["family"] == "random":
        return ("random", row["k"], row["p"], row["ratio_over_boundary"])
    return ("canonical", row["k"], float(f"{row['r']:.12g}"), float(f"{row['kappa']:.12g}"), row["eta_multiple"])


def sweep_figures(result: dict) -> dict:
    """{"sweep.svg": probabilities against p or the ratio} plus {"map.svg": P(spurious) over
    (r/r_b, κ)} when the grid has at least two of each."""
    grid = result["grid"]
    figures = {"sweep.svg": probability_figure(result)}
    if len(grid["ratios"]) > 1 and len(grid["kappas"]) > 1 and grid["family"] == "canonical":
        figures["map.svg"] = map_figure(result)
    return figures


def _p_value(p) -> float:
    return math.inf if p == "inf" else float(p)


def probability_figure(result: dict):
    """P(global) and P(spurious) with exact intervals. Along p (two or more finite p): one line per
    teacher, its p = ∞ value as a dashed level of the same colour; otherwise against the ratio,
    markers only — each point there is another teacher, and a line would join them."""
    from checks.figures import legend_outside, new_figure, series_style, to_figure
    rows = result["rows"]
    finite_ps = sorted({_p_value(r["p"]) for r in rows} - {math.inf})
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
        label = (f"k = {first['k']:,}, r/r_b = {first['ratio_over_boundary']:g}, κ = {first['kappa']:.3g}"
                 if along_p else f"k = {first['k']:,}, p = {first['p']}, κ = "
                 + ("own" if first["family"] == "random" else f"{first['kappa_asked']:g}"))
        label += f", η = {first['eta_multiple']:g}×"
        finite = sorted((r for r in members if r["p"] != "inf"), key=lambda r: _p_value(r["p"]))
        limit = [r for r in members if r["p"] == "inf"]
        for ax, outcome in zip(axes[0], ("global", "spurious"), strict=True):
            points = finite if along_p else sorted(members, key=lambda r: r["ratio_over_boundary"])
            x = [_p_value(r["p"]) if along_p else r["ratio_over_boundary"] for r in points]
            y = [r[f"p_{outcome}"] for r in points]
            err = [[r[f"p_{outcome}"] - r[f"p_{outcome}_low"] for r in points],
                   [r[f"p_{outcome}_high"] - r[f"p_{outcome}"] for r in points]]
            ax.errorbar(x, y, yerr=err, color=style["color"], marker=style["marker"], markersize=4, capsize=2,
                        linestyle=style["linestyle"] if joined else "none",
                        label=label if outcome == "global" else None)
            if along_p and limit:
                ax.axhline(limit[0][f"p_{outcome}"], color=style["color"], linestyle="--", linewidth=1)
        if joined:
            lines.append({"label": label, "teachers": sorted({str(same_teacher_key(r)) for r in finite})})
    for ax, outcome in zip(axes[0], ("global", "spurious"), strict=True):
        if along_p:
            ax.set_xscale("log")
            ax.set_xlabel("patch size p (dashed: p = ∞)")
        else:
            ax.axvline(1.0, color="gray", linestyle=":")
            ax.set_xlabel("r/r_b: (1ᵀa*)²/‖a*‖² over (k + π − 1)/π")
        ax.set_ylabel(f"P({outcome}) (Clopper–Pearson)")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(f"P({outcome})")
    axes[0, 0].axhline(0.25, color="black", linestyle=":", linewidth=1)
    legend_outside(axes[0, 1], handles=axes[0, 0].get_legend_handles_labels()[0],
                   labels=axes[0, 0].get_legend_handles_labels()[1])
    runs = sum(r["runs"] for r in rows)
    lowest = min(rows, key=lambda r: r["p_global"])
    highest = max(rows, key=lambda r: r["p_spurious"])
    how = ("one line per teacher (fixed k, r, κ) along p, its p = ∞ value dashed" if along_p
           else "one marker per cell, each cell its own teacher (no lines)")
    caption = (f"{len(rows)} cells, {runs:,} runs, family {rows[0]['family']}; {how}; intervals at confidence "
               f"{result['confidence']:.6f} each. Lowest P(global) {lowest['p_global']:.3f} (k = {lowest['k']:,}, "
               f"p = {lowest['p']}, r/r_b = {lowest['ratio_over_boundary']:g}, κ = {lowest['kappa']:.3g}); highest "
               f"P(spurious) {highest['p_spurious']:.3f} (k = {highest['k']:,}, p = {highest['p']}, "
               f"r/r_b = {highest['ratio_over_boundary']:g}, κ = {highest['kappa']:.3g}). Dotted: the "
               "reconstructed 1/4.")
    figure = to_figure(fig, "Outcome probabilities over the grid", caption)
    figure.lines.extend(lines)
    return figure


MAP_PANELS = 6


def map_figure(result: dict):
    """P(spurious) as colour over (r/r_b, κ), one panel per k, at the grid's largest p (p = ∞ when
    present) and first η multiple, with κ*(k, r) as brackets joined per k."""
    from matplotlib.colors import Normalize

    from checks.figures import new_figure, to_figure
    grid, rows = result["grid"], result["rows"]
    p_shown = "inf" if "inf" in grid["ps"] else max(grid["ps"])
    eta_shown = grid["eta_multiples"][0]
    ks = list(grid["ks"])[:MAP_PANELS]
    fig, axes = new_figure(ncols=len(ks), width=3.6 * len(ks) + 1.0, height=3.8)
    ratios, kappas = sorted(grid["ratios"]), sorted(grid["kappas"])
    # columns evenly spaced, one per ratio of the grid (κ* is computed at those ratios); rows on log κ
    x_edges, y_edges = np.arange(len(ratios) + 1) - 0.5, _edges(kappas, log=True)
    shown = [r for r in rows if r["p"] == p_shown and r["eta_multiple"] == eta_shown and r["k"] in ks]
    top = max(0.5, max(r["p_spurious"] for r in shown))
    norm = Normalize(0.0, top)
    mesh = None
    for ax, k in zip(axes[0], ks, strict=True):
        values = np.full((len(kappas), len(ratios)), np.nan)
        for r in shown:
            if r["k"] == k:
                values[kappas.index(r["kappa_asked"]), ratios.index(r["ratio_over_boundary"])] = r["p_spurious"]
        mesh = ax.pcolormesh(x_edges, y_edges, values, cmap="viridis", norm=norm, shading="flat")
        for i, kappa in enumerate(kappas):
            for j in range(len(ratios)):
                if np.isfinite(values[i, j]):     # "0": not one spurious run in the cell
                    ax.text(j, kappa, f"{values[i, j]:.2f}" if values[i, j] > 0 else "0", ha="center",
                            va="center", fontsize="x-small", color="white" if values[i, j] < 0.6 * top else "black")
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
    bar.set_label(f"P(spurious) at p = {shown_p}")
    cells = len(shown)
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
               "P_∞(spurious) > 0, but the spurious runs start near the rim of the paper's ball, where its law "
               "puts little mass when k is large: a cell can be above κ* and see none).")
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


def output_names(out_dir: Path) -> list[Path]:
    """The files a sweep writes into ``out_dir`` (map.svg only for some grids)."""
    return [Path(out_dir) / name for name in ("sweep.json", "sweep.csv", "sweep.svg", "map.svg")]
