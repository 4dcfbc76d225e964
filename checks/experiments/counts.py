"""How many GD runs ended each way, keyed by the one outcome type, :class:`theory.decisions.Outcome`.

theory gives outcomes three ways — a batch's codes, a GDResult's names, a dict of counts by name —
and checks turns each into an :class:`OutcomeCounts` (or an array of codes) at once, so that inside
checks/ an outcome is always the IntEnum; the names come back only in JSON.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from checks.verdicts.stats import Proportion
from theory import dynamics, reduced_gd
from theory.decisions import Outcome

__all__ = ["OutcomeCounts", "codes"]


def codes(result: dynamics.GDResult) -> np.ndarray:
    """The outcome codes (:class:`Outcome` values) of a GDResult's runs, whose outcomes are names."""
    names = np.asarray(result.outcome)
    return np.select([names == outcome.label for outcome in Outcome], [int(outcome) for outcome in Outcome],
                     default=-1)


@dataclass(frozen=True)
class OutcomeCounts:
    """Runs by outcome; ``counts[Outcome.GLOBAL]``, ``counts.total``; JSON by the outcomes' names, in
    code order (as ``theory.dynamics.OUTCOMES``)."""

    undecided: int = 0
    global_: int = 0
    spurious: int = 0
    diverged: int = 0

    @classmethod
    def of_codes(cls, outcome_codes: np.ndarray) -> OutcomeCounts:
        return cls(*(int(np.sum(outcome_codes == outcome)) for outcome in Outcome))

    @classmethod
    def of_batch(cls, batch: reduced_gd.Batch) -> OutcomeCounts:
        return cls.of_codes(batch.outcome)

    @classmethod
    def of_result(cls, result: dynamics.GDResult) -> OutcomeCounts:
        return cls.of_codes(codes(result))

    @classmethod
    def of_names(cls, counts: Mapping[str, Any]) -> OutcomeCounts:
        """From counts by name (``theory.dynamics.outcome_counts``, a cache entry): every outcome's."""
        return cls(*(int(counts[outcome.label]) for outcome in Outcome))

    def __getitem__(self, outcome: Outcome) -> int:
        return (self.undecided, self.global_, self.spurious, self.diverged)[outcome]

    def __iter__(self) -> Iterator[tuple[Outcome, int]]:
        return ((outcome, self[outcome]) for outcome in Outcome)

    def __add__(self, other: OutcomeCounts) -> OutcomeCounts:
        return OutcomeCounts(*(self[o] + other[o] for o in Outcome))

    @property
    def total(self) -> int:
        return self.undecided + self.global_ + self.spurious + self.diverged

    def proportion(self, outcome: Outcome, alpha: float) -> Proportion:
        return Proportion.of(self[outcome], self.total, alpha)

    def to_json(self) -> dict[str, int]:
        return {outcome.label: count for outcome, count in self}
