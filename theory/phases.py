"""The two phases of a GD run, measured in reduced coordinates at any k and p.

For each trajectory: T₁, the first step with φ < ``phi_end`` and aᵀa* ≥ ``adot_end`` (the end
of Phase I; docs/mathematics.md#gradient-descent), the loss at step 0 and at T₁, T_floor, the first step with
ℓ ≤ ``floor`` (where float64 stops resolving the decrease), and the loss sampled every
``stride`` steps, so that curves can be aligned at T₁ afterwards. One compiled loop (parallel
over trajectories) runs :func:`theory.reduced_gd.step`, the same step as the GD engines; the
numpy fallback runs the same step on arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from theory import reduced_gd
from theory.teacher import Teacher


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


_PHASE_KERNEL = None


def _phase_loop(x, y, z1, z2, residual_sq, rho_sq, steps, consts, phi_end, adot_end, floor, stride,
                t1, t_floor, loss0, loss_t1, loss_floor, samples):
    """Every trajectory until ℓ ≤ floor or ``steps``; compiled by :func:`_kernel`."""
    for i in _prange(x.shape[0]):
        xi, yi, z1i, z2i, res = x[i], y[i], z1[i], z2[i], residual_sq[i]
        for t in range(steps + 1):
            nx, ny, nz1, nz2, phi, loss, a_dot, _, _ = reduced_gd.step(xi, yi, z1i, z2i, res, consts)
            if t == 0:
                loss0[i] = loss
            if t % stride == 0:
                samples[i, t // stride] = loss
            if t1[i] < 0 and phi < phi_end and a_dot >= adot_end:
                t1[i], loss_t1[i] = t, loss
            if loss <= floor:
                t_floor[i], loss_floor[i] = t, loss
                break
            xi, yi, z1i, z2i, res = nx, ny, nz1, nz2, res * rho_sq


_prange = range


def _kernel():
    """The compiled phase loop (disk-cached), or None without numba."""
    global _PHASE_KERNEL
    if _PHASE_KERNEL is None:
        _PHASE_KERNEL = build_kernel(cache=True) or False
    return _PHASE_KERNEL or None


def build_kernel(cache: bool, parallel: bool = True):
    """A new compiled phase loop bound to :func:`theory.reduced_gd.step` as it is now (tests plant
    a faulty step with ``cache=False``, ``parallel=False``); None without numba."""
    global _prange
    try:
        import numba
    except ImportError:
        return None
    _prange = numba.prange
    return numba.njit(parallel=parallel, cache=cache, error_model="numpy")(_phase_loop)


def measure(teacher: Teacher, start, eta: float, steps: int, floor_fraction: float = 1e-10,
            samples: int = 400) -> Phases:
    """Phases of trajectories starting at ``start`` = (x, y, z1, z2, residual_sq) in reduced
    coordinates (:mod:`theory.initialization`), run with step size ``eta`` for at most
    ``steps`` steps or until ℓ ≤ ``floor_fraction``·½E f*². Phase I ends at φ < π/4 and
    aᵀa* ≥ ½‖w*‖‖a*‖² (docs/mathematics.md#gradient-descent)."""
    plane = reduced_gd.Plane.for_teacher(teacher)
    x, y, z1, z2, residual_sq = (np.ascontiguousarray(a, dtype=float).copy() for a in start)
    n = x.shape[0]
    c, s, a_sq = teacher.w_norm, teacher.a_sum, teacher.a_sq
    scale = c * c * ((math.pi - 1) * a_sq + s * s) / (4 * math.pi)      # ℓ at a = 0
    rho = 1 - eta * (math.pi - 1) / (2 * math.pi)
    stride = max(1, -(-steps // samples))
    out = Phases(np.full(n, -1, np.int64), np.full(n, -1, np.int64), np.zeros(n), np.full(n, np.nan),
                 np.full(n, np.nan), np.full((n, steps // stride + 1), np.nan), stride,
                 x / np.sqrt(x * x + y * y), plane.q_astar[0] * z1 + plane.q_astar[1] * z2)
    arguments = (x, y, z1, z2, residual_sq, rho * rho, steps, plane.constants(eta, eta), math.pi / 4,
                 0.5 * c * a_sq, floor_fraction * scale, stride, out.t1, out.t_floor, out.loss0,
                 out.loss_t1, out.loss_floor, out.samples)
    kernel = _kernel()
    if kernel is not None:
        with reduced_gd.KERNEL_LOCK:
            kernel(*arguments)
    else:
        _phase_loop(*arguments)
    return out
