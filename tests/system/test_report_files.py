"""The report's files: replaced together or not at all, whatever stands in the way (a directory, a
staged file left by a killed writer, a rename failing midway), and written where the paths say."""

import json
import os
import time

import pytest

from checks.app import cli
from checks.app.files import write_atomically
from tests.processes import ROOT
from tests.system.usage import one_line


def test_a_staged_file_left_by_a_killed_writer_is_removed_by_the_next(tmp_path):
    stale = tmp_path / ".claims.json.abc123.tmp"
    stale.write_text("")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    write_atomically({tmp_path / "claims.json": "{}"})
    assert not stale.exists() and (tmp_path / "claims.json").read_text() == "{}"






@pytest.mark.parametrize("in_the_way", ["index.html", "claims.json"])
def test_a_directory_in_place_of_a_report_file_stops_the_report_before_any_claim(in_the_way, tmp_path, capsys,
                                                                                    fake_claim):
    (tmp_path / "claims.json").write_text("old json")
    (tmp_path / "index.html").write_text("old html")
    (tmp_path / in_the_way).unlink()
    (tmp_path / in_the_way).mkdir()
    one_line(["report", "--out", str(tmp_path)], capsys, 2, "is a directory")
    assert not fake_claim
    other = "claims.json" if in_the_way == "index.html" else "index.html"
    assert (tmp_path / other).read_text() == f"old {other.split('.')[1]}"


def test_a_dangling_staged_file_does_not_lose_the_report(tmp_path, capsys, fake_claim):
    (tmp_path / ".claims.json.x.tmp").symlink_to(tmp_path / "nowhere")
    old = time.time() - 3600
    os.utime(tmp_path / ".claims.json.x.tmp", (old, old), follow_symlinks=False)
    (tmp_path / ".index.html.y.tmp").mkdir()
    assert cli.main(["report", "--out", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "claims.json").read_text())["claims"][0]["id"] == "fake"
    assert (tmp_path / "index.html").exists()


def _second_rename_fails(monkeypatch) -> None:
    """os.replace fails (disk full) on its second call, as if the disk filled between the two files."""
    real, calls = os.replace, []

    def failing_second(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(src, dst)
    monkeypatch.setattr(os, "replace", failing_second)


def test_a_rename_failing_midway_leaves_both_previous_files(tmp_path, monkeypatch):
    files = {tmp_path / "claims.json": "new json", tmp_path / "index.html": "new html"}
    for path in files:
        path.write_text("old " + path.suffix)
    _second_rename_fails(monkeypatch)
    with pytest.raises(OSError):
        write_atomically(files)
    assert [p.read_text() for p in files] == ["old .json", "old .html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.json", "index.html"]


def test_a_rename_failing_midway_with_no_previous_report_leaves_none(tmp_path, monkeypatch):
    files = {tmp_path / "claims.json": "new json", tmp_path / "index.html": "new html"}
    _second_rename_fails(monkeypatch)
    with pytest.raises(OSError):
        write_atomically(files)
    assert list(tmp_path.iterdir()) == []


def test_a_default_out_inside_the_source_tree_names_the_folders_it_means(monkeypatch, capsys, fake_claim):
    monkeypatch.chdir(ROOT / "theory")
    err = one_line(["report"], capsys, 2, "inside the source tree")
    assert str(ROOT / "theory" / "reports") in err and str(ROOT / "reports") in err
    assert "current directory" in err and str(ROOT / "theory") in err
    assert not fake_claim


def test_an_out_through_a_link_and_dot_dot_is_reported_where_it_is_written(tmp_path, capsys, fake_claim):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "a" / "b")
    assert cli.main(["report", "--out", str(tmp_path / "link" / "..")]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "a" / "claims.json").exists()      # the file system follows the link, then ..
    assert f"wrote {tmp_path / 'a' / 'claims.json'} and {tmp_path / 'a' / 'index.html'}" in out


def test_an_out_through_a_link_into_the_source_tree_names_both_paths(tmp_path, capsys, fake_claim):
    (tmp_path / "link").symlink_to(ROOT / "theory")
    err = one_line(["report", "--out", str(tmp_path / "link" / "..")], capsys, 2, "inside the source tree")
    assert f"--out {ROOT} (resolved from {tmp_path / 'link' / '..'})" in err
    assert not fake_claim
