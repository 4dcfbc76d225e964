"""Claim `two-phase`: GD starts slow (Phase I) and then converges geometrically (Phase II)."""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
from scipy import stats

from checks.cases import FAIL, PASS, UNDECIDED, Part, combine
from checks.figures import new_figure, to_figure
from checks.gd_outcomes import grid_teacher, teacher_record
from checks.instances import gd_teachers, region_init, region_start
from checks.registry import Budget, Claim, Figure, Outcome, register, rng_for
from theory import Teacher, dynamics, initialization, landscape, phases, precision

REPORT_ORDER = 160
CLAIM_ID = "two-phase"
# T₁ ≤ C·(1/(η cos φ₀ β₀) + 1/η): C is fitted (the max ratio) on half of the runs and every run
# of the other half must satisfy the bound with C × HOLDOUT_FACTOR (pre-registered).
HOLDOUT_FACTOR = 2.0
RATE_TOLERANCE = 0.01         # |measured Phase II rate / predicted − 1|
WINDOW = (1e-12, 1e-8)        # Phase II fit window for ℓ / ℓ(a = 0), above float64 rounding


def predicted_rate(teacher: Teacher, eta: float, v_norm: float) -> float:
    """Spectral radius of I − ηH at the global minimum on the directions that move ℓ
    (docs/mathematics.md#derived-consequences):
    H has (π−1)/(2π), (k+π−1)/(2π) in a and ‖w*‖²‖a*‖²/(2‖v‖²) on v⊥."""
    c_sq_a_sq = teacher.w_norm ** 2 * float(teacher.a_star @ teacher.a_star)
    curvatures = [(math.pi - 1) / (2 * math.pi), (teacher.k + math.pi - 1) / (2 * math.pi)]
    if teacher.p > 1:
        curvatures.append(c_sq_a_sq / (2 * v_norm ** 2))
    if teacher.k == 1:
        curvatures = curvatures[1:]
    return max(abs(1 - eta * lam) for lam in curvatures)


def deep_rate_error(teacher: Teacher, eta: float, v0, a0, dps: int = 40, max_steps: int = 6000):
    """The Phase II rate error measured in mpmath GD over ℓ/ℓ₀ ∈ [1e-34, 1e-24], where the slowest
    mode has long dominated; None if that window is not reached within ``max_steps``."""
    with precision.workdps(dps):
        v, a = [mpmath.mpf(x) for x in v0], [mpmath.mpf(x) for x in a0]
        scale = landscape.loss(teacher, teacher.w_star, np.zeros(teacher.k), dps)
        logs, steps = [], []
        for t in range(max_steps):
            relative = landscape.loss(teacher, v, a, dps) / scale
            if relative < mpmath.mpf("1e-34"):
                break
            if relative < mpmath.mpf("1e-24"):
                logs.append(float(mpmath.log(relative)) / 2)
                steps.append(t)
            gv, ga = landscape.gradient(teacher, v, a, dps)
            v = [x - eta * g for x, g in zip(v, gv, strict=True)]
            a = [x - eta * g for x, g in zip(a, ga, strict=True)]
        v_norm = float(mpmath.sqrt(mpmath.fsum(x * x for x in v)))
    return _fitted_rate_error(teacher, eta, steps, logs, v_norm)


def _fitted_rate_error(teacher: Teacher, eta: float, steps, half_log_losses, v_norm: float) -> float | None:
    """|fitted slope of ½ log ℓ per step / log ρ − 1|, ρ the predicted rate at ‖v‖ = ``v_norm``;
    None when fewer than 8 steps were fitted."""
    if len(steps) < 8:
        return None
    slope = np.polyfit(steps, half_log_losses, 1)[0]
    return abs(slope / math.log(predicted_rate(teacher, eta, v_norm)) - 1)


def phase_two_window(relative: np.ndarray) -> np.ndarray:
    """The steps of one run whose ℓ/ℓ(a = 0) lies in the fit WINDOW."""
    return np.where((relative < WINDOW[1]) & (relative > WINDOW[0]))[0]


def rate_error(teacher: Teacher, eta: float, relative: np.ndarray, v_norm: np.ndarray) -> float | None:
    """|measured / predicted − 1| for one run's Phase II contraction of √ℓ, fitted over the
    window (None when fewer than 8 steps fall in it); ``v_norm`` is the run's ‖v_t‖ history."""
    window = phase_two_window(relative)
    if len(window) == 0:
        return None
    return _fitted_rate_error(teacher, eta, window, 0.5 * np.log(relative[window]), v_norm[window[-1]])


HISTORY_CHUNK = 50             # runs whose full histories are held at once (≤ 50 × 200,001 × 4 floats)


def region_phases(teacher: Teacher, V0: np.ndarray, A0: np.ndarray, eta: float, rate_runs: int,
                  deep_budget: int) -> tuple[np.ndarray, dict]:
    """Full-dimensional runs from (V0, A0): T₁ per run (−1 if never) and the Phase II rate of the
    first ``rate_runs`` runs.

    A float64 fit off by more than RATE_TOLERANCE is never a failure by itself: float64 stops at
    ℓ/ℓ₀ ~ 1e-12, possibly before the slowest mode dominates, so such a run is re-measured in
    40-digit GD over [1e-34, 1e-24] (at most ``deep_budget`` runs), which decides. Returns T₁ and
    {"errors": settled errors, "remeasured": deep runs, "unsettled": runs over tolerance in
    float64 left without a deep answer, "too_close": runs whose two slowest modes are too close
    for any window to separate}."""
    slowest = min((math.pi - 1) / (2 * math.pi), teacher.w_norm ** 2 * teacher.a_sq / 8)
    steps = int(min(200_000, 80 / (eta * slowest)))
    scale = landscape.loss(teacher, teacher.w_star, np.zeros(teacher.k))
    t1s = []
    errors: list[float] = []
    remeasured = unsettled = too_close = 0
    for first in range(0, V0.shape[0], HISTORY_CHUNK):
        V, A = V0[first:first + HISTORY_CHUNK], A0[first:first + HISTORY_CHUNK]
        h = dynamics.run_gd(teacher, V, A, eta=eta, steps=steps, record=("phi", "a_dot", "loss", "v_norm")).history
        entered = (h["phi"] < math.pi / 4) & (h["a_dot"] >= 0.5 * teacher.w_norm * teacher.a_sq)
        t1 = np.where(entered.any(axis=0), entered.argmax(axis=0), -1)
        t1s.append(t1)
        relative = h["loss"] / scale
        for i in range(min(V.shape[0], rate_runs - first)):
            error = rate_error(teacher, eta, relative[:, i], h["v_norm"][:, i])
            if error is None or t1[i] < 8:
                continue
            if error > RATE_TOLERANCE:
                if remeasured == deep_budget:
                    unsettled += 1
                    continue
                remeasured += 1
                error = deep_rate_error(teacher, eta, V[i], A[i])
            if error is None:                 # the deep window was not reached
                unsettled += 1
            elif error > RATE_TOLERANCE and modes_too_close(teacher, eta, h["v_norm"][-1, i]):
                too_close += 1
            else:
                errors.append(error)
    rate = {"errors": errors, "remeasured": remeasured, "unsettled": unsettled, "too_close": too_close}
    return np.concatenate(t1s), rate


def phase_one_bound(teacher: Teacher, eta: float, V0: np.ndarray, A0: np.ndarray) -> np.ndarray:
    """1/(η cos φ₀ β₀) + 1/η with β₀ = min(a₀ᵀa*‖w*‖, (g(φ₀) − 1)‖a*‖²‖w*‖²) (reconstructed)."""
    c, a_sq = teacher.w_norm, float(teacher.a_star @ teacher.a_star)
    cos_phi = V0 @ teacher.w_star / (np.linalg.norm(V0, axis=1) * c)
    phi = np.arccos(np.clip(cos_phi, -1, 1))
    g = (math.pi - phi) * np.cos(phi) + np.sin(phi)
    beta = np.minimum(A0 @ teacher.a_star * c, (g - 1) * a_sq * c * c)
    return 1 / (eta * cos_phi * beta) + 1 / eta


SHAPE_THRESHOLD = 2.0          # "much faster": log ℓ falls at least twice as fast per step after T₁
LONG_PHASE_ONE = 5.0           # "Phase I is long": median T₁ ≥ this many Phase II e-folding times
SHAPE_FAMILIES = ("gaussian", "one-hot", "zero-sum", "average-pooling")
SHAPE_DIMENSIONS = {"quick": ((10, 2), (10, 10**6), (10**6, 10)),
                    "standard": ((2, 2), (10, 2), (10, 1000), (10, 10**6), (1000, 1000), (10**6, 10)),
                    "thorough": ((2, 2), (10, 2), (10, 1000), (10, 10**6), (100, 10**4), (1000, 1000),
                                 (1000, 10**6), (10**5, 100), (10**6, 10), (10**6, 10**6))}
SHAPE_SCHEMES = ("paper", "gaussian", "region")


def median_interval(values: np.ndarray, confidence: float = 0.99) -> tuple[float, float, float]:
    """(median, lower, upper): a distribution-free interval for the median from order statistics."""
    x = np.sort(values)
    n = len(x)
    lo = int(stats.binom.ppf((1 - confidence) / 2, n, 0.5))
    hi = int(stats.binom.isf((1 - confidence) / 2, n, 0.5))
    return float(np.median(x)), float(x[max(lo - 1, 0)]), float(x[min(hi, n - 1)])


def e_folding(teacher: Teacher, eta: float) -> float:
    """Steps for ℓ to fall by e in Phase II at ‖v‖ = 1: ℓ ∝ ρ^(2t), ρ the predicted rate."""
    return 1 / (2 * -math.log(predicted_rate(teacher, eta, 1.0)))


FLOOR = 1e-8                   # shape runs end at ℓ ≤ FLOOR · ℓ(a = 0)


def shape_configuration(family, teacher, regenerate, scheme, multiple, runs, rng, budget):
    """One configuration's runs: the per-step decrease of log ℓ after T₁ over the one before it.

    Returns (row, measured); measured is None, and the row says why, when Phase II alone (from
    ℓ(a = 0) down to the floor at the Phase II rate) needs more steps than the budget allows a run."""
    eta = multiple * dynamics.default_eta(teacher)
    tau = e_folding(teacher, eta)
    cap = budget.pick(quick=3e5, standard=5e5, thorough=2e6)
    record = {**teacher_record(family, teacher, regenerate), "scheme": scheme, "eta_multiple": multiple,
              "phase_two_e_folding": tau}
    if tau * math.log(1 / FLOOR) > cap:
        return {**record, "phase_two_steps": tau * math.log(1 / FLOOR), "step_cap": cap}, None
    plane = dynamics.reduced_plane(teacher)
    n = runs
    start = (region_start(teacher, plane, n, rng) if scheme == "region"
             else initialization.reduced_start(teacher, plane, n, rng, scheme))
    steps = int(min(cap, 400 * tau + 10_000))
    measured = phases.measure(teacher, start, eta, steps, floor_fraction=FLOOR)
    before, after = measured.per_step_decrease()
    ok = np.isfinite(before) & np.isfinite(after) & (before > 0)
    row = {**record, "runs": n, "runs_measured": int(ok.sum()),
           "median_T1": float(np.median(measured.t1[measured.t1 >= 0])) if np.any(measured.t1 >= 0) else None}
    if ok.sum() >= 10:
        row["ratio_median"], row["ratio_low"], row["ratio_high"] = median_interval(after[ok] / before[ok])
    return row, measured


def judge_shape(part: Part, row: dict) -> None:
    size = row["k"] + row["p"]
    if "ratio_median" not in row:
        part.add(row, 0.0, SHAPE_THRESHOLD, size=size, status=UNDECIDED,
                 note="fewer than 10 runs reached both T₁ and the loss floor within the steps")
        return
    status = (PASS if row["ratio_low"] > SHAPE_THRESHOLD else FAIL if row["ratio_high"] < SHAPE_THRESHOLD
              else UNDECIDED)
    part.add(row, row["ratio_low"], SHAPE_THRESHOLD, size=size, status=status,
             note="the median's interval straddles 2" if status == UNDECIDED else "")


def phase_one_dependence(teacher: Teacher, rng: np.random.Generator, points: int) -> dict:
    """T₁ from controlled starts: cos φ₀ over four decades (10⁻⁴ … 1) at a₀ = ½‖w*‖a*, so that
    β₀ is fixed and 1/(η cos φ₀ β₀) spans four decades; log T₁ against log bound by least squares,
    with a 99 % interval on the slope."""
    eta = dynamics.default_eta(teacher)
    cos_phi = np.repeat(np.logspace(-4, 0, points), 4)
    n = len(cos_phi)
    plane = dynamics.reduced_plane(teacher)
    z = np.tile(plane.basis.T @ (0.5 * teacher.w_norm * teacher.a_star), (n, 1))
    start = (cos_phi, np.sqrt(1 - cos_phi ** 2), z[:, 0], z[:, 1], np.zeros(n))
    measured = phases.measure(teacher, start, eta, int(min(4e6, 200 / (eta * 1e-4 * 0.05))))
    phi = np.arccos(cos_phi)
    g = (math.pi - phi) * cos_phi + np.sin(phi)
    beta = np.minimum(0.5 * teacher.w_norm ** 2 * teacher.a_sq, (g - 1) * teacher.a_sq * teacher.w_norm ** 2)
    bound = 1 / (eta * cos_phi * beta) + 1 / eta
    ok = measured.t1 > 0
    x, y = np.log(bound[ok]), np.log(measured.t1[ok])
    fit = stats.linregress(x, y)
    half = stats.t.ppf(0.995, ok.sum() - 2) * fit.stderr
    return {"cos_phi0": cos_phi[ok].tolist(), "T1": measured.t1[ok].tolist(), "bound": bound[ok].tolist(),
            "slope": fit.slope, "slope_low": fit.slope - half, "slope_high": fit.slope + half,
            "intercept": fit.intercept, "largest_T1_over_bound": float(np.max(measured.t1[ok] / bound[ok])),
            "never_ended": int(np.sum(~ok))}


def check(budget: Budget, seed: int) -> Outcome:
    bound_part = Part("phase-one-bound", "T₁ (first step with φ < π/4 and aᵀa* ≥ ½‖w*‖‖a*‖²) ≤ "
                      "C·(1/(η cos φ₀ β₀) + 1/η): C fitted on the even-numbered runs of all teachers, "
                      f"checked on the odd-numbered ones with C × {HOLDOUT_FACTOR:g}",
                      "max held-out T₁/bound ÷ fitted C")
    rate_part = Part("phase-two-rate", "per-step contraction of √ℓ over ℓ/ℓ(a=0) ∈ [1e-12, 1e-8] vs the "
                     "spectral radius of I − ηH at the minimum; a run off by more than the tolerance in "
                     "float64 is re-measured in 40-digit GD over [1e-34, 1e-24], which decides: only a 40-digit "
                     "measurement fails a teacher (undecided when the 40-digit budget is spent or the two "
                     "slowest modes are too close for any window to separate them)",
                     "|measured / predicted − 1|", settle="a deeper 40-digit window")
    long_part = Part("shape-where-phase-one-is-long", f"configurations whose median T₁ is at least "
                     f"{LONG_PHASE_ONE:g} Phase II e-folding times: the 99 % interval on the median of "
                     "(mean per-step decrease of log ℓ after T₁) / (before T₁) lies above "
                     f"{SHAPE_THRESHOLD:g} (fails below)", "interval's lower end on the median ratio",
                     lower_bound=True, settle="more runs, or more steps",
                     reading="where Phase I is long (T₁ ≥ 5 Phase II e-folding times)")
    every_part = Part("shape-everywhere", "every configuration (teacher family × k, p × paper, Gaussian a₀ "
                      "or theorem-region start × η): the same statistic, fixed before measuring",
                      "interval's lower end on the median ratio", lower_bound=True,
                      settle="more runs, or more steps", reading="from every start, teacher and dimension")
    rng = rng_for(seed, CLAIM_ID)
    n = budget.pick(quick=60, standard=200, thorough=300)
    rate_runs = budget.pick(quick=30, standard=60, thorough=60)
    deep_budget = budget.pick(quick=15, standard=60, thorough=120)   # 40-digit runs, all teachers together
    teachers = [(f, t) for f, t in gd_teachers(rng, budget.pick(quick=1, standard=3, thorough=8))
                if f in ("gaussian", "one-hot")]
    ratios = []
    for family, teacher in teachers:
        size, instance = teacher.k + teacher.p, {"family": family, **teacher.to_json()}
        eta = dynamics.default_eta(teacher)
        V0, A0 = region_init(teacher, n, rng)
        t1, rate = region_phases(teacher, V0, A0, eta, rate_runs, deep_budget)
        deep_budget -= rate["remeasured"]
        ratios.append((instance, size, np.where(t1 >= 0, t1 / phase_one_bound(teacher, eta, V0, A0), math.inf), eta))
        errors = rate["errors"]
        worst = max(errors) if errors else math.inf
        open_runs = rate["unsettled"] + rate["too_close"]
        undecided = not errors or (open_runs > 0 and worst <= RATE_TOLERANCE)   # a failure is decided
        note = ("" if not undecided else "no run reached the Phase II window within the steps" if not errors
                else f"{rate['unsettled']} runs off in float64 left without a 40-digit answer, "
                     f"{rate['too_close']} with modes too close to separate")
        rate_part.add({**instance, "runs_fitted": len(errors), "remeasured_at_40_digits": rate["remeasured"],
                       "not_remeasured": rate["unsettled"], "too_close_to_separate": rate["too_close"]},
                      worst, RATE_TOLERANCE, size=size, status=UNDECIDED if undecided else None, note=note)
    fitted = max(float(r[0::2].max()) for _, _, r, _ in ratios)
    looseness = []
    for instance, size, ratio, eta in ratios:
        held_out = ratio[1::2][ratio[1::2] > 0]
        if not np.all(np.isfinite(ratio)) or not np.isfinite(fitted):
            bound_part.add({**instance, "never_left_phase_one": int(np.sum(~np.isfinite(ratio)))},
                           math.inf, HOLDOUT_FACTOR, size=size, note="a run never ended Phase I")
            continue
        bound_part.add({**instance, "runs": len(held_out), "eta": eta, "fitted_C": fitted,
                        "median_looseness": float(np.median(fitted / held_out))},
                       float(held_out.max()) / fitted, HOLDOUT_FACTOR, size=size)
        looseness.extend((fitted / ratio[np.isfinite(ratio) & (ratio > 0)]).tolist())
    dependence = phase_one_dependence(next(t for f, t in teachers if f == "one-hot"), rng,
                                      budget.pick(quick=9, standard=17, thorough=33))
    shape_rows, curves, beyond = [], None, []
    shape_runs = budget.pick(quick=24, standard=128, thorough=200)
    for k, p in SHAPE_DIMENSIONS[budget.name]:
        for family in SHAPE_FAMILIES:
            if family == "zero-sum" and k < 2:
                continue
            teacher, regenerate = grid_teacher(CLAIM_ID, seed, family, k, p)
            for scheme in SHAPE_SCHEMES:
                for multiple in budget.pick(quick=(1,), standard=(1,), thorough=(1, 2)):
                    row, measured = shape_configuration(family, teacher, regenerate, scheme, multiple, shape_runs,
                                                        rng, budget)
                    if measured is None:
                        beyond.append(row)
                        continue
                    shape_rows.append(row)
                    judge_shape(every_part, row)
                    if row["median_T1"] is not None and row["median_T1"] >= LONG_PHASE_ONE * row["phase_two_e_folding"]:
                        judge_shape(long_part, row)
                        if (scheme == "paper" and "ratio_median" in row
                                and (curves is None or row["median_T1"] > curves[0]["median_T1"])):
                            curves = (row, measured)
    figures = [dependence_figure(dependence), shape_figure(shape_rows)]
    if curves is not None:
        figures.insert(0, aligned_figure(*curves))
    holds = [r for r in shape_rows if r.get("ratio_low", 0) > SHAPE_THRESHOLD]
    shape_text = (f"slow-then-much-faster (median ratio > {SHAPE_THRESHOLD:g} with 99 % confidence) in "
                  f"{len(holds)} of {len(shape_rows)} configurations")
    if beyond:
        shape_text += (f" ({len(beyond)} more not run: with k ≥ {min(r['k'] for r in beyond):,} Phase II alone "
                       f"needs ≥ {min(r['phase_two_steps'] for r in beyond):.2g} steps per run, over the budget's "
                       f"{beyond[0]['step_cap']:.2g})")
    slope_text = (f"T₁ against 1/(η cos φ₀ β₀) over four decades of cos φ₀: log-log slope "
                  f"{dependence['slope']:.2f} [{dependence['slope_low']:.2f}, {dependence['slope_high']:.2f}] — "
                  + ("the reconstructed bound has the right shape"
                     if dependence["slope_low"] <= 1 <= dependence["slope_high"]
                     else "the bound is of the wrong shape (T₁ does not scale with it)"))

    def summary_confirmed():
        return (f"{shape_text}; T₁ ≤ C·bound with fitted C = {fitted:.2f}; {slope_text}; Phase II rate = spectral "
                f"radius of I − ηH to {rate_part.decided_worst().measured:.2g} (relative)")

    def summary_qualified():
        failing = min(every_part.by_status(FAIL), key=lambda c: c.size).instance
        return (f"holds where Phase I is long: {shape_text}, {len(long_part.cases)} with a long Phase I, all "
                f"passing; fails elsewhere, e.g. {failing['family']} k = {failing['k']:,}, p = {failing['p']:,}, "
                f"{failing['scheme']} start: median ratio {failing['ratio_median']:.2f}; {slope_text}; "
                f"T₁ ≤ C·bound with fitted C = {fitted:.2f}, "
                f"Phase II rate = spectral radius of I − ηH to {rate_part.decided_worst().measured:.2g} (relative)")

    return combine([bound_part, rate_part, long_part, every_part], summary_confirmed,
                   summary_qualified=summary_qualified, figures=figures, fitted_C=fitted,
                   median_looseness=float(np.median(looseness)) if looseness else None, shape=shape_rows,
                   shape_beyond_budget=beyond,
                   phase_one_dependence=dependence)


def modes_too_close(teacher: Teacher, eta: float, v_norm: float) -> bool:
    """Whether the two slowest modes of I − ηH contract within 3·RATE_TOLERANCE of each other (in
    log): then no fit window in reach separates them, and a deviation says nothing."""
    curvatures = [(math.pi - 1) / (2 * math.pi), (teacher.k + math.pi - 1) / (2 * math.pi)]
    if teacher.p > 1:
        curvatures.append(teacher.w_norm ** 2 * teacher.a_sq / (2 * v_norm ** 2))
    rates = sorted(abs(math.log(abs(1 - eta * lam))) for lam in curvatures if abs(1 - eta * lam) > 0)
    return len(rates) > 1 and rates[1] - rates[0] < 3 * RATE_TOLERANCE * rates[0]


def aligned_figure(row: dict, measured) -> Figure:
    """ℓ/ℓ₀ against t/T₁, median and quantile band over the configuration's runs."""
    fig, axes = new_figure()
    ax = axes[0, 0]
    grid = np.linspace(0, 3, 121)
    aligned = []
    steps = np.arange(measured.samples.shape[1]) * measured.stride
    for i in np.flatnonzero(measured.t1 > 0):
        relative = measured.samples[i] / measured.loss0[i]
        aligned.append(np.interp(grid * measured.t1[i], steps, relative, right=np.nan))
    curves = np.array(aligned)
    with warnings.catch_warnings():   # past every run's end a column is all NaN: no quantile there
        warnings.simplefilter("ignore", RuntimeWarning)
        q10, q50, q90 = np.nanquantile(curves, [0.1, 0.5, 0.9], axis=0)
    ax.fill_between(grid, q10, q90, color="tab:blue", alpha=0.25, label="10 %–90 % of runs")
    ax.semilogy(grid, q50, color="tab:blue", label="median run")
    ax.axvline(1.0, color="black", linestyle=":", label="T₁ (end of Phase I)")
    ax.set_xlabel("t / T₁ (each run aligned at its own T₁)")
    ax.set_ylabel("ℓ / ℓ₀ (log scale)")
    ax.set_title(f"{row['family']}, k = {row['k']:,}, p = {row['p']:,}, paper's start")
    ax.legend(fontsize="small", loc="lower left")
    return to_figure(fig, "Log-loss aligned at T₁", f"{len(curves)} runs of the configuration with the longest "
                     f"Phase I (median T₁ = {row['median_T1']:.0f} steps); median ratio of the per-step decrease "
                     f"after T₁ to before it: {row['ratio_median']:.2f} "
                     f"[{row['ratio_low']:.2f}, {row['ratio_high']:.2f}].")


def dependence_figure(dependence: dict) -> Figure:
    fig, axes = new_figure()
    ax = axes[0, 0]
    bound, t1 = np.array(dependence["bound"]), np.array(dependence["T1"])
    ax.loglog(bound, t1, "o", markersize=4, label="controlled starts")
    line = np.exp(dependence["intercept"]) * bound ** dependence["slope"]
    ax.loglog(bound, line, "-", label=f"fit: slope {dependence['slope']:.2f}")
    ax.loglog(bound, bound, "k--", label="T₁ = bound")
    ax.set_xlabel("1/(η cos φ₀ β₀) + 1/η (reconstructed Phase I bound)")
    ax.set_ylabel("measured T₁ (steps)")
    ax.set_title("Phase I length against its reconstructed bound")
    ax.legend(fontsize="small")
    return to_figure(fig, "T₁ against the reconstructed bound", f"cos φ₀ from 1e-4 to 1 with a₀ = ½‖w*‖a*; "
                     f"log-log slope {dependence['slope']:.2f} (99 % interval [{dependence['slope_low']:.2f}, "
                     f"{dependence['slope_high']:.2f}]); T₁/bound at most {dependence['largest_T1_over_bound']:.2g}.")


def shape_figure(rows: list[dict]) -> Figure:
    fig, axes = new_figure(width=7.2, height=4.2)
    ax = axes[0, 0]
    measured = [r for r in rows if "ratio_median" in r]
    colours = {"paper": "tab:blue", "gaussian": "tab:orange", "region": "tab:green"}
    for scheme, colour in colours.items():
        chosen = [r for r in measured if r["scheme"] == scheme]
        x = [r["median_T1"] / r["phase_two_e_folding"] for r in chosen]
        y = [r["ratio_median"] for r in chosen]
        err = [[r["ratio_median"] - r["ratio_low"] for r in chosen],
               [r["ratio_high"] - r["ratio_median"] for r in chosen]]
        ax.errorbar(x, y, yerr=err, fmt="o", color=colour, markersize=4, capsize=2, label=f"{scheme} start")
    ax.axhline(SHAPE_THRESHOLD, color="black", linestyle="--", label="much faster: ratio 2")
    ax.axvline(LONG_PHASE_ONE, color="gray", linestyle=":", label="long Phase I")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("median T₁ / Phase II e-folding time")
    ax.set_ylabel("per-step decrease of log ℓ after T₁ ÷ before")
    ax.set_title("Is Phase II much faster than Phase I?")
    ax.legend(fontsize="x-small", loc="center left", bbox_to_anchor=(1.02, 0.5))
    unmeasured = len(rows) - len(measured)
    return to_figure(fig, "Slow, then fast: the judged statistic", f"{len(measured)} configurations"
                     + (f" (of {len(rows)}; {unmeasured} had too few runs reaching both T₁ and the loss floor)"
                        if unmeasured else "")
                     + ", median and 99 % interval over each configuration's runs.")


CLAIM = register(Claim(
    id=CLAIM_ID,
    title="Two phases: slow, then geometric",
    source="paper",
    wording=("a quantitative analysis shows that the gradient descent dynamics has two phases: it starts "
             "off slow, but converges much faster after several iterations"),
    reconstruction=("The Phase I length O(1/(η cos φ₀ β₀) + 1/η) with β₀ = min(a₀ᵀa*‖w*‖, "
                    "(g(φ₀) − 1)‖a*‖²‖w*‖²) is our reconstruction, checked as an upper bound with a "
                    "fitted constant (the paper's O(·) has none; C = 1 fails on runs at the edge "
                    "|1ᵀa₀| = |1ᵀa*|‖w*‖, where C ≈ 1.2); the Phase II rate is derived from the Hessian "
                    "(docs/mathematics.md#derived-consequences). 'Much faster' is our reading, fixed before "
                    "measuring: the per-step "
                    "decrease of log ℓ after T₁ is at least twice the one before it, judged on the "
                    "median over runs with a 99 % interval, where Phase I is long (T₁ ≥ 5 Phase II "
                    "e-folding times) and, as the stronger reading, everywhere."),
    statement=("From the theorem's region, (i) the first step T₁ with φ < π/4 and aᵀa* ≥ ½‖w*‖‖a*‖² "
               "satisfies T₁ ≤ C·(1/(η cos φ₀ β₀) + 1/η) for one constant C across teachers and runs; "
               "(ii) afterwards √ℓ contracts per step at the spectral radius of I − ηH at the minimum, "
               "within 1 %; (iii) log ℓ falls at least twice as fast per step after T₁ as before it, "
               "across teacher families, k and p up to 10⁶, the paper's, Gaussian and theorem-region "
               "starts and step sizes — wherever Phase I is long (weaker reading) or everywhere "
               "(stronger reading)."),
    check=check,
))
