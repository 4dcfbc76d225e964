"""Fixtures of the system tests: the catalogue replaced by one instant claim."""

import pytest

from checks import claims as catalogue
from checks.verdicts.claim import Claim
from checks.verdicts.outcome import Evidence, Outcome


@pytest.fixture
def fake_claim(monkeypatch):
    """The catalogue replaced by one instant claim that records the seeds it ran with."""
    ran = []

    def check(plan, seed):
        ran.append(seed)
        return Outcome("confirmed", Evidence("ok φ — ✓"))
    claim = Claim(id="fake", title="fake", source="derived", statement="a claim", check=check)
    monkeypatch.setattr(catalogue, "all_claims", lambda: [claim])
    monkeypatch.setattr(catalogue, "get", lambda claim_id: claim)
    return ran
