"""docs/mathematics.md is the reference the code and the report point to: every reference to one of
its sections resolves to a heading, nothing points to notes outside the repository, and every
passage a claim quotes as "the paper's words" is listed there as a passage of the abstract."""

import re
from pathlib import Path

import pytest

from checks import registry

ROOT = Path(__file__).resolve().parent.parent
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
    for folder in ("checks", "theory", "tests", "reports"):
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


def _normalized(text: str) -> str:
    return " ".join(text.replace("“", '"').replace("”", '"').lower().split())


def test_every_quoted_passage_is_listed_as_the_abstracts():
    page = MATHEMATICS.read_text(encoding="utf-8")
    table = _normalized(page[page.index("### The paper's words"):page.index("## The model")])
    quoting = [c for c in registry.all_claims() if c.wording]
    assert len(quoting) >= 6
    for claim in quoting:
        for fragment in claim.wording.split("…"):
            assert _normalized(fragment.strip(" ()")) in table, (claim.id, fragment)
        assert f"`{claim.id}`" in table, claim.id


@pytest.mark.parametrize("claim_id", ["convergence-in-region"])
def test_a_claim_resting_on_a_reconstructed_region_says_so(claim_id):
    claim = registry.get(claim_id)
    assert claim.source == "reconstructed" and "reconstruction" in claim.reconstruction
