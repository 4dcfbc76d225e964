"""checks.app.evidence_text: an instance shown as named fields, without the labels that say nothing."""

from checks.app.evidence_text import named_fields


def test_an_instance_is_named_fields_and_empty_labels_are_left_out():
    fields = named_fields({"name": "", "k": 2, "kappa": 1e4, "p": None, "cell": {"runs": 400, "tag": ""},
                           "selected": {"estimate": 0.5, "ci_low": 0.4, "ci_high": 0.6}})
    assert fields == [("k", "2"), ("kappa", "1e+04"), ("p", "—"), ("cell.runs", "400"),
                      ("selected", "0.5 [0.4, 0.6]")]
    assert named_fields(3.0) == [("value", "3")]
