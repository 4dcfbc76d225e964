"""What a claim is and where its randomness comes from (what it returns is
:mod:`checks.verdicts.outcome`; what it may run, :mod:`checks.verdicts.budget`)."""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np

from checks.verdicts.outcome import Outcome

__all__ = ["SOURCES", "Claim", "rng_for"]

# paper: the paper's statement (its abstract); cited: as other papers attribute it; reconstructed: the
# paper's statement made precise with a region, condition or constant of our own; derived: ours.
SOURCES = ("paper", "cited", "reconstructed", "derived")


P = TypeVar("P")   # what a check is given: the plan of a budget (checks.experiments.plan.Plan)


@dataclass(frozen=True)
class Claim(Generic[P]):
    """A claim of the paper (or one derived for the project) and the check that judges it:
    ``check(plan, seed) -> Outcome``, its randomness derived from ``seed`` alone (:func:`rng_for`)."""

    id: str
    title: str
    source: str
    statement: str
    check: Callable[[P, int], Outcome] = field(repr=False)
    # For `paper`, `cited` and `reconstructed` claims: the words we attribute, and what we reconstructed.
    wording: str = ""
    reconstruction: str = ""

    def __post_init__(self):
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, got {self.source!r}")

    def run(self, plan: P, seed: int) -> tuple[Outcome, float]:
        """The claim's outcome under ``plan`` and ``seed``, and the seconds it took."""
        start = time.perf_counter()
        outcome = self.check(plan, seed)
        return outcome, time.perf_counter() - start


def rng_for(seed: int, claim_id: str, *labels: int | str) -> np.random.Generator:
    """A generator derived from (seed, claim, labels) alone: independent of run order and workers."""
    key = tuple(zlib.crc32(str(x).encode()) for x in (claim_id, *labels))
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=key))
