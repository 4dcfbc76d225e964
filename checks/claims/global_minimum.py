"""Claim `global-minimum`: ℓ = 0 exactly at (λw*, ‖w*‖a*), positive elsewhere, and its Hessian."""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from checks.experiments.plan import ClaimSettings, Plan, setting
from checks.experiments.teachers import landscape_teachers, loss_scale, point_json, random_point
from checks.verdicts.budget import PerBudget
from checks.verdicts.cases import FAIL, Part
from checks.verdicts.claim import Claim, rng_for
from checks.verdicts.coverage import coverage
from checks.verdicts.outcome import Outcome, combine
from theory import formulas, precision
from theory.arith import ArbArith
from theory.landscape import global_minimum, hessian, loss

__all__ = ["CLAIM", "CLAIM_ID", "DPS", "RADII", "REPORT_ORDER", "SETTINGS", "SPECTRUM_TOLERANCE", "ZERO_TOLERANCE",
           "Settings", "arb_loss_at_minimum", "check", "predicted_spectrum"]

REPORT_ORDER = 40
CLAIM_ID = "global-minimum"
DPS = 50
ZERO_TOLERANCE = 1e-45        # |ℓ| / ½(E f² + E f*²) at the minimum, 50 digits
SPECTRUM_TOLERANCE = 1e-35    # max |λ − predicted λ| / max|λ|
RADII = (1e-2, 1e-5, 1e-9)


@dataclass(frozen=True)
class Settings(ClaimSettings):
    teachers_per_family: int = setting("teachers per family")
    largest_k: int = setting("largest k")


SETTINGS = PerBudget(quick=Settings(teachers_per_family=1, largest_k=8),
                     standard=Settings(teachers_per_family=3, largest_k=16),
                     thorough=Settings(teachers_per_family=10, largest_k=32))


def arb_loss_at_minimum(teacher):
    """An arb enclosure of ℓ(w*, ‖w*‖a*) from the shared closed form: a ball around 0."""
    ar = ArbArith(256)
    with ar.precision():
        w_star, a_star = ar.vector(teacher.w_star), ar.vector(teacher.a_star)
        c, s = formulas.norm(w_star, ar), a_star.sum()
        angle = formulas.angle_from_phi(0, ar)  # v = w* exactly
        a = formulas.optimal_a(ar, angle=angle, a_star=a_star, c=c, s=s)
        value = formulas.loss_from_scalars(ar, angle=angle, a_sq=a @ a, a_sum=a.sum(),
                                           a_dot=a @ a_star, c=c, s=s, astar_sq=a_star @ a_star)
        return value


def predicted_spectrum(teacher, v_norm) -> list:
    """Eigenvalues at the minimum (docs/mathematics.md#critical-points): the v-block c²‖a*‖²/(2‖v‖²) on v⊥ (p −
    1 times),
    0 along v (scale invariance), and M/(2π): (π − 1)/(2π) (k − 1 times), (k + π − 1)/(2π)."""
    c_sq = mpmath.fsum(mpmath.mpf(x) ** 2 for x in teacher.w_star)
    a_sq = mpmath.fsum(mpmath.mpf(x) ** 2 for x in teacher.a_star)
    k, p, pi = teacher.k, teacher.p, mpmath.pi
    return sorted([c_sq * a_sq / (2 * v_norm ** 2)] * (p - 1) + [mpmath.mpf(0)]
                  + [(pi - 1) / (2 * pi)] * (k - 1) + [(k + pi - 1) / (2 * pi)])


def check(plan: Plan, seed: int) -> Outcome:
    zero = Part("zero-at-minimum", "ℓ(λw*, ‖w*‖a*) at 50 digits for λ ∈ {1e-6, 1, 1e6}",
                "|ℓ| / ½(E f² + E f*²)")
    enclosure = Part("arb-enclosure", "arb ball of ℓ(w*, ‖w*‖a*) from the shared closed form, "
                     "256 bits", "ball radius (it must contain 0)")
    positive = Part("positive-elsewhere", "ℓ at the minimum perturbed by r·d (d random in (v, a), "
                    f"r ∈ {RADII}) and at random points (r = 1), 50 digits",
                    "ℓ / (r² · ½(E f² + E f*²))", lower_bound=True)
    spectrum = Part("hessian-spectrum", "Hessian eigenvalues at the minimum vs the prediction "
                    "(M/(2π) in a, c²‖a*‖²/(2‖v‖²) on v⊥, 0 along v)",
                    "max |λ − λ_predicted| / max|λ|")
    rng = rng_for(seed, CLAIM_ID)
    settings = plan.settings(CLAIM_ID, Settings)
    teachers = landscape_teachers(rng, settings.teachers_per_family, max_k=settings.largest_k)
    for family, teacher in teachers:
        size = teacher.k + teacher.p
        instance = {"family": family, **teacher.to_json()}
        v_min, a_min = global_minimum(teacher, DPS)
        with precision.workdps(DPS):
            scale = loss_scale(teacher, v_min, a_min)
            for lam in (mpmath.mpf("1e-6"), mpmath.mpf(1), mpmath.mpf("1e6")):
                value = loss(teacher, [lam * x for x in v_min], a_min, DPS)
                zero.add({**instance, "lambda": float(lam)}, abs(value) / scale, ZERO_TOLERANCE, size=size)
            ball = arb_loss_at_minimum(teacher)
            contains_zero = bool(ball.contains(0))
            enclosure.add({**instance, "enclosure": ball.str(radius=True)}, float(ball.rad()), 1e-60,
                          size=size, status=None if contains_zero else FAIL,
                          note="" if contains_zero else "ball excludes 0")
            x_min = np.array(v_min + a_min, dtype=object)
            for r in RADII:
                d = rng.standard_normal(teacher.p + teacher.k)
                y = x_min + mpmath.mpf(r) * np.array([mpmath.mpf(x) for x in d / np.linalg.norm(d)])
                value = loss(teacher, list(y[:teacher.p]), list(y[teacher.p:]), DPS)
                positive.add({**instance, "radius": r}, value / (r * r * scale), 0, size=size)
            v, a = random_point(teacher, rng)
            positive.add({**point_json(teacher, v, a), "family": family},
                         loss(teacher, v, a, DPS) / loss_scale(teacher, v, a), 0, size=size)
            eigen = mpmath.eigsy(hessian(teacher, v_min, a_min, DPS), eigvals_only=True)
            got = sorted(eigen[i] for i in range(eigen.rows))
            want = predicted_spectrum(teacher, mpmath.mpf(1))
            spectrum.add(instance, max(abs(x - y) for x, y in zip(got, want, strict=True)) / max(abs(x) for x in got),
                         SPECTRUM_TOLERANCE, size=size)
    return combine([zero, enclosure, positive, spectrum],
                   lambda: f"ℓ = 0 to {zero.decided_worst().measured:.1e} at the minimum of {len(teachers)} teachers "
                   f"(arb ball ∋ 0); ℓ/r² ≥ {positive.decided_worst().measured:.3g} nearby; "
                   f"Hessian spectrum as predicted "
                   f"(a-block M/(2π) positive definite)",
                   radii=list(RADII), coverage=coverage([zero, enclosure, positive, spectrum], plan.budget))


CLAIM = Claim(
    id=CLAIM_ID,
    title="The global minimum",
    source="derived",
    statement=("ℓ(v, a) = 0 exactly at v = λw* (λ > 0), a = ‖w*‖a*, and ℓ > 0 at every other "
               "point tried; at the minimum the Hessian's a-block is M/(2π) = ((π − 1)I + 11ᵀ)/(2π), "
               "positive definite with eigenvalues (π − 1)/(2π) and (k + π − 1)/(2π), the v-block "
               "is ‖w*‖²‖a*‖²/(2‖v‖²) on v⊥ and 0 along v."),
    check=check,
    reconstruction="Derived from the closed-form loss (docs/mathematics.md#critical-points).",
)
