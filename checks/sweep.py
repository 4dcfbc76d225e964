"""Sweeps: a claim's measurement over a grid, split into seeded chunks, cached, on any Executor.

Each grid cell (k, p, ratio, η multiple) fixes a teacher from the master seed and the cell alone;
its initial points are drawn in reduced coordinates (theory.initialization), so a cell with k or p
= 10⁶ costs no more memory per run than one with k = p = 2;
its runs are split into chunks whose seeds depend only on (seed, cell, chunk index). Counts are
summed over chunks, so the numbers do not depend on the number of workers or on the order in
which chunks finish. Finished chunks are cached on disk under a hash of their configuration
(written atomically, with a checksum): an interrupted sweep resumes without recomputing them,
and a corrupted entry is detected and recomputed, never trusted.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
import os
import sys
import tempfile
import time
from concurrent.futures import Executor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from checks.instances import a_star_with_ratio, boundary_ratio
from checks.registry import rng_for
from checks.stats import clopper_pearson
from theory import Teacher, dynamics

CACHE_VERSION = 4   # bump when a chunk's computation changes meaning (4: entries bound to their chunk)
# Limits that a 24 GB machine serves with room to spare: a teacher of k = p = 10⁷ holds 240 MB of
# vectors per worker process; a chunk of 2²⁰ runs holds ~60 MB of reduced states.
MAX_DIMENSION = 10**7
MAX_RUNS = 10**9
MAX_CHUNK_RUNS = 1 << 20
STEPS = 400_000     # a run's steps before it counts as undecided (GD's time scale grows like k)


@dataclass(frozen=True)
class Grid:
    ks: tuple[int, ...] = (2, 4, 8)
    ps: tuple[int, ...] = (6,)
    ratios: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 0.9, 1.1, 1.5)   # × the boundary (k+π−1)/π
    eta_multiples: tuple[float, ...] = (1.0, 2.0)                       # × dynamics.default_eta
    runs: int = 2000
    chunk_runs: int = 500
    seed: int = 0

    def __post_init__(self):
        if not self.ks or any(k < 1 for k in self.ks):
            raise ValueError("ks must be integers >= 1")
        if not self.ratios or any(not 0 <= r for r in self.ratios):
            raise ValueError("ratios must be numbers >= 0")
        if not self.eta_multiples or any(not 0 < e <= 1e100 for e in self.eta_multiples):
            raise ValueError("eta multiples must be positive and at most 1e100")
        if any(not math.isfinite(r) or r > 1e6 for r in self.ratios):
            raise ValueError("ratios must be finite multiples of the boundary, at most 1e6")
        if any(d > MAX_DIMENSION for d in self.ks + self.ps):
            raise ValueError(f"ks and ps must be at most {MAX_DIMENSION:,} (a teacher's vectors, 8 bytes an "
                             "entry, must fit in a worker's memory)")
        if self.runs > MAX_RUNS or self.chunk_runs > MAX_CHUNK_RUNS:
            raise ValueError(f"runs must be at most {MAX_RUNS:,} per cell and chunk_runs at most {MAX_CHUNK_RUNS:,}")
        if not self.ps or any(p < 1 for p in self.ps):
            raise ValueError("ps must be integers >= 1")
        if self.runs < 1 or self.chunk_runs < 1 or self.seed < 0:
            raise ValueError("runs and chunk_runs must be >= 1 and seed >= 0")

    def cells(self):
        return list(itertools.product(self.ks, self.ps, self.ratios, self.eta_multiples))

    def chunks(self):
        per_cell = math.ceil(self.runs / self.chunk_runs)
        return [(cell, i, min(self.chunk_runs, self.runs - i * self.chunk_runs))
                for cell in self.cells() for i in range(per_cell)]


def cell_teacher(grid: Grid, k: int, p: int, ratio: float) -> Teacher:
    """The teacher of a cell: (1ᵀa*)²/‖a*‖² = ratio × (k+π−1)/π (capped at k), from the seed alone."""
    rng = rng_for(grid.seed, "sweep-teacher", k, p, repr(ratio))
    w = rng.standard_normal(p)
    return Teacher(w / np.linalg.norm(w), a_star_with_ratio(k, min(ratio * boundary_ratio(k), k), rng))


def run_chunk(grid: Grid, cell: tuple, index: int, runs: int) -> dict:
    """Outcome counts of one chunk (a pure function of its arguments)."""
    k, p, ratio, eta_multiple = cell
    teacher = cell_teacher(grid, k, p, ratio)
    rng = rng_for(grid.seed, "sweep-runs", k, p, repr(ratio), repr(eta_multiple), index)
    return dynamics.outcome_counts(teacher, runs, rng, eta=eta_multiple * dynamics.default_eta(teacher),
                                   max_steps=STEPS)


def chunk_key(grid: Grid, cell: tuple, index: int, runs: int) -> str:
    config = {"version": CACHE_VERSION, "kind": "success-probability", "seed": grid.seed,
              "cell": [cell[0], cell[1], repr(cell[2]), repr(cell[3])], "chunk": index, "runs": runs,
              "steps": STEPS}
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
            entry = _read_entry(path)
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


def _read_entry(path: Path):
    """A cache entry, read like any untrusted JSON (a FIFO or a huge file is a damaged entry, not a hang)."""
    from checks.guards import read_json
    return read_json(path, "sweep cache entry", max_bytes=1 << 16)


def cache_when_done(cache: ChunkCache, key: str, runs: int, future) -> None:
    """Cache a chunk the moment it finishes (so an interrupted sweep keeps it); a cancelled or
    failed chunk is left alone — asking a cancelled future for its exception would raise."""
    if not future.cancelled() and future.exception() is None:
        try:
            cache.put(key, runs, future.result())
        except OSError as exc:   # full or read-only: run_sweep stops with one line (not a traceback per chunk)
            cache.failure = getattr(cache, "failure", None) or exc


def _progress_line(done: int, total: int, start: float) -> str:
    elapsed = time.perf_counter() - start
    eta = f"{elapsed / done * (total - done):5.0f} s" if done else "    ? s"
    width = 30
    bar = "#" * int(width * done / total) + "-" * (width - int(width * done / total))
    return f"\r[{bar}] {done}/{total} chunks, ETA {eta}"


def run_sweep(grid: Grid, executor: Executor, cache: ChunkCache,
              progress: Callable[[str], None] = lambda line: None) -> dict:
    """Counts per cell, from the cache where possible and the executor otherwise."""
    from checks.guards import sweep_grid_problem
    if sweep_grid_problem(grid):   # too many chunks to build, or a ratio its teacher cannot have
        raise ValueError(sweep_grid_problem(grid))
    chunks = grid.chunks()
    counts = {cell: dict.fromkeys(dynamics.OUTCOMES, 0) for cell in grid.cells()}
    pending, done, start, cached = {}, 0, time.perf_counter(), 0
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
    progress(_progress_line(done, len(chunks), start))
    for future in as_completed(pending):
        if getattr(cache, "failure", None) is not None:
            from checks.guards import InfrastructureError
            raise InfrastructureError(f"the sweep cache {cache.directory} cannot be written ({cache.failure}); stopped")
        cell, _ = pending[future]
        result = future.result()
        for name, value in result.items():
            counts[cell][name] += value
        done += 1
        progress(_progress_line(done, len(chunks), start))
    progress("\n")
    rows = []
    for (k, p, ratio, eta_multiple), c in counts.items():
        n = sum(c.values())
        lo, hi = clopper_pearson(c["global"], n, 1e-3 / len(counts))
        rows.append({"k": k, "p": p, "ratio_over_boundary": ratio, "eta_multiple": eta_multiple, **c, "runs": n,
                     "p_global": c["global"] / n, "ci_low": lo, "ci_high": hi,
                     "p_spurious": c["spurious"] / n})
    return {"grid": asdict(grid), "rows": rows, "chunks": len(chunks), "from_cache": cached,
            "corrupted_cache_entries": cache.corrupted}


def write_outputs(result: dict, out_dir: Path) -> list[Path]:
    """sweep.json, sweep.csv and sweep.svg, each written atomically."""
    from checks.report import write_atomically
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = result["rows"]
    header = list(rows[0])
    csv = "\n".join([",".join(header)] + [",".join(str(r[h]) for h in header) for r in rows]) + "\n"
    files = {out_dir / "sweep.json": json.dumps(result, indent=2) + "\n", out_dir / "sweep.csv": csv,
             out_dir / "sweep.svg": sweep_figure(result).svg}
    write_atomically(files)
    return list(files)


def sweep_figure(result: dict):
    """P(global) with its interval against the ratio — or against p when the grid has a p axis
    and a single ratio — one line per remaining combination of the other axes."""
    from checks.figures import new_figure, to_figure
    fig, axes = new_figure(width=7.2)
    ax = axes[0, 0]
    rows = result["rows"]
    along_p = len({r["p"] for r in rows}) > 1 and len({r["ratio_over_boundary"] for r in rows}) == 1
    axis, other = ("p", "ratio_over_boundary") if along_p else ("ratio_over_boundary", "p")
    lines = sorted({(r["k"], r[other], r["eta_multiple"]) for r in rows})
    markers = "osD^vP*X"
    for index, (k, value, eta) in enumerate(lines):
        chosen = sorted((r for r in rows if (r["k"], r[other], r["eta_multiple"]) == (k, value, eta)),
                        key=lambda r: r[axis])
        label = f"k = {k:,}, {'ratio' if along_p else 'p'} = {value:g}, η = {eta:g}×default"
        ax.errorbar([r[axis] for r in chosen], [r["p_global"] for r in chosen],
                    yerr=[[r["p_global"] - r["ci_low"] for r in chosen], [r["ci_high"] - r["p_global"] for r in chosen]],
                    marker=markers[index % len(markers)], markersize=4, capsize=2, label=label)
    ax.axhline(0.25, color="black", linestyle="--", label="reconstructed bound 1/4")
    if along_p:
        ax.set_xscale("log")
        ax.set_xlabel("patch size p")
    else:
        ax.axvline(1.0, color="gray", linestyle=":", label="spurious-minimum boundary")
        ax.set_xlabel("ratio/boundary: (1ᵀa*)²/‖a*‖² divided by (k + π − 1)/π")
    ax.set_ylabel("P(global) (Clopper–Pearson interval)")
    ax.set_ylim(0, 1.02)
    ax.set_title("Success probability over the grid")
    ax.legend(fontsize="x-small", loc="center left", bbox_to_anchor=(1.02, 0.5))
    runs = sum(r["runs"] for r in rows)
    return to_figure(fig, "Success probability over the grid", f"Paper's initialization, drawn in reduced "
                     f"coordinates; one teacher per cell; {len(rows)} cells, {runs:,} runs; lowest P(global) "
                     f"{min(r['p_global'] for r in rows):.3f}.")


def stderr_progress(line: str) -> None:
    sys.stderr.write(line)
    sys.stderr.flush()
