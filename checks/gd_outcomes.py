"""Shared pieces of the gradient-descent claims: teachers, initial points, outcome statistics."""

from __future__ import annotations

import math

import numpy as np

from checks.cases import Part
from checks.instances import a_star_with_ratio, boundary_ratio, exactly_zero_sum
from checks.stats import clopper_pearson
from theory import Teacher, dynamics

MAX_STEPS = 20_000


def _w_star(rng, p):
    w = rng.standard_normal(p)
    return w / np.linalg.norm(w) * math.exp(rng.uniform(math.log(0.5), math.log(2)))


def gd_teachers(rng: np.random.Generator, per_family: int, max_k: int = 12, max_p: int = 12):
    """(family, teacher) pairs: gaussian, one-hot, 1ᵀa* = 0, average pooling, and a sweep of
    the ratio (1ᵀa*)²/‖a*‖² from 0 to k (through the spurious-minimum boundary)."""
    out = []
    for _ in range(per_family):
        k, p = int(rng.integers(2, max_k + 1)), int(rng.integers(2, max_p + 1))
        out.append(("gaussian", Teacher(_w_star(rng, p), rng.standard_normal(k))))
        out.append(("one-hot", Teacher(_w_star(rng, p), np.eye(k)[rng.integers(k)])))
        out.append(("zero-sum", Teacher(_w_star(rng, p), exactly_zero_sum(k, rng))))
        out.append(("average-pooling", Teacher(_w_star(rng, p), np.ones(k))))
    return out


def ratio_sweep(rng: np.random.Generator, fractions, k: int = 6, p: int = 6):
    """Teachers whose ratio is the given fractions of the boundary (k + π − 1)/π (capped at k)."""
    return [(f"ratio {f:g}×boundary",
             Teacher(_w_star(rng, p), a_star_with_ratio(k, min(f * boundary_ratio(k), k), rng)))
            for f in fractions]


def region_init(teacher: Teacher, n: int, rng: np.random.Generator):
    """Initial points inside the theorem's region: φ₀ < π/2, a₀ᵀa* > 0, |1ᵀa₀| ≤ |1ᵀa*|‖w*‖.

    a₀ = α u + β 1/√k + r with u the unit part of a* orthogonal to 1 and r ⟂ {1, a*}: β sets
    1ᵀa₀ = β√k within the bound, α then sets a₀ᵀa* to a chosen positive target. A quarter of
    the points each sit at an edge: φ₀ within 1e-3 of π/2, a₀ᵀa* at 1e-3 of its scale,
    |1ᵀa₀| exactly at its bound.
    """
    k, p, a_star = teacher.k, teacher.p, teacher.a_star
    c, s = teacher.w_norm, float(a_star.sum())
    w_hat = teacher.w_star / c
    edge = rng.integers(0, 4, n)          # 0: interior, 1: φ₀ edge, 2: a₀ᵀa* edge, 3: 1ᵀa₀ edge
    phi = np.where(edge == 1, math.pi / 2 - 1e-3 * rng.random(n), rng.uniform(0, math.pi / 2, n))
    if p == 1:
        V0 = np.tile(w_hat, (n, 1))
    else:
        e = rng.standard_normal((n, p))
        e -= (e @ w_hat)[:, None] * w_hat
        e /= np.linalg.norm(e, axis=1, keepdims=True)
        V0 = np.cos(phi)[:, None] * w_hat + np.sin(phi)[:, None] * e
    ones = np.ones(k) / math.sqrt(k)
    a_perp = a_star - (a_star @ ones) * ones
    scale = c * float(a_star @ a_star)
    bound = abs(s) * c
    beta = np.where(edge == 3, rng.choice([-1.0, 1.0], n), rng.uniform(-1, 1, n)) * bound / math.sqrt(k)
    target = np.where(edge == 2, 1e-3, rng.uniform(0.05, 1.0, n)) * scale
    r = rng.standard_normal((n, k)) * c * np.linalg.norm(a_star) / math.sqrt(k)
    r -= np.outer(r @ ones, ones)
    if np.linalg.norm(a_perp) > 1e-12 * np.linalg.norm(a_star):
        u = a_perp / np.linalg.norm(a_perp)
        r -= np.outer(r @ u, u)
        alpha = (target - beta * s / math.sqrt(k)) / (u @ a_star)
        A0 = alpha[:, None] * u + beta[:, None] * ones + r
    else:  # a* ∥ 1: a₀ᵀa* = (a*·1/√k) β, so β takes the sign of 1ᵀa* and cannot be 0
        beta = np.sign(s) * np.maximum(np.abs(beta), 1e-3 * bound / math.sqrt(k))
        A0 = beta[:, None] * ones + r
    return V0, A0


def proportion(successes: int, trials: int, alpha: float) -> dict:
    lo, hi = clopper_pearson(successes, trials, alpha)
    return {"successes": successes, "trials": trials, "estimate": successes / trials,
            "ci_low": lo, "ci_high": hi, "confidence": 1 - alpha}


def run_outcomes(teacher: Teacher, n: int, rng: np.random.Generator, scheme: str = "paper"):
    """n runs from the given initialization, each stopped at its decision."""
    V0, A0 = dynamics.random_init(teacher, n, rng, scheme)
    return dynamics.run_gd(teacher, V0, A0, steps=MAX_STEPS, until_decided=True)


def angle_to_teacher(teacher: Teacher, V: np.ndarray) -> np.ndarray:
    cos = V @ teacher.w_star / (np.linalg.norm(V, axis=1) * teacher.w_norm)
    return np.arccos(np.clip(cos, -1, 1))


def decisions_that_fail_to_hold(teacher: Teacher, result, outcome: str, max_runs: int = 50,
                                extra_steps: int = 2000) -> tuple[int, int]:
    """Continue up to ``max_runs`` runs decided as ``outcome`` and count those that do not keep
    going: still in the region at the restart, and closer to the minimum (φ towards 0 for
    `global`, towards π for `spurious`) after ``extra_steps`` more steps. Returns (failed, checked).

    The regions are invariant for the true dynamics; this guards the decisions against an
    engine that would violate the argument."""
    chosen = np.flatnonzero(result.outcome == outcome)[:max_runs]
    if len(chosen) == 0:
        return 0, 0
    more = dynamics.run_gd(teacher, result.V[chosen], result.A[chosen], eta=result.eta, steps=extra_steps)
    before, after = angle_to_teacher(teacher, result.V[chosen]), angle_to_teacher(teacher, more.V)
    progressed = after <= before + 1e-12 if outcome == "global" else after >= before - 1e-12
    held = (more.outcome == outcome) & (more.decided_step == 0) & progressed
    return int(np.sum(~held)), len(chosen)


def decisions_part(outcome: str) -> Part:
    towards = "φ = 0" if outcome == "global" else "φ = π"
    return Part("decisions-hold", f"runs decided `{outcome}`, continued 2000 steps: still in the region "
                f"and closer to {towards}", "decisions that did not hold")


def outcome_row(family: str, teacher: Teacher, n: int, rng: np.random.Generator, alpha: float,
                held: Part, outcome: str) -> dict:
    """Outcomes of n paper-initialized runs with exact intervals on P(global) and P(spurious);
    the runs decided as ``outcome`` are re-checked by continuing them (cases added to ``held``)."""
    result = run_outcomes(teacher, n, rng)
    counts = result.counts()
    failed, checked = decisions_that_fail_to_hold(teacher, result, outcome)
    held.add({"family": family, **teacher.to_json(), "checked": checked}, failed, 0,
             size=teacher.k + teacher.p)
    return {"family": family, **teacher.to_json(), **counts,
            "ratio_over_boundary": teacher.spurious_ratio / boundary_ratio(teacher.k),
            "p_global": proportion(counts["global"], n, alpha),
            "p_spurious": proportion(counts["spurious"], n, alpha)}
