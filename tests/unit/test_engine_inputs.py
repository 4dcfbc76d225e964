"""One answer from every engine (issue 29, item 5): inputs the three engines cannot all represent
are refused with the range named, and no non-finite iterate leaves an engine labelled as anything
but ``diverged``."""

import math
import re
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from theory import Teacher, decisions, dynamics, empirical, invariants, landscape, reduced_gd, validation

ENGINES = ("reduced-numba", "reduced-numpy", "full")
ISSUE_TEACHER = Teacher([1.0, 2.0, 0.5], [1.0, -0.5])


def _all_engines(teacher, V0, A0, **options):
    return {engine: dynamics.run_gd(teacher, V0, A0, engine=engine, **options) for engine in ENGINES}


@pytest.mark.parametrize("scale", [1e155, 1e200, 1e300])
def test_an_output_layer_beyond_float64s_loss_is_refused_by_every_engine(scale):
    """Before: global (kernel) against diverged at step 0 (numpy, full) at 1e155; at 1e200 the
    kernel returned undecided with A = [nan, nan]."""
    for engine in ENGINES:
        with pytest.raises(ValueError, match=r"rows of A0 must have norms at most 1e150/√k = 7\.07e\+149"):
            dynamics.run_gd(ISSUE_TEACHER, [[1.0, 0, 0]], [[scale, scale]], steps=100_000, until_decided=True,
                            engine=engine)


@pytest.mark.slow
def test_the_largest_accepted_output_layer_gets_one_answer():
    """≈ 6,000 steps in the numpy engines (the reduced coordinates' rounding of a₀ decays that long)."""
    results = _all_engines(ISSUE_TEACHER, [[1.0, 0, 0]], [[4e149, 4e149]], steps=100_000, until_decided=True)
    for result in results.values():
        assert result.outcome.tolist() == ["global"]
        assert np.all(np.isfinite(result.V)) and np.all(np.isfinite(result.A))


@pytest.mark.parametrize(("V0", "A0", "fragment"), [
    # a₀ ⟂ a* exactly, ‖v₀‖ = 1e-300: "global" from the reduced engines, "spurious" from the full one
    ([[1e-300, 0, 0]], [[5e9, 1e10]], "a₀ᵀa* = 0 or sin φ₀ is 0 within rounding"),
    ([[1e-4, 0, 0]], [[0.5, 1.0]], "a₀ᵀa* = 0 or sin φ₀ is 0 within rounding"),
    # v₀ = 1e-20·w*, a₀ = 0: "global" from the reduced engines, "spurious" from the full one
    ([[1e-20, 2e-20, 0.5e-20]], [[0.0, 0.0]], "v₀ lies on w*'s line within rounding"),
    ([[-1e-20, -2e-20, -0.5e-20]], [[0.0, 0.0]], "v₀ lies on w*'s line within rounding"),
    # the second v-step overflowed: NaN "undecided" from the kernel, inf "diverged" from the others
    ([[1e-250, 0, 0]], [[0.5e100, 1e100]], "V0 has rows so short"),
])
def test_a_start_whose_outcome_is_rounding_is_refused(V0, A0, fragment):
    for engine in ENGINES:
        with pytest.raises(ValueError, match=re.escape(fragment)):
            dynamics.run_gd(ISSUE_TEACHER, V0, A0, steps=2000, until_decided=True, engine=engine)


def test_a_later_v_step_beyond_float64_is_refused():
    """a₀ = 0 and ‖v₀‖ = 1e-307: the first step is 0, the second (a₁ᵀa* ≈ ηc‖a*‖²) left float64
    in the full engine ("diverged" with inf iterates; "global" from the reduced engines)."""
    teacher = Teacher(np.array([1.0, 2.0, 0.5]) * 0.01, np.array([1.0, -0.5]) * 100)
    eta = 16 * dynamics.default_eta(teacher)
    with pytest.raises(ValueError, match="a later v-step"):
        dynamics.run_gd(teacher, [[1e-307, 3e-307, 0]], [[0.0, 0.0]], eta=eta, steps=300, engine="full")
    accepted = _all_engines(teacher, [[1e-304, 3e-304, 0]], [[0.0, 0.0]], eta=eta, steps=300, until_decided=True)
    assert {result.outcome[0] for result in accepted.values()} == {"global"}


def test_the_kernel_calls_a_state_that_left_float64_diverged_as_numpy_does():
    """The kernel looked decisions up only below the saddle's loss (or where divergence is
    possible): a NaN or infinite loss above it went on as if undecided, while the numpy engine's
    decide() called it diverged at once."""
    teacher = ISSUE_TEACHER
    table = dynamics.decision_table(teacher, dynamics.default_eta(teacher))
    plane = dynamics.reduced_plane(teacher)
    assert math.isinf(table.rule.diverge_sum) and math.isinf(table.rule.diverge_perp_sq)   # not always asked
    codes = {}
    for name, kernel in (("numba", reduced_gd.compiled_kernel()), ("numpy", None)):
        # z₁ = 1e200: ‖a‖² overflows, the loss is inf; a residual of 1e400 is inf itself
        batch = dynamics.start_batch(table, np.array([1.0, 1.0]), np.array([0.5, 0.5]), np.array([1e200, 1.0]),
                                     np.array([0.0, 0.0]), np.array([0.0, np.inf]))
        with np.errstate(invalid="ignore"):      # decide() on the numpy path meets ∞ − ∞ here
            reduced_gd.advance(batch, plane, table, 50, True, True, kernel, ())
        codes[name] = (batch.outcome.tolist(), batch.decided.tolist())
    assert codes["numba"] == codes["numpy"] == ([decisions.Outcome.DIVERGED] * 2, [0, 0])


@st.composite
def extreme_runs(draw):
    """A teacher, rows of V0 and A0 whose norms span 1e-300 … 1e300 (each row its own, and the
    entries of a row spread over up to 300 orders of magnitude), and η from 1/10 to 1e100 × the
    default. Directions come from a seeded generator, so that no start is degenerate by
    construction (a start within rounding of a basin boundary may be decided either way)."""
    k, p, n = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    teacher = Teacher(rng.standard_normal(p) * 10.0 ** draw(st.floats(-8, 8)),
                      rng.standard_normal(k) * 10.0 ** draw(st.floats(-8, 8)))

    def rows(width):
        scale = np.array([10.0 ** draw(st.floats(-300, 300)) for _ in range(n)])[:, None]
        spread = draw(st.sampled_from([0.0, 5.0, 300.0]))
        entries = rng.standard_normal((n, width)) * 10.0 ** rng.uniform(-spread, 0, (n, width))
        with np.errstate(over="ignore", under="ignore"):
            return entries / np.max(np.abs(entries), axis=1, keepdims=True) * scale

    eta = draw(st.one_of(st.none(), st.floats(-1, 100).map(lambda e: 10.0 ** e * dynamics.default_eta(teacher))))
    return teacher, rows(p), rows(k), eta


@given(extreme_runs())
def test_every_engine_gives_one_answer_or_the_input_is_refused(run):
    teacher, V0, A0, eta = run
    try:
        results = _all_engines(teacher, V0, A0, eta=eta, steps=300, until_decided=True)
    except ValueError as refusal:     # refused by the checks every engine shares, before any runs
        assert "V0" in str(refusal) or "A0" in str(refusal) or "eta" in str(refusal)
        return
    for engine, result in results.items():
        finite = np.all(np.isfinite(result.V), axis=1) & np.all(np.isfinite(result.A), axis=1)
        assert np.all(finite | (result.outcome == "diverged")), (engine, result.outcome, result.V, result.A)
    for row in range(V0.shape[0]):
        decided = {result.outcome[row] for result in results.values() if result.outcome[row] != "undecided"}
        assert len(decided) <= 1, {engine: result.outcome[row] for engine, result in results.items()}
        at_start = {(result.outcome[row], result.decided_step[row] == 0) for result in results.values()}
        if any(first for _, first in at_start):      # a decision from the initial state itself
            assert len(at_start) == 1, {engine: (r.outcome[row], r.decided_step[row]) for engine, r in results.items()}


# --- the library's other hostile inputs (issue 29, low, and what else was found) ---------------------

BIG_TEACHER = Teacher([1e60, 0.0], [1e60, 1.0])
V0, A0 = dynamics.random_init(ISSUE_TEACHER, 2, np.random.default_rng(0))


def _masked_v0():
    return np.ma.masked_array(V0, mask=[[True, False, False], [False, False, False]])


HOSTILE_CALLS = {
    # numbers that leave float64 on conversion: ZeroDivisionError, OverflowError, or a silent run before
    "eta Fraction(1, 10**400)": (lambda: dynamics.run_gd(ISSUE_TEACHER, V0, A0, eta=Fraction(1, 10**400), steps=3),
                                 "eta must lie in float64's normal range"),
    "eta mpf('1e-400')": (lambda: dynamics.run_gd(ISSUE_TEACHER, V0, A0, eta=mpmath.mpf("1e-400"), steps=3),
                          "eta must lie in float64's normal range"),
    "eta 5e-324": (lambda: dynamics.run_gd(ISSUE_TEACHER, V0, A0, eta=5e-324, steps=3),
                   "eta must lie in float64's normal range"),
    "p 10**400": (lambda: dynamics.outcome_counts(ISSUE_TEACHER, 3, np.random.default_rng(0), p=10**400),
                  "p must be an integer in [1, 1.8e308] or math.inf, got int ≈ 1e400"),
    "v0_norm 10**400": (lambda: dynamics.outcome_counts(ISSUE_TEACHER, 3, np.random.default_rng(0), v0_norm=10**400),
                        "v0_norm must be a positive finite number within float64's range"),
    "kappa beyond float64": (lambda: dynamics.outcome_counts(BIG_TEACHER, 3, np.random.default_rng(0), v0_norm=1e-150),
                             "κ = (‖w*‖‖a*‖/‖v₀‖)² = inf must be at most 1e+300"),
    "kappa of invariants.of": (lambda: invariants.of(BIG_TEACHER, 1e-150), "v0_norm = 1e-150 is too short"),
    "V0 long double 1e400": (lambda: dynamics.run_gd(ISSUE_TEACHER, V0.astype(np.longdouble) * np.longdouble("1e400"),
                                                     A0, steps=3), "V0 overflows float64"),
    # arguments of the wrong kind: TypeError, numba's TypingError, or read as truthy before
    "record None": (lambda: dynamics.run_gd(ISSUE_TEACHER, V0, A0, steps=3, record=None),
                    "record must be a tuple of names"),
    "record a string": (lambda: dynamics.run_gd(ISSUE_TEACHER, V0, A0, steps=3, record="loss"),
                        "(a string: write ('loss',))"),
    "until_decided None": (lambda: dynamics.run_gd(ISSUE_TEACHER, V0, A0, steps=3, until_decided=None),
                           "until_decided must be True or False, got None"),
    "train_a 'no'": (lambda: dynamics.run_gd(ISSUE_TEACHER, V0, A0, steps=3, train_a="no"),
                     "train_a must be True or False, got 'no'"),
    "masked V0": (lambda: dynamics.run_gd(ISSUE_TEACHER, _masked_v0(), A0, steps=3), "got a masked array"),
    "ragged V0": (lambda: dynamics.run_gd(ISSUE_TEACHER, [[1, 2, 3], [1, 2]], A0, steps=3),
                  "V0 must be an array of real numbers ("),
    "points as strings": (lambda: invariants.outcomes_at_infinity(3, 1.0, 1.0, [["1", "2"]]),
                          "points must be an array of real numbers"),
    "max_steps -1 at p = ∞": (lambda: invariants.outcomes_at_infinity(3, 1.0, 1.0, [[0.1, 0.1]], max_steps=-1),
                              "max_steps must be an integer >= 1"),
    "coupled seed -1": (lambda: invariants.coupled_outcomes(ISSUE_TEACHER, [3], 5, -1), "seed must be an integer >= 0"),
    "coupled n 0": (lambda: invariants.coupled_outcomes(ISSUE_TEACHER, [3], 0, 1), "n must be an integer >= 1"),
    "empirical eta Fraction": (lambda: empirical.run_empirical_gd(
        empirical.draw_sample(ISSUE_TEACHER, 10, np.random.default_rng(0)), [1.0, 0, 0], [1.0, 0],
        Fraction(1, 10**400), 2), "eta must lie in float64's normal range"),
    # the message named ‖v‖ = 0 for a subnormal v (np.linalg.norm underflows)
    "gradient at a subnormal v": (lambda: landscape.gradient(Teacher([1.0, 2.0], [1.0, 0.5]), [5e-324, 0], [1.0, 1.0]),
                                  "‖v‖ = 4.94e-324"),
}


@pytest.mark.parametrize("case", HOSTILE_CALLS, ids=list(HOSTILE_CALLS))
def test_a_hostile_argument_is_one_value_error_naming_it(case):
    call, fragment = HOSTILE_CALLS[case]
    with pytest.raises(ValueError, match=re.escape(fragment)):
        call()


MEMORY_CALLS = {   # MemoryError (or, with overcommit, a process killed later) before
    "random_init n = 10**12": lambda: dynamics.random_init(ISSUE_TEACHER, 10**12, np.random.default_rng(0)),
    "reduced_runs n = 10**11": lambda: dynamics.reduced_runs(ISSUE_TEACHER, 10**11, np.random.default_rng(0)),
    "a history of 10**12 steps": lambda: dynamics.run_gd(ISSUE_TEACHER, V0, A0, steps=10**12, record=("loss",)),
}


@pytest.mark.skipif(validation.physical_memory() is None, reason="the system does not say how much memory it has")
@pytest.mark.parametrize("case", MEMORY_CALLS, ids=list(MEMORY_CALLS))
def test_a_request_beyond_this_machines_memory_is_refused_before_allocating(case):
    with pytest.raises(ValueError, match="more than this machine's"):
        MEMORY_CALLS[case]()


def test_the_largest_patch_size_and_a_list_of_records_are_accepted():
    counts = dynamics.outcome_counts(ISSUE_TEACHER, 3, np.random.default_rng(0), p=10**300)
    assert sum(counts.values()) == 3
    assert dynamics.run_gd(ISSUE_TEACHER, V0, A0, steps=3, record=["loss"]).history["loss"].shape == (4, 2)
