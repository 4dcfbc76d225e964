"""A batch carries the settings it ran with (theory.reduced_gd.RunSettings): continuing,
re-deciding and joining batches read them from it, whatever η or rule the batch ran with."""

import numpy as np
import pytest

from theory import dynamics, invariants, plain_gd, reduced_gd

TEACHER = invariants.canonical_teacher(4, 0.2, 1.0, p=8)     # both minima reached, at p = 8
HALF_ETA = 0.5 * dynamics.default_eta(TEACHER)                # not the default: continuing must keep it


@pytest.mark.parametrize("weight_norm", [True, False], ids=["weight-normalized", "plain"])
def test_continuing_a_batch_is_the_same_as_running_it_longer(weight_norm):
    eta = HALF_ETA if weight_norm else 0.5 * plain_gd.default_eta(TEACHER)
    short = dynamics.reduced_runs(TEACHER, 300, np.random.default_rng(1), eta=eta, max_steps=4,
                                  weight_norm=weight_norm)
    long = dynamics.reduced_runs(TEACHER, 300, np.random.default_rng(1), eta=eta, max_steps=3000,
                                 weight_norm=weight_norm)
    assert short.settings.eta == eta and short.settings.rule.weight_norm == weight_norm
    undecided = np.flatnonzero(short.outcome == reduced_gd.UNDECIDED)
    assert undecided.size >= 20
    more = dynamics.continued_runs(TEACHER, short, undecided, 2996, until_decided=True)
    assert more.settings.same_as(short.settings)
    assert np.array_equal(more.outcome, long.outcome[undecided])
    assert np.array_equal(more.decided + 4, long.decided[undecided])
    assert np.array_equal(long.decide_again(), long.outcome)     # runs stop where they are decided


def test_batches_with_other_settings_are_not_joined_nor_continued_for_another_teacher():
    rng = np.random.default_rng(2)
    one = dynamics.reduced_runs(TEACHER, 10, rng, max_steps=2)
    other = dynamics.reduced_runs(TEACHER, 10, rng, eta=HALF_ETA, max_steps=2)
    assert len(reduced_gd.Batch.concatenate([one, one]).outcome) == 20
    with pytest.raises(ValueError, match="different settings"):
        reduced_gd.Batch.concatenate([one, other])
    with pytest.raises(ValueError, match="another teacher"):
        dynamics.continued_runs(invariants.canonical_teacher(4, 0.3, 1.0, p=8), one, np.arange(3), 5, True)
