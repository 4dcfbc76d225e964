"""P_∞(global) and P_∞(spurious) by quadrature over the disk of initial points — estimated, not proved.

At p = ∞ the outcome of GD from the paper's initialization is a deterministic function of one point
of a disk (docs/mathematics.md#parameters-of-the-dynamics): the projection of
ã₀ = a₀/(‖w*‖‖a*‖) on span{a*, 1}, written ã₀ = R·u·(cos θ, sin θ) in the basis (â*, e₂) of
:func:`theory.invariants.outcomes_at_infinity`, with R = √(r/k) and u ∈ [0, 1). Its law is explicit:
θ is uniform and independent of u, and the projection of the uniform law on the k-ball onto a plane
has density ∝ (1 − u²)^((k−2)/2), so P(u > t) = (1 − t²)^(k/2).

The outcome along a ray changes at most once, from global (inside) to spurious (outside), and the
rays that reach the spurious basin form one arc of θ — measured, and checked on every call on a
polar grid of the disk (:class:`QuadratureError` where it fails). Then, with u*(θ) the boundary
radius on a ray (1 where the whole ray is global),

    P_∞(spurious) = (1/2π) ∫ (1 − u*(θ)²)^(k/2) dθ,       P_∞(global) = 1 − P_∞(spurious).

u*(θ) is located by bisection (all the rays of a quadrature rule at once, one batched GD call per
halving), and the integral over the arc by Gauss–Legendre rules on panels, refined until two rules
agree. The result is an estimate with an error estimate — the difference of the two rules plus the
bisection's bound — not an enclosure: :mod:`theory.certify` proves enclosures.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from theory import invariants, validation
from theory.decisions import Outcome

__all__ = [
    "MAX_PANELS",
    "RIM",
    "OutcomeQuadrature",
    "QuadratureError",
    "Resolution",
    "large_kappa_limit",
    "probabilities",
    "radial_tail",
]

RIM = 1 - 2.0 ** -40          # the open disk's rim, as a radius (u = 1 is not in the disk)
MAX_PANELS = 256


@dataclass(frozen=True)
class Resolution:
    """How finely the disk is searched for a requested tolerance.

    * ``rim_rays``: the rim scan that finds the spurious arc. An arc narrower than the scan's step w
      is missed; near the ends of an arc u* → 1, so such a sliver holds a mass of order w² (measured:
      the arcs close on the rim like lenses), and w ≈ 2π·√tolerance/8 keeps it well below tolerance.
    * ``scan_rays`` × ``scan_radii``: the polar grid on which one crossing per ray is checked.
    * ``bisection_width``: the bracket of u* on a ray; the error it leaves is estimated from the
      integrand's slope on each bracket and added to the rule's, so this only sets the starting cost.
    * ``first_panels``: Gauss–Legendre panels of the first pair of rules.
    """

    rim_rays: int
    scan_rays: int
    scan_radii: int
    bisection_width: float
    first_panels: int

    @classmethod
    def for_tolerance(cls, tolerance: float, k: int) -> Resolution:
        rim_rays = int(min(max(2 ** math.ceil(math.log2(16 * math.pi / math.sqrt(tolerance))), 64), 8192))
        width = 2.0 ** math.floor(math.log2(min(2.0 ** -10, tolerance / (4 * math.sqrt(k)))))
        return cls(rim_rays, min(rim_rays, 256), 12 if tolerance < 1e-3 else 6, width,
                   4 if tolerance < 1e-4 else 1)


class QuadratureError(ValueError):
    """The disk did not have the structure the quadrature relies on (one crossing per ray, one arc),
    or a run stayed undecided: the estimate would not mean what it says."""


@dataclass(frozen=True)
class OutcomeQuadrature:
    """P_∞(global) and P_∞(spurious) of (k, r, κ) at η = ``eta_fraction`` × the stability limit,
    with an error estimate (not a bound) and what it cost."""

    k: int
    r: float
    kappa: float
    eta_fraction: float
    spurious: float
    global_: float
    error_estimate: float      # |difference of two quadrature rules| + the bisection's share
    arc: tuple[float, float]   # θ at the ends of the spurious arc (NaN: no spurious ray)
    closest: float             # the least boundary radius u*(θ) found (1: none)
    runs: int                  # GD runs used, scan included
    seconds: float

    @property
    def ratio_over_boundary(self) -> float:
        return self.r / invariants.boundary(self.k)


class _Disk:
    """Which points (u, θ) of the disk of one (k, r) lead to the spurious minimum — by GD runs
    (:class:`_RunDisk`) or by the κ → ∞ criterion (:class:`_LimitDisk`) — counted."""

    def __init__(self, k: int, r: float):
        self.k, self.r = k, r
        self.radius = math.sqrt(r / k)
        self.runs = 0

    def outcomes(self, u: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """True where the point R·u·(cos θ, sin θ) (basis (â*, e₂)) leads to the spurious minimum."""
        u, theta = np.broadcast_arrays(np.asarray(u, float), np.asarray(theta, float))
        points = self.radius * np.stack([u.ravel() * np.cos(theta.ravel()), u.ravel() * np.sin(theta.ravel())], 1)
        self.runs += points.shape[0]
        return self.spurious(points).reshape(u.shape)

    def spurious(self, points: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def boundary(self, theta: np.ndarray, max_width: float) -> tuple[np.ndarray, np.ndarray]:
        """(lo, hi) bracketing u*(θ) for each θ ((1, 1) where the rim is global), by bisection on all
        rays at once until hi − lo ≤ ``max_width``."""
        theta = np.asarray(theta, float)
        lo, hi = np.zeros(theta.shape), np.full(theta.shape, RIM)
        reaches = self.outcomes(hi, theta)
        if np.any(self.outcomes(lo, theta)):
            raise QuadratureError("the disk's centre reaches the spurious minimum: one crossing per ray, "
                                  "from global inside, does not hold")
        active = np.flatnonzero(reaches)
        while active.size and np.max(hi[active] - lo[active]) > max_width:
            mid = (lo[active] + hi[active]) / 2
            spurious = self.outcomes(mid, theta[active])
            hi[active] = np.where(spurious, mid, hi[active])
            lo[active] = np.where(spurious, lo[active], mid)
        return np.where(reaches, lo, 1.0), np.where(reaches, hi, 1.0)


class _RunDisk(_Disk):
    """Outcomes of GD runs at p = ∞ (:class:`theory.invariants.DiskRuns`)."""

    def __init__(self, k: int, r: float, kappa: float, eta_fraction: float, max_steps: int):
        super().__init__(k, r)
        self.kappa, self.max_steps = kappa, max_steps
        self.runner = invariants.DiskRuns(k, r, kappa, eta_fraction, max_steps)

    def spurious(self, points: np.ndarray) -> np.ndarray:
        codes = self.runner.outcomes(points)
        if np.any(codes == Outcome.UNDECIDED):
            raise QuadratureError(f"runs undecided after {self.max_steps:,} steps at "
                                  f"(k, r, κ) = ({self.k}, {self.r:g}, {self.kappa:g})")
        if np.any(codes == Outcome.DIVERGED):
            raise QuadratureError("runs diverged: η is past the stability limit")
        return codes == Outcome.SPURIOUS


class _LimitFlow:
    """The κ → ∞ criterion of :func:`large_kappa_limit` for one (k, r): along the output layer's flow
    at φ = π, dã/dτ = −(1/2π)[(π − 1)ã + 1(1ᵀã − ŝ) + â*], solved in closed form in the basis (â*, e₂),
    X(τ) = ∫₀^τ ãᵀâ* dτ' is F(τ) + u·G(τ, θ) for the start ã₀ = R·u·(cos θ, sin θ): affine in u. So
    the starts of one ray with X < 0 for every τ > 0 form one interval of u, found from the ratios
    −F/G on a grid of τ, each extremum refined by golden-section search."""

    TIMES = 800

    def __init__(self, k: int, r: float):
        self.k, self.radius = k, math.sqrt(r / k)
        ones = np.array([math.sqrt(r), math.sqrt(max(k - r, 0.0))])        # Qᵀ1
        flow = ((math.pi - 1) * np.eye(2) + np.outer(ones, ones)) / (2 * math.pi)
        self.rates, self.modes = np.linalg.eigh(flow)
        self.rest = np.linalg.solve(flow, (math.sqrt(r) * ones - np.array([1.0, 0.0])) / (2 * math.pi))
        self.times = np.geomspace(1e-6 / self.rates[-1], 60 / self.rates[0], self.TIMES)

    def _parts(self, times: np.ndarray, theta: np.ndarray, one_each: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(F, G) at every τ of ``times`` (columns) for each θ (rows) — or, ``one_each``, at one τ
        per θ."""
        grid = times if one_each else times[None, :]
        grown = [-np.expm1(-rate * grid) / rate for rate in self.rates]          # ∫₀^τ e^(−wτ') dτ'
        weights = self.modes * self.modes[0]                                     # â*-part of each mode
        direction = np.stack([np.cos(theta), np.sin(theta)], axis=-1) * self.radius
        rest, moving_part = self.rest @ weights, direction @ weights
        if not one_each:
            moving_part = moving_part[:, :, None]
        fixed = self.rest[0] * grid - rest[0] * grown[0] - rest[1] * grown[1]
        moving = moving_part[:, 0] * grown[0] + moving_part[:, 1] * grown[1]
        return np.broadcast_to(fixed, np.shape(moving)), moving

    def interval(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(u_a, u_b) per θ: the ray's spurious starts are u_a < u < u_b (empty where u_a ≥ u_b)."""
        fixed, moving = self._parts(self.times, theta)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = -fixed / moving
        lower = np.where(moving < 0, ratio, -np.inf)
        upper = np.where(moving > 0, ratio, np.inf)
        blocked = np.any((moving == 0) & (fixed >= 0), axis=1)
        u_a = np.maximum(self._refine(theta, lower, np.argmax(lower, axis=1), -1.0), 0.0)
        u_b = np.minimum(self._refine(theta, upper, np.argmin(upper, axis=1), 1.0), 1.0)
        spurious_start = np.cos(theta) < 0                                       # x₀ < 0
        return u_a, np.where(spurious_start & ~blocked, u_b, 0.0)

    def _refine(self, theta: np.ndarray, values: np.ndarray, best: np.ndarray, sign: float) -> np.ndarray:
        """The extremum (max for sign −1, min for +1) of −F/G near each row's grid extremum."""
        rows = np.arange(len(theta))
        found = values[rows, best]
        lo, hi = self.times[np.maximum(best - 1, 0)], self.times[np.minimum(best + 1, self.TIMES - 1)]
        finite = np.isfinite(found)

        def ratio(times):
            fixed, moving = self._parts(times, theta, one_each=True)
            with np.errstate(divide="ignore", invalid="ignore"):
                return sign * (-fixed / moving)

        for _ in range(50):
            a, b = hi - 0.618 * (hi - lo), lo + 0.618 * (hi - lo)
            left = ratio(a) < ratio(b)
            lo, hi = np.where(left, lo, a), np.where(left, b, hi)
        refined = sign * ratio((lo + hi) / 2)
        better = np.where(sign > 0, np.fmin(found, refined), np.fmax(found, refined))
        return np.where(finite, better, found)


def _check_structure(disk: _Disk, resolution: Resolution) -> np.ndarray:
    """Whether each rim point of the scan is spurious, after checking the structure on a polar
    grid: QuadratureError where a ray crosses twice or the spurious rim points do not form one arc."""
    theta = np.arange(resolution.scan_rays) * (2 * math.pi / resolution.scan_rays)
    radii = np.append(np.arange(1, resolution.scan_radii) / resolution.scan_radii, RIM)
    spurious = disk.outcomes(radii[None, :], theta[:, None])
    if np.any(np.diff(spurious.astype(int), axis=1) < 0):
        raise QuadratureError("a ray goes from spurious back to global: more than one crossing")
    rim = disk.outcomes(np.array([RIM]), np.arange(resolution.rim_rays) * (2 * math.pi / resolution.rim_rays))
    changes = np.count_nonzero(rim != np.roll(rim, 1))
    if changes > 2:
        raise QuadratureError(f"the spurious rays form {changes // 2} arcs, not one")
    return rim


def _arc_ends(disk: _Disk, inside: np.ndarray, outside: np.ndarray, width: float) -> np.ndarray:
    """θ where the rim changes outcome, between spurious rim angles ``inside`` and global ones
    ``outside`` (both ends of the arc at once), to ``width``. The integrand vanishes at the ends
    (u* → 1, where it is of order (1 − u*²)^(k/2)), so an end's error δθ moves the integral by a
    higher power of δθ: a 2⁻¹⁰ of the scan's step is far below any tolerance the scan serves."""
    while np.max(np.abs(inside - outside)) > width:
        mid = (inside + outside) / 2
        spurious = disk.outcomes(np.full(mid.shape, RIM), mid)
        inside, outside = np.where(spurious, mid, inside), np.where(spurious, outside, mid)
    return (inside + outside) / 2


def radial_tail(u: np.ndarray, k: int) -> np.ndarray:
    """P(u₀ > u) = (1 − u²)^(k/2) for the disk point's radius u₀ (in units of R): the projection of
    the uniform law on the k-ball onto a plane has density ∝ (1 − u²)^((k−2)/2)."""
    u = np.clip(u, 0.0, 1.0)
    with np.errstate(divide="ignore"):    # u = 1: log 0 = −∞, tail 0
        return np.exp(k / 2 * np.log1p(-u * u))


def _gauss_panels(a: float, b: float, panels: int, order: int) -> tuple[np.ndarray, np.ndarray]:
    nodes, weights = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(a, b, panels + 1)
    half = (edges[1:] - edges[:-1]) / 2
    centre = (edges[1:] + edges[:-1]) / 2
    return (centre[:, None] + half[:, None] * nodes).ravel(), (half[:, None] * weights).ravel()


def probabilities(k: int, r: float, kappa: float, eta_fraction: float = invariants.DEFAULT_ETA_FRACTION,
                  tolerance: float = 1e-6, max_steps: int = invariants.THRESHOLD_MAX_STEPS) -> OutcomeQuadrature:
    """P_∞(global), P_∞(spurious) of (k, r, κ) (p = ∞, the paper's initialization, ‖v₀‖ = 1, η =
    ``eta_fraction`` × :func:`theory.invariants.stability_limit`), estimated to ``tolerance`` by
    quadrature over the disk (module docstring); a run still undecided after ``max_steps`` steps makes
    the estimate fail (GD's time scale grows like k and, above κ ≈ k, like κ). Raises
    :class:`QuadratureError` where the disk lacks the structure the method needs, ValueError for r = 0
    (the ball is a point: GD stays on the saddle cone, P_∞(global) = P_∞(spurious) = 0) and for bad
    input."""
    k, r, kappa = invariants._check(k, r, kappa)
    eta_fraction = validation.positive_float(eta_fraction, "eta_fraction")
    tolerance = validation.positive_float(tolerance, "tolerance")
    max_steps = validation.step_count(max_steps, "max_steps")
    _refuse_a_point(r)
    return _integrate(_RunDisk(k, r, kappa, eta_fraction, max_steps), kappa, eta_fraction, tolerance)


def large_kappa_limit(k: int, r: float, tolerance: float = 1e-6) -> OutcomeQuadrature:
    """lim_{κ→∞} P_∞(spurious) at the default step (η = ¼ of the stability limit, so ηκ = 1 once
    κ/2 exceeds the a-block's curvature) — estimated by the same quadrature, with the outcome of a
    disk point decided by the limit criterion instead of a run (docs/dynamics.md derives it):

    per step the angle moves by ηκ·x·(π − φ) sin φ/(2π) = O(x), x = ãᵀâ*, while ã moves by O(η) =
    O(1/κ). So φ first runs to 0 (x₀ > 0: global) or to π (x₀ < 0) with ã frozen. Near π, δ = π − φ
    obeys d(1/δ)/dτ = −κx/(2π) in the output layer's time τ = ηt, so φ stays pinned at π exactly as
    long as X(τ) = ∫₀^τ x dτ' < 0 along the output layer's flow at φ = π, and escapes to 0 (global)
    once X returns to 0. Spurious in the limit ⟺ x₀ < 0 and X(τ) < 0 for every τ > 0.

    Consequence: for r ≤ 1 the flow never turns x positive and the limit is ½ (the sign of x₀); for
    r > 1 the output layer's fast 1-mode first pushes x up by about (r − 1)/(k + π − 1), so only
    starts with x₀ below a threshold of order one (in units of the disk's radius) stay spurious, and
    the limit falls like exp(−k·u*²/2) as the disk's law concentrates at u ~ 1/√k."""
    k, r, _ = invariants._check(k, r, 1.0)
    tolerance = validation.positive_float(tolerance, "tolerance")
    _refuse_a_point(r)
    started = time.perf_counter()
    flow = _LimitFlow(k, r)
    rays = 0

    def rule(a: np.ndarray, b: np.ndarray, order: int) -> tuple[np.ndarray, float]:
        """Each panel's Gauss–Legendre value of the spurious mass per unit θ, and the least u_a."""
        nonlocal rays
        nodes, weights = np.polynomial.legendre.leggauss(order)
        half, centre = (b - a) / 2, (b + a) / 2
        theta = (centre[:, None] + half[:, None] * nodes).ravel()
        u_a, u_b = flow.interval(theta)
        rays += len(theta)
        u_a = np.minimum(u_a, 1.0)
        mass = np.where(u_a < u_b, radial_tail(u_a, k) - radial_tail(u_b, k), 0.0).reshape(len(a), order)
        return half * (mass @ weights), float(np.min(np.where(u_a < u_b, u_a, 1.0)))

    # adaptive: split the panels whose two rules disagree by more than their share of the tolerance
    edges = np.linspace(math.pi / 2, 3 * math.pi / 2, 17)
    a, b = edges[:-1], edges[1:]
    total, error, closest = 0.0, 0.0, 1.0
    while a.size:
        coarse, _ = rule(a, b, 8)
        fine, least = rule(a, b, 16)
        closest = min(closest, least)
        gap = np.abs(fine - coarse)
        # a panel narrower than 1e-10 rad is kept as it is: where u_a or u_b jumps with θ (the
        # interval opens or closes) no rule converges, and such a panel's error is its gap, counted
        done = (gap <= tolerance * (b - a) / math.pi) | (b - a < 1e-10)
        if a.size > 1 << 16:
            raise QuadratureError(f"the limit's quadrature did not reach {tolerance:g}")
        total += float(fine[done].sum())
        error += float(gap[done].sum())
        middle = (a[~done] + b[~done]) / 2
        a, b = np.concatenate([a[~done], middle]), np.concatenate([middle, b[~done]])
    spurious = min(max(total / (2 * math.pi), 0.0), 0.5)
    error /= 2 * math.pi
    if error > tolerance:
        raise QuadratureError(f"the limit's quadrature did not reach {tolerance:g} (error estimate {error:.2g})")
    return OutcomeQuadrature(k, r, math.inf, invariants.DEFAULT_ETA_FRACTION, spurious, 1.0 - spurious, error,
                             (math.pi / 2, 3 * math.pi / 2), closest, rays, time.perf_counter() - started)


def _refuse_a_point(r: float) -> None:
    if r == 0:
        raise ValueError("r = 0: the paper's ball is the point a₀ = 0; at p = ∞ GD stays on the saddle cone "
                         "(P_∞(global) = P_∞(spurious) = 0)")


def _integrate(disk: _Disk, kappa: float, eta_fraction: float, tolerance: float) -> OutcomeQuadrature:
    """The quadrature of the module docstring over ``disk``'s spurious arc."""
    k, r = disk.k, disk.r
    started = time.perf_counter()
    resolution = Resolution.for_tolerance(tolerance, k)
    rim = _check_structure(disk, resolution)
    step = 2 * math.pi / resolution.rim_rays
    if not rim.any():
        # no rim point of the scan is spurious: an arc, if any, is narrower than the scan's step
        return OutcomeQuadrature(k, r, kappa, eta_fraction, 0.0, 1.0, 0.0, (math.nan, math.nan), 1.0,
                                 disk.runs, time.perf_counter() - started)
    if rim.all():
        raise QuadratureError("every rim point is spurious: the arc has no ends")
    first = int(np.flatnonzero(rim & ~np.roll(rim, 1))[0])       # first spurious ray after a global one
    last = int(np.flatnonzero(rim & ~np.roll(rim, -1))[0])       # last spurious ray before a global one
    start, end = _arc_ends(disk, np.array([first, last]) * step, np.array([first - 1, last + 1]) * step,
                           step * 2.0 ** -10)
    if end <= start:
        end += 2 * math.pi

    def integral(panels: int, order: int) -> tuple[float, float, float]:
        """(the rule's value, the bisection's share of its error, the least u*) on ``panels`` panels."""
        theta, weights = _gauss_panels(start, end, panels, order)
        lo, hi = disk.boundary(theta, resolution.bisection_width)
        mid = (lo + hi) / 2
        values = radial_tail(mid, k)
        # |f(mid) − f(u*)| ≤ ½(hi − lo)·max |f'| on [lo, hi], f' = −k u (1 − u²)^(k/2 − 1)
        slope = k * hi * np.exp((k / 2 - 1) * np.log1p(-lo * lo))
        return (float(weights @ values) / (2 * math.pi), float(weights @ (slope * (hi - lo) / 2)) / (2 * math.pi),
                float(np.min(mid)))

    panels = resolution.first_panels
    coarse, _, _ = integral(panels, 8)
    while True:
        fine, bisection, closest = integral(panels, 16)
        error = abs(fine - coarse) + bisection
        if error <= tolerance or panels >= MAX_PANELS:
            break
        panels *= 2
        coarse = integral(panels, 8)[0]
    if error > tolerance:
        raise QuadratureError(f"the quadrature did not reach {tolerance:g} with {MAX_PANELS} panels "
                              f"(error estimate {error:.2g})")
    spurious = min(max(fine, 0.0), 1.0)
    return OutcomeQuadrature(k, r, kappa, eta_fraction, spurious, 1.0 - spurious, error, (start, end % (2 * math.pi)),
                             closest, disk.runs, time.perf_counter() - started)
