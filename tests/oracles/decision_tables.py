"""The decision table's bisection algorithm as it was before the closed forms (theory.decisions
until issue 19), kept only as a test oracle: the new r_min² must be at least these (up to the
bisections' own tolerance) wherever the tests say so.

It bisects the band's edges 56 times on the profile m(φ) and log r 36 times on the descent
condition, re-evaluating the segment's widening θ at every trial radius.
"""

from __future__ import annotations

import math

import numpy as np

from theory import decisions, formulas
from theory.arith import FLOAT64_ELEMENTWISE
from theory.decisions import LEVELS, SLACK, sup_h_to_pi, sup_q

RADIUS_RANGE = (-20.0, 20.0)
RADIUS_BISECTIONS = 36
BISECTIONS = 56


def band(teacher, basins, levels):
    """(φ_lo, φ_hi) of {m > L} by bisection on both branches of m."""
    ar = FLOAT64_ELEMENTWISE
    n, split = len(levels), basins.phi_split
    threshold = np.concatenate([levels, levels]) + SLACK * basins.scale
    lo = np.concatenate([np.zeros(n), np.full(n, split)])
    hi = np.concatenate([np.full(n, split), np.full(n, math.pi)])
    rising = np.arange(2 * n) < n
    for _ in range(BISECTIONS):
        mid = (lo + hi) / 2
        m, _ = formulas.profile_from_scalars(ar, angle=formulas.Angle(mid, math.pi - mid), k=teacher.k,
                                             c=teacher.w_norm, s=teacher.a_sum, astar_sq=teacher.a_sq)
        toward_lo = (m > threshold) == rising
        hi, lo = np.where(toward_lo, mid, hi), np.where(toward_lo, lo, mid)
    if split == math.pi:
        return hi[:n], np.full(n, np.inf)
    return hi[:n], lo[n:]


def side_radii(teacher, basins, eta, side, alpha, levels, band_edges):
    """(φ_lo, φ_hi, r_min²) of one side, the cells × levels matrix and the log-r bisection."""
    k, c = teacher.k, teacher.w_norm
    s, a_sq = teacher.a_sum, teacher.a_sq
    d = k + math.pi - 1
    m_inverse = (a_sq - s * s / d) / (math.pi - 1)
    m_forward = (math.pi - 1) * a_sq + s * s
    rounding = SLACK * basins.scale
    phi_lo, phi_hi = band_edges
    width = phi_hi - phi_lo
    edges = decisions._cell_edges(basins.phi_split)
    m_edges, adot_edges = formulas.profile_from_scalars(
        FLOAT64_ELEMENTWISE, angle=formulas.Angle(edges, math.pi - edges), k=k, c=c, s=s, astar_sq=a_sq)
    lo_edge, hi_edge = edges[:-1], edges[1:]
    cell_adot = np.maximum(np.abs(adot_edges[:-1]), np.abs(adot_edges[1:]))
    cell_q = sup_q(lo_edge, hi_edge)
    if side == "global":
        member = lo_edge[None, :] < phi_lo[:, None]
        cell_m = m_edges[:-1]
        room = phi_hi[:, None] - hi_edge[None, :]
        adot_bound = c * a_sq
    else:
        member = hi_edge[None, :] > phi_hi[:, None]
        cell_m = m_edges[1:]
        room = lo_edge[None, :] - phi_lo[:, None]
        adot_bound = abs(c * (math.pi * s * s / d - a_sq) / (math.pi - 1))
    spare = np.maximum(levels[:, None] - (cell_m[None, :] - rounding), 0.0)
    cell_turn = (eta * c * (cell_adot[None, :] + np.sqrt(4 * math.pi * spare * m_inverse)) * cell_q[None, :]
                 / (2 * math.pi))
    with np.errstate(divide="ignore", invalid="ignore"):
        needed = np.where(member, np.where(room > 0, cell_turn / (room * (1 - 1e-9)), np.inf), 0.0)
    r2_turn = needed.max(axis=1)
    largest_turn = np.where(member, cell_turn, 0.0).max(axis=1)
    a_region = adot_bound + np.sqrt(4 * math.pi * levels * m_inverse)
    a_segment = a_region + eta * np.sqrt(m_forward * levels / math.pi)
    usable = (width > 1e-12) & np.isfinite(r2_turn)

    def descends(r):
        theta = largest_turn / r ** 2
        if side == "global":
            seg_q, seg_h = sup_q(0.0, np.minimum(phi_lo + theta, math.pi)), math.pi
        else:
            lo = np.maximum(phi_hi - theta, 0.0)
            seg_q, seg_h = sup_q(lo, math.pi), sup_h_to_pi(lo)
        gamma = c * a_segment * seg_h / (2 * math.pi * r ** 2)
        beta = c * math.sqrt(a_sq) * seg_q / (2 * math.pi * r)
        curvature = (alpha + gamma) / 2 + np.sqrt(((alpha - gamma) / 2) ** 2 + beta ** 2)
        return eta * curvature < 2 * (1 - 1e-9)

    lo = np.full(LEVELS, RADIUS_RANGE[0])
    hi = np.full(LEVELS, RADIUS_RANGE[1])
    possible = usable & descends(10.0 ** hi)
    for _ in range(RADIUS_BISECTIONS):
        mid = (lo + hi) / 2
        ok = descends(10.0 ** mid)
        hi, lo = np.where(ok, mid, hi), np.where(ok, lo, mid)
    r2 = np.maximum(10.0 ** (2 * hi), r2_turn)
    return phi_lo, phi_hi, np.where(possible, r2, np.inf)


def r2_min(teacher, eta, angle_moves=None):
    """The old algorithm's r_min² for both sides (∞ where it decides nothing), and its bands."""
    angle_moves = teacher.p > 1 if angle_moves is None else angle_moves
    basins = decisions.Basins.for_teacher(teacher, angle_moves)
    alpha = (teacher.k + math.pi - 1) / (2 * math.pi)
    out = np.full(2 * LEVELS, np.inf)
    bands = np.full((2 * LEVELS, 2), np.nan)
    if not (angle_moves and eta * alpha < 2):
        return out, bands
    sides = ("global", "spurious") if basins.phi_split < math.pi else ("global",)
    side_levels = [decisions._side_levels(basins, side) for side in sides]
    lo, hi = band(teacher, basins, np.concatenate(side_levels))
    for index, side in enumerate(sides):
        own = slice(index * LEVELS, (index + 1) * LEVELS)
        phi_lo, phi_hi, r2 = side_radii(teacher, basins, eta, side, alpha, side_levels[index], (lo[own], hi[own]))
        out[own] = r2
        bands[own, 0], bands[own, 1] = phi_lo, phi_hi
    return out, bands
