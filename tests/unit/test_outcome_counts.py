"""checks.experiments.counts and checks.experiments.outcomes: outcome counts keyed by the IntEnum,
and the check that decisions hold, which catches runs labelled with an outcome they are not heading to."""

from dataclasses import replace

import numpy as np

from checks import claims as catalogue
from checks.experiments.counts import OutcomeCounts, codes
from checks.experiments.outcomes import decisions_that_fail_to_hold, sized_runs
from checks.experiments.teachers import region_start
from theory import Teacher, dynamics
from theory.decisions import Outcome

TEACHER = Teacher([0.3, -1.0, 0.7], [1.0, 0.2, -0.4])


def test_counts_are_keyed_by_the_outcome_and_named_only_in_json():
    counts = OutcomeCounts.of_codes(np.array([1, 1, 2, 0, 1, 3]))
    assert counts[Outcome.GLOBAL] == 3 and counts[Outcome.DIVERGED] == 1 and counts.total == 6
    assert counts.to_json() == {"undecided": 1, "global": 3, "spurious": 1, "diverged": 1}
    assert list(counts.to_json()) == list(dynamics.OUTCOMES)
    assert OutcomeCounts.of_names(counts.to_json()) == counts and counts + counts == OutcomeCounts(2, 6, 2, 2)
    share = counts.proportion(Outcome.GLOBAL, 1e-3)
    assert (share.successes, share.trials, share.estimate) == (3, 6, 0.5)


def test_a_gd_results_names_become_the_codes_of_its_batch():
    V0, A0 = dynamics.random_init(TEACHER, 64, np.random.default_rng(4))
    result = dynamics.run_gd(TEACHER, V0, A0, steps=3000, until_decided=True)
    ended = codes(result)
    assert set(np.unique(ended)) <= {int(o) for o in Outcome}
    assert OutcomeCounts.of_result(result).to_json() == result.counts()


def test_decisions_that_do_not_hold_are_found():
    """Runs decided global keep going (none fails); the same runs labelled spurious do not."""
    batch = dynamics.reduced_runs(TEACHER, 200, np.random.default_rng(5))
    failed, checked = decisions_that_fail_to_hold(TEACHER, batch, Outcome.GLOBAL)
    assert checked > 0 and failed == 0
    # every run decided global now says spurious (and no run is spurious for real)
    mislabelled = replace(batch, outcome=np.where(batch.outcome == Outcome.GLOBAL, int(Outcome.SPURIOUS),
                                                  int(Outcome.UNDECIDED)))
    failed, checked = decisions_that_fail_to_hold(TEACHER, mislabelled, Outcome.SPURIOUS)
    assert checked > 0 and failed == checked


def test_sized_runs_fit_the_plans_step_budget_or_skip_the_teacher():
    plan = catalogue.plan("quick")
    batch = sized_runs(TEACHER, 300, plan, np.random.default_rng(6), start=region_start, undecided_limit=0.0)
    assert batch is not None and 100 <= len(batch.outcome) <= 300
    assert np.all(batch.outcome != Outcome.UNDECIDED)      # the few slow ones were continued
    starved = replace(plan, grid_run_steps=1)               # no run is decided in one step
    assert sized_runs(TEACHER, 300, starved, np.random.default_rng(6), start=region_start) is None
