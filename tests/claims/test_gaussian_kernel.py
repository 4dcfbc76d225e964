"""Claim `gaussian-kernel`: the quadrature it trusts decides whether it can conclude."""

from checks.claims import gaussian_kernel, get, plan


def test_untrusted_quadrature_makes_the_kernel_claim_inconclusive(monkeypatch):
    monkeypatch.setattr(gaussian_kernel, "QUAD_TRUSTED", 0.0)
    outcome, _ = get("gaussian-kernel").run(plan("quick"), 0)
    assert outcome.verdict == "inconclusive"
    assert "quadrature error estimate" in outcome.evidence.why and outcome.evidence.settle
