"""Claim `spurious-local-minimum`: the paper's spurious local minimum, certified.

The minimum is degenerate (the Hessian vanishes where v leaves −w*), so the check certifies
it with the argument of docs/mathematics.md#critical-points: for fixed φ, ℓ is strictly convex in a with minimum
m(φ); m'(φ) = (π − φ) sin φ · c a(φ)ᵀa*/(2π); so if a_sᵀa* < 0 (certified in arb), m
decreases towards φ = π near π and ℓ(v, a) ≥ m(φ(v)) ≥ m(π) = ℓ(−w*, a_s). The identity for
m' is checked against mpmath derivatives, and the loss is probed along generated directions.
"""

from __future__ import annotations

import math

import matplotlib
import mpmath
import numpy as np

from checks.cases import FAIL, Part, combine
from checks.certificates import certificate_case
from checks.coverage import coverage
from checks.figures import new_figure, to_figure
from checks.instances import boundary_ratio, landscape_teachers, loss_scale
from checks.registry import Budget, Claim, Figure, Outcome, register, rng_for
from theory import Teacher, landscape, precision

REPORT_ORDER = 50
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


def landscape_figure(teacher: Teacher, n_phi: int = 121, n_t: int = 81) -> Figure:
    """ℓ(φ, a(t)) with a(t) = (1 − t)·‖w*‖a* + t·a_s, both minima and the saddle marked.

    a(φ) is affine in g(φ), so the saddle's a lies on this very segment, at t = (π − g(φ_s))/π.
    """
    a_global, a_spurious = landscape.global_minimum(teacher)[1], landscape.spurious_point(teacher)[1]
    phis, ts = np.linspace(0, math.pi, n_phi), np.linspace(-0.25, 1.25, n_t)
    values = np.array([[landscape.reduced_loss(teacher, phi, (1 - t) * a_global + t * a_spurious)
                        for phi in phis] for t in ts])
    fig, axes = new_figure(width=7.2)
    ax = axes[0, 0]
    # log-spaced levels on round numbers: the basins' floors stay resolved, the ticks readable
    positive = values[values > 0]
    low, high = math.floor(math.log10(positive.min())), math.ceil(math.log10(values.max()))
    levels = np.logspace(low, high, 4 * (high - low) + 1)
    contour = ax.contourf(phis, ts, np.clip(values, levels[0], None), levels=levels, cmap="viridis",
                          norm=matplotlib.colors.LogNorm())
    bar = fig.colorbar(contour, ax=ax, label="population loss ℓ (log scale)")
    bar.set_ticks([10.0 ** e for e in range(low, high + 1)])
    marker = {"markeredgecolor": "black", "clip_on": False, "zorder": 5}
    ax.plot([0], [0], "o", color="white", label="global minimum", **marker)
    ax.plot([math.pi], [1], "s", color="red", label="spurious point", **marker)
    phi_s = landscape.saddle_angle(teacher)
    if phi_s is not None:
        g_s = float((math.pi - phi_s) * math.cos(phi_s) + math.sin(phi_s))
        ax.plot([float(phi_s)], [(math.pi - g_s) / math.pi], "X", color="orange", markersize=9,
                label="saddle (φ_s)", **marker)
    ax.set_xlabel("angle φ between v and w* (radians)")
    ax.set_ylabel("t: a = (1 − t)·‖w*‖a* + t·a_s")
    ax.set_xlim(-0.08, math.pi + 0.08)     # room for the markers at φ = 0 and φ = π
    ratio = teacher.spurious_ratio / boundary_ratio(teacher.k)
    ax.set_title(f"Loss landscape, k = {teacher.k}, ratio/boundary = {ratio:.3g}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3, fontsize="small")
    return to_figure(fig, "The loss over (φ, t)",
                     "The global minimum (φ = 0, t = 0) and the spurious local minimum (φ = π, t = 1) "
                     "sit in separate basins divided by the saddle; along φ near π the floor is flat "
                     "to third order, which is why the spurious minimum is degenerate.")


def profile_figure(with_minimum: Teacher, seed: int, n_phi: int = 200) -> Figure:
    """m(φ)/m(π) for a teacher with the spurious minimum and its average-pooling sibling (without)."""
    without = Teacher(with_minimum.w_star, np.ones(max(with_minimum.k, 2)))
    phis = np.linspace(0, math.pi, n_phi)
    fig, axes = new_figure()
    ax = axes[0, 0]
    for teacher, style, label in ((with_minimum, "-", "with spurious minimum"),
                                  (without, "--", "without (a* = 1)")):
        m = np.array([landscape.profile(teacher, phi) for phi in phis])
        ratio = teacher.spurious_ratio / boundary_ratio(teacher.k)
        ax.plot(phis, m / landscape.spurious_loss(teacher), style,
                label=f"{label}: k = {teacher.k}, ratio/boundary = {ratio:.3g}")
    phi_s = landscape.saddle_angle(with_minimum)
    if phi_s is not None:
        ax.axvline(float(phi_s), color="orange", linestyle=":", label="saddle angle φ_s")
    ax.set_xlabel("angle φ between v and w* (radians)")
    ax.set_ylabel("m(φ) / m(π)  (m = min over a of ℓ)")
    ax.set_title("Profile of the loss minimized over a")
    ax.legend(fontsize="small")
    return to_figure(fig, "The profile m(φ) = min_a ℓ(φ, a)",
                     "With the spurious minimum, m rises to a maximum at the saddle angle φ_s and "
                     "falls again towards φ = π; without it, m increases all the way to π.")


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
                numeric = mpmath.diff(lambda f, teacher=teacher: landscape.profile(teacher, f, mpmath.mp.dps),
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
            v_moved = [x + mpmath.mpf(CUBIC_RADIUS) * t for x, t in zip(v_s, tangent, strict=True)]
            rise = landscape.loss(teacher, v_moved, a_s, DPS) - value
            a_dot = sum(x * y for x, y in zip(a_s, teacher.a_star, strict=True))
            c = mpmath.norm([mpmath.mpf(x) for x in teacher.w_star])
            delta = mpmath.atan(CUBIC_RADIUS)  # the angle moved, with ‖v_s‖ = 1
            predicted = c * abs(a_dot) * delta ** 3 / (6 * mpmath.pi)
            cubic_part.add(instance, abs(rise / predicted - 1), CUBIC_TOLERANCE, size=size)
    with_min = next(t for f, t in teachers)
    figures = [landscape_figure(with_min), profile_figure(with_min, seed)]
    return combine(
        [gradient_part, loss_part, cert_part, identity_part, probe_part, cubic_part],
        lambda: f"{len(teachers)} teachers with the condition: ∇ℓ = 0 to {gradient_part.decided_worst().measured:.0e}, "
        f"loss = closed form > 0, a_sᵀa* < 0 and ℓ_s > ℓ_global certified in arb, "
        f"ℓ rises along all {len(probe_part.cases)} probes (like r³ along the Hessian's null direction)",
        figures=figures, certificates=certificates,
        coverage=coverage([gradient_part, loss_part, cert_part, identity_part, probe_part, cubic_part], budget))


CLAIM = register(Claim(
    id=CLAIM_ID,
    title="A spurious local minimum exists",
    source="paper",
    wording=("We prove that with Gaussian input Z, there is a spurious local minimum that is not "
             "a global minimum."),
    reconstruction=("Location, condition and loss value are our reconstruction "
                    "(docs/mathematics.md#critical-points): the "
                    "point (−w*, a_s), a local minimum iff (1ᵀa*)² < ((k+π−1)/π)‖a*‖²; p ≥ 2 "
                    "(for p = 1 the angle cannot move, see spurious-condition-sharp)."),
    statement=("For p ≥ 2 and every teacher with (1ᵀa*)² < ((k + π − 1)/π)‖a*‖², the point v = −w*, "
               "a = a_s = (‖w*‖/(π − 1))[−a* + π(1ᵀa*)/(k + π − 1)·1] has zero gradient, loss "
               "ℓ_s = ‖w*‖²[(π − 2)‖a*‖² + π(1ᵀa*)²/(k + π − 1)]/(4(π − 1)) > 0 = ℓ_global, and is a "
               "local minimum: a_sᵀa* < 0 (certified with arb) and m'(φ) = (π − φ) sin φ ‖w*‖ "
               "a(φ)ᵀa*/(2π) make m(φ) = min_a ℓ(φ, a) decrease towards φ = π."),
    check=check,
))
