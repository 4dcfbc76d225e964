"""Judged quantities and how they are decided: an :class:`Estimate` (a value with an interval and
the kind of that interval), a :class:`Requirement` (a threshold with an indifference zone stated
before any data), and :func:`sequential`, which draws more runs until the interval has left the
zone.

An estimate's interval is one of three kinds, and the verdict logic does not look at which:

* ``sampled`` — an exact Clopper–Pearson interval (or an order-statistic one) at a stated
  confidence: *estimated*, with a probability of missing its truth that the claim's family-wise
  error rate accounts for;
* ``quadrature`` — a deterministic estimate with an error estimate taken as an interval
  (``theory.quadrature``): *estimated by quadrature*, not proved, and seed-free;
* ``proved`` — an enclosure whose every operation was enclosed (``theory.certify``): *proved*.

So a proved enclosure [low, high] can replace either of the others without changing how a
configuration is decided.

**Deciding against a threshold.** A requirement t with zone z, stated beforehand, sorts an
interval [low, high] four ways: it *holds* when low > t + z (for a lower bound; mirrored for an
upper bound), *fails* when high < t − z, is *at the threshold* when [low, high] ⊂ [t − z, t + z],
and is *undecided* otherwise. :func:`sequential` doubles the runs of a configuration until one of
the first three happens (or its largest sample is reached: undecided, by name). Each look uses
α/looks, so the configuration's intervals all hold together with probability ≥ 1 − α, in both
directions — "holds" and "fails" need the same evidence. A configuration whose truth lies outside
the zone by more than its final interval's width is then decided the same way at every seed, and
one inside it is at the threshold: seeds change no sentence drawn from the decisions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from checks.verdicts.cases import AT_THRESHOLD, FAIL, PASS, UNDECIDED
from checks.verdicts.stats import Proportion, clopper_pearson

__all__ = ["ESTIMATE_KINDS", "Estimate", "Requirement", "Schedule", "SequentialResult", "per_configuration",
           "sequential"]

ESTIMATE_KINDS = ("sampled", "quadrature", "proved")
_WORDS = {"sampled": "sampled", "quadrature": "estimated by quadrature", "proved": "proved"}


@dataclass(frozen=True)
class Estimate:
    """A judged quantity: ``value`` with the interval [``low``, ``high``] and its ``kind`` (module
    docstring). A sampled proportion keeps its counts (``successes`` of ``trials``, and ``open``
    runs that could go either way: the interval's upper end counts them as successes, its lower
    end as failures) and its ``confidence``; a quadrature estimate its ``error``."""

    value: float
    low: float
    high: float
    kind: str
    confidence: float | None = None
    successes: int | None = None
    trials: int | None = None
    open: int = 0
    error: float | None = None
    note: str = ""

    def __post_init__(self):
        if self.kind not in ESTIMATE_KINDS:
            raise ValueError(f"kind must be one of {ESTIMATE_KINDS}, got {self.kind!r}")
        if not self.low <= self.high or math.isnan(self.value):
            raise ValueError(f"an estimate needs low ≤ high and a value, got [{self.low}, {self.high}], {self.value}")

    @classmethod
    def sampled(cls, successes: int, trials: int, alpha: float, open_runs: int = 0, note: str = "") -> Estimate:
        """A proportion from runs: the exact interval at confidence 1 − α, with ``open_runs`` (runs
        stopped undecided by a step cap) counted as failures for the lower end and as successes
        for the upper end — a run stopped by a cap is undecided, never evidence either way."""
        low = clopper_pearson(successes, trials, alpha)[0]
        high = clopper_pearson(successes + open_runs, trials, alpha)[1]
        return cls(successes / trials, low, high, "sampled", 1 - alpha, int(successes), int(trials), int(open_runs),
                   note=note)

    @classmethod
    def of_proportion(cls, share: Proportion, note: str = "") -> Estimate:
        return cls(share.estimate, share.low, share.high, "sampled", share.confidence, share.successes, share.trials,
                   note=note)

    @classmethod
    def quadrature(cls, value: float, error: float, lowest: float = 0.0, highest: float = 1.0,
                   note: str = "") -> Estimate:
        """A deterministic estimate with its error estimate taken as an interval, clipped to
        [``lowest``, ``highest``] (a probability's range by default)."""
        return cls(value, max(lowest, value - error), min(highest, value + error), "quadrature", error=error,
                   note=note)

    @classmethod
    def proved(cls, low: float, high: float, note: str = "") -> Estimate:
        """An enclosure: every operation that produced [low, high] was enclosed."""
        return cls((low + high) / 2, low, high, "proved", note=note)

    def through(self, increasing: Callable[[float], float]) -> Estimate:
        """The estimate of f(quantity) for an increasing f: value and ends mapped, kind kept."""
        return Estimate(increasing(self.value), increasing(self.low), increasing(self.high), self.kind,
                        self.confidence, self.successes, self.trials, self.open, self.error, self.note)

    @property
    def words(self) -> str:
        """How the interval was obtained, in words: sampled / estimated by quadrature / proved."""
        return _WORDS[self.kind]

    def text(self, digits: int = 3) -> str:
        """e.g. "0.412 [0.388, 0.436] (sampled, 1,500 runs)" or "0.3096 ± 1e-05 (estimated by quadrature)"."""
        if self.kind == "quadrature":
            return f"{self.value:.{digits + 1}g} ± {self.error:.1g} ({self.words})"
        runs = f", {self.trials:,} runs" if self.trials is not None else ""
        return f"{self.value:.{digits}g} [{self.low:.{digits}g}, {self.high:.{digits}g}] ({self.words}{runs})"

    def fields(self, name: str) -> dict[str, Any]:
        """Scalar fields for an evidence record: ``name``, ``name_low``, ``name_high``, ``name_kind``."""
        return {name: self.value, f"{name}_low": self.low, f"{name}_high": self.high, f"{name}_kind": self.kind}

    def to_json(self) -> dict[str, Any]:
        # ci_low / ci_high: the keys a Proportion has (the JSON boundary keeps them for every kind: a
        # confidence interval when sampled, the error estimate's ends by quadrature, an enclosure when proved)
        out: dict[str, Any] = {"kind": self.kind, "estimate": self.value, "low": self.low, "high": self.high,
                               "ci_low": self.low, "ci_high": self.high}
        if self.confidence is not None:
            out["confidence"] = self.confidence
        if self.trials is not None:
            out.update(successes=self.successes, trials=self.trials, open=self.open)
        if self.error is not None:
            out["error_estimate"] = self.error
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Requirement:
    """A threshold with its indifference zone, stated before any data: the quantity must lie
    above ``threshold`` (``above=True``) or below it; an interval inside threshold ± ``zone`` is
    *at the threshold* (module docstring)."""

    threshold: float
    zone: float
    above: bool = True

    def __post_init__(self):
        if not self.zone >= 0:
            raise ValueError(f"the zone is a half-width ≥ 0, got {self.zone}")

    @property
    def edges(self) -> tuple[float, float]:
        return self.threshold - self.zone, self.threshold + self.zone

    def decide(self, estimate: Estimate) -> str:
        """PASS, FAIL, AT_THRESHOLD or UNDECIDED for the estimate's interval."""
        lower, upper = self.edges
        if estimate.low > upper:
            return PASS if self.above else FAIL
        if estimate.high < lower:
            return FAIL if self.above else PASS
        if lower <= estimate.low and estimate.high <= upper:
            return AT_THRESHOLD
        return UNDECIDED

    def measured(self, estimate: Estimate) -> float:
        """The interval's end a case reports: its lower end for a lower bound, its upper end otherwise."""
        return estimate.low if self.above else estimate.high

    def text(self) -> str:
        sign = ">" if self.above else "<"
        return f"{sign} {self.threshold:g} (at the threshold within ± {self.zone:g})"

    def to_json(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "zone": self.zone, "above": self.above}


@dataclass(frozen=True)
class Schedule:
    """The sample sizes of a sequential decision: ``first``, doubled up to ``last`` (both given in
    runs; ``last`` = ``first`` · 2^j)."""

    first: int
    last: int

    def __post_init__(self):
        if self.first < 1 or self.last < self.first:
            raise ValueError(f"need 1 ≤ first ≤ last, got {self.first}, {self.last}")

    def sizes(self) -> list[int]:
        sizes = [self.first]
        while sizes[-1] * 2 <= self.last:
            sizes.append(sizes[-1] * 2)
        return sizes

    @property
    def looks(self) -> int:
        return len(self.sizes())


@dataclass(frozen=True)
class SequentialResult:
    """A configuration's decision: its status, the estimate at the look that decided it (or the
    last), the runs used and how many looks were taken."""

    status: str
    estimate: Estimate
    runs: int
    looks: int


def per_configuration(family_alpha: float, configurations: int) -> float:
    """α of one configuration when a claim's family-wise rate is split over its sampled ones."""
    return family_alpha / max(configurations, 1)


def sequential(estimate_of: Callable[[int, float], Estimate], schedule: Schedule, requirement: Requirement,
               alpha: float) -> SequentialResult:
    """Decide one configuration: ``estimate_of(n, α_look)`` is the estimate from its first n runs
    (nested: the first n of 2n are the same runs) at confidence 1 − α_look; α is split over the
    schedule's looks (Bonferroni), so all looks' intervals hold together with probability ≥ 1 − α."""
    alpha_look = alpha / schedule.looks
    status, estimate, runs = UNDECIDED, None, 0
    for look, n in enumerate(schedule.sizes(), 1):
        estimate, runs = estimate_of(n, alpha_look), n
        status = requirement.decide(estimate)
        if status != UNDECIDED:
            return SequentialResult(status, estimate, runs, look)
    assert estimate is not None
    return SequentialResult(status, estimate, runs, schedule.looks)
