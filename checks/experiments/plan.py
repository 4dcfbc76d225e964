"""One plan per budget: every grid, run count and step cap a budget decides, as data.

A :class:`Plan` is what a check is given (``check(plan, seed)``). It holds what the claims share —
the dimension grid of the population-GD claims, the invariant grid of the dynamic claims, the step
caps — and, once the catalogue has filled it (:func:`checks.claims.plan`), every claim's own
settings: a frozen dataclass per claim whose fields are declared with :func:`setting`, so that
`theorycheck report --help` lists them by the words given there. Nothing else decides a budget's
work: no check picks a number by the budget's name.

The step caps, one per purpose (a run still undecided at its cap counts as ``undecided``):

* ``run_steps`` — runs of small teachers (k, p ≤ 12: the full-dimensional runs of
  ``convergence-in-region`` and ``restarts``, the reduced runs that check decisions), the
  engine's default (``theory.dynamics.DEFAULT_MAX_STEPS``);
* ``grid_run_steps`` — reduced runs on the dimension grid (k, p up to 10⁶): GD's slowest time
  scale grows like k when η ∝ 1/k (a one-hot teacher at k = 10⁶ needs ~10⁶ steps), so it grows
  with the budget, and ``grid_instance_steps`` bounds the trajectory-steps one grid teacher may
  cost (a pilot sizes its sample to fit);
* ``cell_steps`` — the runs of a grid cell (the invariant grid, and `theorycheck sweep`, whose
  cells are the same computation: it is part of a cell's cache key).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any, TypeVar

from checks.experiments import cells
from checks.verdicts.budget import Budget, PerBudget
from theory import dynamics

__all__ = ["MEASURED_BY", "PLANS", "ClaimSettings", "DimensionGrid", "InvariantGrid", "Plan", "plan_for", "setting",
           "shown"]

S = TypeVar("S", bound="ClaimSettings")

# How the plans' measured times were taken; refresh them after a change of speed.
MEASURED_BY = ("`/usr/bin/time theorycheck report --budget B` on 2 cores, nothing else running, seed 0, --jobs 2, "
               "quick three times, standard and thorough twice (2026-12-08, after the budgets were re-tuned)")


def setting(words: str) -> Any:
    """A field of a claim's settings, with the words `theorycheck report --help` shows for it."""
    return field(metadata={"words": words})


@dataclass(frozen=True)
class ClaimSettings:
    """Base of a claim's budget-dependent settings: a frozen dataclass, each field a :func:`setting`."""

    def described(self) -> list[tuple[str, object]]:
        """(words, value) of every setting, in declaration order."""
        return [(f.metadata.get("words", f.name.replace("_", " ")), getattr(self, f.name)) for f in fields(self)]


@dataclass(frozen=True)
class DimensionGrid:
    """The (k, p) every population-GD claim not judged on the invariants runs on."""

    ks: tuple[int, ...]
    ps: tuple[int, ...]

    def pairs(self) -> list[tuple[int, int]]:
        return [(k, p) for k in self.ks for p in self.ps]

    def describe(self) -> str:
        return f"k ∈ {shown(self.ks)} × p ∈ {shown(self.ps)}"


@dataclass(frozen=True)
class InvariantGrid:
    """The grid the dynamic claims are judged on (checks.experiments.invariant_grid): the map is
    ks × ratios × κs at p = ∞; the p-series run at ps and ∞; κ*(k, r) is searched at the first
    ``threshold_ks`` k, to ``threshold_tolerance`` (relative width) with ``threshold_angles`` rim
    angles (the search's cost is mostly one decision table per κ tried). A configuration at finite
    p is decided sequentially from ``runs`` runs, doubled up to ``max_runs``
    (checks.experiments.judged); at p = ∞ by quadrature to ``quadrature_tolerance``."""

    ks: tuple[int, ...]
    ratios: tuple[float, ...]      # r / r_b
    kappas: tuple[float, ...]
    ps: tuple[int, ...]            # the finite p of the p-series
    runs: int                      # per cell (≥ 1,300: zero of them puts P below 1 % at these α)
    threshold_ks: int
    threshold_tolerance: float
    threshold_angles: int
    max_runs: int = 0              # a finite-p configuration's largest sample (runs · 2^j; 0: runs)
    quadrature_tolerance: float = 1e-4   # P_∞ by quadrature, to this (its error estimate)
    # the sensitivity table's re-judgements by quadrature (η, ‖v₀‖ at other values): they ask only
    # whether a verdict flips against a zone of ± 0.02 or more, so a coarser tolerance (fewer panels
    # and bisections; the disk's structure scan costs the same at any tolerance)
    sensitivity_tolerance: float = 1e-3
    chunk_runs: int = 500          # runs per seeded chunk of a cell
    # map points (k, r/r_b, κ) whose P_∞ is also proved (theory.certify): their enclosure judges them
    # where it decides, else the quadrature does; the prover's width, and its time per point
    proved: tuple[tuple[int, float, float], ...] = ()
    proved_width: float = 1e-2
    proved_seconds: float = 60.0

    def __post_init__(self):
        if self.max_runs == 0:
            object.__setattr__(self, "max_runs", self.runs)

    def describe(self) -> str:
        return (f"k ∈ {shown(self.ks)} × r/r_b ∈ {shown(self.ratios)} × κ ∈ {shown(self.kappas)} at p = ∞ (P_∞ by "
                f"quadrature to {self.quadrature_tolerance:g}, and {self.runs:,} sampled runs per cell beside it), "
                f"p-series at p ∈ {shown((*self.ps, math.inf))}, each finite-p configuration decided sequentially "
                f"from {self.runs:,} runs up to {self.max_runs:,}, κ*(k, r) at the first {self.threshold_ks} k (to "
                f"{self.threshold_tolerance:g} relative, {self.threshold_angles} rim angles)"
                + (f"; P_∞ proved (theory.certify, to width {self.proved_width:g}) at (k, r/r_b, κ) ∈ "
                   f"{{{', '.join(f'({k:,}, {ratio:g}, {kappa:g})' for k, ratio, kappa in self.proved)}}}"
                   if self.proved else "; no P_∞ proved at this budget"))


@dataclass(frozen=True)
class Plan:
    """Everything a budget decides (see the module docstring for the step caps)."""

    budget: Budget
    measured_seconds: tuple[float, float]   # a whole report's wall time, lowest and highest (MEASURED_BY)
    run_steps: int
    grid_run_steps: int
    grid_instance_steps: float
    cell_steps: int
    dimensions: DimensionGrid
    invariant_grid: InvariantGrid
    # each claim's own settings, by claim id (filled by checks.claims.plan)
    claims: Mapping[str, ClaimSettings] = field(default_factory=lambda: MappingProxyType({}))

    def settings(self, claim_id: str, kind: type[S]) -> S:
        """The settings of ``claim_id``, which must be of ``kind``."""
        found = self.claims.get(claim_id)
        if not isinstance(found, kind):
            raise LookupError(f"the {self.budget.name} plan has no {kind.__name__} for claim {claim_id!r} "
                              "(plans with claim settings come from checks.claims.plan)")
        return found

    def with_claims(self, claims: Mapping[str, ClaimSettings]) -> Plan:
        return replace(self, claims=MappingProxyType(dict(claims)))

    def measured(self) -> str:
        """The measured wall time of a report at this budget, e.g. "14–14.1 s"."""
        low, high = self.measured_seconds
        return f"{low:g} s" if low == high else f"{low:g}–{high:g} s"

    def shared(self) -> list[str]:
        """What the claims share at this budget, one line each (the help's first lines per budget)."""
        return [f"population-GD teachers: {self.dimensions.describe()}, at most {self.grid_run_steps:,} steps per "
                f"run and {self.grid_instance_steps:,.0f} trajectory-steps per teacher",
                f"invariant map (probability claims, restarts): {self.invariant_grid.describe()}",
                f"step caps: {self.run_steps:,} steps for runs of small teachers, {self.cell_steps:,} for a grid "
                "cell's runs (as in `theorycheck sweep`)"]


PLANS: PerBudget[Plan] = PerBudget(
    quick=Plan(Budget("quick"), measured_seconds=(15.9, 17.5), run_steps=dynamics.DEFAULT_MAX_STEPS,
               grid_run_steps=100_000, grid_instance_steps=1e7, cell_steps=cells.STEPS,
               dimensions=DimensionGrid(ks=(2, 10**6), ps=(2, 1000, 10**6)),
               invariant_grid=InvariantGrid(ks=(2, 10, 1000), ratios=(0.01, 0.3, 0.9), kappas=(0.1, 1.0, 10.0, 100.0),
                                            ps=(10, 1000), runs=1500, threshold_ks=2, threshold_tolerance=0.1,
                                            threshold_angles=120, max_runs=12_000,
                                            quadrature_tolerance=1e-3)),   # 3× fewer GD runs than 1e-4
    standard=Plan(Budget("standard"), measured_seconds=(40.1, 45.1), run_steps=dynamics.DEFAULT_MAX_STEPS,
                  grid_run_steps=400_000, grid_instance_steps=3e7, cell_steps=cells.STEPS,
                  dimensions=DimensionGrid(ks=(2, 10, 100, 1000, 10**4, 10**6), ps=(2, 10, 100, 10**4, 10**6)),
                  invariant_grid=InvariantGrid(ks=(2, 10, 100, 10_000), ratios=(0.01, 0.3, 0.9),
                                               # κ = 1,000 is thorough's (runs take ~κ steps there)
                                               kappas=(0.1, 1.0, 10.0, 100.0), ps=(2, 10, 1000, 100_000),
                                               runs=2000, threshold_ks=3, threshold_tolerance=0.05,
                                               threshold_angles=240, max_runs=16_000,
                                               quadrature_tolerance=1e-3)),
    thorough=Plan(Budget("thorough"), measured_seconds=(229.3, 234.5), run_steps=dynamics.DEFAULT_MAX_STEPS,
                  grid_run_steps=2_000_000, grid_instance_steps=6e7, cell_steps=cells.STEPS,
                  dimensions=DimensionGrid(ks=(1, 2, 3, 10, 100, 1000, 10**4, 10**5, 10**6),
                                           ps=(1, 2, 3, 10, 100, 1000, 10**4, 10**5, 10**6)),
                  invariant_grid=InvariantGrid(ks=(2, 3, 10, 100, 1000, 10_000), ratios=(0.01, 0.1, 0.3, 0.6, 0.9),
                                               kappas=(0.1, 1.0, 10.0, 100.0, 1000.0), ps=(2, 10, 100, 10_000, 10**6),
                                               runs=3000, threshold_ks=5, threshold_tolerance=0.02,
                                               threshold_angles=360, max_runs=24_000,
                                               # the prover's certified trap (4–6 s) and map (seconds) per point
                                               proved=((10, 0.3, 10.0), (100, 0.3, 100.0)))),
)


def plan_for(budget: Budget | str) -> Plan:
    """The shared part of a budget's plan (no claim settings: :func:`checks.claims.plan` adds them)."""
    return PLANS[budget]


def shown(value: object) -> str:
    """A setting's value as the help writes it: sets in braces, ∞, thousands separated."""
    describe = getattr(value, "describe", None)
    if callable(describe):
        return str(describe())
    if isinstance(value, (list, tuple)):
        return "{" + ", ".join(shown(v) for v in value) + "}"
    if isinstance(value, float) and value == math.inf:
        return "∞"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) >= 1000):
        return f"{value:,.0f}"
    return f"{value:g}" if isinstance(value, float) else str(value)
