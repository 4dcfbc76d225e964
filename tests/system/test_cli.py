"""The `theorycheck` command: exit codes, one-line errors, atomic and escaped reports."""

import html.parser
import json
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from checks import claims as catalogue
from checks.app import cli, report
from checks.app.files import write_atomically
from checks.verdicts.cases import Case, Part
from checks.verdicts.claim import Claim
from checks.verdicts.outcome import Counterexample, Evidence, Outcome, Reading, combine
from checks.verdicts.stats import Proportion
from tests.faults import FAULTS

REPORT_KEYS = {"id", "title", "source", "statement", "verdict", "evidence", "seconds"}


SCHEMA = json.loads((Path(__file__).parents[2] / "reports" / "claims.schema.json").read_text())


ENVIRONMENT_KEYS = {"python", "numpy", "mpmath", "hypothesis", "backend", "seed", "budget"}


def _fake_claim(verdict="confirmed", title="fake", summary="ok"):
    failing = Case({"k": 1}, 2.0, 1.0, "fail")
    evidence = Evidence(summary)
    if verdict == "refuted":
        evidence = replace(evidence, counterexample=Counterexample("p", "≤", failing))
    if verdict == "inconclusive":
        evidence = replace(evidence, why="undecided", settle="more time")
    if verdict == "qualified":
        evidence = replace(evidence, counterexample=Counterexample("p", "≤", failing),
                           holds_when=(Reading("q", "for each k"),),
                           fails_when=(Reading("p", "uniformly in k", failing),), undecided_readings=())
    return Claim(id="fake", title=title, source="derived", statement="a <b>bold</b> & claim",
                 check=lambda budget, seed: Outcome(verdict, evidence))


@pytest.fixture
def only_fake_claim(monkeypatch):
    """Replace the registry by one instant claim, so CLI plumbing tests stay fast."""
    def install(claim):
        monkeypatch.setattr(catalogue, "all_claims", lambda: [claim])
        monkeypatch.setattr(catalogue, "get", lambda claim_id: claim)
    return install


def run(argv, capsys):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_every_claim(capsys):
    code, out, _ = run(["list"], capsys)
    assert code == 0
    for claim in catalogue.all_claims():
        assert claim.id in out and claim.source in out


@pytest.mark.parametrize("argv, fragment", [   # bare `theorycheck` adds the usage line: test_hostile_app.py
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
    assert [c["id"] for c in doc["claims"]] == [c.id for c in catalogue.all_claims()]
    for claim in doc["claims"]:
        assert claim.keys() >= REPORT_KEYS and claim["verdict"] in ("confirmed", "qualified")
        assert claim["reproducer"] == f"theorycheck check {claim['id']} --budget quick --seed 0"
    assert doc["environment"].keys() >= ENVIRONMENT_KEYS and doc["environment"]["seed"] == 0
    assert "[1/" in err  # progress lines
    page = (out / "index.html").read_text()
    _assert_valid_self_contained_html(page)
    for claim in doc["claims"]:
        assert f'id="claim-{claim["id"]}"' in page
    _assert_no_raw_json(page)


def _assert_no_raw_json(page: str) -> None:
    """Evidence is shown as named fields and tables, never as a JSON dump; cells wrap at words only."""
    assert "\\u0027" not in page and "&#34;" not in page
    assert not re.search(r"<pre>\s*[\[{]", page), "a raw JSON dump"
    # nor anywhere in the text a reader sees: no JSON or Python mapping syntax outside the figures
    shown = re.sub(r"<svg.*?</svg>|<style.*?</style>|<script.*?</script>", "", page, flags=re.S)
    shown = html.unescape(re.sub(r"<[^>]+>", " ", shown))
    dump = re.search(r"""\{\s*["']\w+["']\s*:|\[\s*\{|["']\w+["']\s*:\s*[\[{"'\d]""", shown)
    assert not dump, f"a raw dump in the page's text: {shown[max(0, dump.start() - 60):dump.end() + 60]!r}"
    assert "break-all" not in page and "overflow-wrap: anywhere" not in page
    assert "overflow-wrap: break-word; word-break: normal" in page


def test_planted_fault_makes_report_exit_1_with_refuted_on_top(tmp_path, capsys, monkeypatch):
    fast = [catalogue.get(i) for i in ("gaussian-kernel", "global-minimum")]   # confirmed, and refuted by the fault
    monkeypatch.setattr(catalogue, "all_claims", lambda: fast)
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


@pytest.mark.slow
def test_claims_give_the_same_numbers_in_one_process_or_several():
    claims = [catalogue.get(i) for i in ("gaussian-kernel", "global-minimum", "norm-monotone")]
    alone = report.run_claims(claims, catalogue.plan("quick"), 5, jobs=1)
    shared = report.run_claims(claims, catalogue.plan("quick"), 5, jobs=2)
    for one, other in zip(alone, shared, strict=True):
        assert {**one.record(), "seconds": 0} == {**other.record(), "seconds": 0}


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
        write_atomically({tmp_path / "a.txt": "new a", tmp_path / "b.txt": "new b"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]  # no temporary left behind


def test_report_json_is_strict(tmp_path, only_fake_claim, capsys):
    claim = Claim(id="fake", title="t", source="derived", statement="s",
                  check=lambda b, s: Outcome("confirmed", Evidence("x", details={"value": float("inf"),
                                                                                  "nan": float("nan")})))
    only_fake_claim(claim)
    run(["report", "--out", str(tmp_path)], capsys)
    doc = json.loads((tmp_path / "claims.json").read_text(), parse_constant=pytest.fail)
    assert doc["claims"][0]["evidence"]["value"] == "inf"


@pytest.mark.slow
def test_console_script_runs_as_a_real_process(tmp_path):
    result = subprocess.run([sys.executable, "-m", "checks", "list"], capture_output=True, text=True)
    assert result.returncode == 0 and "gaussian-kernel" in result.stdout
    result = subprocess.run([sys.executable, "-m", "checks", "check", "nope"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0


class _Checker(html.parser.HTMLParser):
    VOID = frozenset({"meta", "br", "img", "hr", "link", "input", "col"})

    def __init__(self):
        super().__init__()
        self.stack, self.errors = [], []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            # in-page anchors and the figures' data (CSV in the page itself): nothing outside the file
            inside = value and (value.startswith("#") or (name == "href" and value.startswith("data:text/csv")))
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


def test_the_report_holds_the_mathematics_it_cites(tmp_path, capsys, only_fake_claim):
    claim = Claim(id="fake", title="t", source="derived", statement="s",
                  reconstruction="Derived (docs/mathematics.md#critical-points).",
                  check=lambda b, s: Outcome("confirmed", Evidence("x")))
    only_fake_claim(claim)
    assert run(["report", "--out", str(tmp_path / "r")], capsys)[0] == 0
    page = (tmp_path / "r" / "index.html").read_text()
    # self-contained: the cited section is rendered into the page and the reference points at it
    assert not re.findall(r'href="[^"#]*\.md', page)
    assert '<a href="#math-critical-points">docs/mathematics.md#critical-points</a>' in page
    assert 'id="math-critical-points"' in page and 'id="math-the-model"' in page
    assert "from its abstract" not in page    # only claims that quote the paper say so
    assert "sentence, or part of one, of the\npaper's abstract" in page


def test_a_qualified_claims_counterexample_is_shown_as_named_fields(tmp_path, capsys, only_fake_claim):
    only_fake_claim(_claim_with_parts("qualified"))
    assert run(["report", "--out", str(tmp_path)], capsys)[0] == 0
    page = (tmp_path / "index.html").read_text()
    _assert_no_raw_json(page)
    assert "<dt>a_star</dt><dd>12 values, norm 3.464: 1, 1, 1, 1, …</dd>" in page
    assert "<dt>p</dt><dd>1,000,000</dd>" in page and "<dt>p_global</dt><dd>0.75 [0.19, 0.99] (3 of 4)</dd>" in page


def test_second_run_replaces_the_first(tmp_path, capsys, only_fake_claim):
    only_fake_claim(_fake_claim(summary="summary-of-run-one"))
    run(["report", "--out", str(tmp_path)], capsys)
    only_fake_claim(_fake_claim(summary="summary-of-run-two"))
    run(["report", "--out", str(tmp_path)], capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".theorycheck.lock", "claims.json", "index.html",
                                                          "report-manifest.json"]
    page = (tmp_path / "index.html").read_text()
    assert "summary-of-run-two" in page and "summary-of-run-one" not in page


def _claim_with_parts(verdict):
    """A claim whose evidence has parts and, when it fails, a counterexample with a long vector and a
    proportion; combined by the real rules (a failing reading alone refutes, beside a holding one qualifies)."""
    def check(plan, seed):
        gap = Part("gap", "d", "q", reading="uniformly in k", reading_kind="stronger")
        gap.add({"family": "one-hot", "k": 12, "p": 1_000_000, "a_star": [1.0] * 12,
                 "p_global": Proportion(3, 4, 0.001, 0.19, 0.99)}, 2.0, 1.0, size=12)
        gap.add({"k": 2}, 0.5, 1.0)
        gap.add({"k": 3}, 0.5, 1.0)
        rate = Part("rate", "d", "q", lower_bound=True, reading="for each k" if verdict == "qualified" else "",
                    reading_kind="paper" if verdict == "qualified" else "")
        for _ in range(40):
            rate.add({}, 0.5, 0.25)
        return combine([gap, rate], lambda: "a summary", summary_qualified=lambda: "a summary")
    return Claim(id="fake", title="t", source="derived", statement="s", check=check)


@pytest.mark.parametrize("verdict", ["refuted", "qualified"])
def test_check_prints_a_table_of_parts_and_the_counterexample_as_named_fields(verdict, capsys, only_fake_claim):
    only_fake_claim(_claim_with_parts(verdict))
    code, out, _ = run(["check", "fake"], capsys)
    assert code == (1 if verdict == "refuted" else 0)
    lines = out.splitlines()
    header = next(line for line in lines if line.split()[:2] == ["part", "cases"])
    assert "worst case vs requirement" in header and header.split()[-1] == "verdict"
    gap = next(line for line in lines if line.startswith("gap "))
    assert gap.split()[1:4] == ["3", "1", "/"] and "2 (must be ≤ 1)" in gap and gap.split()[-1] == "refuted"
    rate = next(line for line in lines if line.startswith("rate "))
    assert "0.5 (must be > 0.25)" in rate and rate.split()[-1] == "confirmed"
    fields = {line.split()[0]: " ".join(line.split()[1:]) for line in lines if line and not line.startswith(" ")}
    assert fields["measured"] == "2" and fields["required"] == "≤ 1" and fields["k"] == "12"
    assert fields["p"] == "1,000,000" and fields["family"] == "one-hot"
    assert fields["a_star"] == "12 values, norm 3.464: 1, 1, 1, 1, …"
    assert fields["p_global"] == "0.75 [0.19, 0.99] (3 of 4)"
    assert "{'" not in out and "[1.0, 1.0" not in out     # no raw Python dict or list
    if verdict == "qualified":
        assert "holds: for each k (rate)" in out and "fails: uniformly in k (gap)" in out
    assert "reproduce: theorycheck check fake --budget quick --seed 0" in out


def test_check_without_a_counterexample_prints_no_fields(capsys, only_fake_claim):
    only_fake_claim(_fake_claim("confirmed", summary="all fine"))
    code, out, _ = run(["check", "fake"], capsys)
    assert code == 0 and "fake: confirmed — all fine" in out and "field" not in out


FUZZ_FINDINGS = {
    "spurious-condition": {"inside": {"score": 14.2, "k": 3, "p": 4, "relative_margin": 6.3e-15, "decided": True,
                                      "a_star": [1.0, 2.0, 0.5]},
                           "outside": {"score": 1.0, "k": 2, "p": 1, "relative_margin": 0.1, "decided": False,
                                       "note": "p = 1: …"}},
    "success-probability": {"inside": {"score": -0.41, "scheme": "paper", "k": 3, "p_global_screen": 0.41},
                            "outside": {"score": -0.2, "scheme": "gaussian", "k": 2, "p_global_screen": 0.2,
                                        "recheck": {"runs": 20000, "global": 4321, "ci": [0.21, 0.22]}}},
    "two-phase-rate": {"inside": {"score": 0.003, "k": 2, "p": 3, "eta_multiple": 0.5, "tolerance": 0.01},
                       "outside": {"score": 0.0468, "k": 5, "p": 2, "eta_multiple": 2.4, "tolerance": 0.01}},
}


@pytest.mark.parametrize("target", list(FUZZ_FINDINGS))
def test_fuzz_explains_each_score_in_words(target):
    from checks.app import fuzz
    claim = next(c for c, (name, _, _) in fuzz.TARGETS.items() if name == target)
    found = {"target": target, "claim": claim, "objective": fuzz.TARGETS[claim][1], "near_misses": {},
             "examples": 25, "counterexample": None, **FUZZ_FINDINGS[target]}
    text = "\n".join(fuzz.explain(found))
    assert "25 examples" in text and text.count("score") >= 2
    assert "inside" in text and "outside" in text
    if target == "two-phase-rate":   # beyond the tolerance outside the hypotheses: said what it means
        assert "0.0468" in text and "not a" in text and "counterexample" in text
    if target == "spurious-condition":
        assert "relative distance to the boundary" in text and "p ≥ 2" in text
    if target == "success-probability":
        assert "P(global)" in text and "20,000" in text and "not judged" in text


def test_fuzz_prints_its_findings_and_where_it_wrote(tmp_path, capsys, monkeypatch):
    from checks.app import fuzz
    found = fuzz.Exploration("two-phase-rate", "two-phase", fuzz.TARGETS["two-phase"][1], examples=7,
                             **FUZZ_FINDINGS["two-phase-rate"])
    monkeypatch.setattr(fuzz, "run_target", lambda claim, seconds, seed=0: found)
    code, out, _ = run(["fuzz", "two-phase", "--time", "1s", "--out", str(tmp_path)], capsys)
    assert code == 0 and f"wrote {tmp_path / 'fuzz.json'}" in out
    assert "no counterexample inside the hypotheses" in out and "Phase II rate" in out
    assert "extreme just outside them" in out and "eta_multiple" in out
    assert json.loads((tmp_path / "fuzz.json").read_text())["targets"][0]["examples"] == 7


def test_compare_shows_old_and_new_numbers_and_warns_of_another_budget(tmp_path, capsys, only_fake_claim):
    only_fake_claim(_claim_with_parts("refuted"))
    run(["report", "--out", str(tmp_path / "old")], capsys)
    old = json.loads((tmp_path / "old" / "claims.json").read_text())
    part = next(iter(old["claims"][0]["evidence"]["parts"]))
    old["claims"][0]["evidence"]["parts"][part]["cases"] += 5       # an earlier run with more cases
    (tmp_path / "old" / "claims.json").write_text(json.dumps(old))
    code, out, err = run(["report", "--out", str(tmp_path / "new"), "--seed", "7", "--compare",
                          str(tmp_path / "old" / "claims.json")], capsys)
    cases = old["claims"][0]["evidence"]["parts"][part]["cases"]
    assert code == 1 and f"fake.{part}.cases: {cases} → {cases - 5}" in out
    assert "warning: --compare: the seed differs: 0 then, 7 now" in err
    doc = json.loads((tmp_path / "new" / "claims.json").read_text())
    jsonschema.validate(doc, SCHEMA)
    assert {"field": f"fake.{part}.cases", "old": cases, "new": cases - 5} in doc["comparison"]["numbers"]
    page = (tmp_path / "new" / "index.html").read_text()
    assert "the seed differs" in page and f"fake.{part}.cases" in page
