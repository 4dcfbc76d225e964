"""docs/development.md's layout is the layout as it is: every module of theory/ and checks/, every
helper module of tests/ and every folder of tests/ is listed, and nothing listed is missing."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "development.md"


def listed() -> set[str]:
    """The paths the layout block names, built from its indentation (folder/ then its entries)."""
    text = GUIDE.read_text(encoding="utf-8")
    block = text[text.index("## Layout"):]
    block = block[block.index("```") + 3:]
    block = block[:block.index("```")]
    paths, folders = set(), []       # the folders open at each indentation
    for line in block.splitlines():
        match = re.match(r"^( *)(\S+)", line)
        if not match or match.group(2).startswith("<"):
            continue
        depth, name = len(match.group(1)) // 2, match.group(2)
        folders = folders[:depth]
        path = "/".join([*folders, name.rstrip("/")])
        paths.add(path)
        if name.endswith("/"):
            folders.append(name.rstrip("/"))
    return paths


def actual() -> set[str]:
    modules = {p.relative_to(ROOT).as_posix() for p in [*ROOT.glob("theory/*.py"), *ROOT.glob("checks/**/*.py")]}
    modules = {m for m in modules if not re.match(r"checks/claims/[^_].*\.py$", m)}   # one per claim: claims.md
    helpers = {p.relative_to(ROOT).as_posix() for p in ROOT.glob("tests/**/*.py")
               if not p.name.startswith("test_") and p.name != "__init__.py"}
    folders = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").iterdir() if p.is_dir() and
               not p.name.startswith((".", "__"))}
    return modules | helpers | folders | {"checks/app/templates", "theory", "checks", "tests", "benchmarks"}


def test_every_module_is_in_the_guides_layout():
    missing = sorted(actual() - listed())
    assert not missing, f"docs/development.md's layout does not list {missing}"


def test_the_layout_lists_nothing_that_does_not_exist():
    known = actual() | {p.relative_to(ROOT).as_posix() for p in ROOT.glob("checks/*/") if p.is_dir()}
    ghosts = sorted(p for p in listed() if p not in known and not (ROOT / p).exists())
    assert not ghosts, f"docs/development.md's layout lists what does not exist: {ghosts}"
