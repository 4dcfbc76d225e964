"""One teacher examined: its landscape, its outcome probabilities and a two-phase trace — what
``theorycheck teacher`` prints and draws, as typed results.

Every number comes from the module that owns its formula: the invariants (k, r, κ) from
:mod:`theory.invariants`, the critical points from :mod:`theory.landscape`, κ*(k, r) from
:func:`theory.invariants.spurious_threshold`, P_∞ from :func:`theory.quadrature.probabilities`
(deterministic: no seed; an error *estimate*, not a bound), a proved enclosure from
:func:`theory.certify.enclosure` (bounded in width and time: a theorem whatever it reaches),
finite-p probabilities from seeded GD runs
(:func:`theory.dynamics.outcome_counts`, exact Clopper–Pearson intervals) and the trace from
:func:`theory.phases.measure`. A figure that cannot be computed for this teacher (no spurious
minimum, so no κ*; a disk without the structure the quadrature needs) is returned as a note saying
why, never raised.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import binomtest

from theory import certify, dynamics, initialization, invariants, landscape, phases, quadrature, validation
from theory.invariants import Invariants, KappaThreshold
from theory.teacher import Teacher

__all__ = ["CERTIFY_SECONDS", "CERTIFY_WIDTH", "CONFIDENCE", "TRACE_FLOOR", "TRACE_STEPS", "PhaseTrace",
           "SampledOutcomes", "TeacherFacts", "examine"]

CONFIDENCE = 0.999      # of the finite-p intervals (each)
# the prover's budget for one teacher: width 10⁻² takes 1–4 s at κ ≤ k (benchmarks/certify.py), and
# its certified trap 4–6 s more; a time stop still returns a theorem, only a wider one
CERTIFY_SECONDS, CERTIFY_WIDTH = 20.0, 1e-2
TRACE_STEPS = 200_000   # the trace's step cap; it stops earlier at the loss floor
TRACE_FLOOR = 1e-10     # ℓ / ℓ(a = 0) at which the trace stops


@dataclass(frozen=True)
class SampledOutcomes:
    """Outcomes of ``runs`` seeded GD runs at patch size ``p`` from the paper's initialization,
    with exact Clopper–Pearson intervals at :data:`CONFIDENCE` for P(global) and P(spurious)."""

    p: float
    runs: int
    counts: Mapping[str, int]
    global_interval: tuple[float, float]
    spurious_interval: tuple[float, float]

    def to_json(self) -> dict[str, Any]:
        return {"p": "inf" if self.p == math.inf else self.p, "runs": self.runs, "counts": dict(self.counts),
                "global_interval": list(self.global_interval), "spurious_interval": list(self.spurious_interval),
                "confidence": CONFIDENCE}


@dataclass(frozen=True)
class PhaseTrace:
    """One GD run (the first seeded draw of the paper's initialization at patch size ``p``):
    ℓ every ``stride`` steps, the end of Phase I (``t1``; −1: not reached) and the step at which ℓ
    fell to the floor (``t_floor``; −1: not reached within the cap), and the run's outcome."""

    p: float
    eta: float
    stride: int
    loss: tuple[float, ...] = field(repr=False)
    t1: int
    t_floor: int
    outcome: str

    def to_json(self) -> dict[str, Any]:
        return {"p": "inf" if self.p == math.inf else self.p, "eta": self.eta, "stride": self.stride,
                "loss": list(self.loss), "t1": self.t1, "t_floor": self.t_floor, "outcome": self.outcome}


@dataclass(frozen=True)
class TeacherFacts:
    """What :func:`examine` found for one teacher; each ``…_note`` says why its figure is absent."""

    teacher: Teacher
    invariants: Invariants
    spurious_minimum: bool
    critical_points: tuple[landscape.CriticalPoint, ...]
    threshold: KappaThreshold | None
    threshold_note: str
    p_infinity: quadrature.OutcomeQuadrature | None
    p_infinity_note: str
    enclosure: Any
    enclosure_note: str
    sampled: tuple[SampledOutcomes, ...]
    trace: PhaseTrace | None
    trace_note: str


def _interval(successes: int, runs: int) -> tuple[float, float]:
    found = binomtest(successes, runs).proportion_ci(CONFIDENCE, method="exact")
    return float(found.low), float(found.high)


def _one_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _trace(teacher: Teacher, p: float, seed: int, v0_norm: float) -> PhaseTrace:
    plane = dynamics.reduced_plane(teacher)
    eta = dynamics.default_eta(teacher, v0_norm)
    start = initialization.reduced_start(teacher, plane, 1, np.random.default_rng(seed), "paper", p, v0_norm)
    measured = phases.measure(teacher, start, eta, TRACE_STEPS, floor_fraction=TRACE_FLOOR)
    if measured.t_floor[0] > 0:    # again, to the floor only: ℓ sampled over the run's own length
        measured = phases.measure(teacher, start, eta, max(int(measured.t_floor[0]), 1), floor_fraction=TRACE_FLOOR)
    loss = measured.samples[0]
    batch = dynamics.reduced_runs(teacher, 1, np.random.default_rng(0), eta=eta,
                                  start=lambda *_: tuple(np.array(a) for a in start))
    return PhaseTrace(p, eta, measured.stride, tuple(float(x) for x in loss[np.isfinite(loss)]),
                      int(measured.t1[0]), int(measured.t_floor[0]), dynamics.OUTCOMES[int(batch.outcome[0])])


def examine(teacher: Teacher, ps: Iterable[float] = (), runs: int = 1000, seed: int = 0,
            v0_norm: float = initialization.DEFAULT_V0_NORM, certify_seconds: float = CERTIFY_SECONDS,
            certify_width: float = CERTIFY_WIDTH) -> TeacherFacts:
    """The landscape facts of ``teacher`` (its invariants, whether the spurious minimum exists, every
    critical point with its Hessian inertia, κ*(k, r)), P_∞(global) and P_∞(spurious) by quadrature,
    a proved enclosure of them (``theory.certify.enclosure`` to ``certify_width`` within
    ``certify_seconds`` of the prover's time — the trap's certification and a first compile come on
    top; 0 seconds: not attempted), ``runs`` seeded GD runs at each finite patch size of ``ps``, and
    a two-phase trace at p = ∞ (seed ``seed``; v₀ on the sphere of radius ``v0_norm``; the default η)."""
    validation.teacher(teacher)
    runs = validation.positive_int(runs, "runs")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise validation.InvalidInput(f"seed must be a non-negative integer, got {validation.shown(seed)}")
    seed = int(seed)
    number = isinstance(certify_seconds, (int, float)) and not isinstance(certify_seconds, bool)
    if not (number and 0 <= certify_seconds <= 3600):
        raise validation.InvalidInput(f"certify_seconds must be a number in [0, 3600], got "
                                      f"{validation.shown(certify_seconds)}")
    sizes = tuple(initialization.patch_size(p) for p in ps)
    facts = invariants.of(teacher, v0_norm)
    k, r, kappa = facts.k, facts.r, facts.kappa
    spurious = landscape.has_spurious_minimum(teacher)
    points = tuple(landscape.critical_points(teacher))

    threshold, threshold_note = None, ""
    if k == 1:
        threshold_note = "k = 1: r = 1 = r_b, no spurious minimum to reach"
    elif not spurious:
        threshold_note = f"r = {r:.6g} ≥ r_b = {invariants.boundary(k):.6g}: no spurious minimum, so no κ*"
    else:
        try:
            threshold = invariants.spurious_threshold(k, r)
        except ValueError as exc:
            threshold_note = _one_line(exc)

    p_infinity, p_infinity_note = None, ""
    try:
        p_infinity = quadrature.probabilities(k, r, kappa)
    except ValueError as exc:      # QuadratureError included: the estimate would not mean what it says
        p_infinity_note = _one_line(exc)

    enclosure, enclosure_note = None, ""
    if certify_seconds == 0:
        enclosure_note = "not attempted (certify_seconds = 0)"
    elif v0_norm != 1.0:
        enclosure_note = "the prover works at ‖v₀‖ = 1 (κ carries the scale)"
    else:
        try:
            enclosure = certify.enclosure(k, r, kappa, width=certify_width, seconds=certify_seconds)
        except (ValueError, ArithmeticError) as exc:
            enclosure_note = _one_line(exc)

    sampled = []
    for index, p in enumerate(sizes):
        if p == math.inf:
            continue
        counts = dynamics.outcome_counts(teacher, runs, np.random.default_rng([seed, index]), p=p, v0_norm=v0_norm)
        sampled.append(SampledOutcomes(p, runs, counts, _interval(counts["global"], runs),
                                       _interval(counts["spurious"], runs)))

    trace, trace_note = None, ""
    try:
        trace = _trace(teacher, math.inf, seed, v0_norm)
    except ValueError as exc:
        trace_note = _one_line(exc)
    return TeacherFacts(teacher, facts, spurious, points, threshold, threshold_note, p_infinity, p_infinity_note,
                        enclosure, enclosure_note, tuple(sampled), trace, trace_note)
