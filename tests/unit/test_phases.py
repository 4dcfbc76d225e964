"""theory.phases: the compiled phase loop against the numpy one, planted faults, and what T₁ means."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from tests.faults import FAULTS
from theory import Teacher, dynamics, initialization, phases, reduced_gd

ENGINES = ("numba", "numpy")
TEACHERS = [((2, 3), 0), ((10, 5), 1), ((100, 16), 2), ((5, 1000), 3)]


def _scale(teacher: Teacher) -> float:
    """½E f*², the loss at a = 0."""
    return teacher.w_norm ** 2 * ((math.pi - 1) * teacher.a_sq + teacher.a_sum ** 2) / (4 * math.pi)


def _paper_start(teacher: Teacher, n: int, seed: int):
    plane = dynamics.reduced_plane(teacher)
    return initialization.reduced_start(teacher, plane, n, np.random.default_rng(seed), "paper", teacher.p, 1.0)


def _measure_both(teacher, start, steps, **kw):
    pytest.importorskip("numba")
    eta = dynamics.default_eta(teacher)
    return [phases.measure(teacher, start, eta, steps, engine=engine, **kw) for engine in ENGINES]


@pytest.mark.parametrize(("shape", "seed"), TEACHERS)
def test_compiled_and_numpy_phase_loops_agree(shape, seed):
    """Same T₁ and T_floor, and the same losses up to rounding (the two compilations of one
    step may round differently in the last bit), on runs that do and do not reach the floor."""
    teacher = Teacher.random(*shape, np.random.default_rng(seed))
    compiled, vectorized = _measure_both(teacher, _paper_start(teacher, 150, 50 + seed), 4000)
    assert np.array_equal(compiled.t1, vectorized.t1) and np.array_equal(compiled.t_floor, vectorized.t_floor)
    assert (compiled.t1 >= 0).any()
    atol = 1e-13 * _scale(teacher)
    for name in ("loss0", "loss_t1", "loss_floor", "samples"):
        np.testing.assert_allclose(getattr(compiled, name), getattr(vectorized, name), rtol=0, atol=atol,
                                   err_msg=name)


def test_runs_stop_at_the_floor_and_the_samples_end_there():
    teacher = Teacher.random(2, 3, np.random.default_rng(0))
    for measured in _measure_both(teacher, _paper_start(teacher, 60, 7), 6000, floor_fraction=1e-6):
        reached = measured.t_floor >= 0
        assert reached.any()
        floor = 1e-6 * _scale(teacher)
        assert np.all(measured.loss_floor[reached] <= floor)
        for i in np.flatnonzero(reached):
            last = measured.t_floor[i] // measured.stride
            assert np.isfinite(measured.samples[i, :last + 1]).all() and np.isnan(measured.samples[i, last + 1:]).all()
            assert np.all(measured.samples[i, :last] > floor)   # sampled steps before T_floor were above it


@pytest.mark.parametrize("fault_name", ["a-step-slow-after-phase-one", "v-step-wrong-sign"])
def test_a_planted_step_fault_reaches_phases(fault_name, monkeypatch):
    """The step faults of tests/faults.py change what phases.measure finds, compiled and in numpy."""
    teacher = Teacher.random(3, 4, np.random.default_rng(5))
    start = _paper_start(teacher, 40, 9)
    honest = _measure_both(teacher, start, 3000)
    fault = next(f for f in FAULTS if f.name == fault_name)
    fault.plant(monkeypatch)
    planted = _measure_both(teacher, start, 3000)
    for before, after in zip(honest, planted, strict=True):
        assert not (np.array_equal(before.t_floor, after.t_floor) and np.array_equal(before.t1, after.t1)
                    and np.array_equal(before.samples, after.samples, equal_nan=True))


# A hand-built teacher whose reduced coordinates are exact: w* = e₁ (‖w*‖ = 1), a* = (2, 0), so
# Q = I, Qᵀa* = (2, 0) and aᵀa* = 2 z₁ exactly; Phase I ends at φ < π/4 and aᵀa* ≥ ½·1·4 = 2.
HAND = Teacher([1.0, 0.0], [2.0, 0.0])


def _hand_start(phi: float, z1: float):
    return tuple(np.array([value]) for value in (math.cos(phi), math.sin(phi), z1, 0.3, 0.0))


def _first_inside_by_hand(start, eta, steps):
    """T₁ from the step function called one step at a time, outside any engine loop."""
    consts = reduced_gd.Plane.for_teacher(HAND).constants(eta, eta)
    x, y, z1, z2, residual_sq = (float(a[0]) for a in start)
    for t in range(steps + 1):
        new = reduced_gd.step(x, y, z1, z2, residual_sq, consts)
        if new.phi < math.pi / 4 and new.a_dot >= 0.5 * HAND.w_norm * HAND.a_sq:
            return t, new.loss
        x, y, z1, z2 = new.x, new.y, new.z1, new.z2
    return -1, math.nan


def test_t1_is_the_first_step_with_phi_below_pi_over_4_and_a_dot_at_least_half_of_c_a_sq():
    assert reduced_gd.Plane.for_teacher(HAND).q_astar.tolist() == [2.0, 0.0]
    eta = dynamics.default_eta(HAND)
    inside = _hand_start(0.5, 1.0)                       # aᵀa* = 2 exactly: the bound is inclusive
    just_short = _hand_start(0.5, np.nextafter(1.0, 0))  # aᵀa* one ulp below it
    on_the_angle = (np.array([1.0]), np.array([1.0]), np.array([2.0]), np.array([0.3]), np.array([0.0]))
    assert math.atan2(1.0, 1.0) == math.pi / 4           # φ = π/4 exactly: not below it
    for start, at_zero in ((inside, True), (just_short, False), (on_the_angle, False)):
        for measured in _measure_both(HAND, start, 500):
            t1, loss_t1 = _first_inside_by_hand(start, eta, 500)
            assert (measured.t1[0] == 0) == at_zero
            assert measured.t1[0] == t1 and t1 >= 0
            assert measured.loss_t1[0] == pytest.approx(loss_t1, rel=1e-12)
            assert measured.cos_phi0[0] == pytest.approx(float(start[0][0] / math.hypot(start[0][0], start[1][0])))


def test_measure_rejects_an_unknown_engine():
    with pytest.raises(ValueError, match="engine must be"):
        phases.measure(HAND, _hand_start(0.5, 1.0), 0.1, 10, engine="fortran")


def test_a_cached_kernel_is_dropped_when_a_file_it_inlines_changes(tmp_path):
    """numba stamps a cache with the function's own file only; forget_stale_cache also watches the
    files whose code the kernels inline (theory.vector_math, theory.decisions)."""
    inlined, own = tmp_path / "inlined.py", tmp_path / "own.py"
    inlined.write_text("A = 1\n")
    own.write_text("B = 1\n")
    cached = [tmp_path / "mod._kernel-12.py311.nbi", tmp_path / "mod._kernel-12.py311.1.nbc"]
    other = tmp_path / "mod._phase_loop-40.py311.nbi"
    for path in (*cached, other):
        path.write_text("machine code")
    reduced_gd.forget_stale_cache(tmp_path, "mod._kernel", (own, inlined))   # no stamp yet: dropped
    assert not any(path.exists() for path in cached) and other.exists()
    for path in cached:
        path.write_text("machine code")
    reduced_gd.forget_stale_cache(tmp_path, "mod._kernel", (own, inlined))   # same sources: kept
    assert all(path.exists() for path in cached)
    inlined.write_text("A = 2\n")
    reduced_gd.forget_stale_cache(tmp_path, "mod._kernel", (own, inlined))   # an inlined file changed
    assert not any(path.exists() for path in cached) and other.exists()
    assert reduced_gd.KERNEL_SOURCES[0] == Path(reduced_gd.__file__)
    assert {path.name for path in reduced_gd.KERNEL_SOURCES} == {"reduced_gd.py", "vector_math.py", "decisions.py"}
