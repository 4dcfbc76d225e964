"""The plain full-dimensional engine: batched numpy GD on V (n×p) and A (n×k).

It transcribes the gradient of docs/mathematics.md#closed-form-loss-and-gradients directly for a batch of
trajectories, with no use of
the plane or span{a*, 1} structure, so that the reduced engine can be checked against it;
tests also check its gradient against :func:`theory.landscape.gradient` row by row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from theory import reduced_gd
from theory.validation import row_norms


def batch_state(teacher, V, A):
    """Per-row angle (Kahan's formula), ‖v‖, aᵀa*, 1ᵀa and the loss."""
    w_hat = teacher.w_star / teacher.w_norm
    r = row_norms(V)
    U = V / r[:, None]
    apart, together = np.linalg.norm(U - w_hat, axis=1), np.linalg.norm(U + w_hat, axis=1)
    phi, delta = 2 * np.arctan2(apart, together), 2 * np.arctan2(together, apart)
    g = delta * np.cos(phi) + np.sin(phi)
    c, a_star = teacher.w_norm, teacher.a_star
    a_dot, a_sum, a_sq = A @ a_star, A.sum(axis=1), np.einsum("ij,ij->i", A, A)
    s, astar_sq = a_star.sum(), a_star @ a_star
    loss = ((math.pi - 1) * (a_sq + c * c * astar_sq) + (a_sum - c * s) ** 2
            - 2 * c * (g - 1) * a_dot) / (4 * math.pi)
    return {"phi": phi, "delta": delta, "g": g, "U": U, "v_norm": r, "a_dot": a_dot,
            "a_sum": a_sum, "loss": loss}


def batch_gradient(teacher, V, A, state=None):
    """(∂ℓ/∂V, ∂ℓ/∂A) row by row."""
    state = state or batch_state(teacher, V, A)
    c, a_star, w = teacher.w_norm, teacher.a_star, teacher.w_star
    U, r = state["U"], state["v_norm"]
    proj_w = w - (U @ w)[:, None] * U
    grad_v = -(state["a_dot"] * state["delta"] / (2 * math.pi * r))[:, None] * proj_w
    grad_a = ((math.pi - 1) * A + (state["a_sum"] - c * a_star.sum())[:, None]
              - c * (state["g"] - 1)[:, None] * a_star) / (2 * math.pi)
    return grad_v, grad_a


@dataclass
class FullState:
    """n trajectories as the full engine holds them: V (n×p) and A (n×k), updated in place."""

    V: np.ndarray
    A: np.ndarray


def run_full(teacher, V0, A0, table, steps, record, until_decided) -> tuple[reduced_gd.Batch, dict]:
    """GD on (V, A) itself, decided by the same rule as the reduced engine (theory.decisions):
    the batch (its state holds the final iterates) and ``record``'s histories."""
    batch = reduced_gd.Batch.start(FullState(V0.copy(), A0.copy()), table, V0 @ teacher.w_star)
    history = {key: np.full((steps + 1, V0.shape[0]), np.nan) for key in record}
    with np.errstate(over="ignore"):
        _loop(teacher, batch, table, steps, until_decided, history)
    return batch, history


def _loop(teacher, batch, table, steps, until_decided, history):
    V, A = batch.state.V, batch.state.A
    previous = np.full(V.shape[0], np.inf)
    for t in range(steps + 1):
        state = batch_state(teacher, V, A)
        found = reduced_gd.decide(state["phi"], state["loss"], state["v_norm"] ** 2, state["a_sum"],
                                  np.einsum("ij,ij->i", A, A), table.rule, table.r2_min).astype(np.int64)
        batch.observe(t, state["loss"], previous + table.rule.slack, found)
        previous = state["loss"]
        for key in history:
            history[key][t] = state[key]
        stopped = batch.stopped(until_decided)
        if np.all(stopped) or t == steps:
            break
        grad_v, grad_a = batch_gradient(teacher, V, A, state)
        moving = ~stopped[:, None]
        V[:], A[:] = np.where(moving, V - table.eta * grad_v, V), np.where(moving, A - table.eta * grad_a, A)
