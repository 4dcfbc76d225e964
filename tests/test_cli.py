"""The `theorycheck` command: exit codes, one-line errors, atomic and escaped reports."""

import html.parser
import json
import re
import time
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from checks import cli, registry, report
from checks.registry import Claim, Outcome
from tests.faults import FAULTS

REPORT_KEYS = {"id", "title", "source", "statement", "verdict", "evidence", "seconds"}
SCHEMA = json.loads((Path(__file__).parent.parent / "reports" / "claims.schema.json").read_text())
ENVIRONMENT_KEYS = {"python", "numpy", "mpmath", "hypothesis", "backend", "seed", "budget"}


def _fake_claim(verdict="confirmed", title="fake", summary="ok"):
    evidence = {"summary": summary, "parts": {}}
    if verdict == "refuted":
        evidence["counterexample"] = {"part": "p", "bound": "≤", "instance": {"k": 1}, "measured": 2.0,
                                      "tolerance": 1.0, "status": "fail"}
    if verdict == "inconclusive":
        evidence.update(why="undecided", settle="more time")
    if verdict == "qualified":
        counter = {"part": "p", "bound": "≤", "instance": {"k": 1}, "measured": 2.0, "tolerance": 1.0,
                   "status": "fail"}
        evidence.update(counterexample=counter, holds_when=[{"part": "q", "reading": "for each k"}],
                        fails_when=[{"part": "p", "reading": "uniformly in k", "counterexample": counter}])
    return Claim(id="fake", title=title, source="derived", statement="a <b>bold</b> & claim",
                 check=lambda budget, seed: Outcome(verdict, evidence))


@pytest.fixture
def only_fake_claim(monkeypatch):
    """Replace the registry by one instant claim, so CLI plumbing tests stay fast."""
    def install(claim):
        monkeypatch.setattr(registry, "all_claims", lambda: [claim])
        monkeypatch.setattr(registry, "get", lambda claim_id: claim)
    return install


def run(argv, capsys):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_every_claim(capsys):
    code, out, _ = run(["list"], capsys)
    assert code == 0
    for claim in registry.all_claims():
        assert claim.id in out and claim.source in out


@pytest.mark.parametrize("argv, fragment", [
    ([], "required"),
    (["frobnicate"], "invalid choice"),
    (["check"], "required"),
    (["check", "no-such-claim"], "unknown claim 'no-such-claim'"),
    (["report", "--budget", "enormous"], "invalid choice"),
    (["report", "--seed", "-3"], "seed must be a non-negative integer"),
    (["report", "--seed", "abc"], "seed must be a non-negative integer"),
    (["check", "gradients", "--bogus"], "unrecognized arguments"),
])
def test_usage_errors_exit_2_with_one_line(argv, fragment, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("theorycheck: error:") and fragment in err


def test_report_out_pointing_at_a_file_is_a_usage_error(tmp_path, capsys, only_fake_claim):
    only_fake_claim(_fake_claim())
    target = tmp_path / "file"
    target.write_text("x")
    code, _, err = run(["report", "--out", str(target)], capsys)
    assert code == 2 and "not a directory" in err


@pytest.mark.xdist_group("quick-report")
def test_report_writes_json_and_html(quick_report):
    code, out, err = quick_report
    assert code == 0
    doc = json.loads((out / "claims.json").read_text())
    jsonschema.validate(doc, SCHEMA)
    assert [c["id"] for c in doc["claims"]] == [c.id for c in registry.all_claims()]
    for claim in doc["claims"]:
        assert REPORT_KEYS <= claim.keys() and claim["verdict"] in ("confirmed", "qualified")
        assert claim["reproducer"] == f"theorycheck check {claim['id']} --budget quick --seed 0"
    assert ENVIRONMENT_KEYS <= doc["environment"].keys() and doc["environment"]["seed"] == 0
    assert "[1/" in err  # progress lines
    page = (out / "index.html").read_text()
    _assert_valid_self_contained_html(page)
    for claim in doc["claims"]:
        assert f'id="claim-{claim["id"]}"' in page


def test_planted_fault_makes_report_exit_1_with_refuted_on_top(tmp_path, capsys, monkeypatch):
    fast = [registry.get(i) for i in ("gaussian-kernel", "population-loss", "global-minimum")]
    monkeypatch.setattr(registry, "all_claims", lambda: fast)
    next(f for f in FAULTS if f.name == "loss-drops-teacher-norm").plant(monkeypatch)
    code, out, _ = run(["report", "--out", str(tmp_path), "--jobs", "1"], capsys)   # the fault lives here
    assert code == 1 and "refuted" in out
    doc = json.loads((tmp_path / "claims.json").read_text())
    jsonschema.validate(doc, SCHEMA)
    assert doc["summary"]["counts"]["refuted"] >= 1
    page = (tmp_path / "index.html").read_text()
    assert page.index("Counterexample") < page.index('id="environment"')
    summary = page[page.index('id="summary"'):page.index('id="claim-')]
    assert 'class="verdict refuted"' in summary


def test_claims_give_the_same_numbers_in_one_process_or_several():
    claims = [registry.get(i) for i in ("gaussian-kernel", "global-minimum", "norm-monotone")]
    alone = report.run_claims(claims, registry.Budget("quick"), 5, jobs=1)
    shared = report.run_claims(claims, registry.Budget("quick"), 5, jobs=2)
    for one, other in zip(alone, shared):
        assert {**one, "seconds": 0} == {**other, "seconds": 0}


@pytest.mark.parametrize("target", ["/proc/theorycheck-report", "{tmp}/a-file/report"])
def test_an_unwritable_out_folder_is_refused_before_any_claim_runs(target, tmp_path, capsys):
    (tmp_path / "a-file").write_text("not a folder")
    start = time.perf_counter()
    code, _, err = run(["report", "--out", target.format(tmp=tmp_path)], capsys)
    assert code == 2 and "cannot be written" in err and err.count("\n") == 1
    assert time.perf_counter() - start < 2


def test_a_qualified_claim_is_a_finding_not_a_failure(tmp_path, capsys, only_fake_claim):
    only_fake_claim(_fake_claim("qualified", summary="holds for each k — fails uniformly in k"))
    code, out, _ = run(["report", "--out", str(tmp_path)], capsys)
    assert code == 0 and "1 qualified" in out
    doc = json.loads((tmp_path / "claims.json").read_text())
    jsonschema.validate(doc, SCHEMA)
    assert doc["summary"]["counts"]["qualified"] == 1
    page = (tmp_path / "index.html").read_text()
    assert 'class="verdict qualified"' in page and "uniformly in k" in page
    assert run(["check", "fake"], capsys)[0] == 0


def test_check_command_exit_codes(capsys, only_fake_claim):
    only_fake_claim(_fake_claim("refuted", summary="broken"))
    code, out, _ = run(["check", "fake"], capsys)
    assert code == 1 and "fake: refuted — broken" in out
    only_fake_claim(_fake_claim("inconclusive"))
    assert run(["check", "fake"], capsys)[0] == 0


def test_html_escapes_every_dynamic_string(tmp_path, capsys, only_fake_claim):
    only_fake_claim(_fake_claim(title="<script>alert(1)</script>", summary="x < y & \"z\""))
    run(["report", "--out", str(tmp_path)], capsys)
    page = (tmp_path / "index.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "a &lt;b&gt;bold&lt;/b&gt; &amp; claim" in page
    _assert_valid_self_contained_html(page)


def test_failed_render_leaves_previous_report_intact(tmp_path, capsys, monkeypatch, only_fake_claim):
    only_fake_claim(_fake_claim())
    assert run(["report", "--out", str(tmp_path)], capsys)[0] == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def explode(doc, *args):
        raise KeyboardInterrupt
    monkeypatch.setattr(report, "render_html", explode)
    code, _, err = run(["report", "--out", str(tmp_path)], capsys)
    assert code == 130 and "previous outputs left intact" in err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_interrupted_write_leaves_no_partial_file(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("old a")
    real_replace = report.os.replace
    calls = []

    def replace_then_fail(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_replace(src, dst)
    monkeypatch.setattr(report.os, "replace", replace_then_fail)
    with pytest.raises(KeyboardInterrupt):
        report.write_atomically({tmp_path / "a.txt": "new a", tmp_path / "b.txt": "new b"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]  # no temporary left behind


def test_report_json_is_strict(tmp_path, only_fake_claim, capsys):
    claim = Claim(id="fake", title="t", source="derived", statement="s",
                  check=lambda b, s: Outcome("confirmed", {"summary": "x", "value": float("inf"),
                                                             "nan": float("nan")}))
    only_fake_claim(claim)
    run(["report", "--out", str(tmp_path)], capsys)
    doc = json.loads((tmp_path / "claims.json").read_text(), parse_constant=pytest.fail)
    assert doc["claims"][0]["evidence"]["value"] == "inf"


def test_console_script_runs_as_a_real_process(tmp_path):
    result = subprocess.run([sys.executable, "-m", "checks.cli", "list"], capture_output=True, text=True)
    assert result.returncode == 0 and "gaussian-kernel" in result.stdout
    result = subprocess.run([sys.executable, "-m", "checks.cli", "check", "nope"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0


class _Checker(html.parser.HTMLParser):
    VOID = {"meta", "br", "img", "hr", "link", "input"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors = [], []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            # in-page anchors, and the mathematics page inside the repository
            inside = value and (value.startswith("#") or (name == "href" and "://" not in value
                                                        and value.split("#")[0].endswith("docs/mathematics.md")))
            if name in ("src", "href") and value and not inside:
                self.errors.append(f"external reference {name}={value}")
        if tag == "script":
            self.errors.append("script tag")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unbalanced </{tag}> (open: {self.stack[-3:]})")
        else:
            self.stack.pop()


def _assert_valid_self_contained_html(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    checker = _Checker()
    checker.feed(page)
    assert checker.errors == [] and checker.stack == []


def test_compare_reports_what_changed(tmp_path, capsys, only_fake_claim):
    only_fake_claim(_fake_claim("confirmed", summary="fine"))
    run(["report", "--out", str(tmp_path / "old")], capsys)
    only_fake_claim(_fake_claim("refuted", summary="broken"))
    code, out, _ = run(["report", "--out", str(tmp_path / "new"), "--compare",
                        str(tmp_path / "old" / "claims.json")], capsys)
    assert code == 1 and "fake: confirmed → refuted" in out
    doc = json.loads((tmp_path / "new" / "claims.json").read_text())
    jsonschema.validate(doc, SCHEMA)
    assert doc["comparison"]["changes"] == [{"id": "fake", "change": "verdict", "from": "confirmed", "to": "refuted"}]
    assert "Changes since" in (tmp_path / "new" / "index.html").read_text()


@pytest.mark.parametrize("content, fragment", [("not json", "cannot read"), ('{"x": 1}', "no 'claims' list")])
def test_compare_with_a_bad_file_is_a_usage_error(tmp_path, capsys, only_fake_claim, content, fragment):
    only_fake_claim(_fake_claim())
    old = tmp_path / "old.json"
    old.write_text(content)
    code, _, err = run(["report", "--out", str(tmp_path / "r"), "--compare", str(old)], capsys)
    assert code == 2 and fragment in err and err.count("\n") == 1


def test_out_inside_the_source_tree_is_refused_except_reports(capsys, only_fake_claim, tmp_path, monkeypatch):
    only_fake_claim(_fake_claim())
    tree = tmp_path / "tree"   # a source tree of its own: the test writes nothing into the real reports/
    (tree / "theory").mkdir(parents=True)
    (tree / "pyproject.toml").write_text("")
    monkeypatch.setattr(cli, "SOURCE_TREE", tree.resolve())
    code, _, err = run(["report", "--out", str(tree / "theory")], capsys)
    assert code == 2 and "inside the source tree" in err
    code, _, _ = run(["report", "--out", str(tree / "reports" / "test-out")], capsys)
    assert code == 0 and (tree / "reports" / "test-out" / "index.html").exists()


def test_the_report_links_to_the_mathematics_inside_the_repository(tmp_path, capsys, only_fake_claim):
    claim = Claim(id="fake", title="t", source="derived", statement="s",
                  reconstruction="Derived (docs/mathematics.md#critical-points).",
                  check=lambda b, s: Outcome("confirmed", {"summary": "x"}))
    only_fake_claim(claim)
    assert run(["report", "--out", str(tmp_path / "r")], capsys)[0] == 0
    page = (tmp_path / "r" / "index.html").read_text()
    hrefs = re.findall(r'href="([^"#]*mathematics\.md)(#[a-z-]*)?"', page)
    assert ("", "") not in hrefs and any(anchor == "#critical-points" for _, anchor in hrefs)
    for href, _ in hrefs:   # relative, and it resolves to the page in this repository
        assert not Path(href).is_absolute() and (tmp_path / "r" / href).resolve() == report.MATHEMATICS
    assert "from its abstract" not in page    # only claims that quote the paper say so
    assert "sentence, or part of one, of the\npaper's abstract" in page


def test_second_run_replaces_the_first(tmp_path, capsys, only_fake_claim):
    only_fake_claim(_fake_claim(summary="summary-of-run-one"))
    run(["report", "--out", str(tmp_path)], capsys)
    only_fake_claim(_fake_claim(summary="summary-of-run-two"))
    run(["report", "--out", str(tmp_path)], capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.json", "index.html"]
    page = (tmp_path / "index.html").read_text()
    assert "summary-of-run-two" in page and "summary-of-run-one" not in page
