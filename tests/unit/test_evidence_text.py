"""checks.app.evidence_text: an instance shown as named fields, without the labels that say nothing;
a proportion found by its type, not by the keys of a dict."""

from checks.app.evidence_text import named_fields, value_text
from checks.verdicts.stats import Proportion


def test_an_instance_is_named_fields_and_empty_labels_are_left_out():
    fields = named_fields({"name": "", "k": 2, "kappa": 1e4, "p": None, "cell": {"runs": 400, "tag": ""},
                           "selected": Proportion(5, 10, 1e-3, 0.4, 0.6)})
    assert fields == [("k", "2"), ("kappa", "1e+04"), ("p", "—"), ("cell.runs", "400"),
                      ("selected", "0.5 [0.4, 0.6] (5 of 10)")]
    assert named_fields(3.0) == [("value", "3")]


def test_a_proportion_is_found_by_its_type():
    """A record that merely has the keys of a proportion's JSON is a record, flattened as such."""
    looks_like = {"estimate": 0.5, "ci_low": 0.4, "ci_high": 0.6}
    assert named_fields({"selected": looks_like}) == [("selected.estimate", "0.5"), ("selected.ci_low", "0.4"),
                                                      ("selected.ci_high", "0.6")]
    share = Proportion.of(30, 100, 1e-3)
    assert value_text(share) == f"0.3 [{share.low:.3g}, {share.high:.3g}] (30 of 100)"
    assert share.contains(0.3) and not share.contains(0.9) and share.confidence == 1 - 1e-3
    assert share.to_json() == {"successes": 30, "trials": 100, "estimate": 0.3, "ci_low": share.low,
                               "ci_high": share.high, "confidence": 1 - 1e-3}
