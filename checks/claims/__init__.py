"""The claim catalogue: one module per claim in this folder, named after the claim's id
(``-`` becomes ``_``), each defining ``CLAIM`` (a :class:`checks.verdicts.claim.Claim`),
``SETTINGS`` (its budget-dependent settings, a :class:`checks.verdicts.claim.PerBudget` of a
:class:`checks.experiments.plan.ClaimSettings`) and ``REPORT_ORDER``.

The modules are found by listing the folder, so adding a claim is adding one file (and its
tests). ``REPORT_ORDER`` places a claim in the report: the landscape claims (10–99), then
gradient descent on the population loss (100–199), then finite samples (200–).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from types import ModuleType

from checks.experiments.plan import Plan, plan_for
from checks.verdicts.budget import BUDGETS, Budget
from checks.verdicts.claim import Claim
from theory.validation import InvalidInput

__all__ = ["all_claims", "claim_modules", "get", "is_catalogued", "plan", "report_order"]


@functools.cache
def claim_modules() -> tuple[ModuleType, ...]:
    """Every claim module of this folder, imported, in report order."""
    names = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    modules = [importlib.import_module(f"{__name__}.{name}") for name in names]
    ordered = tuple(sorted(modules, key=lambda module: (module.REPORT_ORDER, module.__name__)))
    ids = [module.CLAIM.id for module in ordered]
    if len(ids) != len(set(ids)):
        raise ValueError(f"a claim id is defined twice: {sorted(i for i in ids if ids.count(i) > 1)}")
    return ordered


@functools.cache
def _plan(name: str) -> Plan:
    return plan_for(name).with_claims({module.CLAIM.id: module.SETTINGS[name] for module in claim_modules()})


def plan(budget: Budget | str) -> Plan:
    """The whole plan of a budget: what the claims share and every claim's own settings."""
    name = budget.name if isinstance(budget, Budget) else budget
    if name not in BUDGETS:
        raise InvalidInput(f"budget must be one of {', '.join(BUDGETS)}, got {name!r}")
    return _plan(name)


def all_claims() -> list[Claim[Plan]]:
    """Every claim of the catalogue, in report order."""
    return [module.CLAIM for module in claim_modules()]


def get(claim_id: str) -> Claim[Plan]:
    """The claim with this id; a ValueError naming `theorycheck list` for an unknown one."""
    for module in claim_modules():
        if module.CLAIM.id == claim_id:
            return module.CLAIM
    raise InvalidInput(f"unknown claim {claim_id!r}; `theorycheck list` shows the ids")


def is_catalogued(claim: Claim[Plan]) -> bool:
    """Whether ``claim`` is the catalogue's own (not a test double or a claim built elsewhere)."""
    return any(module.CLAIM is claim for module in claim_modules())


def report_order(claim: Claim[Plan]) -> int:
    """The claim's place in the report (its module's ``REPORT_ORDER``; 0 for a claim outside the catalogue)."""
    return next((module.REPORT_ORDER for module in claim_modules() if module.CLAIM is claim), 0)
