"""Claim `spurious-local-minimum`: the paper's spurious local minimum, certified.

The minimum is degenerate (the Hessian vanishes where v leaves −w*), so the check certifies
it with the argument of the notes (§4): for fixed φ, ℓ is strictly convex in a with minimum
m(φ); m'(φ) = (π − φ) sin φ · c a(φ)ᵀa*/(2π); so if a_sᵀa* < 0 (certified in arb), m
decreases towards φ = π near π and ℓ(v, a) ≥ m(φ(v)) ≥ m(π) = ℓ(−w*, a_s). The identity for
m' is checked against mpmath derivatives, and the loss is probed along generated directions.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np

from checks.cases import FAIL, PASS, UNDECIDED, Part, combine
from checks.instances import landscape_teachers, loss_scale
from checks.landscape_figures import landscape_figure, profile_figure
from checks.registry import Budget, Claim, Outcome, register, rng_for
from theory import landscape, precision
from theory.certify import certify_spurious

CLAIM_ID = "spurious-local-minimum"
DPS = 50
GRADIENT_TOLERANCE = 1e-40
IDENTITY_TOLERANCE = 1e-30
ROUNDING = 1e-45            # loss differences below this × scale are rounding at 50 digits
RADII = (1e-2, 1e-4, 1e-8)
CUBIC_RADIUS, CUBIC_TOLERANCE = 1e-4, 1e-6


def spurious_teachers(budget: Budget, seed: int):
    rng = rng_for(seed, CLAIM_ID, "teachers")
    pool = landscape_teachers(rng, budget.pick(quick=2, standard=5, thorough=20),
                              max_k=budget.pick(quick=12, standard=24, thorough=64))
    return [(f, t) for f, t in pool if landscape.has_spurious_minimum(t)], rng


def certificate_case(part: Part, instance: dict, teacher, size: int) -> dict:
    """Adds the arb certificate of a_sᵀa* < 0 and ℓ_s − ℓ_global > 0; returns its enclosures."""
    cert = certify_spurious(teacher)
    enclosures = {"a_s_dot_a_star": cert.a_s_dot_a_star, "loss_gap": cert.loss_gap}
    status = (PASS if cert.a_s_dot_sign == -1 and cert.loss_gap_sign == 1
              else UNDECIDED if None in (cert.a_s_dot_sign, cert.loss_gap_sign) else FAIL)
    part.add({**instance, **enclosures}, cert.a_s_dot_sign or 0, 0, size=size, status=status,
             note="" if status != UNDECIDED else "an arb ball contains 0")
    return enclosures


def check(budget: Budget, seed: int) -> Outcome:
    gradient_part = Part("zero-gradient", "‖∇ℓ‖ at (−w*/‖w*‖, a_s), 50 digits", "‖∇ℓ‖")
    loss_part = Part("closed-form-loss", "ℓ(−w*, a_s) vs ℓ_s = ‖w*‖²[(π−2)‖a*‖² + π(1ᵀa*)²/(k+π−1)]"
                     "/(4(π−1)), 50 digits", "relative difference")
    cert_part = Part("certificate", "arb (256 bits): sign of a_sᵀa* (must be −1) and of "
                     "ℓ_s − ℓ_global (must be +1)", "certified sign of a_sᵀa*",
                     settle="more bits of arb precision")
    identity_part = Part("m-prime-identity", "m'(φ) = (π−φ) sin φ · c a(φ)ᵀa*/(2π) vs mpmath.diff "
                         "of m(φ) = min_a ℓ(φ, a) at φ ∈ {0.5, π/2, 2.5, π − 1e-2, π − 1e-4}, "
                         "50 digits", "relative difference")
    probe_part = Part("loss-increases", f"ℓ(x_s + r d) − ℓ_s for random d in (v, a) jointly and "
                      f"r ∈ {RADII}, 50 digits", "(ℓ(x_s + r d) − ℓ_s) / scale", lower_bound=True)
    cubic_part = Part("degenerate-direction", "along the Hessian's null direction (v tangent, a "
                      f"fixed), ℓ rises like c|a_sᵀa*| r³/(6π): ratio at r = {CUBIC_RADIUS:g}",
                      "|Δℓ / (c|a_sᵀa*| r³/(6π)) − 1|")
    teachers, rng = spurious_teachers(budget, seed)
    certificates = []
    for family, teacher in teachers:
        size, instance = teacher.k + teacher.p, {"family": family, **teacher.to_json()}
        with precision.workdps(DPS):
            v_s, a_s = landscape.spurious_point(teacher, DPS)
            gv, ga = landscape.gradient(teacher, v_s, a_s, DPS)
            gradient_part.add(instance, mpmath.norm(gv + ga), GRADIENT_TOLERANCE, size=size)
            value = landscape.loss(teacher, v_s, a_s, DPS)
            closed = landscape.spurious_loss(teacher, DPS)
            loss_part.add({**instance, "loss": float(closed)}, abs(value - closed) / closed,
                          IDENTITY_TOLERANCE, size=size,
                          status=None if closed > 0 else FAIL)
            certificates.append({"family": family, "k": teacher.k,
                                 "ratio": teacher.spurious_ratio,
                                 **certificate_case(cert_part, instance, teacher, size)})
            for phi in (0.5, math.pi / 2, 2.5, math.pi - 1e-2, math.pi - 1e-4):
                numeric = mpmath.diff(lambda f: landscape.profile(teacher, f, mpmath.mp.dps),
                                      mpmath.mpf(phi))
                closed_slope = landscape.profile_slope(teacher, phi, DPS)
                identity_part.add({**instance, "phi": float(phi)},
                                  abs(numeric - closed_slope) / abs(closed_slope), IDENTITY_TOLERANCE,
                                  size=size)
            x_s = np.array(v_s + a_s, dtype=object)
            scale = loss_scale(teacher, v_s, a_s)
            for r in RADII:
                for _ in range(3):
                    d = rng.standard_normal(teacher.p + teacher.k)
                    y = x_s + mpmath.mpf(r) * np.array([mpmath.mpf(x) for x in d / np.linalg.norm(d)])
                    rise = landscape.loss(teacher, list(y[:teacher.p]), list(y[teacher.p:]), DPS) - value
                    probe_part.add({**instance, "radius": r}, rise / scale, -ROUNDING, size=size)
            tangent = landscape.cone_point(teacher, math.pi / 2)  # ⟂ w*: the Hessian's null direction
            v_moved = [x + mpmath.mpf(CUBIC_RADIUS) * t for x, t in zip(v_s, tangent)]
            rise = landscape.loss(teacher, v_moved, a_s, DPS) - value
            a_dot = sum(x * y for x, y in zip(a_s, teacher.a_star))
            c = mpmath.norm([mpmath.mpf(x) for x in teacher.w_star])
            delta = mpmath.atan(CUBIC_RADIUS)  # the angle moved, with ‖v_s‖ = 1
            predicted = c * abs(a_dot) * delta ** 3 / (6 * mpmath.pi)
            cubic_part.add(instance, abs(rise / predicted - 1), CUBIC_TOLERANCE, size=size)
    with_min = next(t for f, t in teachers)
    figures = [landscape_figure(with_min), profile_figure(with_min, seed)]
    return combine(
        [gradient_part, loss_part, cert_part, identity_part, probe_part, cubic_part],
        lambda: f"{len(teachers)} teachers with the condition: ∇ℓ = 0 to {gradient_part.worst().measured:.0e}, "
        f"loss = closed form > 0, a_sᵀa* < 0 and ℓ_s > ℓ_global certified in arb, "
        f"ℓ rises along all {len(probe_part.cases)} probes (like r³ along the Hessian's null direction)",
        figures=figures, certificates=certificates)


CLAIM = register(Claim(
    id=CLAIM_ID,
    title="A spurious local minimum exists",
    source="paper",
    wording=("We prove that with Gaussian input Z, there is a spurious local minimum that is not "
             "a global minimum."),
    reconstruction=("Location, condition and loss value are our reconstruction (notes §4): the "
                    "point (−w*, a_s), a local minimum iff (1ᵀa*)² < ((k+π−1)/π)‖a*‖²; p ≥ 2 "
                    "(for p = 1 the angle cannot move, see spurious-condition-sharp)."),
    statement=("For p ≥ 2 and every teacher with (1ᵀa*)² < ((k + π − 1)/π)‖a*‖², the point v = −w*, "
               "a = a_s = (‖w*‖/(π − 1))[−a* + π(1ᵀa*)/(k + π − 1)·1] has zero gradient, loss "
               "ℓ_s = ‖w*‖²[(π − 2)‖a*‖² + π(1ᵀa*)²/(k + π − 1)]/(4(π − 1)) > 0 = ℓ_global, and is a "
               "local minimum: a_sᵀa* < 0 (certified with arb) and m'(φ) = (π − φ) sin φ ‖w*‖ "
               "a(φ)ᵀa*/(2π) make m(φ) = min_a ℓ(φ, a) decrease towards φ = π."),
    check=check,
))
