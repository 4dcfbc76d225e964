"""Configurations of the invariant grid judged against a requirement, so that no seed changes a
decision: P_∞ at p = ∞ by quadrature (deterministic, :mod:`theory.quadrature`), P at finite p by
sequential sampling (:func:`checks.verdicts.estimates.sequential`: more runs until the interval
leaves the indifference zone).

At p = ∞ the outcome is a function of the initial output layer alone, and the quadrature over the
disk of those points estimates P_∞ to a stated tolerance with an error estimate, which the
verdict treats as an interval ("estimated by quadrature", not proved). Where the quadrature's
premises fail or its runs stay undecided (``QuadratureError``), the configuration is sampled
instead and says so. The sampled cell at p = ∞ is kept beside the quadrature as evidence, and
:func:`agreement_status` checks that the two agree.

At finite p a configuration's runs are the cell's runs (:mod:`checks.experiments.cells`: seeds from
(seed, cell, chunk) alone), so doubling a sample keeps its first half: the looks are nested.
Runs a step cap stopped are undecided — they widen the interval both ways, never count as a
failure (:meth:`checks.verdicts.estimates.Estimate.sampled`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from checks.experiments import invariant_grid as ig
from checks.experiments.cells import CellRow
from checks.experiments.plan import Plan
from checks.experiments.proved import ProvedPoint, proved_at
from checks.verdicts.cases import FAIL, PASS, UNDECIDED, Part, Record
from checks.verdicts.estimates import Estimate, Requirement, Schedule, sequential
from checks.verdicts.outcome import SensitivityRow
from theory import quadrature
from theory.decisions import Outcome

__all__ = ["KNOBS", "Judged", "Knob", "agreement_status", "estimate_at_infinity", "judge", "knob_rows", "lowest",
           "proved_agreement", "proved_of", "proved_part", "quadrature_of", "rejudged_at_infinity", "sampled_estimate",
           "schedule"]


@dataclass(frozen=True)
class Judged:
    """One configuration (a point of the grid at one p) judged for P(``outcome``): the decision,
    the estimate that made it, the runs behind a sampled estimate (``row``), and the quadrature
    behind one at p = ∞ (``quadrature``; ``fallback`` says why a p = ∞ configuration was sampled)."""

    point: ig.Point
    p: float
    outcome: Outcome
    requirement: Requirement
    status: str
    estimate: Estimate
    row: CellRow | None = None
    quadrature: quadrature.OutcomeQuadrature | None = None
    fallback: str = ""
    looks: int = 1
    proved: ProvedPoint | None = None    # the proved enclosure beside (or behind) the estimate

    def key(self) -> tuple[int, float, float, float]:
        """(k, r/r_b, κ, p), rounded so that one configuration reached two ways is one key."""
        return (self.point.k, float(f"{self.point.ratio:.9g}"), float(f"{self.point.kappa:.9g}"), self.p)

    def record(self) -> Record:
        """The evidence row: the configuration, the decision and the judged estimate (value, interval
        ends, kind), and the runs when sampled."""
        name = f"p_{self.outcome.label}"
        out: Record = {"name": self.point.name, "family": self.point.name or "canonical", "k": self.point.k,
                       "r": self.point.r, "ratio_over_boundary": self.point.ratio, "kappa": self.point.kappa,
                       "p": "inf" if self.p == math.inf else int(self.p), "v0_norm": 1.0,
                       "status": self.status, **self.estimate.fields(name)}
        if self.row is not None:
            out.update(runs=self.row.runs, **{o.label: self.row.counts[o] for o in Outcome})
        if self.quadrature is not None:
            out[f"{name}_error_estimate"] = self.quadrature.error_estimate
        if self.fallback:
            out["sampled_because"] = self.fallback
        if self.proved is not None:
            enclosure = self.proved.estimate(self.outcome)
            out.update({f"{name}_proved_low": enclosure.low, f"{name}_proved_high": enclosure.high,
                        "proved_stopped": self.proved.enclosure.stopped})
        return out


def schedule(plan: Plan) -> Schedule:
    """The sample sizes of a finite-p configuration: the grid's runs, doubled up to its most."""
    grid = plan.invariant_grid
    return Schedule(grid.runs, grid.max_runs)


_QUADRATURES: dict[tuple, quadrature.OutcomeQuadrature | str] = {}


def quadrature_of(point: ig.Point, tolerance: float,
                  eta_fraction: float = quadrature.invariants.DEFAULT_ETA_FRACTION
                  ) -> quadrature.OutcomeQuadrature | str:
    """P_∞ of a point by quadrature, or why it could not be had (a QuadratureError's words);
    cached per process (the claims of one report share it)."""
    key = (point.k, repr(point.r), repr(point.kappa), repr(tolerance), repr(eta_fraction))
    if key not in _QUADRATURES:
        try:
            _QUADRATURES[key] = quadrature.probabilities(point.k, point.r, point.kappa, eta_fraction=eta_fraction,
                                                         tolerance=tolerance)
        except quadrature.QuadratureError as exc:
            _QUADRATURES[key] = str(exc)
    return _QUADRATURES[key]


def proved_of(plan: Plan, point: ig.Point) -> ProvedPoint | None:
    """The proved enclosure of a map point the plan names in ``invariant_grid.proved`` (None for
    any other point, and where the prover could not start: its reason is then in the log of the
    claim that asks, through :func:`checks.experiments.proved.proved_at`)."""
    grid = plan.invariant_grid
    if (point.k, point.ratio, point.kappa) not in grid.proved:
        return None
    found = proved_at(point, grid.proved_width, grid.proved_seconds)
    return None if isinstance(found, str) else found


def estimate_at_infinity(found: quadrature.OutcomeQuadrature, outcome: Outcome) -> Estimate:
    """P_∞(outcome) of a quadrature as an estimate whose interval is its error estimate."""
    value = found.global_ if outcome == Outcome.GLOBAL else found.spurious
    return Estimate.quadrature(value, found.error_estimate)


def sampled_estimate(row: CellRow, outcome: Outcome, alpha: float) -> Estimate:
    """P(outcome) of a cell's runs: the exact interval, undecided runs counted both ways."""
    counts = row.counts
    return Estimate.sampled(counts[outcome], counts.total, alpha, open_runs=counts[Outcome.UNDECIDED])


def judge(seed: int, plan: Plan, point: ig.Point, p: float, outcome: Outcome, requirement: Requirement,
          alpha: float) -> Judged:
    """Decide P(outcome) of ``point`` at ``p`` against ``requirement``: at p = ∞ by quadrature (to
    the plan's tolerance; sampled, saying why, where it fails), at finite p sequentially with the
    configuration's share α of the claim's family-wise error."""
    fallback = ""
    if p == math.inf:
        found = quadrature_of(point, plan.invariant_grid.quadrature_tolerance)
        proved = proved_of(plan, point)
        if proved is not None and proved.reached_width:
            enclosure = proved.estimate(outcome)
            status = requirement.decide(enclosure)
            if status in (PASS, FAIL):       # a theorem decides it: the verdict says proved
                return Judged(point, p, outcome, requirement, status, enclosure,
                              quadrature=None if isinstance(found, str) else found, proved=proved)
        if not isinstance(found, str):
            estimate = estimate_at_infinity(found, outcome)
            return Judged(point, p, outcome, requirement, requirement.decide(estimate), estimate, quadrature=found,
                          proved=proved)
        fallback = f"quadrature failed ({found})"
    rows: dict[int, CellRow] = {}

    def estimate_of(n: int, alpha_look: float) -> Estimate:
        rows[n] = ig.run_cells(seed, plan, [point], (p,), alpha_look, runs=n)[0]
        return sampled_estimate(rows[n], outcome, alpha_look)

    decided = sequential(estimate_of, schedule(plan), requirement, alpha)
    return Judged(point, p, outcome, requirement, decided.status, decided.estimate, rows[decided.runs],
                  fallback=fallback, looks=decided.looks)


def agreement_status(judged: Judged, sampled: CellRow, alpha: float) -> tuple[str, dict[str, Any], float]:
    """Whether the quadrature estimate and the sampled runs of the same configuration agree: PASS
    when the sampled exact interval (at confidence 1 − α) meets the quadrature's interval, FAIL when
    they are disjoint; with the record that shows both, and their distance (0 when they meet)."""
    assert judged.quadrature is not None
    quad = estimate_at_infinity(judged.quadrature, judged.outcome)
    runs = sampled_estimate(sampled, judged.outcome, alpha)
    distance = max(0.0, runs.low - quad.high, quad.low - runs.high)
    name = f"p_{judged.outcome.label}"
    return ((PASS if distance == 0 else FAIL), {**judged.record(), **runs.fields(f"{name}_runs"), "runs": sampled.runs},
            distance)


def proved_part(grid: Any) -> Part:
    """The part that checks each proved enclosure against the quadrature and the sampled runs of
    its configuration (:func:`proved_agreement`); a claim keeps it only where the plan proves points."""
    return Part("proved-agrees", f"each map point whose P_∞ is proved (theory.certify, to width {grid.proved_width:g}) "
                "also has the quadrature's estimate and sampled runs: the enclosure must meet both",
                "largest distance of the enclosure from the quadrature's and the sampled interval (0: they meet)")


def proved_agreement(judged: Judged, sampled: CellRow, alpha: float) -> tuple[str, dict[str, Any], float]:
    """Whether a proved enclosure holds what the independent estimates say: PASS when it meets the
    quadrature's interval and the sampled exact interval (at confidence 1 − α), FAIL when it misses
    either — a proof that contradicts them is a bug in the prover or in them; with the record and
    the larger of the two distances (0 when both meet)."""
    assert judged.proved is not None
    enclosure = judged.proved.estimate(judged.outcome)
    others = [sampled_estimate(sampled, judged.outcome, alpha)]
    if judged.quadrature is not None:
        others.append(estimate_at_infinity(judged.quadrature, judged.outcome))
    distance = max(max(0.0, other.low - enclosure.high, enclosure.low - other.high) for other in others)
    return (PASS if distance == 0 else FAIL), {**judged.record(), **judged.proved.record()}, distance


def lowest(judged: Sequence[Judged]) -> Judged:
    """The configuration whose estimate's lower end is lowest."""
    return min(judged, key=lambda j: j.estimate.low)


class Knob(NamedTuple):
    """A choice of ours tried at another value: at p = ∞ the step size's fraction of the stability
    limit and ‖v₀‖ (which scales κ = (‖w*‖‖a*‖/‖v₀‖)² by ``kappa_factor``)."""

    knob: str
    ours: str
    tried: str
    eta_fraction: float
    kappa_factor: float


KNOBS = (Knob("η (fraction of the stability limit)", "1/4", "1/8", 0.125, 1.0),
         Knob("η (fraction of the stability limit)", "1/4", "1/2", 0.5, 1.0),
         Knob("‖v₀‖ (κ = (‖w*‖‖a*‖/‖v₀‖)²)", "1", "1/2 (κ × 4)", 0.25, 4.0),
         Knob("‖v₀‖ (κ = (‖w*‖‖a*‖/‖v₀‖)²)", "1", "2 (κ / 4)", 0.25, 0.25))


def knob_rows(judged: Sequence[Judged], tolerance: float, requirement: Requirement, ours: str,
              verdict_with: Callable[[list[Judged], Requirement], tuple[str, str]]) -> list[SensitivityRow]:
    """The sensitivity rows of our knobs at p = ∞ (:data:`KNOBS`): the p = ∞ configurations
    re-judged by quadrature with each knob at its tried value (finite p as run), and the claim's
    verdict then (``verdict_with``: the claim's own rule, with its readings)."""
    rows = []
    for knob in KNOBS:
        verdict, readings = verdict_with(rejudged_at_infinity(judged, tolerance, knob), requirement)
        rows.append(SensitivityRow(knob.knob, knob.ours, knob.tried, ours, verdict, readings,
                                   "the p = ∞ configurations by quadrature (finite p as run)"))
    return rows


def rejudged_at_infinity(judged: Sequence[Judged], tolerance: float, knob: Knob) -> list[Judged]:
    """The configurations judged again with a knob at another value: those at p = ∞ re-estimated by
    quadrature (undecided where it fails), those at finite p kept as run."""
    out = []
    for j in judged:
        if j.p != math.inf or j.quadrature is None:
            out.append(j)
            continue
        point = replace(j.point, kappa=j.point.kappa * knob.kappa_factor)
        found = quadrature_of(point, tolerance, knob.eta_fraction)
        if isinstance(found, str):
            out.append(replace(j, status=UNDECIDED))
            continue
        estimate = estimate_at_infinity(found, j.outcome)
        out.append(replace(j, point=point, estimate=estimate, status=j.requirement.decide(estimate), quadrature=found))
    return out
