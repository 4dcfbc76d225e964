"""Claim `restarts`: the lowest-loss selection part fails when the restart a user keeps is not the
global one, and the restart bound follows the per-run probability."""

import numpy as np

from checks.claims import restarts
from checks.verdicts.cases import FAIL, PASS, Part

GROUPS = 20_000
ALPHA = 1e-6
ROW = {"name": "", "k": 3, "r": 1.0, "ratio_over_boundary": 0.5, "kappa": 1.0, "p": 4, "v0_norm": 1.0}


def _judge(success: np.ndarray, loss: np.ndarray) -> tuple[Part, Part, dict]:
    bound, selection = Part("restart-bound", "", "", lower_bound=True), Part("lowest-loss-selection", "", "")
    row = restarts.restart_cases(bound, selection, ROW, success, loss, GROUPS, ALPHA)
    return bound, selection, row


def test_global_runs_of_lowest_loss_are_kept():
    success = np.random.default_rng(7).random(GROUPS * max(restarts.RESTARTS)) < 0.6
    loss = np.where(success, 1e-9, 0.3)          # global runs end below the spurious loss
    bound, selection, row = _judge(success, loss)
    assert [c.status for c in selection.cases] == [PASS] * len(restarts.RESTARTS)
    assert all(c.status == PASS for c in bound.cases)
    top = max(restarts.RESTARTS)
    low, high = selection.cases[-1].instance["predicted_interval"]
    assert low <= row["selected"][top] <= high        # 1 − (1 − p)^R, measured on the same runs


def test_a_selection_that_keeps_spurious_runs_is_refuted():
    """If global runs ended with a higher loss than spurious ones (too few steps, say), keeping the
    lowest loss would throw the teacher away: the part must fail."""
    success = np.random.default_rng(7).random(GROUPS * max(restarts.RESTARTS)) < 0.6
    _, selection, _ = _judge(success, np.where(success, 0.5, 0.3))
    statuses = [c.status for c in selection.cases]
    assert statuses[0] == PASS and statuses[1:] == [FAIL] * (len(restarts.RESTARTS) - 1)


def test_too_few_successes_fail_the_reconstructed_bound():
    success = np.random.default_rng(8).random(GROUPS * max(restarts.RESTARTS)) < 0.1
    bound, _, _ = _judge(success, np.where(success, 0.0, 0.3))
    assert all(c.status == FAIL for c in bound.cases)
