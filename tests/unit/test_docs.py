"""docs/mathematics.md is the reference the code and the report point to: every reference to one of
its sections resolves to a heading, nothing points to notes outside the repository, and every
passage a claim quotes as "the paper's words" is listed there as a passage of the abstract."""

import re
from pathlib import Path

import pytest

from checks import claims as catalogue
from checks.app import budgets
from checks.verdicts import budget as registry

ROOT = Path(__file__).resolve().parents[2]
MATHEMATICS = ROOT / "docs" / "mathematics.md"
REFERENCE = re.compile(r"docs/mathematics\.md#([a-z0-9-]+)")


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors() -> set[str]:
    return {github_anchor(line.lstrip("#")) for line in MATHEMATICS.read_text(encoding="utf-8").splitlines()
            if line.startswith("#")}


def sources():
    for folder in ("checks", "theory", "tests", "reports", "docs"):
        yield from (p for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".j2", ".md", ".json"))
    yield ROOT / "README.md"


def test_every_reference_to_a_section_resolves():
    known = anchors()
    found = {}
    for path in sources():
        for anchor in REFERENCE.findall(path.read_text(encoding="utf-8")):
            found.setdefault(anchor, path.relative_to(ROOT))
    assert found, "the code should point to the mathematics"
    missing = {a: str(p) for a, p in found.items() if a not in known}
    assert not missing, f"references to sections docs/mathematics.md does not have: {missing}"


def test_nothing_points_to_notes_outside_the_repository():
    for path in sources():
        if path == Path(__file__):
            continue
        text = path.read_text(encoding="utf-8")
        assert "notes §" not in text and "theory-notes" not in text, path.relative_to(ROOT)
        assert "/work/" not in text and "/tmp/notes" not in text, path.relative_to(ROOT)   # no machine's paths


def _normalized(text: str) -> str:
    return " ".join(text.replace("“", '"').replace("”", '"').lower().split())


def test_every_quoted_passage_is_listed_as_the_abstracts():
    page = MATHEMATICS.read_text(encoding="utf-8")
    table = _normalized(page[page.index("### The paper's words"):page.index("## The model")])
    quoting = [c for c in catalogue.all_claims() if c.wording]
    assert len(quoting) >= 6
    for claim in quoting:
        for fragment in claim.wording.split("…"):
            assert _normalized(fragment.strip(" ()")) in table, (claim.id, fragment)
        assert f"`{claim.id}`" in table, claim.id


@pytest.mark.parametrize("claim_id", ["convergence-in-region"])
def test_a_claim_resting_on_a_reconstructed_region_says_so(claim_id):
    claim = catalogue.get(claim_id)
    assert claim.source == "reconstructed" and "reconstruction" in claim.reconstruction


# --- the README and the docs/ pages ----------------------------------------------------------

README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs").glob("*.md"))
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _headings(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)   # not code's comments
    return {github_anchor(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: p.name)
def test_every_relative_link_resolves_to_a_file_and_a_heading(page):
    links = [link for link in LINK.findall(page.read_text(encoding="utf-8")) if "://" not in link]
    for link in links:
        target, _, anchor = link.partition("#")
        path = (page.parent / target).resolve() if target else page
        assert path.exists(), f"{page.name}: {link} points to nothing"
        if anchor:
            assert path.suffix == ".md" and anchor in _headings(path), f"{page.name}: no heading #{anchor} in {target}"


def test_the_readme_opens_with_the_two_commands_and_says_which_budget():
    text = README.read_text(encoding="utf-8")
    first_block = text[text.index("```sh"):text.index("```", text.index("```sh") + 5)]
    assert "pip install -e . && theorycheck report" in first_block
    assert 'pip install -e ".[test]" && pytest -n auto' in first_block
    opening = text[:text.index("## ")]
    assert "**quick** budget" in opening and "--budget standard" in opening and "--budget thorough" in opening
    assert "theorycheck report --help" in opening


def test_the_readmes_timings_are_the_measured_table():
    text = README.read_text(encoding="utf-8")
    opening = text[:text.index("## ")]
    for budget in registry.BUDGETS:
        shown = budgets.measured(budget)
        assert shown in opening, (budget, shown)
        assert f"| report, {budget} budget | {shown} | `/usr/bin/time theorycheck report --budget {budget}` |" in text


def test_every_docs_page_is_linked_from_the_readme_and_the_engine_numbers_sit_in_one_place():
    text = README.read_text(encoding="utf-8")
    for page in PAGES:
        assert f"(docs/{page.name}" in text, page.name
    begin, end = "<!-- engine benchmarks: begin", "<!-- engine benchmarks: end -->"
    assert text.count(begin) == 1 and text.count(end) == 1
    engine = text[text.index(begin):text.index(end)]
    assert "## Speed" in engine and "trajectory-steps / s" in engine
    assert text.count("trajectory-steps / s") == 1


def _issue_29_app_rows() -> list[list[str]]:
    text = (ROOT / "docs" / "bad-input.md").read_text(encoding="utf-8")
    table = text[text.index("Issue 29, the programs' side"):]
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| input")
            and not line.startswith("| ---")]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows]


@pytest.mark.parametrize("row", _issue_29_app_rows(), ids=lambda row: row[0][:30])
def test_every_issue_29_app_row_names_its_tests_and_a_defined_exit_code(row):
    import ast

    from checks.app import cli
    _, _, exit_code, tests = row
    assert int(exit_code) in (cli.EXIT_OK, cli.EXIT_REFUTED, cli.EXIT_USAGE, cli.EXIT_INFRASTRUCTURE,
                              cli.EXIT_INTERRUPTED, 128 + 15)     # 143: SIGTERM (cli.Terminated)
    for name in re.findall(r"`([^`]+)`", tests):
        path, _, function = name.rpartition("::")
        source = ROOT / (path or "tests/system/test_hostile_app.py")
        defined = {node.name for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
                   if isinstance(node, ast.FunctionDef)}
        assert function in defined, f"{name} is not a test in {source.name}"


def test_the_readme_says_python_and_the_virtual_environment_before_the_commands():
    import tomllib
    text = README.read_text(encoding="utf-8")
    before = text[:text.index("```sh")]
    block = text[text.index("```sh") + 5:text.index("```", text.index("```sh") + 5)].strip().splitlines()
    assert "Python 3.11 or later" in before and "externally-managed-environment" in before
    assert block[0] == "python3 -m venv .venv && . .venv/bin/activate"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.11"
    assert ".ci/readme-venv" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_librarys_example_runs_and_returns_what_the_page_says():
    import ast
    text = (ROOT / "docs" / "library.md").read_text(encoding="utf-8")
    block = text[text.index("```python") + 9:text.index("```", text.index("```python") + 9)]
    code, promised = block.split("# → ")
    namespace: dict = {}
    tree = ast.parse(code)
    last = tree.body.pop()
    exec(compile(tree, "library.md", "exec"), namespace)
    result = eval(compile(ast.Expression(last.value), "library.md", "eval"), namespace)
    assert result == ast.literal_eval(promised.strip())
    assert sum(namespace["result"].counts().values()) == 10_000


def test_the_screenshot_shows_the_counts_the_readme_states():
    import json
    shown = json.loads((ROOT / "docs" / "report-screenshot.json").read_text(encoding="utf-8"))
    counts = shown["counts"]
    text = README.read_text(encoding="utf-8")
    assert f"budget ends with {counts['confirmed']} confirmed and {counts['qualified']} qualified claims" in text
    assert counts["refuted"] == counts["inconclusive"] == 0 and shown["seed"] == 0
    assert (ROOT / "docs" / "report-screenshot.png").stat().st_size > 10_000


@pytest.mark.xdist_group("quick-report")
def test_the_screenshots_counts_are_the_quick_reports(quick_report):
    import json
    _, out, _ = quick_report
    shown = json.loads((ROOT / "docs" / "report-screenshot.json").read_text(encoding="utf-8"))
    assert json.loads((out / "claims.json").read_text())["summary"]["counts"] == shown["counts"], \
        "the counts changed: regenerate the picture with python docs/screenshot.py"
