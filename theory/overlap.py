"""Overlapping patches: stride s < p over an input x ∈ R^L, L = (k − 1)s + p, Z_j = x[js : js + p].

docs/mathematics.md#overlapping-patches derives this. With x ~ N(0, I_L), X = uᵀZ_i and Y = wᵀZ_j
are jointly Gaussian with variances ‖u‖², ‖w‖² and covariance C_uw((i − j)s), where

    C_uw(τ) = Σ_l u_l w_{l+τ}   (the cross-correlation of the filters at lag τ; 0 once |τ| ≥ p),

so E[σ(X)σ(Y)] = ‖u‖‖w‖ κ(ρ) with ρ = C_uw((i − j)s)/(‖u‖‖w‖) and the arc-cosine kernel
κ(ρ) = (√(1 − ρ²) + (π − arccos ρ)ρ)/(2π) (κ(0) = 1/(2π): independent patches; κ(cos φ) = g(φ)/(2π)).
With G(u, w) the k × k Toeplitz matrix G_ij = κ(ρ_{uw}((i − j)s)) and a unit student w = v/‖v‖,

    ℓ(v, a) = ½ [ aᵀG(w, w)a − 2c aᵀG(w, w*)a* + c² a*ᵀG(ŵ*, ŵ*)a* ],   c = ‖w*‖, ρ_{ww*} = C_{ww*}/c.

With κ'(ρ) = (π − arccos ρ)/(2π) (= P(X > 0, Y > 0), Price's theorem) and T_ab(m) = Σ_{i−j=m} a_i b_j,

    ∂ℓ/∂a = G(w, w)a − c G(w, w*)a*,
    ∂ℓ/∂v = (I − ŵŵᵀ)/‖v‖ · [ Σ_m κ'(ρ_ww(ms)) T_aa(m) S_{ms}w − Σ_m κ'(ρ_ww*(ms)) T_aa*(m) S_{ms}w* ],

S_τ the shift (S_τ x)_l = x_{l+τ} (0 outside). At s = p only m = 0 is left and this is the paper's
model (tests check it against theory.landscape). The loss and both gradients are computed here, for
a batch of trajectories, from the same lag tables (one source); tests check the gradient against
central differences of the loss and the loss against Monte Carlo through the real strided network.

Weight normalization no longer makes the landscape depend on v through φ alone: ρ_ww(ms) for
m ≠ 0 depends on the shape of w, and ρ_ww*(ms) on that of w* — the teacher's autocorrelation
C_{w*w*}(ms)/c² is a new parameter, and the plane argument fails (shifts of w leave span{w, w*}).
So population GD runs in full dimension (:func:`run`), and the fate of the spurious point is
measured (:func:`spurious_point_fate`): local descent from (−w*, a_s), then the gradient and the
Hessian's eigenvalues in the tangent space of the sphere at the point it reaches.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from theory import dynamics, validation
from theory.decisions import Outcome
from theory.teacher import Teacher

__all__ = [
    "GLOBAL_LOSS",
    "INV_TWO_PI",
    "STALL",
    "STATIONARY",
    "Geometry",
    "OverlapLandscape",
    "OverlapRuns",
    "PointFate",
    "gradient_error",
    "kappa",
    "kappa_slope",
    "monte_carlo_loss",
    "monte_carlo_z",
    "run",
    "spurious_point_fate",
    "tangent_hessian",
]

INV_TWO_PI = 1 / (2 * math.pi)


def kappa(rho: np.ndarray) -> np.ndarray:
    """The arc-cosine kernel of degree 1 for unit variances: E[σ(X)σ(Y)] at correlation ρ."""
    rho = np.clip(rho, -1.0, 1.0)
    return (np.sqrt(1 - rho * rho) + (np.pi - np.arccos(rho)) * rho) * INV_TWO_PI


def kappa_slope(rho: np.ndarray) -> np.ndarray:
    """κ'(ρ) = (π − arccos ρ)/(2π) = P(X > 0, Y > 0)."""
    return (np.pi - np.arccos(np.clip(rho, -1.0, 1.0))) * INV_TWO_PI


@dataclass(frozen=True)
class Geometry:
    """k patches of size p at stride s: the lags m with |m|s < p and |m| < k carry a correlation."""

    k: int
    p: int
    stride: int

    def __post_init__(self):
        for name in ("k", "p", "stride"):
            validation.positive_int(getattr(self, name), name)
        if self.stride > self.p:
            raise ValueError(f"stride must be at most p = {self.p} (gaps between patches are not modelled), "
                             f"got {self.stride}")

    @property
    def length(self) -> int:
        """L = (k − 1)s + p."""
        return (self.k - 1) * self.stride + self.p

    @property
    def lags(self) -> int:
        """M: the lags m = 0 … M − 1 (and their negatives) with |m|s < p and |m| < k."""
        return min(self.k, -(-self.p // self.stride))

    def patches(self, x: np.ndarray) -> np.ndarray:
        """(…, k, p) patches of inputs x of shape (…, L)."""
        starts = self.stride * np.arange(self.k)
        return x[..., starts[:, None] + np.arange(self.p)]


def _correlation(U: np.ndarray, W: np.ndarray, tau: int) -> np.ndarray:
    """C_uw(τ) = Σ_l u_l w_{l+τ} for each row pair (rows of U and W, or a vector broadcast)."""
    p = U.shape[-1]
    if abs(tau) >= p:
        return np.zeros(np.broadcast_shapes(U.shape, W.shape)[:-1])
    if tau >= 0:
        return np.sum(U[..., : p - tau] * W[..., tau:], axis=-1)
    return np.sum(U[..., -tau:] * W[..., : p + tau], axis=-1)


def _shift(X: np.ndarray, tau: int) -> np.ndarray:
    """(S_τ x)_l = x_{l+τ}, 0 outside."""
    out = np.zeros_like(X)
    p = X.shape[-1]
    if abs(tau) >= p:
        return out
    if tau >= 0:
        out[..., : p - tau] = X[..., tau:]
    else:
        out[..., -tau:] = X[..., : p + tau]
    return out


def _lag_sum(A: np.ndarray, B: np.ndarray, m: int) -> np.ndarray:
    """T_ab(m) = Σ_{i − j = m} a_i b_j, row by row."""
    k = A.shape[-1]
    if m >= 0:
        return np.sum(A[..., m:] * B[..., : k - m], axis=-1)
    return np.sum(A[..., : k + m] * B[..., -m:], axis=-1)


@dataclass(frozen=True, eq=False)
class OverlapLandscape:
    """ℓ, ∂ℓ/∂v and ∂ℓ/∂a for a teacher at stride s, for batches of (V, A)."""

    teacher: Teacher
    geometry: Geometry

    @classmethod
    def of(cls, teacher: Teacher, stride: int) -> OverlapLandscape:
        validation.teacher(teacher)
        return cls(teacher, Geometry(teacher.k, teacher.p, stride))

    @property
    def c(self) -> float:
        return self.teacher.w_norm

    def _tables(self, V: np.ndarray, A: np.ndarray):
        """Lags m, the correlations ρ_ww(ms) (m ≥ 0), ρ_ww*(ms) (all m) and the unit filters."""
        g, w_star = self.geometry, self.teacher.w_star
        r = np.linalg.norm(V, axis=1)
        W = V / r[:, None]
        lags = range(-(g.lags - 1), g.lags)
        own = {m: _correlation(W, W, m * g.stride) for m in range(g.lags)}
        cross = {m: _correlation(W, w_star, m * g.stride) / self.c for m in lags}
        return lags, own, cross, W, r

    def teacher_energy(self) -> float:
        """E f*² = c² a*ᵀG(ŵ*, ŵ*)a*."""
        g, w_hat, a_star = self.geometry, self.teacher.w_star / self.c, self.teacher.a_star
        total = a_star.sum() ** 2 * INV_TWO_PI
        for m in range(-(g.lags - 1), g.lags):
            rho = _correlation(w_hat, w_hat, m * g.stride)
            total += (float(kappa(np.asarray(rho))) - INV_TWO_PI) * float(_lag_sum(a_star, a_star, m))
        return self.c ** 2 * total

    def loss_and_gradient(self, V, A, gradient: bool = True):
        """(ℓ, ∂ℓ/∂V, ∂ℓ/∂A) row by row (the gradients None when ``gradient`` is False)."""
        V, A = np.atleast_2d(np.asarray(V, dtype=float)), np.atleast_2d(np.asarray(A, dtype=float))
        g, w_star, a_star, c = self.geometry, self.teacher.w_star, self.teacher.a_star, self.c
        lags, own, cross, W, r = self._tables(V, A)
        a_sum, s = A.sum(axis=1), a_star.sum()
        student = a_sum ** 2 * INV_TWO_PI
        mixed = a_sum * s * INV_TWO_PI
        grad_a = (a_sum * INV_TWO_PI)[:, None] - c * s * INV_TWO_PI + 0 * A
        grad_w = np.zeros_like(V)
        for m in lags:
            k_own, k_cross = kappa(own[abs(m)]) - INV_TWO_PI, kappa(cross[m]) - INV_TWO_PI
            student = student + k_own * _lag_sum(A, A, m)
            mixed = mixed + k_cross * _lag_sum(A, a_star, m)
            if gradient:
                # ∂/∂a_i of aᵀGa and of aᵀG a*: Σ_j G_ij a_j, G_ij depending on i − j = m
                grad_a += k_own[:, None] * _shift_rows(A, -m) - c * k_cross[:, None] * _shift_rows(a_star[None, :], -m)
                grad_w += (kappa_slope(own[abs(m)]) * _lag_sum(A, A, m))[:, None] * _shift(W, m * g.stride)
                grad_w -= (kappa_slope(cross[m]) * _lag_sum(A, a_star, m))[:, None] * _shift(w_star, m * g.stride)
        loss = 0.5 * (student - 2 * c * mixed + self.teacher_energy())
        if not gradient:
            return loss, None, None
        grad_v = (grad_w - np.sum(grad_w * W, axis=1)[:, None] * W) / r[:, None]
        return loss, grad_v, grad_a

    def loss(self, V, A) -> np.ndarray:
        return self.loss_and_gradient(V, A, gradient=False)[0]


def _shift_rows(A: np.ndarray, m: int) -> np.ndarray:
    """Row-wise b_i = a_{i+m} (0 outside), broadcast to the batch."""
    return _shift(A, m)


def monte_carlo_loss(land: OverlapLandscape, v, a, n: int, rng: np.random.Generator,
                     chunk: int = 1 << 15) -> tuple[float, float]:
    """(mean, standard error) of ½(f − f*)² over n Gaussian inputs x ∈ R^L through the real strided network."""
    g, teacher = land.geometry, land.teacher
    w = np.asarray(v, dtype=float) / np.linalg.norm(v)
    total, total_sq, done = 0.0, 0.0, 0
    while done < n:
        m = min(chunk, n - done)
        Z = g.patches(rng.standard_normal((m, g.length)))
        half_sq = 0.5 * (np.maximum(Z @ w, 0) @ a - np.maximum(Z @ teacher.w_star, 0) @ teacher.a_star) ** 2
        total, total_sq, done = total + half_sq.sum(), total_sq + (half_sq ** 2).sum(), done + m
    mean = total / n
    return mean, math.sqrt(max(total_sq / n - mean * mean, 0.0) / n)


def monte_carlo_z(land: OverlapLandscape, v, a, n: int, rng: np.random.Generator) -> float:
    """(Monte Carlo loss − closed form)/standard error at (v, a): |z| ≤ 6 for a right formula (false
    alarm ≈ 2e-9, normal approximation)."""
    mean, stderr = monte_carlo_loss(land, v, a, n, rng)
    return (mean - float(land.loss(np.asarray(v)[None, :], np.asarray(a)[None, :])[0])) / stderr


def gradient_error(land: OverlapLandscape, V: np.ndarray, A: np.ndarray, step: float = 1e-6) -> float:
    """Largest difference, relative to 1 + ‖∇ℓ‖, between the gradient and central differences of ℓ."""
    _, grad_v, grad_a = land.loss_and_gradient(V, A)
    worst, p = 0.0, V.shape[1]
    for row in range(len(V)):
        point = np.concatenate([V[row], A[row]])
        numeric = np.empty_like(point)
        for i in range(len(point)):
            up, down = point.copy(), point.copy()
            up[i] += step
            down[i] -= step
            numeric[i] = (land.loss(up[None, :p], up[None, p:])[0] - land.loss(down[None, :p], down[None, p:])[0]) / (
                2 * step)
        exact = np.concatenate([grad_v[row], grad_a[row]])
        worst = max(worst, float(np.max(np.abs(exact - numeric)) / (1 + np.linalg.norm(exact))))
    return worst


# --- population GD and what it reaches ---------------------------------------------------------

@dataclass(frozen=True)
class OverlapRuns:
    """Final iterates, losses, angles to w*, gradient norms and outcome codes, with the settings."""

    stride: int
    eta: float
    steps: int
    V: np.ndarray
    A: np.ndarray
    loss: np.ndarray
    phi: np.ndarray
    gradient_norm: np.ndarray
    outcome: np.ndarray
    seconds: float

    def counts(self) -> dict[str, int]:
        return {code.label: int(np.sum(self.outcome == code)) for code in Outcome}


GLOBAL_LOSS = 1e-6     # of ½E f*²
STALL = 1e-4           # relative loss decrease over the second half of a run
STATIONARY = 1e-3      # ‖∇ℓ‖ relative to √(½E f*²)


def run(land: OverlapLandscape, V0, A0, eta: float | None = None, steps: int = 4000) -> OverlapRuns:
    """Population GD with weight normalization in full dimension from each row of (V0, A0).

    Outcome (a stated rule, estimated): ``global`` when ℓ_T ≤ 10⁻⁶·½E f*²; ``spurious`` (a
    non-global stationary point, at any angle) when not global, ℓ fell by at most 10⁻⁴·ℓ_T over the
    run's second half and ‖∇ℓ(x_T)‖ ≤ 10⁻³·√(½E f*²); ``diverged`` when it left float64; else
    ``undecided`` (the step cap, never a failure). η defaults to the paper's model's
    :func:`theory.dynamics.default_eta`, halved (overlap adds curvature: G(w, w)'s largest
    eigenvalue is at most k·κ(1) = k/2)."""
    V = validation.numeric_array(V0, "V0").copy()
    A = validation.numeric_array(A0, "A0").copy()
    teacher = land.teacher
    if V.ndim != 2 or V.shape[1] != teacher.p or A.shape != (len(V), teacher.k):
        raise ValueError(f"V0 and A0 must have shapes (n, p={teacher.p}) and (n, k={teacher.k})")
    eta = 0.5 * dynamics.default_eta(teacher) if eta is None else float(validation.positive_real(eta, "eta"))
    steps = validation.step_count(steps, "steps")
    started = time.perf_counter()
    half_loss = None
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps):
            loss, grad_v, grad_a = land.loss_and_gradient(V, A)
            if t == steps // 2:
                half_loss = loss
            V -= eta * grad_v
            A -= eta * grad_a
        loss, grad_v, grad_a = land.loss_and_gradient(V, A)
    scale = 0.5 * land.teacher_energy()
    gradient_norm = np.sqrt(np.sum(grad_v ** 2, axis=1) + np.sum(grad_a ** 2, axis=1))
    w_hat = teacher.w_star / teacher.w_norm
    cos_phi = np.clip((V @ w_hat) / np.linalg.norm(V, axis=1), -1, 1)
    outcome = np.full(len(V), int(Outcome.UNDECIDED))
    half_loss = loss if half_loss is None else half_loss
    stalled = (half_loss - loss <= STALL * loss) & (gradient_norm <= STATIONARY * math.sqrt(scale))
    outcome[stalled] = Outcome.SPURIOUS
    outcome[loss <= GLOBAL_LOSS * scale] = Outcome.GLOBAL
    outcome[~np.isfinite(loss) | ~np.all(np.isfinite(V), axis=1)] = Outcome.DIVERGED
    return OverlapRuns(land.geometry.stride, eta, steps, V, A, loss, np.arccos(cos_phi), gradient_norm, outcome,
                       time.perf_counter() - started)


@dataclass(frozen=True)
class PointFate:
    """Where local descent from the spurious point (−w*, a_s) of the non-overlapping model ends."""

    stride: int
    loss: float              # relative to ½E f*²
    phi: float               # angle to w* at the end
    gradient_norm: float     # relative to √(½E f*²)
    tangent_eigenvalues: np.ndarray    # Hessian on (sphere tangent ⊕ a), ascending
    v: np.ndarray
    a: np.ndarray

    @property
    def is_local_minimum(self) -> bool:
        """Not global, stationary, and no Hessian eigenvalue below −10⁻⁶ × the largest (numerically)."""
        return bool(self.loss > GLOBAL_LOSS and self.gradient_norm < 1e-6
                    and self.tangent_eigenvalues[0] > -1e-6 * abs(self.tangent_eigenvalues[-1]))


def tangent_hessian(land: OverlapLandscape, v: np.ndarray, a: np.ndarray, step: float = 1e-5) -> np.ndarray:
    """Eigenvalues of ℓ's Hessian in (y, a), v = v̂ + By (B an orthonormal basis of v̂⊥), by central
    differences of the closed-form gradient (∂ℓ/∂y = Bᵀ∂ℓ/∂v at ‖v‖ = 1 + O(‖y‖²))."""
    v_hat = v / np.linalg.norm(v)
    basis = np.linalg.svd(np.eye(len(v)) - np.outer(v_hat, v_hat))[0][:, : len(v) - 1]

    def reduced_gradient(point):
        y, b = point[: len(v) - 1], point[len(v) - 1:]
        vv = v_hat + basis @ y
        _, gv, ga = land.loss_and_gradient(vv[None, :], b[None, :])
        return np.concatenate([basis.T @ (gv[0] * np.linalg.norm(vv)), ga[0]])

    origin = np.concatenate([np.zeros(len(v) - 1), a])
    columns = []
    for i in range(len(origin)):
        up, down = origin.copy(), origin.copy()
        up[i] += step
        down[i] -= step
        columns.append((reduced_gradient(up) - reduced_gradient(down)) / (2 * step))
    hessian = np.array(columns)
    return np.linalg.eigvalsh((hessian + hessian.T) / 2)


def spurious_point_fate(teacher: Teacher, stride: int, jitter: float = 1e-3, seed: int = 0) -> PointFate:
    """Local descent (L-BFGS on (v, a) with the closed-form gradient; ℓ does not depend on ‖v‖) from
    (−ŵ* + jitter, a_s) at stride s, then the tangent Hessian where it ends: does a local minimum with
    positive loss survive near the paper's spurious point?"""
    from scipy import optimize

    from theory import landscape
    land = OverlapLandscape.of(teacher, stride)
    v0, a0 = landscape.spurious_point(teacher)
    v0 = v0 + jitter * np.random.default_rng(seed).standard_normal(teacher.p)
    p = teacher.p

    def objective(x):
        loss, grad_v, grad_a = land.loss_and_gradient(x[None, :p], x[None, p:])
        return float(loss[0]), np.concatenate([grad_v[0], grad_a[0]])

    found = optimize.minimize(objective, np.concatenate([v0, a0]), jac=True, method="L-BFGS-B",
                              options={"maxiter": 20_000, "gtol": 1e-13, "ftol": 1e-16, "maxcor": 30})
    v, a = found.x[:p] / np.linalg.norm(found.x[:p]), found.x[p:]
    loss, grad_v, grad_a = land.loss_and_gradient(v[None, :], a[None, :])
    scale = 0.5 * land.teacher_energy()
    phi = float(np.arccos(np.clip(v @ teacher.w_star / teacher.w_norm, -1, 1)))
    gradient = math.sqrt(float(np.sum(grad_v ** 2) + np.sum(grad_a ** 2)) / scale)
    return PointFate(stride, float(loss[0] / scale), phi, gradient, tangent_hessian(land, v, a), v, a)
