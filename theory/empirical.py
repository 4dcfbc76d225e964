"""Gradient descent on an empirical loss: n real Gaussian inputs Z through the real network.

ℓ̂(v, a) = 1/(2n) Σ_i (f(Z_i; v/‖v‖, a) − y_i)², y_i = f(Z_i; w*, a*) + σ ε_i. Gradients are
back-propagated through f (ReLU derivative 1[wᵀZ_j > 0]) and through the weight normalization
(∂/∂v = (I − ŵŵᵀ) ∂/∂w / ‖v‖). ``batch`` < n gives minibatch SGD.

Its loop is not the GD engines' (:mod:`theory.full_gd`): the objective is another function of
(v, a) — a sampled loss, resampled per minibatch — and the engines' decisions
(:mod:`theory.decisions`) are about the population loss, so their bookkeeping does not apply.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory import validation
from theory.gaussian import network_output
from theory.teacher import Teacher

__all__ = ["Sample", "draw_sample", "loss_and_gradient", "run_empirical_gd"]


@dataclass(frozen=True)
class Sample:
    Z: np.ndarray      # (n, k, p)
    y: np.ndarray      # (n,)


def draw_sample(teacher: Teacher, n: int, rng: np.random.Generator, noise: float = 0.0) -> Sample:
    n = validation.positive_int(n, "n")
    if not (isinstance(noise, (int, float)) and np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    Z = rng.standard_normal((n, teacher.k, teacher.p))
    y = network_output(Z, teacher.w_star, teacher.a_star) + noise * rng.standard_normal(n)
    return Sample(Z, y)


def loss_and_gradient(sample: Sample, v: np.ndarray, a: np.ndarray):
    """(ℓ̂, ∂ℓ̂/∂v, ∂ℓ̂/∂a) on the whole sample."""
    r = np.linalg.norm(v)
    w = v / r
    n, k, p = sample.Z.shape
    patches = sample.Z.reshape(n * k, p)     # one matrix-vector product each way, not n small ones
    pre = (patches @ w).reshape(n, k)
    hidden = np.maximum(pre, 0.0)
    residual = hidden @ a - sample.y         # (n,)
    grad_a = hidden.T @ residual / n
    weights = residual[:, None] * (pre > 0) * a          # (n, k)
    grad_w = weights.reshape(n * k) @ patches / n
    grad_v = (grad_w - (grad_w @ w) * w) / r
    return 0.5 * float(residual @ residual) / n, grad_v, grad_a


def run_empirical_gd(sample: Sample, v0, a0, eta: float, steps: int, batch: int | None = None,
                     rng: np.random.Generator | None = None):
    """GD (or minibatch SGD when ``batch`` is set) from (v0, a0); returns (v, a, losses)."""
    eta = validation.positive_float(eta, "eta")     # a float: a Fraction or mpf would turn v into objects
    steps = validation.positive_int(steps, "steps")
    v, a = np.array(v0, dtype=float), np.array(a0, dtype=float)
    losses = np.empty(steps)
    n = len(sample.y)
    if batch is not None:
        batch = validation.positive_int(batch, "batch")
        if rng is None:
            raise ValueError("rng is required for minibatch SGD")
    for t in range(steps):
        if batch is None or batch >= n:
            part = sample
        else:
            assert rng is not None   # a batch without an rng was rejected above
            idx = rng.integers(0, n, batch)
            part = Sample(sample.Z[idx], sample.y[idx])
        losses[t], grad_v, grad_a = loss_and_gradient(part, v, a)
        v, a = v - eta * grad_v, a - eta * grad_a
    return v, a, losses
