"""What the claims beyond the paper's assumptions share: how a probability statement is judged in
both directions.

A probability is *bounded below* at an instance when the exact interval on it lies above
:data:`checks.experiments.outcomes.NEGLIGIBLE`, and *not* when the interval on it plus the
undecided runs lies below it (a run stopped by its step cap is never counted against the
statement); otherwise the case is undecided, by name.
"""

from __future__ import annotations

from checks.experiments.outcomes import NEGLIGIBLE
from checks.verdicts.cases import FAIL, PASS, UNDECIDED, Part, Record
from checks.verdicts.stats import Proportion

__all__ = ["bounded_below"]


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
