"""checks/ in layers, one dependency direction, read from every import (module level and inside
functions): verdicts ← experiments ← figures ← claims ← app (figures draw experiments' typed
results; experiments never draw); theory never imports checks; a claim never imports another
claim; an import inside a function of checks/ says why on its line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What each layer may import from the project (besides the standard library and third-party packages).
ALLOWED = {
    "verdicts": {"verdicts"},
    "experiments": {"verdicts", "experiments", "theory"},
    "figures": {"verdicts", "experiments", "figures", "theory"},
    "claims": {"verdicts", "experiments", "figures", "claims", "theory"},
    "app": {"verdicts", "experiments", "figures", "claims", "app", "theory"},
    "theory": {"theory"},
}
ENTRY_POINTS = {"checks/__init__.py", "checks/__main__.py", "checks/cli.py"}   # the command: app's rank


def layer_of(path: Path) -> str:
    relative = path.relative_to(ROOT).as_posix()
    if relative.startswith("theory/"):
        return "theory"
    if relative in ENTRY_POINTS:
        return "app"
    return relative.split("/")[1]


def imported(path: Path) -> list[tuple[int, str, bool]]:
    """(line, module, inside a function) of every import of ``path``, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    in_function = {id(sub) for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for sub in ast.walk(node) if sub is not node}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, id(node) in in_function) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: a relative import"
            module = node.module or ""
            # `from checks import claims` imports the package checks.claims
            names = [f"{module}.{alias.name}" for alias in node.names] if module in ("checks", "theory") else [module]
            found += [(node.lineno, name, id(node) in in_function) for name in names]
    return found


def project_layer(module: str) -> str | None:
    """The layer a project module belongs to, None for anything else."""
    parts = module.split(".")
    if parts[0] == "theory":
        return "theory"
    if parts[0] != "checks":
        return None
    if len(parts) == 1 or parts[1] in ("cli", "__main__"):
        return "app"
    return parts[1]


SOURCES = sorted([*ROOT.glob("checks/**/*.py"), *ROOT.glob("theory/*.py")])


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_module_imports_a_layer_above_its_own(path):
    layer = layer_of(path)
    for line, module, _ in imported(path):
        target = project_layer(module)
        assert target is None or target in ALLOWED[layer], f"{path.relative_to(ROOT)}:{line}: {layer} imports {module}"


def test_no_claim_imports_another_claim():
    for path in ROOT.glob("checks/claims/[!_]*.py"):
        for line, module, _ in imported(path):
            assert not module.startswith("checks.claims"), f"{path.name}:{line}: imports {module}"


@pytest.mark.parametrize("path", [p for p in SOURCES if layer_of(p) != "theory"],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_an_import_inside_a_function_of_checks_states_its_reason(path):
    """Imports belong at the top of a module; one inside a function (an optional or heavy
    dependency, imported only when used) says why in a comment on its line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for line, module, inside in imported(path):
        if inside:
            assert "#" in lines[line - 1], f"{path.relative_to(ROOT)}:{line}: import of {module} inside a function"


def test_the_layer_rules_catch_an_upward_import(tmp_path):
    """The test reads imports at any depth: a verdict module importing theory inside a function is found."""
    fake = ROOT / "checks" / "verdicts" / "_probe_for_layers.py"
    fake.write_text("def f():\n    from theory import dynamics  # a reason\n    return dynamics\n", encoding="utf-8")
    try:
        with pytest.raises(AssertionError, match=r"verdicts imports theory\.dynamics"):
            test_no_module_imports_a_layer_above_its_own(fake)
    finally:
        fake.unlink()
