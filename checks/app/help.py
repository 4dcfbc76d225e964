"""What each budget runs and what it costs: the budget part of `theorycheck report --help`, and the
timings the README quotes.

The coverage is read from the data the checks themselves use, so that the help cannot drift from
them: the shared grids (``checks.gd_outcomes.DIMENSIONS`` and ``RUN_STEPS``,
``checks.invariant_grid.GRIDS`` and ``THRESHOLD_KS``, two-phase's ``GRID``) and every
``budget.pick(quick=…, standard=…, thorough=…)`` with literal values in a claim's module. Those
are written inline, where the check uses them, so they are read from the module's source (``ast``)
and named after what receives them (``n_random = budget.pick(…)`` → "n random").

The measured times are written once, here, with the command that measured them.
"""

from __future__ import annotations

import ast
import math
import textwrap
from pathlib import Path
from typing import Any

from checks.claims import claim_modules, two_phase
from checks.experiments import invariant_grid
from checks.experiments import outcomes as gd_outcomes
from checks.verdicts.claim import BUDGETS

# Wall time of a whole report, `/usr/bin/time theorycheck report --budget B`, seed 0, --jobs 2 on this
# project's 2-core machine, quiet, two runs each (lowest, highest); refresh these after a change of speed.
MEASURED_SECONDS = {"quick": (14.0, 14.1), "standard": (44.3, 57.6), "thorough": (210.0, 210.0)}
MEASURED_BY = ("`/usr/bin/time theorycheck report --budget B` on 2 cores, quiet, seed 0, --jobs 2, "
               "two runs each, thorough once (2026-12-01, after the SIMD kernel and the closed-form tables)")

CLAIMS_FOLDER = Path(__file__).resolve().parent / "claims"
# What a setting means, for receivers whose name alone does not say (the shared teacher and run helpers)
WORDS = {"landscape teachers": "teachers per family", "gd teachers": "GD teachers per family",
         "max k": "largest k", "max dim": "largest k and p", "sized runs": "runs per grid teacher (at most)",
         "eta sweep": "runs per η of the sweep", "mechanism": "runs for the two coins", "uniform": "random angles",
         "n": "runs per teacher", "flow figure n": "runs in the flow figure", "exponents": "angles 10^−j for j in",
         "n random": "random Newton starts", "groups": "restart groups", "max steps": "largest step count",
         "deep budget": "40-digit runs", "margin": "angle margin", "n instances": "instances",
         "n samples": "Monte Carlo samples per instance", "families": "families on the grid"}


def measured(budget: str) -> str:
    """The measured wall time of a report at ``budget``, e.g. "15.1–15.4 s"."""
    low, high = MEASURED_SECONDS[budget]
    return f"{low:g} s" if low == high else f"{low:g}–{high:g} s"


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else "value"


def _receiver(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> str:
    """The name of what receives ``node``'s value: a variable, a keyword, a loop variable, a call."""
    parent = parents.get(node)
    if isinstance(parent, ast.keyword) and parent.arg:
        call = parents.get(parent)
        return f"{_callee(call)} {parent.arg}" if isinstance(call, ast.Call) and _callee(call) != "pick" \
            and parent.arg in ("n",) else parent.arg
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        return parent.targets[0].id
    if isinstance(parent, ast.Tuple) and isinstance(parents.get(parent), ast.Assign):
        target = parents[parent].targets[0]  # type: ignore[attr-defined]
        index = parent.elts.index(node)  # type: ignore[arg-type]
        if isinstance(target, ast.Tuple) and isinstance(target.elts[index], ast.Name):
            return target.elts[index].id  # type: ignore[attr-defined]
    if isinstance(parent, ast.For) and isinstance(parent.target, ast.Name):
        return parent.target.id
    if isinstance(parent, ast.Call):
        return _callee(parent)
    return "value"


def _value(node: ast.expr, namespace: dict[str, Any]) -> object:
    """A setting's value: a literal, else the expression evaluated in its module's namespace (our
    own source: ``list(range(1, 31))``, a module constant), else its source text."""
    try:
        return ast.literal_eval(node)
    except ValueError:
        pass
    try:
        return eval(compile(ast.Expression(node), "<budget setting>", "eval"), dict(namespace))
    except Exception:   # refers to a local variable: shown as written
        return ast.unparse(node)


def budget_settings(source: str, namespace: dict[str, Any] | None = None) -> list[tuple[str, dict[str, object]]]:
    """(name, {budget: value}) of every ``….pick(quick=…, standard=…, thorough=…)`` in ``source``,
    in source order; ``namespace`` (the module's globals) evaluates values that are not literals."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "pick" \
                and {k.arg for k in node.keywords} == set(BUDGETS):
            values = {str(k.arg): _value(k.value, namespace or {}) for k in node.keywords}
            name = _receiver(node, parents).replace("_", " ")
            found.append((node.lineno, node.col_offset, WORDS.get(name, name), _function(node, parents), values))
    found.sort(key=lambda f: (f[0], f[1]))
    names = [f[2] for f in found]
    # a name used in two functions (two parts sizing their instances) is told apart by its function
    return [(name if names.count(name) == 1 else f"{name} ({function.replace('_', ' ')})", values)
            for _, _, name, function, values in found]


def _function(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> str:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.FunctionDef):
            return node.name
    return "module"


def _shown(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return "{" + ", ".join(_shown(v) for v in value) + "}"
    if isinstance(value, float) and value == math.inf:
        return "∞"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) >= 1000):
        return f"{value:,.0f}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def claim_settings(budget: str) -> list[str]:
    """'claim-id: name value, …' for every claim module with budget-dependent settings."""
    lines = []
    for module in sorted(claim_modules(), key=lambda m: m.__name__):
        path = Path(module.__file__ or "")
        settings = budget_settings(path.read_text(encoding="utf-8"), vars(module))
        if settings:
            shown = ", ".join(f"{name} {_shown(values[budget])}" for name, values in settings)
            lines.append(f"{path.stem.replace('_', '-')}: {shown}")
    return lines


def shared_grids(budget: str) -> list[str]:
    dims, grid, phases = gd_outcomes.DIMENSIONS[budget], invariant_grid.GRIDS[budget], two_phase.GRID[budget]
    return [
        f"population-GD teachers: k ∈ {_shown(dims['k'])} × p ∈ {_shown(dims['p'])}, at most "
        f"{gd_outcomes.RUN_STEPS[budget]:,} steps per run",
        f"invariant map (probability claims, restarts): k ∈ {_shown(grid.ks)} × r/r_b ∈ {_shown(grid.ratios)} × "
        f"κ ∈ {_shown(grid.kappas)} at p = ∞, p-series at p ∈ {_shown((*grid.ps, math.inf))}, {grid.runs:,} runs "
        f"per cell, κ* at the first {invariant_grid.THRESHOLD_KS[budget]} k",
        f"two-phase grid: k ∈ {_shown(phases.k)} × r/r_b ∈ {_shown(phases.ratio)} × κ ∈ {_shown(phases.kappa)} × "
        f"p ∈ {_shown(phases.p)}, {phases.runs:,} runs per configuration",
    ]


def help_text(width: int = 100) -> str:
    """Each budget: its measured time, the shared grids and every claim's own settings."""
    out = textwrap.wrap(f"What each budget runs, read from the settings the checks use, and how long a whole "
                        f"report took (measured with {MEASURED_BY}). Each claim's section of the report says "
                        "what ran, and what did not and why.", width)
    for budget in BUDGETS:
        out.append(f"  {budget}{' (the default)' if budget == 'quick' else ''}: {measured(budget)}")
        for line in [*shared_grids(budget), *claim_settings(budget)]:
            out += textwrap.wrap(line, width, initial_indent="    ", subsequent_indent="      ",
                                 break_on_hyphens=False)
    return "\n".join(out)
