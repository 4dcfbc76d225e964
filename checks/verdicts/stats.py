"""Exact binomial confidence intervals (Clopper–Pearson).

The interval [lo, hi] for k successes in n trials at confidence 1 − α solves
P(X ≥ k | lo) = α/2 and P(X ≤ k | hi) = α/2; both are quantiles of beta distributions,
computed with SciPy's inverse regularized incomplete beta function (accurate for any n,
where mpmath's hypergeometric series stops converging beyond a few thousand trials).
"""

from __future__ import annotations

from scipy.special import betaincinv


def clopper_pearson(successes: int, trials: int, alpha: float) -> tuple[float, float]:
    """Two-sided exact interval with coverage ≥ 1 − α for a binomial proportion."""
    if trials < 1 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 ≤ successes ≤ trials and trials ≥ 1, got {successes}/{trials}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    lo = 0.0 if successes == 0 else float(betaincinv(successes, trials - successes + 1, alpha / 2))
    hi = 1.0 if successes == trials else float(betaincinv(successes + 1, trials - successes, 1 - alpha / 2))
    return lo, hi
