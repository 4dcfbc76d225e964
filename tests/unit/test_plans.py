"""One plan per budget: every setting a check reads is data of the plan, `theorycheck report --help`
is generated from the plans (no source is parsed), and the checks really read them."""

import dataclasses
import re
from pathlib import Path

import pytest

from checks import claims as catalogue
from checks.app import budgets, cli
from checks.experiments import plan as plans
from checks.experiments.plan import ClaimSettings, Plan
from checks.verdicts.budget import BUDGETS, PerBudget

ROOT = Path(__file__).resolve().parents[2]


def test_every_claim_declares_its_settings_for_every_budget_in_words():
    for module in catalogue.claim_modules():
        assert isinstance(module.SETTINGS, PerBudget), module.__name__
        for budget in BUDGETS:
            settings = module.SETTINGS[budget]
            assert isinstance(settings, ClaimSettings) and dataclasses.is_dataclass(settings), module.__name__
            assert type(settings) is type(module.SETTINGS["quick"]), module.__name__
            for field in dataclasses.fields(settings):
                assert field.metadata.get("words"), f"{module.__name__}.{field.name} has no words for the help"


def test_the_catalogues_plan_holds_every_claims_settings():
    for budget in BUDGETS:
        plan = catalogue.plan(budget)
        assert plan.budget.name == budget and set(plan.claims) == {c.id for c in catalogue.all_claims()}
        for module in catalogue.claim_modules():
            assert plan.claims[module.CLAIM.id] is module.SETTINGS[budget]
    from checks.claims import gradients
    with pytest.raises(LookupError, match="no Settings for claim 'gradients'"):
        plans.plan_for("quick").settings("gradients", gradients.Settings)   # the shared plan alone


def test_no_check_decides_its_work_by_the_budgets_name_and_no_source_is_parsed():
    for path in (ROOT / "checks").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert ".pick(" not in text and "[budget.name]" not in text, path
        assert "import ast" not in text and "eval(" not in text, path


def test_the_help_is_generated_from_the_plans(monkeypatch):
    quick = budgets.help_text().split("\n  standard")[0]
    assert "k ∈ {2, 1,000,000} × p ∈ {2, 1,000, 1,000,000}" in quick
    changed = dataclasses.replace(plans.PLANS.quick, dimensions=plans.DimensionGrid(ks=(3, 77), ps=(5,)))
    monkeypatch.setattr(plans, "PLANS", dataclasses.replace(plans.PLANS, quick=changed))
    catalogue._plan.cache_clear()
    try:
        shown = budgets.help_text().split("\n  standard")[0]
    finally:
        catalogue._plan.cache_clear()
    assert "k ∈ {3, 77} × p ∈ {5}" in shown and "{2, 1,000, 1,000,000}" not in shown


def test_report_help_gives_each_budgets_coverage_and_measured_time(capsys):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["report", "--help"])
    shown = capsys.readouterr().out
    for budget in BUDGETS:
        assert re.search(rf"^  {budget}.*: {re.escape(budgets.measured(budget))}$", shown, re.M), budget
    assert plans.MEASURED_BY in " ".join(shown.split())
    for claim in catalogue.all_claims():
        assert shown.count(f"    {claim.id}: ") == len(BUDGETS), claim.id
    assert "sample sizes {250, 1,000, 4,000}" in shown          # empirical-loss at quick, from its settings
    assert "configurations k ∈ {2, 10, 100} × r/r_b ∈ {0.3, 1.5}" in " ".join(shown.split())   # two-phase's grid


def test_measured_times_are_shown_in_seconds():
    for budget in BUDGETS:
        low, high = catalogue.plan(budget).measured_seconds
        assert 0 < low <= high
        assert re.fullmatch(r"\d[\d.]*(–\d[\d.]*)? s", budgets.measured(budget)), budget


def test_a_check_runs_what_its_plan_says():
    """The settings are read, not decorative: a plan with fewer instances gives fewer cases."""
    quick = catalogue.plan("quick")
    claim = catalogue.get("population-loss")
    settings = quick.claims[claim.id]
    small = quick.with_claims({**quick.claims, claim.id: dataclasses.replace(
        settings, monte_carlo_instances=1, samples=2000, float64_instances=3)})
    outcome, _ = claim.run(small, 0)
    evidence = outcome.evidence
    assert len(evidence.part("monte-carlo").cases) == 1 and len(evidence.part("float64-vs-mpmath").cases) == 3
    assert isinstance(small, Plan) and small.claims[claim.id].samples == 2000
