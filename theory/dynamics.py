"""Gradient descent with weight normalization on the population loss, batched over trajectories.

Two engines that must agree (tests/unit/test_dynamics.py checks it to ~1e-12 over hundreds of steps):

* the **reduced** engine (default, :mod:`theory.reduced_gd`): population GD stays in the plane
  span{v₀, w*} and a in span{a*, 1} plus a shrinking residual, so each trajectory costs O(1) per
  step whatever k and p are; a compiled numba kernel (parallel over trajectories) and a
  vectorized numpy loop share one step function;
* the **full** engine (:mod:`theory.full_gd`): plain full-dimensional batched numpy GD.

Outcomes (:data:`OUTCOMES`): a run is ``global`` or ``spurious`` from the first step at which it
provably cannot leave that minimum's basin any more, whatever its loss did before (the argument,
made for discrete steps, is in :mod:`theory.decisions`); ``diverged`` once its output layer
provably grows without bound (or its state leaves float64); ``undecided`` otherwise. Every η > 0
is accepted. Below the a-block's stability limit η < 4π/(k + π − 1) every run that converges
with a margin of stability is decided; above it the output layer's 1-direction is expanded by
|1 − η(k + π − 1)/(2π)| > 1 each step, so runs diverge (and are reported so) unless that
direction is never excited. :func:`default_eta` is a conservative ¼ of the stability limit at
the global minimum for ‖v‖ = 1.

A trajectory converging to the spurious minimum is decided long before π − φ_t (which shrinks
like 1/t) is small, so slow convergence is not mistaken for failure.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass, field

import numpy as np

from theory import decisions, full_gd, initialization, reduced_gd, validation
from theory.teacher import Teacher
from theory.validation import row_norms

__all__ = [
    "DEFAULT_MAX_STEPS",
    "FLOAT64_BELOW",
    "MAX_A_NORM",
    "MAX_ETA_MULTIPLE",
    "MAX_KAPPA",
    "MAX_LOSS_TERM",
    "OUTCOMES",
    "RECORDABLE",
    "ROUNDING_TURN",
    "Embedding",
    "GDResult",
    "batch_counts",
    "checked_eta",
    "continued_runs",
    "decision_table",
    "default_eta",
    "outcome_counts",
    "random_init",
    "reduced_plane",
    "reduced_runs",
    "run_gd",
    "start_batch",
]

OUTCOMES = tuple(outcome.label for outcome in decisions.Outcome)   # by code: "undecided", "global", …
SCHEMES = initialization.SCHEMES
RECORDABLE = ("phi", "a_dot", "a_sum", "v_norm", "loss")


def _check_scheme(scheme: str) -> None:
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")


def _check_record(record) -> tuple[str, ...]:
    return validation.names(record, "record", RECORDABLE)


# --- initialization -----------------------------------------------------------------------

paper_radius = initialization.paper_radius


def random_init(teacher: Teacher, n: int, rng: np.random.Generator, scheme: str = "paper",
                v0_norm: float = initialization.DEFAULT_V0_NORM):
    """(V0, A0) of shapes (n, p), (n, k); v₀ uniform on the sphere of radius ``v0_norm`` (1 by
    default: our reconstruction of the paper's "uniformly on a sphere", which names no radius;
    the outcome law depends on it through κ, see :mod:`theory.invariants`). Schemes for a₀:

    * ``paper``: uniform in the ball of radius |1ᵀa*|‖w*‖/√k (so |1ᵀa₀| ≤ |1ᵀa*|‖w*‖);
    * ``gaussian``: N(0, σ²I) with σ = ‖w*‖‖a*‖/√k (never degenerate);
    * ``zero-a``: a₀ = 0 (what the paper's scheme gives when 1ᵀa* = 0).
    """
    validation.teacher(teacher)
    n = validation.positive_int(n, "n")
    validation.generator(rng)
    _check_scheme(scheme)
    v0_norm = initialization.sphere_radius(v0_norm)
    k, p = teacher.k, teacher.p
    validation.fits_in_memory(8.0 * n * (p + k) * 2, f"random_init of n = {n:,} rows of p + k = {p + k:,} entries")
    v0 = rng.standard_normal((n, p))
    v0 *= v0_norm / np.linalg.norm(v0, axis=1, keepdims=True)
    if scheme == "paper":
        direction = rng.standard_normal((n, k))
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        a0 = paper_radius(teacher) * direction * rng.random((n, 1)) ** (1.0 / k)
    elif scheme == "gaussian":
        a0 = rng.standard_normal((n, k)) * initialization.gaussian_scale(teacher)
    else:
        a0 = np.zeros((n, k))
    return v0, a0


MAX_ETA_MULTIPLE = 1e100   # of default_eta: beyond, GD's first steps leave float64 before divergence shows


def checked_eta(teacher: Teacher, eta, v0_norm: float = initialization.DEFAULT_V0_NORM) -> float:
    """A step size: positive, finite, and at most MAX_ETA_MULTIPLE × :func:`default_eta` (any η
    above 4× the default already diverges, and is reported so)."""
    eta = validation.positive_float(eta, "eta")
    limit = MAX_ETA_MULTIPLE * default_eta(teacher, v0_norm)
    if eta > limit:
        raise ValueError(f"eta must be at most {limit:.3g} (1e100 × the default step size) for this teacher, "
                         f"got {eta:g}")
    return eta


def default_eta(teacher: Teacher, v0_norm: float = initialization.DEFAULT_V0_NORM) -> float:
    """¼ of the stability limit 2/λ_max, with λ_max the largest Hessian eigenvalue at the global
    minimum for ‖v‖ = ‖v₀‖: max((k + π − 1)/(2π), κ/2), κ = ‖w*‖²‖a*‖²/‖v₀‖². ‖v‖ only grows, so
    the v-curvature only falls; the paper's own bound (an O(·) of cos φ₀) has no explicit
    constant. A function of (k, κ) alone, so teachers with equal invariants get equal steps."""
    v0_norm = initialization.sphere_radius(v0_norm)
    with np.errstate(over="ignore"):
        kappa = float((np.float64(teacher.w_norm) / v0_norm) ** 2 * teacher.a_sq)
    if not kappa <= MAX_KAPPA:   # the default step 1/κ would be subnormal or 0 (a ZeroDivisionError later)
        raise ValueError(f"κ = (‖w*‖‖a*‖/‖v₀‖)² = {kappa:.3g} must be at most {MAX_KAPPA:g} (the default step is "
                         f"≈ 1/κ): v0_norm = {v0_norm:g} is too short for this teacher, use at least "
                         f"{teacher.w_norm * math.sqrt(teacher.a_sq) / math.sqrt(MAX_KAPPA):.3g}")
    # κ/2 whatever p is (at p = 1 it bounds nothing, but the step stays a function of (k, κ))
    return 0.5 / max(decisions.teacher_curvatures(teacher, v0_norm, v_turns=True).eigenvalues)


MAX_KAPPA = 1e300   # κ = (‖w*‖‖a*‖/‖v₀‖)² at most this: the default step ≈ 1/κ stays a normal float64


# --- public entry point --------------------------------------------------------------------

@dataclass
class GDResult:
    """Final iterates, per-trajectory outcome and decision step, optional histories.

    The reduced engines expand V and A to full dimension when they are first read (runs read for
    their outcomes never pay for it); ``seconds`` is the run without that expansion.
    """

    V: np.ndarray
    A: np.ndarray
    outcome: np.ndarray            # strings from OUTCOMES
    decided_step: np.ndarray       # −1 where undecided
    ascents: np.ndarray            # steps whose loss rose (transients before the decision)
    late_ascents: np.ndarray       # … after the decision: 0 unless the decision argument failed
    eta: float
    steps: int
    engine: str
    seconds: float
    history: dict[str, np.ndarray] = field(default_factory=dict)   # each (steps + 1, n)
    # (Embedding, Batch) whose expansion gives V and A, until they are first read
    _unexpanded: tuple | None = field(default=None, repr=False, compare=False)

    def counts(self) -> dict[str, int]:
        return {name: int(np.sum(self.outcome == name)) for name in OUTCOMES}

    @classmethod
    def from_batch(cls, batch: reduced_gd.Batch, V, A, eta: float, steps: int, engine: str, started: float,
                   history: dict) -> GDResult:
        """The result of a batch run since ``started`` (time.perf_counter), with final iterates
        (V, A); decisions the batch withdraws (:meth:`theory.reduced_gd.Batch.withdrawn`) are
        reported undecided."""
        withdrawn = batch.withdrawn()
        outcome = np.where(withdrawn, decisions.Outcome.UNDECIDED, batch.outcome)
        decided = np.where(withdrawn, -1, batch.decided)
        return cls(V, A, np.array(OUTCOMES)[outcome], decided, batch.ascents, batch.late_ascents, eta, steps,
                   engine, time.perf_counter() - started, history)


def _final_iterate(name: str) -> property:
    """GDResult.V or .A: stored, or expanded from the reduced batch on first reading."""
    def read(result):
        state = result.__dict__
        if state.get("_unexpanded") is not None:
            embedding, batch = state["_unexpanded"]
            state["_V"], state["_A"] = embedding.expand(batch)
            state["_unexpanded"] = None
        return state["_" + name]

    def write(result, value):
        result.__dict__["_" + name] = value

    return property(read, write, doc=f"final {name} (n, {'p' if name == 'V' else 'k'})")


# Set after the class is made, so that the dataclass keeps V and A as plain init fields.
setattr(GDResult, "V", _final_iterate("V"))  # noqa: B010
setattr(GDResult, "A", _final_iterate("A"))  # noqa: B010


# --- what every engine can represent --------------------------------------------------------
#
# The three engines hold the same numbers in different coordinates, and an input is accepted only
# when all of them can run it to the same answer. Three things break that (issue 29):
#
# * overflow of the loss: it holds (π − 1)‖a‖² and (1ᵀa − c s)², with (1ᵀa)² ≤ k‖a‖². Past
#   float64 the numpy engines saw a NaN loss at step 0 ("diverged") while the kernel, which looks
#   up decisions only below the saddle's loss, ran on to "global" (a₀ = 10¹⁵⁵·(1, 1)); past 1e184
#   the reduced coordinates' own residual overflowed (A = NaN, "undecided"). So ‖a‖ stays at most
#   1e150/√k for every step a run takes (:func:`_output_layer_reach`): every term ≤ 1e300;
# * overflow of a v-step, of length η‖w*‖|aᵀa*|(π − φ) sin φ/(2π‖v‖) (≤ η‖w*‖|aᵀa*|/(2‖v‖)):
#   below 1e300 at the first step, and below float64's largest number at every later one, where
#   ‖v‖ has at least the length the first step gave it and |aᵀa*| is bounded by
#   :func:`_output_layer_reach` (a₀ = 10¹⁰⁰·(½, 1) ⟂ a*, ‖v₀‖ = 1e-250: the second step
#   overflowed, NaN "undecided" from the kernel);
# * rounding amplified by a short v₀: no engine holds a₀ᵀa* closer than ≈ (k + 2)ε‖a₀‖‖a*‖ nor
#   sin φ₀ closer than ≈ 2ε, and the first step turns v by about atan(step/‖v₀‖). When a₀ᵀa* or
#   sin φ₀ is 0 within rounding and ‖v₀‖ is short, that turn — and with it the outcome — is
#   rounding (a₀ = (5e9, 1e10) ⟂ a* = (1, −½), ‖v₀‖ = 1e-300: "global" from the reduced engines,
#   "spurious" from the full one). Such rows are refused when rounding alone can change the first
#   turn by more than ROUNDING_TURN — and v₀ on w*'s line within rounding where rounding alone can
#   turn v by more than that at a step: exact GD never turns v there (‖v₀‖ = 1e-20·‖w*‖, a₀ = 0:
#   "global" from the reduced engines, "spurious" from the full one).

MAX_LOSS_TERM = 1e300            # every term of the loss, and every v-step, stays below it
MAX_A_NORM = math.sqrt(MAX_LOSS_TERM)     # ‖a‖ ≤ MAX_A_NORM/√k
FLOAT64_BELOW = 1e308            # a later v-step's bound: float64 itself (‖v₀‖ = 1e-307 runs, tests/unit/test_simd.py)
ROUNDING_TURN = 1e-9             # rad: what rounding may change in the first step's turn
_DOT_ROUNDING = 4 * np.finfo(float).eps   # per term of aᵀa* (a dot product and the reduced basis)


def _validate_run(teacher, V0, A0, eta, steps, record):
    validation.teacher(teacher)
    V0, A0 = validation.numeric_array(V0, "V0"), validation.numeric_array(A0, "A0")
    if V0.ndim != 2 or V0.shape[1] != teacher.p:
        raise ValueError(f"V0 must have shape (n, p={teacher.p}), got {V0.shape}")
    if A0.ndim != 2 or A0.shape != (V0.shape[0], teacher.k):
        raise ValueError(f"A0 must have shape (n={V0.shape[0]}, k={teacher.k}), got {A0.shape}")
    if V0.shape[0] == 0:
        raise ValueError("V0 must hold at least one trajectory")
    if np.any(np.all(V0 == 0, axis=1)):
        raise ValueError("V0 must not contain a zero row (v = 0 has no direction)")
    norms = row_norms(V0)
    if np.any(norms < reduced_gd.MIN_V_NORM) or np.any(norms > 1e300):
        raise ValueError(f"rows of V0 must have norms in [{reduced_gd.MIN_V_NORM:g}, 1e300] (the loss does not "
                         "depend on ‖v‖: rescale v₀)")
    eta = default_eta(teacher) if eta is None else checked_eta(teacher, eta)
    steps = validation.step_count(steps, "steps")
    record = _check_record(record)
    validation.fits_in_memory(8.0 * (steps + 1) * V0.shape[0] * len(record),
                              f"recording {len(record)} histories of {steps + 1:,} steps × {V0.shape[0]:,} runs")
    return V0, A0, float(eta), steps, record, norms


def _output_layer_reach(teacher: Teacher, table: decisions.DecisionTable, A0: np.ndarray, a_norms: np.ndarray,
                        steps: int, train_a: bool) -> tuple[np.ndarray, np.ndarray]:
    """Upper bounds on ‖a_t‖ and on |a_tᵀa*| over the steps each run from a row of A0 takes.

    The a-step is a_{t+1} = (I − ηM/2π) a_t + η/(2π)·c((g_t − 1)a* + s1), g_t − 1 ∈ [−1, π − 1].
    Along 1̂ = 1/√k it multiplies the component u by 1 − ηα (α = (k + π − 1)/(2π)) and adds at
    most F₁ = η/(2π)·c((π − 1)|s|/√k + |s|√k); across 1 it multiplies by 1 − ηα⊥ (α⊥ = (π − 1)/(2π))
    and adds at most F⊥ = η/(2π)·c(π − 1)‖a*⊥‖. A contracting direction (|factor| < 1) stays
    within |u₀| + F/(1 − |factor|); an expanding one within its divergence threshold plus F (the
    step that passes it is the run's last: diverged); a neutral one grows by F a step. Then
    ‖a‖ ≤ √(u² + w²) and |aᵀa*| ≤ u|s|/√k + w‖a*⊥‖ — for a₀ = 0 and a small η exactly c‖a*‖²,
    the largest a(φ)ᵀa*.
    """
    k, c, s, eta = teacher.k, teacher.w_norm, teacher.a_sum, table.eta
    along_star, across_star = abs(s) / math.sqrt(k), math.sqrt(max(teacher.a_sq - s * s / k, 0.0))
    along = np.abs(A0.sum(axis=1)) / math.sqrt(k)
    # ‖a⊥‖² = ‖a‖² − u², raised by the cancellation's rounding (≤ 4ε‖a‖²): an upper bound in one pass
    across = np.sqrt(np.fmax(a_norms * a_norms - along * along, 0.0) + 4 * np.finfo(float).eps * a_norms * a_norms)
    if train_a:
        rule = table.rule
        for part, curvature, force, threshold in (
                ("along", (k + math.pi - 1) / (2 * math.pi), (math.pi - 1) * along_star + abs(s) * math.sqrt(k),
                 abs(rule.diverge_sum) / math.sqrt(k)),
                ("across", (math.pi - 1) / (2 * math.pi), (math.pi - 1) * across_star,
                 math.sqrt(rule.diverge_perp_sq))):
            forcing = eta / (2 * math.pi) * c * force
            factor = abs(1 - eta * curvature)
            if factor < 1:
                grown = forcing / (1 - factor)
            elif math.isfinite(threshold):
                grown = threshold + forcing
            else:
                grown = forcing * steps
            if part == "along":
                along = along + grown
            else:
                across = across + grown
    return np.hypot(along, across), along * along_star + across * across_star


def _quick_norms(M: np.ndarray) -> np.ndarray:
    """‖row‖ in one pass where the squares neither overflow nor underflow (to within rounding of
    :func:`theory.validation.row_norms`, enough for a bound), scaled where they would."""
    with np.errstate(over="ignore"):
        squares = np.einsum("ij,ij->i", M, M)
    out = np.sqrt(squares)
    odd = ~((squares > 1e-290) & (squares < 1e300))
    if np.any(odd):
        out[odd] = row_norms(M[odd])
    return out


def _check_representable(teacher: Teacher, V0: np.ndarray, A0: np.ndarray, table: decisions.DecisionTable,
                         steps: int, train_a: bool, norms: np.ndarray | None = None) -> None:
    """Refuse the runs that not every engine can represent (see the comment above MAX_LOSS_TERM);
    ``norms``: the rows' ‖v₀‖ when known."""
    k, c, eta = teacher.k, teacher.w_norm, table.eta
    norms = row_norms(V0) if norms is None else norms
    a_norms = _quick_norms(A0)
    a_limit = MAX_A_NORM / math.sqrt(k)
    if np.any(a_norms > a_limit):
        row = int(np.argmax(a_norms))
        raise ValueError(f"rows of A0 must have norms at most 1e150/√k = {a_limit:.3g} (the loss holds ‖a‖² and "
                         f"(1ᵀa)² ≤ k‖a‖², which float64 must hold for every engine), got {a_norms[row]:.3g} "
                         f"in row {row}")
    # (with ‖w*‖, ‖a*‖ ≤ 1e60 the growth below stays far under the limit: a guard for the argument)
    largest, largest_dot = _output_layer_reach(teacher, table, A0, a_norms, steps, train_a)
    if np.any(largest > a_limit):
        row = int(np.argmax(largest))
        raise ValueError(f"row {row} of A0: at η = {eta:.3g} the output layer can grow to ‖a‖ = {largest[row]:.3g}, "
                         f"beyond the 1e150/√k = {a_limit:.3g} that float64 holds the loss for: use a smaller η")
    eps, star_norm, reach = np.finfo(float).eps, math.sqrt(teacher.a_sq), max(1.0, eta * c)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        # First bounds from the norms alone (|a₀ᵀa*| ≤ ‖a₀‖‖a*‖, q ≤ 2): most inputs pass them, and
        # then the angles below need not be computed (they cost a pass over V0).
        dot_max = a_norms * star_norm
        dot_error = _DOT_ROUNDING * (k + 2) * dot_max
        q_error = 4 * eps * np.pi if teacher.p > 1 else 0.0
        rate = eta * c / (2 * math.pi)
        turn_bound = rate * (2 * dot_error * (2 + q_error) + 2 * q_error * (dot_max + dot_error)) / norms / norms
        line_bound = eta * eps * c * largest_dot / norms / norms if teacher.p > 1 else np.zeros_like(norms)
        clearly = (np.all(reach * (dot_max + dot_error) / (2 * norms) < MAX_LOSS_TERM)
                   and np.all(reach * largest_dot / (2 * norms) < FLOAT64_BELOW)
                   and np.all(np.fmax(turn_bound, line_bound) <= ROUNDING_TURN))
    if clearly:
        return
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        # the first step: its length from a₀ᵀa* and q₀ = (π − φ₀) sin φ₀, each known to rounding
        # (at p = 1 no engine turns v at all: sin φ = 0 exactly in each)
        dot = np.abs(A0 @ teacher.a_star)
        units = V0 / norms[:, None]
        cos_phi = units @ (teacher.w_star / c)
        perp = units - cos_phi[:, None] * (teacher.w_star / c)
        phi = np.arctan2(np.sqrt(np.einsum("ij,ij->i", perp, perp)), cos_phi)   # accurate near 0 and π
        q = (np.pi - phi) * np.sin(phi)
        dot_low, q_low = np.fmax(dot - dot_error, 0.0), np.fmax(q - q_error, 0.0)
        # the step is rate·|aᵀa*|·q/‖v‖
        shortest = rate * (dot_low / norms) * q_low             # may be ∞: far beyond float64's v
        # the turn is atan(step/‖v₀‖), step/‖v₀‖ between S = shortest/‖v₀‖ and L (the same with the
        # upper ends): rounding can change it by (L − S)/(1 + S²) = (L/S − 1)/(1/S + S)
        relative_low = shortest / norms
        relative_high = rate * ((dot + dot_error) / norms) * ((q + q_error) / norms)
        ratio = ((dot + dot_error) / dot_low) * ((q + q_error) / q_low)
        turn_change = np.where(relative_low > 0, (ratio - 1) / (1 / relative_low + relative_low),
                               np.fmin(relative_high, np.pi))
        # v₀ on w*'s line within rounding (p ≥ 2): exact GD never turns v, while an engine's
        # (I − v̂v̂ᵀ)w* is off by ≈ 2ε‖w*‖ in a direction of its own, a turn of up to
        # η·2ε‖w*‖|aᵀa*|/(2‖v‖²) per step
        on_line = (q_low == 0) & (line_bound > ROUNDING_TURN)
        turn_change = np.where(on_line, np.inf, turn_change)
        # Every v-step's arithmetic: the reduced engines form η‖w*‖(aᵀa*)(π − φ)/(2π‖v‖), the full
        # one (aᵀa*)(π − φ)/(2π‖v‖), before the factors ≤ 1; both are at most
        # max(1, η‖w*‖)·|aᵀa*|/(2‖v‖). At the first step |a₀ᵀa*| is known; later ‖v‖ ≥ ‖v₁‖ ≥
        # hypot(‖v₀‖, shortest) and |aᵀa*| is at most ``largest_dot``.
        first = reach * (dot + dot_error) / (2 * norms)
        later = reach * largest_dot / (2 * np.hypot(norms, shortest))
    if not np.all(first < MAX_LOSS_TERM):
        raise ValueError("V0 has rows so short that GD's first v-step, of length ≈ η‖w*‖|a₀ᵀa*|/(2‖v₀‖), "
                         "leaves float64: rescale v₀ (the loss does not depend on ‖v‖)")
    if not np.all(turn_change <= ROUNDING_TURN):
        row = int(np.argmax(np.nan_to_num(turn_change, nan=np.inf)))
        what = (f"v₀ lies on w*'s line within rounding and ‖v₀‖ = {norms[row]:.3g} is so short that rounding alone "
                f"turns v by more than {ROUNDING_TURN:g} rad a step" if on_line[row] else
                f"a₀ᵀa* = {A0[row] @ teacher.a_star:.3g} or sin φ₀ is 0 within rounding and ‖v₀‖ = {norms[row]:.3g} "
                f"is so short that rounding alone turns v by up to {min(turn_change[row], math.pi):.3g} rad at the "
                "first step")
        raise ValueError(f"row {row} of V0, A0: {what}; engines may disagree: rescale v₀ (the loss does not "
                         "depend on ‖v‖) or move it off the degenerate start")
    if not np.all(later < FLOAT64_BELOW):
        raise ValueError("V0 has rows so short that a later v-step, of length up to η‖w*‖|aᵀa*|/(2‖v₁‖) with "
                         "|aᵀa*| the largest the output layer reaches, leaves float64: rescale v₀ (the loss does not "
                         "depend on ‖v‖)")


def run_gd(teacher: Teacher, V0, A0, eta: float | None = None, steps: int = 1000,
           record: tuple[str, ...] = (), engine: str = "auto", train_a: bool = True,
           until_decided: bool = False) -> GDResult:
    """Run population GD from each row of (V0, A0) for ``steps`` steps.

    ``engine``: ``auto`` (compiled reduced engine, numpy reduced when recording or without
    numba), ``reduced-numba``, ``reduced-numpy`` or ``full``. ``eta=None`` uses
    :func:`default_eta`; any η > 0 is accepted (see the module docstring for what happens above
    the stability limit). ``record`` names histories to keep, each of shape (steps + 1, n).
    ``train_a=False`` keeps a fixed at A0 (Brutzkus & Globerson's setting); the decision
    regions are those of the trained landscape, so such runs are left ``undecided``.
    ``until_decided=True`` stops each trajectory at its decision (V, A are then the decided
    iterates) — for outcome statistics, where the rest of the run adds nothing. A diverged
    trajectory always stops at the step that certified it (its last iterates stay finite).

    Inputs that not every engine can represent are refused (ValueError naming the range): rows
    of A0 beyond 1e150/√k, or whose output layer can grow there at this η; v-steps that would
    leave float64; a first step whose turn is rounding (a₀ᵀa* or sin φ₀ zero within rounding
    with a short v₀). On every other input the engines give the same outcomes, up to a start
    within rounding of a basin's boundary; a decision step moves by a step where rounding puts a
    threshold (docs/mathematics.md#the-simd-kernel) — and, for ‖a₀‖ far above ‖w*‖‖a*‖, by up to
    log(ε‖a₀‖/(‖w*‖‖a*‖))/|log ρ| steps: the reduced coordinates hold a₀ to ε‖a₀‖ (a change of
    basis), a rounding that decays by ρ = 1 − η(π − 1)/(2π) a step (a₀ = 10¹⁰⁰·(1, 1): step 2,174
    in the full engine, 3,600 in the reduced ones, all "global").
    """
    V0, A0, eta, steps, record, norms = _validate_run(teacher, V0, A0, eta, steps, record)
    train_a, until_decided = validation.flag(train_a, "train_a"), validation.flag(until_decided, "until_decided")
    if engine not in ("auto", "reduced-numba", "reduced-numpy", "full"):
        raise ValueError(f"engine must be auto, reduced-numba, reduced-numpy or full, got {engine!r}")
    if engine == "full" and not train_a:
        raise ValueError("engine full trains both layers; use a reduced engine for train_a=False")
    table = decision_table(teacher, eta, train_a)
    _check_representable(teacher, V0, A0, table, steps, train_a, norms)
    if engine == "full":
        started = time.perf_counter()
        batch, history = full_gd.run_full(teacher, V0, A0, table, steps, record, until_decided)
        return GDResult.from_batch(batch, batch.state.V, batch.state.A, table.eta, steps, "full", started, history)
    kernel = reduced_gd.compiled_kernel() if engine != "reduced-numpy" and not record else None
    if engine == "reduced-numba" and kernel is None:
        raise ValueError("engine reduced-numba needs numba (and no record=…)")
    return _run_reduced(teacher, V0, A0, table, steps, tuple(record), kernel, train_a, until_decided)


@functools.lru_cache(maxsize=256)
def reduced_plane(teacher: Teacher) -> reduced_gd.Plane:
    """The reduced coordinates of a* (O(k) to build), kept for repeated runs."""
    return reduced_gd.Plane.for_teacher(teacher)


@functools.lru_cache(maxsize=256)
def decision_table(teacher: Teacher, eta: float, train_a: bool = True,
                   angle_moves: bool | None = None) -> decisions.DecisionTable:
    """The decision table of (teacher, η), kept for repeated runs (teachers are immutable);
    ``angle_moves`` as in :meth:`theory.decisions.DecisionTable.for_run`."""
    return decisions.DecisionTable.for_run(teacher, eta, train_a, angle_moves)


@dataclass(frozen=True)
class Embedding:
    """How full-dimensional (V, A) map to reduced coordinates and back: ŵ*, each row's part of v
    orthogonal to ŵ* and its norm y (v = x ŵ* + y e, e = perp/y), Q = basis of span{a*, 1}, and
    each row's residual of a with its squared norm at the start. Only :meth:`expand` needs e."""

    w_hat: np.ndarray
    perp: np.ndarray
    y: np.ndarray
    plane: reduced_gd.Plane
    residual: np.ndarray
    residual_sq: np.ndarray

    @property
    def e(self) -> np.ndarray:
        return np.divide(self.perp, self.y[:, None], out=np.zeros_like(self.perp), where=self.y[:, None] > 0)

    @classmethod
    def reduce(cls, teacher: Teacher, V0, A0, table) -> tuple[Embedding, reduced_gd.Batch]:
        plane = reduced_plane(teacher)
        w_hat = teacher.w_star / teacher.w_norm
        x = V0 @ w_hat
        perp = V0 - x[:, None] * w_hat
        y = row_norms(perp)
        z = A0 @ plane.basis
        residual = A0 - z @ plane.basis.T
        residual_sq = np.einsum("ij,ij->i", residual, residual)
        # copies: the compiled kernel advances the batch's arrays in place
        state = reduced_gd.ReducedState.of(x, y.copy(), z[:, 0], z[:, 1], residual_sq.copy())
        batch = reduced_gd.Batch.start(state, table, x)
        return cls(w_hat, perp, y, plane, residual, residual_sq), batch

    def expand(self, batch: reduced_gd.Batch):
        """(V, A) of the batch; the residual's squared norm carries its own decay."""
        state = batch.state
        V = state.x[:, None] * self.w_hat
        V += state.y[:, None] * self.e
        shrink = np.sqrt(np.divide(state.residual_sq, self.residual_sq, out=np.ones_like(self.residual_sq),
                                   where=self.residual_sq > 0))
        A = np.stack([state.z1, state.z2], axis=1) @ self.plane.basis.T
        A += shrink[:, None] * self.residual
        return V, A


def _run_reduced(teacher, V0, A0, table, steps, record, kernel, train_a, until_decided) -> GDResult:
    start = time.perf_counter()
    embedding, batch = Embedding.reduce(teacher, V0, A0, table)
    if not train_a:
        batch.outcome[:], batch.decided[:] = decisions.Outcome.UNDECIDED, -1
    engine, history = reduced_gd.advance(batch, embedding.plane, table, steps, train_a, until_decided,
                                         kernel, record)
    result = GDResult.from_batch(batch, None, None, table.eta, steps, engine, start, history)
    result._unexpanded = (embedding, batch)    # V and A when first read
    return result


# --- outcome statistics in reduced coordinates ----------------------------------------------

DEFAULT_MAX_STEPS = 20_000
_CHUNK = 1 << 16   # trajectories drawn and run at a time: memory stays O(chunk) for any n


def reduced_runs(teacher: Teacher, n: int, rng: np.random.Generator, eta: float | None = None,
                 scheme: str = "paper", max_steps: int = DEFAULT_MAX_STEPS, start=None,
                 record: tuple[str, ...] = (), until_decided: bool = True, p: float | None = None,
                 v0_norm: float = initialization.DEFAULT_V0_NORM):
    """n runs drawn and advanced in reduced coordinates: a :class:`theory.reduced_gd.Batch`
    (outcome codes, decision steps, final reduced states) — and, with ``record``, the histories
    (numpy engine; each of shape (max_steps + 1, n)).

    Memory and time per run do not depend on p, nor on k beyond the steps a decision takes; the
    batch holds every run (:func:`outcome_counts` keeps only counts).
    ``p`` is the patch size the initialization is drawn for (default the teacher's; population
    GD sees p only through the law of φ₀, so any p works with any teacher, and ``math.inf``
    draws the limit φ₀ = π/2 exactly). ``v0_norm`` is the radius of v₀'s sphere; ``eta=None``
    is :func:`default_eta` for it. ``start(teacher, plane, m, rng)`` may replace the scheme's
    draw (for example the theorem's region); it must return (x, y, z1, z2, residual_sq), and
    then ``p`` and ``v0_norm`` must be left at their defaults.
    """
    parts, histories = [], []
    for batch, history in _reduced_chunks(teacher, n, rng, eta, scheme, max_steps, start, record, until_decided,
                                          p, v0_norm, keep_all=True):
        parts.append(batch)
        histories.append(history)
    batch = reduced_gd.Batch.concatenate(parts)
    if record:
        return batch, {key: np.concatenate([h[key] for h in histories], axis=1) for key in record}
    return batch


def _reduced_chunks(teacher, n, rng, eta, scheme, max_steps, start, record, until_decided, p, v0_norm,
                    keep_all):
    """:func:`reduced_runs`' runs, validated, drawn and advanced _CHUNK at a time: yields each
    chunk's (batch, histories) in order, so that a caller that keeps only counts holds one chunk
    at a time whatever n is. The draws are those of one call for all n runs, chunk after chunk.
    ``keep_all``: the caller keeps every chunk (refused when that cannot fit in memory)."""
    validation.teacher(teacher)
    n = validation.positive_int(n, "n")
    validation.generator(rng)
    max_steps = validation.step_count(max_steps, "max_steps")
    _check_scheme(scheme)
    record = _check_record(record)
    until_decided = validation.flag(until_decided, "until_decided")
    if keep_all:   # reduced_runs: the whole batch (≈ 72 bytes a run), and the histories
        validation.fits_in_memory(8.0 * n * (9 + (max_steps + 1) * len(record)) * 2,
                                  f"reduced_runs of n = {n:,} runs kept whole")
    p = teacher.p if p is None else initialization.patch_size(p)
    v0_norm = initialization.sphere_radius(v0_norm)
    if start is not None and (p != teacher.p or v0_norm != initialization.DEFAULT_V0_NORM):
        raise ValueError("start draws its own initial points: leave p and v0_norm at their defaults")
    eta = default_eta(teacher, v0_norm) if eta is None else checked_eta(teacher, eta, v0_norm)
    table = decision_table(teacher, eta, True, p > 1)
    plane = reduced_plane(teacher)
    draw = start or (lambda t, q, m, r: initialization.reduced_start(t, q, m, r, scheme, p, v0_norm))
    kernel = None if record else reduced_gd.compiled_kernel()
    for first in range(0, n, _CHUNK):
        batch = start_batch(table, *draw(teacher, plane, min(_CHUNK, n - first), rng))
        history = reduced_gd.advance(batch, plane, table, max_steps, True, until_decided, kernel, tuple(record))[1]
        yield batch, history


def outcome_counts(teacher: Teacher, n: int, rng: np.random.Generator, eta: float | None = None,
                   scheme: str = "paper", max_steps: int = DEFAULT_MAX_STEPS, p: float | None = None,
                   v0_norm: float = initialization.DEFAULT_V0_NORM) -> dict[str, int]:
    """How many of n GD runs from ``scheme`` end ``global``, ``spurious``, ``diverged`` or stay
    ``undecided`` after ``max_steps`` steps. Initial points are drawn in reduced coordinates from
    their exact laws (:mod:`theory.initialization`), so a run costs O(1) memory and time per
    step whatever k and p are, and the runs are counted a chunk at a time: memory stays that of
    one chunk (2¹⁶ runs) whatever n is. The counts are those of :func:`reduced_runs` with the
    same arguments, and agree with full-dimensional sampling run through the full engine
    (tests/unit/test_initialization.py). ``p`` (default the teacher's; ``math.inf`` for φ₀ = π/2)
    and ``v0_norm`` as in :func:`reduced_runs`."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for batch, _ in _reduced_chunks(teacher, n, rng, eta, scheme, max_steps, None, (), True, p, v0_norm,
                                    keep_all=False):
        for name, count in batch_counts(batch).items():
            counts[name] += count
    return counts


def batch_counts(batch: reduced_gd.Batch) -> dict[str, int]:
    """How many runs of a reduced batch have each outcome, by name."""
    return {code.label: int(np.sum(batch.outcome == code)) for code in decisions.Outcome}


def start_batch(table: decisions.DecisionTable, x, y, z1, z2, residual_sq) -> reduced_gd.Batch:
    """Runs starting at the given reduced states, with the outcomes they have before any step."""
    return reduced_gd.Batch.start(reduced_gd.ReducedState.of(x, y, z1, z2, residual_sq), table, x)


def continued_runs(teacher: Teacher, batch: reduced_gd.Batch, chosen: np.ndarray, steps: int,
                   until_decided: bool) -> reduced_gd.Batch:
    """The runs ``chosen`` of a batch run at the default η, restarted from their final states and
    advanced up to ``steps`` more steps (a new batch; ``batch`` is unchanged). A run's decision
    depends on its state alone, so a restarted run is decided as the same run continued."""
    table = decision_table(teacher, default_eta(teacher))
    chosen_state = batch.state.take(chosen)
    more = reduced_gd.Batch.start(chosen_state, table, chosen_state.x)
    reduced_gd.advance(more, reduced_plane(teacher), table, steps, True, until_decided,
                       reduced_gd.compiled_kernel(), ())
    return more
