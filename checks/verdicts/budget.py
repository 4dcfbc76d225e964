"""Budgets: how much work a check may do, by name, and values given for each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["BUDGETS", "Budget", "PerBudget"]

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
