"""An independent, deliberately naive transcription of the closed forms of
docs/mathematics.md#closed-form-loss-and-gradients, as a test oracle.

It uses acos directly and that page's compact form of ℓ, not the project's moment-based
code, so agreement is evidence that both transcribe the same mathematics.
"""

from __future__ import annotations

import mpmath


def _angle(v, w):
    dot = sum(x * y for x, y in zip(v, w, strict=True))
    nv, nw = mpmath.sqrt(sum(x * x for x in v)), mpmath.sqrt(sum(x * x for x in w))
    return mpmath.acos(max(-1, min(1, dot / (nv * nw)))), nv, nw


def loss_terms(teacher, v, a):
    """The compact ℓ as (value, sum of the absolute values of its terms), at mpmath precision."""
    w, a_star = [mpmath.mpf(x) for x in teacher.w_star], [mpmath.mpf(x) for x in teacher.a_star]
    v, a = [mpmath.mpf(x) for x in v], [mpmath.mpf(x) for x in a]
    phi, _, c = _angle(v, w)
    g = (mpmath.pi - phi) * mpmath.cos(phi) + mpmath.sin(phi)
    s = sum(a_star)
    a_sq, a_star_sq = sum(x * x for x in a), sum(x * x for x in a_star)
    a_dot = sum(x * y for x, y in zip(a, a_star, strict=True))
    terms = [(mpmath.pi - 1) * (a_sq + c * c * a_star_sq), (sum(a) - c * s) ** 2,
             -2 * c * (g - 1) * a_dot]
    return sum(terms) / (4 * mpmath.pi), sum(abs(t) for t in terms) / (4 * mpmath.pi)


def gradient(teacher, v, a):
    """The closed-form (∂ℓ/∂v, ∂ℓ/∂a) at mpmath precision."""
    w, a_star = [mpmath.mpf(x) for x in teacher.w_star], [mpmath.mpf(x) for x in teacher.a_star]
    v, a = [mpmath.mpf(x) for x in v], [mpmath.mpf(x) for x in a]
    phi, nv, c = _angle(v, w)
    g = (mpmath.pi - phi) * mpmath.cos(phi) + mpmath.sin(phi)
    s, k = sum(a_star), len(a)
    a_dot = sum(x * y for x, y in zip(a, a_star, strict=True))
    grad_a = [((mpmath.pi - 1) * a[i] + sum(a) - c * ((g - 1) * a_star[i] + s)) / (2 * mpmath.pi)
              for i in range(k)]
    u_dot_w = sum(x * y for x, y in zip(v, w, strict=True)) / nv
    proj = [w[i] - u_dot_w * v[i] / nv for i in range(len(v))]
    grad_v = [-a_dot * (mpmath.pi - phi) / (2 * mpmath.pi * nv) * x for x in proj]
    return grad_v, grad_a


def spurious_condition(teacher, dps: int = 200):
    """Sign of π(1ᵀa*)² − (k + π − 1)‖a*‖² at ``dps`` digits: True (minimum), False, or None (tie)."""
    with mpmath.workdps(dps):
        s = mpmath.fsum(mpmath.mpf(x) for x in teacher.a_star)
        a_sq = mpmath.fsum(mpmath.mpf(x) ** 2 for x in teacher.a_star)
        margin = mpmath.pi * s * s - (teacher.k + mpmath.pi - 1) * a_sq
        if abs(margin) <= mpmath.mpf(10) ** (20 - dps) * a_sq:
            return None
        return bool(margin < 0)


def spurious_a(teacher, dps: int = 60):
    """a_s by solving M a = c (11ᵀ − I) a* with mpmath's LU, not the project's closed form."""
    with mpmath.workdps(dps):
        k = teacher.k
        c = mpmath.sqrt(mpmath.fsum(mpmath.mpf(x) ** 2 for x in teacher.w_star))
        M = mpmath.matrix(k, k)
        for i in range(k):
            for j in range(k):
                M[i, j] = (mpmath.pi - 1 if i == j else 0) + 1
        s = mpmath.fsum(mpmath.mpf(x) for x in teacher.a_star)
        rhs = mpmath.matrix([c * (s - mpmath.mpf(x)) for x in teacher.a_star])
        return [x for x in mpmath.lu_solve(M, rhs)]


def full_gd_truth(teacher, V0, A0, eta, max_steps, segment=500, converged_by=None, jitter=1e-9):
    """Where plain full-dimensional GD goes, run until each run's end is unambiguous.

    GD starts from (V0, A0) moved by a seeded random ``jitter`` (relative): the outcome of a
    run should not hang on how a sum of ±x rounds. Without it, a zero-sum teacher above the
    output layer's stability limit keeps 1ᵀa = 0 — its one bounded, unstable orbit — exactly
    when k = 2 and loses it to rounding for most larger k (tests/unit/test_decisions.py shows both).

    Independent of theory.decisions: a run counts as ``global`` once ℓ < 1e-10·½E f*² and GD is
    linearly stable there, η·max((k + π − 1)/(2π), ‖w*‖²‖a*‖²/(2‖v‖²)) < 2 (the largest Hessian
    eigenvalue at the minimum; at a point GD repels, a run parked on it has not converged: it
    leaves, slowly when the instability is slight), as ``spurious`` once φ > φ_s,
    ℓ − ℓ_s < 1e-3·(ℓ_sad − ℓ_s) and η(k + π − 1)/(2π) < 2, as ``diverged`` once its state
    is non-finite or ‖a‖ exceeds 1e8 times the teacher's output scale; else it stays
    ``unresolved``. Runs are dropped from the batch as they resolve. Returns (labels,
    resolved-by-step ``converged_by``) as string arrays. Plain GD: theory.decisions is not used.
    """
    import numpy as np

    from theory import landscape
    from theory.full_gd import batch_gradient, batch_state

    n = V0.shape[0]
    labels = np.full(n, "unresolved", dtype=object)
    early = np.full(n, "unresolved", dtype=object)
    scale = landscape.loss(teacher, teacher.w_star, np.zeros(teacher.k))
    spurious_loss = landscape.spurious_loss(teacher)
    phi_s = landscape.saddle_angle(teacher)
    phi_s = None if phi_s is None else float(phi_s)
    saddle_loss = landscape.profile(teacher, phi_s) if phi_s is not None else None
    a_limit = 1e8 * teacher.w_norm * float(np.linalg.norm(teacher.a_star))
    alive = np.arange(n)
    noise = np.random.default_rng(12345)
    V = V0 * (1 + jitter * noise.standard_normal(V0.shape))
    A = A0 + jitter * (np.abs(A0) + teacher.w_norm * np.abs(teacher.a_star)) * noise.standard_normal(A0.shape)
    done = 0
    while alive.size and done < max_steps:
        with np.errstate(all="ignore"):
            for _ in range(segment):   # plain GD: no decisions, no early stops
                grad_v, grad_a = batch_gradient(teacher, V, A)
                V, A = V - eta * grad_v, A - eta * grad_a
            state = batch_state(teacher, V, A)
        done += segment
        finite = np.all(np.isfinite(V), axis=1) & np.all(np.isfinite(A), axis=1)
        label = np.full(alive.size, "", dtype=object)
        with np.errstate(over="ignore"):    # ‖A‖ of a diverging run may overflow: it is diverged either way
            too_far = np.linalg.norm(np.where(np.isfinite(A), A, np.inf), axis=1) > a_limit
        label[~finite | too_far] = "diverged"
        a_curvature = (teacher.k + np.pi - 1) / (2 * np.pi)
        v_curvature = teacher.w_norm ** 2 * float(teacher.a_star @ teacher.a_star) / (2 * state["v_norm"] ** 2)
        stable = eta * np.maximum(a_curvature, v_curvature) < 2
        label[(label == "") & (state["loss"] < 1e-10 * scale) & stable] = "global"
        if phi_s is not None:
            near = ((state["phi"] > phi_s) & (eta * a_curvature < 2)
                    & (state["loss"] - spurious_loss < 1e-3 * (saddle_loss - spurious_loss)))
            label[(label == "") & near] = "spurious"
        resolved = label != ""
        labels[alive[resolved]] = label[resolved]
        if converged_by is not None and done <= converged_by:
            early[alive[resolved]] = label[resolved]
        keep = ~resolved & finite
        labels[alive[~resolved & ~finite]] = "diverged"
        alive, V, A = alive[keep], V[keep], A[keep]
    return labels, early
