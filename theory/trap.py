"""A proved trap: levels, band edges and radii from which exact GD provably ends at one minimum.

**What is proved** (docs/mathematics.md#the-trap-theorem). Take the invariant teacher of (k, r):
‖w*‖ = 1, ‖a*‖ = 1 and 1ᵀa* = √r, exact real numbers (any a* ∈ ℝᵏ with these scalars; and
1ᵀa* = −√r too, by the symmetry (a, a*) → (−a, −a*), which keeps ℓ and φ), and a step η > 0. For
each row j of a side of :class:`CertifiedTrap` the following is a theorem, proved by
:func:`certified_trap`'s computation: *every state (v, a) ∈ ℝᵖ × ℝᵏ, p ≥ 2, with
ℓ(v, a) ≤ level[j], φ = ∠(v, w*) ≤ phi_edge[j] (global side; ≥ on the spurious side) and
‖v‖² ≥ r2_min[j] stays in that set under exact (real-arithmetic) GD with step η on both layers,
and converges: on the global side to φ = 0, a = a* (ℓ → 0), on the spurious side to φ = π,
a = a_s (ℓ → ℓ_s).*

**Units.** Any teacher reduces to this one: with λ = ‖w*‖‖a*‖, the states (v, a)/λ follow the GD
of the teacher (w*/‖w*‖, a*/‖a*‖) with the same η, and ℓ = λ² × its loss
(docs/mathematics.md#parameters-of-the-dynamics). So ``level``, ``r2_min`` and the loss
enclosures are in units of λ²; a run with invariants (k, r, κ) starts at ‖v₀‖²/λ² = 1/κ.

**Which floats are exact.** Every float of a :class:`TrapSide` is the exact dyadic rational it
denotes, and the theorem is about those numbers. An :class:`Enclosure` is outward rounded:
lo ≤ x ≤ hi for the exact real x. Nothing computed in float64 is trusted: the candidates come
from the float table :class:`theory.decisions.DecisionTable` (edges moved a few ulps into the
band, r² raised by 2⁻²⁶), each is verified in arb (:func:`check_level`), and one that fails is
retried once with larger nudges, then dropped (counted, with the reason). ``tighten=True`` then
lowers each radius towards the least the proof allows (the float table's spurious radii are up to
several times larger) and verifies it again. All 2 × 501 levels take about a second.

**What is verified**, per level, each in ball arithmetic (the lemma of the docs):

* *band*: m(φ) = min_a ℓ(φ, a) > L at ``phi_edge`` and at the far edge, with a(φ)ᵀa* > 0 at the
  band's lower edge and < 0 at its upper one: m > L on the band between them (m rises while
  a(φ)ᵀa* > 0, then falls). On the global side below ℓ_s, or without a spurious minimum, the
  band reaches φ = π: no far edge (``far_edge`` = ∞);
* *turn*, cell by cell over the side (the float table's cells, plus [fl(π), π]): a state turns
  by θ ≤ η|aᵀa*|q̄/(2πr²), q̄ the sup of q = (π − φ) sin φ on its cell (:func:`sup_q`) and
  |aᵀa*| ≤ max |a(φ)ᵀa*| + √(4π(L − min m)·a*ᵀM⁻¹a*), the max and min at the cell's edges;
  every turn stops short of the far edge;
* *descent*: ηΛ < 2(1 − ε), ε = :data:`DESCENT_MARGIN`, with Λ ≥ the Hessian's largest
  eigenvalue on every step's segment, from α = (k + π − 1)/(2π), β = q̄/(2πr) and γ = Ah̄/(2πr²)
  (:func:`sup_h`: h̃ includes the out-of-plane curvature of p ≥ 3), q̄, h̄ over the angles a
  segment can reach.

Assumed: python-flint's arb arithmetic is rigorous (each result encloses the exact value), and a
float64 is the dyadic rational it denotes. Nothing else: no libm, no rounding mode, no float.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

from theory import decisions, formulas, invariants, validation
from theory.arith import ArbArith

__all__ = [
    "DEFAULT_PREC",
    "DESCENT_MARGIN",
    "SIDES",
    "CertifiedTrap",
    "Enclosure",
    "LevelCheck",
    "LevelProof",
    "TrapSide",
    "certified_trap",
    "check_level",
    "enclosure",
    "float_above",
    "float_below",
    "sup_h",
    "sup_q",
]

# ℓ(x') ≤ ℓ(x) − ηε‖∇ℓ(x)‖² on a trap: the uniform margin of descent the convergence proof
# needs (theory.decisions uses the same τ = 2(1 − ε)/η).
DESCENT_MARGIN = 1e-9
DEFAULT_PREC = 128            # arb's working precision, bits
SIDES = ("global", "spurious")
# The float candidates are moved conservatively: edges into the band by 4 ulps and r² up by 2⁻²⁶;
# on failure once more, edges by max(4 ulps, 2⁻²⁰ of the band's width) and r² by 2⁻¹⁰.
_NUDGES = ((4, 2.0 ** -26), (2.0 ** -20, 2.0 ** -10))
# A sup is refined until its bound is within this of a value attained (q ≤ 1.82 and h̃ ≤ π enter
# the bounds against O(1) quantities), with at most this many pieces (the bound stays rigorous).
_SUP_TOLERANCE, _SUP_PIECES = 2.0 ** -44, 4096


class Enclosure(NamedTuple):
    """Floats with lo ≤ x ≤ hi for an exact real x (outward rounded)."""

    lo: float
    hi: float


class LevelProof(NamedTuple):
    """The arb enclosures (a few digits, rigorous) that proved one level; each is > 0 or has the
    stated sign."""

    edge_gap: str        # m(phi_edge) − L
    far_gap: str         # m(far_edge) − L ("" without a far edge)
    edge_slope: str      # a(phi_edge)ᵀa*: > 0 on the global side, < 0 on the spurious one
    far_slope: str       # a(far_edge)ᵀa*, of the other sign ("" without a far edge)
    turn_margin: str     # 1 − (turn radius)/r2_min: no turn crosses the band ("" without a far edge)
    descent_margin: str  # 1 − f(r2_min)/r2_min, τ > α: ηΛ < 2(1 − ε) on every step's segment
    cells: int           # the cells of the side that hold states (each checked)


class LevelCheck(NamedTuple):
    """:func:`check_level`'s verdict: the proof, or the first condition that failed."""

    proved: bool
    failure: str
    proof: LevelProof | None


@dataclass(frozen=True)
class TrapSide:
    """The proved levels of one side, by increasing ``level`` (float64 arrays, read-only).

    Row j: every state with ℓ ≤ level[j], φ ≤ phi_edge[j] (global side) or φ ≥ phi_edge[j]
    (spurious side) and ‖v‖² ≥ r2_min[j] is trapped (module docstring). A state with
    ℓ ≤ level[j] cannot lie between ``phi_edge`` and ``far_edge`` (m > level there); ∞: the band
    reaches φ = π. Every row is a theorem of its own: a state is trapped if any row with
    level ≥ its ℓ holds it — usually the least such level, which has the widest side and about
    the least radius.
    """

    side: str
    level: np.ndarray
    phi_edge: np.ndarray
    far_edge: np.ndarray
    r2_min: np.ndarray
    proofs: tuple[LevelProof, ...]
    candidates: int       # the float table's levels with a finite radius (of those ``stride`` keeps)
    retried: int          # proved at the second, larger nudge
    dropped: int          # failed both
    failures: tuple[tuple[str, int], ...]   # why the dropped ones failed, with counts

    def __len__(self) -> int:
        return int(self.level.size)


@dataclass(frozen=True)
class CertifiedTrap:
    """The proved trap of the invariant teacher (k, r) at step η (module docstring).

    ``top`` encloses ℓ on the saddle cone (ℓ_s without a spurious minimum): every level is below
    it; ``spurious_loss`` ℓ_s = ℓ(−w*, a_s), below every spurious level; ``saddle_angle`` φ_s,
    strictly between the two sides' edges (None without a spurious minimum, when ``spurious``
    has no rows). ``seconds``: the wall time of the computation.
    """

    k: int
    r: float
    eta: float
    has_spurious_minimum: bool
    top: Enclosure
    spurious_loss: Enclosure
    saddle_angle: Enclosure | None
    global_side: TrapSide
    spurious: TrapSide
    prec: int
    stride: int
    tightened: bool
    descent_margin: float
    seconds: float

    @property
    def sides(self) -> tuple[TrapSide, TrapSide]:
        return (self.global_side, self.spurious)


# --- outward rounding ----------------------------------------------------------------------

_LARGEST = float(np.finfo(np.float64).max)


def _exact(point) -> Fraction:
    """An exact arb (radius 0) as a fraction."""
    man, exp = point.man_exp()
    return Fraction(int(man)) * Fraction(2) ** int(exp)


def float_below(x) -> float:
    """The largest float ≤ every point of the arb ball x (−∞ if x is not finite)."""
    if not x.is_finite():
        return -math.inf
    exact = _exact(x.lower())
    try:
        out = float(exact)
    except OverflowError:
        return -math.inf if exact < 0 else _LARGEST
    return out if Fraction(out) <= exact else math.nextafter(out, -math.inf)


def float_above(x) -> float:
    """The least float ≥ every point of the arb ball x (∞ if x is not finite)."""
    return -float_below(-x)


def enclosure(x) -> Enclosure:
    """x (an arb ball) as outward-rounded floats."""
    return Enclosure(float_below(x), float_above(x))


def _audit(x) -> str:
    return x.str(6, radius=True)


# --- sups of the functions of φ in the bounds ------------------------------------------------

def _q(x, pi):
    """q(φ) = (π − φ) sin φ, of an arb ball or an arb_series."""
    return (pi - x) * x.sin()


def _h_pieces(x, pi):
    """Smooth functions whose largest is h̃(φ) = max(h(φ), (π − φ)|cos φ|), h = (|q'| + √(q'² + 4q²))/2:
    r² × the largest |eigenvalue| of H_vv per unit of |aᵀa*|/(2π) (docs/mathematics.md#the-trap-theorem).
    h = max(f₊, f₋), f± = (√(q'² + 4q²) ± q')/2, and since f₊f₋ = q², where q' < 0 (q' > 0) f₊ (f₋)
    is computed as 2q²/(√(q'² + 4q²) ∓ q'), without cancellation."""
    sin, cos = x.sin(), x.cos()
    q, slope = (pi - x) * sin, (pi - x) * cos - sin
    root = _sqrt_nonnegative(slope * slope + 4 * q * q)
    value = ([*slope.coeffs(), 0][0]) if hasattr(slope, "coeffs") else slope
    if value < 0:
        plus, minus = 2 * q * q / (root - slope), (root - slope) / 2
    elif value > 0:
        plus, minus = (root + slope) / 2, 2 * q * q / (root + slope)
    else:
        plus, minus = (root + slope) / 2, (root - slope) / 2
    bend = (pi - x) * cos
    return (plus, minus, bend, -bend)


def _sqrt_nonnegative(x):
    """√x of a quantity known to be ≥ 0 (its ball may reach below 0)."""
    import flint
    if isinstance(x, flint.arb_series):
        coeffs: list = [*x.coeffs(), flint.arb(0)]        # (a zero series has no coefficients)
        return flint.arb_series([coeffs[0].nonnegative_part(), *coeffs[1:]], prec=2).sqrt()
    return x.nonnegative_part().sqrt()


def _sup_smooth(f: Callable, lo, hi, floor=None):
    """An upper bound (an exact arb) of f over [lo, hi] (arb points), by ball evaluation.

    f and f' are enclosed on the interval's ball (f of an arb_series of length 2). Where f' has
    one sign the bound is f at the end it rises to; elsewhere it is the least of f's enclosure and the
    mean-value bound f(mid) + sup|f'|·(hi − lo)/2, and the interval is halved while that exceeds
    the largest value seen (or ``floor``, below which the caller does not need the sup) by more
    than :data:`_SUP_TOLERANCE`. Rigorous whatever the tolerance: every point of [lo, hi] lies in
    a piece whose bound is taken."""
    import flint

    def over(a, b):           # (f, f') on the ball; trailing zero coefficients are left out
        coeffs = [*f(flint.arb_series([a.union(b), 1], prec=2)).coeffs(), flint.arb(0), flint.arb(0)]
        return coeffs[0], coeffs[1]

    best = max(f(lo).lower(), f(hi).lower(), *([floor] if floor is not None else []))
    bound, pieces, stack = None, 0, [(lo, hi)]
    while stack:
        a, b = stack.pop()
        pieces += 1
        value, slope = over(a, b)
        if slope.is_finite() and slope > 0:
            piece = f(b).upper()
        elif slope.is_finite() and slope < 0:
            piece = f(a).upper()
        else:
            mid = (a + b) / 2
            at_mid = f(mid)
            best = max(best, at_mid.lower())
            piece = value.upper() if value.is_finite() else flint.arb("inf")
            if slope.is_finite():
                piece = min(piece, (at_mid + slope.abs_upper() * (b - a) / 2).upper())
            if pieces < _SUP_PIECES and piece > best + _SUP_TOLERANCE:
                stack += [(a, mid), (mid, b)]
                continue
        bound = piece if bound is None else max(bound, piece)
    return bound


def sup_q(lo, hi, pi, floor=None):
    """An upper bound (exact arb) of q(φ) = (π − φ) sin φ over [lo, hi] (arb points), within
    2⁻⁴⁴ of the sup where that is above ``floor``."""
    return _sup_smooth(lambda x: _q(x, pi), lo, hi, floor)


def sup_h(lo, hi, pi, floor=None):
    """An upper bound (exact arb) of max(``floor``, h̃ over [lo, hi]) (arb points),
    h̃ = max(h, (π − φ)|cos φ|); within 2⁻⁴⁴ of it."""
    bound = floor
    for i in range(4):
        piece = _sup_smooth(lambda x, i=i: _h_pieces(x, pi)[i], lo, hi, bound)
        bound = piece if bound is None else max(bound, piece)
    return bound


# --- the exact teacher ------------------------------------------------------------------------

def _spurious_exists(k: int, r: float) -> bool:
    """a_sᵀa* < 0 ⟺ π(r − 1) < k − 1, decided exactly (π is irrational: no tie but r = k = 1)."""
    import flint
    if r <= 1:
        return k > 1
    threshold = Fraction(k - 1) / (Fraction(r) - 1)
    prec = 64
    while prec <= 1 << 16:
        with ArbArith(prec).precision():
            pi, bound = flint.arb.pi(), flint.arb(threshold.numerator) / threshold.denominator
            if pi < bound:
                return True
            if pi > bound:
                return False
        prec *= 2
    raise ArithmeticError("π against a rational was not decided at 65536 bits")  # pragma: no cover


class _Cells(NamedTuple):
    """Cells [lo_j, hi_j] covering [0, π] (the last one [fl(π), π]), with rigorous bounds over
    each: min m (m is quasi-concave: at an edge), max |a(φ)ᵀa*| (monotone: at an edge), sup q
    and sup h̃, and the running maxima of the two sups from either end."""

    lo: np.ndarray          # floats
    hi: np.ndarray          # floats; the last, π, as ∞
    lo_arb: list
    hi_arb: list
    m_low: list             # exact arbs
    adot_up: list
    q_up: list
    h_up: list
    q_before: list          # max of q_up over the cells < j (0 for j = 0)
    h_before: list
    q_from: list            # max of q_up over the cells ≥ j
    h_from: list


@dataclass(frozen=True)
class _Problem:
    """The exact constants of (k, r, η) as arb balls; use inside ``ArbArith(prec).precision()``."""

    k: int
    r: float
    eta: float
    prec: int
    pi: Any
    s: Any                  # √r
    m_inverse: Any          # a*ᵀM⁻¹a* = (1 − r/d)/(π − 1), d = k + π − 1
    m_forward: Any          # a*ᵀMa* = π − 1 + r
    alpha: Any              # (k + π − 1)/(2π)
    tau: Any                # 2(1 − ε)/η
    eta_arb: Any
    spurious: bool
    spurious_loss: Any      # ℓ_s = m(π)
    saddle: tuple[float, float] | None      # floats with a(lo)ᵀa* > 0 > a(hi)ᵀa*
    top: Any
    cells: _Cells

    @classmethod
    def build(cls, k: int, r: float, eta: float, prec: int) -> _Problem:
        """The constants, φ_s bracketed, and the cells: the float table's
        (:func:`theory.decisions._cell_edges`, dense near 0, π and φ_s — ours within an ulp of
        its φ_s, so that its cells are ours and the bounds compare cell by cell)."""
        import flint
        ar = ArbArith(prec)
        pi, r_arb = flint.arb.pi(), ar.scalar(r)
        s, d = r_arb.sqrt(), k + pi - 1
        spurious = _spurious_exists(k, r)
        spurious_loss, _ = _profile(k, s, formulas.angle_from_delta(0.0, ar))
        saddle, top = None, spurious_loss
        if spurious:
            saddle = _saddle_bracket(k, s)
            ball = flint.arb(saddle[0]).union(flint.arb(saddle[1]))
            top, _ = _profile(k, s, formulas.Angle(ball, pi - ball))     # m(φ_s), φ_s in the ball
        eta_arb = ar.scalar(eta)
        split = (saddle[0] + saddle[1]) / 2 if saddle else math.pi
        return cls(k, r, eta, prec, pi, s, (1 - r_arb / d) / (pi - 1), pi - 1 + r_arb, d / (2 * pi),
                   2 * (1 - ar.scalar(DESCENT_MARGIN)) / eta_arb, eta_arb, spurious, spurious_loss, saddle, top,
                   _build_cells(k, s, decisions._cell_edges(split)))

    def profile(self, phi: float):
        """(m(φ), a(φ)ᵀa*) at the float φ, enclosed."""
        return _profile(self.k, self.s, _angle(phi))


def _angle(phi):
    """The Angle of φ (a float or an arb ball), δ = π − φ in arb."""
    import flint
    phi = phi if isinstance(phi, flint.arb) else flint.arb(phi)
    return formulas.Angle(phi, flint.arb.pi() - phi)


def _profile(k: int, s, angle: formulas.Angle):
    """(m(φ), a(φ)ᵀa*) of the teacher ‖w*‖ = ‖a*‖ = 1, 1ᵀa* = s, by the shared closed form
    :func:`theory.formulas.profile_from_scalars` in arb."""
    import flint
    one = flint.arb(1)
    return formulas.profile_from_scalars(ArbArith(flint.ctx.prec), angle=angle, k=k, c=one, s=s, astar_sq=one)


def _saddle_bracket(k: int, s) -> tuple[float, float]:
    """Floats lo < hi with a(lo)ᵀa* > 0 > a(hi)ᵀa*, so φ_s ∈ (lo, hi) (a(φ)ᵀa* decreases), by
    bisection over the floats of [0, fl(π)]."""
    def slope(phi: float):
        return _profile(k, s, _angle(phi))[1]

    lo, hi = 0.0, math.pi
    if not slope(hi) < 0:
        raise ArithmeticError("a(φ)ᵀa* is not provably < 0 at fl(π): the saddle is within an ulp of π")
    while True:
        mid = lo + (hi - lo) / 2
        if not lo < mid < hi:
            return lo, hi
        at_mid = slope(mid)
        if at_mid > 0:
            lo = mid
        elif at_mid < 0:
            hi = mid
        else:       # the ball holds 0: step outwards from mid until each sign is certain
            lo, hi = mid, mid
            while not slope(lo) > 0:
                lo = math.nextafter(lo, -math.inf)
            while not slope(hi) < 0:
                hi = math.nextafter(hi, math.inf)
            return lo, hi


def _build_cells(k: int, s, edges: np.ndarray) -> _Cells:
    import flint
    pi = flint.arb.pi()
    lo_arb = [flint.arb(float(e)) for e in edges]
    hi_arb = [*lo_arb[1:], pi]
    ends = [_profile(k, s, _angle(x)) for x in lo_arb] + [_profile(k, s, formulas.Angle(pi, flint.arb(0)))]
    m_low, adot_up, q_up, h_up = [], [], [], []
    for j in range(len(edges)):
        (m_a, adot_a), (m_b, adot_b) = ends[j], ends[j + 1]
        m_low.append(min(m_a.lower(), m_b.lower()))
        adot_up.append(max(abs(adot_a).upper(), abs(adot_b).upper()))
        q_up.append(sup_q(lo_arb[j], hi_arb[j], pi))
        h_up.append(sup_h(lo_arb[j], hi_arb[j], pi))

    def before(values):            # max of values[:j], for each j (q, h̃ ≥ 0)
        out, best = [], flint.arb(0)
        for value in values:
            out.append(best)
            best = max(best, value)
        return out

    def from_(values):             # max of values[j:], for each j
        return [max(later, value) for later, value in zip(before(values[::-1]), values[::-1], strict=True)][::-1]

    return _Cells(np.asarray(edges, float), np.append(edges[1:], math.inf), lo_arb, hi_arb, m_low, adot_up, q_up,
                  h_up, before(q_up), before(h_up), from_(q_up), from_(h_up))


def _sups_up_to(problem: _Problem, end: float):
    """(sup q, sup h̃) over [0, min(end, π)]: whole cells from the running maxima, the last one
    in part."""
    import flint
    cells, pi = problem.cells, problem.pi
    if end >= cells.lo[-1]:
        return max(cells.q_before[-1], cells.q_up[-1]), max(cells.h_before[-1], cells.h_up[-1])
    j = int(np.searchsorted(cells.lo, end, side="right")) - 1
    lo, hi = cells.lo_arb[j], flint.arb(end)
    return (max(cells.q_before[j], sup_q(lo, hi, pi, cells.q_before[j])),
            sup_h(lo, hi, pi, cells.h_before[j]))


def _sups_from(problem: _Problem, start: float):
    """(sup q, sup h̃) over [max(start, 0), π]."""
    import flint
    cells, pi = problem.cells, problem.pi
    if start <= 0:
        return cells.q_from[0], cells.h_from[0]
    j = int(np.searchsorted(cells.lo, start, side="right")) - 1
    lo, hi = flint.arb(start), cells.hi_arb[j]
    zero = flint.arb(0)
    later_q, later_h = (cells.q_from[j + 1], cells.h_from[j + 1]) if j + 1 < len(cells.q_from) else (zero, zero)
    return max(later_q, sup_q(lo, hi, pi, later_q)), sup_h(lo, hi, pi, later_h)


# --- one level --------------------------------------------------------------------------------

class _LevelBounds(NamedTuple):
    """What the proof of a level needs besides r², from its band and its cells (all arb balls)."""

    global_side: bool
    level: Any
    base: Any               # m ≥ base on the side: 0, or ℓ_s
    phi_edge: float
    far: float | None       # the band's far edge (None: the band reaches π)
    turn_radius: Any        # r² above it, no turn crosses the band (0 without a far edge)
    largest_turn: Any       # ≥ r²·tan θ for every state of the side
    largest_a: Any          # ≥ |aᵀa*| for every state of the side
    cells: int
    audit: tuple[str, str, str, str]     # edge_gap, far_gap, edge_slope, far_slope


def _level_bounds(problem: _Problem, side: str, level: float, phi_edge: float,
                  far_edge: float) -> _LevelBounds | str:
    """The band's conditions, then the turn's bounds cell by cell; a failure as a string."""
    import flint
    if not (math.isfinite(level) and 0 <= phi_edge <= math.pi):
        return "inputs: level must be finite and phi_edge in [0, π]"
    pi, cells, global_side = problem.pi, problem.cells, side == "global"
    L = flint.arb(level)
    if not global_side and not problem.spurious:
        return "side: no spurious minimum"
    base = flint.arb(0) if global_side else problem.spurious_loss
    if not base < L:
        return "level: not above the side's least loss (no state to trap)"

    # band: m > L on [φ_lo, φ_hi] ∋ φ_s
    m_edge, slope_edge = problem.profile(phi_edge)
    if not m_edge > L:
        return "band: m(phi_edge) > L not proved (the edge is not inside the band)"
    if not (slope_edge > 0 if global_side else slope_edge < 0):
        return "band: the sign of a(phi_edge)ᵀa* is not proved (the edge may lie past φ_s)"
    reaches_pi = global_side and (not problem.spurious or problem.spurious_loss > L)
    far = None if reaches_pi else far_edge
    far_gap = far_slope = ""
    if far is not None:
        if not (math.isfinite(far) and 0 <= far <= math.pi):
            return "band: a far edge in [0, π] is needed (the band does not reach π)"
        m_far, slope_far = problem.profile(far)
        if not m_far > L:
            return "band: m(far_edge) > L not proved"
        if not (slope_far < 0 if global_side else slope_far > 0):
            return "band: the sign of a(far_edge)ᵀa* is not proved"
        far_gap, far_slope = _audit(m_far - L), _audit(slope_far)

    # turn: cell by cell; a state of cell j lies at or before ``reach`` (towards the band)
    rate, spread = problem.eta_arb / (2 * pi), 4 * pi * problem.m_inverse
    meeting = np.flatnonzero(cells.lo < phi_edge if global_side else cells.hi > phi_edge)
    largest_turn, largest_a, turn_radius, used = flint.arb(0), flint.arb(0), flint.arb(0), 0
    for j in meeting:
        if cells.m_low[j] > L:           # m > L on the whole cell: no state there
            continue
        used += 1
        a_bound = (cells.adot_up[j] + (spread * (L - cells.m_low[j]).nonnegative_part()).sqrt()).upper()
        turn = (rate * a_bound * cells.q_up[j]).upper()          # ≥ r²·tan θ of every state in the cell
        largest_turn, largest_a = max(largest_turn, turn), max(largest_a, a_bound)
        if far is not None:
            reach = flint.arb(min(cells.hi[j], phi_edge) if global_side else max(cells.lo[j], phi_edge))
            room = flint.arb(far) - reach if global_side else reach - flint.arb(far)
            if not room > 0:
                return f"turn: cell {j} reaches the far edge"
            turn_radius = max(turn_radius, (turn / room).upper())
    if used == 0:
        return "turn: no cell of the side holds a state"
    return _LevelBounds(global_side, L, base, phi_edge, far, turn_radius, largest_turn, largest_a, used,
                        (_audit(m_edge - L), far_gap, _audit(slope_edge), far_slope))


def _descent_radius(problem: _Problem, bounds: _LevelBounds, r2):
    """f(R) = G/τ + B²/(τ(τ − α)) with γ = G/R and β = B/√R bounding the curvature on every
    step's segment from states with r² ≥ R: there Λ < τ ⟺ R > f(R) (given τ > α). The segment's
    angles lie within the side's largest turn (and short of the far edge)."""
    import flint
    pi = problem.pi
    reach = bounds.largest_turn / r2
    if bounds.global_side:
        end = float_above(flint.arb(bounds.phi_edge) + reach)
        q_bar, h_bar = _sups_up_to(problem, end if bounds.far is None else min(end, bounds.far))
    else:
        assert bounds.far is not None
        q_bar, h_bar = _sups_from(problem, max(float_below(flint.arb(bounds.phi_edge) - reach), bounds.far))
    a_segment = bounds.largest_a + problem.eta_arb * ((bounds.level - bounds.base) * problem.m_forward / pi).sqrt()
    tau, alpha = problem.tau, problem.alpha
    return a_segment * h_bar / (2 * pi * tau) + q_bar * q_bar / (4 * pi * pi * tau * (tau - alpha))


def _fail(reason: str) -> LevelCheck:
    return LevelCheck(False, reason, None)


def _verify(problem: _Problem, side: str, level: float, phi_edge: float, far_edge: float,
            r2_min: float) -> LevelCheck:
    """The lemma's conditions for one level (module docstring): its proof, or the first failure."""
    import flint
    if not (math.isfinite(r2_min) and r2_min > 0):
        return _fail("inputs: r2_min must be finite and > 0")
    bounds = _level_bounds(problem, side, level, phi_edge, far_edge)
    if isinstance(bounds, str):
        return _fail(bounds)
    r2 = flint.arb(r2_min)
    if not problem.tau > problem.alpha:
        return _fail("descent: ηα < 2(1 − ε) not proved (the output layer's step is at its stability limit)")
    if not r2 > bounds.turn_radius:
        return _fail("turn: a state at r2_min may turn across the band")
    descent_radius = _descent_radius(problem, bounds, r2)
    if not r2 > descent_radius:
        return _fail("descent: ηΛ < 2(1 − ε) not proved at r2_min")
    edge_gap, far_gap, edge_slope, far_slope = bounds.audit
    turn_margin = _audit(1 - bounds.turn_radius / r2) if bounds.far is not None else ""
    return LevelCheck(True, "", LevelProof(edge_gap, far_gap, edge_slope, far_slope, turn_margin,
                                           _audit(1 - descent_radius / r2), bounds.cells))


def _least_radius(problem: _Problem, side: str, level: float, phi_edge: float, far_edge: float,
                  r2_min: float) -> float:
    """A proved r² ≤ ``r2_min`` (a proved one) within about 2⁻¹⁰ of the least the bounds allow.

    R is valid when R > max(turn radius, f(R)) (:func:`_descent_radius`), and f falls as R grows:
    the least valid R* lies in [max(turn radius, f(r2_min)), r2_min]. Bisection in log R keeps
    that bracket, also lowering its top to f(R) of an invalid R (then f(R) ≥ R* and f(f(R)) ≤ f(R)),
    then the top, raised by 2⁻²⁰, is verified; ``r2_min`` itself where that fails."""
    import flint
    bounds = _level_bounds(problem, side, level, phi_edge, far_edge)
    if isinstance(bounds, str) or not problem.tau > problem.alpha:
        return r2_min

    def needed(radius):
        return max(bounds.turn_radius, _descent_radius(problem, bounds, radius).upper())

    top = flint.arb(r2_min)
    bottom = needed(top)
    for _ in range(_TIGHTENING_STEPS):
        if not top > bottom * (1 + flint.arb(2) ** -10):
            break
        middle = (bottom * top).sqrt().upper()
        at_middle = needed(middle)
        if at_middle < middle:
            top = middle
        else:
            bottom, top = middle, min(top, at_middle)
    candidate = float_above(top * (1 + flint.arb(2) ** -20))
    if candidate < r2_min and _verify(problem, side, level, phi_edge, far_edge, candidate).proved:
        return candidate
    return r2_min


_TIGHTENING_STEPS = 12


# --- the public entry points ------------------------------------------------------------------

def _checked(k, r, eta, prec) -> tuple[int, float, float, int]:
    """(k, r, η, prec) validated, or one ValueError line."""
    k = validation.positive_int(k, "k")
    r = float(validation.real(r, "r"))
    if not 0 <= r <= k:
        raise ValueError(f"r = (1ᵀa*)²/‖a*‖² must lie in [0, k] (Cauchy–Schwarz), got r = {r!r} for k = {k}")
    if k == 1 and r != 1:
        raise ValueError(f"for k = 1, r = (1ᵀa*)²/‖a*‖² is 1, got {r!r}")
    eta = float(validation.positive_real(eta, "eta"))
    prec = validation.positive_int(prec, "prec")
    if not 64 <= prec <= 1 << 14:
        raise ValueError(f"prec must be an integer in [64, 16384] (bits), got {prec}")
    return k, r, eta, prec


def _stability(k: int, eta: float, prec: int) -> None:
    """ValueError unless ηα < 2(1 − ε) is proved: at or past the output layer's stability limit
    2/α nothing is trapped (1ᵀa does not contract), and within a factor 1 − ε of it no uniform
    margin of descent proves convergence."""
    import flint
    with ArbArith(prec).precision():
        pi = flint.arb.pi()
        excess = flint.arb(eta) * (k + pi - 1) / (2 * pi) - 2 * (1 - flint.arb(DESCENT_MARGIN))
        if not excess < 0:
            limit = float(4 * pi / (k + pi - 1))
            raise ValueError(f"eta = {eta!r} is not below (1 − {DESCENT_MARGIN:g}) × the output layer's stability "
                             f"limit 2/α = {limit:.17g} (k = {k}): no state is provably trapped")


@functools.lru_cache(maxsize=16)
def _float_table(k: int, r: float, eta: float) -> decisions.DecisionTable:
    """The float64 decision table of the canonical teacher of (k, r) with ‖w*‖ = 1 (in these units
    it does not depend on κ): candidates, nothing more."""
    return decisions.DecisionTable.for_run(invariants.canonical_teacher(k, r, 1.0), eta)


@functools.lru_cache(maxsize=16)
def _cached_problem(k: int, r: float, eta: float, prec: int) -> _Problem:
    """Call inside ``ArbArith(prec).precision()``."""
    return _Problem.build(k, r, eta, prec)


def check_level(k: int, r: float, eta: float, side: str, level: float, phi_edge: float, far_edge: float,
                r2_min: float, prec: int = DEFAULT_PREC) -> LevelCheck:
    """Verify one candidate level of the trap of (k, r, η) in arb (module docstring): ``proved``
    with the enclosures that prove it, or the first condition that failed. ``far_edge`` is the
    band's other edge (ignored, and may be ∞, where the band reaches φ = π). η is not compared
    with the stability limit here: the descent condition fails past it."""
    k, r, eta, prec = _checked(k, r, eta, prec)
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}, got {side!r}")
    numbers = [float(validation.real(x, name)) if not (isinstance(x, float) and math.isinf(x)) else x
               for x, name in ((level, "level"), (phi_edge, "phi_edge"), (far_edge, "far_edge"), (r2_min, "r2_min"))]
    with ArbArith(prec).precision():
        return _verify(_cached_problem(k, r, eta, prec), side, *numbers)


def _nudged(side: str, own: float, far: float, r2: float, attempt: int) -> tuple[float, float, float]:
    """(phi_edge, far_edge, r2_min) of a float candidate, moved conservatively: both edges into the
    band (global side: φ_lo up, φ_hi down; spurious side: the reverse) and r² up."""
    edge_step, factor = _NUDGES[attempt]
    width = abs(far - own) if math.isfinite(far) else 0.0

    def inward(x: float, up: bool) -> float:
        step = max(4 * math.ulp(x), edge_step * width) if attempt else edge_step * math.ulp(x)
        return min(x + step, math.pi) if up else max(x - step, 0.0)

    up = side == "global"
    return (inward(own, up), inward(far, not up) if math.isfinite(far) else math.inf,
            math.nextafter(r2 * (1 + factor), math.inf))


def _certify_side(problem: _Problem, table: decisions.DecisionTable, side: str, stride: int,
                  tighten: bool) -> TrapSide:
    """The float table's levels of one side (every stride-th), verified (module docstring), their
    radii lowered towards the least the proof allows if ``tighten``."""
    offset, own_column = (0, 0) if side == "global" else (decisions.LEVELS, 1)
    rows = offset + np.arange(0, decisions.LEVELS, stride)
    rows = rows[np.isfinite(table.r2_min[rows])] if side == "global" or problem.spurious else rows[:0]
    kept: list[tuple[float, float, float, float, LevelProof]] = []
    retried, failures = 0, dict[str, int]()
    for row in rows:
        level, own = float(table.levels[row]), float(table.band[row, own_column])
        far, r2 = float(table.band[row, 1 - own_column]), float(table.r2_min[row])
        for attempt in range(len(_NUDGES)):
            phi_edge, far_edge, r2_min = _nudged(side, own, far, r2, attempt)
            verdict = _verify(problem, side, level, phi_edge, far_edge, r2_min)
            if verdict.proof is not None and tighten:
                least = _least_radius(problem, side, level, phi_edge, far_edge, r2_min)
                if least < r2_min:
                    r2_min, verdict = least, _verify(problem, side, level, phi_edge, far_edge, least)
            if verdict.proof is not None:
                reaches_pi = not verdict.proof.far_gap
                kept.append((level, phi_edge, math.inf if reaches_pi else far_edge, r2_min, verdict.proof))
                retried += attempt > 0
                break
        else:
            failures[verdict.failure] = failures.get(verdict.failure, 0) + 1
    kept.sort(key=lambda row: row[0])
    levels, edges, far_edges, radii = (_frozen([row[i] for row in kept]) for i in range(4))
    return TrapSide(side, levels, edges, far_edges, radii, tuple(row[4] for row in kept), int(rows.size),
                    retried, sum(failures.values()), tuple(sorted(failures.items())))


def _frozen(values: list) -> np.ndarray:
    out = np.array(values, dtype=np.float64)
    out.setflags(write=False)
    return out


def certified_trap(k: int, r: float, eta: float, prec: int = DEFAULT_PREC, stride: int = 1,
                   tighten: bool = False) -> CertifiedTrap:
    """The proved trap of the invariant teacher (k, r) — ‖w*‖ = ‖a*‖ = 1, 1ᵀa* = √r — at step η
    (module docstring; units of (‖w*‖‖a*‖)²), cached per argument tuple in the process.

    ``stride`` keeps every stride-th level of the float table (1: all of its 501 per side; about
    a second in all). ``tighten``: lower each radius from the float table's towards the least
    the proof allows (one more verification per level; the float table's spurious side bounds
    ℓ − m(φ) by L rather than L − ℓ_s, and its radii there are up to several times larger).
    Without a spurious minimum (r ≥ r_b = (k + π − 1)/π) only the global side has levels, up to
    ℓ_s. ValueError for bad input, and for η not below (1 − ε) × the output layer's stability
    limit 2/α, α = (k + π − 1)/(2π), where nothing is provably trapped.
    """
    k, r, eta, prec = _checked(k, r, eta, prec)
    stride = validation.positive_int(stride, "stride")
    if not isinstance(tighten, bool):
        raise ValueError(f"tighten must be True or False, got {tighten!r}")
    _stability(k, eta, prec)
    return _certified_trap(k, r, eta, prec, stride, tighten)


@functools.lru_cache(maxsize=32)
def _certified_trap(k: int, r: float, eta: float, prec: int, stride: int, tighten: bool) -> CertifiedTrap:
    start = time.perf_counter()
    table = _float_table(k, r, eta)
    with ArbArith(prec).precision():
        problem = _cached_problem(k, r, eta, prec)
        global_side, spurious = (_certify_side(problem, table, side, stride, tighten) for side in SIDES)
        return CertifiedTrap(k, r, eta, problem.spurious, enclosure(problem.top), enclosure(problem.spurious_loss),
                             Enclosure(*problem.saddle) if problem.saddle else None, global_side, spurious, prec,
                             stride, tighten, DESCENT_MARGIN, time.perf_counter() - start)
