"""An independent, deliberately naive transcription of the notes' formulas (§3), as a test oracle.

It uses acos directly and the notes' compact form of ℓ, not the project's moment-based
code, so agreement is evidence that both transcribe the same mathematics.
"""

from __future__ import annotations

import mpmath


def _angle(v, w):
    dot = sum(x * y for x, y in zip(v, w))
    nv, nw = mpmath.sqrt(sum(x * x for x in v)), mpmath.sqrt(sum(x * x for x in w))
    return mpmath.acos(max(-1, min(1, dot / (nv * nw)))), nv, nw


def loss_terms(teacher, v, a):
    """The notes' ℓ as (value, sum of the absolute values of its terms), at mpmath precision."""
    w, a_star = [mpmath.mpf(x) for x in teacher.w_star], [mpmath.mpf(x) for x in teacher.a_star]
    v, a = [mpmath.mpf(x) for x in v], [mpmath.mpf(x) for x in a]
    phi, _, c = _angle(v, w)
    g = (mpmath.pi - phi) * mpmath.cos(phi) + mpmath.sin(phi)
    s = sum(a_star)
    a_sq, a_star_sq = sum(x * x for x in a), sum(x * x for x in a_star)
    a_dot = sum(x * y for x, y in zip(a, a_star))
    terms = [(mpmath.pi - 1) * (a_sq + c * c * a_star_sq), (sum(a) - c * s) ** 2,
             -2 * c * (g - 1) * a_dot]
    return sum(terms) / (4 * mpmath.pi), sum(abs(t) for t in terms) / (4 * mpmath.pi)


def gradient(teacher, v, a):
    """The notes' (∂ℓ/∂v, ∂ℓ/∂a) at mpmath precision."""
    w, a_star = [mpmath.mpf(x) for x in teacher.w_star], [mpmath.mpf(x) for x in teacher.a_star]
    v, a = [mpmath.mpf(x) for x in v], [mpmath.mpf(x) for x in a]
    phi, nv, c = _angle(v, w)
    g = (mpmath.pi - phi) * mpmath.cos(phi) + mpmath.sin(phi)
    s, k = sum(a_star), len(a)
    a_dot = sum(x * y for x, y in zip(a, a_star))
    grad_a = [((mpmath.pi - 1) * a[i] + sum(a) - c * ((g - 1) * a_star[i] + s)) / (2 * mpmath.pi)
              for i in range(k)]
    u_dot_w = sum(x * y for x, y in zip(v, w)) / nv
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
