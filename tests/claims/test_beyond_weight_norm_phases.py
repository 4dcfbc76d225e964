"""beyond-weight-norm's slow-then-fast part: plain GD's own runs, judged by two-phase's statistic."""

import pytest

from checks.claims import get, plan
from checks.claims.beyond_weight_norm import WITNESS, _grid_teacher, phase_speedups
from checks.verdicts.claim import rng_for
from tests.faults import FAULTS
from theory import decisions


def test_phase_speedups_measure_every_global_run_of_the_witness():
    measured = phase_speedups(_grid_teacher(*WITNESS), 64, 800, rng_for(0, "test", "phases"))
    values, unmeasured = measured.judged()
    is_global = measured.outcome == decisions.Outcome.GLOBAL
    assert values.size + unmeasured == is_global.sum() > 0
    # Phase I ends before the floor on every measured run, and only global runs carry a speedup
    assert ((measured.t1[is_global] < measured.t_floor[is_global]) | (measured.t_floor[is_global] < 0)).all()
    assert (measured.speedup[~is_global] != measured.speedup[~is_global]).all()     # NaN off the global runs
    assert (values >= 0).all()


@pytest.mark.slow
def test_a_slow_phase_two_refutes_the_slow_then_fast_part(monkeypatch):
    """The planted plain-step-slow-after-phase-one (Phase II five times slower) fails the witness."""
    next(f for f in FAULTS if f.name == "plain-step-slow-after-phase-one").plant(monkeypatch)
    outcome, _ = get("beyond-weight-norm").run(plan("quick"), seed=0)
    part = next(p for p in outcome.evidence.parts if p.name == "slow-then-fast")
    assert part.verdict == "refuted"
    finding = next(f for f in outcome.evidence.details["findings"] if f.statement == "slow-then-fast")
    assert finding.finding == "fails"
