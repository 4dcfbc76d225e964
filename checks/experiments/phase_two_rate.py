"""The Phase II rate of GD at the global minimum: predicted from the Hessian, measured in float64
and, where float64 cannot settle it, in 40-digit GD.

After T₁, √ℓ contracts per step at the spectral radius of I − ηH at the global minimum, on the
directions that move ℓ (docs/mathematics.md#derived-consequences; :func:`predicted_rate`). A run's
rate is fitted on ½ log ℓ over the steps with ℓ/ℓ(a = 0) in WINDOW (:func:`rate_error`). A float64
fit off by more than RATE_TOLERANCE is never a failure by itself — float64 stops near ℓ/ℓ₀ ~ 1e-12,
possibly before the slowest mode dominates — so :func:`region_phases` re-measures it in 40-digit
GD over [1e-34, 1e-24] (:func:`deep_rate_error`, the full engine in mpmath), which decides.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np

from theory import Teacher, arith, decisions, dynamics, full_gd, landscape

__all__ = ["HISTORY_CHUNK", "RATE_TOLERANCE", "WINDOW", "deep_rate_error", "modes_too_close", "phase_two_window",
           "predicted_rate", "rate_error", "region_phases"]

RATE_TOLERANCE = 0.01         # |measured Phase II rate / predicted − 1|
WINDOW = (1e-12, 1e-8)        # Phase II fit window for ℓ / ℓ(a = 0), above float64 rounding


def predicted_rate(teacher: Teacher, eta: float, v_norm: float) -> float:
    """Spectral radius of I − ηH at the global minimum on the directions that move ℓ
    (:func:`theory.decisions.curvatures`)."""
    return max(abs(1 - eta * lam) for lam in decisions.teacher_curvatures(teacher, v_norm).eigenvalues)


def deep_rate_error(teacher: Teacher, eta: float, v0, a0, dps: int = 40, max_steps: int = 6000):
    """The Phase II rate error measured in GD at ``dps`` digits over ℓ/ℓ₀ ∈ [1e-34, 1e-24], where
    the slowest mode has long dominated; None if that window is not reached within ``max_steps``.
    The run is the full engine's (theory.full_gd) in mpmath: the same state, gradient and loop as
    its float64 runs."""
    ar = arith.MpmathElementwiseArith(dps)
    with ar.precision():
        scale = landscape.loss(teacher, teacher.w_star, np.zeros(teacher.k), dps)
        batch, history = full_gd.run_full(teacher, np.asarray(v0, dtype=float)[None], np.asarray(a0, dtype=float)[None],
                                          dynamics.decision_table(teacher, eta), max_steps - 1, ("loss",),
                                          False, ar, stop_below=mpmath.mpf("1e-34") * scale)
    relative = history["loss"][:, 0] / float(scale)
    steps = np.flatnonzero((relative < 1e-24) & (relative >= 1e-34))
    v_norm = float(np.linalg.norm(np.asarray(batch.state.V[0], dtype=float)))
    return _fitted_rate_error(teacher, eta, steps, np.log(relative[steps]) / 2, v_norm)


def _fitted_rate_error(teacher: Teacher, eta: float, steps, half_log_losses, v_norm: float) -> float | None:
    """|fitted slope of ½ log ℓ per step / log ρ − 1|, ρ the predicted rate at ‖v‖ = ``v_norm``;
    None when fewer than 8 steps were fitted."""
    if len(steps) < 8:
        return None
    slope = np.polyfit(steps, half_log_losses, 1)[0]
    return abs(slope / math.log(predicted_rate(teacher, eta, v_norm)) - 1)


def phase_two_window(relative: np.ndarray) -> np.ndarray:
    """The steps of one run whose ℓ/ℓ(a = 0) lies in the fit WINDOW."""
    return np.where((relative < WINDOW[1]) & (relative > WINDOW[0]))[0]


def rate_error(teacher: Teacher, eta: float, relative: np.ndarray, v_norm: np.ndarray) -> float | None:
    """|measured / predicted − 1| for one run's Phase II contraction of √ℓ, fitted over the
    window (None when fewer than 8 steps fall in it); ``v_norm`` is the run's ‖v_t‖ history."""
    window = phase_two_window(relative)
    if len(window) == 0:
        return None
    return _fitted_rate_error(teacher, eta, window, 0.5 * np.log(relative[window]), v_norm[window[-1]])


HISTORY_CHUNK = 50             # runs whose full histories are held at once (≤ 50 × 200,001 × 4 floats)


def region_phases(teacher: Teacher, V0: np.ndarray, A0: np.ndarray, eta: float, rate_runs: int,
                  deep_budget: int) -> tuple[np.ndarray, dict]:
    """Full-dimensional runs from (V0, A0): T₁ per run (−1 if never) and the Phase II rate of the
    first ``rate_runs`` runs.

    A float64 fit off by more than RATE_TOLERANCE is never a failure by itself: float64 stops at
    ℓ/ℓ₀ ~ 1e-12, possibly before the slowest mode dominates, so such a run is re-measured in
    40-digit GD over [1e-34, 1e-24] (at most ``deep_budget`` runs), which decides. Returns T₁ and
    {"errors": settled errors, "remeasured": deep runs, "unsettled": runs over tolerance in
    float64 left without a deep answer, "too_close": runs whose two slowest modes are too close
    for any window to separate}."""
    at_two = decisions.teacher_curvatures(teacher, 2.0)      # the v-curvature at ‖v‖ = 2
    slowest = min(at_two.across_ones, at_two.v_turn)
    steps = int(min(200_000, 80 / (eta * slowest)))
    scale = landscape.loss(teacher, teacher.w_star, np.zeros(teacher.k))
    t1s = []
    errors: list[float] = []
    remeasured = unsettled = too_close = 0
    for first in range(0, V0.shape[0], HISTORY_CHUNK):
        V, A = V0[first:first + HISTORY_CHUNK], A0[first:first + HISTORY_CHUNK]
        h = dynamics.run_gd(teacher, V, A, eta=eta, steps=steps, record=("phi", "a_dot", "loss", "v_norm")).history
        entered = (h["phi"] < math.pi / 4) & (h["a_dot"] >= 0.5 * teacher.w_norm * teacher.a_sq)
        t1 = np.where(entered.any(axis=0), entered.argmax(axis=0), -1)
        t1s.append(t1)
        relative = h["loss"] / scale
        for i in range(min(V.shape[0], rate_runs - first)):
            error = rate_error(teacher, eta, relative[:, i], h["v_norm"][:, i])
            if error is None or t1[i] < 8:
                continue
            if error > RATE_TOLERANCE:
                if remeasured == deep_budget:
                    unsettled += 1
                    continue
                remeasured += 1
                error = deep_rate_error(teacher, eta, V[i], A[i])
            if error is None:                 # the deep window was not reached
                unsettled += 1
            elif error > RATE_TOLERANCE and modes_too_close(teacher, eta, h["v_norm"][-1, i]):
                too_close += 1
            else:
                errors.append(error)
    rate = {"errors": errors, "remeasured": remeasured, "unsettled": unsettled, "too_close": too_close}
    return np.concatenate(t1s), rate


def modes_too_close(teacher: Teacher, eta: float, v_norm: float) -> bool:
    """Whether the two slowest modes of I − ηH contract within 3·RATE_TOLERANCE of each other (in
    log): then no fit window in reach separates them, and a deviation says nothing."""
    eigenvalues = decisions.teacher_curvatures(teacher, v_norm).eigenvalues
    rates = sorted(abs(math.log(abs(1 - eta * lam))) for lam in eigenvalues if abs(1 - eta * lam) > 0)
    return len(rates) > 1 and rates[1] - rates[0] < 3 * RATE_TOLERANCE * rates[0]
