"""Plain GD on (w, a) without weight normalization, written from the closed form alone.

Not the project's route (theory/plain_gd.py and theory/full_gd.plain_gradient go through the
weight-normalized loss at b = ‖w‖a): here ℓ is written as a function of (w, a) itself,

    ℓ(w, a) = (1/4π)[(π−1)(‖w‖²‖a‖² + c²‖a*‖²) + (‖w‖1ᵀa − cs)² − 2c‖w‖(g(φ) − 1)aᵀa*],

g(φ) = (π − φ)cos φ + sin φ, and differentiated by hand (g'(φ) = −(π − φ)sin φ,
∂φ/∂w = −(I − ŵŵᵀ)ŵ*/(‖w‖ sin φ)):

    ∂ℓ/∂a = (1/2π)[(π−1)‖w‖²a + ‖w‖(‖w‖1ᵀa − cs)1 − c‖w‖(g − 1)a*],
    ∂ℓ/∂w = (1/2π)[(π−1)‖w‖‖a‖² + 1ᵀa(‖w‖1ᵀa − cs) − c(g − 1)aᵀa*] ŵ
            − (aᵀa*)(π − φ)/(2π) · (I − ŵŵᵀ)w*.

Pure numpy; nothing here imports the project.
"""

from __future__ import annotations

import math

import numpy as np

PI = math.pi


def angles(W, w_star):
    """φ = ∠(w, w*) per row, and the unit rows ŵ."""
    norms = np.linalg.norm(W, axis=1)
    units = W / norms[:, None]
    cos = np.clip(units @ (w_star / np.linalg.norm(w_star)), -1.0, 1.0)
    return np.arccos(cos), units, norms


def loss(w_star, a_star, W, A):
    """ℓ(w, a) per row."""
    c, s = np.linalg.norm(w_star), a_star.sum()
    phi, _, r = angles(W, w_star)
    g = (PI - phi) * np.cos(phi) + np.sin(phi)
    return ((PI - 1) * (r * r * (A * A).sum(1) + c * c * a_star @ a_star) + (r * A.sum(1) - c * s) ** 2
            - 2 * c * r * (g - 1) * (A @ a_star)) / (4 * PI)


def gradient(w_star, a_star, W, A):
    """(∂ℓ/∂W, ∂ℓ/∂A) row by row."""
    c, s = np.linalg.norm(w_star), a_star.sum()
    phi, units, r = angles(W, w_star)
    cos = np.cos(phi)
    g = (PI - phi) * cos + np.sin(phi)
    sums, dots = A.sum(1), A @ a_star
    grad_a = ((PI - 1) * (r * r)[:, None] * A + (r * (r * sums - c * s))[:, None]
              - (c * r * (g - 1))[:, None] * a_star) / (2 * PI)
    radial = ((PI - 1) * r * (A * A).sum(1) + sums * (r * sums - c * s) - c * (g - 1) * dots) / (2 * PI)
    tangent = w_star[None, :] - (units @ w_star)[:, None] * units
    grad_w = radial[:, None] * units - (dots * (PI - phi) / (2 * PI))[:, None] * tangent
    return grad_w, grad_a


def run(w_star, a_star, W0, A0, eta, steps):
    """``steps`` plain GD steps from each row of (W0, A0): the final (W, A)."""
    W, A = np.array(W0, dtype=float), np.array(A0, dtype=float)
    for _ in range(steps):
        grad_w, grad_a = gradient(w_star, a_star, W, A)
        W, A = W - eta * grad_w, A - eta * grad_a
    return W, A
