"""The numbers that fix the law of GD's outcome: k, r = (1ᵀa*)²/‖a*‖², κ = (‖w*‖‖a*‖/‖v₀‖)², η.

**Why these are all** (docs/mathematics.md, "The dynamics' own parameters"). Write c = ‖w*‖,
λ = c‖a*‖, â* = a*/‖a*‖, ŝ = 1ᵀâ* and ã = a/λ, u = v/‖v₀‖. The population gradients
(docs/mathematics.md, "Closed forms") give, with g = g(φ_t),

* ã_{t+1} = ã_t − (η/2π)[(π − 1)ã_t + 1(1ᵀã_t − ŝ) − (g − 1)â*]: λ and ‖v‖ are gone;
* u_{t+1} = u_t + η κ (ã_tᵀâ*)(π − φ_t)/(2π‖u_t‖)·(I − û_t û_tᵀ)ŵ*: the v-step, divided by
  ‖v₀‖, has length η κ |ã_tᵀâ*| (π − φ_t) sin φ_t /(2π‖u_t‖), κ = λ²/‖v₀‖²;
* φ_t = ∠(u_t, ŵ*), and the loss ℓ = λ² × (a function of φ, ã).

So (φ_t, ã_t, ‖u_t‖) follow a recursion whose only constants are η, κ, ŝ and k — and ŝ enters
only as ŝ² = r: the map (â*, ã) → (−â*, −ã) is a symmetry of it, which turns ŝ into −ŝ and
keeps ãᵀâ*. The residual of ã outside span{â*, 1} shrinks on its own and never reaches φ; in
that plane only the Gram matrix of (â*, 1) — that is k and ŝ — appears, so any rotation of Rᵏ
fixing 1, and any direction of w* in any Rᵖ, leaves the recursion unchanged. The paper's ball
for a₀ has radius |1ᵀa*|c/√k, which is √(r/k) in ã-units; v₀ is uniform on a sphere, so φ₀ has
a law that depends on p alone (p = ∞: φ₀ = π/2) and ‖u₀‖ = 1. Hence, **for a given η, the law of
the outcome depends on the teacher only through (k, r, κ), and on p only through the law of φ₀**.

η itself is best given relative to the stability limit at the global minimum, 2/max(α, κ/2)
with α = (k + π − 1)/(2π) (:func:`stability_limit`); :func:`theory.dynamics.default_eta` is ¼ of
it, a function of (k, κ) alone.

:func:`canonical_teacher` inverts :func:`of`; :func:`spurious_threshold` locates, for given
(k, r), the least κ at which GD from the paper's initialization at p = ∞ can reach the spurious
minimum.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from theory import decisions, dynamics, initialization, reduced_gd, validation
from theory.teacher import Teacher

__all__ = [
    "CERTIFIED_ATTEMPTS",
    "CERTIFIED_STEP",
    "CERTIFIED_TOLERANCE",
    "CERTIFY_SECONDS",
    "DEFAULT_ETA_FRACTION",
    "INNER_RADII",
    "KAPPA_SEARCH",
    "PROVED_WIDTH",
    "REFINED_ANGLES",
    "RIM_ANGLES",
    "THRESHOLD_MAX_STEPS",
    "THRESHOLD_TOLERANCE",
    "DiskRuns",
    "Invariants",
    "KappaThreshold",
    "boundary",
    "canonical_a_star",
    "canonical_teacher",
    "coupled_outcomes",
    "of",
    "outcomes_at_infinity",
    "spurious_threshold",
    "stability_limit",
]


def boundary(k: int) -> float:
    """r_b = (k + π − 1)/π: a spurious local minimum exists iff r < r_b."""
    return (k + math.pi - 1) / math.pi


def stability_limit(k: int, kappa: float) -> float:
    """2/λ_max, λ_max = max((k + π − 1)/(2π), κ/2): the largest Hessian eigenvalue at the global
    minimum with ‖v‖ = ‖v₀‖ (‖v‖ only grows, so the v-curvature only falls)."""
    return 2.0 / max(decisions.curvatures(k, kappa).eigenvalues)


@dataclass(frozen=True)
class Invariants:
    """(k, r, κ) and η as a fraction of :func:`stability_limit`: all a run's outcome law depends
    on, given the law of φ₀ (the patch size p)."""

    k: int
    r: float                 # (1ᵀa*)²/‖a*‖² ∈ [0, k]
    kappa: float             # (‖w*‖‖a*‖/‖v₀‖)²
    eta_fraction: float      # η / stability_limit(k, κ); 0.25 at the default η

    @property
    def boundary(self) -> float:
        return boundary(self.k)

    @property
    def ratio_over_boundary(self) -> float:
        """r/r_b: below 1 exactly when a spurious local minimum exists (p ≥ 2)."""
        return self.r / self.boundary

    @property
    def eta(self) -> float:
        """The step size these invariants stand for."""
        return self.eta_fraction * stability_limit(self.k, self.kappa)

    def to_json(self) -> dict:
        return {**asdict(self), "ratio_over_boundary": self.ratio_over_boundary}


DEFAULT_ETA_FRACTION = 0.25   # theory.dynamics.default_eta


def of(teacher: Teacher, v0_norm: float = initialization.DEFAULT_V0_NORM, eta: float | None = None) -> Invariants:
    """The invariants of runs on ``teacher`` from v₀ on the sphere of radius ``v0_norm`` with
    step ``eta`` (default :func:`theory.dynamics.default_eta`)."""
    validation.teacher(teacher)
    v0_norm = initialization.sphere_radius(v0_norm)
    kappa = teacher.w_norm ** 2 * teacher.a_sq / v0_norm ** 2
    eta = dynamics.default_eta(teacher, v0_norm) if eta is None else dynamics.checked_eta(teacher, eta, v0_norm)
    return Invariants(teacher.k, teacher.spurious_ratio, kappa, eta / stability_limit(teacher.k, kappa))


def _check(k, r, kappa) -> tuple[int, float, float]:
    k = validation.positive_int(k, "k")
    if isinstance(r, (bool, np.bool_)) or not isinstance(r, (int, float, np.integer, np.floating)) \
            or not math.isfinite(r) or r < 0:
        raise ValueError(f"r must be a finite number >= 0, got {r!r}")
    r = float(r)
    if r > k * (1 + 1e-12):
        raise ValueError(f"r = (1ᵀa*)²/‖a*‖² is at most k (Cauchy–Schwarz), got r = {r:g} for k = {k}")
    if k == 1 and abs(r - 1) > 1e-12:
        raise ValueError(f"for k = 1, r = (1ᵀa*)²/‖a*‖² is 1, got {r:g}")
    kappa = validation.positive_float(kappa, "kappa")
    if not 1e-100 <= kappa <= 1e100:
        raise ValueError(f"kappa must lie in [1e-100, 1e100], got {kappa:g}")
    return k, min(r, float(k)), kappa


def canonical_a_star(k: int, r: float) -> np.ndarray:
    """The unit a* ∈ Rᵏ with 1ᵀa* = √r ≥ 0 in a fixed direction: √(r/k)·1/√k + √(1 − r/k)·e,
    e = (e₁ − 1/k)/‖e₁ − 1/k‖ ⟂ 1; for r = 0, (e₁ − e₂)/√2, whose sum is exactly 0 in float64
    (the paper's ball then has radius 0)."""
    if k == 1:
        return np.ones(1)
    if r == 0:
        a = np.zeros(k)
        a[0], a[1] = math.sqrt(0.5), -math.sqrt(0.5)
        return a
    e = np.full(k, -1.0 / k)
    e[0] += 1.0
    e /= math.sqrt(1.0 - 1.0 / k)
    return math.sqrt(r / k) / math.sqrt(k) * np.ones(k) + math.sqrt(max(1.0 - r / k, 0.0)) * e


def canonical_teacher(k: int, r: float, kappa: float, p: int = 2,
                      v0_norm: float = initialization.DEFAULT_V0_NORM) -> Teacher:
    """A teacher with invariants (k, r, κ) for v₀ of radius ``v0_norm``: ‖a*‖ = 1, 1ᵀa* = √r,
    w* = √κ·‖v₀‖·e₁ ∈ Rᵖ. ``of(canonical_teacher(k, r, κ, p, ρ), ρ)`` returns (k, r, κ) up to
    rounding."""
    k, r, kappa = _check(k, r, kappa)
    p = validation.positive_int(p, "p")
    v0_norm = initialization.sphere_radius(v0_norm)
    w = np.zeros(p)
    w[0] = math.sqrt(kappa) * v0_norm
    return Teacher(w, canonical_a_star(k, r))


# --- where the spurious minimum can be reached at p = ∞ ---------------------------------------

THRESHOLD_TOLERANCE = 0.02      # κ_high/κ_low − 1 at which the bisection stops (5 % is promised)
KAPPA_SEARCH = (1e-2, 1e5)      # the bracket searched for κ* (measured κ* ≥ 0.07 for every k, r tried)
RIM_ANGLES, INNER_RADII = 720, (0.9, 0.7, 0.5, 0.3)
REFINED_ANGLES = 2000
THRESHOLD_MAX_STEPS = 400_000
CERTIFIED_TOLERANCE = 0.003     # the float search's relative width before the ends are proved
CERTIFIED_STEP = 0.002          # an end that does not certify moves outward by this factor
CERTIFIED_ATTEMPTS = 3          # … at most this many times
CERTIFY_SECONDS = 120.0         # the prover's budget per attempt at an end
PROVED_WIDTH = 0.01             # κ_high/κ_low − 1 at most this for a proved bracket


@dataclass(frozen=True)
class KappaThreshold:
    """An interval [κ_low, κ_high] holding κ*(k, r): the least κ at which GD from the paper's
    initialization at p = ∞ reaches the spurious minimum with positive probability.

    At κ_high the run from ``witness`` (ã₀ in the basis (â*, e₂) of span{a*, 1}, ã = a/(‖w*‖‖a*‖),
    e₂ ⟂ â*, 1ᵀe₂ > 0) is decided spurious; at κ_low none of the ``candidates`` searched is.
    The search covers the disk ‖ã₀‖ < √(r/k) — the projection of the paper's ball on
    span{a*, 1}, which the law of a₀ charges everywhere — on its rim and on inner circles, so
    unless ``proved``, κ_low is a lower bound only as far as that search reaches (tests sample the
    disk on both sides).

    **What** ``proved`` **means** (``spurious_threshold(..., certified=True)``; the theorem of
    docs/mathematics.md#the-prover, at the step η = ``eta_fraction`` × the stability limit of each
    κ): at κ_low, *every* start of the closed disk is proved to converge to the global minimum
    (``low_proof``: the whole disk's cells proved global, nothing unresolved), so *no* start
    reaches the spurious minimum; at κ_high, the cell ``high_cell`` (u₀, u₁, q₀, q₁ of the disk
    point R·u·(cos 2πq, sin 2πq)) is proved to converge to the spurious minimum, so a set of
    positive probability (``high_proof.spurious_low`` > 0) does. That is a theorem about these two
    values of κ. It makes [κ_low, κ_high] a bracket of κ* — the *least* κ with P_∞(spurious) > 0 —
    only if the spurious set grows with κ (no κ below κ_low reaches the spurious minimum), which is
    measured (P_∞(spurious) rises with κ on every grid tried) but not proved. ``failure`` says why
    an end did not certify."""

    k: int
    r: float
    kappa_low: float
    kappa_high: float
    eta_fraction: float
    witness: tuple[float, float]
    candidates: int
    proved: bool = False
    low_proof: object = None          # theory.certify.OutcomeEnclosure at κ_low (global exactly 1)
    high_proof: object = None         # … at κ_high, of the cell high_cell (spurious_low > 0)
    high_cell: tuple[float, ...] = ()
    failure: str = ""

    @property
    def ratio_over_boundary(self) -> float:
        return self.r / boundary(self.k)

    @property
    def relative_width(self) -> float:
        return self.kappa_high / self.kappa_low - 1

    def to_json(self) -> dict:
        out = {**asdict(self), "witness": list(self.witness), "ratio_over_boundary": self.ratio_over_boundary,
               "high_cell": list(self.high_cell)}
        for name in ("low_proof", "high_proof"):
            proof = getattr(self, name)
            out[name] = proof.to_json() if proof is not None else None
        return out


class DiskRuns:
    """GD at p = ∞ from points of the disk of initial output layers, for one (k, r, κ, η): the
    teacher, step size, decision table and plane built once for many calls of :meth:`outcomes`.

    Runs use the canonical teacher of κ = 1 with ‖v₀‖ = 1/√κ — the same dynamics as κ's own
    canonical teacher with ‖v₀‖ = 1 (the rescaling in the module docstring), and one decision table
    for every κ below r_b, where η does not depend on κ. The residual of a₀ outside span{a*, 1} is
    left out: it decays on its own and moves neither φ nor the plane coordinates, so it cannot change
    an outcome."""

    def __init__(self, k: int, r: float, kappa: float, eta_fraction: float = DEFAULT_ETA_FRACTION,
                 max_steps: int = THRESHOLD_MAX_STEPS):
        self.k, self.r, self.kappa = _check(k, r, kappa)
        self.eta_fraction = validation.positive_float(eta_fraction, "eta_fraction")
        self.max_steps = validation.step_count(max_steps, "max_steps")
        self.teacher = canonical_teacher(self.k, self.r, 1.0)           # ‖w*‖‖a*‖ = 1: ã₀ = a₀
        self.v0_norm = 1.0 / math.sqrt(self.kappa)
        eta = eta_fraction * stability_limit(self.k, self.kappa)
        self.table = dynamics.decision_table(self.teacher, dynamics.checked_eta(self.teacher, eta, self.v0_norm), True)
        self.plane = dynamics.reduced_plane(self.teacher)
        # the plane's second basis vector is ±e₂: points are oriented to the documented basis
        self._sign = 1.0 if self.plane.q_one[1] >= 0 else -1.0

    def outcomes(self, points) -> np.ndarray:
        """Outcome codes (theory.decisions) of GD from φ₀ = π/2 and ã₀ = each row of ``points``
        (shape (n, 2), coordinates in the basis (â*, e₂))."""
        points = validation.numeric_array(points, "points")
        if points.ndim != 2 or points.shape[1] != 2 or points.shape[0] == 0:
            raise ValueError(f"points must be a finite array of shape (n ≥ 1, 2), got shape {points.shape}")
        n = points.shape[0]
        batch = dynamics.start_batch(self.table, np.zeros(n), np.full(n, self.v0_norm), points[:, 0].copy(),
                                     self._sign * points[:, 1], np.zeros(n))
        reduced_gd.advance(batch, self.plane, self.table, self.max_steps, True, True, reduced_gd.compiled_kernel(), ())
        return batch.outcome.copy()


def outcomes_at_infinity(k: int, r: float, kappa: float, points, eta_fraction: float = DEFAULT_ETA_FRACTION,
                         max_steps: int = THRESHOLD_MAX_STEPS) -> np.ndarray:
    """Outcome codes (theory.decisions) of GD from φ₀ = π/2 and ã₀ = one row of ``points`` (shape
    (n, 2), coordinates in the basis (â*, e₂))
    at invariants (k, r, κ), η = ``eta_fraction`` × the stability limit (:class:`DiskRuns`)."""
    return DiskRuns(k, r, kappa, eta_fraction, max_steps).outcomes(points)


def _disk_points(radius: float, angles: np.ndarray, fractions=(1.0,)) -> np.ndarray:
    rim = radius * (1 - 1e-9)      # just inside: the ball is open
    return np.concatenate([f * rim * np.stack([np.cos(angles), np.sin(angles)], axis=1) for f in fractions])


def spurious_threshold(k: int, r: float, eta_fraction: float = DEFAULT_ETA_FRACTION,
                       tolerance: float = THRESHOLD_TOLERANCE, angles: int = RIM_ANGLES,
                       kappa_max: float = KAPPA_SEARCH[1], certified: bool = False,
                       seconds: float = CERTIFY_SECONDS) -> KappaThreshold:
    """Bracket κ*(k, r) (see :class:`KappaThreshold`) at η = ``eta_fraction`` × the stability
    limit (default: :func:`theory.dynamics.default_eta`) and ‖v₀‖ = 1, for 0 < r < r_b.

    Search: GD from every candidate ã₀ — ``angles`` angles on the rim of the disk and on four
    inner circles — at κ of a log-bisection; once bracketed, the rim near the candidates that
    reached the spurious basin is refined (2,000 angles over 6 grid steps) and the bisection
    resumed, so the bracket
    is as narrow as ``tolerance`` (relative) for the refined search. A run still undecided after
    THRESHOLD_MAX_STEPS steps makes the κ where it happened count as neither side (ValueError
    if that leaves no bracket). The search runs from κ = 10⁻² up to ``kappa_max`` (a run's steps
    grow like κ); when no candidate is spurious there, the bracket is [kappa_max, ∞) with no
    witness, and when one already is at 10⁻², it is (0, 10⁻²]. With r = 0 the ball is a point and
    nothing moves at p = ∞; with r ≥ r_b there is no spurious minimum: both raise ValueError."""
    k, r, _ = _check(k, r, 1.0)
    if r == 0:
        raise ValueError("r = 0: the paper's ball is the point a₀ = 0, and at p = ∞ GD stays at the "
                         "saddle cone (φ = π/2, a = 0): no threshold")
    if r >= boundary(k):
        raise ValueError(f"r = {r:g} ≥ r_b = {boundary(k):g}: no spurious local minimum, no threshold")
    eta_fraction = validation.positive_float(eta_fraction, "eta_fraction")
    angles_count = validation.positive_int(angles, "angles")
    tolerance = validation.positive_float(tolerance, "tolerance")
    certified = validation.flag(certified, "certified")
    seconds = validation.positive_float(seconds, "seconds")
    if certified:
        tolerance = min(tolerance, CERTIFIED_TOLERANCE)
    radius = math.sqrt(r / k)
    rim = np.linspace(0, 2 * math.pi, angles_count, endpoint=False)
    points = _disk_points(radius, rim, (1.0, *INNER_RADII))

    def side(kappa: float, candidates: np.ndarray) -> tuple[bool, np.ndarray]:
        codes = outcomes_at_infinity(k, r, kappa, candidates, eta_fraction)
        spurious = codes == decisions.Outcome.SPURIOUS
        if not spurious.any() and (codes == decisions.Outcome.UNDECIDED).any():
            raise ValueError(f"runs undecided after {THRESHOLD_MAX_STEPS:,} steps at κ = {kappa:g}: no bracket")
        return bool(spurious.any()), candidates[spurious]

    # upwards by decades: a run's steps grow like κ (η ∝ 1/κ above r_b), so large κ is costly
    kappa_max = validation.positive_float(kappa_max, "kappa_max")
    lo, witnesses = KAPPA_SEARCH[0], np.empty((0, 2))
    found, at = side(lo, points)
    if found:
        best = at[0]
        return KappaThreshold(k, r, 0.0, lo, eta_fraction, (float(best[0]), float(best[1])), len(points),
                              failure="κ* is below the search's first κ: no κ_low to prove" if certified else "")
    while not len(witnesses):
        hi = min(lo * 10, kappa_max)
        if hi <= lo:
            return KappaThreshold(k, r, lo, math.inf, eta_fraction, (math.nan, math.nan), len(points),
                                  failure="no spurious start found up to kappa_max: no κ_high to prove"
                                  if certified else "")
        found, witnesses = side(hi, points)
        if not found:
            lo = hi

    def bisect(lo, hi, witnesses, candidates):
        while hi / lo - 1 > tolerance:
            mid = math.sqrt(lo * hi)
            found, at = side(mid, candidates)
            if found:
                hi, witnesses = mid, at
            else:
                lo = mid
        return lo, hi, witnesses

    lo, hi, witnesses = bisect(lo, hi, witnesses, points)
    step = 2 * math.pi / angles_count
    turns = np.arctan2(witnesses[:, 1], witnesses[:, 0])
    centre = math.atan2(float(np.sin(turns).mean()), float(np.cos(turns).mean()))   # circular mean
    fine = _disk_points(radius, np.linspace(centre - 3 * step, centre + 3 * step, REFINED_ANGLES))
    candidates = np.concatenate([points, fine])
    found, at = side(lo, candidates)
    while found:                        # the refined search may reach lower: widen downwards
        lo, hi, witnesses = lo / (1 + tolerance) ** 4, lo, at
        found, at = side(lo, candidates)
    lo, hi, witnesses = bisect(lo, hi, witnesses, candidates)
    best = witnesses[np.argmax(np.hypot(*witnesses.T))]
    bracket = KappaThreshold(k, r, lo, hi, eta_fraction, (float(best[0]), float(best[1])), len(candidates))
    return _certify_threshold(bracket, seconds) if certified else bracket




def _certify_threshold(found: KappaThreshold, seconds: float) -> KappaThreshold:
    """Prove both ends of a float bracket (:func:`spurious_threshold`, ``certified=True``)."""
    import dataclasses

    from theory import basins, certify
    k, r, eta_fraction = found.k, found.r, found.eta_fraction
    lo, hi = found.kappa_low, found.kappa_high
    high_proof, high_cell = None, tuple[float, ...]()
    for _ in range(CERTIFIED_ATTEMPTS):
        for cell in _spurious_cells(k, r, hi, eta_fraction, found.witness):
            # stop once half the cell is decided: a part proved spurious is all the end needs
            half = 0.5 * float(basins.StartLaw(k, math.inf).mass(np.array([cell]))[0])
            proof = certify.enclosure(k, r, hi, eta_fraction=eta_fraction, width=half, seconds=seconds,
                                      cells=np.array([cell]))
            if proof.spurious_low > 0:
                high_proof, high_cell = proof, tuple(float(x) for x in cell)
                break
        if high_proof is not None:
            break
        hi *= 1 + CERTIFIED_STEP
    low_proof = None
    for _ in range(CERTIFIED_ATTEMPTS):
        proof = certify.enclosure(k, r, lo, eta_fraction=eta_fraction, width=1e-300, seconds=seconds)
        if proof.global_low == 1.0 and proof.spurious_high == 0.0:
            low_proof = proof
            break
        lo /= 1 + CERTIFIED_STEP
    failures = []
    if high_proof is None:
        failures.append("no cell of spurious starts was proved at κ_high")
    if low_proof is None:
        failures.append("the whole disk was not proved global at κ_low within the budget")
    if not failures and hi / lo - 1 > PROVED_WIDTH:
        failures.append(f"the proved ends are {100 * (hi / lo - 1):.2f} % apart, more than {100 * PROVED_WIDTH:g} %")
    return dataclasses.replace(found, kappa_low=lo, kappa_high=hi, proved=not failures, low_proof=low_proof,
                               high_proof=high_proof, high_cell=high_cell, failure="; ".join(failures))


def _spurious_cells(k: int, r: float, kappa: float, eta_fraction: float, witness: tuple[float, float]):
    """Cells of the disk (u₀, u₁, q₀, q₁, 0, 0) around the spurious start farthest from any global
    one on a polar grid near ``witness`` at κ (float GD: candidates only, each proved or not by the
    prover), from the largest that fits to smaller ones."""
    radius = math.sqrt(r / k)
    u_w = min(math.hypot(*witness) / radius, 1.0)
    q_w = (math.atan2(witness[1], witness[0]) / (2 * math.pi)) % 1.0
    us = np.clip(u_w + np.linspace(-0.25, 0.25, 41), 0.0, 1 - 2.0 ** -20)
    qs = q_w + np.linspace(-0.04, 0.04, 41)
    grid_u, grid_q = np.meshgrid(us, qs, indexing="ij")
    points = radius * np.stack([grid_u.ravel() * np.cos(2 * np.pi * grid_q.ravel()),
                                grid_u.ravel() * np.sin(2 * np.pi * grid_q.ravel())], axis=1)
    spurious = outcomes_at_infinity(k, r, kappa, points, eta_fraction) == decisions.Outcome.SPURIOUS
    if not spurious.any():
        return
    # distance (in grid steps) of each spurious point to the nearest global one
    inside, outside = np.flatnonzero(spurious), np.flatnonzero(~spurious)
    steps = np.stack([grid_u.ravel() / (us[1] - us[0] + 1e-300), grid_q.ravel() / (qs[1] - qs[0])], axis=1)
    if len(outside):
        gaps = np.min(np.hypot(*(steps[inside, None, :] - steps[None, outside, :]).transpose(2, 0, 1)), axis=1)
    else:
        gaps = np.full(len(inside), 8.0)
    best = inside[np.argmax(gaps)]
    centre_u, centre_q = float(grid_u.ravel()[best]), float(grid_q.ravel()[best]) % 1.0
    reach = max(float(gaps.max()) / 3, 0.5)
    for shrink in (1, 4, 16):
        du = reach * (us[1] - us[0]) / shrink
        dq = reach * (qs[1] - qs[0]) / shrink
        u0, u1 = max(centre_u - du, 0.0), min(centre_u + du, 1.0)
        q0, q1 = centre_q - dq, centre_q + dq
        if q0 < 0 or q1 > 1:          # keep the cell inside [0, 1) of the angle
            q0, q1 = (0.0, 2 * dq) if q0 < 0 else (1 - 2 * dq, 1.0)
        yield (u0, u1, q0, q1, 0.0, 0.0)


def coupled_outcomes(teacher: Teacher, ps, n: int, seed: int, max_steps: int = 20_000) -> dict:
    """Outcome codes of the same n draws of a₀ from the paper's ball at each p of ``ps`` and at
    p = ∞, with cos φ₀ = 2B − 1 taken from one uniform U through each p's Beta quantile: the runs
    differ only by φ₀, so P(p) − P_∞ is measured without sampling noise between the p."""
    validation.teacher(teacher)
    n = validation.positive_int(n, "n")
    max_steps = validation.step_count(max_steps, "max_steps")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {validation.shown(seed)}")
    from scipy import stats  # 1–2 s to import: after the checks
    streams = np.random.SeedSequence(int(seed)).spawn(2)
    plane = dynamics.reduced_plane(teacher)
    table = dynamics.decision_table(teacher, dynamics.default_eta(teacher), True, True)
    z, residual = initialization.output_layer(teacher, plane, n, np.random.default_rng(streams[0]), "paper")
    uniform = np.random.default_rng(streams[1]).random(n)
    out = {}
    for p in (*ps, math.inf):
        p = initialization.patch_size(p)
        half = np.full(n, 0.5) if p == math.inf else stats.beta.ppf(uniform, (p - 1) / 2, (p - 1) / 2)
        batch = dynamics.start_batch(table, 2 * half - 1, 2 * np.sqrt(half * (1 - half)), z[:, 0].copy(),
                                     z[:, 1].copy(), residual.copy())
        reduced_gd.advance(batch, plane, table, max_steps, True, True, reduced_gd.compiled_kernel(), ())
        out[p] = batch.outcome.copy()
    return out
