"""The plain full-dimensional engine: batched numpy GD on V (n×p) and A (n×k).

It transcribes the notes' gradient (§3) directly for a batch of trajectories, with no use of
the plane or span{a*, 1} structure, so that the reduced engine can be checked against it;
tests also check its gradient against :func:`theory.landscape.gradient` row by row.
"""

from __future__ import annotations

import math
import time

import numpy as np


def batch_state(teacher, V, A):
    """Per-row angle (Kahan's formula), ‖v‖, aᵀa*, 1ᵀa and the loss."""
    w_hat = teacher.w_star / teacher.w_norm
    r = np.linalg.norm(V, axis=1)
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


def run_full(teacher, V0, A0, eta, steps, record, regions):
    from theory.dynamics import _result  # shared finishing rule (descent violations)

    start = time.perf_counter()
    V, A = V0.copy(), A0.copy()
    n = V.shape[0]
    outcome, decided = np.zeros(n, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    ascents, previous = np.zeros(n, dtype=np.int64), np.full(n, np.inf)
    history = {key: np.empty((steps + 1, n)) for key in record}
    if teacher.p == 1:
        outcome[:], decided[:] = np.where(V[:, 0] * teacher.w_star[0] > 0, 1, 2), 0
    for t in range(steps + 1):
        state = batch_state(teacher, V, A)
        ascents += state["loss"] > previous + regions.ascent_slack
        previous = state["loss"]
        code = regions.classify(state["phi"], state["loss"])
        newly = (decided < 0) & (code != 0)
        outcome[newly], decided[newly] = code[newly], t
        for key in record:
            history[key][t] = state[key]
        if t < steps:
            grad_v, grad_a = batch_gradient(teacher, V, A, state)
            V, A = V - eta * grad_v, A - eta * grad_a
    return _result(V, A, outcome, decided, ascents, eta, steps, "full", start, history)
