"""What a claim is, what it returns, and where its randomness comes from: the vocabulary every
layer above speaks (no theory imports here)."""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np

VERDICTS = ("confirmed", "qualified", "refuted", "inconclusive")
# paper: the paper's statement (its abstract); cited: as other papers attribute it; reconstructed: the
# paper's statement made precise with a region, condition or constant of our own; derived: ours.
SOURCES = ("paper", "cited", "reconstructed", "derived")
BUDGETS = ("quick", "standard", "thorough")


@dataclass(frozen=True)
class Budget:
    """How much work a check may do, by name: quick, standard or thorough. What each runs is its
    plan (:mod:`checks.experiments.plan`)."""

    name: str

    def __post_init__(self):
        if self.name not in BUDGETS:
            raise ValueError(f"budget must be one of {', '.join(BUDGETS)}, got {self.name!r}")


T = TypeVar("T")


@dataclass(frozen=True)
class PerBudget(Generic[T]):
    """One value per budget, all three given: ``values[budget]`` (a Budget or its name)."""

    quick: T
    standard: T
    thorough: T

    def __getitem__(self, budget: Budget | str) -> T:
        name = budget.name if isinstance(budget, Budget) else Budget(budget).name
        return getattr(self, name)


@dataclass(frozen=True)
class Figure:
    """An inline SVG figure with its title and a caption saying what to look for."""

    title: str
    caption: str
    svg: str = field(repr=False)
    # every line drawn through points, with the teachers of its points: a line must join points of
    # one teacher only (tests check it from here)
    lines: list[dict] = field(default_factory=list, repr=False)


@dataclass
class Outcome:
    """A verdict with its structured evidence (JSON-serializable) and figures.

    ``evidence`` always has a one-line ``summary``; a refuted outcome carries its smallest
    ``counterexample``; a qualified one says where the claim holds (``holds_when``), where it
    fails (``fails_when``) and its smallest failing instance (``counterexample``); an
    inconclusive one says ``why`` and what would settle it.
    """

    verdict: str
    evidence: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    # the parts the verdict was combined from (checks.verdicts.cases.Part), every case included
    parts: tuple[Any, ...] = field(default=(), repr=False)

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if "summary" not in self.evidence:
            raise ValueError("evidence must carry a one-line 'summary'")


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
