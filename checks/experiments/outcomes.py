"""What the gradient-descent claims share: batches of runs sized to the plan (any k and p, drawn in
reduced coordinates), runs continued from where they stopped, and the check that decisions hold.

The teachers and initial points they run from are in :mod:`checks.experiments.teachers`; outcome
counts are :class:`checks.experiments.counts.OutcomeCounts`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from checks.experiments.plan import Plan
from checks.verdicts.cases import Part
from theory import Teacher, dynamics, reduced_gd
from theory.decisions import Outcome

__all__ = ["NEGLIGIBLE", "PILOT", "HeldDecisions", "angle_to_teacher", "continue_undecided", "decisions_part",
           "decisions_that_fail_to_hold", "sized_runs"]

PILOT = 32
NEGLIGIBLE = 0.01   # a probability below this (with confidence) is not "a constant" of a claim


class HeldDecisions(NamedTuple):
    """Of the decided runs continued (``checked``), how many did not keep going (``failed``)."""

    failed: int
    checked: int


def angle_to_teacher(teacher: Teacher, V: np.ndarray) -> np.ndarray:
    """The angle φ between each row of V and w*."""
    cos = V @ teacher.w_star / (np.linalg.norm(V, axis=1) * teacher.w_norm)
    return np.arccos(np.clip(cos, -1, 1))


def decisions_that_fail_to_hold(teacher: Teacher, batch: reduced_gd.Batch, code: Outcome,
                                max_runs: int = 50, extra_steps: int = 2000) -> HeldDecisions:
    """Continue up to ``max_runs`` runs decided as ``code`` (reduced coordinates) and count those
    that do not keep going: decided again at once, and closer to their minimum (φ towards 0 for
    `global`, towards π for `spurious`) after ``extra_steps`` more steps.

    The decision argument makes this impossible for the true dynamics; it guards the decisions
    against an engine that would violate it."""
    chosen = np.flatnonzero(batch.outcome == code)[:max_runs]
    if len(chosen) == 0:
        return HeldDecisions(0, 0)
    more = dynamics.continued_runs(teacher, batch, chosen, extra_steps, until_decided=False)
    before = np.arctan2(np.abs(batch.state.y[chosen]), batch.state.x[chosen])
    after = np.arctan2(np.abs(more.state.y), more.state.x)
    progressed = after <= before + 1e-12 if code == Outcome.GLOBAL else after >= before - 1e-12
    held = (more.outcome == code) & (more.decided == 0) & progressed
    return HeldDecisions(int(np.sum(~held)), len(chosen))


def decisions_part(outcome: Outcome) -> Part:
    """The part that checks that runs decided ``outcome`` keep going (decisions_that_fail_to_hold)."""
    towards = "φ = 0" if outcome == Outcome.GLOBAL else "φ = π"
    return Part("decisions-hold", f"runs decided `{outcome.label}`, continued 2000 steps: decided again at "
                f"once and closer to {towards}", "decisions that did not hold")


def continue_undecided(teacher: Teacher, batch: reduced_gd.Batch, ran: int, steps: int) -> int:
    """Continue the batch's undecided runs (which ran ``ran`` steps) for up to ``steps`` more,
    from their final states, recording their outcomes and decision steps in place; returns how
    many were decided. A run is decided by its state alone (the trapping argument of
    :mod:`theory.decisions`), so a continued run is decided exactly as one run longer."""
    chosen = np.flatnonzero(batch.outcome == Outcome.UNDECIDED)
    if len(chosen) == 0:
        return 0
    more = dynamics.continued_runs(teacher, batch, chosen, steps, until_decided=True)
    for field in ("x", "y", "z1", "z2", "residual_sq"):
        getattr(batch.state, field)[chosen] = getattr(more.state, field)
    batch.outcome[chosen] = more.outcome
    batch.decided[chosen] = np.where(more.decided >= 0, ran + more.decided, -1)   # its step 0 is step `ran`
    batch.ascents[chosen] += more.ascents
    batch.late_ascents[chosen] += more.late_ascents
    return int(np.sum(more.decided >= 0))


def sized_runs(teacher: Teacher, runs: int, plan: Plan, rng: np.random.Generator,
               start: Callable | None = None, minimum: int = 100,
               undecided_limit: float = 0.25) -> reduced_gd.Batch | None:
    """A batch of runs (paper's initialization, or ``start``) sized to the plan, or None.

    A pilot of PILOT runs (used only for sizing) measures the steps a decision takes; the
    sample is then as large as ``runs`` or the plan's trajectory-steps per grid teacher allow
    (at least ``minimum``). An instance whose pilot leaves more than ``undecided_limit`` of its
    runs undecided within the plan's ``grid_run_steps`` is skipped (None): its runs take longer
    than the budget buys. Claims about every run (from the theorem's region) pass 0: an instance
    whose runs are not all decided in those steps could only be inconclusive; the few runs of
    the sample still undecided then get up to four times as many steps more.
    """
    max_steps = plan.grid_run_steps
    scout = dynamics.reduced_runs(teacher, PILOT // 4, rng, max_steps=max_steps, start=start)
    if np.mean(scout.outcome == Outcome.UNDECIDED) > undecided_limit:      # a few runs tell a hopeless instance cheaply
        return None
    pilot = dynamics.reduced_runs(teacher, PILOT - PILOT // 4, rng, max_steps=max_steps, start=start)
    decided = np.concatenate([scout.decided, pilot.decided])
    if np.mean(decided < 0) > undecided_limit:
        return None
    steps = np.where(decided >= 0, decided, max_steps).mean() + 1
    n = int(min(runs, max(minimum, plan.grid_instance_steps / steps)))
    batch = dynamics.reduced_runs(teacher, n, rng, max_steps=max_steps, start=start)
    if undecided_limit == 0:    # a few slow runs of an instance whose pilot all decided: let them finish
        continue_undecided(teacher, batch, max_steps, 4 * max_steps)
    return batch


