"""The fuzz targets: they run, find nothing against the real formulas, find a planted fault, and
feed the report. (They are Hypothesis properties, so HypoFuzz can drive them as well.)"""

import json

import pytest
from hypothesis import settings

from checks import claims as catalogue
from checks.app import cli, fuzz
from tests.faults import FAULTS


@pytest.mark.slow
@pytest.mark.parametrize("claim", list(fuzz.TARGETS))
def test_target_explores_without_counterexample(claim, tmp_path):
    found = fuzz.run_target(claim, 1.0, database=tmp_path, examples_per_round=8)
    assert found.examples > 0 and found.counterexample is None
    assert found.inside, "the search must report the extreme it reached inside the hypotheses"
    assert claim in fuzz.describe(found)


def test_planted_wrong_threshold_is_found_inside_the_hypotheses(tmp_path, monkeypatch):
    next(f for f in FAULTS if f.name == "threshold-k-plus-pi").plant(monkeypatch)
    found = fuzz.run_target("spurious-condition-sharp", 20.0, database=tmp_path)
    assert found.counterexample is not None and found.counterexample["reference"] is not None


@pytest.mark.slow   # 1 s: two fuzz rounds
def test_each_round_explores_new_examples_even_under_a_fixed_process_seed(tmp_path, monkeypatch):
    """pytest --hypothesis-seed fixes one seed for the whole process; the rounds must still differ."""
    import hypothesis.core
    from hypothesis import given
    from hypothesis import strategies as st
    monkeypatch.setattr(hypothesis.core, "global_force_seed", 22, raising=True)
    drawn = []

    def recording(found):
        @given(st.integers(0, 2**60))
        def prop(x):
            drawn.append(x)
        return prop
    monkeypatch.setitem(fuzz.TARGETS, "recording", ("recording", "draws", recording))
    fuzz.run_target("recording", 1.0, database=tmp_path)
    per_round = settings.get_profile("fuzz").max_examples
    assert len(drawn) > 3 * per_round and len(set(drawn)) > 2 * per_round


@pytest.mark.slow
def test_fuzz_cli_writes_findings_that_the_report_shows(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(fuzz, "DATABASE", tmp_path / "db")
    assert cli.main(["fuzz", "spurious-condition-sharp", "--time", "2s", "--out", str(tmp_path)]) == 0
    findings = json.loads((tmp_path / "fuzz.json").read_text())
    assert findings["targets"][0]["claim"] == "spurious-condition-sharp"
    monkeypatch.setattr(catalogue, "all_claims", lambda: [catalogue.get("gaussian-kernel")])
    assert cli.main(["report", "--out", str(tmp_path), "--fuzz", str(tmp_path / "fuzz.json")]) == 0
    page = (tmp_path / "index.html").read_text()
    assert "Edge cases explored" in page
    capsys.readouterr()


@pytest.mark.parametrize("argv, fragment", [
    (["fuzz", "gradients"], "no fuzz target for gradients"),
    (["fuzz", "--time", "soon"], "expected a duration"),
    (["fuzz", "--time", "0s"], "expected a positive duration"),
])
def test_fuzz_usage_errors(argv, fragment, capsys, tmp_path):
    assert cli.main([*argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1


# The same properties as module-level Hypothesis tests, so that HypoFuzz (which fuzzes the
# Hypothesis tests of a pytest suite) can drive them for as long as it likes.
test_property_spurious_condition = settings(max_examples=10)(
    fuzz.fuzz_spurious_condition(fuzz.Exploration("spurious-condition", "spurious-condition-sharp", "")))
test_property_success_probability = settings(max_examples=3)(
    fuzz.fuzz_success_probability(fuzz.Exploration("success-probability", "success-probability", "")))
test_property_two_phase_rate = settings(max_examples=3)(
    fuzz.fuzz_two_phase_rate(fuzz.Exploration("two-phase-rate", "two-phase", "")))
