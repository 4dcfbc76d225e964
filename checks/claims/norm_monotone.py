"""Claim `norm-monotone`: ‖v‖ grows by exactly η²‖∂ℓ/∂v‖² in squares at every step."""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from checks.experiments.plan import ClaimSettings, Plan, setting
from checks.experiments.teachers import gd_teachers
from checks.verdicts.budget import PerBudget
from checks.verdicts.cases import Part
from checks.verdicts.claim import Claim, rng_for
from checks.verdicts.coverage import coverage
from checks.verdicts.outcome import Outcome, combine
from theory import dynamics, landscape, precision
from theory.full_gd import batch_gradient

__all__ = ["CLAIM", "CLAIM_ID", "DPS", "FLOAT64_TOLERANCE", "MP_TOLERANCE", "REPORT_ORDER", "ROUNDING", "SETTINGS",
           "Settings", "check"]

REPORT_ORDER = 150
CLAIM_ID = "norm-monotone"
FLOAT64_TOLERANCE = 1e-13     # relative to ‖v_{t+1}‖²
DPS, MP_TOLERANCE = 50, 1e-45
ROUNDING = 1e-15              # a few ulps: decreases below this are rounding, not shrinking


@dataclass(frozen=True)
class Settings(ClaimSettings):
    runs: int = setting("runs per teacher")
    steps: int = setting("steps per run")
    teachers_per_family: int = setting("teachers per family")


SETTINGS = PerBudget(quick=Settings(runs=200, steps=200, teachers_per_family=1),
                     standard=Settings(runs=1000, steps=500, teachers_per_family=2),
                     thorough=Settings(runs=2000, steps=1000, teachers_per_family=4))


def check(plan: Plan, seed: int) -> Outcome:
    float_part = Part("float64-full-engine", "full-dimensional GD: |‖v_{t+1}‖² − ‖v_t‖² − η²‖∂ℓ/∂v_t‖²| "
                      "over every step of every run", "max relative residual")
    grows = Part("monotone", "‖v_{t+1}‖ ≥ ‖v_t‖ at every step, up to float64 rounding (1e-15 relative)",
                 "max (‖v_t‖ − ‖v_{t+1}‖) / ‖v_t‖")
    exact = Part("mpmath", f"the same identity at {DPS} digits with the closed-form gradient, a few "
                 "steps per teacher", "max relative residual")
    rng = rng_for(seed, CLAIM_ID)
    settings = plan.settings(CLAIM_ID, Settings)
    n, steps = settings.runs, settings.steps
    for family, teacher in gd_teachers(rng, settings.teachers_per_family):
        size, instance = teacher.k + teacher.p, {"family": family, **teacher.to_json()}
        V, A = dynamics.random_init(teacher, n, rng, scheme="gaussian")
        eta = dynamics.default_eta(teacher)
        worst, shrink = 0.0, 0.0
        for _ in range(steps):
            grad_v, grad_a = batch_gradient(teacher, V, A)
            V_next = V - eta * grad_v
            before, after = np.einsum("ij,ij->i", V, V), np.einsum("ij,ij->i", V_next, V_next)
            increment = eta ** 2 * np.einsum("ij,ij->i", grad_v, grad_v)
            worst = max(worst, float(np.max(np.abs(after - before - increment) / after)))
            shrink = max(shrink, float(np.max((np.sqrt(before) - np.sqrt(after)) / np.sqrt(before))))
            V, A = V_next, A - eta * grad_a
        float_part.add({**instance, "runs": n, "steps": steps, "eta": eta}, worst, FLOAT64_TOLERANCE,
                       size=size)
        grows.add({**instance, "runs": n, "steps": steps}, shrink, ROUNDING, size=size)
        with precision.workdps(DPS):
            v = [mpmath.mpf(x) for x in V[0]]
            a = [mpmath.mpf(x) for x in A[0]]
            residual = mpmath.mpf(0)
            for _ in range(3):
                gv, ga = landscape.gradient(teacher, v, a, DPS)
                v_next = [x - eta * g for x, g in zip(v, gv, strict=True)]
                lhs = mpmath.fsum(x * x for x in v_next) - mpmath.fsum(x * x for x in v)
                rhs = mpmath.mpf(eta) ** 2 * mpmath.fsum(g * g for g in gv)
                residual = max(residual, abs(lhs - rhs) / mpmath.fsum(x * x for x in v_next))
                v, a = v_next, [x - eta * g for x, g in zip(a, ga, strict=True)]
            exact.add(instance, residual, MP_TOLERANCE, size=size)
    return combine([float_part, grows, exact],
                   lambda: f"‖v_(t+1)‖² = ‖v_t‖² + η²‖∂ℓ/∂v_t‖² to {float_part.decided_worst().measured:.1e} (float64, "
                   f"{len(float_part.cases)} teachers × {n} runs × {steps} steps) and "
                   f"{exact.decided_worst().measured:.0e} at {DPS} digits; ‖v‖ never decreases",
                   coverage=coverage([float_part, grows, exact], plan.budget, runs=n * len(float_part.cases),
                                     step_sizes="the default η", also=f"{steps} steps per run"))


CLAIM = Claim(
    id=CLAIM_ID,
    title="The norm of v only grows",
    source="derived",
    statement=("Because ∂ℓ/∂v ⟂ v, every GD step satisfies ‖v_{t+1}‖² = ‖v_t‖² + η²‖∂ℓ/∂v_t‖²: the "
               "norm of v never decreases (so the effective step size on the direction shrinks)."),
    check=check,
    reconstruction="Derived from ∂ℓ/∂v ⟂ v (docs/mathematics.md#closed-form-loss-and-gradients).",
)
