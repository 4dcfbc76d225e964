"""`theorycheck sweep`: grid cells (checks.experiments.cells) on a process pool or a Dask cluster, cached on disk.

Finished chunks are cached under a hash of their configuration (written atomically, with a
checksum): an interrupted sweep resumes without recomputing them, and a corrupted entry is
detected and recomputed, never trusted. The outputs — sweep.json, sweep.csv, sweep.svg and, for
a grid with several ratios and κ, map.svg — are written together.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from checks.app.files import write_atomically
from checks.app.guards import read_json

# the sweep's computation, named here as the sweep's own: its grid, its run, its chunks' keys
from checks.experiments.cells import Grid, GridResult, cache_when_done, cell_teacher, chunk_key
from checks.experiments.cells import run_grid as run_sweep
from checks.experiments.counts import OutcomeCounts
from checks.experiments.quadrature_cells import QuadratureResult
from checks.figures import outcomes as outcome_figures
from checks.figures.quadrature import quadrature_map_figure
from checks.verdicts.outcome import Figure
from theory import dynamics

__all__ = ["ChunkCache", "Grid", "GridResult", "cache_when_done", "cell_teacher", "chunk_key", "map_figure",
           "output_names", "probability_figure", "run_sweep", "sweep_figures", "write_outputs"]

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
        path.unlink(missing_ok=True)
        return None

    def put(self, key: str, runs: int, counts: OutcomeCounts) -> None:
        by_name = counts.to_json()
        entry = {"key": key, "runs": runs, "counts": by_name, "checksum": self._checksum(key, runs, by_name)}
        write_atomically({self.directory / f"{key}.json": json.dumps(entry)}, durable=False)


def _read_entry(path: Path) -> Any:
    """A cache entry, read like any untrusted JSON (a FIFO or a huge file is a damaged entry, not a hang)."""
    return read_json(path, "sweep cache entry", max_bytes=1 << 16)


def write_outputs(result: GridResult | QuadratureResult, out_dir: Path) -> list[Path]:
    """sweep.json, sweep.csv and the figures — sampled: sweep.svg and, for a grid with several
    ratios and κ, map.svg; by quadrature: map.svg — written together (atomically)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    document = result.to_json()
    rows = document["rows"]
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    files = {out_dir / "sweep.json": json.dumps(document, indent=2) + "\n", out_dir / "sweep.csv": table.getvalue()}
    figures = ({"map.svg": quadrature_map_figure(result)} if isinstance(result, QuadratureResult)
               else sweep_figures(result))
    files.update({out_dir / name: figure.svg for name, figure in figures.items()})
    write_atomically(files)
    return list(files)


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
