"""Rigorous statements about a teacher, proved with exact rationals and arb ball arithmetic.

Float64 teacher entries are exact dyadic rationals, so s = 1ᵀa* and ‖a*‖² are exact
rationals (python-flint ``fmpq``). The spurious-minimum condition π s² < (k + π − 1)‖a*‖²
compares them through π, which is irrational: it is therefore never an exact tie except in
the rational case s² = ‖a*‖², and an arb enclosure of π at enough bits always decides it.

:func:`enclosure` proves bounds on the probabilities of GD's outcomes themselves, from the
paper's initialization: the law's mass of the starts proved to converge to each minimum
(:mod:`theory.basins`, docs/mathematics.md#the-prover).
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass
from typing import NamedTuple

import numpy as np

from theory import formulas
from theory.arith import ArbArith
from theory.teacher import Teacher

__all__ = [
    "MAX_PREC",
    "CellCounts",
    "OutcomeEnclosure",
    "SpuriousCertificate",
    "certify_spurious",
    "enclosure",
    "exact_sums",
    "spurious_condition",
]

MAX_PREC = 1 << 16


def _fmpq(x: float):
    import flint
    num, den = float(x).as_integer_ratio()
    return flint.fmpq(num, den)


def exact_sums(teacher: Teacher):
    """(s, ‖a*‖²) as exact rationals."""
    entries = [_fmpq(x) for x in teacher.a_star]
    return sum(entries), sum(e * e for e in entries)


def _clear_in_float64(teacher: Teacher) -> bool | None:
    """The condition's answer when float64 already settles it, else None.

    First with numpy's sums (any summation order: |fl(Σ) − Σ| ≤ γ_k·Σ|terms|, γ_k = ku/(1 − ku),
    u = 2⁻⁵³, products included for ‖a*‖²), which costs milliseconds at k = 10⁶, then with
    math.fsum, which is correctly rounded, so s and ‖a*‖² (a sum of rounded squares) carry
    relative errors below 2ε; with the final products and differences, the error of
    (k + π − 1)‖a*‖² − π s² stays below 8ε((k + π)‖a*‖² + π s²).
    """
    a, k = teacher.a_star, teacher.k
    gamma = k * 2.0 ** -53 / (1 - k * 2.0 ** -53)
    s, a_sq, abs_sum = float(a.sum()), float(a @ a), float(np.abs(a).sum())
    s_error = 2 * gamma * abs_sum                       # twice the bound: Σ|a| is itself rounded
    squares_error = s_error * (2 * abs(s) + s_error)    # of s², from |ŝ² − s²| ≤ e(2|ŝ| + e)
    room = (k + math.pi - 1) * a_sq - math.pi * s * s
    error = (2 * gamma * (k + math.pi) * a_sq + math.pi * squares_error
             + 8 * 2.0 ** -52 * ((k + math.pi) * a_sq + math.pi * s * s))
    if abs(room) > 2 * error:
        return room > 0
    s, a_sq = math.fsum(teacher.a_star), math.fsum(teacher.a_star * teacher.a_star)
    room = (teacher.k + math.pi - 1) * a_sq - math.pi * s * s
    if abs(room) > 8 * 2.0 ** -52 * ((teacher.k + math.pi) * a_sq + math.pi * s * s):
        return room > 0
    return None


@functools.lru_cache(maxsize=1024)   # teachers are immutable (and hash in O(1) after the first time)
def spurious_condition(teacher: Teacher) -> bool:
    """Decide π s² < (k + π − 1)‖a*‖² exactly, i.e. π (s² − ‖a*‖²) < (k − 1)‖a*‖²: in float64
    with a rigorous error bound where that settles it (any k, fast), else in exact rationals."""
    import flint
    clear = _clear_in_float64(teacher)
    if clear is not None:
        return clear
    s, a_sq = exact_sums(teacher)
    excess, room = s * s - a_sq, (teacher.k - 1) * a_sq
    if excess == 0:            # rational tie on the π side: decided by k alone (k = 1 → equality)
        return room > 0
    if excess < 0:             # left side negative, right side ≥ 0
        return True
    threshold = room / excess  # condition ⟺ π < threshold (a rational ≠ π)
    prec = 64
    while prec <= MAX_PREC:
        with _precision(prec):
            pi, q = flint.arb.pi(), flint.arb(threshold)
            if pi < q:
                return True
            if pi > q:
                return False
        prec *= 2
    raise ArithmeticError("π against a rational was not decided at 65536 bits (cannot happen for "
                          "float64 inputs)")


def _precision(prec: int):
    return ArbArith(prec).precision()


@dataclass(frozen=True)
class SpuriousCertificate:
    """Arb enclosures (as strings) and the signs they prove; ``None`` where a ball contains 0."""

    a_s_dot_a_star: str
    loss_gap: str
    a_s_dot_sign: int | None
    loss_gap_sign: int | None
    prec: int

    @property
    def proves_local_minimum(self) -> bool:
        """a_sᵀa* < 0 (with the m'(φ) identity) proves the spurious point is a local minimum."""
        return self.a_s_dot_sign == -1


def _sign(ball) -> int | None:
    if ball > 0:
        return 1
    if ball < 0:
        return -1
    return None


def certify_spurious(teacher: Teacher, prec: int = 256) -> SpuriousCertificate:
    """Enclose a_sᵀa* and ℓ(spurious) − ℓ(global) with arb, from the shared closed forms.

    Both are evaluated by the same :mod:`theory.formulas` code as the float64 and mpmath
    paths (:func:`formulas.optimal_a`, :func:`formulas.loss_from_scalars`), so the
    certificate is about the implemented formulas, not a hand copy.
    """
    ar = ArbArith(prec)
    with ar.precision():
        w_star, a_star = ar.vector(teacher.w_star), ar.vector(teacher.a_star)
        c, s, a_sq = formulas.norm(w_star, ar), a_star.sum(), a_star @ a_star
        at_pi, at_zero = formulas.angle_from_delta(0, ar), formulas.angle_from_phi(0, ar)

        def loss_at(angle):
            a = formulas.optimal_a(ar, angle=angle, a_star=a_star, c=c, s=s)
            return formulas.loss_from_scalars(ar, angle=angle, a_sq=a @ a, a_sum=a.sum(),
                                              a_dot=a @ a_star, c=c, s=s, astar_sq=a_sq), a

        spurious_value, a_s = loss_at(at_pi)
        global_value, _ = loss_at(at_zero)
        a_s_dot = a_s @ a_star
        gap = spurious_value - global_value
        return SpuriousCertificate(a_s_dot.str(20, radius=True), gap.str(20, radius=True),
                                   _sign(a_s_dot), _sign(gap), prec)


# --- the outcome's law, proved -------------------------------------------------------------------------

class CellCounts(NamedTuple):
    """How an enclosure's cells ended: proved global, proved spurious, split (of which
    ``restarted`` started afresh from step 0), and unresolved (waiting, or too small to split)."""

    proved_global: int
    proved_spurious: int
    split: int
    restarted: int
    unresolved: int


@dataclass(frozen=True)
class OutcomeEnclosure:
    """Proved bounds on the probabilities that GD from the paper's initialization (‖v₀‖ = 1)
    converges to the global and to the spurious minimum, for invariants (k, r, κ), patch size p
    (math.inf: φ₀ = π/2) and the step η = ``eta_fraction`` × the stability limit:

        global_low ≤ P(global) ≤ global_high,     spurious_low ≤ P(spurious) ≤ spurious_high.

    A theorem (docs/mathematics.md#the-prover) under the assumptions stated there: IEEE-754
    binary64 with round-to-nearest, the interval code compiled without fast-math, vector_math's
    proved atan2 bound, and python-flint's arb. ``unresolved`` is the law's mass of the cells
    proved neither way (an upper bound); the widths of both enclosures are at most it.
    ``stopped`` says why the work ended: "width" (unresolved ≤ the requested ``width``), "time"
    (the budget of seconds was spent), "exhausted" (no cell left that could be split) or "exact"
    (answered without cells, ``note`` says why). ``steps``: steps of the set-valued iteration,
    summed over cells."""

    k: int
    r: float
    kappa: float
    p: float
    eta: float
    eta_fraction: float
    width: float
    global_low: float
    global_high: float
    spurious_low: float
    spurious_high: float
    unresolved: float
    cells: CellCounts
    steps: int
    seconds: float
    stopped: str
    note: str = ""

    @property
    def global_width(self) -> float:
        return self.global_high - self.global_low

    @property
    def spurious_width(self) -> float:
        return self.spurious_high - self.spurious_low

    def contains(self, outcome: str, probability: float) -> bool:
        """Whether ``probability`` lies in the enclosure of ``outcome`` ("global" or "spurious")."""
        if outcome not in ("global", "spurious"):
            raise ValueError(f"outcome must be 'global' or 'spurious', got {outcome!r}")
        low, high = (self.global_low, self.global_high) if outcome == "global" else \
            (self.spurious_low, self.spurious_high)
        return low <= probability <= high

    @classmethod
    def of_map(cls, found) -> OutcomeEnclosure:
        """The enclosure a :class:`theory.basins.BasinMap` proves (its masses summed in arb)."""
        from theory import basins
        totals = found.totals()
        spurious_cells = int((found.sides == basins.SPURIOUS).sum())
        counts = CellCounts(len(found.sides) - spurious_cells, spurious_cells, found.splits, found.restarts,
                            len(found.unresolved))
        note = "" if found.trap.has_spurious_minimum else "r ≥ r_b: no spurious minimum"
        return cls(found.k, found.r, found.kappa, found.p, found.eta, found.eta_fraction, found.width,
                   totals.global_low, totals.global_high, totals.spurious_low, totals.spurious_high, totals.unresolved,
                   counts, found.cell_steps, found.seconds, found.stopped, note)

    def to_json(self) -> dict:
        out = asdict(self)
        out["p"] = "inf" if self.p == math.inf else self.p
        out["cells"] = self.cells._asdict()
        return out


def enclosure(k: int, r: float, kappa: float, p: float = math.inf, eta_fraction: float = 0.25, width: float = 1e-3,
              seconds: float = 120.0, **options) -> OutcomeEnclosure:
    """Prove bounds on P(global) and P(spurious) for GD from the paper's initialization
    (:class:`OutcomeEnclosure`): the law's mass of starts proved to converge to each minimum, cell
    by cell (:func:`theory.basins.map_basins`), until the unresolved mass is at most ``width`` or
    ``seconds`` have passed. ``options`` go to :func:`theory.basins.map_basins` (``settings``,
    and the planted faults ``fault`` and ``trap`` of the tests).

    With r = 0 at p = ∞ the paper's ball is the point a₀ = 0, and (v₀, 0) with φ₀ = π/2 is a
    critical point on the saddle cone (∂ℓ/∂a = −c((g − 1)a* + (1ᵀa*)1)/(2π) = 0 as g(π/2) = 1 and
    1ᵀa* = 0; ∂ℓ/∂v = 0 as aᵀa* = 0): GD never moves, and reaches neither minimum — the exact
    enclosure [0, 0] for both, with nothing unresolved. Without a spurious minimum (r ≥ r_b),
    P(spurious) = 0 is proved when every cell is proved global. ValueError for bad input (k < 2,
    p < 2, r outside [0, k], κ outside [1e-100, 1e100], width not in (0, 1), η past the output
    layer's stability limit)."""
    from theory import basins, invariants
    k, r, kappa, p, eta_fraction, width, seconds = basins._checked(k, r, kappa, p, eta_fraction, width, seconds)
    eta = eta_fraction * invariants.stability_limit(k, kappa)
    if r == 0 and p == math.inf:
        return OutcomeEnclosure(k, r, kappa, p, eta, eta_fraction, width, 0.0, 0.0, 0.0, 0.0, 0.0,
                                CellCounts(0, 0, 0, 0, 0), 0, 0.0, "exact",
                                "r = 0 at p = ∞: a₀ = 0 and φ₀ = π/2 is a critical point on the saddle cone "
                                "(∂ℓ/∂a = 0 as g(π/2) = 1 and 1ᵀa* = 0; ∂ℓ/∂v = 0 as aᵀa* = 0): GD stays there")
    return OutcomeEnclosure.of_map(basins.map_basins(k, r, kappa, p, eta_fraction, width, seconds, **options))
