"""Figures of the loss landscape: the (φ, t) plane, the profile m(φ), the phase diagram."""

from __future__ import annotations

import math

import numpy as np

from checks.figures import new_figure, to_figure
from checks.instances import boundary_ratio
from checks.registry import Figure
from theory import Teacher, landscape


def landscape_figure(teacher: Teacher, n_phi: int = 121, n_t: int = 81) -> Figure:
    """ℓ(φ, a(t)) with a(t) = (1 − t)·‖w*‖a* + t·a_s, both minima and the saddle marked.

    a(φ) is affine in g(φ), so the saddle's a lies on this very segment, at t = (π − g(φ_s))/π.
    """
    a_global, a_spurious = landscape.global_minimum(teacher)[1], landscape.spurious_point(teacher)[1]
    phis, ts = np.linspace(0, math.pi, n_phi), np.linspace(-0.25, 1.25, n_t)
    values = np.array([[landscape.reduced_loss(teacher, phi, (1 - t) * a_global + t * a_spurious)
                        for phi in phis] for t in ts])
    fig, axes = new_figure()
    ax = axes[0, 0]
    levels = np.quantile(values, np.linspace(0, 1, 25))
    contour = ax.contourf(phis, ts, values, levels=np.unique(levels), cmap="viridis")
    fig.colorbar(contour, ax=ax, label="population loss ℓ (dimensionless)")
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
    ax.set_title(f"Loss landscape, k = {teacher.k}, (1ᵀa*)²/‖a*‖² = {teacher.spurious_ratio:.3g}")
    ax.legend(loc="lower right", fontsize="small", framealpha=0.9)
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


def phase_diagram(points: list[tuple[int, float, str]]) -> Figure:
    """(1ᵀa*)²/‖a*‖² against k, the boundary (k + π − 1)/π, teachers coloured by certified verdict."""
    fig, axes = new_figure(width=6.4, height=4.4)
    ax = axes[0, 0]
    ks = np.array([k for k, _, _ in points])
    k_grid = np.linspace(1, max(ks.max(), 2), 200)
    ax.fill_between(k_grid, 0, (k_grid + math.pi - 1) / math.pi, color="tab:red", alpha=0.08)
    ax.plot(k_grid, (k_grid + math.pi - 1) / math.pi, "k-", label="boundary (k + π − 1)/π")
    ax.plot(k_grid, k_grid, "k:", label="largest possible ratio k (a* ∝ 1)")
    colours = {"local minimum (certified)": "tab:red", "not a local minimum (descent shown)": "tab:blue",
               "undecided": "tab:gray"}
    for verdict, colour in colours.items():
        chosen = [(k, r) for k, r, v in points if v == verdict]
        if chosen:
            x, y = zip(*chosen)
            ax.scatter(x, y, s=18, color=colour, label=verdict, zorder=3)
    ax.set_xlabel("number of patches k")
    ax.set_ylabel("(1ᵀa*)² / ‖a*‖²")
    ax.set_title("Where the spurious local minimum exists (p ≥ 2)")
    ax.legend(fontsize="small")
    return to_figure(fig, "Phase diagram of the spurious minimum",
                     "Below the boundary curve the spurious point is a local minimum (certified sign "
                     "of a_sᵀa* < 0); on and above it an explicit descent direction exists. Teachers "
                     "within 1e-9 of the boundary on both sides are included.")
