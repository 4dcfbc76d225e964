"""Deliberately wrong formulas, planted with monkeypatch to show that each claim can fail.

Each fault names the claims it must refute. Every registered claim must appear in at
least one fault (tests/test_claims.py enforces this).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import ModuleType
from typing import Callable

from theory import certify, formulas

_g, _loss, _grad_a, _grad_v = formulas.g, formulas.loss_from_scalars, formulas.grad_a, formulas.grad_v
_optimal_a = formulas.optimal_a


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


@dataclass(frozen=True)
class Fault:
    name: str
    target: str
    replacement: Callable
    refutes: tuple[str, ...]
    module: ModuleType = formulas

    def plant(self, monkeypatch) -> None:
        monkeypatch.setattr(self.module, self.target, self.replacement)


FAULTS = (
    Fault("g-constant", "g", _wrong_g_constant, ("gaussian-kernel", "gradients")),
    Fault("relu-mean-constant", "relu_mean", _relu_mean_wrong_constant,
          ("gaussian-kernel", "population-loss")),
    Fault("loss-drops-teacher-norm", "loss_from_scalars", _loss_without_teacher_norm,
          ("population-loss", "gradients", "global-minimum")),
    Fault("grad-a-drops-teacher-norm", "grad_a", _grad_a_without_teacher_norm, ("gradients",)),
    Fault("grad-v-sign", "grad_v", _grad_v_wrong_sign, ("gradients",)),
    Fault("spurious-a-sign", "optimal_a", _spurious_a_sign_flip,
          ("spurious-local-minimum", "spurious-condition-sharp", "critical-points")),
    Fault("threshold-k-plus-pi", "spurious_condition", _threshold_k_plus_pi,
          ("spurious-local-minimum", "spurious-condition-sharp"), module=certify),
)
