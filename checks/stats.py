"""Exact binomial confidence intervals (Clopper–Pearson), computed with mpmath.

The interval [lo, hi] for k successes in n trials at confidence 1 − α solves
P(X ≥ k | lo) = α/2 and P(X ≤ k | hi) = α/2 through the regularized incomplete beta
function; both ends are found by bisection, which is monotone here, to 1e-12.
"""

from __future__ import annotations

import mpmath


def _beta_quantile(q: float, a: float, b: float) -> float:
    """x with I_x(a, b) = q, by bisection."""
    lo, hi = mpmath.mpf(0), mpmath.mpf(1)
    with mpmath.workdps(30):
        for _ in range(60):
            mid = (lo + hi) / 2
            if mpmath.betainc(a, b, 0, mid, regularized=True) < q:
                lo = mid
            else:
                hi = mid
        return float((lo + hi) / 2)


def clopper_pearson(successes: int, trials: int, alpha: float) -> tuple[float, float]:
    """Two-sided exact interval with coverage ≥ 1 − α for a binomial proportion."""
    if trials < 1 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 ≤ successes ≤ trials and trials ≥ 1, got {successes}/{trials}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    lo = 0.0 if successes == 0 else _beta_quantile(alpha / 2, successes, trials - successes + 1)
    hi = 1.0 if successes == trials else _beta_quantile(1 - alpha / 2, successes + 1, trials - successes)
    return lo, hi
