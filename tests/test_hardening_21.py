"""Faults and hostile input, round two (issue 21, by number): interrupts that stop work, dead
workers, one report or none, caches nobody can poison, every argument validated.

Every case here failed before the change that added it.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from theory import Teacher, dynamics, formulas, gaussian, validation

TEACHER = Teacher([0.3, -1.0, 0.7], [1.0, 0.2, -0.4])
ROOT = Path(__file__).resolve().parent.parent


def _env(**extra):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **extra}
    return env


# 4. cached engine arrays -------------------------------------------------------------------

def test_cached_decision_tables_and_planes_cannot_be_edited_by_the_caller():
    V0, A0 = dynamics.random_init(TEACHER, 200, np.random.default_rng(3))
    before = dynamics.run_gd(TEACHER, V0, A0, steps=3000, until_decided=True).counts()
    table = dynamics.decision_table(TEACHER, dynamics.default_eta(TEACHER))
    plane = dynamics.reduced_plane(TEACHER)
    for array in (table.r2_min, table.rule, table.levels, table.band, plane.basis, plane.q_one, plane.q_astar):
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 1e300
    assert dynamics.run_gd(TEACHER, V0, A0, steps=3000, until_decided=True).counts() == before
    assert before["undecided"] == 0


# 5. steps and η beyond their range ----------------------------------------------------------------

@pytest.mark.parametrize("steps", [2**63 - 1, 2**63, validation.MAX_STEPS + 1, 10**100])
def test_steps_beyond_the_documented_maximum_are_a_value_error(steps):
    V0, A0 = dynamics.random_init(TEACHER, 4, np.random.default_rng(1))
    with pytest.raises(ValueError, match=r"steps must be an integer in \[1, 1e\+15\]"):
        dynamics.run_gd(TEACHER, V0, A0, steps=steps, until_decided=True)
    with pytest.raises(ValueError, match="max_steps must be an integer"):
        dynamics.outcome_counts(TEACHER, 4, np.random.default_rng(1), max_steps=steps)


def test_the_maximum_number_of_steps_decides_runs_in_every_engine():
    V0, A0 = dynamics.random_init(TEACHER, 16, np.random.default_rng(1))
    outcomes = [dynamics.run_gd(TEACHER, V0, A0, steps=validation.MAX_STEPS, until_decided=True, engine=e).outcome
                for e in ("reduced-numba", "reduced-numpy")]
    assert np.array_equal(outcomes[0], outcomes[1]) and "undecided" not in outcomes[0]


@pytest.mark.parametrize("eta", [10**400, -(10**400)])
def test_an_integer_step_size_beyond_float64_is_a_value_error(eta):
    with pytest.raises(ValueError, match="eta must be a positive finite number"):
        dynamics.run_gd(TEACHER, [[1.0, 0.5, 0.2]], [[0.1, -0.1, 0.3]], eta=eta, steps=5)
