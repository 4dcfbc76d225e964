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
