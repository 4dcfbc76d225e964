"""The non-overlapping model with another activation σ: kernels, population loss, landscape.

docs/mathematics.md#beyond-the-papers-assumptions derives everything below. For z ~ N(0, I_p), a
unit student filter w and the teacher's w* (‖w*‖ = c) at angle φ, X = wᵀz and Y = w*ᵀz are
jointly Gaussian with variances 1, c² and covariance c cos φ. The loss needs only

* the means m₁ = E σ(X), m_c = E σ(Y) and second moments q₁ = E σ(X)², q_c = E σ(Y)²;
* the kernel K(φ) = E[σ(X)σ(Y)] and the slope kernel D(φ) = E[σ'(X)σ'(Y)].

Patches are independent, so with d = q₁ − m₁², β = m₁²:

    ℓ = ½ [ q₁‖a‖² + β((1ᵀa)² − ‖a‖²) − 2(K aᵀa* + m₁m_c(1ᵀa·s − aᵀa*)) + q_c‖a*‖² + m_c²(s² − ‖a*‖²) ],

a function of a only through aᵀa*, 1ᵀa, ‖a‖² and of v only through φ — for every σ, because weight
normalization fixes ‖w‖ = 1 (for a non-homogeneous σ the loss would otherwise depend on ‖w‖ as
well, and ‖w‖ could not be traded against a). Price's theorem (∂E[σ(X)σ(Y)]/∂Cov(X, Y) =
E[σ'(X)σ'(Y)]) gives dK/dφ = −c sin φ D(φ), hence

    ∂ℓ/∂a = d a + β(1ᵀa) 1 − (K − m₁m_c) a* − m₁m_c s 1,
    ∂ℓ/∂v = −(aᵀa*) D(φ) (I − v̂v̂ᵀ) w*/‖v‖,

so the v-step stays in span{v, w*} and the reduced coordinates of theory.reduced_gd apply
unchanged (:mod:`theory.activation_gd`). Three activations:

* :class:`Relu` — the paper's: K = c g(φ)/(2π), D = (π − φ)/(2π) (the reference: the same numbers
  as :mod:`theory.landscape`);
* :class:`LeakyRelu` (slope α ∈ [0, 1)) — closed form: σ_α = ((1 + α)/2)x + ((1 − α)/2)|x| gives
  K = c[α cos φ + (1 − α)² g(φ)/(2π)], D = α + (1 − α)²(π − φ)/(2π), m = (1 − α)r/√(2π),
  q = (1 + α²)r²/2;
* :class:`Gelu` — σ(x) = xΦ(x), by a 128 × 128-node Gauss–Hermite rule in the plane of (X, Y),
  tabulated once per c as a Chebyshev interpolant in cos φ. GELU rather than softplus: it is
  entire (softplus has poles at ±iπ), so Gauss–Hermite converges faster than geometrically, and
  it is what practitioners use; its mean is also closed (m = r²/√(2π(1 + r²))), a check on the rule.

:func:`reference_kernels` computes K and D independently in mpmath: the inner Gaussian expectation
E[σ(a + bZ)] in closed form, the outer one by tanh-sinh quadrature.

:class:`Landscape` holds one (σ, teacher) pair: loss and gradients from the scalars, the profile
m(φ) = min_a ℓ(φ, a), a(φ) = μ(φ)a* + ν(φ)1 with μ = (K − m₁m_c)/d,
ν = s[m₁m_c(d + β) − βK]/(d(d + βk)), and the spurious condition: when D > 0 on (0, π), a(φ)ᵀa*
is increasing and affine in K, so the spurious point (φ = π, a(π)) is a local minimum exactly when
a(π)ᵀa* < 0, i.e. r = (1ᵀa*)²/‖a*‖² < r_b with

    r_b = (d + βk)(m₁m_c − K(π)) / (m₁m_c(d + β) − βK(π)),

which for ReLU is (k + π − 1)/π.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Protocol

import mpmath
import numpy as np
from numpy.polynomial import chebyshev, hermite_e
from scipy import optimize, special

from theory import validation
from theory.teacher import Teacher

__all__ = [
    "ACTIVATIONS",
    "CHEBYSHEV_DEGREE",
    "GAUSS_HERMITE_NODES",
    "GELU_NORM_RANGE",
    "SQRT_TWO_PI",
    "TWO_PI",
    "Activation",
    "BasinRule",
    "Gelu",
    "KernelCheck",
    "Landscape",
    "LeakyRelu",
    "Relu",
    "Scalars",
    "activation",
    "angles",
    "check_kernels",
    "gradient_error",
    "monte_carlo_loss",
    "quadrature_error",
    "reference_kernels",
]

TWO_PI = 2 * math.pi
SQRT_TWO_PI = math.sqrt(TWO_PI)


class Activation(Protocol):
    """What the landscape needs of σ (vectorized over angles; φ and δ = π − φ both given, each
    accurate, as in theory.formulas.Angle)."""

    @property
    def name(self) -> str: ...

    @property
    def homogeneous(self) -> bool: ...

    def value(self, x: np.ndarray) -> np.ndarray: ...

    def slope(self, x: np.ndarray) -> np.ndarray: ...

    def mean(self, norm: float) -> float: ...

    def second_moment(self, norm: float) -> float: ...

    def kernels(self, c: float, phi: np.ndarray, delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(K, D) for a unit student and a teacher of norm c at angles φ."""
        ...

    def mp_inner(self, a, b) -> tuple:
        """(E σ(a + bZ), E σ'(a + bZ)) for Z ~ N(0, 1), b ≥ 0, in mpmath (the reference's inner step)."""
        ...


def _sin_cos(phi, delta):
    """(sin φ, cos φ), taken from whichever of φ, δ is smaller (the accurate one)."""
    near_zero = phi <= delta
    chosen = np.where(near_zero, phi, delta)
    cos_chosen = np.cos(chosen)
    return np.sin(chosen), np.where(near_zero, cos_chosen, -cos_chosen)


def _g(phi, delta):
    """g(φ) = (π − φ) cos φ + sin φ."""
    sin_phi, cos_phi = _sin_cos(phi, delta)
    return delta * cos_phi + sin_phi


def _mp_relu_inner(a, b):
    if b == 0:
        return max(a, 0), (1 if a > 0 else 0)
    return a * mpmath.ncdf(a / b) + b * mpmath.npdf(a / b), mpmath.ncdf(a / b)


@dataclass(frozen=True)
class LeakyRelu:
    """σ(x) = max(x, αx), 0 ≤ α < 1 (α = 0 is the ReLU); homogeneous of degree 1."""

    alpha: float = 0.0
    homogeneous = True

    def __post_init__(self):
        alpha = validation.real(self.alpha, "alpha")
        if not 0 <= alpha < 1:
            raise ValueError(f"alpha must lie in [0, 1) (α = 1 is linear: no spurious point), got {alpha!r}")
        object.__setattr__(self, "alpha", float(alpha))

    @property
    def name(self) -> str:
        return "relu" if self.alpha == 0 else f"leaky-relu({self.alpha:g})"

    def value(self, x):
        return np.maximum(x, self.alpha * x)

    def slope(self, x):
        return np.where(x > 0, 1.0, self.alpha)

    def mean(self, norm):
        return (1 - self.alpha) * norm / SQRT_TWO_PI

    def second_moment(self, norm):
        return (1 + self.alpha ** 2) * norm * norm / 2

    def kernels(self, c, phi, delta):
        alpha, leak = self.alpha, (1 - self.alpha) ** 2
        cos_phi = _sin_cos(phi, delta)[1]
        return c * (alpha * cos_phi + leak * _g(phi, delta) / TWO_PI), alpha + leak * delta / TWO_PI

    def mp_inner(self, a, b):
        relu, relu_slope = _mp_relu_inner(a, b)
        # σ_α(x) = αx + (1 − α)σ(x)
        return self.alpha * a + (1 - self.alpha) * relu, self.alpha + (1 - self.alpha) * relu_slope


def Relu() -> LeakyRelu:
    """The paper's σ(x) = max(x, 0): the leaky ReLU with α = 0."""
    return LeakyRelu(0.0)


GAUSS_HERMITE_NODES = 128            # per dimension; see Gelu
CHEBYSHEV_DEGREE = 96                # in t = cos φ
GELU_NORM_RANGE = (1 / 8, 2.0)       # of ‖w*‖, where the rule is accurate to ~1e-15 (tests check 1e-12)


@functools.cache
def _hermite_rule(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of the n-point rule for E f(Z), Z ~ N(0, 1) (probabilists' Hermite)."""
    nodes, weights = hermite_e.hermegauss(n)
    return nodes, weights / SQRT_TWO_PI


@dataclass(frozen=True)
class Gelu:
    """σ(x) = xΦ(x) (the exact GELU, Φ the normal CDF); not homogeneous.

    K and D by the tensor Gauss–Hermite rule: X = x₁, Y = c(cos φ x₁ + sin φ x₂) with x₁, x₂ i.i.d.
    N(0, 1) — the kernel depends only on the angle and the norms. Φ(c x) steepens with c, so the
    rule loses accuracy for c > 2 (1e-6 at c = 3 with 64 nodes); c is restricted to
    GELU_NORM_RANGE, where 128 nodes give ~1e-15 (checked against :func:`reference_kernels`).
    """

    name = "gelu"
    homogeneous = False

    def value(self, x):
        return x * special.ndtr(x)

    def slope(self, x):
        return special.ndtr(x) + x * np.exp(-x * x / 2) / SQRT_TWO_PI

    def mean(self, norm):
        return norm * norm / math.sqrt(TWO_PI * (1 + norm * norm))   # Stein: E[XΦ(X)] = r²E[φ(X)]

    def second_moment(self, norm):
        nodes, weights = _hermite_rule(GAUSS_HERMITE_NODES)
        return float(weights @ self.value(norm * nodes) ** 2)

    def quadrature(self, c: float, cos_phi: np.ndarray, sin_phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(K, D) by the 2-D rule, at each (cos φ, sin φ)."""
        nodes, weights = _hermite_rule(GAUSS_HERMITE_NODES)
        x1, x2 = nodes[:, None], nodes[None, :]
        pair = np.outer(weights, weights)
        first, first_slope = self.value(x1), self.slope(x1)
        out_k, out_d = np.empty(len(cos_phi)), np.empty(len(cos_phi))
        for i, (cos_i, sin_i) in enumerate(zip(cos_phi, sin_phi, strict=True)):
            y = c * (cos_i * x1 + sin_i * x2)
            out_k[i] = np.sum(pair * first * self.value(y))
            out_d[i] = np.sum(pair * first_slope * self.slope(y))
        return out_k, out_d

    def kernels(self, c, phi, delta):
        k_coef, d_coef = _gelu_table(_gelu_norm(c))
        t = _sin_cos(phi, delta)[1]
        return chebyshev.chebval(t, k_coef), chebyshev.chebval(t, d_coef)

    def mp_inner(self, a, b):
        # E[(a + bZ)Φ(a + bZ)] = aΦ(a/s) + b²φ(a/s)/s and its a-derivative, s = √(1 + b²) (Stein)
        s = mpmath.sqrt(1 + b * b)
        u = a / s
        return a * mpmath.ncdf(u) + b * b * mpmath.npdf(u) / s, mpmath.ncdf(u) + a * mpmath.npdf(u) / s ** 3


def _gelu_norm(c: float) -> float:
    if not GELU_NORM_RANGE[0] <= c <= GELU_NORM_RANGE[1]:
        raise ValueError(f"GELU needs ‖w*‖ in [{GELU_NORM_RANGE[0]:g}, {GELU_NORM_RANGE[1]:g}] (its quadrature's "
                         f"range; GELU is not homogeneous, so ‖w*‖ is part of the model), got {c:.6g}")
    return float(c)


@functools.lru_cache(maxsize=32)
def _gelu_table(c: float) -> tuple[np.ndarray, np.ndarray]:
    """Chebyshev coefficients of K and D in t = cos φ ∈ [−1, 1] (analytic there: their Mehler series
    converge for |t| < (1 + c²)/c²)."""
    t = np.cos(np.pi * (np.arange(CHEBYSHEV_DEGREE + 1) + 0.5) / (CHEBYSHEV_DEGREE + 1))   # Chebyshev points
    k_values, d_values = Gelu().quadrature(c, t, np.sqrt(1 - t * t))
    return (chebyshev.chebfit(t, k_values, CHEBYSHEV_DEGREE), chebyshev.chebfit(t, d_values, CHEBYSHEV_DEGREE))


ACTIVATIONS = ("relu", "leaky-relu", "gelu")


def activation(name: str, alpha: float = 0.01) -> Activation:
    """An activation by name: ``relu``, ``leaky-relu`` (slope ``alpha``) or ``gelu``."""
    if name == "relu":
        return Relu()
    if name == "leaky-relu":
        return LeakyRelu(alpha)
    if name == "gelu":
        return Gelu()
    raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {name!r}")


def reference_kernels(sigma: Activation, c, phi, dps: int = 30) -> tuple:
    """(K, D) at angle φ in mpmath: the inner expectation over the part of Y orthogonal to X in
    closed form (``sigma.mp_inner``), the outer one over X by tanh-sinh quadrature — independent of
    the closed forms and of the Gauss–Hermite rule."""
    with mpmath.workdps(dps):
        c, phi = mpmath.mpf(c), mpmath.mpf(phi)
        along, across = c * mpmath.cos(phi), abs(c * mpmath.sin(phi))
        # Y = along·X + across·Z with Z independent of X; σ(x) and σ'(x) themselves are mp_inner(x, 0)

        def kernel(x):
            return sigma.mp_inner(x, 0)[0] * sigma.mp_inner(along * x, across)[0] * mpmath.npdf(x)

        def slope_kernel(x):
            return sigma.mp_inner(x, 0)[1] * sigma.mp_inner(along * x, across)[1] * mpmath.npdf(x)

        span = [-mpmath.inf, 0, mpmath.inf]
        return mpmath.quad(kernel, span), mpmath.quad(slope_kernel, span)


# --- the landscape of one (σ, teacher) ---------------------------------------------------------

@dataclass(frozen=True)
class Scalars:
    """The teacher's side of the loss, and σ's moments for the unit student and the teacher."""

    k: int
    c: float
    s: float
    astar_sq: float
    mean_student: float       # m₁
    mean_teacher: float       # m_c
    second_student: float     # q₁
    second_teacher: float     # q_c

    @property
    def d(self) -> float:
        """q₁ − m₁²: the a-Hessian's eigenvalue across 1."""
        return self.second_student - self.mean_student ** 2

    @property
    def beta(self) -> float:
        """m₁²: the a-Hessian's extra curvature along 1 (per unit of 11ᵀ)."""
        return self.mean_student ** 2

    @property
    def cross(self) -> float:
        """m₁m_c."""
        return self.mean_student * self.mean_teacher


@dataclass(frozen=True, eq=False)
class Landscape:
    """ℓ for one activation and teacher, from (φ, aᵀa*, 1ᵀa, ‖a‖²); vectorized over trajectories."""

    sigma: Activation
    teacher: Teacher
    scalars: Scalars

    @classmethod
    def of(cls, sigma: Activation, teacher: Teacher) -> Landscape:
        validation.teacher(teacher)
        c = teacher.w_norm
        if isinstance(sigma, Gelu):
            _gelu_norm(c)
        scalars = Scalars(teacher.k, c, teacher.a_sum, teacher.a_sq, sigma.mean(1.0), sigma.mean(c),
                          sigma.second_moment(1.0), sigma.second_moment(c))
        return cls(sigma, teacher, scalars)

    def kernels(self, phi, delta=None):
        phi = np.asarray(phi, dtype=float)
        return self.sigma.kernels(self.scalars.c, phi, np.pi - phi if delta is None else np.asarray(delta))

    def loss_from_scalars(self, kernel, a_dot, a_sum, a_sq):
        """ℓ from K(φ) and the a-statistics (the one source of the loss)."""
        sc = self.scalars
        student = sc.second_student * a_sq + sc.beta * (a_sum * a_sum - a_sq)
        cross = kernel * a_dot + sc.cross * (a_sum * sc.s - a_dot)
        teacher = sc.second_teacher * sc.astar_sq + sc.mean_teacher ** 2 * (sc.s * sc.s - sc.astar_sq)
        return (student - 2 * cross + teacher) / 2

    def loss(self, V, A):
        """ℓ for each row of (V, A) (full-dimensional)."""
        V, A = np.atleast_2d(V), np.atleast_2d(A)
        phi, delta = angles(V, self.teacher.w_star)
        a_star = self.teacher.a_star
        return self.loss_from_scalars(self.kernels(phi, delta)[0], A @ a_star, A.sum(axis=1),
                                      np.einsum("ij,ij->i", A, A))

    def gradient(self, V, A):
        """(∂ℓ/∂V, ∂ℓ/∂A) row by row (full-dimensional)."""
        V, A = np.atleast_2d(V), np.atleast_2d(A)
        sc, w_star, a_star = self.scalars, self.teacher.w_star, self.teacher.a_star
        phi, delta = angles(V, w_star)
        kernel, slope = self.kernels(phi, delta)
        r = np.linalg.norm(V, axis=1)
        U = V / r[:, None]
        proj_w = w_star - (U @ w_star)[:, None] * U
        grad_v = -((A @ a_star) * slope / r)[:, None] * proj_w
        grad_a = (sc.d * A + (sc.beta * A.sum(axis=1) - sc.cross * sc.s)[:, None]
                  - (kernel - sc.cross)[:, None] * a_star)
        return grad_v, grad_a

    def optimal_a_coefficients(self, kernel):
        """(μ, ν) with a(φ) = argmin_a ℓ(φ, a) = μ a* + ν 1."""
        sc = self.scalars
        d, beta, m = sc.d, sc.beta, sc.cross
        return (kernel - m) / d, sc.s * (m * (d + beta) - beta * kernel) / (d * (d + beta * sc.k))

    def profile(self, phi):
        """(m(φ), a(φ)ᵀa*): the least loss at each angle, and a(φ)ᵀa* (m' = c sin φ D a(φ)ᵀa*)."""
        sc = self.scalars
        kernel = self.kernels(phi)[0]
        mu, nu = self.optimal_a_coefficients(kernel)
        a_dot = mu * sc.astar_sq + nu * sc.s
        value = self.loss_from_scalars(kernel, a_dot, mu * sc.s + nu * sc.k,
                                       mu * mu * sc.astar_sq + 2 * mu * nu * sc.s + nu * nu * sc.k)
        return value, a_dot

    @functools.cached_property
    def slope_positive(self) -> bool:
        """D > 0 on (0, π) (checked on 4,097 angles): then a(φ)ᵀa* decreases in φ and crosses 0 once."""
        phi = np.linspace(0, np.pi, 4097)[1:-1]
        return bool(np.all(self.kernels(phi)[1] > 0))

    @property
    def boundary_ratio(self) -> float:
        """r_b: the spurious point is a local minimum (p ≥ 2) exactly when (1ᵀa*)²/‖a*‖² < r_b."""
        sc = self.scalars
        k_pi = float(self.kernels(np.pi, 0.0)[0])
        d, beta, m = sc.d, sc.beta, sc.cross
        return (d + beta * sc.k) * (m - k_pi) / (m * (d + beta) - beta * k_pi)

    @property
    def has_spurious_minimum(self) -> bool:
        """a(π)ᵀa* < 0 (float64: for teachers within rounding of r_b use the exact ReLU test)."""
        self._require_positive_slope()
        return float(self.profile(np.pi)[1]) < 0

    def _require_positive_slope(self) -> None:
        if not self.slope_positive:
            raise ValueError(f"{self.sigma.name}: D(φ) = E[σ'(X)σ'(Y)] is not positive on (0, π) for this teacher; "
                             "the profile argument does not apply")

    @functools.cached_property
    def saddle_angle(self) -> float | None:
        """φ_s with a(φ_s)ᵀa* = 0, or None without a spurious minimum."""
        if not self.has_spurious_minimum:
            return None
        if float(self.profile(0.0)[1]) <= 0:
            return 0.0
        return float(optimize.brentq(lambda phi: float(self.profile(phi)[1]), 0.0, np.pi, xtol=1e-15, rtol=1e-15))

    @functools.cached_property
    def basins(self) -> BasinRule:
        """The decision levels and band of :class:`BasinRule` for this landscape."""
        return BasinRule.of(self)


def angles(V: np.ndarray, w_star: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(φ, π − φ) of each row of V against w* (Kahan's formula: accurate at both ends)."""
    U = V / np.linalg.norm(V, axis=1, keepdims=True)
    w_hat = w_star / np.linalg.norm(w_star)
    apart, together = np.linalg.norm(U - w_hat, axis=1), np.linalg.norm(U + w_hat, axis=1)
    return 2 * np.arctan2(apart, together), 2 * np.arctan2(together, apart)


# --- deciding where a state belongs ------------------------------------------------------------

@dataclass(frozen=True)
class BasinRule:
    """Which basin a state is in, read from the profile (a stated rule, estimated — not a trap).

    With a spurious minimum, m rises from m(0) to ``top`` = m(φ_s) and falls to m(π); without one
    it rises to ``top`` = m(π). Levels halfway up each side, L_g = m(0) + ½(top − m(0)) and
    L_s = m(π) + ½(top − m(π)), cut the band B(L) = {φ : m(φ) > L} out of the angles; under
    gradient flow the set {ℓ ≤ L, φ on one side of B(L)} is invariant, since ℓ cannot rise and φ
    cannot cross B(L) without ℓ > L. A state is ``global`` when ℓ ≤ L_g and φ ≤ φ_lo(L_g),
    ``spurious`` when ℓ ≤ L_s and φ ≥ φ_hi(L_s), else ``undecided``; ``diverged`` when ℓ is not
    finite or above ``diverged_level``. For discrete steps the engines add the two checks that the
    continuous argument leaves out: after a decision the loss never rises and no step turns v
    by as much as the band's width; a run that breaks either is undecided.
    """

    top: float
    global_level: float
    spurious_level: float | None
    global_edge: float           # φ_lo(L_g)
    spurious_edge: float | None  # φ_hi(L_s)
    band_width: float            # the narrower of the two bands
    diverged_level: float

    @classmethod
    def of(cls, landscape: Landscape) -> BasinRule:
        landscape._require_positive_slope()
        m0 = float(landscape.profile(0.0)[0])
        m_pi = float(landscape.profile(np.pi)[0])
        phi_s = landscape.saddle_angle
        top = m_pi if phi_s is None else float(landscape.profile(phi_s)[0])
        peak = np.pi if phi_s is None else phi_s

        def crossing(level, lo, hi):
            """Where m crosses ``level`` between lo and hi (m is monotone there); an end if it never does."""
            def above(phi):
                return float(landscape.profile(phi)[0]) - level
            if above(lo) * above(hi) > 0:
                return lo if abs(above(lo)) < abs(above(hi)) else hi
            return float(optimize.brentq(above, lo, hi, xtol=1e-14, rtol=1e-14))

        global_level = m0 + (top - m0) / 2
        global_edge = crossing(global_level, 0.0, peak)
        widths = [peak - global_edge]
        spurious_level = spurious_edge = None
        if phi_s is not None:
            spurious_level = m_pi + (top - m_pi) / 2
            spurious_edge = crossing(spurious_level, phi_s, np.pi)
            widths = [spurious_edge - crossing(spurious_level, 0.0, phi_s),
                      crossing(global_level, phi_s, np.pi) - global_edge]
        at_zero = landscape.loss_from_scalars(0.0, 0.0, 0.0, 0.0)   # ½E f*², the loss at a = 0
        return cls(top, global_level, spurious_level, global_edge, spurious_edge, float(min(widths)),
                   1e12 * max(float(at_zero), top))

    def classify(self, phi: np.ndarray, loss: np.ndarray) -> np.ndarray:
        """Outcome codes (theory.decisions.Outcome) of states with angles φ and losses ℓ."""
        from theory.decisions import Outcome
        phi, loss = np.asarray(phi, dtype=float), np.asarray(loss, dtype=float)
        out = np.full(phi.shape, int(Outcome.UNDECIDED))
        out[(loss <= self.global_level) & (phi <= self.global_edge)] = Outcome.GLOBAL
        if self.spurious_level is not None and self.spurious_edge is not None:
            out[(loss <= self.spurious_level) & (phi >= self.spurious_edge)] = Outcome.SPURIOUS
        out[~np.isfinite(loss) | ~np.isfinite(phi) | (loss > self.diverged_level)] = Outcome.DIVERGED
        return out


# --- engine-level checks (what tests and claims run; a planted fault must fail them) -------------

@dataclass(frozen=True)
class KernelCheck:
    """The largest |K − K_ref| and |D − D_ref| over the angles, against :func:`reference_kernels`."""

    activation: str
    c: float
    angles: tuple[float, ...]
    kernel_error: float
    slope_error: float

    def passed(self, tolerance: float = 1e-12) -> bool:
        """Both errors within ``tolerance`` × (1 + c²) (K scales like c, D is O(1))."""
        return max(self.kernel_error, self.slope_error) <= tolerance * (1 + self.c * self.c)


def check_kernels(sigma: Activation, c: float, phis, dps: int = 20) -> KernelCheck:
    """K and D of ``sigma`` at the angles ``phis`` against the mpmath reference."""
    phis = tuple(float(phi) for phi in phis)
    phi = np.array(phis)
    kernel, slope = sigma.kernels(c, phi, np.pi - phi)
    reference = [reference_kernels(sigma, c, angle, dps) for angle in phis]
    return KernelCheck(sigma.name, float(c), phis,
                       float(max(abs(kernel[i] - float(ref[0])) for i, ref in enumerate(reference))),
                       float(max(abs(slope[i] - float(ref[1])) for i, ref in enumerate(reference))))


def quadrature_error(norms=(0.125, 1.0, 2.0)) -> float:
    """The largest relative difference between GELU's mean by the Gauss–Hermite rule and its closed
    form r²/√(2π(1 + r²)) (Stein's identity): a cheap check of the rule the kernels are built on."""
    gelu = Gelu()
    nodes, weights = _hermite_rule(GAUSS_HERMITE_NODES)
    return max(abs(float(weights @ gelu.value(r * nodes)) / gelu.mean(r) - 1) for r in norms)


def gradient_error(landscape: Landscape, V: np.ndarray, A: np.ndarray, step: float = 1e-6) -> float:
    """The largest difference, relative to 1 + ‖∇ℓ‖, between :meth:`Landscape.gradient` and central
    differences of :meth:`Landscape.loss` (an independent computation: it never reads D)."""
    grad_v, grad_a = landscape.gradient(V, A)
    worst = 0.0
    for row in range(len(V)):
        point = np.concatenate([V[row], A[row]])
        p = V.shape[1]
        numeric = np.empty_like(point)
        for i in range(len(point)):
            up, down = point.copy(), point.copy()
            up[i] += step
            down[i] -= step
            numeric[i] = (landscape.loss(up[None, :p], up[None, p:])[0]
                          - landscape.loss(down[None, :p], down[None, p:])[0]) / (2 * step)
        exact = np.concatenate([grad_v[row], grad_a[row]])
        worst = max(worst, float(np.max(np.abs(exact - numeric)) / (1 + np.linalg.norm(exact))))
    return worst


def monte_carlo_loss(landscape: Landscape, v: np.ndarray, a: np.ndarray, n: int, rng: np.random.Generator,
                     chunk: int = 1 << 16) -> tuple[float, float]:
    """(mean, standard error) of ½(f(Z; v/‖v‖, a) − f(Z; w*, a*))² over n Gaussian inputs through the
    real network with this activation."""
    teacher, sigma = landscape.teacher, landscape.sigma
    w = v / np.linalg.norm(v)
    total, total_sq, done = 0.0, 0.0, 0
    while done < n:
        m = min(chunk, n - done)
        Z = rng.standard_normal((m, teacher.k, teacher.p))
        half_sq = 0.5 * (sigma.value(Z @ w) @ a - sigma.value(Z @ teacher.w_star) @ teacher.a_star) ** 2
        total, total_sq, done = total + half_sq.sum(), total_sq + (half_sq ** 2).sum(), done + m
    mean = total / n
    return mean, math.sqrt(max(total_sq / n - mean * mean, 0.0) / n)
