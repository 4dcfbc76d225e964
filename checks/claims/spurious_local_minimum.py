"""Claim `spurious-local-minimum`: the paper's spurious local minimum, certified.

The minimum is degenerate (the Hessian vanishes where v leaves −w*), so the check certifies
it with the argument of docs/mathematics.md#critical-points: for fixed φ, ℓ is strictly convex in a with minimum
m(φ); m'(φ) = (π − φ) sin φ · c a(φ)ᵀa*/(2π); so if a_sᵀa* < 0 (certified in arb), m
decreases towards φ = π near π and ℓ(v, a) ≥ m(φ(v)) ≥ m(π) = ℓ(−w*, a_s). The identity for
m' is checked against mpmath derivatives, and the loss is probed along generated directions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import matplotlib
import mpmath
import numpy as np

from checks.experiments.certificates import certificate_case
from checks.experiments.plan import ClaimSettings, Plan, setting
from checks.experiments.teachers import boundary_ratio, landscape_teachers, loss_scale
from checks.figures.render import new_figure, to_figure
from checks.verdicts.budget import PerBudget
from checks.verdicts.cases import FAIL, Part
from checks.verdicts.claim import Claim, rng_for
from checks.verdicts.coverage import coverage
from checks.verdicts.outcome import Figure, Outcome, combine
from theory import Teacher, landscape, precision

__all__ = ["CLAIM", "CLAIM_ID", "CUBIC_RADIUS", "CUBIC_TOLERANCE", "DPS", "GRADIENT_TOLERANCE", "IDENTITY_TOLERANCE",
           "RADII", "REPORT_ORDER", "ROUNDING", "SETTINGS", "LandscapeSlice", "Settings", "check", "contour_levels",
           "landscape_figure", "landscape_slice", "profile_figure", "slice_a", "slice_point", "spurious_teachers"]

REPORT_ORDER = 50
CLAIM_ID = "spurious-local-minimum"
DPS = 50
GRADIENT_TOLERANCE = 1e-40
IDENTITY_TOLERANCE = 1e-30
ROUNDING = 1e-45            # loss differences below this × scale are rounding at 50 digits
RADII = (1e-2, 1e-4, 1e-8)
CUBIC_RADIUS, CUBIC_TOLERANCE = 1e-4, 1e-6


@dataclass(frozen=True)
class Settings(ClaimSettings):
    teachers_per_family: int = setting("teachers per family")
    largest_k: int = setting("largest k")


SETTINGS = PerBudget(quick=Settings(teachers_per_family=2, largest_k=12),
                     standard=Settings(teachers_per_family=5, largest_k=24),
                     thorough=Settings(teachers_per_family=20, largest_k=64))


def spurious_teachers(settings: Settings, seed: int):
    rng = rng_for(seed, CLAIM_ID, "teachers")
    pool = landscape_teachers(rng, settings.teachers_per_family, max_k=settings.largest_k)
    return [(f, t) for f, t in pool if landscape.has_spurious_minimum(t)], rng


class LandscapeSlice(NamedTuple):
    """The loss on a 2-D slice of parameter space that holds all three critical points.

    A point (φ, t) of the slice is v = the unit vector at angle φ from w* in one fixed plane
    (:func:`theory.landscape.cone_point`) and a = (1 − t)·‖w*‖a* + t·a_s. a(φ) = argmin_a ℓ is
    affine in g(φ), from ‖w*‖a* at g = π to a_s at g = 0, so a(φ) sits on this line at
    t = (π − g(φ))/π: the global minimum (0, 0), the spurious point (π, 1) and the saddle
    (φ_s, (π − g(φ_s))/π) all lie on the slice exactly, and ℓ on the slice is ``values``.
    """

    phis: np.ndarray
    ts: np.ndarray
    values: np.ndarray             # values[i, j] = ℓ(phis[j], a(ts[i]))
    marked: dict                   # name → (φ, t, ℓ there)
    spurious_loss: float           # ℓ_s
    saddle_loss: float             # ℓ_sad
    levels: np.ndarray             # the filled contours' boundaries


def slice_a(teacher: Teacher, t: float) -> np.ndarray:
    a_global, a_spurious = landscape.global_minimum(teacher)[1], landscape.spurious_point(teacher)[1]
    return (1 - t) * np.asarray(a_global) + t * np.asarray(a_spurious)


def slice_point(teacher: Teacher, phi: float, t: float) -> tuple[np.ndarray, np.ndarray]:
    """(v, a) in parameter space of the slice's point (φ, t)."""
    return np.asarray(landscape.cone_point(teacher, phi), dtype=float), slice_a(teacher, t)


def contour_levels(spurious: float, saddle: float, top: float, per_decade: int = 4) -> np.ndarray:
    """Levels chosen from the data so that both basins show.

    Below ℓ_s (only the global basin goes there): log-spaced in ℓ, three decades down from ℓ_s.
    Above ℓ_s: log-spaced in ℓ − ℓ_s, from 10⁻³(ℓ_sad − ℓ_s) up to the largest loss drawn,
    with ℓ_sad itself among them — the bands inside (ℓ_s, ℓ_sad) are the spurious basin's
    floor, and the level ℓ_sad is the contour through the saddle that divides the basins.
    """
    if not 0 < spurious < saddle < top:
        # the critical losses are not ordered as the theory says (a planted fault, say): plain
        # log-spaced levels over four decades below the top, with both losses among them
        levels = np.logspace(-4, 0, 4 * per_decade + 1) * max(top, 1e-300)
        return np.union1d(np.concatenate([[0.0], levels]), [x for x in (spurious, saddle) if 0 < x < top])
    depth = saddle - spurious
    below = spurious * np.logspace(-3, 0, 3 * per_decade + 1)
    decades = math.log10((top - spurious) / depth) + 3      # from 10⁻³ depth to top − ℓ_s
    above = spurious + depth * np.logspace(-3, decades - 3, max(2, math.ceil(decades * per_decade)) + 1)
    above[-1] = top                                          # the largest value drawn is inside
    return np.union1d(np.concatenate([[0.0], below, above]), [saddle])


def landscape_slice(teacher: Teacher, n_phi: int = 121, n_t: int = 121) -> LandscapeSlice:
    """ℓ on the slice over φ ∈ [0, π] and t ∈ [−0.25, 1.25] (t = 0 and t = 1 on the grid)."""
    phis, ts = np.linspace(0, math.pi, n_phi), np.union1d(np.linspace(-0.25, 1.25, n_t), [0.0, 1.0])
    values = np.array([[landscape.reduced_loss(teacher, phi, a) for phi in phis]
                       for a in (slice_a(teacher, t) for t in ts)])
    phi_s = float(landscape.saddle_angle(teacher))
    # the saddle's t: where a(φ_s) sits on the line from ‖w*‖a* (t = 0) to a_s (t = 1)
    start, direction = slice_a(teacher, 0.0), slice_a(teacher, 1.0) - slice_a(teacher, 0.0)
    t_s = float((np.asarray(landscape.optimal_a(teacher, phi_s)) - start) @ direction / (direction @ direction))
    marked = {name: (phi, t, landscape.reduced_loss(teacher, phi, slice_a(teacher, t)))
              for name, phi, t in (("global minimum", 0.0, 0.0), ("spurious minimum", math.pi, 1.0),
                                   ("saddle", phi_s, t_s))}
    spurious, saddle = marked["spurious minimum"][2], marked["saddle"][2]
    return LandscapeSlice(phis, ts, values, marked, spurious, saddle,
                          contour_levels(spurious, saddle, float(values.max())))


def landscape_figure(teacher: Teacher) -> Figure:
    """ℓ on the slice through the three critical points, with levels that show both basins."""
    data = landscape_slice(teacher)
    fig, axes = new_figure(width=7.2, height=4.6)
    ax = axes[0, 0]
    norm = matplotlib.colors.BoundaryNorm(data.levels, 256)
    contour = ax.contourf(data.phis, data.ts, data.values, levels=data.levels, cmap="viridis", norm=norm)
    if data.values.min() < data.saddle_loss < data.values.max():
        ax.contour(data.phis, data.ts, data.values, levels=[data.saddle_loss], colors="orange", linewidths=1.5)
    bar = fig.colorbar(contour, ax=ax, label="population loss ℓ (bands equal in log ℓ below ℓ_s, "
                       "in log(ℓ − ℓ_s) above)")
    digits = next((n for n in range(3, 17) if f"{data.spurious_loss:.{n}g}" != f"{data.saddle_loss:.{n}g}"), 3)
    ticks = {0.0: "0", data.spurious_loss: f"ℓ_s = {data.spurious_loss:.{digits}g}",
             data.saddle_loss: f"ℓ_sad = {data.saddle_loss:.{digits}g}",
             float(data.levels[-1]): f"{data.levels[-1]:.3g}"}
    bar.set_ticks(list(ticks), labels=list(ticks.values()))
    marker = {"markeredgecolor": "black", "clip_on": False, "zorder": 5, "linestyle": "none"}
    for (name, (phi, t, _)), (symbol, colour) in zip(data.marked.items(),
                                                     (("o", "white"), ("s", "red"), ("X", "orange")),
                                                     strict=True):
        ax.plot([phi], [t], symbol, color=colour, markersize=9 if symbol == "X" else 7, label=name, **marker)
    ax.plot([], [], color="orange", label="ℓ = ℓ_sad (divides the basins)")
    ax.set_xlabel("angle φ between v and w* (radians)")
    ax.set_ylabel("t: a = (1 − t)·‖w*‖a* + t·a_s")
    ax.set_xlim(-0.08, math.pi + 0.08)     # room for the markers at φ = 0 and φ = π
    ratio = teacher.spurious_ratio / boundary_ratio(teacher.k)
    ax.set_title(f"Loss on the slice through the critical points, k = {teacher.k}, "
                 f"ratio/boundary = {ratio:.3g}", fontsize="medium")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize="small")
    phi_s, t_s, _ = data.marked["saddle"]
    inside = int(((data.values < data.saddle_loss) & (data.phis[None, :] > phi_s)).sum())
    floor = data.marked["global minimum"][2]
    rounding = " (0 up to float64 rounding)" if 0 < floor < 1e-12 * data.spurious_loss else ""
    return to_figure(
        fig, "The loss on the slice through the three critical points",
        f"The slice: v the unit vector at angle φ from w* in one plane, a = (1 − t)·‖w*‖a* + t·a_s; "
        f"a(φ) = argmin_a ℓ lies on this line (at t = (π − g(φ))/π), so the global minimum (0, 0), the "
        f"spurious minimum (π, 1) and the saddle ({phi_s:.3f}, {t_s:.3f}) are all on it. On the "
        f"slice, evaluated by the same function as the drawn {len(data.phis)} × {len(data.ts)} grid: ℓ = "
        f"{floor:.2g}{rounding} at the global minimum, ℓ_s = {data.spurious_loss:.4g} at the spurious minimum, ℓ_sad = "
        f"{data.saddle_loss:.4g} at the saddle (the spurious basin is {data.saddle_loss - data.spurious_loss:.3g} "
        f"deep, {100 * (data.saddle_loss / data.spurious_loss - 1) if data.spurious_loss else math.inf:.2g} % "
        f"of ℓ_s), largest ℓ drawn "
        f"{data.values.max():.3g}. The orange contour ℓ = ℓ_sad through the saddle divides the basins; "
        f"{inside:,} grid points beyond φ_s lie below it, in the spurious basin, whose floor is flat to third "
        "order in φ near π (the minimum is degenerate). Levels: log-spaced below ℓ_s, and log-spaced in "
        "ℓ − ℓ_s above it, so that the shallow basin shows.")


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


def check(plan: Plan, seed: int) -> Outcome:
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
    teachers, rng = spurious_teachers(plan.settings(CLAIM_ID, Settings), seed)
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
        says="with Gaussian input there is a spurious local minimum that is not a global minimum",
        holds_in_any_case=lambda: ("Every part is judged on every teacher with the condition (no reading is needed: "
                                   "the statement is existential and certified in arb)"),
        exclusions=("the location, condition and loss value are our reconstruction (docs/mathematics.md)",),
        coverage=coverage([gradient_part, loss_part, cert_part, identity_part, probe_part, cubic_part], plan.budget))


CLAIM = Claim(
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
)
