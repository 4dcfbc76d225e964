"""The failure that is not a verdict: the machine failed, not a claim."""

from __future__ import annotations

__all__ = ["InfrastructureError"]


class InfrastructureError(Exception):
    """The machine failed, not a claim: a worker killed, a pool broken, a disk full or read-only.
    Reported in one line with its own exit code, distinct from "refuted"."""
