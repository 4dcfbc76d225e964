"""Exact binomial confidence intervals (Clopper–Pearson), and the proportion that carries one.

The interval [lo, hi] for k successes in n trials at confidence 1 − α solves
P(X ≥ k | lo) = α/2 and P(X ≤ k | hi) = α/2; both are quantiles of beta distributions,
computed with SciPy's inverse regularized incomplete beta function (accurate for any n,
where mpmath's hypergeometric series stops converging beyond a few thousand trials).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scipy.special import betaincinv

__all__ = ["Proportion", "clopper_pearson"]


def clopper_pearson(successes: int, trials: int, alpha: float) -> tuple[float, float]:
    """Two-sided exact interval with coverage ≥ 1 − α for a binomial proportion."""
    if trials < 1 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 ≤ successes ≤ trials and trials ≥ 1, got {successes}/{trials}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    lo = 0.0 if successes == 0 else float(betaincinv(successes, trials - successes + 1, alpha / 2))
    hi = 1.0 if successes == trials else float(betaincinv(successes + 1, trials - successes, 1 - alpha / 2))
    return lo, hi


@dataclass(frozen=True)
class Proportion:
    """``successes`` of ``trials`` with its exact Clopper–Pearson interval [low, high] at confidence
    1 − ``alpha``. Evidence shows it as the estimate with its interval, wherever it sits."""

    successes: int
    trials: int
    alpha: float
    low: float
    high: float

    @classmethod
    def of(cls, successes: int, trials: int, alpha: float) -> Proportion:
        low, high = clopper_pearson(successes, trials, alpha)
        return cls(int(successes), int(trials), alpha, low, high)

    @property
    def estimate(self) -> float:
        return self.successes / self.trials

    @property
    def confidence(self) -> float:
        return 1 - self.alpha

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def to_json(self) -> dict[str, Any]:
        return {"successes": self.successes, "trials": self.trials, "estimate": self.estimate,
                "ci_low": self.low, "ci_high": self.high, "confidence": self.confidence}
