"""`theorycheck report --help` says what each budget runs, read from the settings the checks use
(never a paragraph that can drift from them), and how long each budget took, from one table."""

import re
import textwrap
from pathlib import Path

import pytest

from checks.app import cli
from checks.app import help as budgets
from checks.claims import claim_modules
from checks.experiments import outcomes as gd_outcomes
from checks.verdicts.claim import BUDGETS

SNIPPET = textwrap.dedent("""
    LIMIT = 7
    def part(budget):
        n_instances = budget.pick(quick=5, standard=12, thorough=24)
        for k in budget.pick(quick=(2, 5), standard=(2, 4), thorough=list(range(1, 4))):
            teachers(rng, budget.pick(quick=1, standard=2, thorough=LIMIT), max_k=budget.pick(quick=8, standard=16,
                                                                                              thorough=32))
        local = 3
        return budget.pick(quick=local, standard=local, thorough=local)
    def other(budget):
        n_instances = budget.pick(quick=60, standard=200, thorough=1000)
""")


def test_every_setting_is_read_named_and_evaluated():
    settings = dict(budgets.budget_settings(SNIPPET, {"LIMIT": 7}))
    assert settings == {
        "instances (part)": {"quick": 5, "standard": 12, "thorough": 24},
        "k": {"quick": (2, 5), "standard": (2, 4), "thorough": [1, 2, 3]},
        "teachers": {"quick": 1, "standard": 2, "thorough": 7},
        "largest k": {"quick": 8, "standard": 16, "thorough": 32},
        "value": {"quick": "local", "standard": "local", "thorough": "local"},   # shown as written
        "instances (other)": {"quick": 60, "standard": 200, "thorough": 1000},
    }


def test_no_setting_of_a_claim_module_is_left_out():
    for module in claim_modules():
        source = Path(module.__file__).read_text(encoding="utf-8")
        calls = len(re.findall(r"\bbudget\.pick\(", source))
        assert len(budgets.budget_settings(source, vars(module))) == calls, module.__name__


def test_the_help_is_generated_from_the_budgets_data(monkeypatch):
    quick = budgets.help_text().split("\n  standard")[0]
    assert "k ∈ {2, 1,000,000} × p ∈ {2, 1,000, 1,000,000}" in quick
    monkeypatch.setitem(gd_outcomes.DIMENSIONS, "quick", {"k": (3, 77), "p": (5,)})
    changed = budgets.help_text().split("\n  standard")[0]
    assert "k ∈ {3, 77} × p ∈ {5}" in changed and "1,000,000" not in changed.split("\n")[4]


def test_report_help_gives_each_budgets_coverage_and_measured_time(capsys):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["report", "--help"])
    shown = capsys.readouterr().out
    for budget in BUDGETS:
        assert re.search(rf"^  {budget}.*: {re.escape(budgets.measured(budget))}$", shown, re.M), budget
    assert budgets.MEASURED_BY in " ".join(shown.split())
    for claim in ("critical-points", "convergence-in-region", "two-phase", "empirical-loss"):
        assert shown.count(f"    {claim}: ") == len(BUDGETS), claim
    assert "sizes {250, 1,000, 4,000}" in shown          # empirical-loss at quick, from its pick()


def test_measured_times_are_written_once_and_shown_in_seconds():
    assert set(budgets.MEASURED_SECONDS) == set(BUDGETS)
    for budget, (low, high) in budgets.MEASURED_SECONDS.items():
        assert 0 < low <= high
        assert re.fullmatch(r"\d[\d.]*(–\d[\d.]*)? s", budgets.measured(budget)), budget
