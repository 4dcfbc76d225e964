"""The public API is written down: every module of theory/ and checks/ has an ``__all__`` that holds
every public function, class and constant it defines; theory's ``__all__`` lists are docs/library.md's
reference, name for name, both ways; the stable API of the guide is among them."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "docs" / "library.md"
MODULE_FILES = sorted([*ROOT.glob("theory/*.py"), *ROOT.glob("checks/**/*.py")])


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def defined_names(path: Path) -> list[str]:
    """Public names a module defines at its top level: functions, classes and assigned constants
    (not aliases of names defined elsewhere, not type variables)."""
    names = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign) and not isinstance(node.value, (ast.Name, ast.Attribute)) \
                and not (isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") == "TypeVar"):
            names += [n.id for target in node.targets for n in ast.walk(target) if isinstance(n, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and node.value is not None and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return [n for n in dict.fromkeys(names) if not n.startswith("_")]


@pytest.mark.parametrize("path", [p for p in MODULE_FILES if p.name != "__main__.py"],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_module_declares_its_public_names(path):
    module = importlib.import_module(module_name(path))
    assert isinstance(getattr(module, "__all__", None), list), f"{module.__name__} has no __all__"
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert not missing, f"{module.__name__}.__all__ names what it does not have: {missing}"
    undeclared = sorted(set(defined_names(path)) - set(module.__all__))
    assert not undeclared, f"{module.__name__} defines public names outside __all__ (add them, or a leading _): " \
                           f"{undeclared}"


def documented() -> dict[str, set[str]]:
    """{module: names} from the reference section of docs/library.md."""
    text = LIBRARY.read_text(encoding="utf-8")
    reference = text[text.index("## Reference: every public name"):]
    found: dict[str, set[str]] = {}
    module = None
    for line in reference.splitlines():
        if heading := re.match(r"^### `(theory(?:\.\w+)?)`", line):
            module = heading.group(1)
            found[module] = set()
        elif module and (item := re.match(r"^\* `(\w+)` — ", line)):
            found[module].add(item.group(1))
    return found


THEORY = [module_name(p) for p in ROOT.glob("theory/*.py")]


@pytest.mark.parametrize("module_path", sorted(THEORY))
def test_theorys_public_names_are_the_reference_of_the_library_guide(module_path):
    module = importlib.import_module(module_path)
    listed = documented().get(module_path)
    assert listed is not None, f"docs/library.md has no reference section for {module_path}"
    assert listed == set(module.__all__), (f"{module_path}: in __all__ but not documented "
                                           f"{sorted(set(module.__all__) - listed)}; documented but not in __all__ "
                                           f"{sorted(listed - set(module.__all__))}")


def test_the_reference_documents_no_module_that_does_not_exist():
    assert set(documented()) == set(THEORY)


def test_the_stable_api_of_the_guide_is_public():
    import theory
    from theory import dynamics, invariants, landscape
    assert {"Teacher", "InvalidInput"} <= set(theory.__all__)
    assert {"loss", "gradient", "hessian"} <= set(landscape.__all__)
    assert {"run_gd", "GDResult", "outcome_counts", "random_init"} <= set(dynamics.__all__)
    assert {"of", "canonical_teacher", "spurious_threshold"} <= set(invariants.__all__)
    assert issubclass(theory.InvalidInput, ValueError)


def test_bad_input_is_the_projects_error_type(tmp_path):
    """theory's and checks' public boundaries raise InvalidInput (a ValueError); the command line
    turns it into one line and exit code 2."""
    import numpy as np

    from checks import claims as catalogue
    from checks.app import cli, guards
    from checks.experiments import cells
    from theory import InvalidInput, Teacher, dynamics
    with pytest.raises(InvalidInput, match="a_star"):
        Teacher([1.0], [float("nan")])
    with pytest.raises(InvalidInput, match="n must be"):
        dynamics.random_init(Teacher([1.0], [1.0]), 0, np.random.default_rng(0))
    with pytest.raises(InvalidInput, match="unknown claim"):
        catalogue.get("no-such-claim")
    with pytest.raises(InvalidInput, match="budget must be one of"):
        catalogue.plan("huge")
    with pytest.raises(InvalidInput, match="ks must be"):
        cells.Grid(ks=(0,))
    (tmp_path / "bad.json").write_text("[NaN]")
    with pytest.raises(InvalidInput, match=r"bad\.json"):
        guards.read_json(tmp_path / "bad.json", "x")
    assert cli.main(["report", "--compare", str(tmp_path / "bad.json"), "--out", str(tmp_path / "o")]) == 2
