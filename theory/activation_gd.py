"""Population GD with weight normalization for the non-overlapping model with activation σ.

The loss of :class:`theory.activations.Landscape` depends on v only through φ and on a only through
aᵀa*, 1ᵀa and ‖a‖², and its gradients are

    ∂ℓ/∂v = −(aᵀa*) D(φ) (I − v̂v̂ᵀ) w*/‖v‖,   ∂ℓ/∂a = d a + (β 1ᵀa − m₁m_c s) 1 − (K(φ) − m₁m_c) a*,

so — as for the ReLU (docs/mathematics.md#reduced-dynamics) — v stays in span{v₀, w*} and a in
span{a*, 1} plus a residual that only shrinks, by 1 − ηd per step. Two engines:

* ``reduced``: per trajectory (x, y) = ‖v‖(cos φ, sin φ), z = Qᵀa (Q = theory.reduced_gd.Plane's
  basis of span{a*, 1}) and the residual's squared norm — O(1) per step whatever k and p are;
* ``full``: plain batched GD on (V, A) with :meth:`theory.activations.Landscape.gradient`, to check
  the reduced one (tests compare them to ~1e-12).

Outcomes by :class:`theory.activations.BasinRule` (a stated rule, estimated): a run is decided at
the first step whose state lies below the level halfway up its side of the profile and on that side
of the band; a later step whose loss rises (beyond rounding) or that turns v by the band's width or
more withdraws the decision. A run still undecided at the step cap is ``undecided``, never a failure.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from theory import initialization, validation
from theory.activations import Landscape
from theory.decisions import Outcome
from theory.reduced_gd import Plane

__all__ = [
    "ENGINES",
    "LOSS_SLACK",
    "OUTCOME_NAMES",
    "ActivationRuns",
    "ReducedState",
    "default_eta",
    "outcome_counts",
    "reduced_step",
    "run",
]

ENGINES = ("reduced", "full")
OUTCOME_NAMES = tuple(code.label for code in Outcome)
LOSS_SLACK = 1e-12   # of ½E f*² + ℓ: a rise below it is rounding, not an ascent


def default_eta(landscape: Landscape, v0_norm: float = initialization.DEFAULT_V0_NORM) -> float:
    """¼ of the stability limit 2/λ_max at the global minimum for ‖v‖ = ‖v₀‖, with
    λ_max = max(d + βk, c²‖a*‖² D(0)/‖v₀‖²) (the a-block along 1, and the v-block ⟂ w*:
    ∂²ℓ/∂φ² = c D(0) aᵀa* at φ = 0, a = c a*). For the ReLU this is theory.dynamics.default_eta."""
    sc = landscape.scalars
    slope_at_zero = float(landscape.kernels(0.0, np.pi)[1])
    curvature = max(sc.d + sc.beta * sc.k, sc.c ** 2 * sc.astar_sq * slope_at_zero / v0_norm ** 2)
    return 0.5 / curvature


@dataclass(frozen=True)
class ActivationRuns:
    """A batch of runs: outcome codes, decision steps (−1: none), final φ and ℓ, and the settings."""

    activation: str
    engine: str
    eta: float
    steps: int
    outcome: np.ndarray
    decided_step: np.ndarray
    phi: np.ndarray
    loss: np.ndarray
    seconds: float

    def counts(self) -> dict[str, int]:
        """How many runs have each outcome, by name."""
        return {name: int(np.sum(self.outcome == code)) for code, name in zip(Outcome, OUTCOME_NAMES, strict=True)}


class _Bookkeeping:
    """Decisions of a batch, step by step, by the landscape's BasinRule and its two discrete checks."""

    def __init__(self, landscape: Landscape, n: int):
        self.rule = landscape.basins
        self.scale = float(landscape.loss_from_scalars(0.0, 0.0, 0.0, 0.0))
        self.outcome = np.full(n, int(Outcome.UNDECIDED))
        self.decided = np.full(n, -1)
        self.previous_loss = np.full(n, np.inf)
        self.previous_phi = np.full(n, np.nan)

    def observe(self, t: int, phi: np.ndarray, loss: np.ndarray, moving: np.ndarray) -> None:
        """Record step t's state (φ, ℓ) for the runs ``moving`` (a boolean mask)."""
        found = self.rule.classify(phi, loss)
        rose = loss > self.previous_loss + LOSS_SLACK * (self.scale + np.abs(loss))
        jumped = np.abs(phi - self.previous_phi) >= self.rule.band_width
        decided = self.outcome != Outcome.UNDECIDED
        broken = moving & decided & (rose | jumped)
        self.outcome[broken], self.decided[broken] = Outcome.UNDECIDED, -1
        new = moving & (self.outcome == Outcome.UNDECIDED) & (found != Outcome.UNDECIDED) & ~broken
        self.outcome[new], self.decided[new] = found[new], t
        diverged = moving & (found == Outcome.DIVERGED)
        self.outcome[diverged], self.decided[diverged] = Outcome.DIVERGED, t
        self.previous_loss = np.where(moving, loss, self.previous_loss)
        self.previous_phi = np.where(moving, phi, self.previous_phi)

    def running(self, until_decided: bool) -> np.ndarray:
        done = self.outcome == Outcome.DIVERGED
        if until_decided:
            done |= self.outcome != Outcome.UNDECIDED
        return ~done


def _validate(landscape, V0, A0, eta, steps):
    if not isinstance(landscape, Landscape):
        raise ValueError(f"landscape must be a theory.activations.Landscape, got {type(landscape).__name__}")
    teacher = landscape.teacher
    V0, A0 = validation.numeric_array(V0, "V0"), validation.numeric_array(A0, "A0")
    if V0.ndim != 2 or V0.shape[1] != teacher.p or A0.shape != (V0.shape[0], teacher.k) or V0.shape[0] == 0:
        raise ValueError(f"V0 and A0 must have shapes (n, p={teacher.p}) and (n, k={teacher.k}) with n ≥ 1, "
                         f"got {V0.shape} and {A0.shape}")
    if not (np.all(np.isfinite(V0)) and np.all(np.isfinite(A0))) or np.any(np.linalg.norm(V0, axis=1) == 0):
        raise ValueError("V0 and A0 must be finite, and no row of V0 may be 0")
    eta = default_eta(landscape) if eta is None else float(validation.positive_real(eta, "eta"))
    return V0, A0, eta, validation.step_count(steps, "steps")


def run(landscape: Landscape, V0, A0, eta: float | None = None, steps: int = 2000, engine: str = "reduced",
        until_decided: bool = False) -> ActivationRuns:
    """Population GD from each row of (V0, A0); ``eta=None`` is :func:`default_eta`."""
    V0, A0, eta, steps = _validate(landscape, V0, A0, eta, steps)
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    started = time.perf_counter()
    if engine == "full":
        book, phi, loss = _run_full(landscape, V0.copy(), A0.copy(), eta, steps, until_decided)
    else:
        plane = Plane.for_teacher(landscape.teacher)
        w_hat = landscape.teacher.w_star / landscape.scalars.c
        x = V0 @ w_hat
        y = np.linalg.norm(V0 - x[:, None] * w_hat, axis=1)
        z = A0 @ plane.basis
        residual = A0 - z @ plane.basis.T
        state = ReducedState(x, y, z[:, 0].copy(), z[:, 1].copy(), np.einsum("ij,ij->i", residual, residual))
        book, phi, loss = _run_reduced(landscape, plane, state, eta, steps, until_decided)
    return ActivationRuns(landscape.sigma.name, engine, eta, steps, book.outcome, book.decided, phi, loss,
                          time.perf_counter() - started)


@dataclass
class ReducedState:
    """Trajectories in reduced coordinates (advanced in place)."""

    x: np.ndarray
    y: np.ndarray
    z1: np.ndarray
    z2: np.ndarray
    residual_sq: np.ndarray


def _reduced_measure(landscape: Landscape, plane: Plane, s: ReducedState):
    """(φ, δ, K, D, aᵀa*, 1ᵀa, ‖a‖², ℓ) of reduced states."""
    y = np.abs(s.y)
    phi, delta = np.arctan2(y, s.x), np.arctan2(y, -s.x)
    kernel, slope = landscape.kernels(phi, delta)
    a_dot = s.z1 * plane.q_astar[0] + s.z2 * plane.q_astar[1]
    a_sum = s.z1 * plane.q_one[0] + s.z2 * plane.q_one[1]
    a_sq = s.z1 * s.z1 + s.z2 * s.z2 + s.residual_sq
    return phi, kernel, slope, a_dot, a_sum, a_sq, landscape.loss_from_scalars(kernel, a_dot, a_sum, a_sq)


def reduced_step(landscape: Landscape, plane: Plane, s: ReducedState, eta: float, moving: np.ndarray):
    """One GD step of the runs ``moving``, in place; returns (φ, ℓ) before it."""
    sc = landscape.scalars
    phi, kernel, slope, a_dot, a_sum, _, loss = _reduced_measure(landscape, plane, s)
    # ∂ℓ/∂a in Q-coordinates; the residual is multiplied by 1 − ηd
    along_one = sc.beta * a_sum - sc.cross * sc.s
    forcing = kernel - sc.cross
    g1 = sc.d * s.z1 + along_one * plane.q_one[0] - forcing * plane.q_astar[0]
    g2 = sc.d * s.z2 + along_one * plane.q_one[1] - forcing * plane.q_astar[1]
    # ∂ℓ/∂v = −(aᵀa*) D Pw*/‖v‖ with Pw* = c (y², −xy)/‖v‖² in the plane
    r2 = s.x * s.x + s.y * s.y
    turn = eta * a_dot * slope * sc.c / (r2 * np.sqrt(r2))
    x_new = s.x + turn * s.y * s.y
    y_new = s.y - turn * s.x * s.y
    s.x[:] = np.where(moving, x_new, s.x)
    s.y[:] = np.where(moving, y_new, s.y)
    s.z1[:] = np.where(moving, s.z1 - eta * g1, s.z1)
    s.z2[:] = np.where(moving, s.z2 - eta * g2, s.z2)
    s.residual_sq[:] = np.where(moving, s.residual_sq * (1 - eta * sc.d) ** 2, s.residual_sq)
    return phi, loss


def _run_reduced(landscape, plane, state, eta, steps, until_decided):
    book = _Bookkeeping(landscape, len(state.x))
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps + 1):
            moving = book.running(until_decided)
            if not np.any(moving):
                break
            if t == steps:
                phi, *_, loss = _reduced_measure(landscape, plane, state)
                book.observe(t, phi, loss, moving)
                break
            phi, loss = reduced_step(landscape, plane, state, eta, moving)
            book.observe(t, phi, loss, moving)
        phi, *_, loss = _reduced_measure(landscape, plane, state)
    return book, phi, loss


def _run_full(landscape, V, A, eta, steps, until_decided):
    from theory.activations import angles
    book = _Bookkeeping(landscape, len(V))
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps + 1):
            moving = book.running(until_decided)
            if not np.any(moving):
                break
            phi, loss = angles(V, landscape.teacher.w_star)[0], landscape.loss(V, A)
            book.observe(t, phi, loss, moving)
            if t == steps:
                break
            grad_v, grad_a = landscape.gradient(V, A)
            V[:] = np.where(moving[:, None], V - eta * grad_v, V)
            A[:] = np.where(moving[:, None], A - eta * grad_a, A)
        phi, loss = angles(V, landscape.teacher.w_star)[0], landscape.loss(V, A)
    return book, phi, loss


def outcome_counts(landscape: Landscape, n: int, rng: np.random.Generator, eta: float | None = None,
                   scheme: str = "paper", max_steps: int = 20_000, p: float | None = None) -> ActivationRuns:
    """n runs from ``scheme`` (theory.dynamics.random_init's schemes), drawn in reduced coordinates
    from their exact laws (theory.initialization), each run stopped at its decision."""
    if not isinstance(landscape, Landscape):
        raise ValueError(f"landscape must be a theory.activations.Landscape, got {type(landscape).__name__}")
    n = validation.positive_int(n, "n")
    validation.generator(rng)
    if scheme not in initialization.SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(initialization.SCHEMES)}, got {scheme!r}")
    max_steps = validation.step_count(max_steps, "max_steps")
    eta = default_eta(landscape) if eta is None else float(validation.positive_real(eta, "eta"))
    teacher = landscape.teacher
    plane = Plane.for_teacher(teacher)
    x, y, z1, z2, residual_sq = initialization.reduced_start(teacher, plane, n, rng, scheme,
                                                             teacher.p if p is None else p)
    started = time.perf_counter()
    state = ReducedState(*(np.array(arr, dtype=float) for arr in (x, y, z1, z2, residual_sq)))
    book, phi, loss = _run_reduced(landscape, plane, state, eta, max_steps, True)
    return ActivationRuns(landscape.sigma.name, "reduced", eta, max_steps, book.outcome, book.decided, phi, loss,
                          time.perf_counter() - started)
