"""Increasing-precision evaluation: trust an mpmath value only once more digits stop changing it.

Closed forms with cancellation (g(φ) near φ = π loses about 2·log10(1/δ) digits) need
more working precision than the digits asked for. :func:`converged` raises the precision
until two successive evaluations agree to the requested number of digits, in the manner of
SciPy's mpmath test helpers.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import mpmath

__all__ = ["PRECISION_LOCK", "Converged", "PrecisionNotReached", "converged", "extradps", "extraprec",
           "relative_difference", "workdps"]

# mpmath (and python-flint) keep one working precision for the whole process, not one per
# thread. Two threads that each set it compute at each other's precision, silently — or forever:
# a bisection whose tolerance was chosen at 80 digits never ends once another thread drops the
# precision to 15 (seen: a sweep on a thread pool hung). Every change of precision in
# theorycheck goes through the context managers below (and ArbArith.precision), which hold this
# lock — re-entrant, so they nest — for as long as the precision is changed.
PRECISION_LOCK = threading.RLock()


@contextlib.contextmanager
def workdps(dps: int) -> Iterator[None]:
    """mpmath.workdps(dps), holding :data:`PRECISION_LOCK`."""
    with PRECISION_LOCK, mpmath.workdps(dps):
        yield


@contextlib.contextmanager
def extradps(digits: int) -> Iterator[None]:
    """``digits`` more than the current precision, read and raised under :data:`PRECISION_LOCK`."""
    with PRECISION_LOCK, mpmath.workdps(mpmath.mp.dps + digits):
        yield


@contextlib.contextmanager
def extraprec(bits: int) -> Iterator[None]:
    """mpmath.extraprec(bits), holding :data:`PRECISION_LOCK`."""
    with PRECISION_LOCK, mpmath.extraprec(bits):
        yield


class PrecisionNotReached(ArithmeticError):
    """Raised when successive evaluations still disagree at the largest precision allowed."""


@dataclass(frozen=True)
class Converged:
    value: mpmath.mpf
    dps: int


def relative_difference(x, y) -> mpmath.mpf:
    """|x − y| / max(|x|, |y|), with 0 when both are 0."""
    scale = max(abs(x), abs(y))
    return abs(x - y) / scale if scale else mpmath.mpf(0)


def converged(evaluate: Callable[[int], mpmath.mpf], digits: int, start_dps: int | None = None,
              max_dps: int = 2000) -> Converged:
    """Evaluate ``evaluate(dps)`` at growing dps until two results agree to ``digits`` digits."""
    dps = start_dps or digits + 10
    previous = evaluate(dps)
    while dps < max_dps:
        dps = min(2 * dps, max_dps)
        current = evaluate(dps)
        with workdps(dps):
            if relative_difference(current, previous) <= mpmath.mpf(10) ** (-digits - 2):
                return Converged(current, dps)
        previous = current
    raise PrecisionNotReached(f"no {digits}-digit agreement up to {max_dps} digits")
