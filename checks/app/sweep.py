"""`theorycheck sweep`: grid cells (checks.experiments.cells) on a process pool or a Dask cluster, cached on disk.

Finished chunks are cached under a hash of their configuration (written atomically, with a
checksum): an interrupted sweep resumes without recomputing them, and a corrupted entry is
detected and recomputed, never trusted. The outputs — sweep.json, sweep.csv, sweep.svg and, for
a grid with several ratios and κ, map.svg — are written together, with a manifest written last.

Finished work is never lost: the runs' outputs are written as soon as the chunks are done, before
the κ* brackets (a search that can fail: runs still undecided at its step cap); a bracket that
cannot be found is recorded as "not found, because …" (:class:`ThresholdNotFound`), and the
outputs are then written again with the brackets.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checks.app.files import publish, write_atomically
from checks.app.guards import read_json

# the sweep's computation, named here as the sweep's own: its grid, its run, its chunks' keys
from checks.experiments.cells import Grid, GridResult, Threshold, cache_when_done, cell_r, cell_teacher, chunk_key
from checks.experiments.cells import run_grid as run_sweep
from checks.experiments.counts import OutcomeCounts
from checks.experiments.quadrature_cells import QuadratureResult
from checks.figures import outcomes as outcome_figures
from checks.figures.quadrature import quadrature_map_figure
from checks.verdicts.outcome import Figure
from theory import dynamics, invariants

__all__ = ["MANIFEST", "ChunkCache", "Grid", "GridResult", "ThresholdNotFound", "cache_when_done", "cell_teacher",
           "chunk_key", "map_figure", "output_names", "probability_figure", "run_sweep", "sweep_figures",
           "thresholds", "write_outputs"]

MANIFEST = "sweep-manifest.json"   # written last: names the files of one sweep

map_figure, probability_figure = outcome_figures.map_figure, outcome_figures.probability_figure


class ChunkCache:
    """One JSON file per finished chunk: {"key", "runs", "counts", "checksum"}. An entry is used
    only when its checksum matches, it names the chunk asked for, and its counts are non-negative
    integers for every outcome summing to the chunk's runs; anything else is discarded (with a
    warning) and recomputed."""

    def __init__(self, directory: Path, warn: Callable[[str], None] = lambda line: None):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.corrupted = 0
        self.failure: OSError | None = None   # the first put that failed (checks.experiments.cells)
        self.warn = warn

    @staticmethod
    def _checksum(key: str, runs: int, counts: dict[str, int]) -> str:
        return hashlib.sha256(json.dumps([key, runs, counts], sort_keys=True).encode()).hexdigest()

    def get(self, key: str, runs: int) -> OutcomeCounts | None:
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
                return OutcomeCounts.of_names(counts)
        except (ValueError, KeyError, TypeError, OSError, AttributeError):
            pass
        self.corrupted += 1
        self.warn(f"sweep: discarding the damaged cache entry {path.name}; recomputing its chunk")
        # a directory in its place too (unlink raised IsADirectoryError after the warning, before)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        return None

    def put(self, key: str, runs: int, counts: OutcomeCounts) -> None:
        by_name = counts.to_json()
        entry = {"key": key, "runs": runs, "counts": by_name, "checksum": self._checksum(key, runs, by_name)}
        write_atomically({self.directory / f"{key}.json": json.dumps(entry)}, durable=False)


def _read_entry(path: Path) -> Any:
    """A cache entry, read like any untrusted JSON (a FIFO or a huge file is a damaged entry, not a hang)."""
    return read_json(path, "sweep cache entry", max_bytes=1 << 16)


@dataclass(frozen=True)
class ThresholdNotFound:
    """A κ*(k, r) bracket the search could not find, and why (the search's own words)."""

    k: int
    r: float
    ratio_over_boundary: float
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"k": self.k, "r": self.r, "ratio_over_boundary": self.ratio_over_boundary,
                "found": False, "reason": self.reason}


def thresholds(grid: Grid, progress: Callable[[str], None] = lambda line: None
               ) -> tuple[tuple[Threshold, ...], tuple[ThresholdNotFound, ...]]:
    """κ*(k, r) brackets for the grid's (k, ratio) with a spurious minimum (0 < ratio < 1), at the
    default η and ‖v₀‖ = 1 (canonical family only), as :func:`checks.experiments.cells.thresholds`
    — except that a bracket the search cannot find (``invariants.spurious_threshold`` raises
    ValueError: runs undecided at its step cap, a ball too small to move) is returned as
    :class:`ThresholdNotFound` with the reason, never raised after the sweep's runs."""
    if grid.family != "canonical":
        return (), ()
    found: list[Threshold] = []
    missing: list[ThresholdNotFound] = []
    for k in grid.ks:
        for ratio in grid.ratios:
            if k > 1 and 0 < ratio < 1:
                r = cell_r(k, ratio)
                progress(f"κ*(k = {k:,}, r/r_b = {ratio:g}) …")
                try:
                    bracket = invariants.spurious_threshold(k, r)
                except (ValueError, ArithmeticError) as exc:
                    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                    missing.append(ThresholdNotFound(k, r, ratio, reason))
                else:
                    found.append(Threshold(k, bracket.r, ratio, bracket.kappa_low, bracket.kappa_high))
    return tuple(found), tuple(missing)


def write_outputs(result: GridResult | QuadratureResult, out_dir: Path,
                  not_found: Sequence[ThresholdNotFound] = ()) -> list[Path]:
    """sweep.json, sweep.csv and the figures — sampled: sweep.svg and, for a grid with several
    ratios and κ, map.svg; by quadrature: map.svg — written together (atomically), then the
    manifest naming them. ``not_found``: the κ* brackets that could not be found, each with its
    reason (sweep.json's ``thresholds_not_found``). The caller holds the folder's lock."""
    out_dir.mkdir(parents=True, exist_ok=True)
    document = result.to_json()
    document["thresholds_not_found"] = [t.to_json() for t in not_found]
    rows = document["rows"]
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    files = {"sweep.json": json.dumps(document, indent=2) + "\n", "sweep.csv": table.getvalue()}
    figures = ({"map.svg": quadrature_map_figure(result)} if isinstance(result, QuadratureResult)
               else sweep_figures(result))
    files.update({name: figure.svg for name, figure in figures.items()})
    publish(out_dir, files, MANIFEST)
    return [out_dir / name for name in files]


def sweep_figures(result: GridResult) -> dict[str, Figure]:
    """{"sweep.svg": probabilities against p or the ratio} plus {"map.svg": P(spurious) over
    (r/r_b, κ)} when the grid has at least two of each."""
    axes = result.axes
    figures = {"sweep.svg": outcome_figures.probability_figure(result)}
    if len(axes.ratios) > 1 and len(axes.kappas) > 1 and axes.family == "canonical":
        figures["map.svg"] = outcome_figures.map_figure(result)
    return figures


def output_names(out_dir: Path) -> list[Path]:
    """The files a sweep writes into ``out_dir`` (map.svg only for some grids)."""
    return [Path(out_dir) / name for name in ("sweep.json", "sweep.csv", "sweep.svg", "map.svg")]
