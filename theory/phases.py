"""The two phases of a GD run, measured in reduced coordinates at any k and p.

For each trajectory: T₁, the first step with φ < ``phi_end`` and aᵀa* ≥ ``adot_end`` (the end
of Phase I; docs/mathematics.md#gradient-descent), the loss at step 0 and at T₁, T_floor, the first step with
ℓ ≤ ``floor`` (where float64 stops resolving the decrease), and the loss sampled every
``stride`` steps, so that curves can be aligned at T₁ afterwards. The loop
(:func:`theory.reduced_gd._phase_loop`, compiled and parallel over trajectories, LANES at a time)
lives beside :func:`theory.reduced_gd.step`, the same step as the GD engines, so numba's disk
cache sees changes to either; the numpy path (:func:`theory.reduced_gd.phase_numpy`) runs the
same step on arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from theory import reduced_gd
from theory.teacher import Teacher

__all__ = ["Phases", "loss_at_zero", "measure"]


@dataclass
class Phases:
    """What :func:`measure` found for each trajectory (−1 where an event did not happen)."""

    t1: np.ndarray
    t_floor: np.ndarray
    loss0: np.ndarray
    loss_t1: np.ndarray
    loss_floor: np.ndarray
    samples: np.ndarray       # (n, count): ℓ at steps 0, stride, 2·stride, … (NaN past the end)
    stride: int
    cos_phi0: np.ndarray
    a_dot0: np.ndarray

    def per_step_decrease(self):
        """(before, after): the mean per-step decrease of log ℓ before T₁ and from T₁ to T_floor,
        NaN where T₁ or T_floor was not reached or T₁ = 0."""
        ok = (self.t1 > 0) & (self.t_floor > self.t1)
        with np.errstate(divide="ignore", invalid="ignore"):
            before = np.where(ok, np.log(self.loss0 / self.loss_t1) / self.t1, np.nan)
            after = np.where(ok, np.log(self.loss_t1 / self.loss_floor) / (self.t_floor - self.t1), np.nan)
        return before, after


def loss_at_zero(teacher: Teacher) -> float:
    """ℓ at a = 0 (whatever v): ½E f*² = ‖w*‖²((π − 1)‖a*‖² + (1ᵀa*)²)/(4π), the scale of the loss floor."""
    c, s, a_sq = teacher.w_norm, teacher.a_sum, teacher.a_sq
    return c * c * ((math.pi - 1) * a_sq + s * s) / (4 * math.pi)


def measure(teacher: Teacher, start, eta: float, steps: int, floor_fraction: float = 1e-10,
            samples: int = 400, engine: str = "auto") -> Phases:
    """Phases of trajectories starting at ``start`` (a :class:`theory.reduced_gd.ReducedState`,
    or its arrays (x, y, z1, z2, residual_sq); :mod:`theory.initialization`), run with step size
    ``eta`` for at most ``steps`` steps or until ℓ ≤ ``floor_fraction``·½E f*². Phase I ends at
    φ < π/4 and aᵀa* ≥ ½‖w*‖‖a*‖² (docs/mathematics.md#gradient-descent). ``engine``: ``auto``
    (compiled when numba is there), ``numba`` or ``numpy``."""
    if engine not in ("auto", "numba", "numpy"):
        raise ValueError(f"engine must be auto, numba or numpy, got {engine!r}")
    if isinstance(start, reduced_gd.ReducedState):
        start = (start.x, start.y, start.z1, start.z2, start.residual_sq)
    plane = reduced_gd.Plane.for_teacher(teacher)
    x, y, z1, z2, residual_sq = (np.ascontiguousarray(a, dtype=float).copy() for a in start)
    n = x.shape[0]
    c, a_sq = teacher.w_norm, teacher.a_sq
    scale = loss_at_zero(teacher)
    rho = reduced_gd.residual_rate(eta)
    stride = max(1, -(-steps // samples))
    out = Phases(np.full(n, -1, np.int64), np.full(n, -1, np.int64), np.zeros(n), np.full(n, np.nan),
                 np.full(n, np.nan), np.full((n, steps // stride + 1), np.nan), stride,
                 x / np.sqrt(x * x + y * y), plane.q_astar[0] * z1 + plane.q_astar[1] * z2)
    arguments = (x, y, z1, z2, residual_sq, rho * rho, steps, plane.constants(eta, eta), math.pi / 4,
                 0.5 * c * a_sq, floor_fraction * scale, stride, out.t1, out.t_floor, out.loss0,
                 out.loss_t1, out.loss_floor, out.samples)
    kernel = None if engine == "numpy" else reduced_gd.compiled_phase_kernel()
    if kernel is None and engine == "numba":
        raise ValueError("engine numba needs numba")
    if kernel is not None:
        with reduced_gd.KERNEL_LOCK:
            kernel(*arguments)
    else:
        with np.errstate(over="ignore"):
            reduced_gd.phase_numpy(*arguments)
    return out
