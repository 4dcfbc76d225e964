"""GD's reduced step on boxes of states: enclosures of its image and of its Jacobian, compiled.

At p = ∞ the outcome of GD is a deterministic function of one point of a 2-D disk
(:func:`theory.invariants.outcomes_at_infinity`), so its probabilities can be proved cell by
cell. This module gives such a prover its one step: :func:`theory.reduced_gd.step` — the same
source as the float64 kernels and the numpy engine — evaluated

* in outward-rounded interval arithmetic (:mod:`theory.intervals`) on a box of states:
  :func:`box_step` encloses the image of every state of the box, and (φ, δ, ℓ, aᵀa*, 1ᵀa, ‖a‖²)
  at every state of it;
* on jets over intervals (:mod:`theory.jets`): :func:`box_jacobian` adds an enclosure of the
  step's 4×4 Jacobian with respect to (x, y, z₁, z₂) over the box, and of the loss's gradient —
  what a mean-value (Lohner-type) enclosure S_{t+1} ⊂ f(c) + J(hull S_t)(S_t − c) needs;
* in python-flint ``arb`` balls in plain Python (the helpers registered below), with the
  constants of :func:`arb_constants`: the tests' reference, on points at high precision and on
  boxes as balls (arb's own interval extension, the same operations in the same order).

Both compiled entry points run in parallel over the boxes (numba, cached on disk and dropped
when a file they inline changes: :func:`theory.intervals.compile_cached`). A prover's own
compiled loop can call :func:`theory.reduced_gd.step` on intervals or jets the same way
(:func:`_box_step_loop`, :func:`_box_jacobian_loop`): make each interval with
``intervals.like(consts.pi, lo, hi)``, so that it is in the constants' arithmetic — the sound
one, or a planted fault's — and seed jets with :func:`theory.jets.variable`.
:func:`enclosure_failures` re-proves a sample of boxes in arb, for tests (planted faults
included: ``interval_constants(..., fault=name)``).

**The constants.** The prover works with the invariant teacher in ã-units (docs/mathematics.md,
"Parameters of the dynamics"): ‖w*‖ = ‖a*‖ = 1, 1ᵀa* = √r, the basis Q = (â*, e₂) of
span{a*, 1} with Qᵀ1 = (√r, √(k − r)) and Qᵀa* = (1, 0). So v_rate = η/(2π), a_rate = η_a/(2π),
c = 1, c·1ᵀa* = √r, teacher_part = π − 1, and π, π − 1, 1/(4π) themselves: every one an
enclosure computed by arb from the exact floats (k, r, η, η_a) and rounded outward
(:func:`interval_constants`). κ does not appear: it enters only the initial state, through
‖v₀‖ = 1/√κ (and the default η through the stability limit), as in
:func:`theory.invariants.outcomes_at_infinity`, which runs the same dynamics in floats with the
float twin of these constants (:func:`float_constants`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, NamedTuple

import flint
import numpy as np

from theory import intervals, jets, reduced_gd, validation
from theory.intervals import Interval
from theory.reduced_gd import StepConstants

__all__ = [
    "BOX_SOURCES",
    "CONSTANTS_PRECISION",
    "MEASURES",
    "MOVED",
    "REFERENCE_PRECISIONS",
    "STATE",
    "BoxImage",
    "BoxJacobian",
    "EnclosureFailure",
    "arb_ball",
    "arb_constants",
    "arb_point",
    "box_jacobian",
    "box_step",
    "constant_failures",
    "enclosure",
    "enclosure_failures",
    "float_constants",
    "interval_constants",
    "reference_jacobian",
    "reference_step",
]

STATE = ("x", "y", "z1", "z2", "residual_sq")      # the columns of a box's lo and hi
MOVED = STATE[:4]                                   # the coordinates the step moves (and its Jacobian's)
MEASURES = ("phi", "delta", "loss", "a_dot", "a_sum", "a_sq")
CONSTANTS_PRECISION = 256                           # bits of arb for the constants


class BoxImage(NamedTuple):
    """Enclosures over n boxes: of the new (x, y, z₁, z₂) (``state_lo``/``state_hi``, (n, 4)) and of
    :data:`MEASURES` at the box's states (``measures_lo``/``measures_hi``, (n, 6))."""

    state_lo: np.ndarray
    state_hi: np.ndarray
    measures_lo: np.ndarray
    measures_hi: np.ndarray


class BoxJacobian(NamedTuple):
    """:class:`BoxImage` plus enclosures over each box of the Jacobian ∂(new x, y, z₁, z₂)/∂(x, y,
    z₁, z₂) (``jacobian_lo``/``jacobian_hi``, (n, 4, 4), row = output) and of the loss's
    gradient with respect to the same (``loss_gradient_lo``/``_hi``, (n, 4)). A box that
    reaches ‖v‖ = 0 has unbounded (±∞ or NaN) entries: split it."""

    image: BoxImage
    jacobian_lo: np.ndarray
    jacobian_hi: np.ndarray
    loss_gradient_lo: np.ndarray
    loss_gradient_hi: np.ndarray


# --- the constants ---------------------------------------------------------------------------------

def _checked(k, r, eta, eta_a) -> tuple[int, float, float, float]:
    k = validation.positive_int(k, "k")
    if isinstance(r, bool) or not isinstance(r, (int, float, np.integer, np.floating)) or not 0 <= r <= k:
        raise ValueError(f"r = (1ᵀa*)²/‖a*‖² must be a number in [0, k = {k}], got {r!r}")
    eta = float(validation.positive_real(eta, "eta"))
    eta_a = eta if eta_a is None else float(eta_a)
    if not (math.isfinite(eta) and math.isfinite(eta_a) and eta_a >= 0):
        raise ValueError(f"eta and eta_a must be finite, eta_a >= 0; got {eta!r}, {eta_a!r}")
    return k, float(r), eta, eta_a


def arb_constants(k: int, r: float, eta: float, eta_a: float | None = None) -> StepConstants:
    """:class:`StepConstants` of the invariant teacher (module docstring) as arb balls at the
    current python-flint precision; η_a defaults to η (a trained too)."""
    k, r, eta, eta_a = _checked(k, r, eta, eta_a)
    arb = flint.arb
    pi, root_r = arb.pi(), arb(r).sqrt()
    two_pi = 2 * pi
    return StepConstants(v_rate=arb(eta) / two_pi, a_rate=arb(eta_a) / two_pi, c=arb(1), cs=root_r,
                         teacher_part=pi - 1, q1a=root_r, q1b=(arb(k) - arb(r)).sqrt(), qaa=arb(1), qab=arb(0),
                         pi=pi, pi_minus_1=pi - 1, quarter_over_pi=1 / (4 * pi))


def _lower(ball) -> float:
    """The largest float64 at most every point of the ball."""
    bound = ball.lower()
    f = float(bound)
    return f if flint.arb(f) <= bound else math.nextafter(f, -math.inf)


def _upper(ball) -> float:
    bound = ball.upper()
    f = float(bound)
    return f if flint.arb(f) >= bound else math.nextafter(f, math.inf)


def enclosure(ball, fault: str = "") -> Interval:
    """The least float64 interval containing an arb ball (its bounds rounded outward)."""
    return Interval(_lower(ball), _upper(ball), fault)


def interval_constants(k: int, r: float, eta: float, eta_a: float | None = None, fault: str = "") -> StepConstants:
    """:func:`arb_constants` (at :data:`CONSTANTS_PRECISION` bits) as float64 intervals rounded
    outward: each contains the exact constant. ``fault`` plants one of
    :data:`theory.intervals.FAULTS`: the constants' interval type carries it, so every interval a
    kernel makes ``like`` them runs the faulty arithmetic ("pi-as-float" instead replaces π,
    π − 1 and 1/(4π) by the thin float64 values)."""
    if fault and fault not in intervals.FAULTS:
        raise ValueError(f"fault must be one of {', '.join(intervals.FAULTS)}, got {fault!r}")
    # a fault of the constants leaves the arithmetic sound (and its compiled kernels shared)
    arithmetic = "" if fault in intervals.CONSTANT_FAULTS else fault
    with _precision(CONSTANTS_PRECISION):
        balls = arb_constants(k, r, eta, eta_a)
        out = StepConstants(*(enclosure(ball, arithmetic) for ball in balls))
    if fault == "pi-as-float":
        as_float = float_constants(k, r, eta, eta_a)
        out = out._replace(**{name: Interval(getattr(as_float, name), getattr(as_float, name), arithmetic)
                              for name in ("pi", "pi_minus_1", "quarter_over_pi")})
    return out


def float_constants(k: int, r: float, eta: float, eta_a: float | None = None) -> StepConstants:
    """The float64 twin: :meth:`theory.reduced_gd.Plane.constants` of the canonical teacher of
    (k, r, κ = 1) — what :func:`theory.invariants.outcomes_at_infinity` runs."""
    from theory import invariants

    k, r, eta, eta_a = _checked(k, r, eta, eta_a)
    plane = reduced_gd.Plane.for_teacher(invariants.canonical_teacher(k, r, 1.0))
    return plane.constants(eta, eta_a)


class _precision:
    """python-flint's (process-wide) precision set for a block, and restored."""

    def __init__(self, bits: int):
        self.bits = bits

    def __enter__(self):
        self.saved, flint.ctx.prec = flint.ctx.prec, self.bits

    def __exit__(self, *exc):
        flint.ctx.prec = self.saved


# --- the step's helpers on arb balls (the reference) --------------------------------------------------

@reduced_gd.flush_tiny_angle.register(flint.arb)
def _flush_arb(x, y):
    return y                                   # exact arithmetic: no flush


@reduced_gd.square.register(flint.arb)
def _square_arb(x):
    return x * x


@reduced_gd.hypot.register(flint.arb)
def _hypot_arb(x, y):
    return (x * x + y * y).sqrt()


@reduced_gd.angle_pair.register(flint.arb)
def _angle_pair_arb(x, y, pi):
    big_y = abs(y)                             # φ = atan2(|y|, x), δ = π − φ = atan2(|y|, −x)
    return flint.arb.atan2(big_y, x), flint.arb.atan2(big_y, -x)


@jets.symmetric_hull.register(flint.arb)
def _symmetric_hull_arb(d):
    return flint.arb(0, abs(d).upper())


def arb_ball(lo: float, hi: float):
    """The arb ball holding [lo, hi] (exactly representable endpoints; rounded outward)."""
    return flint.arb(lo).union(flint.arb(hi))


# --- the compiled entry points -------------------------------------------------------------------------

prange: Any
try:
    from numba import prange
except ImportError:  # pragma: no cover - numba is a declared dependency
    prange = range


def _box_step_loop(lo, hi, consts, state_lo, state_hi, measures_lo, measures_hi):
    """:func:`theory.reduced_gd.step` on each box (rows of lo, hi), in interval arithmetic."""
    reference = consts.pi        # the boxes' intervals in the constants' arithmetic (a planted fault)
    for i in prange(lo.shape[0]):
        x, y = intervals.like(reference, lo[i, 0], hi[i, 0]), intervals.like(reference, lo[i, 1], hi[i, 1])
        z1, z2 = intervals.like(reference, lo[i, 2], hi[i, 2]), intervals.like(reference, lo[i, 3], hi[i, 3])
        residual_sq = intervals.like(reference, lo[i, 4], hi[i, 4])
        out = reduced_gd.step(x, y, z1, z2, residual_sq, consts)
        for j, value in enumerate((out.x, out.y, out.z1, out.z2)):
            state_lo[i, j], state_hi[i, j] = value.lo, value.hi
        for j, value in enumerate((out.phi, out.delta, out.loss, out.a_dot, out.a_sum, out.a_sq)):
            measures_lo[i, j], measures_hi[i, j] = value.lo, value.hi


def _box_jacobian_loop(lo, hi, consts, state_lo, state_hi, measures_lo, measures_hi,
                       jacobian_lo, jacobian_hi, gradient_lo, gradient_hi):
    """:func:`theory.reduced_gd.step` on each box in jets seeded with the identity: values as in
    :func:`_box_step_loop`, and the partials of every output over the box."""
    reference = consts.pi
    for i in prange(lo.shape[0]):
        x = jets.variable(intervals.like(reference, lo[i, 0], hi[i, 0]), 0)
        y = jets.variable(intervals.like(reference, lo[i, 1], hi[i, 1]), 1)
        z1 = jets.variable(intervals.like(reference, lo[i, 2], hi[i, 2]), 2)
        z2 = jets.variable(intervals.like(reference, lo[i, 3], hi[i, 3]), 3)
        residual_sq = intervals.like(reference, lo[i, 4], hi[i, 4])     # a constant: the step does not move it
        out = reduced_gd.step(x, y, z1, z2, residual_sq, consts)
        for j, value in enumerate((out.x, out.y, out.z1, out.z2)):
            state_lo[i, j], state_hi[i, j] = value.value.lo, value.value.hi
            for m, partial in enumerate((value.d0, value.d1, value.d2, value.d3)):
                jacobian_lo[i, j, m], jacobian_hi[i, j, m] = partial.lo, partial.hi
        for j, value in enumerate((out.phi, out.delta, out.loss, out.a_dot, out.a_sum, out.a_sq)):
            measures_lo[i, j], measures_hi[i, j] = value.value.lo, value.value.hi
        loss = out.loss
        for m, partial in enumerate((loss.d0, loss.d1, loss.d2, loss.d3)):
            gradient_lo[i, m], gradient_hi[i, m] = partial.lo, partial.hi


_KERNELS: dict[str, Any] = {}


def _kernel(name: str):
    if name not in _KERNELS:
        loop = _box_step_loop if name == "step" else _box_jacobian_loop
        _KERNELS[name] = intervals.compile_cached(loop, parallel=True, sources=BOX_SOURCES)
    return _KERNELS[name]


BOX_SOURCES = (*intervals.INTERVAL_SOURCES, Path(str(jets.__file__)), Path(__file__))


def _boxes(lo, hi, consts) -> tuple[np.ndarray, np.ndarray]:
    lo = np.ascontiguousarray(validation.numeric_array(lo, "lo"))
    hi = np.ascontiguousarray(validation.numeric_array(hi, "hi"))
    width = len(STATE)
    if lo.ndim != 2 or lo.shape[1] != width or lo.shape != hi.shape:
        raise ValueError(f"lo and hi must have one shape (n, {width}) — columns {', '.join(STATE)} — "
                         f"got {lo.shape} and {hi.shape}")
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        raise ValueError("box bounds must be finite")
    if not np.all(lo <= hi):
        raise ValueError("every box needs lo <= hi")
    if np.any(lo[:, 4] < 0):
        raise ValueError("residual_sq is a squared norm: its lower bound must be >= 0")
    if not (isinstance(consts, StepConstants) and all(isinstance(c, Interval) for c in consts)):
        raise ValueError("consts must be StepConstants of Intervals (interval_constants)")
    if len({c.fault for c in consts}) != 1:
        raise ValueError("consts must all be of one interval arithmetic (one fault)")
    return lo, hi


def box_step(lo, hi, consts: StepConstants) -> BoxImage:
    """Enclosures of one step from every state of each box [lo, hi] (rows; columns :data:`STATE`)
    with :func:`interval_constants` ``consts``."""
    lo, hi = _boxes(lo, hi, consts)
    n = lo.shape[0]
    image = BoxImage(np.empty((n, 4)), np.empty((n, 4)), np.empty((n, len(MEASURES))), np.empty((n, len(MEASURES))))
    _kernel("step")(lo, hi, consts, *image)
    return image


def box_jacobian(lo, hi, consts: StepConstants) -> BoxJacobian:
    """:func:`box_step`'s enclosures, and enclosures of the step's Jacobian and of the loss's
    gradient over each box (:class:`BoxJacobian`)."""
    lo, hi = _boxes(lo, hi, consts)
    n = lo.shape[0]
    image = BoxImage(np.empty((n, 4)), np.empty((n, 4)), np.empty((n, len(MEASURES))), np.empty((n, len(MEASURES))))
    out = BoxJacobian(image, np.empty((n, 4, 4)), np.empty((n, 4, 4)), np.empty((n, 4)), np.empty((n, 4)))
    _kernel("jacobian")(lo, hi, consts, *image, *out[1:])
    return out


# --- the reference: the same step in arb at points ----------------------------------------------------

def arb_point(state) -> tuple:
    """A state (x, y, z₁, z₂, residual²) as exact arb balls (floats are dyadic: no rounding)."""
    return tuple(flint.arb(float(value)) for value in state)


def reference_step(state, consts: StepConstants):
    """:func:`theory.reduced_gd.step` in arb at one state (floats taken exactly) with
    :func:`arb_constants` ``consts``: a StepResult of balls around the exact image."""
    return reduced_gd.step(*arb_point(state), consts)


def reference_jacobian(state, consts: StepConstants):
    """The same in arb jets seeded with the identity: a StepResult of :class:`theory.jets.Jet`,
    whose partials are the exact Jacobian's (in balls) — the same source as the compiled jets."""
    x, y, z1, z2, residual_sq = arb_point(state)
    return reduced_gd.step(jets.variable(x, 0), jets.variable(y, 1), jets.variable(z1, 2), jets.variable(z2, 3),
                           residual_sq, consts)


class EnclosureFailure(NamedTuple):
    """An exact value (arb, at a state of a box) outside the enclosure computed for that box."""

    box: int
    output: str                  # "x", …, "phi", …, "d x/d y" (a Jacobian entry), "d loss/d z1", "pi"
    state: tuple[float, ...]
    exact: str                   # the arb ball
    lo: float
    hi: float


REFERENCE_PRECISIONS = (256, 1024, 4096, 16384)
"""Bits of arb at which :func:`enclosure_failures` evaluates the reference, in turn, until each
ball is certainly inside or certainly outside its enclosure (an exact image can lie far closer
to a float bound than 256 bits resolve: y moves by 10⁻³²⁴ of itself near φ = π)."""


def _side(ball, lo: float, hi: float) -> int:
    """1 if the ball is certainly inside [lo, hi], −1 if some point of it is certainly outside
    (all of it beyond a bound), 0 when it overlaps a bound (undecided at this precision)."""
    if bool(ball.lower() >= lo) and bool(ball.upper() <= hi):
        return 1
    if bool(ball < lo) or bool(ball > hi):
        return -1
    return 0


def constant_failures(consts: StepConstants, balls: StepConstants) -> list[EnclosureFailure]:
    """The constants whose interval does not certainly contain the arb ball (:func:`arb_constants`)."""
    return [EnclosureFailure(-1, name, (), str(ball), interval.lo, interval.hi)
            for name, interval, ball in zip(StepConstants._fields, consts, balls, strict=True)
            if _side(ball, interval.lo, interval.hi) != 1]


def _reference_outputs(state, balls: StepConstants, jacobian: bool) -> list:
    """The exact outputs at a state, in :func:`_output_names`' order."""
    out = reference_step(state, balls)
    values = [out.x, out.y, out.z1, out.z2, out.phi, out.delta, out.loss, out.a_dot, out.a_sum, out.a_sq]
    if not jacobian:
        return values
    derivative = reference_jacobian(state, balls)
    rows = (derivative.x, derivative.y, derivative.z1, derivative.z2, derivative.loss)
    return values + [partial for row in rows for partial in row.partials]


def _output_names(jacobian: bool) -> list[str]:
    names = list(MOVED + MEASURES)
    if jacobian:
        names += [f"d {output}/d {coordinate}" for output in (*MOVED, "loss") for coordinate in MOVED]
    return names


def enclosure_failures(lo, hi, consts: StepConstants, k: int, r: float, eta: float, eta_a: float | None = None, *,
                       rng: np.random.Generator, points: int = 1, jacobian: bool = False) -> list[EnclosureFailure]:
    """Re-prove a sample in arb: at both corners of each box and at ``points`` uniform random
    states inside it, the exact image (:func:`reference_step` with :func:`arb_constants` of
    (k, r, η, η_a)) must lie in :func:`box_step`'s enclosures — every output, φ, δ and ℓ
    included — and, when ``jacobian``, the exact Jacobian and loss gradient
    (:func:`reference_jacobian`, at states with y ≠ 0) in :func:`box_jacobian`'s; and the
    constants ``consts`` must contain the exact ones. A ball that overlaps a bound is evaluated
    again at each of :data:`REFERENCE_PRECISIONS` in turn; one still undecided at the last is
    reported as a failure too. Returns every failure: none when the arithmetic is sound."""
    lo, hi = _boxes(lo, hi, consts)
    found = box_jacobian(lo, hi, consts) if jacobian else None
    image = found.image if found is not None else box_step(lo, hi, consts)
    n = lo.shape[0]
    enclosures_lo = [image.state_lo, image.measures_lo]
    enclosures_hi = [image.state_hi, image.measures_hi]
    if found is not None:
        enclosures_lo += [found.jacobian_lo.reshape(n, -1), found.loss_gradient_lo]
        enclosures_hi += [found.jacobian_hi.reshape(n, -1), found.loss_gradient_hi]
    bound_lo, bound_hi = np.concatenate(enclosures_lo, axis=1), np.concatenate(enclosures_hi, axis=1)
    names = _output_names(jacobian)
    constants: dict[int, StepConstants] = {}

    def balls(bits: int) -> StepConstants:
        if bits not in constants:
            constants[bits] = arb_constants(k, r, eta, eta_a)
        return constants[bits]

    with _precision(REFERENCE_PRECISIONS[0]):
        failures = constant_failures(consts, balls(REFERENCE_PRECISIONS[0]))
    for i in range(n):
        states = [lo[i], hi[i], *(lo[i] + rng.random(len(STATE)) * (hi[i] - lo[i]) for _ in range(points))]
        for state in states:
            state = np.clip(state, lo[i], hi[i])
            with_jacobian = jacobian and state[1] != 0      # |y| has no derivative at y = 0
            pending = list(range(len(names) if with_jacobian else len(MOVED + MEASURES)))
            exact: list = []
            for bits in REFERENCE_PRECISIONS:
                with _precision(bits):
                    exact = _reference_outputs(state, balls(bits), with_jacobian)
                    sides = {j: _side(exact[j], bound_lo[i, j], bound_hi[i, j]) for j in pending}
                failures += [EnclosureFailure(i, names[j], tuple(state), str(exact[j]), bound_lo[i, j], bound_hi[i, j])
                             for j in pending if sides[j] == -1]
                pending = [j for j in pending if sides[j] == 0]
                if not pending:
                    break
            failures += [EnclosureFailure(i, f"{names[j]} (undecided)", tuple(state), str(exact[j]),
                                          bound_lo[i, j], bound_hi[i, j]) for j in pending]
    return failures
