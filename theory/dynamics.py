"""Gradient descent with weight normalization on the population loss, batched over trajectories.

Two engines that must agree (tests/test_dynamics.py checks it to ~1e-12 over hundreds of steps):

* the **reduced** engine (default): population GD stays in the plane span{v₀, w*}, and a moves
  in span{a*, 1} plus a residual that only shrinks by ρ = 1 − η(π − 1)/(2π) per step. Each
  trajectory is therefore advanced in O(1) per step — two plane coordinates of v and two of a —
  whatever k and p are. One step function serves a compiled numba kernel (parallel over
  trajectories) and a vectorized numpy fallback.
* the **full** engine: plain full-dimensional batched numpy GD on V (n×p) and A (n×k).

Outcomes are decided by entering a region that contains exactly one critical point and that GD
cannot leave while it descends (every step's loss decrease is checked; a trajectory whose loss
ever rises stays ``undecided``):

* with a spurious minimum (saddle angle φ_s, saddle loss ℓ_sad): ``global`` once
  φ < φ_s and ℓ < ℓ_sad; ``spurious`` once φ > φ_s and ℓ < ℓ_sad. Since ℓ(φ, a) ≥ m(φ) and
  m rises to m(φ_s) = ℓ_sad at φ_s, a descending trajectory cannot cross φ_s afterwards;
* without one: ``global`` once ℓ < ℓ_s (the spurious point's loss; the only other critical point);
* p = 1: φ ∈ {0, π} never changes, so the outcome is fixed at step 0.

A trajectory converging to the spurious minimum enters its region long before π − φ_t (which
shrinks like 1/t) is small, so slow convergence is not mistaken for failure.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from theory import landscape, validation
from theory.teacher import Teacher

OUTCOMES = ("undecided", "global", "spurious")
SCHEMES = ("paper", "gaussian", "zero-a")
RECORDABLE = ("phi", "a_dot", "a_sum", "v_norm", "loss")
# A loss increase counts as an ascent only above this fraction of ½E f*² (the loss at a = 0):
# below it, it is rounding in the loss formula, not a failure of descent.
ASCENT_SLACK = 1e-12


# --- initialization -----------------------------------------------------------------------

def paper_radius(teacher: Teacher) -> float:
    """|1ᵀa*| ‖w*‖ / √k: the radius of the paper's ball for a₀ (0 when 1ᵀa* = 0)."""
    return abs(float(teacher.a_star.sum())) * teacher.w_norm / math.sqrt(teacher.k)


def random_init(teacher: Teacher, n: int, rng: np.random.Generator, scheme: str = "paper"):
    """(V0, A0) of shapes (n, p), (n, k); v₀ uniform on the unit sphere. Schemes for a₀:

    * ``paper``: uniform in the ball of radius |1ᵀa*|‖w*‖/√k (so |1ᵀa₀| ≤ |1ᵀa*|‖w*‖);
    * ``gaussian``: N(0, σ²I) with σ = ‖w*‖‖a*‖/√k (never degenerate);
    * ``zero-a``: a₀ = 0 (what the paper's scheme gives when 1ᵀa* = 0).
    """
    validation.teacher(teacher)
    n = validation.positive_int(n, "n")
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
    k, p = teacher.k, teacher.p
    v0 = rng.standard_normal((n, p))
    v0 /= np.linalg.norm(v0, axis=1, keepdims=True)
    if scheme == "paper":
        direction = rng.standard_normal((n, k))
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        a0 = paper_radius(teacher) * direction * rng.random((n, 1)) ** (1.0 / k)
    elif scheme == "gaussian":
        a0 = rng.standard_normal((n, k)) * teacher.w_norm * np.linalg.norm(teacher.a_star) / math.sqrt(k)
    else:
        a0 = np.zeros((n, k))
    return v0, a0


def default_eta(teacher: Teacher) -> float:
    """¼ of the stability limit 2/λ_max, with λ_max the largest Hessian eigenvalue at the global
    minimum for ‖v‖ = 1: max((k + π − 1)/(2π), ‖w*‖²‖a*‖²/2). ‖v‖ only grows, so the v-curvature
    only falls; the paper's own bound (an O(·) of cos φ₀) has no explicit constant."""
    return 0.5 / max((teacher.k + math.pi - 1) / (2 * math.pi),
                     teacher.w_norm ** 2 * float(teacher.a_star @ teacher.a_star) / 2)


# --- classification regions -----------------------------------------------------------

@dataclass(frozen=True)
class Regions:
    """Thresholds of the two decision regions (see the module docstring)."""

    phi_split: float          # φ_s, or π when there is no spurious minimum
    global_loss: float        # ℓ must fall below this to decide `global`
    spurious_loss: float      # … and below this (with φ > φ_split) to decide `spurious`
    ascent_slack: float       # loss increases up to this are rounding, not ascents

    @classmethod
    def for_teacher(cls, teacher: Teacher) -> "Regions":
        loss_s = landscape.spurious_loss(teacher)
        slack = ASCENT_SLACK * landscape.loss(teacher, teacher.w_star, np.zeros(teacher.k))
        phi_s = landscape.saddle_angle(teacher)
        if phi_s is None:
            return cls(math.pi, loss_s, -math.inf, slack)
        saddle_loss = landscape.profile(teacher, float(phi_s))
        return cls(float(phi_s), saddle_loss, saddle_loss, slack)

    def classify(self, phi, loss):
        return _classify(phi, loss, self.phi_split, self.global_loss, self.spurious_loss)


def _classify(phi, loss, phi_split, global_loss, spurious_loss):
    """1 (global), 2 (spurious) or 0, elementwise; arithmetic only, so numba compiles it too."""
    return 1 * ((phi < phi_split) & (loss < global_loss)) + 2 * ((phi > phi_split) & (loss < spurious_loss))


# --- the reduced engine ------------------------------------------------------------------

@dataclass(frozen=True)
class _Plane:
    """Teacher constants in the reduced coordinates: Q = orthonormal basis of span{a*, 1}."""

    c: float
    s: float
    astar_sq: float
    basis: np.ndarray      # (k, 2); second column 0 when a* ∥ 1
    q_one: np.ndarray      # Qᵀ1
    q_astar: np.ndarray    # Qᵀa*

    @classmethod
    def for_teacher(cls, teacher: Teacher) -> "_Plane":
        a_star, k = teacher.a_star, teacher.k
        e1 = a_star / np.linalg.norm(a_star)
        ones = np.ones(k)
        rest = ones - (ones @ e1) * e1
        e2 = rest / np.linalg.norm(rest) if np.linalg.norm(rest) > 1e-12 * math.sqrt(k) else 0 * rest
        basis = np.stack([e1, e2], axis=1)
        return cls(teacher.w_norm, float(a_star.sum()), float(a_star @ a_star), basis,
                   basis.T @ ones, basis.T @ a_star)


def _step(x, y, z1, z2, residual_sq, eta, eta_a, c, s, astar_sq, q1a, q1b, qaa, qab):
    """One GD step in reduced coordinates; returns the new state and (φ, ℓ) at the old one.

    v = x ŵ* + y e; a = z₁Q₁ + z₂Q₂ + residual. ∂ℓ/∂v = −(aᵀa*)(π − φ)/(2π‖v‖) P w* with
    P w* = c (y², −xy)/‖v‖² in the plane; ∂ℓ/∂a in Q-coordinates is
    ((π − 1) z + (1ᵀa − c s) Qᵀ1 − c (g − 1) Qᵀa*)/(2π). Written with scalar-or-array
    arithmetic only, so numpy runs it on arrays and numba on scalars. ``eta_a`` is the step
    size of a (0 keeps a fixed).
    """
    pi = math.pi
    r2 = x * x + y * y
    r = np.sqrt(r2)
    abs_y = np.abs(y)
    phi = np.arctan2(abs_y, x)
    delta = np.arctan2(abs_y, -x)
    g = delta * (x / r) + abs_y / r
    a_dot = qaa * z1 + qab * z2
    a_sum = q1a * z1 + q1b * z2
    a_sq = z1 * z1 + z2 * z2 + residual_sq
    loss = ((pi - 1) * (a_sq + c * c * astar_sq) + (a_sum - c * s) ** 2
            - 2 * c * (g - 1) * a_dot) / (4 * pi)
    v_gain = eta * a_dot * delta * c / (2 * pi * r * r2)
    a_rate = eta_a / (2 * pi)
    pull = a_sum - c * s
    return (x + v_gain * y * y, y - v_gain * x * y,
            z1 - a_rate * ((pi - 1) * z1 + pull * q1a - c * (g - 1) * qaa),
            z2 - a_rate * ((pi - 1) * z2 + pull * q1b - c * (g - 1) * qab),
            phi, loss, a_dot, a_sum)


_KERNEL = None
_prange = range   # numba.prange once numba is loaded
_KERNEL_LOCK = threading.Lock()   # numba's workqueue layer must not be entered by two threads


def _compiled_kernel():
    """The numba kernel, compiled (and cached on disk) on first use; None without numba.

    The jitted helpers are module globals, not closure cells: numba keys its disk cache on the
    pickled closure, which differs in every process, so a closure would recompile (and add a
    cache file) each time. Living in this file, the kernel's cache is also invalidated when
    ``_step`` changes.
    """
    global _KERNEL, _jit_step, _jit_classify, _prange
    with _KERNEL_LOCK:
        if _KERNEL is None:
            try:
                import numba
            except ImportError:
                _KERNEL = False
                return None
            _prange = numba.prange
            _jit_step = numba.njit(cache=True)(_step)
            _jit_classify = numba.njit(cache=True)(_classify)
            _KERNEL = numba.njit(parallel=True, cache=True)(_kernel)
    return _KERNEL or None


def _kernel(x, y, z1, z2, residual_sq, rho_sq, steps, eta, eta_a, consts, thresholds,
            outcome, decided_step, ascents, until_decided):
    """All trajectories for ``steps`` steps, in place; compiled by :func:`_compiled_kernel`."""
    c, s, astar_sq, q1a, q1b, qaa, qab = consts
    phi_split, global_loss, spurious_loss, slack = thresholds
    for i in _prange(x.shape[0]):
        xi, yi, z1i, z2i, res = x[i], y[i], z1[i], z2[i], residual_sq[i]
        previous = np.inf
        for t in range(steps + 1):
            nx, ny, nz1, nz2, phi, loss, _, _ = _jit_step(xi, yi, z1i, z2i, res, eta, eta_a, c, s,
                                                          astar_sq, q1a, q1b, qaa, qab)
            if loss > previous + slack:
                ascents[i] += 1
            previous = loss
            if decided_step[i] < 0:
                code = _jit_classify(phi, loss, phi_split, global_loss, spurious_loss)
                if code != 0:
                    outcome[i], decided_step[i] = code, t
            if until_decided and decided_step[i] >= 0:
                break
            if t < steps:
                xi, yi, z1i, z2i, res = nx, ny, nz1, nz2, res * rho_sq
        x[i], y[i], z1[i], z2[i], residual_sq[i] = xi, yi, z1i, z2i, res


# --- public entry point --------------------------------------------------------------------

@dataclass
class GDResult:
    """Final iterates, per-trajectory outcome and decision step, optional histories."""

    V: np.ndarray
    A: np.ndarray
    outcome: np.ndarray            # strings from OUTCOMES
    decided_step: np.ndarray       # −1 where undecided
    ascents: np.ndarray            # steps whose loss rose (a descent violation)
    eta: float
    steps: int
    engine: str
    seconds: float
    history: dict[str, np.ndarray] = field(default_factory=dict)   # each (steps + 1, n)

    def counts(self) -> dict[str, int]:
        return {name: int(np.sum(self.outcome == name)) for name in OUTCOMES}


def _validate_run(teacher, V0, A0, eta, steps, record):
    validation.teacher(teacher)
    V0, A0 = np.asarray(V0, dtype=float), np.asarray(A0, dtype=float)
    if V0.ndim != 2 or V0.shape[1] != teacher.p:
        raise ValueError(f"V0 must have shape (n, p={teacher.p}), got {V0.shape}")
    if A0.ndim != 2 or A0.shape != (V0.shape[0], teacher.k):
        raise ValueError(f"A0 must have shape (n={V0.shape[0]}, k={teacher.k}), got {A0.shape}")
    if V0.shape[0] == 0:
        raise ValueError("V0 must hold at least one trajectory")
    for name, arr in (("V0", V0), ("A0", A0)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite")
    if np.any(np.all(V0 == 0, axis=1)):
        raise ValueError("V0 must not contain a zero row (v = 0 has no direction)")
    eta = default_eta(teacher) if eta is None else validation.positive_real(eta, "eta")
    steps = validation.positive_int(steps, "steps")
    unknown = set(record) - set(RECORDABLE)
    if unknown:
        raise ValueError(f"record must be among {RECORDABLE}, got {sorted(unknown)}")
    return V0, A0, float(eta), steps


def run_gd(teacher: Teacher, V0, A0, eta: float | None = None, steps: int = 1000,
           record: tuple[str, ...] = (), engine: str = "auto", train_a: bool = True,
           until_decided: bool = False) -> GDResult:
    """Run population GD from each row of (V0, A0) for ``steps`` steps.

    ``engine``: ``auto`` (compiled reduced engine, numpy reduced when recording or without
    numba), ``reduced-numba``, ``reduced-numpy`` or ``full``. ``eta=None`` uses
    :func:`default_eta`. ``record`` names histories to keep, each of shape (steps + 1, n).
    ``train_a=False`` keeps a fixed at A0 (Brutzkus & Globerson's setting); the decision
    regions are those of the trained landscape, so such runs are left ``undecided``.
    ``until_decided=True`` stops each trajectory at its decision (V, A are then the decided
    iterates) — for outcome statistics, where the rest of the run adds nothing.
    """
    V0, A0, eta, steps = _validate_run(teacher, V0, A0, eta, steps, record)
    if engine == "full":
        if not train_a:
            raise ValueError("engine full trains both layers; use a reduced engine for train_a=False")
        from theory.full_gd import run_full
        return run_full(teacher, V0, A0, eta, steps, record, Regions.for_teacher(teacher))
    if engine not in ("auto", "reduced-numba", "reduced-numpy"):
        raise ValueError(f"engine must be auto, reduced-numba, reduced-numpy or full, got {engine!r}")
    kernel = _compiled_kernel() if engine != "reduced-numpy" and not record else None
    if engine == "reduced-numba" and kernel is None:
        raise ValueError("engine reduced-numba needs numba (and no record=…)")
    return _run_reduced(teacher, V0, A0, eta, steps, tuple(record), kernel, train_a, until_decided)


def _run_reduced(teacher, V0, A0, eta, steps, record, kernel, train_a, until_decided) -> GDResult:
    start = time.perf_counter()
    plane, regions = _Plane.for_teacher(teacher), Regions.for_teacher(teacher)
    if not train_a:
        regions = Regions(math.pi, -math.inf, -math.inf, regions.ascent_slack)
    eta_a = eta if train_a else 0.0
    w_hat = teacher.w_star / teacher.w_norm
    x = V0 @ w_hat
    perp = V0 - x[:, None] * w_hat
    y = np.linalg.norm(perp, axis=1)
    e = np.divide(perp, y[:, None], out=np.zeros_like(perp), where=y[:, None] > 0)
    z = A0 @ plane.basis
    residual = A0 - z @ plane.basis.T
    residual_sq = np.einsum("ij,ij->i", residual, residual)
    rho = 1 - eta_a * (math.pi - 1) / (2 * math.pi)
    consts = (plane.c, plane.s, plane.astar_sq, *plane.q_one, *plane.q_astar)
    thresholds = (regions.phi_split, regions.global_loss, regions.spurious_loss, regions.ascent_slack)
    n = V0.shape[0]
    outcome, decided = np.zeros(n, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    ascents = np.zeros(n, dtype=np.int64)
    z1, z2, history = z[:, 0].copy(), z[:, 1].copy(), {}
    if teacher.p == 1 and train_a:  # the angle cannot move: decided at step 0
        outcome[:], decided[:] = np.where(x > 0, 1, 2), 0
    if kernel is not None:
        with _KERNEL_LOCK:
            kernel(x, y, z1, z2, residual_sq, rho * rho, steps, eta, eta_a, np.array(consts),
                   np.array(thresholds), outcome, decided, ascents, until_decided)
        engine = "reduced-numba"
    else:
        history = {key: np.empty((steps + 1, n)) for key in record}
        previous = np.full(n, np.inf)
        for t in range(steps + 1):
            nx, ny, nz1, nz2, phi, loss, a_dot, a_sum = _step(x, y, z1, z2, residual_sq, eta, eta_a,
                                                              *consts)
            ascents += loss > previous + regions.ascent_slack
            previous = loss
            code = regions.classify(phi, loss)
            newly = (decided < 0) & (code != 0)
            outcome[newly], decided[newly] = code[newly], t
            for key, value in (("phi", phi), ("loss", loss), ("a_dot", a_dot), ("a_sum", a_sum),
                               ("v_norm", np.sqrt(x * x + y * y))):
                if key in history:
                    history[key][t] = value
            if until_decided and np.all(decided >= 0):
                break
            if t < steps:
                moving = (decided < 0) if until_decided else slice(None)
                x, y, z1, z2 = (np.where(moving, new, old) for new, old in
                                ((nx, x), (ny, y), (nz1, z1), (nz2, z2)))
                residual_sq = np.where(moving, residual_sq * rho * rho, residual_sq)
        engine = "reduced-numpy"
    V = x[:, None] * w_hat + y[:, None] * e
    # the residual's squared norm carries its own decay, also for trajectories stopped early
    shrink = np.sqrt(np.divide(residual_sq, np.einsum("ij,ij->i", residual, residual),
                               out=np.ones(n), where=np.any(residual != 0, axis=1)))
    A = np.stack([z1, z2], axis=1) @ plane.basis.T + shrink[:, None] * residual
    return _result(V, A, outcome, decided, ascents, eta, steps, engine, start, history)


def _result(V, A, outcome, decided, ascents, eta, steps, engine, start, history) -> GDResult:
    """Trajectories whose loss ever rose are not classified: the regions' argument needs descent."""
    outcome = np.where(ascents > 0, 0, outcome)
    decided = np.where(ascents > 0, -1, decided)
    names = np.array(OUTCOMES)[outcome]
    return GDResult(V, A, names, decided, ascents, eta, steps, engine,
                    time.perf_counter() - start, history)
