"""The plain full-dimensional engine: batched numpy GD on V (n×p) and A (n×k).

It transcribes the gradient of docs/mathematics.md#closed-form-loss-and-gradients directly for a batch of
trajectories, with no use of
the plane or span{a*, 1} structure, so that the reduced engine can be checked against it;
tests also check its gradient against :func:`theory.landscape.gradient` row by row.

State, gradient and loop are written against an elementwise arithmetic of :mod:`theory.arith`:
float64 arrays by default, object arrays of mpf for
:class:`theory.arith.MpmathElementwiseArith` — the same loop then runs GD at any number of digits
(the 40-digit Phase II measurement of the `two-phase` claim).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory import reduced_gd
from theory.arith import FLOAT64_ELEMENTWISE
from theory.validation import row_norms

__all__ = ["FullState", "batch_gradient", "batch_state", "run_full"]


def _teacher_in(teacher, ar):
    """(w*, a*, ‖w*‖, 1ᵀa*, ‖a*‖²) in ``ar`` (float64: the teacher's own arrays)."""
    w, a_star = ar.vector(teacher.w_star), ar.vector(teacher.a_star)
    return w, a_star, ar.sqrt(w @ w), a_star.sum(), a_star @ a_star


def _norms(M, ar):
    """‖row‖ for each row of M, unscaled (what np.linalg.norm(M, axis=1) computes)."""
    return ar.sqrt(np.add.reduce(M * M, axis=1))


def batch_state(teacher, V, A, ar=None):
    """Per-row angle (Kahan's formula), ‖v‖, aᵀa*, 1ᵀa, ‖a‖² and the loss, in ``ar`` (default
    float64)."""
    ar = ar or FLOAT64_ELEMENTWISE
    w, a_star, c, s, astar_sq = _teacher_in(teacher, ar)
    w_hat = w / c
    r = row_norms(V, ar.sqrt)
    U = V / r[:, None]
    apart, together = _norms(U - w_hat, ar), _norms(U + w_hat, ar)
    phi, delta = 2 * ar.atan2(apart, together), 2 * ar.atan2(together, apart)
    g = delta * ar.cos(phi) + ar.sin(phi)
    a_dot, a_sum, a_sq = A @ a_star, A.sum(axis=1), np.einsum("ij,ij->i", A, A)
    loss = ((ar.pi - 1) * (a_sq + c * c * astar_sq) + (a_sum - c * s) ** 2
            - 2 * c * (g - 1) * a_dot) / (4 * ar.pi)
    return {"phi": phi, "delta": delta, "g": g, "U": U, "v_norm": r, "a_dot": a_dot,
            "a_sum": a_sum, "a_sq": a_sq, "loss": loss}


def batch_gradient(teacher, V, A, state=None, ar=None):
    """(∂ℓ/∂V, ∂ℓ/∂A) row by row, in ``ar`` (default float64)."""
    ar = ar or FLOAT64_ELEMENTWISE
    state = state or batch_state(teacher, V, A, ar)
    w, a_star, c, s, _ = _teacher_in(teacher, ar)
    U, r = state["U"], state["v_norm"]
    proj_w = w - (U @ w)[:, None] * U
    grad_v = -(state["a_dot"] * state["delta"] / (2 * ar.pi * r))[:, None] * proj_w
    grad_a = ((ar.pi - 1) * A + (state["a_sum"] - c * s)[:, None]
              - c * (state["g"] - 1)[:, None] * a_star) / (2 * ar.pi)
    return grad_v, grad_a


@dataclass
class FullState:
    """n trajectories as the full engine holds them: V (n×p) and A (n×k), updated in place."""

    V: np.ndarray
    A: np.ndarray


def run_full(teacher, V0, A0, table, steps, record, until_decided, ar=None,
             stop_below=None) -> tuple[reduced_gd.Batch, dict]:
    """GD on (V, A) itself, decided by the same rule as the reduced engine (theory.decisions):
    the batch (its state holds the final iterates) and ``record``'s histories (float64).

    ``ar``: the arithmetic (default float64; theory.arith.MpmathElementwiseArith for GD at
    its digits, decided on the state rounded to float64). A run stops once its loss is below
    ``stop_below`` (default: never), as a diverged one does."""
    ar = ar or FLOAT64_ELEMENTWISE
    n = V0.shape[0]
    with np.errstate(over="ignore"), ar.precision():
        V, A = (ar.vector(M).reshape(M.shape) if ar is not FLOAT64_ELEMENTWISE else M.copy() for M in (V0, A0))
        batch = reduced_gd.Batch.start(FullState(V, A), table, V0 @ teacher.w_star)
        history = {key: np.full((steps + 1, n), np.nan) for key in record}
        _loop(teacher, batch, table, steps, until_decided, history, ar, stop_below)
    return batch, history


def _loop(teacher, batch, table, steps, until_decided, history, ar, stop_below):
    V, A = batch.state.V, batch.state.A
    previous = np.full(V.shape[0], np.inf)
    below = np.zeros(V.shape[0], dtype=bool)
    for t in range(steps + 1):
        state = batch_state(teacher, V, A, ar)
        rounded = {key: np.asarray(state[key], dtype=float) for key in ("phi", "loss", "v_norm", "a_sum", "a_sq")}
        found = reduced_gd.decide(rounded["phi"], rounded["loss"], rounded["v_norm"] ** 2, rounded["a_sum"],
                                  rounded["a_sq"], table.rule, table.r2_min).astype(np.int64)
        batch.observe(t, state["loss"], previous + table.rule.slack, found)
        previous = state["loss"]
        for key in history:
            history[key][t] = state[key]
        if stop_below is not None:
            below |= state["loss"] < stop_below
        stopped = batch.stopped(until_decided) | below
        if np.all(stopped) or t == steps:
            break
        grad_v, grad_a = batch_gradient(teacher, V, A, state, ar)
        moving = ~stopped[:, None]
        V[:], A[:] = np.where(moving, V - table.eta * grad_v, V), np.where(moving, A - table.eta * grad_a, A)
