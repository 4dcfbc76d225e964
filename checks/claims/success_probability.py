"""Claim `success-probability`: GD recovers the teacher with constant probability (1/4 in our
reconstruction), for every teacher and uniformly in the dimensions k and p."""

from __future__ import annotations

import numpy as np

from checks.cases import FAIL, PASS, UNDECIDED, Part, combine
from checks.gd_outcomes import (
    decisions_part,
    dimension_figure,
    grid_teachers,
    outcome_row,
    probability_figure,
    proportion,
    sized_runs,
    teacher_record,
)
from checks.instances import GD_FAMILIES, ratio_sweep, region_start
from checks.registry import Budget, Claim, Outcome, register, rng_for
from theory import Teacher, dynamics, initialization

REPORT_ORDER = 120
CLAIM_ID = "success-probability"
BOUND = 0.25
FAMILY_ALPHA = 1e-3     # family-wise: the chance that any interval of one run misses its truth
MIN_RUNS = 400


def adversarial_teacher(rng: np.random.Generator, k: int, p: int, candidates: int, n: int) -> Teacher:
    """Random search for the a* that minimizes the measured success rate (w* fixed).

    The winner is re-measured afterwards on fresh runs, so the selection does not bias its
    reported probability downwards.
    """
    w_star = rng.standard_normal(p)
    best, best_rate = None, 2.0
    for _ in range(candidates):
        teacher = Teacher(w_star, rng.standard_normal(k) * rng.exponential(1.0, k))
        rate = dynamics.outcome_counts(teacher, n, rng)["global"] / n
        if rate < best_rate:
            best, best_rate = teacher, rate
    assert best is not None, "no candidate teacher (candidates must be at least 1)"   # any rate is < 2
    return best


def mechanism(teacher: Teacher, n: int, rng: np.random.Generator, alpha: float) -> dict:
    """The proof's two coins at the paper's initialization: P(φ₀ < π/2), P(a₀ᵀa* > 0) and
    P(both), with exact intervals; ½, ½ and ¼ when they are fair and independent."""
    plane = dynamics.reduced_plane(teacher)
    x, _, z1, z2, _ = initialization.reduced_start(teacher, plane, n, rng, "paper")
    near = x > 0
    positive = plane.q_astar[0] * z1 + plane.q_astar[1] * z2 > 0
    return {"phi_below_half_pi": proportion(int(near.sum()), n, alpha),
            "a_dot_positive": proportion(int(positive.sum()), n, alpha),
            "both": proportion(int((near & positive).sum()), n, alpha)}


def contains(interval: dict, value: float) -> bool:
    return interval["ci_low"] <= value <= interval["ci_high"]


def check(budget: Budget, seed: int) -> Outcome:
    rng = rng_for(seed, CLAIM_ID)
    runs = budget.pick(quick=300, standard=2000, thorough=5000)
    families = GD_FAMILIES if budget.name != "quick" else ("gaussian", "one-hot", "zero-sum")
    teachers = grid_teachers(CLAIM_ID, seed, budget, families)
    teachers += [(f, t, "") for f, t in ratio_sweep(rng, (0.0, 0.3, 0.6, 0.9, 0.99, 1.01, 1.5, 2.5))]
    teachers.append(("adversarial", adversarial_teacher(rng, 4, 4, budget.pick(quick=6, standard=30,
                                                                                thorough=200), 200), ""))
    alpha = FAMILY_ALPHA / (len(teachers) + 2)
    each = Part("each-instance", f"Clopper–Pearson interval on P(global) (undecided runs count as not "
                f"global), confidence 1 − {alpha:.2g} each: passes when its lower end > 1/4, fails when "
                "its upper end < 1/4", "CI lower end on P(global)", lower_bound=True,
                settle="more runs per teacher", reading="for every teacher, at each (k, p) tried")
    uniform = Part("largest-dimensions", "the same interval at the largest k or p of the grid (10⁶): "
                   "the bound must not fade as the dimension grows", "CI lower end on P(global)",
                   lower_bound=True, settle="more runs per teacher",
                   reading="uniformly in k and p (up to 10⁶)")
    coins = Part("mechanism", "at the paper's initialization (1ᵀa* ≠ 0), the exact intervals on P(φ₀ < π/2) "
                 "and P(a₀ᵀa* > 0) contain ½ and the one on P(both) contains ¼: the proof's two fair, "
                 "independent coins (fails when an interval excludes its value)",
                 "largest distance of an estimate from ½ (or ¼)", settle="more draws")
    region = Part("theorem-region", "runs from the theorem's region (φ₀ < π/2, a₀ᵀa* > 0, |1ᵀa₀| ≤ "
                  "|1ᵀa*|‖w*‖, edges included) that do not end global", "runs not global",
                  settle="more steps per run")
    held = decisions_part("global")
    rows, skipped, region_skipped = [], [], []
    largest = max(max(t.k, t.p) for _, t, _ in teachers)
    for family, teacher, regenerate in teachers:
        # at least MIN_RUNS: with P(global) ≈ ½, fewer leave the interval (at confidence 1 − alpha)
        # wide enough to straddle 1/4, which says nothing
        batch = sized_runs(teacher, runs, budget, rng, minimum=MIN_RUNS)
        if batch is None:
            skipped.append(teacher_record(family, teacher, regenerate))
            continue
        row = {**outcome_row(family, teacher, batch, alpha, held, "global", regenerate),
               "degenerate_ball": dynamics.paper_radius(teacher) == 0}
        rows.append(row)
        interval = row["p_global"]
        status = PASS if interval["ci_low"] > BOUND else FAIL if interval["ci_high"] < BOUND else UNDECIDED
        note = "interval straddles 1/4" if status == UNDECIDED else ""
        each.add(row, interval["ci_low"], BOUND, size=teacher.k + teacher.p, status=status, note=note)
        if max(teacher.k, teacher.p) == largest:
            uniform.add(row, interval["ci_low"], BOUND, size=teacher.k + teacher.p, status=status, note=note)
    smallest_k = min(t.k for f, t, _ in teachers if f == "gaussian" and t.k > 1)
    probes = [(f, t, r) for f, t, r in teachers
              if f in ("gaussian", "one-hot") and t.k in (smallest_k, largest) and t.p in (2, largest)]
    for family, teacher, regenerate in probes:
        record = teacher_record(family, teacher, regenerate)
        coin = mechanism(teacher, budget.pick(quick=2000, standard=20_000, thorough=100_000), rng, alpha)
        fair = (contains(coin["phi_below_half_pi"], 0.5) and contains(coin["a_dot_positive"], 0.5)
                and contains(coin["both"], 0.25))
        worst = max(abs(coin["phi_below_half_pi"]["estimate"] - 0.5), abs(coin["a_dot_positive"]["estimate"] - 0.5),
                    abs(coin["both"]["estimate"] - 0.25))
        half_width = max((i["ci_high"] - i["ci_low"]) / 2 for i in coin.values())
        coins.add({**record, **coin}, worst, half_width, size=teacher.k + teacher.p, status=PASS if fair else FAIL)
        batch = sized_runs(teacher, budget.pick(quick=200, standard=1000, thorough=2000), budget, rng,
                           start=region_start, undecided_limit=0.0)
        if batch is None:
            region_skipped.append(record)
            continue
        n = len(batch.outcome)
        undecided = int(np.sum(batch.outcome == 0))
        missed = int(np.sum(batch.outcome != 1)) - undecided
        region.add({**record, "runs": n, "undecided": undecided}, missed, 0, size=teacher.k + teacher.p,
                   status=UNDECIDED if undecided and not missed else None,
                   note="runs not decided within the steps" if undecided else "")
    grid_rows = [r for r in rows if r["family"] in GD_FAMILIES]
    lowest = min(rows, key=lambda r: r["p_global"]["estimate"])
    zero_sum = [r["p_global"]["estimate"] for r in rows if r["degenerate_ball"]]
    big = [r for r in grid_rows if max(r["k"], r["p"]) == largest]
    figures = [
        dimension_figure(grid_rows, "p_global", "P(global) against the patch size p",
                         f"Runs from the paper's initialization; exact intervals at confidence 1 − {alpha:.2g}; "
                         f"{len(grid_rows)} teachers, k and p from {min(r['k'] for r in grid_rows)} to "
                         f"{largest:,}; dashed: the reconstructed bound 1/4. Lowest: "
                         f"{min(r['p_global']['estimate'] for r in grid_rows):.3f}.", bound=BOUND),
        probability_figure([r for r in rows if r["family"] not in GD_FAMILIES or r["k"] <= 12], "p_global", BOUND,
                           "P(global) against the teacher ratio", "Small teachers (k ≤ 12), including the "
                           "ratio sweep through the spurious-minimum boundary and the adversarial teacher; "
                           f"exact intervals at confidence 1 − {alpha:.2g} (family-wise {FAMILY_ALPHA:g}); dashed: the "
                           "reconstructed bound 1/4."),
    ]

    def summary():
        return (f"P(global) ≥ {lowest['p_global']['ci_low']:.3f} (lowest CI end; measured "
                f"{lowest['p_global']['estimate']:.3f}, {lowest['family']}, k = {lowest['k']:,}, p = {lowest['p']:,}) "
                f"over {len(rows)} teachers with k, p up to {largest:,} — the reconstructed 1/4 holds with "
                f"room ×{lowest['p_global']['estimate'] / BOUND:.1f}, also at the largest dimensions "
                f"(lowest there {min(r['p_global']['estimate'] for r in big):.3f}); 1ᵀa* = 0 teachers "
                f"(a₀ = 0, the theorem's region empty): P = {min(zero_sum):.2f}–{max(zero_sum):.2f}")

    return combine([each, uniform, coins, region, held], summary, figures=figures, teachers=rows,
                   skipped_for_budget=skipped, region_skipped_for_budget=region_skipped,
                   family_alpha=FAMILY_ALPHA)


CLAIM = register(Claim(
    id=CLAIM_ID,
    title="Success with constant probability",
    source="paper",
    wording=("starting from randomly initialized weights, gradient descent with weight normalization can "
             "still be proven to recover the true parameters with constant probability"),
    reconstruction=("The constant 1/4 is our reconstruction (a secondary summary gave 'at least 1/4'; no "
                    "source that can be cited was found): φ₀ < π/2 and a₀ᵀa* > 0 each hold with "
                    "probability ½, independently, and the theorem's region leads to the global minimum. "
                    "'Constant' is read two ways, both judged: for every teacher at each dimension, and "
                    "uniformly in k and p (up to 10⁶). Initialization as reconstructed: v₀ uniform on the "
                    "sphere, a₀ uniform in the ball of radius |1ᵀa*|‖w*‖/√k, drawn in reduced coordinates."),
    statement=("Under the paper's initialization, P(GD reaches the global minimum) ≥ 1/4 for every teacher "
               "tried — Gaussian, one-hot, 1ᵀa* = 0 (a₀ = 0) and average-pooling teachers on a log grid of "
               "k and p up to 10⁶, a sweep of (1ᵀa*)²/‖a*‖² through the spurious boundary, an adversarially "
               "searched teacher — including at the largest dimensions (exact Clopper–Pearson intervals, "
               "family-wise error 1e-3); the mechanism is checked directly: two fair independent coins, and "
               "every run from the theorem's region ends at the global minimum."),
    check=check,
))
