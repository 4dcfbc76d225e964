"""What each budget runs and what it costs: the budget part of `theorycheck report --help`.

Generated from the plans (:func:`checks.claims.plan`): the shared grids and step caps of
:mod:`checks.experiments.plan`, every claim's own settings by the words its ``setting(...)``
declares, and the measured wall time of a whole report. The help cannot drift from what the checks
run, because the checks read the same objects.
"""

from __future__ import annotations

import textwrap

from checks import claims as catalogue
from checks.experiments.plan import MEASURED_BY, Plan, shown
from checks.verdicts.budget import BUDGETS

__all__ = ["claim_lines", "help_text", "measured"]


def measured(budget: str) -> str:
    """The measured wall time of a report at ``budget``, e.g. "14–14.1 s"."""
    return catalogue.plan(budget).measured()


def claim_lines(plan: Plan) -> list[str]:
    """'claim-id: words value, …' for every claim's settings in ``plan``, by claim id."""
    return [f"{claim_id}: " + ", ".join(f"{words} {shown(value)}" for words, value in settings.described())
            for claim_id, settings in sorted(plan.claims.items())]


def help_text(width: int = 100) -> str:
    """Each budget: its measured time, what the claims share and every claim's own settings."""
    out = textwrap.wrap(f"What each budget runs, from the plans the checks read, and how long a whole report took "
                        f"(measured with {MEASURED_BY}). Each claim's section of the report says what ran, and what "
                        "did not and why.", width)
    for budget in BUDGETS:
        plan = catalogue.plan(budget)
        out.append(f"  {budget}{' (the default)' if budget == 'quick' else ''}: {plan.measured()}")
        for line in [*plan.shared(), *claim_lines(plan)]:
            out += textwrap.wrap(line, width, initial_indent="    ", subsequent_indent="      ",
                                 break_on_hyphens=False)
    return "\n".join(out)
