"""Claim `gaussian-kernel`: the quadrature it trusts decides whether it can conclude."""

from dataclasses import replace

from checks.claims import gaussian_kernel, get, plan


def test_untrusted_quadrature_makes_the_kernel_claim_inconclusive(monkeypatch):
    monkeypatch.setattr(gaussian_kernel, "QUAD_TRUSTED", 0.0)
    quick = plan("quick")
    few_angles = replace(quick.claims["gaussian-kernel"], exponents=(1, 30), uniform_angles=2)
    outcome, _ = get("gaussian-kernel").run(quick.with_claims({**quick.claims, "gaussian-kernel": few_angles}), 0)
    assert outcome.verdict == "inconclusive"
    assert "quadrature error estimate" in outcome.evidence.why and outcome.evidence.settle
