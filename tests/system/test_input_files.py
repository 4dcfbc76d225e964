"""Files the report reads (--compare, fuzz.json) are untrusted: bad, hostile or out-of-range ones
stop the report before any claim runs, in one line and quickly."""

import json
import os
from pathlib import Path

import pytest

from checks.app import cli, guards
from tests.system.usage import one_line, one_line_exit_2

_FINDING = ('{"time_budget_seconds": 60, "seed": 0, "targets": [{"target": "t", "claim": "c", "objective": "o", '
            '"examples": 1, "inside": INSIDE, "outside": {}, "near_misses": {}, "counterexample": null}]}')


@pytest.mark.parametrize("content", ['{"x": 1}', '{"time_budget_seconds": NaN, "seed": 0, "targets": []}',
                                     "not json", "[1, 2]",
                                     # issue 29, item 9: the shape passed, then the page crashed after every claim
                                     _FINDING.replace("INSIDE", '{"score": {"estimate": "x", "low": 0}}'),
                                     _FINDING.replace("INSIDE", '{"score": 1, "x": {"y": {"z": 1}}}'),
                                     _FINDING.replace("INSIDE", '{"score": true}')])
def test_a_bad_fuzz_file_stops_the_report_before_any_claim(content, tmp_path, capsys):
    (tmp_path / "fuzz.json").write_text(content)
    assert one_line_exit_2(["report", "--out", str(tmp_path), "--fuzz", str(tmp_path / "fuzz.json")],
                           capsys, "--fuzz") < 2


def test_fuzz_findings_are_shown_only_when_named(tmp_path, capsys, fake_claim):
    (tmp_path / "fuzz.json").write_text(_FINDING.replace("INSIDE", '{"score": 0.395, "P(global)": 0.395}'))
    assert cli.main(["report", "--out", str(tmp_path)]) == 0
    assert "Edge cases explored" not in (tmp_path / "index.html").read_text()
    assert cli.main(["report", "--out", str(tmp_path), "--fuzz", str(tmp_path / "fuzz.json")]) == 0
    assert "Edge cases explored" in (tmp_path / "index.html").read_text()


@pytest.mark.parametrize("content", ['{"claims": [{}]}', "[1, 2]", '{"claims": [{"id": "x", "verdict": "maybe", '
                                     '"evidence": {"summary": ""}}]}'])
def test_a_bad_comparison_file_stops_the_report_before_any_claim(content, tmp_path, capsys):
    (tmp_path / "old.json").write_text(content)
    assert one_line_exit_2(["report", "--out", str(tmp_path / "out"), "--compare", str(tmp_path / "old.json")],
                           capsys, "--compare") < 2




def _hostile(kind, path):
    if kind == "deep":
        path.write_text("[" * 100_000 + "]" * 100_000)
    elif kind == "deep-object":
        path.write_text('{"claims": ' + '{"a": ' * 100_000 + "1" + "}" * 100_001)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "large":
        path.write_text(json.dumps({"claims": [], "padding": "x" * 2000}))
    return path


@pytest.mark.parametrize("kind, fragment", [("deep", "nested more than"), ("deep-object", "nested more than"),
                                            ("fifo", "not a regular file"), ("directory", "not a regular file"),
                                            ("dev-zero", "not a regular file"), ("large", "bytes")])
def test_a_hostile_comparison_file_is_one_line_quickly(kind, fragment, tmp_path, capsys, monkeypatch, fake_claim):
    if kind == "large":
        monkeypatch.setattr(guards, "JSON_MAX_BYTES", 1000)
    path = Path("/dev/zero") if kind == "dev-zero" else _hostile(kind, tmp_path / "old.json")
    one_line(["report", "--out", str(tmp_path / "out"), "--compare", str(path)], capsys, 2, fragment)
    assert not fake_claim


@pytest.mark.parametrize("kind, fragment", [("deep", "nested more than"), ("fifo", "not a regular file")])
def test_a_hostile_fuzz_file_is_one_line_quickly(kind, fragment, tmp_path, capsys, fake_claim):
    _hostile(kind, tmp_path / "fuzz.json")
    one_line(["report", "--out", str(tmp_path), "--fuzz", str(tmp_path / "fuzz.json")], capsys, 2, fragment)
    assert not fake_claim


def test_json_within_the_limits_reads_as_before(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"a": [[[{"b": "[[[{{{"}]]], "c": '\\"['}))
    assert guards.read_json(path, "x") == {"a": [[[{"b": "[[[{{{"}]]], "c": '\\"['}
    path.write_text('{"a": NaN}')
    with pytest.raises(ValueError, match="NaN is not a JSON number"):
        guards.read_json(path, "x")


@pytest.mark.parametrize("content", ['{"time_budget_seconds": 1e999, "seed": 0, "targets": []}',
                                     '{"time_budget_seconds": 60, "seed": ' + "9" * 5000 + ', "targets": []}'])
def test_a_fuzz_file_with_numbers_beyond_range_is_one_line(content, tmp_path, capsys, fake_claim):
    (tmp_path / "fuzz.json").write_text(content)
    one_line(["report", "--out", str(tmp_path), "--fuzz", str(tmp_path / "fuzz.json")], capsys, 2, "--fuzz")
    assert not fake_claim
