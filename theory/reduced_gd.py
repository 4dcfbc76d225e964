"""The reduced GD engine: each trajectory advanced in O(1) per step, whatever k and p are.

Population GD stays in the plane span{v₀, w*}, and a moves in span{a*, 1} plus a residual that
only shrinks, by ρ = 1 − η(π − 1)/(2π) per step. A trajectory is the plane coordinates (x, y) of
v (x along ŵ*), the coordinates (z₁, z₂) of a in an orthonormal basis Q of span{a*, 1}, and the
residual's squared norm. One step function, :func:`step`, written with arithmetic and four
helpers only, is compiled by numba (the kernel, parallel over trajectories), run on arrays by
numpy, and evaluated on boxes of states in outward-rounded intervals and jets
(:mod:`theory.box_step`, for proofs) and in python-flint balls (their reference); one decision
function, :func:`decide` (the per-step end of :mod:`theory.decisions`), serves the float64
engines — and the full engine — in the same way.

What crosses these borders is named: :class:`StepConstants` in and :class:`StepResult` out of
:func:`step`, a :class:`theory.decisions.RunRule` into :func:`decide` and an
:class:`theory.decisions.Outcome` code out; the GD loops (this kernel, its numpy twin, the full
engine in float64 or mpmath) keep their runs in one :class:`Batch`; the phase loop
(:func:`_phase_loop`, for :mod:`theory.phases`) runs the same step on the same state, tracking
its own events instead of outcomes.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from theory import compile_cache, decisions, vector_math
from theory.decisions import (
    LEVELS,
    LOWER_OCTAVES,
    LOWER_PER_OCTAVE,
    UPPER_LEVELS,
    UPPER_OCTAVES,
    UPPER_PER_OCTAVE,
    Outcome,
)
from theory.teacher import Teacher

__all__ = [
    "DIVERGED",
    "FLUSH_ANGLE",
    "GLOBAL",
    "KERNEL_FASTMATH",
    "KERNEL_LOCK",
    "KERNEL_SOURCES",
    "LANES",
    "MIN_V_NORM",
    "SPURIOUS",
    "UNDECIDED",
    "Batch",
    "Plane",
    "ReducedState",
    "StepConstants",
    "StepResult",
    "advance",
    "angle_pair",
    "as_index",
    "build_kernel",
    "build_phase_kernel",
    "build_variant",
    "compiled_kernel",
    "compiled_phase_kernel",
    "decide",
    "flush_tiny_angle",
    "forget_stale_cache",
    "hypot",
    "phase_numpy",
    "residual_rate",
    "square",
    "step",
]

PI = math.pi
# ‖v₀‖ at least this (float64's normal range); GD's first v-step has length ≈ η‖w*‖|a₀ᵀa*|/(2‖v₀‖)
MIN_V_NORM = 1e-307
FLUSH_ANGLE = 1e-200
# Outcome codes as plain ints for the compiled functions (numba cannot add an IntEnum to a float)
UNDECIDED, GLOBAL, SPURIOUS, DIVERGED = (int(code) for code in Outcome)


def _plain(function=None, **options):
    """register_jitable without numba, bare or with options (``forceinline=True``): the function
    runs as plain Python and numpy."""
    return function if function is not None else (lambda inner: inner)


# Declared first so that the import and its fallback give the names one type each.
overload: Callable[..., Any] | None
register_jitable: Callable[..., Any]
try:   # step and decide run as plain numpy code, and inside the compiled kernel
    from numba import types as numba_types
    from numba.extending import overload, register_jitable
except ImportError:  # pragma: no cover - numba is a declared dependency; the numpy path runs without it
    overload = None
    register_jitable = _plain
_INLINE = {"forceinline": True}


class StepConstants(NamedTuple):
    """What :func:`step` reads of (teacher, η, η_a), with every division by 2π or 4π done once.

    Floats for the float64 engines (:meth:`Plane.constants`); enclosures for the exact
    arithmetics (:func:`theory.box_step.interval_constants`, :func:`theory.box_step.arb_constants`),
    which is why π and its two derived constants are fields and not literals of :func:`step`:
    an interval or a ball must enclose π itself, not fl(π). New fields go last: the C reference
    loop (benchmarks/reference_kernel.c) reads the first nine by position.
    """

    v_rate: Any            # η‖w*‖/(2π)
    a_rate: Any            # η_a/(2π)
    c: Any                 # ‖w*‖
    cs: Any                # ‖w*‖·1ᵀa*
    teacher_part: Any      # (π − 1)‖w*‖²‖a*‖²
    q1a: Any               # Qᵀ1
    q1b: Any
    qaa: Any               # Qᵀa*
    qab: Any
    pi: Any                # π
    pi_minus_1: Any        # π − 1
    quarter_over_pi: Any    # 1/(4π)


class StepResult(NamedTuple):
    """What :func:`step` returns: the state after the step, and what it measured at the state
    before it. Floats in the kernel, arrays on the numpy path, intervals, jets or balls in the
    exact arithmetics (:mod:`theory.box_step`)."""

    x: Any
    y: Any
    z1: Any
    z2: Any
    phi: Any               # φ
    delta: Any             # δ = π − φ, to full relative accuracy near φ = π
    loss: Any              # ℓ
    a_dot: Any             # aᵀa*
    a_sum: Any             # 1ᵀa
    a_sq: Any              # ‖a‖²


@dataclass(frozen=True)
class Plane:
    """Teacher constants in the reduced coordinates: Q = orthonormal basis of span{a*, 1}."""

    c: float
    s: float
    astar_sq: float
    basis: np.ndarray      # (k, 2); second column 0 when a* ∥ 1
    q_one: np.ndarray      # Qᵀ1
    q_astar: np.ndarray    # Qᵀa*

    @classmethod
    def for_teacher(cls, teacher: Teacher) -> Plane:
        a_star, k = teacher.a_star, teacher.k
        e1 = a_star / np.linalg.norm(a_star)
        ones = np.ones(k)
        rest = ones - (ones @ e1) * e1
        e2 = rest / np.linalg.norm(rest) if np.linalg.norm(rest) > 1e-12 * math.sqrt(k) else 0 * rest
        basis = np.stack([e1, e2], axis=1)
        arrays = (basis, basis.T @ ones, basis.T @ a_star)
        for array in arrays:   # cached per teacher (theory.dynamics.reduced_plane): nobody may edit it
            array.setflags(write=False)
        return cls(teacher.w_norm, float(a_star.sum()), float(a_star @ a_star), *arrays)

    def constants(self, eta: float, eta_a: float) -> StepConstants:
        """What :func:`step` reads at step sizes η (of v) and η_a (of a), in float64."""
        return StepConstants(eta * self.c / (2 * PI), eta_a / (2 * PI), self.c, self.c * self.s,
                             (PI - 1) * self.c * self.c * self.astar_sq, float(self.q_one[0]), float(self.q_one[1]),
                             float(self.q_astar[0]), float(self.q_astar[1]), PI, PI - 1, 1 / (4 * PI))


# --- the step's vocabulary ----------------------------------------------------------------------
# step() uses +, −, ×, ÷, builtin abs and the four helpers below, so that one source runs in five
# arithmetics: float64 scalars in the compiled kernels, numpy arrays, and — where theory.intervals
# and theory.jets add numba overloads, and theory.jets and theory.box_step Python registrations —
# outward-rounded intervals, jets over intervals, and python-flint balls (and jets over them) in
# plain Python. Each helper is a functools.singledispatch function: its default below is the
# float64 code (numpy arrays in Python, scalars in numba through the overloads at the end of this
# section); the exact arithmetics register their own versions.

@functools.singledispatch
def flush_tiny_angle(x, y):
    """y, or 0 where the angle to ±ŵ* is below :data:`FLUSH_ANGLE` — a float64 speed device.

    It changes no loss, gradient or decision in float64 (g(φ) and cos φ round to their values at
    0), and it keeps y out of the subnormal range, where every operation on it costs ~100 cycles
    (runs whose φ has converged while a still moves — most steps at large k — ran 6× slower).
    The exact arithmetics, which enclose exact real GD, take it as the identity."""
    return _flush_float(x, y)


def _flush_float(x, y):
    return y * (abs(y) >= FLUSH_ANGLE * abs(x))


@functools.singledispatch
def hypot(x, y):
    """‖v‖ = √(x² + y²), without underflow of x² + y² for a tiny ‖v‖ (:func:`theory.vector_math.hypot`)."""
    return vector_math.hypot(x, y)


@functools.singledispatch
def square(x):
    """x²: x·x in float64; the exact arithmetics take the tighter square of an interval."""
    return x * x


@functools.singledispatch
def angle_pair(x, y, pi):
    """(φ, δ) = (∠(v, ŵ*), π − φ) for v = (x, y) in the plane, each to full relative accuracy.

    One atan2 gives both: the angle to the nearer of ±ŵ*, atan2(|y|, |x|) ∈ [0, π/2], is computed
    (accurate even where it is tiny), and the other one is π minus it (no cancellation: it is at
    least π/2). Which is which depends on the sign of x. ``pi`` is π in the caller's arithmetic
    (:attr:`StepConstants.pi`)."""
    return _angle_pair_float(x, y, pi)


def _angle_pair_float(x, y, pi):
    near = vector_math.first_quadrant_atan2(abs(y), abs(x))   # the angle to the nearer of ±ŵ*
    behind = (x < 0) * 1.0                                     # 1 when v points away from w*
    return (1.0 - behind) * near + behind * (pi - near), (1.0 - behind) * (pi - near) + behind * near


def _hypot_float(x, y):
    return vector_math.hypot(x, y)


def _square_float(x):
    return x * x


if overload is not None:
    def _floats(*arguments) -> bool:
        return all(isinstance(a, numba_types.Float) for a in arguments)

    # the float64 code of each helper, compiled inline (LLVM alwaysinline) into the kernels
    overload(flush_tiny_angle, jit_options=_INLINE)(lambda x, y: _flush_float if _floats(x, y) else None)
    overload(hypot, jit_options=_INLINE)(lambda x, y: _hypot_float if _floats(x, y) else None)
    overload(square, jit_options=_INLINE)(lambda x: _square_float if _floats(x) else None)
    overload(angle_pair, jit_options=_INLINE)(lambda x, y, pi: _angle_pair_float if _floats(x, y, pi) else None)


@register_jitable(forceinline=True)   # inlined into the kernels (LLVM alwaysinline): their loops vectorize
def step(x, y, z1, z2, residual_sq, consts):
    """One GD step in reduced coordinates: a :class:`StepResult` (the new state, and (φ, δ, ℓ,
    aᵀa*, 1ᵀa, ‖a‖²) at the old one); ``consts`` are :class:`StepConstants`.

    v = x ŵ* + y e, a = z₁Q₁ + z₂Q₂ + residual. ∂ℓ/∂v = −(aᵀa*)(π − φ)/(2π‖v‖)·Pw* with
    Pw* = c (y², −xy)/‖v‖² in the plane; ∂ℓ/∂a in Q-coordinates is
    ((π − 1) z + (1ᵀa − c s) Qᵀ1 − c (g − 1) Qᵀa*)/(2π), g = δ cos φ + sin φ. The angle pair
    (φ, δ) comes from one atan2 (:func:`angle_pair`). Written with +, −, ×, ÷, abs and the
    helpers above only, so the same source is compiled by numba for float64 (the kernels), run
    by numpy on arrays, and evaluated on intervals, jets and balls (:mod:`theory.box_step`).
    """
    v_rate, a_rate, c, cs, teacher_part = consts.v_rate, consts.a_rate, consts.c, consts.cs, consts.teacher_part
    q1a, q1b, qaa, qab = consts.q1a, consts.q1b, consts.qaa, consts.qab
    pi_minus_1 = consts.pi_minus_1
    y = flush_tiny_angle(x, y)
    inv_r = 1.0 / hypot(x, y)                # hypot: no underflow of x² + y² for a tiny ‖v‖
    phi, delta = angle_pair(x, y, consts.pi)
    y_unit = y * inv_r                       # ŷ, signed: |ŷ| = sin φ
    g = delta * (x * inv_r) + abs(y_unit)
    a_dot = qaa * z1 + qab * z2
    a_sum = q1a * z1 + q1b * z2
    a_sq = square(z1) + square(z2) + residual_sq
    pull = a_sum - cs
    bend = c * (g - 1)
    loss = (pi_minus_1 * a_sq + teacher_part + square(pull) - 2 * bend * a_dot) * consts.quarter_over_pi
    # the v-step is ⟂ v with length v_rate·|aᵀa*|·δ·|ŷ|/‖v‖: written with the unit vector (x̂, ŷ)
    # and one 1/‖v‖, so that it stays finite for any representable ‖v‖ ≥ MIN_V_NORM; with ŷ
    # signed, Δv = turn·(ŷ, −x̂) needs no sign(y), so it is smooth in y (for the jets) as well
    turn = v_rate * a_dot * delta * inv_r * y_unit
    return StepResult(x + turn * y_unit, y - turn * x * inv_r,
                      z1 - a_rate * (pi_minus_1 * z1 + pull * q1a - bend * qaa),
                      z2 - a_rate * (pi_minus_1 * z2 + pull * q1b - bend * qab),
                      phi, delta, loss, a_dot, a_sum, a_sq)


def as_index(level):
    """Float levels as integer indices: arrays here, scalars in the kernel (overloaded below)."""
    return np.asarray(level).astype(np.int64)


if overload is not None:
    @overload(as_index, jit_options={"forceinline": True})
    def _as_index_scalar(level):
        return lambda level: int(level)


@register_jitable(forceinline=True)   # inlined into the kernels (LLVM alwaysinline): their loops vectorize
def decide(phi, loss, r2, a_sum, a_sq, rule, r2_min):
    """The :class:`theory.decisions.Outcome` code of each state, as a float — scalars or arrays.

    Written with arithmetic, comparisons and indexing only, so the compiled kernel and the
    numpy engines (reduced and full) share it; ``rule`` (a :class:`theory.decisions.RunRule`)
    and ``r2_min`` come from :class:`theory.decisions.DecisionTable`.
    """
    phi_split, global_base, global_span = rule.phi_split, rule.global_base, rule.global_span
    spurious_base, spurious_span, slack = rule.spurious_base, rule.spurious_span, rule.slack
    diverge_sum, diverge_perp_sq, k = rule.diverge_sum, rule.diverge_perp_sq, rule.k
    spurious_side = (phi > phi_split) * 1.0
    base = global_base + spurious_side * (spurious_base - global_base)
    span = global_span + spurious_side * (spurious_span - global_span)
    position = (loss + slack - base) / span                    # in (0, 1) below the side's top
    clipped = np.fmin(np.fmax(position, 1e-300), 1.0)        # fmin/fmax: a NaN becomes a bound
    # the least tabulated level at or above the position (theory.decisions.level_positions)
    upper = (clipped >= 0.5) * 1.0
    # (the 1e-9 keeps a rounded log2 from choosing a level just below the position)
    from_top = np.ceil(-UPPER_PER_OCTAVE * vector_math.log2(np.fmax(1.0 - clipped, 1e-300)) + 1e-9)
    from_bottom = np.minimum(np.floor(-LOWER_PER_OCTAVE * vector_math.log2(clipped) - 1e-9),
                             LOWER_PER_OCTAVE * LOWER_OCTAVES)
    level = (upper * np.fmax(UPPER_PER_OCTAVE * UPPER_OCTAVES - from_top, 0.0)
             + (1.0 - upper) * (UPPER_LEVELS - 1 + from_bottom - LOWER_PER_OCTAVE))
    tabulated = (1.0 - upper) + upper * (from_top <= UPPER_PER_OCTAVE * UPPER_OCTAVES)
    inside = (position > 0) & (position < 1) & (tabulated > 0)
    index = as_index(level + LEVELS * spurious_side)
    trapped = inside & (r2 >= r2_min[index])
    diverged = ((np.abs(a_sum) > diverge_sum) | (a_sq - a_sum * a_sum / k > diverge_perp_sq)
                | (np.abs(loss) > 1.7e308) | (loss != loss))   # a non-finite loss: left float64
    trapped_in = GLOBAL + spurious_side * (SPURIOUS - GLOBAL)
    return diverged * DIVERGED + (1 - diverged * 1) * trapped * trapped_in



lane_buffer = vector_math.lane_buffer
_KERNEL = None
_PHASE_KERNEL = None
_prange = range   # numba.prange once numba is loaded
KERNEL_LOCK = threading.Lock()   # numba's workqueue layer must not be entered by two threads


def compiled_kernel():
    """The numba kernel, compiled (and cached on disk) on first use; None without numba, or with
    NUMBA_DISABLE_JIT=1 (the numpy engine is then ~90× faster than the kernel interpreted).

    It calls :func:`step` and :func:`decide`, which live in this file, and inlines code and
    constants of :mod:`theory.vector_math` and :mod:`theory.decisions`: numba's disk cache is
    stamped with this file alone, so :func:`forget_stale_cache` drops it when any of the three
    changed.
    """
    global _KERNEL
    with KERNEL_LOCK:
        if _KERNEL is None:
            _KERNEL = build_kernel(cache=True) or False
    return _KERNEL or None


def compiled_phase_kernel():
    """The phase loop (:func:`_phase_loop`), compiled and cached like :func:`compiled_kernel` —
    it lives in this file for the same reason; None without numba."""
    global _PHASE_KERNEL
    with KERNEL_LOCK:
        if _PHASE_KERNEL is None:
            _PHASE_KERNEL = build_phase_kernel(cache=True) or False
    return _PHASE_KERNEL or None


def build_kernel(cache: bool, parallel: bool = True):
    """A new compiled kernel bound to this module's current :func:`step`; None without numba.
    ``cache=False, parallel=False`` gives a fresh serial compile (tests/unit/test_simd.py reads its
    assembly); planted faults use :func:`build_variant`."""
    return _compile(_kernel, cache, parallel)


def build_phase_kernel(cache: bool, parallel: bool = True):
    """A new compiled phase loop bound to the current :func:`step`, as :func:`build_kernel`."""
    return _compile(_phase_loop, cache, parallel)


def build_variant(loop_name: str, label: str, replacement_step, sources: tuple[Path, ...]):
    """The GD kernel (``loop_name`` "_kernel") or the phase loop ("_phase_loop") compiled serially
    around another step function — a planted fault — and cached on disk under its own name,
    ``<loop>__<label>``, stamped with :data:`KERNEL_SOURCES` and ``sources`` (the files the
    replacement's code comes from); None without numba. A cached variant loads in ≈ 0.25 s
    instead of compiling in ≈ 2.5 s."""
    loop = {"_kernel": _kernel, "_phase_loop": _phase_loop}[loop_name]
    name = f"{loop.__name__}__{label.replace('-', '_')}"
    # its own globals: `step` is the replacement, `_prange` serial; the module is left untouched
    namespace = {**loop.__globals__, "step": replacement_step, "_prange": range}
    variant = types.FunctionType(loop.__code__.replace(co_name=name, co_qualname=name), namespace, name)
    variant.__qualname__ = name
    return _compile(variant, True, False, KERNEL_SOURCES + tuple(sources))


def _compile(loop, cache: bool, parallel: bool, sources: tuple[Path, ...] | None = None):
    global _prange
    try:
        import numba
    except ImportError:
        return None
    if numba.config.DISABLE_JIT:  # type: ignore[attr-defined]  # set at import from the environment; NUMBA_DISABLE_JIT=1: the kernel would run interpreted, ~90× slower than numpy
        return None
    _prange = numba.prange
    if not cache:
        return numba.njit(parallel=parallel, error_model="numpy", fastmath=set(KERNEL_FASTMATH))(loop)
    # an on-disk cache when one can be used (compile_cache: damaged or unwritable ones are bypassed),
    # stamped with every file whose code the loop inlines
    return compile_cache.jit(loop, KERNEL_SOURCES if sources is None else sources, parallel=parallel,
                             error_model="numpy", fastmath=set(KERNEL_FASTMATH))


# Every file whose code or constants the compiled loops contain (numba itself watches only this one).
KERNEL_SOURCES = (Path(__file__), Path(str(vector_math.__file__)), Path(str(decisions.__file__)))
forget_stale_cache = compile_cache.forget_stale_cache


# LLVM may fuse a·b + c into one FMA (one rounding instead of two: theory.vector_math's error bounds
# hold either way) and nothing else: no nnan/ninf (a NaN or ∞ loss means diverged), no reassoc
# (it would reorder the atan2 polynomial's sums, whose order the error bound assumes), no
# arcp/afn (they gained nothing measurable). Measured on the kernel: contract 1.65× no flags.
KERNEL_FASTMATH = ("contract",)
LANES = 64   # trajectories a kernel task advances together: whole vectors of any width up to 16


def _kernel(x, y, z1, z2, residual_sq, rho_sq, steps, consts, rule, r2_min,
            outcome, decided_step, ascents, late_ascents, until_decided):
    """All trajectories for ``steps`` steps, in place; compiled by :func:`compiled_kernel`.

    Each task advances LANES trajectories together, one step at a time, in loops over the lanes
    without branches (masks instead of ``continue``), so LLVM vectorizes them: :func:`step` and
    :func:`decide` run on a vector of trajectories at once, their atan2, hypot and log2 from
    :mod:`theory.vector_math`, the level lookup a gather. A step is three passes over the lanes:
    the step itself, the decision (skipped when no lane of the task can still be decided: most
    steps, once runs are decided), the move. A trajectory stops early once
    diverged, or once decided when ``until_decided`` (a stopped lane is still computed, and
    discarded); a task ends when all of its trajectories have stopped. Every lane runs through
    the same vector code (LANES is a multiple of any vector width), and a lane's numbers depend
    on its own trajectory alone: the same whatever the number of threads.

    Decisions stay what the trapping lemma allows (docs/mathematics.md#the-simd-kernel): the
    vector atan2 is off by < 2.5 ulp, hypot by < 1.5 ulp, log2 by < 3·10⁻¹³. An angle error of
    ~10⁻¹⁵ rad moves ℓ by ≲ 10⁻³ of ``slack`` (10⁻¹² of ½E f*², added to ℓ before a level is
    looked up), so the level found is still above the exact ℓ; it cannot move φ across φ_s,
    which is ≳ 10⁻⁶ rad inside the band of any level used; and decide()'s ±10⁻⁹ margins around
    the log₂ level index absorb any log₂ error below 1.25·10⁻¹⁰. Against numpy's engine only a
    decision step may move, by a step, where a threshold is crossed (tests/unit/test_simd.py).
    """
    slack, top = rule.slack, rule.global_span       # the global side's base is 0: its span is the top
    # decide() can only answer when the loss is below the saddle's, when divergence is possible, or when
    # the loss is not finite
    always_decide = rule.diverge_sum < np.inf or rule.diverge_perp_sq < np.inf
    go_on_when_decided = not until_decided
    n = x.shape[0]
    for block in _prange((n + LANES - 1) // LANES):
        lo = block * LANES
        width = min(LANES, n - lo)
        # the lanes' state on the stack (vector_math.lane_buffer): the loop below vectorizes
        xs, ys, z1s, z2s, res, previous = (lane_buffer(LANES, np.float64), lane_buffer(LANES, np.float64),
                                           lane_buffer(LANES, np.float64), lane_buffer(LANES, np.float64),
                                           lane_buffer(LANES, np.float64), lane_buffer(LANES, np.float64))
        code, decided, rises, late = (lane_buffer(LANES, np.int64), lane_buffer(LANES, np.int64),
                                      lane_buffer(LANES, np.int64), lane_buffer(LANES, np.int64))
        running = lane_buffer(LANES, np.bool_)
        # what one step leaves for the decision and the move (three vectorized passes per step)
        new_x, new_y, new_z1, new_z2 = (lane_buffer(LANES, np.float64), lane_buffer(LANES, np.float64),
                                        lane_buffer(LANES, np.float64), lane_buffer(LANES, np.float64))
        phis, losses, sums, squares = (lane_buffer(LANES, np.float64), lane_buffer(LANES, np.float64),
                                       lane_buffer(LANES, np.float64), lane_buffer(LANES, np.float64))
        asks = lane_buffer(LANES, np.bool_)
        for lane in range(LANES):     # padding lanes (past n) hold a valid state and never run
            inside = lane < width
            at = lo + lane if inside else lo
            xs[lane], ys[lane] = x[at] if inside else 1.0, y[at] if inside else 0.0
            z1s[lane], z2s[lane], res[lane] = z1[at], z2[at], residual_sq[at]
            code[lane], decided[lane], running[lane] = outcome[at], decided_step[at], inside
            previous[lane], rises[lane], late[lane] = np.inf, 0, 0
        for t in range(steps + 1):
            pending = 0
            for lane in range(LANES):   # the step, and the ascent bookkeeping
                new = step(xs[lane], ys[lane], z1s[lane], z2s[lane], res[lane], consts)
                loss = new.loss
                new_x[lane], new_y[lane], new_z1[lane], new_z2[lane] = new.x, new.y, new.z1, new.z2
                phis[lane], losses[lane], sums[lane], squares[lane] = new.phi, loss, new.a_sum, new.a_sq
                live = running[lane]
                rising = live & (loss > previous[lane] + slack)
                rises[lane] += rising
                late[lane] += rising & (decided[lane] >= 0)
                previous[lane] = loss
                # decide() answers only below the top, where divergence is possible, or for a
                # non-finite loss (a state that left float64 is diverged, as on the numpy path)
                ask = live & (decided[lane] < 0) & (always_decide | (loss + slack < top)
                                                    | (np.abs(loss) > 1.7e308) | (loss != loss))
                asks[lane] = ask
                pending += ask
            if pending > 0:             # the decision, while some lane can still be decided
                for lane in range(LANES):
                    found = decide(phis[lane], losses[lane], xs[lane] * xs[lane] + ys[lane] * ys[lane],
                                   sums[lane], squares[lane], rule, r2_min)
                    newly = asks[lane] & (found != UNDECIDED)
                    code[lane] = as_index(found) if newly else code[lane]
                    decided[lane] = t if newly else decided[lane]
            moving = 0
            more = t < steps
            for lane in range(LANES):   # the move, for the lanes that go on
                keeps = running[lane] & ((decided[lane] < 0) | (go_on_when_decided & (code[lane] != DIVERGED)))
                moves = keeps & more
                running[lane] = keeps
                xs[lane] = new_x[lane] if moves else xs[lane]
                ys[lane] = new_y[lane] if moves else ys[lane]
                z1s[lane] = new_z1[lane] if moves else z1s[lane]
                z2s[lane] = new_z2[lane] if moves else z2s[lane]
                res[lane] = res[lane] * rho_sq if moves else res[lane]
                moving += moves
            if moving == 0:
                break
        for lane in range(width):
            x[lo + lane], y[lo + lane], z1[lo + lane], z2[lo + lane] = xs[lane], ys[lane], z1s[lane], z2s[lane]
            residual_sq[lo + lane], outcome[lo + lane], decided_step[lo + lane] = res[lane], code[lane], decided[lane]
            ascents[lo + lane], late_ascents[lo + lane] = rises[lane], late[lane]


def _phase_loop(x, y, z1, z2, residual_sq, rho_sq, steps, consts, phi_end, adot_end, floor, stride,
                t1, t_floor, loss0, loss_t1, loss_floor, samples):
    """Every trajectory until ℓ ≤ floor or ``steps`` (:func:`theory.phases.measure`), LANES at a
    time in branch-free passes over the lanes like :func:`_kernel` (so LLVM vectorizes the step);
    compiled by :func:`compiled_phase_kernel`, run by :func:`phase_numpy` without numba. A lane's
    events depend on its own trajectory alone: the same whatever the number of threads."""
    n = x.shape[0]
    for block in _prange((n + LANES - 1) // LANES):
        lo = block * LANES
        width = min(LANES, n - lo)
        xs, ys, z1s, z2s, res = (lane_buffer(LANES, np.float64), lane_buffer(LANES, np.float64),
                                 lane_buffer(LANES, np.float64), lane_buffer(LANES, np.float64),
                                 lane_buffer(LANES, np.float64))
        losses, first_t, first_loss = (lane_buffer(LANES, np.float64), lane_buffer(LANES, np.int64),
                                       lane_buffer(LANES, np.float64))
        floor_t, floor_loss = lane_buffer(LANES, np.int64), lane_buffer(LANES, np.float64)
        running = lane_buffer(LANES, np.bool_)
        for lane in range(LANES):     # padding lanes (past n) hold a valid state and never run
            inside = lane < width
            at = lo + lane if inside else lo
            xs[lane], ys[lane] = x[at] if inside else 1.0, y[at] if inside else 0.0
            z1s[lane], z2s[lane], res[lane], running[lane] = z1[at], z2[at], residual_sq[at], inside
            first_t[lane], first_loss[lane] = t1[at], loss_t1[at]
            floor_t[lane], floor_loss[lane] = t_floor[at], loss_floor[at]
        for t in range(steps + 1):
            moving = 0
            for lane in range(LANES):   # the step, Phase I's end and the floor, vectorized
                new = step(xs[lane], ys[lane], z1s[lane], z2s[lane], res[lane], consts)
                live = running[lane]
                losses[lane] = new.loss
                entered = live & (first_t[lane] < 0) & (new.phi < phi_end) & (new.a_dot >= adot_end)
                first_t[lane] = t if entered else first_t[lane]
                first_loss[lane] = new.loss if entered else first_loss[lane]
                floored = live & (new.loss <= floor)
                floor_t[lane] = t if floored else floor_t[lane]
                floor_loss[lane] = new.loss if floored else floor_loss[lane]
                moves = live & ~floored
                running[lane] = moves
                xs[lane] = new.x if moves else xs[lane]
                ys[lane] = new.y if moves else ys[lane]
                z1s[lane] = new.z1 if moves else z1s[lane]
                z2s[lane] = new.z2 if moves else z2s[lane]
                res[lane] = res[lane] * rho_sq if moves else res[lane]
                moving += moves
            if t == 0:                  # the events of a few steps only: scalar stores
                for lane in range(width):
                    loss0[lo + lane] = losses[lane]
            if t % stride == 0:
                for lane in range(width):
                    # a lane sampled at step t was running at it: floored now, or still moving
                    if running[lane] or floor_t[lane] == t:
                        samples[lo + lane, t // stride] = losses[lane]
            if moving == 0:
                break
        for lane in range(width):
            t1[lo + lane], loss_t1[lo + lane] = first_t[lane], first_loss[lane]
            t_floor[lo + lane], loss_floor[lo + lane] = floor_t[lane], floor_loss[lane]


def phase_numpy(x, y, z1, z2, residual_sq, rho_sq, steps, consts, phi_end, adot_end, floor, stride,
                t1, t_floor, loss0, loss_t1, loss_floor, samples):
    """:func:`_phase_loop` vectorized over the trajectories still above the floor."""
    active = np.arange(x.shape[0])
    for t in range(steps + 1):
        new = step(x, y, z1, z2, residual_sq, consts)
        if t == 0:
            loss0[:] = new.loss
        if t % stride == 0:
            samples[active, t // stride] = new.loss
        entered = (t1[active] < 0) & (new.phi < phi_end) & (new.a_dot >= adot_end)
        t1[active[entered]], loss_t1[active[entered]] = t, new.loss[entered]
        floored = new.loss <= floor
        t_floor[active[floored]], loss_floor[active[floored]] = t, new.loss[floored]
        going = ~floored
        if not going.any():
            break
        active = active[going]
        x, y, z1, z2 = new.x[going], new.y[going], new.z1[going], new.z2[going]
        residual_sq = residual_sq[going] * rho_sq


@dataclass
class ReducedState:
    """n trajectories in reduced coordinates (updated in place by the engines)."""

    x: np.ndarray
    y: np.ndarray
    z1: np.ndarray
    z2: np.ndarray
    residual_sq: np.ndarray

    @classmethod
    def of(cls, x, y, z1, z2, residual_sq) -> ReducedState:
        return cls(*(np.ascontiguousarray(a, dtype=float) for a in (x, y, z1, z2, residual_sq)))

    def take(self, chosen) -> ReducedState:
        """The states of the runs ``chosen`` (copies)."""
        return ReducedState.of(*(getattr(self, name)[chosen] for name in _fields(self)))


def _fields(record) -> list[str]:
    return [f.name for f in dataclasses.fields(record)]


@dataclass
class Batch:
    """n runs of any engine: their state (a :class:`ReducedState`, or the full engine's
    ``theory.full_gd.FullState``) and their outcome bookkeeping, both updated in place."""

    state: Any
    outcome: np.ndarray            # Outcome codes
    decided: np.ndarray            # the step of the decision, −1 while undecided
    ascents: np.ndarray            # steps whose loss rose by more than the rule's slack
    late_ascents: np.ndarray       # … after the decision (0 unless the decision argument failed)

    @classmethod
    def start(cls, state, table, along_w_star: np.ndarray) -> Batch:
        """Runs before their first step: p = 1 runs, whose angle cannot move, are decided at step 0
        when the output layer contracts (it then converges for fixed φ); ``along_w_star`` is vᵀw*
        up to a positive factor."""
        n = along_w_star.shape[0]
        outcome, decided = np.zeros(n, dtype=np.int64), np.full(n, -1, dtype=np.int64)
        if table.angle_fixed and table.stable:
            outcome[:] = np.where(along_w_star > 0, Outcome.GLOBAL, Outcome.SPURIOUS)
            decided[:] = 0
        return cls(state, outcome, decided, np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64))

    @classmethod
    def concatenate(cls, parts: list[Batch]) -> Batch:
        """One batch of the runs of ``parts``, in order."""
        if len(parts) == 1:
            return parts[0]
        state = type(parts[0].state)(*(np.concatenate([getattr(b.state, name) for b in parts])
                                       for name in _fields(parts[0].state)))
        bookkeeping = _fields(cls)[1:]       # every field after the state
        return cls(state, *(np.concatenate([getattr(b, name) for b in parts]) for name in bookkeeping))

    def observe(self, t: int, loss, previous, found) -> None:
        """The numpy engines' bookkeeping of step ``t`` (the kernel's, vectorized): ascents of the
        loss above ``previous`` (already including the rule's slack), and the first decision."""
        rising = loss > previous
        self.ascents += rising
        self.late_ascents += rising & (self.decided >= 0)
        newly = (self.decided < 0) & (found != Outcome.UNDECIDED)
        self.outcome[newly], self.decided[newly] = found[newly], t

    def stopped(self, until_decided: bool) -> np.ndarray:
        """Runs that take no more steps: diverged ones, and decided ones when ``until_decided``."""
        return (self.decided >= 0) & ((self.outcome == Outcome.DIVERGED) | until_decided)

    def withdrawn(self) -> np.ndarray:
        """Runs whose decision was followed by a rising loss: the argument of
        :mod:`theory.decisions` excludes it, so only an engine fault could cause it."""
        return self.late_ascents > 0

    def kernel_arguments(self, rho_sq, steps, consts, table, until_decided):
        """The arguments of the compiled kernel (and of the C reference loop), in order."""
        state = self.state
        return (state.x, state.y, state.z1, state.z2, state.residual_sq, rho_sq, steps, consts,
                table.rule, table.r2_min, self.outcome, self.decided, self.ascents,
                self.late_ascents, until_decided)


def residual_rate(eta_a: float) -> float:
    """ρ = 1 − η_a(π − 1)/(2π), the residual's factor per step: on a ⟂ span{a*, 1} the loss is
    quadratic with curvature (π − 1)/(2π) (:func:`theory.decisions.curvatures`' ``across_ones``)."""
    return 1 - eta_a * (PI - 1) / (2 * PI)


def advance(batch: Batch, plane: Plane, table, steps: int, train_a: bool, until_decided: bool,
            kernel, record) -> tuple[str, dict]:
    """Run ``steps`` steps on the batch in place: the kernel when given, else numpy (which can
    record histories). Returns the engine's name and the histories."""
    eta_a = table.eta if train_a else 0.0
    rho = residual_rate(eta_a)
    consts = plane.constants(table.eta, eta_a)
    if kernel is not None:
        with KERNEL_LOCK:
            kernel(*batch.kernel_arguments(rho * rho, steps, consts, table, until_decided))
        return "reduced-numba", {}
    with np.errstate(over="ignore"):    # ‖v‖² past 1e154 overflows to ∞, which decides nothing wrongly
        return "reduced-numpy", _run_numpy(batch, rho * rho, steps, consts, table, until_decided, record)


def _run_numpy(batch: Batch, rho_sq, steps, consts, table, until_decided, record) -> dict:
    """The kernel's loop, vectorized over trajectories in numpy; returns ``record``'s histories."""
    state = batch.state
    x, y, z1, z2, residual_sq = state.x, state.y, state.z1, state.z2, state.residual_sq
    n = x.shape[0]
    history = {key: np.full((steps + 1, n), np.nan) for key in record}
    previous = np.full(n, np.inf)
    slack = table.rule.slack
    for t in range(steps + 1):
        new = step(x, y, z1, z2, residual_sq, consts)
        phi, loss, a_dot, a_sum, a_sq = new.phi, new.loss, new.a_dot, new.a_sum, new.a_sq
        found = decide(phi, loss, x * x + y * y, a_sum, a_sq, table.rule, table.r2_min).astype(np.int64)
        batch.observe(t, loss, previous + slack, found)
        previous = loss
        for key, value in (("phi", phi), ("loss", loss), ("a_dot", a_dot), ("a_sum", a_sum),
                           ("v_norm", np.hypot(x, y))):
            if key in history:
                history[key][t] = value
        stopped = batch.stopped(until_decided)
        if np.all(stopped) or t == steps:
            break
        moving = ~stopped
        x, y, z1, z2 = (np.where(moving, after, before)
                        for after, before in ((new.x, x), (new.y, y), (new.z1, z1), (new.z2, z2)))
        residual_sq = np.where(moving, residual_sq * rho_sq, residual_sq)
    state.x, state.y, state.z1, state.z2, state.residual_sq = x, y, z1, z2, residual_sq
    return history
