"""The Assumptions table of the quick report (seed 0): in claims.json, each cell is the finding the
claim's own evidence holds (nothing written by hand), and the HTML shows the table; a finding is
read from its part's cases, in both directions."""

import json

import pytest

from checks.verdicts.assumptions import STATEMENTS, AssumptionsTable, StatementFinding, assumptions_table, finding_of
from checks.verdicts.cases import FAIL, PASS, UNDECIDED, Part


@pytest.mark.xdist_group("quick-report")
def test_the_table_is_the_claims_findings(quick_report):
    _, out, _ = quick_report
    doc = json.loads((out / "claims.json").read_text())
    table = doc["assumptions"]
    claims = {c["id"]: c for c in doc["claims"]}
    assert [column["claim"] for column in table["columns"]] == [c for c in claims if claims[c]["evidence"].get(
        "findings")]
    assert "beyond-weight-norm" in [column["claim"] for column in table["columns"]]
    assert [row["statement"] for row in table["rows"]] == [key for key, _ in STATEMENTS]
    for row in table["rows"]:
        for claim_id, cell in row["cells"].items():
            findings = {f["statement"]: f for f in claims[claim_id]["evidence"]["findings"]}
            assert cell == findings[row["statement"]]
            if cell["part"]:     # a judged finding names a part of that claim's evidence
                assert cell["part"] in claims[claim_id]["evidence"]["parts"]
    html = (out / "index.html").read_text()
    assert 'id="assumptions"' in html and "a spurious local minimum exists" in html


def _part(*statuses):
    part = Part("p", "d", "q")
    for status in statuses:
        part.add({}, 0, 1, status=status)
    return part


def test_a_finding_is_read_from_its_parts_cases_both_ways():
    assert finding_of(_part(PASS, PASS), "p-global", "holds", "x").finding == "holds"
    assert finding_of(_part(PASS, FAIL), "p-global", "holds", "x").finding == "fails"
    assert finding_of(_part(PASS, FAIL), "p-global", "fails", "x").finding == "holds"
    assert finding_of(_part(PASS, UNDECIDED), "p-global", "changes", "x").finding == "undecided"
    assert finding_of(_part(), "p-global", "holds", "x").finding == "undecided"
    with pytest.raises(ValueError):
        StatementFinding("no-such-statement", "holds", "x")
    table = assumptions_table([("a", {"relaxes": "A", "findings": (StatementFinding("p-global", "holds", "x"),)}),
                               ("b", {})])
    assert isinstance(table, AssumptionsTable) and table.columns == (("a", "A"),)
    assert table.to_json()["rows"][1]["cells"] == {"a": {"statement": "p-global", "finding": "holds",
                                                         "parameter": "x", "part": ""}}
