"""Certified facts as cases: python-flint arb certificates turned into :class:`~checks.verdicts.cases.Case` rows.

Shared by the claims that rest on the certified sign of a_sᵀa* (``spurious-local-minimum`` and
``spurious-condition-sharp``).
"""

from __future__ import annotations

from checks.verdicts.cases import FAIL, PASS, UNDECIDED, Part, Record
from theory import Teacher
from theory.certify import certify_spurious

__all__ = ["certificate_case"]


def certificate_case(part: Part, instance: Record, teacher: Teacher, size: int) -> Record:
    """Adds the arb certificate of a_sᵀa* < 0 and ℓ_s − ℓ_global > 0; returns its enclosures."""
    cert = certify_spurious(teacher)
    enclosures = {"a_s_dot_a_star": cert.a_s_dot_a_star, "loss_gap": cert.loss_gap}
    status = (PASS if cert.a_s_dot_sign == -1 and cert.loss_gap_sign == 1
              else UNDECIDED if None in (cert.a_s_dot_sign, cert.loss_gap_sign) else FAIL)
    part.add({**instance, **enclosures}, cert.a_s_dot_sign or 0, 0, size=size, status=status,
             note="" if status != UNDECIDED else "an arb ball contains 0")
    return enclosures
