"""`theorycheck teacher`: one teacher of the user's own — the landscape facts, P at p = ∞ by
quadrature, sampled P at finite p, a two-phase trace, and a page of its own."""

import json
import math

import pytest

from checks.app import cli
from theory import examine, invariants, quadrature


@pytest.mark.slow
def test_the_issues_teacher_prints_its_facts_and_writes_its_page(tmp_path, capsys):
    code = cli.main(["teacher", "--k", "10", "--r", "1.0", "--kappa", "9", "--runs", "200", "--ps", "10",
                     "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    expected = quadrature.probabilities(10, 1.0, 9.0)
    assert f"P(global) = {expected.global_:.6f}" in out and "spurious local minimum: yes" in out
    assert "κ*(k, r) in [" in out and "saddle" in out and "two-phase trace (p = ∞" in out
    doc = json.loads((tmp_path / "teacher.json").read_text())
    low, high = doc["kappa_star"]["kappa_low"], doc["kappa_star"]["kappa_high"]
    assert low < high < 9.0            # κ = 9 is above κ*: the spurious minimum is reachable, and P_∞(spurious) > 0
    assert doc["p_infinity"]["spurious"] > 0
    proved = doc["p_infinity_proved"]      # a theorem, and it must hold the quadrature's estimate
    assert proved["spurious_low"] <= expected.spurious <= proved["spurious_high"]
    assert proved["global_low"] <= expected.global_ <= proved["global_high"] and "proved (theory.certify" in out
    page = (tmp_path / "teacher.html").read_text()
    assert "<svg" in page and "data:text/csv" in page and "Spurious local minimum: <b>yes</b>" in page


def test_a_teacher_without_a_spurious_minimum_says_why_there_is_no_kappa_star(tmp_path, capsys):
    assert cli.main(["teacher", "--a", "1,1,1", "--w", "1,0", "--runs", "50", "--ps", "6", "--certify-seconds", "0",
                     "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "spurious local minimum: no (r ≥ r_b)" in out
    assert "κ*(k, r): not found, because r = 3 ≥ r_b = 1.63662: no spurious minimum, so no κ*" in out
    doc = json.loads((tmp_path / "teacher.json").read_text())
    assert doc["sampled"][0]["runs"] == 50 and sum(doc["sampled"][0]["counts"].values()) == 50
    assert doc["kappa_star"] == {"found": False, "reason": "r = 3 ≥ r_b = 1.63662: no spurious minimum, so no κ*"}
    assert doc["p_infinity_proved"] == {"reason": "not attempted (certify_seconds = 0)"}


@pytest.mark.parametrize("argv, fragment", [(["--a", "1,2"], "give the teacher"),
                                            (["--a", "1,2", "--w", "1", "--k", "2"], "not both"),
                                            (["--k", "2", "--r", "5", "--kappa", "1"], "at most k"),
                                            (["--a", "1,nan", "--w", "1"], "a_star")])
def test_a_bad_teacher_is_one_line(argv, fragment, tmp_path, capsys):
    assert cli.main(["teacher", *argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1, err


def test_examine_matches_the_modules_that_own_each_number():
    teacher = invariants.canonical_teacher(3, 1.0, 2.0)
    facts = examine.examine(teacher, ps=(math.inf,), runs=10, certify_seconds=0)
    assert facts.spurious_minimum and facts.sampled == ()        # p = ∞ is the quadrature's, not sampled
    assert facts.p_infinity == quadrature.probabilities(3, 1.0, 2.0) or \
        facts.p_infinity.global_ == quadrature.probabilities(3, 1.0, 2.0).global_
    assert [c.kind for c in facts.critical_points][:2] == ["global", "spurious"]
    with pytest.raises(ValueError, match="seed"):
        examine.examine(teacher, seed=-1)
    with pytest.raises(ValueError, match="certify_seconds"):
        examine.examine(teacher, certify_seconds=-1.0)
