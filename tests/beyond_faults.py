"""Planted faults for the engines beyond the paper's assumptions (activations, overlapping patches,
sampled GD/SGD, the JAX network): each is planted with monkeypatch, and a test shows that an
engine-level check — the one a claim will run — catches it."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from theory import activations

_leaky_kernels, _gelu_rule = activations.LeakyRelu.kernels, activations._hermite_rule


def _leaky_kernel_constant(self, c, phi, delta):
    kernel, slope = _leaky_kernels(self, c, phi, delta)
    # the (1 − α)² in front of g(φ)/(2π) written as (1 − α)
    return kernel + c * ((1 - self.alpha) - (1 - self.alpha) ** 2) * activations._g(phi, delta) / (2 * math.pi), slope


def _leaky_gradient_slope(self, c, phi, delta):
    kernel, slope = _leaky_kernels(self, c, phi, delta)
    return kernel, slope - self.alpha + self.alpha ** 2    # D's leak term α written as α²


def _gelu_rule_constant(n):
    nodes, weights = _gelu_rule(n)
    return nodes, weights * math.sqrt(2 * math.pi) / math.sqrt(math.pi) / math.sqrt(2) * 1.001   # weights off by 0.1 %


@dataclass(frozen=True)
class Fault:
    """A replacement for ``owner.attribute``; :meth:`plant` returns what the check runs on."""

    name: str
    owner: Any
    attribute: str
    replacement: Callable
    subject: Callable[[], Any]

    def plant(self, monkeypatch):
        monkeypatch.setattr(self.owner, self.attribute, self.replacement)
        if self.owner is activations:
            activations._gelu_table.cache_clear()
            monkeypatch.setattr(activations, "_gelu_table", activations.functools.lru_cache(maxsize=4)(
                activations._gelu_table.__wrapped__))
        return self.subject()


ACTIVATION_FAULTS = (
    Fault("leaky-kernel-constant", activations.LeakyRelu, "kernels", _leaky_kernel_constant,
          lambda: activations.LeakyRelu(0.3)),
    Fault("leaky-gradient-slope", activations.LeakyRelu, "kernels", _leaky_gradient_slope,
          lambda: activations.LeakyRelu(0.3)),
    Fault("gelu-quadrature-weights", activations, "_hermite_rule", _gelu_rule_constant, activations.Gelu),
)



from theory import overlap  # noqa: E402 - grouped with its faults

_correlation = overlap._correlation


def _correlation_off_by_one(U, W, tau):
    """The overlap's covariance read one lag too far (patches treated as shifted by s + 1)."""
    return _correlation(U, W, tau + int(np.sign(tau)))


def _correlation_unnormalized(U, W, tau):
    """ρ_ww* left as the covariance C_ww* (not divided by ‖w*‖) — at lag 0 as well."""
    return _correlation(U, W, tau) * (1.7 if W.ndim == 1 else 1.0)


OVERLAP_FAULTS = (
    Fault("overlap-correlation-lag", overlap, "_correlation", _correlation_off_by_one, lambda: None),
    Fault("overlap-correlation-scale", overlap, "_correlation", _correlation_unnormalized, lambda: None),
)


from theory import sampled  # noqa: E402 - grouped with its faults

_draw_inputs = sampled.draw_inputs


def _uniform_wrong_variance(law, shape, rng):
    """Uniform inputs drawn on [−1, 1] (variance 1/3) instead of [−√3, √3]."""
    if law == "uniform":
        return rng.uniform(-1.0, 1.0, shape)
    return _draw_inputs(law, shape, rng)


SAMPLED_FAULTS = (
    Fault("sgd-input-variance", sampled, "draw_inputs", _uniform_wrong_variance, lambda: "uniform"),
)


def _network_jax():
    from theory import network_jax
    return network_jax


def _stride_off_by_one(p):
    """The convolution's stride one less than its kernel: overlapping windows, k' ≠ k outputs."""
    return max(1, p - 1)


def jax_faults():
    """The JAX model's faults (built on demand: JAX is an optional extra)."""
    return (Fault("jax-wrong-stride", _network_jax(), "_stride", _stride_off_by_one, lambda: None),)
