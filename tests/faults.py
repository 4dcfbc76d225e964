"""Deliberately wrong formulas, planted with monkeypatch to show that each claim can fail.

Each fault names the claims it must refute. Every registered claim must appear in at
least one fault (tests/test_claims.py enforces this).
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np

from checks.experiments import invariant_grid, judged, proved
from tests import beyond_faults
from theory import (
    activations,
    certify,
    dynamics,
    empirical,
    formulas,
    full_gd,
    initialization,
    network_jax,
    overlap,
    plain_gd,
    quadrature,
    reduced_gd,
    sampled,
    vector_math,
)
from theory.reduced_gd import StepResult, register_jitable

_g, _loss, _grad_a, _grad_v = formulas.g, formulas.loss_from_scalars, formulas.grad_a, formulas.grad_v
_optimal_a = formulas.optimal_a
_step, _sphere_angles, _draw_sample = reduced_gd.step, initialization.sphere_angles, empirical.draw_sample


def _wrong_g_constant(angle, ar):
    sin_phi, cos_phi = formulas.sin_cos(angle, ar)
    return angle.delta * cos_phi + 1.001 * sin_phi  # should be 1 · sin φ


def _loss_without_teacher_norm(ar, **kw):
    return _loss(ar, **{**kw, "c": ar.scalar(1)})  # ‖w*‖ dropped


def _grad_a_without_teacher_norm(ar, **kw):
    return _grad_a(ar, **{**kw, "c": ar.scalar(1)})


def _grad_v_wrong_sign(ar, **kw):
    return -_grad_v(ar, **kw)


def _relu_mean_wrong_constant(norm_u, ar):
    return norm_u / ar.sqrt(ar.pi)  # should be √(2π)


def _spurious_a_sign_flip(ar, *, angle, a_star, c, s):
    if angle.delta != 0:
        return _optimal_a(ar, angle=angle, a_star=a_star, c=c, s=s)
    k = len(a_star)
    return (c / (ar.pi - 1)) * (a_star + s * ar.pi / (k + ar.pi - 1))  # should be −a* + …


def _threshold_k_plus_pi(teacher):
    s, a_sq = teacher.a_star.sum(), teacher.a_star @ teacher.a_star
    return bool(s * s < (teacher.k + math.pi) / math.pi * a_sq)  # should be (k + π − 1)/π


def _grad_v_unprojected(ar, *, geo, a_dot):
    return -(a_dot * geo.angle.delta / (2 * ar.pi)) * ((geo.proj_w + geo.u * geo.r) / geo.r)


# The step faults are compiled into a fresh kernel (Fault.plant), so they are numba-compatible;
# inlined and free of libm calls like the real step, so that the faulty kernel vectorizes too
# (a fault that made the kernel scalar would only cost the tests time).
_inline = register_jitable(forceinline=True)


@_inline
def moved_to(out, x, y, z1, z2):
    """The step result ``out`` with its new state replaced by (x, y, z1, z2): a faulty move."""
    return StepResult(x, y, z1, z2, out.phi, out.delta, out.loss, out.a_dot, out.a_sum, out.a_sq)


@_inline
def _v_step_wrong_sign(x, y, z1, z2, residual_sq, consts):
    out = _step(x, y, z1, z2, residual_sq, consts)
    return moved_to(out, 2 * x - out.x, 2 * y - out.y, out.z1, out.z2)  # v goes uphill


@_inline
def _cos_angle(x, y):
    """cos ∠(v, w*) for v = (x, y) in the plane: it falls as the angle grows."""
    return x / vector_math.hypot(x, y)


@_inline
def _v_step_towards_teacher(x, y, z1, z2, residual_sq, consts):
    out = _step(x, y, z1, z2, residual_sq, consts)
    keep = (_cos_angle(out.x, out.y) >= _cos_angle(x, y)) * 1.0   # did φ fall?
    flip = 1.0 - keep       # else mirror the move: v always turns towards w*, as if aᵀa* > 0
    return moved_to(out, keep * out.x + flip * (2 * x - out.x), keep * out.y + flip * (2 * y - out.y),
                    out.z1, out.z2)


@_inline
def _v_step_away_from_teacher(x, y, z1, z2, residual_sq, consts):
    out = _step(x, y, z1, z2, residual_sq, consts)
    keep = (_cos_angle(out.x, out.y) <= _cos_angle(x, y)) * 1.0   # did φ rise?
    flip = 1.0 - keep       # v always turns away from w*, as if aᵀa* < 0
    return moved_to(out, keep * out.x + flip * (2 * x - out.x), keep * out.y + flip * (2 * y - out.y),
                    out.z1, out.z2)


@_inline
def _v_step_extra_delta(x, y, z1, z2, residual_sq, consts):
    out = _step(x, y, z1, z2, residual_sq, consts)
    factor = np.pi - out.phi      # the v-move scaled by an extra π − φ (φ at the step's start)
    return moved_to(out, x + factor * (out.x - x), y + factor * (out.y - y), out.z1, out.z2)


@_inline
def _a_step_slow_after_phase_one(x, y, z1, z2, residual_sq, consts):
    out = _step(x, y, z1, z2, residual_sq, consts)
    # past the end of Phase I (φ < π/4 and aᵀa* ≥ ½‖w*‖‖a*‖², with teacher_part = (π − 1)‖w*‖²‖a*‖²)
    # the a-step is 100× too short, so Phase II crawls
    after = (out.phi < np.pi / 4) * (out.a_dot >= 0.5 * consts.teacher_part / ((np.pi - 1) * consts.c))
    factor = 1.0 - 0.99 * after
    return moved_to(out, out.x, out.y, z1 + factor * (out.z1 - z1), z2 + factor * (out.z2 - z2))


def _labels_without_relu(teacher, n, rng, noise=0.0):
    sample = _draw_sample(teacher, n, rng, noise)
    linear = (sample.Z @ teacher.w_star) @ teacher.a_star  # σ dropped from the teacher's labels
    return empirical.Sample(sample.Z, linear + (sample.y - sample.y))


def _init_wrong_hemisphere(p, n, rng):
    cos_phi, sin_phi = _sphere_angles(p, n, rng)
    return -np.abs(cos_phi), sin_phi  # v₀ never within 90° of w*


def _init_near_hemisphere(p, n, rng):
    cos_phi, sin_phi = _sphere_angles(p, n, rng)
    return np.abs(cos_phi), sin_phi  # v₀ always within 90° of w*


@_inline
def _plain_step_as_normalized(x, y, z1, z2, residual_sq, consts):
    """Plain GD run as the weight-normalized step: the chain rule through b = ‖w‖a forgotten."""
    return _step(x, y, z1, z2, residual_sq, consts)


_plain_step = plain_gd.plain_step


@_inline
def _plain_step_slow_after_phase_one(x, y, z1, z2, residual_sq, consts):
    """Plain GD whose step past Phase I (φ < π/4 and bᵀa* ≥ ½‖w*‖‖a*‖², teacher_part = (π − 1)‖w*‖²‖a*‖²)
    moves a fifth of the way: Phase II is five times slower, so the speedup falls below 2."""
    out = _plain_step(x, y, z1, z2, residual_sq, consts)
    after = (out.phi < np.pi / 4) * (out.a_dot >= 0.5 * consts.teacher_part / ((np.pi - 1) * consts.c))
    factor = 1.0 - 0.8 * after
    return moved_to(out, x + factor * (out.x - x), y + factor * (out.y - y), z1 + factor * (out.z1 - z1),
                    z2 + factor * (out.z2 - z2))


_batch_gradient, _batch_state = full_gd.batch_gradient, full_gd.batch_state


def _plain_gradient_without_radial(teacher, W, A, state=None, ar=None):
    """The full engine's plain gradient without its radial part (aᵀ∇')ŵ: ‖w‖ never moves."""
    norms = np.linalg.norm(W, axis=1)
    B = A * norms[:, None]
    grad_v, grad_b = _batch_gradient(teacher, W, B, state or _batch_state(teacher, W, B, ar), ar)
    return grad_v, grad_b * norms[:, None]


_draw_samples = sampled.draw_samples


def _samples_labels_negated(teacher, law, datasets, n, rng):
    """The sampled labels with their sign flipped: the network is fitted to −f*."""
    samples = _draw_samples(teacher, law, datasets, n, rng)
    return sampled.Samples(samples.Z, -samples.y)


_draw_inputs = sampled.draw_inputs


def _gaussian_inputs_wrong_variance(law, shape, rng):
    """Gaussian inputs drawn with variance 2 (a scale √2 left in)."""
    if law == "gaussian":
        return math.sqrt(2.0) * rng.standard_normal(shape)
    return _draw_inputs(law, shape, rng)


def _radial_tail_uniform_disk(u, k):
    """The disk's radial law as if a₀ were uniform on the disk (the k-ball's projection ignored):
    P(u₀ > u) = 1 − u² at every k — wrong for k ≠ 2, where it moves mass to the rim."""
    u = np.clip(u, 0.0, 1.0)
    return 1.0 - u * u


_FAULTY_KERNELS: dict = {}   # per process: a kernel compiled around a faulty step, kept for its next test


@dataclass(frozen=True)
class Fault:
    name: str
    target: str
    replacement: Callable
    refutes: tuple[str, ...]
    module: ModuleType = formulas

    def plant(self, monkeypatch) -> None:
        # Fresh caches for the faulty run, and the untouched ones back afterwards: a table or a
        # decision computed under a fault must not outlive it.
        for module, name in ((dynamics, "decision_table"), (dynamics, "reduced_plane"),
                             (certify, "spurious_condition")):
            cached = getattr(module, name)
            fresh = functools.lru_cache(maxsize=cached.cache_info().maxsize)(cached.__wrapped__)
            monkeypatch.setattr(module, name, fresh)
        # the invariant grid's in-process caches of counts and thresholds, likewise
        monkeypatch.setattr(invariant_grid._MemoryCache, "entries", {})
        monkeypatch.setattr(invariant_grid, "_THRESHOLDS", {})
        if self.module in (reduced_gd, quadrature):     # what P_∞ by quadrature (cached per process) runs on
            monkeypatch.setattr(judged, "_QUADRATURES", {})
        monkeypatch.setattr(proved, "_PROVED", {})      # proved enclosures, likewise
        monkeypatch.setattr(self.module, self.target, self.replacement)
        if self.module is reduced_gd:  # the cached kernels hold the real step: ones compiled with the fault
            if self.name not in _FAULTY_KERNELS:
                # cached on disk under the fault's name, and dropped when this file, the file of the
                # replacement or an engine file changes (reduced_gd.forget_stale_cache)
                sources = (Path(__file__), Path(inspect.getfile(self.replacement)))
                _FAULTY_KERNELS[self.name] = tuple(
                    reduced_gd.build_variant(loop, self.name, self.replacement, sources) or False
                    for loop in ("_kernel", "_phase_loop"))
            gd_kernel, phase_kernel = _FAULTY_KERNELS[self.name]
            monkeypatch.setattr(reduced_gd, "_KERNEL", gd_kernel)
            monkeypatch.setattr(reduced_gd, "_PHASE_KERNEL", phase_kernel)
        if self.module in (activations, activations.LeakyRelu):    # GELU's table is cached per ‖w*‖
            monkeypatch.setattr(activations, "_gelu_table", functools.lru_cache(maxsize=4)(
                activations._gelu_table.__wrapped__))
        if self.module is plain_gd:    # the plain rule's kernel, compiled around the faulty step
            if self.name not in _FAULTY_KERNELS:
                sources = (Path(__file__), Path(inspect.getfile(self.replacement)), Path(plain_gd.__file__))
                _FAULTY_KERNELS[self.name] = reduced_gd.build_variant("_kernel", self.name, self.replacement, sources,
                                                                      plain_gd.plain_shrink) or False
            monkeypatch.setattr(plain_gd, "_KERNEL", _FAULTY_KERNELS[self.name])


FAULTS = (
    Fault("g-constant", "g", _wrong_g_constant, ("gaussian-kernel", "gradients")),
    Fault("relu-mean-constant", "relu_mean", _relu_mean_wrong_constant,
          ("gaussian-kernel", "population-loss")),
    Fault("loss-drops-teacher-norm", "loss_from_scalars", _loss_without_teacher_norm,
          ("population-loss", "gradients", "global-minimum")),
    Fault("grad-a-drops-teacher-norm", "grad_a", _grad_a_without_teacher_norm, ("gradients",)),
    Fault("grad-v-sign", "grad_v", _grad_v_wrong_sign, ("gradients",)),
    Fault("spurious-a-sign", "optimal_a", _spurious_a_sign_flip,
          ("spurious-local-minimum", "spurious-condition-sharp", "critical-points", "beyond-weight-norm")),
    Fault("threshold-k-plus-pi", "spurious_condition", _threshold_k_plus_pi,
          ("spurious-local-minimum", "spurious-condition-sharp"), module=certify),
    Fault("grad-v-unprojected", "grad_v", _grad_v_unprojected, ("gradients", "norm-monotone")),
    Fault("v-step-wrong-sign", "step", _v_step_wrong_sign,
          ("convergence-in-region", "restarts", "two-phase", "fixed-output-layer"), module=reduced_gd),
    # at p = ∞ (φ₀ = π/2) the initialization's hemisphere does not exist: these faults act on the
    # finite-p runs only, so they refute the parts judged there
    Fault("init-near-hemisphere", "sphere_angles", _init_near_hemisphere, ("success-probability",),
          module=initialization),
    Fault("init-wrong-hemisphere", "sphere_angles", _init_wrong_hemisphere, ("success-probability",),
          module=initialization),
    Fault("v-step-towards-teacher", "step", _v_step_towards_teacher, ("spurious-probability",), module=reduced_gd),
    Fault("v-step-away-from-teacher", "step", _v_step_away_from_teacher, ("success-probability",),
          module=reduced_gd),
    Fault("v-step-extra-delta", "step", _v_step_extra_delta, ("spurious-sublinear",), module=reduced_gd),
    Fault("a-step-slow-after-phase-one", "step", _a_step_slow_after_phase_one, ("two-phase",), module=reduced_gd),
    Fault("plain-step-as-normalized", "plain_step", _plain_step_as_normalized, ("beyond-weight-norm",),
          module=plain_gd),
    Fault("plain-step-slow-after-phase-one", "plain_step", _plain_step_slow_after_phase_one, ("beyond-weight-norm",),
          module=plain_gd),
    Fault("plain-gradient-without-radial", "plain_gradient", _plain_gradient_without_radial, ("beyond-weight-norm",),
          module=full_gd),
    # the engines beyond the paper's assumptions (their replacements: tests/beyond_faults.py)
    Fault("leaky-kernel-constant", "kernels", beyond_faults._leaky_kernel_constant, ("beyond-activation",),
          module=activations.LeakyRelu),    # type: ignore[arg-type]  (a class attribute)
    Fault("gelu-quadrature-weights", "_hermite_rule", beyond_faults._gelu_rule_constant, ("beyond-activation",),
          module=activations),
    Fault("overlap-correlation-lag", "_correlation", beyond_faults._correlation_off_by_one, ("beyond-overlap",),
          module=overlap),
    Fault("overlap-correlation-scale", "_correlation", beyond_faults._correlation_unnormalized, ("beyond-overlap",),
          module=overlap),
    Fault("sampled-labels-negated", "draw_samples", _samples_labels_negated, ("beyond-input",), module=sampled),
    Fault("gaussian-input-variance", "draw_inputs", _gaussian_inputs_wrong_variance, ("beyond-sgd",), module=sampled),
    Fault("sgd-input-variance", "draw_inputs", beyond_faults._uniform_wrong_variance, ("beyond-input",),
          module=sampled),


    # the quadrature's weights (it runs GD through the reduced kernel, which the step faults reach):
    # its P_∞ then disagrees with the sampled runs beside it
    Fault("quadrature-uniform-disk", "radial_tail", _radial_tail_uniform_disk,
          ("success-probability", "spurious-probability"), module=quadrature),
    # JAX's convolution with stride p − 1 (not the model; theory.network_jax imports without JAX)
    Fault("jax-wrong-stride", "_stride", beyond_faults._stride_off_by_one, ("real-network",), module=network_jax),
    Fault("labels-without-relu", "draw_sample", _labels_without_relu, ("empirical-loss",),
          module=empirical),
)
