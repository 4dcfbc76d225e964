"""Grid cells of outcome counts: the computation behind `theorycheck sweep` and the dynamic claims.

A grid cell is (k, p, r/r_b, κ, η multiple): the invariants that fix the outcome law of GD
(theory.invariants) and the patch size p the initialization is drawn for, ``inf`` for the limit
φ₀ = π/2. By default (family ``canonical``) a cell's teacher is
``theory.invariants.canonical_teacher(k, r, κ)``, so every p of one (k, r, κ) is the same
teacher; family ``random`` keeps the earlier teachers (a random one per (k, p, ratio) cell, whose
κ is whatever it draws: recorded, not chosen). Initial points are drawn in reduced coordinates
(theory.initialization), so a cell with k or p = 10⁶ costs no more memory per run than one with
k = p = 2. A cell's runs are split into chunks whose seeds depend only on (seed, cell, chunk
index) — never on who asks — so the counts do not depend on the number of workers, on the order
in which chunks finish, or on whether the sweep or a claim computed them.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
from collections.abc import Callable
from concurrent.futures import Executor, Future, as_completed
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from checks.experiments.counts import OutcomeCounts
from checks.experiments.teachers import a_star_with_ratio, boundary_ratio
from checks.verdicts.cases import side
from checks.verdicts.claim import rng_for
from checks.verdicts.errors import InfrastructureError
from checks.verdicts.stats import Proportion
from theory import Teacher, dynamics, initialization, invariants
from theory.decisions import Outcome
from theory.validation import InvalidInput

__all__ = ["CACHE_VERSION", "FAMILIES", "MAX_CHUNK_RUNS", "MAX_DIMENSION", "MAX_RUNS", "MAX_SWEEP_CHUNKS", "STEPS",
           "Axes", "Cache", "CellRow", "Grid", "GridResult", "Threshold", "cache_when_done", "cell_eta", "cell_r",
           "cell_row", "cell_teacher", "chunk_key", "grid_json", "grid_problem", "json_p", "run_chunk", "run_grid",
           "thresholds"]

CACHE_VERSION = 5   # bump when a chunk's computation changes meaning (5: κ axis, families, p = ∞)
# Limits that a 24 GB machine serves with room to spare: a teacher of k = p = 10⁷ holds 240 MB of
# vectors per worker process; a chunk of 2²⁰ runs holds ~60 MB of reduced states.
MAX_DIMENSION = 10**7
MAX_RUNS = 10**9
MAX_CHUNK_RUNS = 1 << 20
MAX_SWEEP_CHUNKS = 100_000    # chunks of one grid: each is a future, a cache lookup and a file
STEPS = 400_000     # a run's steps before it counts as undecided, by default (GD's time scale grows like k)


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
    steps: int = STEPS    # a run's steps before it counts as undecided (part of a chunk's cache key)

    def __post_init__(self):
        if self.family not in FAMILIES:
            raise InvalidInput(f"family must be one of {', '.join(FAMILIES)}, got {self.family!r}")
        if self.family == "random" and self.kappas != (1.0,):
            raise InvalidInput("family random draws its own teachers, whose κ is recorded, not chosen: "
                             "leave kappas out, or use family canonical")
        if not self.kappas or any(not (isinstance(x, (int, float)) and 1e-6 <= x <= 1e8) for x in self.kappas):
            raise InvalidInput("kappas must be numbers in [1e-6, 1e8]")
        initialization.sphere_radius(self.v0_norm)
        if not self.ks or any(k < 1 for k in self.ks):
            raise InvalidInput("ks must be integers >= 1")
        if not self.ratios or any(not r >= 0 for r in self.ratios):
            raise InvalidInput("ratios must be numbers >= 0")
        if not self.eta_multiples or any(not 0 < e <= 1e100 for e in self.eta_multiples):
            raise InvalidInput("eta multiples must be positive and at most 1e100")
        if any(not math.isfinite(r) or r > 1e6 for r in self.ratios):
            raise InvalidInput("ratios must be finite multiples of the boundary, at most 1e6")
        if any(d > MAX_DIMENSION for d in self.ks + tuple(p for p in self.ps if p != math.inf)):
            raise InvalidInput(f"ks and ps must be at most {MAX_DIMENSION:,} (a teacher's vectors, 8 bytes an "
                             "entry, must fit in a worker's memory)")
        if self.runs > MAX_RUNS or self.chunk_runs > MAX_CHUNK_RUNS:
            raise InvalidInput(f"runs must be at most {MAX_RUNS:,} per cell and chunk_runs at most {MAX_CHUNK_RUNS:,}")
        if not self.ps or any(p != math.inf and (p < 1 or p != int(p)) for p in self.ps):
            raise InvalidInput("ps must be integers >= 1, or inf")
        if self.family == "random" and math.inf in self.ps:
            raise InvalidInput("family random draws a teacher of dimension p: use family canonical for p = inf")
        if self.runs < 1 or self.chunk_runs < 1 or self.seed < 0:
            raise InvalidInput("runs and chunk_runs must be >= 1 and seed >= 0")
        if not isinstance(self.steps, int) or not 1 <= self.steps <= 10**9:
            raise InvalidInput("steps must be an integer in [1, 1e9]")

    def cells(self) -> list[tuple]:
        """(k, p, ratio, κ, η multiple) of every cell."""
        return list(itertools.product(self.ks, self.ps, self.ratios, self.kappas, self.eta_multiples))

    def chunks(self):
        per_cell = math.ceil(self.runs / self.chunk_runs)
        return [(cell, i, min(self.chunk_runs, self.runs - i * self.chunk_runs))
                for cell in self.cells() for i in range(per_cell)]


def grid_problem(grid: Grid) -> str:
    """Why a sweep grid cannot be run as asked ("" when it can): too many chunks to hold, or a
    ratio that a cell's teacher cannot have (it would be measured at another ratio, but labelled
    with this one)."""
    chunks = len(grid.cells()) * math.ceil(grid.runs / grid.chunk_runs)
    if chunks > MAX_SWEEP_CHUNKS:
        return (f"the sweep would have {chunks:,} chunks, more than the {MAX_SWEEP_CHUNKS:,} allowed "
                f"(raise --chunk-runs, up to 1,048,576, or lower --runs)")
    for k in grid.ks:
        top = k / boundary_ratio(k)   # (1ᵀa*)²/‖a*‖² ≤ k, and = 1 when k = 1
        for ratio in grid.ratios:
            attainable = abs(ratio - 1.0) <= 1e-12 if k == 1 else ratio <= top * (1 + 1e-12)
            if not attainable:
                reach = "only ratio 1 (a* is a scalar: (1ᵀa*)²/‖a*‖² = 1)" if k == 1 else \
                    f"ratios up to {top:.6g} ((1ᵀa*)²/‖a*‖² ≤ k)"
                return f"ratio {ratio:g} is not attainable at k = {k}: it allows {reach}"
    return ""



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


def run_chunk(grid: Grid, cell: tuple, index: int, runs: int) -> OutcomeCounts:
    """Outcome counts of one chunk (a pure function of its arguments)."""
    k, p, ratio, kappa, eta_multiple = cell
    teacher = cell_teacher(grid, k, p, ratio, kappa)
    rng = rng_for(grid.seed, "sweep-runs", k, repr(p), repr(ratio), repr(kappa), repr(eta_multiple), index)
    return OutcomeCounts.of_names(dynamics.outcome_counts(
        teacher, runs, rng, eta=cell_eta(grid, teacher, eta_multiple), max_steps=grid.steps, p=p, v0_norm=grid.v0_norm))


def chunk_key(grid: Grid, cell: tuple, index: int, runs: int) -> str:
    config = {"version": CACHE_VERSION, "kind": "outcome-counts", "seed": grid.seed, "family": grid.family,
              "v0_norm": repr(grid.v0_norm), "cell": [cell[0], repr(cell[1]), *(repr(x) for x in cell[2:])],
              "chunk": index, "runs": runs, "steps": grid.steps}
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


class Cache(Protocol):
    """Where finished chunks are kept: ``checks.app.sweep.ChunkCache`` on disk, or in memory.
    ``failure`` is the first error a put raised (a full or read-only disk), which stops the grid."""

    corrupted: int
    failure: OSError | None

    def get(self, key: str, runs: int) -> OutcomeCounts | None: ...

    def put(self, key: str, runs: int, counts: OutcomeCounts) -> None: ...


def cache_when_done(cache: Cache, key: str, runs: int, future: Future) -> None:
    """Cache a chunk the moment it finishes (so an interrupted sweep keeps it); a cancelled or
    failed chunk is left alone — asking a cancelled future for its exception would raise."""
    if not future.cancelled() and future.exception() is None:
        try:
            cache.put(key, runs, future.result())
        except OSError as exc:   # full or read-only: run_grid stops with one line (not a traceback per chunk)
            cache.failure = getattr(cache, "failure", None) or exc


def json_p(p: float) -> int | str:
    """p for JSON, which has no infinity: the string "inf" for the limit."""
    return "inf" if p == math.inf else int(p)


def grid_json(grid: Grid) -> dict[str, Any]:
    return {**asdict(grid), "ps": [json_p(p) for p in grid.ps]}


@dataclass(frozen=True)
class CellRow:
    """One cell's result: its coordinates, counts, exact intervals at confidence 1 − ``alpha``
    each, and the invariants of the teacher that ran (for family random: its own r and κ, which
    the grid did not choose). ``name`` labels a point of the invariant grid (a family, or "")."""

    k: int
    p: float                      # an int, or math.inf
    ratio_over_boundary: float
    eta_multiple: float
    counts: OutcomeCounts
    alpha: float
    family: str
    kappa_asked: float | None
    r: float
    ratio_actual: float
    kappa: float
    eta: float
    eta_fraction: float
    v0_norm: float
    name: str | None = None
    _proportions: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def runs(self) -> int:
        return self.counts.total

    @property
    def confidence(self) -> float:
        return 1 - self.alpha

    def proportion(self, outcome: Outcome) -> Proportion:
        """P(outcome) with its exact interval (computed once)."""
        if outcome not in self._proportions:
            self._proportions[outcome] = self.counts.proportion(outcome, self.alpha)
        return self._proportions[outcome]

    def named(self, name: str) -> CellRow:
        return replace(self, name=name, _proportions={})

    def to_json(self) -> dict[str, Any]:
        row: dict[str, Any] = {"k": self.k, "p": json_p(self.p), "ratio_over_boundary": self.ratio_over_boundary,
                               "eta_multiple": self.eta_multiple, **self.counts.to_json(), "runs": self.runs}
        for outcome in Outcome:
            share = self.proportion(outcome)
            row[f"p_{outcome.label}"], row[f"p_{outcome.label}_low"], row[f"p_{outcome.label}_high"] = \
                share.estimate, share.low, share.high
        row["ci_low"], row["ci_high"] = row["p_global_low"], row["p_global_high"]       # the earlier keys, kept
        row.update(confidence=self.confidence, family=self.family, kappa_asked=self.kappa_asked, r=self.r,
                   ratio_actual=self.ratio_actual, kappa=self.kappa, eta=self.eta, eta_fraction=self.eta_fraction,
                   v0_norm=self.v0_norm)
        if self.name is not None:
            row["name"] = self.name
        return row


@dataclass(frozen=True)
class Threshold:
    """κ*(k, r): P_∞(spurious) > 0 above ``kappa_high`` and = 0 below ``kappa_low``; ``witness`` is
    the search's witness, where one was kept."""

    k: int
    r: float
    ratio_over_boundary: float
    kappa_low: float
    kappa_high: float
    witness: tuple[float, ...] | None = None

    def side(self, kappa: float) -> str:
        """"below", "at" or "above" the bracket (checks.verdicts.cases.side: its ends are "at", to
        rounding) — the one rule the text, the parts and the figures use."""
        return side(kappa, self.kappa_low, self.kappa_high)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"k": self.k, "r": self.r, "ratio_over_boundary": self.ratio_over_boundary,
                               "kappa_low": self.kappa_low, "kappa_high": self.kappa_high}
        if self.witness is not None:
            out["witness"] = list(self.witness)
        return out


@dataclass(frozen=True)
class Axes:
    """The axes of a table of cells, as the figures read them: p an int or math.inf."""

    ks: tuple[int, ...]
    ratios: tuple[float, ...]
    kappas: tuple[float, ...]
    ps: tuple[float, ...]
    eta_multiples: tuple[float, ...]
    family: str

    @classmethod
    def of(cls, grid: Grid) -> Axes:
        return cls(tuple(grid.ks), tuple(grid.ratios), tuple(grid.kappas), tuple(grid.ps), tuple(grid.eta_multiples),
                   grid.family)


@dataclass(frozen=True)
class GridResult:
    """Cells with their axes and κ* brackets: a sweep's result (``grid`` set: it is the sweep's
    JSON) or the cells a claim ran, drawn by the same figures."""

    axes: Axes
    rows: tuple[CellRow, ...]
    thresholds: tuple[Threshold, ...]
    alpha: float
    grid: Grid | None = None
    chunks: int = 0
    from_cache: int = 0
    corrupted_cache_entries: int = 0

    @property
    def confidence(self) -> float:
        return 1 - self.alpha

    def to_json(self) -> dict[str, Any]:
        assert self.grid is not None, "only a sweep's result is written as JSON"
        return {"grid": grid_json(self.grid), "rows": [row.to_json() for row in self.rows], "chunks": self.chunks,
                "from_cache": self.from_cache, "corrupted_cache_entries": self.corrupted_cache_entries,
                "confidence": self.confidence, "thresholds": [t.to_json() for t in self.thresholds]}


def run_grid(grid: Grid, executor: Executor, cache: Cache,
             progress: Callable[[int, int], None] = lambda done, total: None, *, alpha: float | None = None,
             with_thresholds: bool = True) -> GridResult:
    """Counts per cell, from the cache where possible and the executor otherwise; ``progress``
    is told (chunks done, chunks in all) as chunks finish. Intervals are at confidence 1 − α
    each (default α = 1e-3 / cells); ``with_thresholds`` adds κ*(k, r) for the grid's ratios."""
    if problem := grid_problem(grid):   # too many chunks to build, or a ratio its teacher cannot have
        raise InvalidInput(problem)
    chunks = grid.chunks()
    counts = {cell: OutcomeCounts() for cell in grid.cells()}
    pending: dict[Future, tuple] = {}
    done = cached = 0
    for cell, index, runs in chunks:
        key = chunk_key(grid, cell, index, runs)
        hit = cache.get(key, runs)
        if hit is None:
            future = executor.submit(run_chunk, grid, cell, index, runs)
            future.add_done_callback(functools.partial(cache_when_done, cache, key, runs))
            pending[future] = cell
        else:
            cached += 1
            done += 1
            counts[cell] += hit
    progress(done, len(chunks))
    for future in as_completed(pending):
        if (failure := getattr(cache, "failure", None)) is not None:
            where = getattr(cache, "directory", "in memory")
            raise InfrastructureError(f"the sweep cache {where} cannot be written ({failure}); stopped")
        counts[pending[future]] += future.result()
        done += 1
        progress(done, len(chunks))
    alpha = 1e-3 / len(counts) if alpha is None else alpha
    rows = tuple(cell_row(grid, cell, c, alpha) for cell, c in counts.items())
    return GridResult(Axes.of(grid), rows, tuple(thresholds(grid)) if with_thresholds else (), alpha, grid,
                      len(chunks), cached, cache.corrupted)


def cell_row(grid: Grid, cell: tuple, counts: OutcomeCounts, alpha: float) -> CellRow:
    """A cell's counts with the invariants of the teacher that ran."""
    k, p, ratio, kappa, eta_multiple = cell
    teacher = cell_teacher(grid, k, p, ratio, kappa)
    eta = cell_eta(grid, teacher, eta_multiple)
    inv = invariants.of(teacher, grid.v0_norm, eta)
    return CellRow(k, p, ratio, eta_multiple, counts, alpha, grid.family,
                   kappa if grid.family == "canonical" else None, inv.r, inv.ratio_over_boundary, inv.kappa, eta,
                   inv.eta_fraction, grid.v0_norm)


def thresholds(grid: Grid) -> list[Threshold]:
    """κ*(k, r) brackets for the grid's (k, ratio) with a spurious minimum (0 < ratio < 1), at the
    default η and ‖v₀‖ = 1 — where P_∞(spurious) turns positive (canonical family only)."""
    if grid.family != "canonical":
        return []
    rows = []
    for k in grid.ks:
        for ratio in grid.ratios:
            if k > 1 and 0 < ratio < 1:
                found = invariants.spurious_threshold(k, cell_r(k, ratio))
                rows.append(Threshold(k, found.r, ratio, found.kappa_low, found.kappa_high))
    return rows
