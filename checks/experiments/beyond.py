"""What the claims beyond the paper's assumptions share: how a probability statement is judged in
both directions.

A probability is *bounded below* at an instance when the exact interval on it lies above
:data:`checks.experiments.outcomes.NEGLIGIBLE`, and *not* when the interval on it plus the
undecided runs lies below it (a run stopped by its step cap is never counted against the
statement); otherwise the case is undecided, by name.
"""

from __future__ import annotations

import math

import numpy as np

from checks.experiments.outcomes import NEGLIGIBLE
from checks.verdicts.cases import FAIL, PASS, UNDECIDED, Part, Record
from checks.verdicts.stats import Proportion
from theory import Teacher

__all__ = ["bounded_below", "disjoint", "teacher_with_ratio"]


def bounded_below(part: Part, instance: Record, successes: int, undecided: int, runs: int, alpha: float,
                  size: float = 0.0) -> Proportion:
    """Judge "P > NEGLIGIBLE" at one instance into ``part`` (a lower-bound part): pass when the
    interval on successes/runs lies above NEGLIGIBLE, fail when the interval on
    (successes + undecided)/runs lies below it, undecided otherwise. Returns the proportion."""
    has = Proportion.of(successes, runs, alpha)
    lacks_high = Proportion.of(successes + undecided, runs, alpha).high
    status = PASS if has.low > NEGLIGIBLE else FAIL if lacks_high < NEGLIGIBLE else UNDECIDED
    part.add({**instance, "proportion": has, "with_undecided_high": lacks_high}, has.low, NEGLIGIBLE, size=size,
             status=status, note="the interval straddles the threshold" if status == UNDECIDED else "")
    return has


def teacher_with_ratio(k: int, p: int, ratio: float, seed: int | np.random.SeedSequence, unit: bool = True) -> Teacher:
    """A teacher with (1ᵀa*)²/‖a*‖² = ratio · r_b(k) (the ReLU's boundary (k + π − 1)/π), ‖a*‖² = k and a
    random w* (of norm 1 when ``unit``), all from ``seed``: the teachers of benchmarks/beyond_findings.py."""
    rng = np.random.default_rng(seed)
    r = ratio * (k + math.pi - 1) / math.pi
    ones = np.ones(k) / math.sqrt(k)
    other = rng.standard_normal(k)
    other -= (other @ ones) * ones
    other /= np.linalg.norm(other)
    w = rng.standard_normal(p)
    return Teacher(w / np.linalg.norm(w) if unit else w, math.sqrt(r) * ones + math.sqrt(k - r) * other)


def disjoint(one: Proportion, other: Proportion) -> bool:
    """The two intervals do not meet: the proportions differ (at the intervals' confidence)."""
    return one.high < other.low or other.high < one.low
