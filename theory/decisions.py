"""When a gradient-descent run is decided: regions it provably cannot leave, for discrete steps.

**Setting** (docs/mathematics.md#closed-form-loss-and-gradients, #critical-points). ℓ depends on v only through
φ = ∠(v, w*), and for fixed φ it is a
strictly convex quadratic in a: ℓ(φ, a) = m(φ) + (a − a(φ))ᵀM(a − a(φ))/(4π), with
M = (π − 1)I + 11ᵀ. With a spurious minimum, m rises from 0 at φ = 0 to ℓ_sad = m(φ_s) at the
saddle angle and falls to ℓ_s = m(π) (m' has the sign of a(φ)ᵀa*, which decreases in φ and
changes sign once, at φ_s); without one, m rises all the way to ℓ_s. Call ``top`` = ℓ_sad (or
ℓ_s). For a level L < top the band B(L) = {φ : m(φ) > L} = (φ_lo(L), φ_hi(L)) separates the
basins, and it only widens as L falls.

**Trapping lemma.** Let a run be at x_t with ℓ_t ≤ L < top, ‖v_t‖ = r_t, on the global side
(φ_t ≤ φ_lo(L)) or the spurious side (φ_t ≥ φ_hi(L)), and let S be the states on that side with
ℓ ≤ L and ‖v‖ ≥ r_t. Suppose that from every x ∈ S one GD step (i) does not increase ℓ and
(ii) turns v by less than W(L) = φ_hi(L) − φ_lo(L). Then S is invariant: the v-step is ⟂ v, so
‖v‖ never decreases (‖v'‖² = ‖v‖² + η²‖∇_vℓ‖²); ℓ never rises, so every later φ lies outside
B(L); and a turn smaller than W(L) cannot jump across B(L), which is the discrete-step gap in the
continuous-time argument. Then ℓ decreases to a limit, Σ‖∇ℓ‖² < ∞, ‖v‖ converges, and every
limit point is a critical point in the closure of S: the global minimum, or the spurious point,
and nothing else (the saddle cone has ℓ = ℓ_sad > L). So the run is decided at step t whatever
its loss did before — a transient in which the loss rises (step sizes above
:func:`theory.dynamics.default_eta`) does not prevent a decision.

**Checking (i) and (ii) in O(1) per step.** On S:

* |aᵀa* − a(φ)ᵀa*| ≤ √(4π(L − m(φ))·a*ᵀM⁻¹a*) (Cauchy–Schwarz in the M inner product), and
  a(φ)ᵀa* decreases in φ, so |aᵀa*| ≤ A_S = c‖a*‖² (global side) or |a_sᵀa*| (spurious side)
  + √(4πL·a*ᵀM⁻¹a*);
* a step turns v by θ with tan θ = η‖∇_vℓ‖/r = η c |aᵀa*| q(φ)/(2π r²), q(φ) = (π − φ) sin φ,
  so θ ≤ η c A_S q̄/(2π r²), q̄ the largest q on the side's angles: (ii) is a bound on r;
* descent lemma: ℓ(x − η∇ℓ) ≤ ℓ(x) − η(1 − ηΛ/2)‖∇ℓ‖², Λ the largest curvature of ℓ on the
  step's segment. In (v in its plane, a) the Hessian has H_aa = M/(2π) (largest eigenvalue
  α = (k + π − 1)/(2π)), ‖H_va‖ = β = c‖a*‖ q(φ)/(2π r), and H_vv with largest eigenvalue
  γ ≤ c|aᵀa*| h(φ)/(2π r²), h = (|q'| + √(q'² + 4q²))/2 (ℓ_φ = c aᵀa* q/(2π),
  ℓ_φφ = c aᵀa* q'/(2π), and the polar angle's Hessian has eigenvalues ±1/r²). Hence
  Λ ≤ (α + γ)/2 + √(((α − γ)/2)² + β²), with q and h at their largest over the angles the
  segment can reach (the side widened by θ), |aᵀa*| ≤ A_S + η√(a*ᵀMa*·L/π) on the segment (the
  a-step moves aᵀa* by η|a*ᵀM(a − a(φ))|/(2π) at most), and r ≥ r_t: (i) holds when ηΛ < 2.

Every bound falls as r grows and as L falls, so each level L has a least radius r_min(L) from
which (i) and (ii) hold. :class:`DecisionTable` holds r_min² for the levels
L_j = base + (top − base)·2^(−j/8) of each side; a step looks up the least L_j ≥ ℓ_t + slack
(``slack`` covers float64 rounding of ℓ) and compares r_t² with it. Near the global minimum
the bound tends to the true stability condition η·max(α, c²‖a*‖²/(2r²)) < 2, so every run that
converges with some margin of stability is decided.

**Divergence.** The a-update is affine in a: 1ᵀa_{t+1} = (1 − ηα)·1ᵀa_t + f_t with
|f_t| ≤ ηα|c s|, and the part of a orthogonal to 1 is multiplied by 1 − ηα_⊥,
α_⊥ = (π − 1)/(2π), plus a forcing of norm ≤ ηα_⊥ c‖a*_⊥‖. When ηα > 2 and
|1ᵀa_t| > ηα|c s|/(ηα − 2), |1ᵀa| grows geometrically from then on (likewise for the
orthogonal part when ηα_⊥ > 2), and ℓ → ∞: the run is ``diverged``, its own outcome. With
1ᵀa* = 0 the forcing vanishes: only 1ᵀa = 0 exactly stays bounded, a knife edge that rounding
leaves at once (plain float GD diverges from the paper's a₀ = 0 there), so every run is
diverged from step 0. A state that has left float64 (a non-finite loss) is diverged as well.
At ηα = 2 exactly a run stays ``undecided``.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from theory import formulas, landscape
from theory.arith import FLOAT64, FLOAT64_ELEMENTWISE
from theory.teacher import Teacher


class Outcome(enum.IntEnum):
    """A run's outcome code (theory.dynamics.OUTCOMES names them, in this order)."""

    UNDECIDED = 0
    GLOBAL = 1
    SPURIOUS = 2
    DIVERGED = 3

    @property
    def label(self) -> str:
        """The public name: "undecided", "global", "spurious" or "diverged"."""
        return self.name.lower()


# Levels L = base + x·(top − base): near the top, x = 1 − 2^(−u/UPPER_PER_OCTAVE) for
# u = UPPER_PER_OCTAVE … UPPER_PER_OCTAVE·UPPER_OCTAVES (x from ½ to 1 − 1e-12: a run is
# decided as soon as the band has opened enough); below, x = 2^(−l/LOWER_PER_OCTAVE) down to
# 2^(−LOWER_OCTAVES) ≈ 6e-14.
UPPER_PER_OCTAVE, UPPER_OCTAVES = 4, 40
LOWER_PER_OCTAVE, LOWER_OCTAVES = 8, 44
UPPER_LEVELS = UPPER_PER_OCTAVE * (UPPER_OCTAVES - 1) + 1
LEVELS = UPPER_LEVELS + LOWER_PER_OCTAVE * (LOWER_OCTAVES - 1)
# A computed ℓ is within this fraction of ½E f*² (= ℓ at a = 0) of the exact value; it is added to
# ℓ before a level is looked up, and loss increases below it are rounding, not ascents.
SLACK = 1e-12
_RADIUS_RANGE = (-20.0, 20.0)            # log10 r searched for r_min
_RADIUS_BISECTIONS = 36                  # log10 r_min to 6e-10: r_min² to 3e-9 relative
_BISECTIONS = 56   # halvings: 2^-56·π is below float64's resolution of an angle


class Curvatures(NamedTuple):
    """The Hessian's eigenvalues at the global minimum, by eigenspace
    (docs/mathematics.md#derived-consequences): the a-block M/(2π), M = (π − 1)I + 11ᵀ, and the
    v-block on v ⟂ w* at ‖v‖, where ‖w*‖²‖a*‖²/‖v‖² = κ. ``along_ones`` and ``across_ones`` do
    not depend on κ; :attr:`eigenvalues` lists those whose eigenspace exists."""

    along_ones: float      # (k + π − 1)/(2π): a along 1
    across_ones: float     # (π − 1)/(2π): a ⟂ 1 (no such direction at k = 1)
    v_turn: float          # κ/2: v ⟂ w* (no such direction at p = 1)
    k: int
    v_turns: bool

    @property
    def eigenvalues(self) -> list[float]:
        return ([self.along_ones] + ([self.across_ones] if self.k > 1 else [])
                + ([self.v_turn] if self.v_turns else []))


def curvatures(k: int, kappa: float, v_turns: bool = True) -> Curvatures:
    """The spectrum at the global minimum for κ = (‖w*‖‖a*‖/‖v‖)²; ``v_turns`` says whether v has
    a direction ⟂ w* (p ≥ 2)."""
    return Curvatures((k + math.pi - 1) / (2 * math.pi), (math.pi - 1) / (2 * math.pi), kappa / 2, k, v_turns)


def teacher_curvatures(teacher: Teacher, v_norm: float, v_turns: bool | None = None) -> Curvatures:
    """:func:`curvatures` of a teacher at ‖v‖ = ``v_norm`` (``v_turns`` default: p ≥ 2)."""
    return curvatures(teacher.k, teacher.w_norm ** 2 * teacher.a_sq / v_norm ** 2,
                      teacher.p > 1 if v_turns is None else v_turns)


def level_positions() -> np.ndarray:
    """x of each level, from the one nearest the top down (see LEVELS)."""
    upper = 1 - 2.0 ** (-(UPPER_PER_OCTAVE * UPPER_OCTAVES - np.arange(UPPER_LEVELS)) / UPPER_PER_OCTAVE)
    lower = 2.0 ** (-np.arange(LOWER_PER_OCTAVE + 1, LOWER_PER_OCTAVE * LOWER_OCTAVES + 1) / LOWER_PER_OCTAVE)
    return np.concatenate([upper, lower])


def _cell_edges(phi_split: float) -> np.ndarray:
    """Angles splitting [0, π] into cells: dense near 0, π and the saddle angle (an edge itself,
    so every cell lies on one branch of m)."""
    ends = np.geomspace(1e-9, 0.2, 32)
    near_split = np.geomspace(1e-10, 0.3, 48)
    edges = np.concatenate([[0.0, math.pi, phi_split], np.linspace(0, math.pi, 97), ends, math.pi - ends,
                            phi_split - near_split, phi_split + near_split])
    return np.unique(np.clip(edges, 0.0, math.pi))


def _q(phi):
    """q(φ) = (π − φ) sin φ = −g'(φ), the angular factor of ∂ℓ/∂φ."""
    return (math.pi - phi) * np.sin(phi)


def _h(phi):
    """(|q'| + √(q'² + 4q²))/2: r²·(largest eigenvalue of H_vv) per unit of c|aᵀa*|/(2π)."""
    dq = (math.pi - phi) * np.cos(phi) - np.sin(phi)
    return (np.abs(dq) + np.sqrt(dq * dq + 4 * _q(phi) ** 2)) / 2


def _saddle_angle(target: float) -> float:
    """φ_s = π − δ with g(π − δ) = sin δ − δ cos δ = ``target`` ∈ (0, 1], by bisection on δ."""
    if target >= 1:        # 1ᵀa* = 0: the cone sits at φ = π/2
        return math.pi / 2
    lo, hi = 0.0, math.pi / 2
    for _ in range(_BISECTIONS):
        mid = (lo + hi) / 2
        value = mid ** 3 / 3 - mid ** 5 / 30 if mid < 1e-3 else math.sin(mid) - mid * math.cos(mid)
        lo, hi = (mid, hi) if value < target else (lo, mid)
    return math.pi - (lo + hi) / 2


def _argmax(f, lo, hi, iterations=200):
    """Golden-section search for the maximum of a unimodal f on [lo, hi]."""
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(iterations):
        a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        lo, hi = (a, hi) if f(a) < f(b) else (lo, b)
    return (lo + hi) / 2


# q rises on [0, φ_q] and falls after; h falls on [0, φ_q] (from h(0) = π, its maximum), rises
# on [φ_q, φ_h] and falls after (checked on a 2·10⁶-point grid): sups over intervals are exact.
PHI_Q = _argmax(_q, 0.5, 2.0)
PHI_H = _argmax(_h, PHI_Q, 2.5)
_H_PEAK = float(_h(PHI_H)) * (1 + 1e-12)


def sup_q(lo, hi):
    """max of q over [lo, hi] (arrays)."""
    return _q(np.clip(PHI_Q, lo, hi))


def sup_h_to_pi(lo):
    """max of h over [lo, π] (arrays)."""
    return np.where(lo >= PHI_H, _h(lo), np.where(lo >= PHI_Q, _H_PEAK, np.maximum(_h(lo), _H_PEAK)))


@dataclass(frozen=True)
class Basins:
    """The η-independent partition: φ against φ_s and ℓ against ``top`` (ℓ_sad, or ℓ_s without
    a spurious minimum). A *state* in a basin need not stay there; see :class:`DecisionTable`."""

    phi_split: float      # φ_s, or π without a spurious minimum
    top: float
    spurious_base: float  # ℓ_s
    scale: float          # ½E f*², the loss at a = 0

    @classmethod
    def for_teacher(cls, teacher: Teacher, angle_moves: bool | None = None) -> Basins:
        """From the teacher's statistics (k, ‖w*‖, 1ᵀa*, ‖a*‖²) in float64: O(1) after them.
        ``angle_moves`` (default: p ≥ 2) says whether φ can leave {0, π}: False for p = 1."""
        ar, k, c, s, a_sq = FLOAT64, teacher.k, teacher.w_norm, teacher.a_sum, teacher.a_sq
        angle_moves = teacher.p > 1 if angle_moves is None else angle_moves
        spurious = float(formulas.spurious_loss(ar, k=k, c=c, s=s, astar_sq=a_sq))
        scale = float(formulas.loss_from_scalars(ar, angle=formulas.angle_from_phi(0.0, ar), a_sq=0.0, a_sum=0.0,
                                                 a_dot=0.0, c=c, s=s, astar_sq=a_sq))
        if not angle_moves or not landscape.has_spurious_minimum(teacher):
            return cls(math.pi, spurious, spurious, scale)
        phi_s = _saddle_angle(formulas.saddle_g(ar, k=k, s=s, astar_sq=a_sq))
        top, _ = formulas.profile_from_scalars(ar, angle=formulas.angle_from_phi(phi_s, ar), k=k, c=c, s=s,
                                               astar_sq=a_sq)
        return cls(phi_s, float(top), spurious, scale)

    def classify(self, phi, loss):
        """Outcome codes of the basin each state lies in (UNDECIDED: neither), elementwise."""
        return (Outcome.GLOBAL * ((phi < self.phi_split) & (loss < self.top))
                + Outcome.SPURIOUS * ((phi > self.phi_split) & (loss < self.top)))


class RunRule(NamedTuple):
    """The scalars :func:`theory.reduced_gd.decide` reads (one (teacher, η)); levels are
    L = base + position·span on each side."""

    phi_split: float         # φ_s: above it a state is on the spurious side (π: no such side)
    global_base: float       # 0
    global_span: float       # top − 0: the loss the global side's levels rise to
    spurious_base: float     # ℓ_s
    spurious_span: float     # top − ℓ_s
    slack: float             # a computed ℓ's rounding (SLACK·½E f*²)
    diverge_sum: float       # |1ᵀa| above it: diverged (∞ when the 1-direction contracts)
    diverge_perp_sq: float   # ‖a‖² − (1ᵀa)²/k above it: diverged
    k: float


@dataclass(frozen=True)
class DecisionTable:
    """What one step needs to decide a run of one (teacher, η): see the module docstring.

    ``rule`` holds the scalars read by :func:`theory.reduced_gd.decide`; ``r2_min`` holds r_min² for the global
    side's levels, then the spurious side's (∞ where no radius suffices); ``levels`` and
    ``band`` (the (φ_lo, φ_hi) columns of each level, as used) are kept for tests and figures.
    """

    basins: Basins
    eta: float
    rule: RunRule
    r2_min: np.ndarray
    levels: np.ndarray
    band: np.ndarray
    angle_fixed: bool     # p = 1: φ ∈ {0, π} cannot move
    stable: bool          # ηα < 2: the a-block contracts

    @classmethod
    def for_run(cls, teacher: Teacher, eta: float, train_a: bool = True,
                angle_moves: bool | None = None) -> DecisionTable:
        """The table of (teacher, η); ``angle_moves`` as in :meth:`Basins.for_teacher` (runs drawn
        for another patch size than the teacher's: theory.dynamics.reduced_runs' ``p``)."""
        angle_moves = teacher.p > 1 if angle_moves is None else angle_moves
        basins = Basins.for_teacher(teacher, angle_moves)
        k, c = teacher.k, teacher.w_norm
        s, a_sq = teacher.a_sum, teacher.a_sq
        spectrum = curvatures(k, 0.0)      # the a-block's eigenvalues: κ does not enter them
        alpha, alpha_perp = spectrum.along_ones, spectrum.across_ones
        stable = eta * alpha < 2
        r2_min = np.full(2 * LEVELS, np.inf)
        levels, band = np.full(2 * LEVELS, np.nan), np.full((2 * LEVELS, 2), np.nan)
        sides = ("global", "spurious") if basins.phi_split < math.pi else ("global",)
        if train_a and angle_moves and stable:
            # the bands of both sides' levels in one bisection (it costs most of the table)
            side_levels = [_side_levels(basins, side) for side in sides]
            bands = _band(teacher, basins, np.concatenate(side_levels))
            for index, (offset, side) in enumerate(zip((0, LEVELS), sides, strict=False)):
                chosen, own = slice(offset, offset + LEVELS), slice(index * LEVELS, (index + 1) * LEVELS)
                levels[chosen], band[chosen, 0], band[chosen, 1], r2_min[chosen] = \
                    _side_radii(teacher, basins, eta, side, alpha, side_levels[index],
                                (bands[0][own], bands[1][own]))
        perp_norm = math.sqrt(max(a_sq - s * s / k, 0.0))
        # With 1ᵀa* = 0 the threshold is 0, and a run kept at 1ᵀa = 0 exactly balances the
        # expanding direction on a knife edge that any rounding leaves (plain float GD diverges
        # there): it is diverged at once (−1 < |1ᵀa| always).
        diverge_sum = (math.inf if eta * alpha <= 2 or not train_a
                       else -1.0 if s == 0 else eta * alpha * abs(c * s) / (eta * alpha - 2))
        diverge_perp = (eta * alpha_perp * c * perp_norm / (eta * alpha_perp - 2)
                        if train_a and eta * alpha_perp > 2 else math.inf)
        rule = RunRule(*map(float, (basins.phi_split, 0.0, basins.top, basins.spurious_base,
                                    basins.top - basins.spurious_base, SLACK * basins.scale,
                                    diverge_sum, diverge_perp ** 2, k)))
        for array in (r2_min, levels, band):   # cached per (teacher, η): nobody may edit it
            array.setflags(write=False)
        return cls(basins, float(eta), rule, r2_min, levels, band, not angle_moves, stable)


def _side_levels(basins: Basins, side: str) -> np.ndarray:
    """The levels L_j of one side: from its base (0, or ℓ_s) up towards ``top``."""
    base = 0.0 if side == "global" else basins.spurious_base
    return base + (basins.top - base) * level_positions()


def _side_radii(teacher: Teacher, basins: Basins, eta: float, side: str, alpha: float, levels: np.ndarray,
                band_edges: tuple[np.ndarray, np.ndarray]):
    """(levels, φ_lo, φ_hi, r_min²) of one side (module docstring), conservative at every rounding.

    Condition (ii) is checked cell by cell: a state with φ in a cell turns by at most
    η c A q/(2π r²) with q its largest on the cell and A = max |a(φ)ᵀa*| on the cell (a(φ)ᵀa* is
    monotone) + √(4π(L − min m on the cell)·a*ᵀM⁻¹a*); near the band's edge m is close to L and
    a(φ)ᵀa* close to 0, so the turn that could cross the band is small even where the side's
    largest turn is not. Condition (i) uses the side's largest A.
    """
    k, c = teacher.k, teacher.w_norm
    s, a_sq = teacher.a_sum, teacher.a_sq        # cached: at k = 10⁶ each pass over a* costs
    d = k + math.pi - 1
    m_inverse = (a_sq - s * s / d) / (math.pi - 1)        # a*ᵀM⁻¹a*
    m_forward = (math.pi - 1) * a_sq + s * s               # a*ᵀMa*
    rounding = SLACK * basins.scale
    phi_lo, phi_hi = band_edges     # the band {m > L} of each level (:func:`_band`)
    width = phi_hi - phi_lo
    edges = _cell_edges(basins.phi_split)
    m_edges, adot_edges = formulas.profile_from_scalars(
        FLOAT64_ELEMENTWISE, angle=formulas.Angle(edges, math.pi - edges), k=k, c=c, s=s, astar_sq=a_sq)
    lo_edge, hi_edge = edges[:-1], edges[1:]
    cell_adot = np.maximum(np.abs(adot_edges[:-1]), np.abs(adot_edges[1:]))
    cell_q = sup_q(lo_edge, hi_edge)
    if side == "global":    # cells meeting [0, φ_lo]; m rises on them, least at their left edge
        member = lo_edge[None, :] < phi_lo[:, None]
        cell_m = m_edges[:-1]
        room = phi_hi[:, None] - hi_edge[None, :]      # how far a turn may go before the band's far edge
        adot_bound = c * a_sq
    else:                   # cells meeting [φ_hi, π]; m falls on them, least at their right edge
        member = hi_edge[None, :] > phi_hi[:, None]
        cell_m = m_edges[1:]
        room = lo_edge[None, :] - phi_lo[:, None]
        adot_bound = abs(c * (math.pi * s * s / d - a_sq) / (math.pi - 1))   # |a_sᵀa*|
    spare = np.maximum(levels[:, None] - (cell_m[None, :] - rounding), 0.0)
    cell_turn = (eta * c * (cell_adot[None, :] + np.sqrt(4 * math.pi * spare * m_inverse)) * cell_q[None, :]
                 / (2 * math.pi))
    with np.errstate(divide="ignore", invalid="ignore"):
        needed = np.where(member, np.where(room > 0, cell_turn / (room * (1 - 1e-9)), np.inf), 0.0)
    r2_turn = needed.max(axis=1)                        # (ii): r² above this for every cell
    largest_turn = np.where(member, cell_turn, 0.0).max(axis=1)
    a_region = adot_bound + np.sqrt(4 * math.pi * levels * m_inverse)
    a_segment = a_region + eta * np.sqrt(m_forward * levels / math.pi)
    # W below 1e-12 rad could be lost to rounding in the computed φ: no decision there.
    usable = (width > 1e-12) & np.isfinite(r2_turn)

    def descends(r):
        theta = largest_turn / r ** 2
        if side == "global":
            seg_q, seg_h = sup_q(0.0, np.minimum(phi_lo + theta, math.pi)), math.pi
        else:
            lo = np.maximum(phi_hi - theta, 0.0)
            seg_q, seg_h = sup_q(lo, math.pi), sup_h_to_pi(lo)
        gamma = c * a_segment * seg_h / (2 * math.pi * r ** 2)
        beta = c * math.sqrt(a_sq) * seg_q / (2 * math.pi * r)
        curvature = (alpha + gamma) / 2 + np.sqrt(((alpha - gamma) / 2) ** 2 + beta ** 2)
        return eta * curvature < 2 * (1 - 1e-9)

    lo = np.full(LEVELS, _RADIUS_RANGE[0])
    hi = np.full(LEVELS, _RADIUS_RANGE[1])
    possible = usable & descends(10.0 ** hi)
    for _ in range(_RADIUS_BISECTIONS):
        mid = (lo + hi) / 2
        ok = descends(10.0 ** mid)
        hi, lo = np.where(ok, mid, hi), np.where(ok, lo, mid)
    r2 = np.maximum(10.0 ** (2 * hi), r2_turn)
    return levels, phi_lo, phi_hi, np.where(possible, r2, np.inf)


def _band(teacher: Teacher, basins: Basins, levels: np.ndarray):
    """(φ_lo, φ_hi) of the band {m > L} for each level: φ_lo over- and φ_hi underestimated
    (the band only shrinks), by bisection with the profile's rounding added to each level; both
    branches of m in one evaluation per halving."""
    ar = FLOAT64_ELEMENTWISE
    n, split = len(levels), basins.phi_split
    threshold = np.concatenate([levels, levels]) + SLACK * basins.scale
    # rows [0, n): the increasing branch [0, φ_s]; rows [n, 2n): the decreasing branch [φ_s, π]
    lo = np.concatenate([np.zeros(n), np.full(n, split)])
    hi = np.concatenate([np.full(n, split), np.full(n, math.pi)])
    rising = np.arange(2 * n) < n
    for _ in range(_BISECTIONS):
        mid = (lo + hi) / 2
        m, _ = formulas.profile_from_scalars(ar, angle=formulas.Angle(mid, math.pi - mid), k=teacher.k,
                                             c=teacher.w_norm, s=teacher.a_sum, astar_sq=teacher.a_sq)
        above = m > threshold
        toward_lo = above == rising      # the root lies below mid
        hi, lo = np.where(toward_lo, mid, hi), np.where(toward_lo, lo, mid)
    if split == math.pi:
        return hi[:n], np.full(n, np.inf)     # no spurious minimum: no band to cross
    return hi[:n], lo[n:]
