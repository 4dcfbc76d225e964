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
import functools
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from theory import compile_cache, formulas, landscape
from theory.arith import FLOAT64, FLOAT64_ELEMENTWISE
from theory.teacher import Teacher

__all__ = ["LEVELS", "LOWER_OCTAVES", "LOWER_PER_OCTAVE", "PHI_H", "PHI_Q", "SLACK", "UPPER_LEVELS", "UPPER_OCTAVES",
           "UPPER_PER_OCTAVE", "Basins", "Curvatures", "DecisionTable", "Outcome", "RunRule", "curvatures",
           "level_positions", "sup_h_to_pi", "sup_q", "sup_q_and_h_to_pi", "teacher_curvatures"]


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


@functools.cache
def level_positions() -> np.ndarray:
    """x of each level, from the one nearest the top down (see LEVELS); read-only, computed once."""
    upper = 1 - 2.0 ** (-(UPPER_PER_OCTAVE * UPPER_OCTAVES - np.arange(UPPER_LEVELS)) / UPPER_PER_OCTAVE)
    lower = 2.0 ** (-np.arange(LOWER_PER_OCTAVE + 1, LOWER_PER_OCTAVE * LOWER_OCTAVES + 1) / LOWER_PER_OCTAVE)
    positions = np.concatenate([upper, lower])
    positions.setflags(write=False)
    return positions


def _cell_edges(phi_split: float) -> np.ndarray:
    """Angles splitting [0, π] into cells: dense near 0, π and the saddle angle (an edge itself,
    so every cell lies on one branch of m)."""
    edges = np.concatenate([_FIXED_EDGES, [phi_split], phi_split - _NEAR_SPLIT, phi_split + _NEAR_SPLIT])
    return np.unique(np.clip(edges, 0.0, math.pi))


_ENDS = np.geomspace(1e-9, 0.2, 32)
_FIXED_EDGES = np.concatenate([[0.0, math.pi], np.linspace(0, math.pi, 97), _ENDS, math.pi - _ENDS])
_NEAR_SPLIT = np.geomspace(1e-10, 0.3, 48)


def _q(phi):
    """q(φ) = (π − φ) sin φ = −g'(φ), the angular factor of ∂ℓ/∂φ."""
    return (math.pi - phi) * np.sin(phi)


def _h(phi):
    """(|q'| + √(q'² + 4q²))/2: r²·(largest eigenvalue of H_vv) per unit of c|aᵀa*|/(2π)."""
    return _q_and_h(phi)[1]


def _q_and_h(phi):
    """(q(φ), h(φ)) from one sine and cosine."""
    sin_phi = np.sin(phi)
    q = (math.pi - phi) * sin_phi
    dq = (math.pi - phi) * np.cos(phi) - sin_phi
    return q, (np.abs(dq) + np.sqrt(dq * dq + 4 * q ** 2)) / 2


def _saddle_angle(target: float) -> float:
    """φ_s = π − δ with g(π − δ) = sin δ − δ cos δ = ``target`` ∈ (0, 1], δ ≤ π/2 by Halley's
    method (:func:`_invert_tails`)."""
    if target >= 1:        # 1ᵀa* = 0: the cone sits at φ = π/2
        return math.pi / 2
    delta = _invert_tails(np.array([float(target)]), np.zeros(1, bool), np.zeros(1), np.full(1, math.pi / 2))
    return math.pi - float(delta[0])


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
_Q_PEAK = float(_q(PHI_Q))       # as sup_q computes it: q at PHI_Q


def sup_q(lo, hi):
    """max of q over [lo, hi] (arrays)."""
    return _q(np.clip(PHI_Q, lo, hi))


def sup_h_to_pi(lo):
    """max of h over [lo, π] (arrays)."""
    return sup_q_and_h_to_pi(lo)[1]


def sup_q_and_h_to_pi(lo):
    """(max of q, max of h) over [lo, π] (arrays), from one sine and cosine."""
    q, h = _q_and_h(lo)
    return (np.where(lo >= PHI_Q, q, _Q_PEAK),
            np.where(lo >= PHI_H, h, np.where(lo >= PHI_Q, _H_PEAK, np.maximum(h, _H_PEAK))))


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
            # the bands of both sides' levels at once, and the cells both sides share
            side_levels = [_side_levels(basins, side) for side in sides]
            bands = _band(teacher, basins, np.concatenate(side_levels))
            cells = _Cells.for_teacher(teacher, basins)
            for index, (offset, side) in enumerate(zip((0, LEVELS), sides, strict=False)):
                chosen, own = slice(offset, offset + LEVELS), slice(index * LEVELS, (index + 1) * LEVELS)
                levels[chosen], band[chosen, 0], band[chosen, 1], r2_min[chosen] = \
                    _side_radii(teacher, basins, eta, side, alpha, side_levels[index],
                                (bands[0][own], bands[1][own]), cells)
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


class _Cells(NamedTuple):
    """The cells of :func:`_cell_edges` with m at both edges, and bounds on |a(φ)ᵀa*| and q."""

    lo_edge: np.ndarray
    hi_edge: np.ndarray
    m_left: np.ndarray     # m at each cell's left edge
    m_right: np.ndarray
    adot: np.ndarray       # max |a(φ)ᵀa*| on the cell (a(φ)ᵀa* is monotone: at an edge)
    q: np.ndarray          # max q on the cell

    @classmethod
    def for_teacher(cls, teacher: Teacher, basins: Basins) -> _Cells:
        edges = _cell_edges(basins.phi_split)
        m_edges, adot_edges = formulas.profile_from_scalars(
            FLOAT64_ELEMENTWISE, angle=formulas.Angle(edges, math.pi - edges), k=teacher.k, c=teacher.w_norm,
            s=teacher.a_sum, astar_sq=teacher.a_sq)
        lo_edge, hi_edge = edges[:-1], edges[1:]
        return cls(lo_edge, hi_edge, m_edges[:-1], m_edges[1:],
                   np.maximum(np.abs(adot_edges[:-1]), np.abs(adot_edges[1:])), sup_q(lo_edge, hi_edge))


def _side_radii(teacher: Teacher, basins: Basins, eta: float, side: str, alpha: float, levels: np.ndarray,
                band_edges: tuple[np.ndarray, np.ndarray], cells: _Cells):
    """(levels, φ_lo, φ_hi, r_min²) of one side (module docstring), conservative at every rounding.

    Condition (ii) is checked cell by cell (:func:`_turn_radii`): a state with φ in a cell turns by
    at most η c A q/(2π r²) with q its largest on the cell and A = max |a(φ)ᵀa*| on the cell
    (a(φ)ᵀa* is monotone) + √(4π(L − min m on the cell)·a*ᵀM⁻¹a*); near the band's edge m is close
    to L and a(φ)ᵀa* close to 0, so the turn that could cross the band is small even where the
    side's largest turn is not. Condition (i) uses the side's largest A, in closed form
    (:func:`_descent_radius`).
    """
    k, c = teacher.k, teacher.w_norm
    s, a_sq = teacher.a_sum, teacher.a_sq        # cached: at k = 10⁶ each pass over a* costs
    d = k + math.pi - 1
    m_inverse = (a_sq - s * s / d) / (math.pi - 1)        # a*ᵀM⁻¹a*
    m_forward = (math.pi - 1) * a_sq + s * s               # a*ᵀMa*
    rounding = SLACK * basins.scale
    phi_lo, phi_hi = band_edges     # the band {m > L} of each level (:func:`_band`)
    width = phi_hi - phi_lo
    if side == "global":    # cells meeting [0, φ_lo]; m rises on them, least at their left edge
        cell_m = cells.m_left
        adot_bound = c * a_sq
    else:                   # cells meeting [φ_hi, π]; m falls on them, least at their right edge
        cell_m = cells.m_right
        adot_bound = abs(c * (math.pi * s * s / d - a_sq) / (math.pi - 1))   # |a_sᵀa*|
    r2_turn, largest_turn = _turn_kernel()(side == "global", phi_lo, phi_hi, levels, cells.lo_edge, cells.hi_edge,
                                           cell_m, cells.adot, cells.q, eta * c, m_inverse, rounding)
    a_region = adot_bound + np.sqrt(4 * math.pi * levels * m_inverse)
    a_segment = a_region + eta * np.sqrt(m_forward * levels / math.pi)
    # W below 1e-12 rad could be lost to rounding in the computed φ: no decision there.
    usable = (width > 1e-12) & np.isfinite(r2_turn)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r2 = _descent_radius(side, eta, alpha, c, a_sq, a_segment, largest_turn, phi_lo, phi_hi, r2_turn)
    return levels, phi_lo, phi_hi, np.where(usable, r2, np.inf)


_R2_RANGE = (1e-40, 1e40)        # r_min² is tabulated in this range (∞ above: no decision)
_DESCENT_ROUNDING = 1 + 1e-12   # the closed form's r², raised past its float64 rounding
_WIDENING_STEPS = 12            # secant steps towards the least valid r² …
_WIDENING_TOLERANCE = 1e-7      # … until it is bracketed this tightly


def _descent_radius(side, eta, alpha, c, a_sq, a_segment, largest_turn, phi_lo, phi_hi, r2_turn):
    """The least tabulated r² (≥ r2_turn) from which condition (i), ηΛ < 2, holds: ∞ where none.

    With τ = 2(1 − 1e-9)/η, γ = G/r², β = B/r: Λ = (α + γ)/2 + √(((α − γ)/2)² + β²) < τ
    ⟺ τ > α, τ > γ and (τ − α)(τ − γ) > β² (squaring is exact when τ > (α + γ)/2, which both
    factors being positive imply) ⟺ r² > G/τ + B²/(τ(τ − α)), linear in 1/r² once G and B are
    fixed (Λ grows with γ and β, so upper bounds on them give an upper bound on Λ).

    G and B hold the largest q and h on the segment, whose widening θ = largest_turn/r² falls as
    r grows: taken at θ = largest_turn/R they bound every r² ≥ R, so R is *valid* when
    f(R) ≤ R, f(R) the closed form at that θ (raised by 1e-12 past its rounding). f falls as R
    grows, so the valid R are those above the one root R* of f(R) = R — the radius the old
    bisection in log r found. R* ≥ lower = max(r2_turn, f(∞)) (θ = 0), and f(lower) ≥ R* is
    valid; the secant method on log f(R) − log R, kept inside the bracket, takes it to within
    about 1e-7 of R*. A radius is kept only where f(R) ≤ R was evaluated, or as f(R) of an R
    found invalid (f(R) > R, so f(f(R)) ≤ f(R): f falls), so the result is valid whatever the
    rounding of the search; the 1e-12 raise exceeds f's own float64 rounding (~10ε), so the
    exact f obeys the same inequalities.
    """
    tau = 2 * (1 - 1e-9) / eta
    if tau <= alpha:
        return np.full(largest_turn.shape, np.inf)
    gamma_part = c * a_segment / (2 * math.pi) / tau                              # G/τ per unit of h
    beta_part = (c * math.sqrt(a_sq) / (2 * math.pi)) ** 2 / (tau * (tau - alpha))   # B²/(τ(τ − α)) per q²

    def least_r2(r2, rows):       # f(R) for the levels ``rows``
        theta = largest_turn[rows] / r2
        if side == "global":
            seg_q, seg_h = sup_q(0.0, np.minimum(phi_lo[rows] + theta, math.pi)), math.pi
        else:
            seg_q, seg_h = sup_q_and_h_to_pi(np.maximum(phi_hi[rows] - theta, 0.0))
        return (gamma_part[rows] * seg_h + beta_part * seg_q * seg_q) * _DESCENT_ROUNDING

    every = np.arange(largest_turn.size)
    floor = np.maximum(r2_turn, _R2_RANGE[0])
    lower = np.maximum(floor, least_r2(np.inf, every))
    at_lower = least_r2(lower, every)
    upper = np.maximum(floor, at_lower)
    at_upper = least_r2(upper, every)
    lower_valid, upper_valid = at_lower <= lower, at_upper <= upper
    best = np.where(lower_valid, lower, np.where(upper_valid, upper, np.inf))
    at_best = np.where(lower_valid, at_lower, at_upper)
    beyond = np.flatnonzero(~(best <= _R2_RANGE[1]) & (floor <= _R2_RANGE[1]))
    if beyond.size:          # past the tabulated range only if the range's end is valid
        cap = np.full(beyond.size, _R2_RANGE[1])
        at_cap = least_r2(cap, beyond)
        capped = at_cap <= cap
        best[beyond] = np.where(capped, cap, best[beyond])
        at_best[beyond] = np.where(capped, at_cap, at_best[beyond])
    # As f falls, f(best) ≥ best·(1 − tol) puts R* ≥ best·(1 − tol): best is then within tol of
    # the least valid radius. Elsewhere the secant method on h(x) = log f(eˣ) − x, each trial
    # kept inside the bracket [lower, best] and shrinking it.
    rows = np.flatnonzero(np.isfinite(best) & (best > lower * (1 + _WIDENING_TOLERANCE))
                          & (at_best < best * (1 - _WIDENING_TOLERANCE)))
    lower, best_rows = np.log(lower[rows]), np.log(best[rows])
    x_old, h_old = lower, np.log(at_lower[rows]) - lower
    x_new, h_new = best_rows, np.log(at_best[rows]) - best_rows
    for _ in range(_WIDENING_STEPS):
        if rows.size == 0:
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            trial = x_new - h_new * (x_new - x_old) / (h_new - h_old)
        trial = np.clip(np.nan_to_num(trial, nan=0.5 * (lower + best_rows)), lower, best_rows)
        trial_r2 = np.exp(trial)
        at_trial = least_r2(trial_r2, rows)
        valid = at_trial <= trial_r2
        best_rows, lower = np.where(valid, trial, best_rows), np.where(valid, lower, trial)
        x_old, h_old, x_new, h_new = x_new, h_new, trial, np.log(at_trial) - trial
        # an invalid trial R < R* gives the valid f(R) ≥ R*: f(f(R)) ≤ f(R) as f falls
        best_rows = np.where(valid, best_rows, np.fmin(best_rows, np.log(at_trial)))
        if np.all((valid & (h_new >= -_WIDENING_TOLERANCE)) | (best_rows - lower <= _WIDENING_TOLERANCE)):
            break
    best[rows] = np.exp(best_rows)
    return np.where(best <= np.maximum(_R2_RANGE[1], r2_turn), best, np.inf)


def _turn_radii(global_side, phi_lo, phi_hi, levels, lo_edge, hi_edge, cell_m, cell_adot, cell_q, rate,
                m_inverse, rounding):
    """(r² above which no state of a cell turns across the band, the largest turn·r²) per level.

    The cells meeting a side are a prefix (global: lo_edge < φ_lo) or a suffix (spurious:
    hi_edge > φ_hi) of the sorted cells, so each level's loop stops at its first outside cell.
    Compiled by numba (:func:`_turn_kernel`); plain Python without it.
    """
    n_levels, n_cells = levels.shape[0], lo_edge.shape[0]
    r2_turn, largest_turn = np.zeros(n_levels), np.zeros(n_levels)
    for row in range(n_levels):
        needed_max, turn_max = 0.0, 0.0
        for step in range(n_cells):
            cell = step if global_side else n_cells - 1 - step
            if global_side:
                if not lo_edge[cell] < phi_lo[row]:
                    break
                room = phi_hi[row] - hi_edge[cell]    # how far a turn may go before the band's far edge
            else:
                if not hi_edge[cell] > phi_hi[row]:
                    break
                room = lo_edge[cell] - phi_lo[row]
            spare = max(levels[row] - (cell_m[cell] - rounding), 0.0)
            turn = rate * (cell_adot[cell] + math.sqrt(4 * math.pi * spare * m_inverse)) * cell_q[cell] / (2 * math.pi)
            needed = turn / (room * (1 - 1e-9)) if room > 0 else math.inf
            needed_max, turn_max = max(needed_max, needed), max(turn_max, turn)
        r2_turn[row], largest_turn[row] = needed_max, turn_max
    return r2_turn, largest_turn


_TURN_KERNEL: Any = None     # the compiled function, once built
_TURN_LOCK = threading.Lock()


def _turn_kernel():
    """:func:`_turn_radii` compiled by numba (cached on disk when a cache can be used, see
    :mod:`theory.compile_cache`; it calls nothing outside this file), or the plain function without
    numba or with NUMBA_DISABLE_JIT=1."""
    global _TURN_KERNEL
    with _TURN_LOCK:
        if _TURN_KERNEL is None:
            try:
                import numba  # noqa: F401
            except ImportError:   # pragma: no cover - numba is a declared dependency
                _TURN_KERNEL = _turn_radii
            else:   # on disk when a cache can be used (theory.compile_cache), else in memory
                _TURN_KERNEL = compile_cache.jit(_turn_radii, (Path(__file__),), error_model="numpy")
    return _TURN_KERNEL


# g's two tails, for inverting it: E(x) = π − g(x) on the rising branch and G(δ) = g(π − δ) on
# the falling one, both increasing from 0 at x = 0 (E' = (π − x) sin x, G' = x sin x).
_INVERSE_GRID = np.linspace(0.0, math.pi, 16385)


def _tails(x):
    """(E(x), G(x), sin x, cos x), G with full relative accuracy near x = 0: below ¼ its Taylor series
    Σ (−1)^(n+1)·2n·x^(2n+1)/(2n+1)! to n = 6 (the rest < 1e-17 relative), where sin x − x cos x
    would lose 3ε/x² to cancellation."""
    sin_x, cos_x, half = np.sin(x), np.cos(x), np.sin(x / 2)
    x2 = x * x
    series = x * x2 * (1 / 3 - x2 * (1 / 30 - x2 * (1 / 840 - x2 * (1 / 45360 - x2 * (1 / 3991680
                                                                                      - x2 / 518918400)))))
    tail_g = np.where(x < 0.25, series, sin_x - x * cos_x)
    return 2 * math.pi * half * half - tail_g, tail_g, sin_x, cos_x


_GRID_E, _GRID_G, _, _ = _tails(_INVERSE_GRID)
_NEWTON_STEPS = 12
_AIM = 2 * 2.0 ** -52     # of ½E f*²: the edges are aimed this far inside the band before the check
_NUDGES = 40              # inward steps, each 4× the last, before a branch is given up


def _invert_tails(target, rising, lower, upper):
    """x ∈ [lower, upper] with E(x) (``rising``) or G(x) = target, by Halley's method clipped
    to a shrinking bracket (the nearest end of [lower, upper] when the root lies beyond it),
    started from interpolation in √E and ∛G (both nearly linear at 0). Used for x ≤ π/2, where
    both slopes are well away from 0."""
    x = np.where(rising, np.interp(np.sqrt(np.maximum(target, 0.0)), np.sqrt(_GRID_E), _INVERSE_GRID),
                 np.interp(np.cbrt(np.maximum(target, 0.0)), np.cbrt(_GRID_G), _INVERSE_GRID))
    x = np.clip(x, lower, upper)
    lo, hi = lower.copy(), upper.copy()
    for _ in range(_NEWTON_STEPS):
        tail_e, tail_g, sin_x, cos_x = _tails(x)
        value = np.where(rising, tail_e, tail_g) - target
        slope = np.where(rising, math.pi - x, x) * sin_x                       # E' = q, G' = x sin x
        bend = np.where(rising, (math.pi - x) * cos_x - sin_x, sin_x + x * cos_x)   # E'', G''
        below = value < 0
        lo, hi = np.where(below, x, lo), np.where(below, hi, x)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = x - 2 * value * slope / (2 * slope * slope - value * bend)   # Halley's step
        moved = np.where(np.isnan(newton), (lo + hi) / 2, np.clip(newton, lo, hi))   # kept in the bracket
        if np.all(np.abs(moved - x) <= 1e-13 * x):   # E and G are good to ~1e-14 relative
            return moved
        x = moved
    return x


def _edges_guess(e_target, g_target, split):
    """φ with π − g(φ) = e_target on [0, φ_s] and with g(φ) = g_target on [φ_s, π], each solved
    in whichever of φ and δ = π − φ is at most π/2 (π − g(π − δ) = π − G(δ))."""
    n = e_target.size
    e_far = e_target > _E_HALF        # φ above π/2: solve G(δ) = π − e_target
    rising = np.concatenate([~e_far, np.zeros(g_target.size, bool)])
    target = np.concatenate([np.where(e_far, math.pi - e_target, e_target), g_target])
    lower = np.concatenate([np.where(e_far, math.pi - split, 0.0), np.zeros(g_target.size)])
    upper = np.concatenate([np.where(e_far, math.pi / 2, min(split, math.pi / 2)),
                            np.full(g_target.size, math.pi - split)])
    x = _invert_tails(target, rising, lower, upper)
    return (np.minimum(np.where(e_far, math.pi - x[:n], x[:n]), split),
            np.maximum(math.pi - x[n:], split))


_E_HALF = math.pi - 1     # π − g(π/2)


def _band(teacher: Teacher, basins: Basins, levels: np.ndarray):
    """(φ_lo, φ_hi) of the band {m > L} for each level: φ_lo over- and φ_hi underestimated (the
    band only shrinks), each checked on the profile with its rounding added to the level.

    m depends on φ only through g(φ) (a(φ) is affine in g), as a concave quadratic:
    m = top − κ(g − g_s)², κ = c²·a*ᵀM⁻¹a*/(4π). So the edges are guessed in closed form — in
    the stable root forms e = D/(e_s + √(e_s² − D)) for e = π − g (rising branch, m = κe(2e_s − e))
    and g = D/(g_s + √(g_s² − D)) (falling branch, m = ℓ_s + κg(2g_s − g)) — and g is inverted by
    Newton's method (:func:`_invert_tails`). The guess only has to be close: each edge is then
    evaluated on :func:`theory.formulas.profile_from_scalars` and moved inwards by growing steps
    until m > L + slack there, the very test the bisection applied at each of its 56 halvings.
    """
    ar = FLOAT64_ELEMENTWISE
    k, c, s, a_sq = teacher.k, teacher.w_norm, teacher.a_sum, teacher.a_sq
    n, split = len(levels), basins.phi_split
    threshold = levels + SLACK * basins.scale
    aim = threshold + _AIM * basins.scale
    d = k + math.pi - 1
    kappa = c * c * (a_sq - s * s / d) / ((math.pi - 1) * 4 * math.pi)
    e_vertex = (math.pi - 1) * d * a_sq / (d * a_sq - s * s)          # π − g_s (also beyond π)
    rising_target = (aim / kappa) / (e_vertex + np.sqrt(np.maximum(e_vertex ** 2 - aim / kappa, 0.0)))
    spurious_target = np.zeros(0)
    if split < math.pi:
        g_vertex = float(formulas.saddle_g(FLOAT64, k=k, s=s, astar_sq=a_sq))
        above_base = np.maximum(aim - basins.spurious_base, 0.0) / kappa
        spurious_target = above_base / (g_vertex + np.sqrt(np.maximum(g_vertex ** 2 - above_base, 0.0)))
    # rows [0, n): φ_lo on the rising branch [0, φ_s]; rows [n, 2n): φ_hi on [φ_s, π]
    edge = np.concatenate(_edges_guess(rising_target, spurious_target, split))
    inward = np.where(np.arange(edge.size) < n, 1.0, -1.0)
    level = np.concatenate([threshold] * (edge.size // n))
    aim = np.concatenate([aim] * (edge.size // n))
    # no angle is above a level at or above the top (m's largest value): the band is empty there
    pending = np.flatnonzero(level < basins.top)
    edge[level >= basins.top] = split
    nudge = np.zeros(edge.size)
    for round_ in range(_NUDGES + 1):
        angle = formulas.Angle(edge[pending], math.pi - edge[pending])
        m, a_dot = formulas.profile_from_scalars(ar, angle=angle, k=k, c=c, s=s, astar_sq=a_sq)
        if round_ == 0:
            # One Newton step on the profile itself (the closed form's ℓ_s, top and κ round
            # differently from it, which matters where L + slack is within a few ulps of ℓ_s),
            # then the check; the first inward step is what lifts m by its rounding (4ε·½E f*²).
            slope = formulas.profile_slope(ar, angle=angle, a_dot_opt=a_dot, c=c)
            with np.errstate(divide="ignore", invalid="ignore"):
                step = (aim[pending] - m) / slope
                limit = np.abs(split - edge[pending]) / 1024
                edge[pending] = np.clip(edge[pending] + np.clip(np.nan_to_num(step), -limit, limit), 0.0, math.pi)
                edge[pending] = np.where(inward[pending] > 0, np.minimum(edge[pending], split),
                                         np.maximum(edge[pending], split))
                nudge[pending] = np.maximum(np.fmin(4 * 2.0 ** -52 * basins.scale / np.abs(slope), limit),
                                            4 * np.spacing(edge[pending]))
            angle = formulas.Angle(edge[pending], math.pi - edge[pending])
            m, _ = formulas.profile_from_scalars(ar, angle=angle, k=k, c=c, s=s, astar_sq=a_sq)
        pending = pending[~(m > level[pending])]
        if pending.size == 0:
            break
        edge[pending] = np.where(inward[pending] > 0, np.minimum(edge[pending] + nudge[pending], split),
                                 np.maximum(edge[pending] - nudge[pending], split))
        nudge[pending] *= 4
    edge[pending] = split          # no angle of that branch is above the level: the band is empty there
    if split == math.pi:
        return edge[:n], np.full(n, np.inf)     # no spurious minimum: no band to cross
    return edge[:n], edge[n:]
