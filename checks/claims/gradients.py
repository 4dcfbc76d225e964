"""Claim `gradients`: the closed-form gradient and Hessian are the derivatives of the loss."""

from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import numpy as np

from checks.experiments.plan import ClaimSettings, Plan, setting
from checks.experiments.teachers import loss_scale, point_json, random_point, random_teacher
from checks.verdicts.budget import PerBudget
from checks.verdicts.cases import Part
from checks.verdicts.claim import Claim, rng_for
from checks.verdicts.coverage import coverage
from checks.verdicts.outcome import Outcome, combine
from theory import landscape, precision

__all__ = ["CLAIM", "CLAIM_ID", "DERIVATIVE_TOLERANCE", "DPS", "FLOAT64_TOLERANCE", "IDENTITY_TOLERANCE", "PHI_MARGIN",
           "REPORT_ORDER", "SETTINGS", "Settings", "check", "check_instance", "directions"]

REPORT_ORDER = 30
CLAIM_ID = "gradients"
DPS = 50
DERIVATIVE_TOLERANCE = 1e-30   # relative to max(1, ‖∇ℓ‖) or max(1, ‖H‖_F)
IDENTITY_TOLERANCE = 1e-40     # vᵀ∂ℓ/∂v and ℓ(cv, a) − ℓ(v, a), at 50 digits
FLOAT64_TOLERANCE = 1e-11      # float64 gradient / Hessian vs 50 digits, relative
# Derivatives are checked away from φ ∈ {0, π}, where ℓ is C² but not analytic in v and a
# finite-difference derivative would not reach 30 digits.
PHI_MARGIN = 1e-3


@dataclass(frozen=True)
class Settings(ClaimSettings):
    instances: int = setting("instances")
    largest_dimension: int = setting("largest k and p")


SETTINGS = PerBudget(quick=Settings(instances=6, largest_dimension=5),
                     standard=Settings(instances=20, largest_dimension=8),
                     thorough=Settings(instances=80, largest_dimension=16))


def _loss_along(teacher, x, *directions):
    """t ↦ ℓ(x + Σ t_i d_i), evaluated at whatever precision mpmath runs it (mp.diff raises it)."""
    p = teacher.p

    def f(*ts):
        y = x + sum(t * d for t, d in zip(ts, directions, strict=True))
        return landscape.loss(teacher, y[:p], y[p:], dps=mpmath.mp.dps)
    return f


def _mp(x) -> np.ndarray:
    return np.array([mpmath.mpf(xi) for xi in x], dtype=object)


def _norm(x) -> mpmath.mpf:
    return mpmath.sqrt(sum(xi * xi for xi in x))


def directions(rng: np.random.Generator, dim: int, count: int) -> list[np.ndarray]:
    """All coordinate directions when there are few, random unit directions otherwise."""
    if dim <= count:
        return list(np.eye(dim))
    return [d / np.linalg.norm(d) for d in rng.standard_normal((count, dim))]


def check_instance(teacher, v, a, rng, parts: dict[str, Part]) -> None:
    instance, size = point_json(teacher, v, a), teacher.k + teacher.p
    dim = teacher.k + teacher.p
    with precision.workdps(DPS):
        x = _mp(np.concatenate([v, a]))
        gv, ga = landscape.gradient(teacher, v, a, dps=DPS)
        grad = np.array(gv + ga, dtype=object)
        hess = landscape.hessian(teacher, v, a, dps=DPS)
        grad_scale = max(mpmath.mpf(1), _norm(grad))
        hess_scale = max(mpmath.mpf(1), mpmath.mnorm(hess, "f"))
        for d in directions(rng, dim, 8):
            numeric = mpmath.diff(_loss_along(teacher, x, _mp(d)), 0)
            parts["gradient"].add(instance, abs(numeric - grad @ _mp(d)) / grad_scale,
                                  DERIVATIVE_TOLERANCE, size=size)
        for d1, d2 in zip(directions(rng, dim, 3), directions(rng, dim, 3)[::-1], strict=True):
            numeric = mpmath.diff(_loss_along(teacher, x, _mp(d1), _mp(d2)), (0, 0), (1, 1))
            closed = sum(d1[i] * hess[i, j] * d2[j] for i in range(dim) for j in range(dim))
            parts["hessian"].add(instance, abs(numeric - closed) / hess_scale,
                                 DERIVATIVE_TOLERANCE, size=size)
        gv_norm = _norm(gv)
        along_v = abs(sum(vi * gi for vi, gi in zip(x[:teacher.p], gv, strict=True)))
        parts["orthogonal"].add(instance, along_v / (_norm(x[:teacher.p]) * gv_norm) if gv_norm else 0,
                                IDENTITY_TOLERANCE, size=size)
        base, scale = landscape.loss(teacher, v, a, dps=DPS), loss_scale(teacher, v, a)
        for c in 10.0 ** rng.uniform(-8, 8, size=3):
            parts["scale-invariance"].add(
                {**instance, "c": float(c)},
                abs(landscape.loss(teacher, x[:teacher.p] * mpmath.mpf(c), a, dps=DPS) - base) / scale,
                IDENTITY_TOLERANCE, size=size)
        gv64, ga64 = landscape.gradient(teacher, v, a)
        grad_error = _norm(_mp(np.concatenate([gv64, ga64])) - grad) / _norm(grad)
        hess_error = (mpmath.mnorm(mpmath.matrix(landscape.hessian(teacher, v, a).tolist()) - hess, "f")
                      / mpmath.mnorm(hess, "f"))
        parts["float64"].add(instance, max(grad_error, hess_error), FLOAT64_TOLERANCE, size=size)


def check(plan: Plan, seed: int) -> Outcome:
    parts = {
        "gradient": Part("gradient", "dᵀ∇ℓ vs mpmath.diff of t ↦ ℓ(x + td) at 50 digits",
                         "|difference| / max(1, ‖∇ℓ‖)"),
        "hessian": Part("hessian", "d₁ᵀHd₂ vs mpmath.diff of (s, t) ↦ ℓ(x + sd₁ + td₂) at 50 digits",
                        "|difference| / max(1, ‖H‖_F)"),
        "orthogonal": Part("orthogonal", "∂ℓ/∂v ⟂ v", "|vᵀ∂ℓ/∂v| / (‖v‖‖∂ℓ/∂v‖)"),
        "scale-invariance": Part("scale-invariance", "ℓ(cv, a) = ℓ(v, a) for c ∈ [1e-8, 1e8]",
                                 "|ℓ(cv, a) − ℓ(v, a)| / ½(E f² + E f*²)"),
        "float64": Part("float64", "float64 gradient and Hessian vs 50 digits",
                        "max relative error (2-norm, Frobenius)"),
    }
    settings = plan.settings(CLAIM_ID, Settings)
    n_instances, max_dim = settings.instances, settings.largest_dimension
    for i in range(n_instances):
        rng = rng_for(seed, CLAIM_ID, i)
        teacher = random_teacher(rng, max_k=max_dim, max_p=max_dim, norm_range=(0.25, 4.0))
        v, a = random_point(teacher, rng, phi_range=(PHI_MARGIN, math.pi - PHI_MARGIN))
        check_instance(teacher, v, a, rng, parts)

    def summary() -> str:
        largest = max(parts["gradient"].decided_worst().measured, parts["hessian"].decided_worst().measured)
        return (f"gradient and Hessian match {DPS}-digit numerical derivatives to {largest:.1e} "
                f"on {n_instances} instances; ∂ℓ/∂v ⟂ v and scale invariance hold to "
                f"{IDENTITY_TOLERANCE:g}")

    return combine(list(parts.values()), summary, dps=DPS, coverage=coverage(parts.values(), plan.budget))


CLAIM = Claim(
    id=CLAIM_ID,
    title="Closed-form gradient and Hessian",
    source="derived",
    statement=("∂ℓ/∂a = (1/2π)[Ma − c((g(φ) − 1)I + 11ᵀ)a*], ∂ℓ/∂v = −(aᵀa*)(π − φ)/(2π‖v‖)·"
               "(I − vvᵀ/‖v‖²)w*, and the Hessian of theory.landscape.hessian are the derivatives "
               "of ℓ: they equal mpmath numerical derivatives at 50 digits to 1e-30 (relative to "
               "max(1, norm)); moreover ∂ℓ/∂v ⟂ v and ℓ(cv, a) = ℓ(v, a) for every c > 0 (to 1e-40), "
               "and float64 evaluation agrees with 50 digits to 1e-11."),
    check=check,
    reconstruction="Derived by differentiating the closed-form loss "
                   "(docs/mathematics.md#closed-form-loss-and-gradients).",
)
