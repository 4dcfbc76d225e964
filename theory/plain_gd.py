"""Gradient descent without weight normalization: plain GD on (w, a), in reduced coordinates.

docs/mathematics.md#without-weight-normalization derives it. σ is positively homogeneous, so with
b = ‖w‖a (the *effective output layer*) the loss is the weight-normalized one,

    ℓ(w, a) = ℓ_wn(ŵ, b),

and it is invariant under (w, a) → (λw, a/λ). With ∇' = ∂ℓ_wn/∂a at b, the chain rule gives

    ∂ℓ/∂a = ‖w‖ ∇',    ∂ℓ/∂w = (aᵀ∇') ŵ + ∂ℓ_wn/∂v at (v = w, b),

the second term the weight-normalized v-gradient itself (tangential: (bᵀa*)/‖w‖ = aᵀa*). So one
plain step is one weight-normalized step taken at (w, b) — :func:`theory.reduced_gd.step`, the
single source of that update, with the output layer's rate scaled by ‖w‖² — plus the radial part
−η(aᵀ∇')ŵ: :func:`plain_step`. Both parts stay in span{w, w*} and a in span{a*, 1} plus a
residual, so the reduced state is the same five numbers (x, y, z₁, z₂, residual²) — now of w and
a — and the residual shrinks by 1 − η_a‖w‖²(π − 1)/(2π), which changes with ‖w‖
(:func:`plain_shrink`). What the step reports (ℓ, aᵀa*, 1ᵀa, ‖a‖²) is measured at b: ℓ is the
loss of (w, a), and the statistics are those of the effective output layer.

Decisions: :meth:`theory.decisions.DecisionTable.stated` (the halfway levels of each side; a
stated rule, estimated — there is no proved trap for this rule yet, see the docs); a run at its
step cap is ``undecided``. :data:`PLAIN` is the :class:`theory.reduced_gd.StepRule`;
:func:`compiled_kernel` the GD kernel of :mod:`theory.reduced_gd` compiled around it.
:func:`balance` is ‖w‖² − ‖a‖², which gradient flow conserves and each GD step changes by
η²(‖∂ℓ/∂w‖² − ‖∂ℓ/∂a‖²).
"""

from __future__ import annotations

import math
import threading
from pathlib import Path

import numpy as np

from theory import initialization
from theory.reduced_gd import (
    StepConstants,
    StepResult,
    StepRule,
    build_variant,
    hypot,
    register_jitable,
    square,
    step,
)
from theory.teacher import Teacher

__all__ = ["PLAIN", "balance", "compiled_kernel", "default_eta", "landing_radius_sq", "plain_shrink", "plain_step"]


@register_jitable(forceinline=True)   # inlined into the kernel: its loop vectorizes
def plain_step(x, y, z1, z2, residual_sq, consts):
    """One plain GD step on (w, a) in reduced coordinates (module docstring): the
    weight-normalized :func:`theory.reduced_gd.step` at (w, b = ‖w‖a) with the output layer's
    rate η_a‖w‖²/(2π), which moves w tangentially and gives ‖w‖·a_{t+1}, and the radial part
    −η(aᵀ∇')ŵ, 2π·aᵀ∇' = [(π − 1)‖b‖² + 1ᵀb(1ᵀb − c·1ᵀa*) − c(g − 1)bᵀa*]/‖w‖. ``consts`` are
    :class:`theory.reduced_gd.StepConstants` (η for w, η_a for a); the result's measures are
    those of (w, b)."""
    norm = hypot(x, y)
    norm_sq = norm * norm
    scaled = StepConstants(consts.v_rate, consts.a_rate * norm_sq, consts.c, consts.cs, consts.teacher_part,
                           consts.q1a, consts.q1b, consts.qaa, consts.qab, consts.pi, consts.pi_minus_1,
                           consts.quarter_over_pi)
    out = step(x, y, norm * z1, norm * z2, norm_sq * residual_sq, scaled)
    inv_norm = 1.0 / norm
    g = out.delta * (x * inv_norm) + abs(y * inv_norm)
    # η(aᵀ∇')/‖w‖ = (v_rate/c)·(2π bᵀ∇')/‖w‖²: v_rate = ηc/(2π)
    radial = (consts.v_rate / consts.c) * inv_norm * inv_norm * (
        consts.pi_minus_1 * out.a_sq + out.a_sum * (out.a_sum - consts.cs) - consts.c * (g - 1) * out.a_dot)
    return StepResult(out.x - radial * x, out.y - radial * y, out.z1 * inv_norm, out.z2 * inv_norm,
                      out.phi, out.delta, out.loss, out.a_dot, out.a_sum, out.a_sq)


@register_jitable(forceinline=True)
def plain_shrink(residual_sq, x, y, rho_sq, consts):
    """The residual's squared norm after a plain step from (x, y): multiplied by
    (1 − η_a‖w‖²(π − 1)/(2π))², η_a/(2π) = ``consts.a_rate`` (``rho_sq``, the weight-normalized
    rule's constant factor, is not used)."""
    return residual_sq * square(1.0 - consts.a_rate * consts.pi_minus_1 * (square(x) + square(y)))


PLAIN = StepRule("plain", __name__, "plain_step", "plain_shrink", weight_norm=False)

_KERNEL = None
_LOCK = threading.Lock()


def compiled_kernel():
    """theory.reduced_gd's GD kernel compiled (parallel, cached on disk under its own name) around
    :func:`plain_step` and :func:`plain_shrink`; None without numba."""
    global _KERNEL
    with _LOCK:
        if _KERNEL is None:
            _KERNEL = build_variant("_kernel", "plain", plain_step, (Path(__file__),), plain_shrink,
                                    parallel=True) or False
    return _KERNEL or None


def balance(V: np.ndarray, A: np.ndarray) -> np.ndarray:
    """‖w‖² − ‖a‖² of each row of (W, A): conserved by gradient flow, moved by O(η²) per GD step."""
    return np.einsum("ij,ij->i", V, V) - np.einsum("ij,ij->i", A, A)


def landing_radius_sq(balance_value, effective_norm_sq):
    """‖w‖² of the point of a critical curve {(λŵ, b/λ)} with ‖w‖² − ‖a‖² = ``balance_value``,
    ‖b‖² = ``effective_norm_sq``: λ² = (B + √(B² + 4‖b‖²))/2 — where gradient flow ends."""
    balance_value = np.asarray(balance_value, dtype=float)
    return (balance_value + np.sqrt(balance_value * balance_value + 4 * np.asarray(effective_norm_sq))) / 2


def default_eta(teacher: Teacher, v0_norm: float = initialization.DEFAULT_V0_NORM) -> float:
    """¼ of the stability limit 2/λ_max at the global minimum gradient flow reaches from a start
    with a₀ = 0 and ‖w₀‖ = ‖v₀‖ (balance B = ‖v₀‖², the most unbalanced start of the paper's
    initialization): at (λŵ*, c a*/λ), λ² = :func:`landing_radius_sq` (B, c²‖a*‖²), the Hessian's
    blocks are λ²M/(2π) on a, c²a*ᵀMa*/(2πλ²) on ‖w‖ (coupled to a, with a null direction along
    the curve) and c²‖a*‖²/(2λ²) on the angle, so λ_max ≤ max(λ²(k + π − 1)/(2π) +
    c²a*ᵀMa*/(2πλ²), c²‖a*‖²/(2λ²)). A function of (k, r, κ) and ‖v₀‖; at ‖v₀‖ = 1 and κ ≤ 1 it
    is close to theory.dynamics.default_eta."""
    v0_norm = initialization.sphere_radius(v0_norm)
    k, c, s, a_sq = teacher.k, teacher.w_norm, teacher.a_sum, teacher.a_sq
    b_sq = c * c * a_sq
    lam_sq = float(landing_radius_sq(v0_norm * v0_norm, b_sq))
    forward = c * c * ((math.pi - 1) * a_sq + s * s)          # c²a*ᵀMa*
    largest = max(lam_sq * (k + math.pi - 1) / (2 * math.pi) + forward / (2 * math.pi * lam_sq), b_sq / (2 * lam_sq))
    return 0.5 / largest
