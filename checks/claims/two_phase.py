"""Claim `two-phase`: GD starts slow (Phase I) and then converges geometrically (Phase II)."""

from __future__ import annotations

import math

import mpmath
import numpy as np

from checks.cases import UNDECIDED, Part, combine
from checks.figures import new_figure, to_figure
from checks.instances import gd_teachers, region_init
from checks.registry import Budget, Claim, Figure, Outcome, register, rng_for
from theory import Teacher, dynamics, landscape, precision

REPORT_ORDER = 160
CLAIM_ID = "two-phase"
# T₁ ≤ C·(1/(η cos φ₀ β₀) + 1/η): C is fitted (the max ratio) on half of the runs and every run
# of the other half must satisfy the bound with C × HOLDOUT_FACTOR (pre-registered).
HOLDOUT_FACTOR = 2.0
RATE_TOLERANCE = 0.01         # |measured Phase II rate / predicted − 1|
WINDOW = (1e-12, 1e-8)        # Phase II fit window for ℓ / ℓ(a = 0), above float64 rounding


def predicted_rate(teacher: Teacher, eta: float, v_norm: float) -> float:
    """Spectral radius of I − ηH at the global minimum on the directions that move ℓ (notes §6):
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
            v = [x - eta * g for x, g in zip(v, gv)]
            a = [x - eta * g for x, g in zip(a, ga)]
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


def phase_one_bound(teacher: Teacher, eta: float, V0: np.ndarray, A0: np.ndarray) -> np.ndarray:
    """1/(η cos φ₀ β₀) + 1/η with β₀ = min(a₀ᵀa*‖w*‖, (g(φ₀) − 1)‖a*‖²‖w*‖²) (reconstructed)."""
    c, a_sq = teacher.w_norm, float(teacher.a_star @ teacher.a_star)
    cos_phi = V0 @ teacher.w_star / (np.linalg.norm(V0, axis=1) * c)
    phi = np.arccos(np.clip(cos_phi, -1, 1))
    g = (math.pi - phi) * np.cos(phi) + np.sin(phi)
    beta = np.minimum(A0 @ teacher.a_star * c, (g - 1) * a_sq * c * c)
    return 1 / (eta * cos_phi * beta) + 1 / eta


def check(budget: Budget, seed: int) -> Outcome:
    bound_part = Part("phase-one-bound", "T₁ (first step with φ < π/4 and aᵀa* ≥ ½‖w*‖‖a*‖²) ≤ "
                      "C·(1/(η cos φ₀ β₀) + 1/η): C fitted on the even-numbered runs of all teachers, "
                      f"checked on the odd-numbered ones with C × {HOLDOUT_FACTOR:g}",
                      "max held-out T₁/bound ÷ fitted C")
    rate_part = Part("phase-two-rate", "per-step contraction of √ℓ over ℓ/ℓ(a=0) ∈ [1e-12, 1e-8] vs the "
                     "spectral radius of I − ηH at the minimum; runs off by more than the tolerance are "
                     "re-measured in 40-digit GD over [1e-34, 1e-24], which decides",
                     "|measured / predicted − 1|")
    shape = []   # reported, not judged: see the claim's reconstruction note
    rng = rng_for(seed, CLAIM_ID)
    n = budget.pick(quick=60, standard=200, thorough=1000)
    teachers = [(f, t) for f, t in gd_teachers(rng, budget.pick(quick=1, standard=3, thorough=8))
                if f in ("gaussian", "one-hot")]
    looseness, figure_data, ratios = [], None, []
    for family, teacher in teachers:
        size, instance = teacher.k + teacher.p, {"family": family, **teacher.to_json()}
        eta = dynamics.default_eta(teacher)
        V0, A0 = region_init(teacher, n, rng)
        slowest = min((math.pi - 1) / (2 * math.pi), teacher.w_norm ** 2 * float(teacher.a_star @ teacher.a_star) / 8)
        steps = int(min(200_000, 80 / (eta * slowest)))
        result = dynamics.run_gd(teacher, V0, A0, eta=eta, steps=steps, record=("phi", "a_dot", "loss", "v_norm"))
        h = result.history
        target = 0.5 * teacher.w_norm * float(teacher.a_star @ teacher.a_star)
        entered = (h["phi"] < math.pi / 4) & (h["a_dot"] >= target)
        t1 = np.where(entered.any(axis=0), entered.argmax(axis=0), -1)
        bound = phase_one_bound(teacher, eta, V0, A0)
        ratio = np.where(t1 >= 0, t1 / bound, math.inf)   # a run that never ends Phase I: ∞
        ratios.append((instance, size, ratio, eta))
        scale = landscape.loss(teacher, teacher.w_star, np.zeros(teacher.k))
        relative = h["loss"] / scale
        errors, speedups, deep_checked = [], [], 0
        for i in range(n):
            error = rate_error(teacher, eta, relative[:, i], h["v_norm"][:, i])
            if error is None or t1[i] < 8:
                continue
            window = phase_two_window(relative[:, i])
            if error > RATE_TOLERANCE and deep_checked < 3:
                # float64 stops at ℓ/ℓ₀ ~ 1e-12, possibly before the slowest mode dominates (two
                # close curvatures): re-measure this run deep in mpmath, which then decides.
                deep_checked += 1
                deep = deep_rate_error(teacher, eta, V0[i], A0[i])
                error = error if deep is None else deep
            errors.append(error)
            width = t1[i] // 4
            log_loss = np.log(relative[: t1[i] + 1, i])
            phase_one = max(float(np.min((log_loss[:-width] - log_loss[width:]) / width)), 1e-300)
            phase_two = -np.log(relative[window[-1], i] / relative[t1[i], i]) / (window[-1] - t1[i])
            speedups.append(phase_two / phase_one)
        rate_part.add({**instance, "runs_fitted": len(errors), "remeasured_at_40_digits": deep_checked},
                      max(errors) if errors else math.inf,
                      RATE_TOLERANCE, size=size, status=None if errors else UNDECIDED,
                      note="" if errors else "no run reached the Phase II window within the steps")
        if speedups:
            shape.append({"family": family, "k": teacher.k, "p": teacher.p, "runs": len(speedups),
                          "median_speedup": float(np.median(speedups)),
                          "fraction_faster_in_phase_two": float(np.mean(np.array(speedups) > 1))})
        if figure_data is None:  # the runs with the longest Phase I show the two phases best
            slowest_runs = np.argsort(-t1)[:6]
            figure_data = (teacher, eta, relative[:, slowest_runs], t1[slowest_runs],
                           h["v_norm"][-1, slowest_runs])
    fitted = max(float(r[0::2].max()) for _, _, r, _ in ratios)
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
    if bound_part.verdict != "confirmed" or rate_part.verdict != "confirmed":
        return combine([bound_part, rate_part], lambda: "", figures=[phase_figure(*figure_data)])
    return combine(
        [bound_part, rate_part],
        lambda: f"T₁ ≤ C·bound with fitted C = {fitted:.2f} (held-out runs within "
        f"{bound_part.worst().measured:.2f}×C); C·bound overestimates T₁ by ×{np.median(looseness):.0f} in "
        f"the median; Phase II rate = spectral radius of I − ηH to "
        f"{rate_part.worst().measured:.2%}; Phase II faster per step than Phase I's slowest stretch in "
        f"{np.mean([r['fraction_faster_in_phase_two'] for r in shape]):.0%} of runs (see shape)",
        figures=[phase_figure(*figure_data)], fitted_C=fitted, median_looseness=float(np.median(looseness)),
        shape=shape)


def phase_figure(teacher, eta, relative, t1, v_norms) -> Figure:
    fig, axes = new_figure()
    ax = axes[0, 0]
    for i in range(relative.shape[1]):
        line, = ax.semilogy(relative[:, i], linewidth=1)
        if t1[i] >= 0:
            ax.plot(t1[i], relative[t1[i], i], "o", color=line.get_color())
    i = 0
    rho = predicted_rate(teacher, eta, v_norms[i])
    t = np.arange(t1[i], relative.shape[0])
    ax.semilogy(t, relative[t1[i], i] * rho ** (2 * (t - t1[i])), "k--",
                label=f"predicted Phase II: ρ² per step, ρ = {rho:.4f}")
    ax.plot([], [], "ko", label="end of Phase I (T₁)")
    ax.set_ylim(1e-16, 2 * relative.max())
    below = np.where(np.all(relative < 1e-15, axis=1))[0]
    ax.set_xlim(0, 1.1 * (below[0] if len(below) else relative.shape[0]))
    ax.set_xlabel("GD step t")
    ax.set_ylabel("ℓ / ℓ(a = 0)  (log scale)")
    ax.set_title(f"Two phases, k = {teacher.k}, p = {teacher.p}, η = {eta:.3g}")
    ax.legend(fontsize="small")
    return to_figure(fig, "Log-loss against step", "Runs from the theorem's region: a slow Phase I up to "
                     "T₁ (dots), then geometric decrease at the rate predicted by the Hessian at the "
                     "minimum (dashed), until float64 rounding.")


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
                    "(notes §6). 'Slow, then fast' is reported, not judged: at our default η the "
                    "Phase II rate is set by the a-block's smallest curvature (π−1)/(2π), and runs "
                    "without a Phase I plateau are not slower early on."),
    statement=("From the theorem's region, (i) the first step T₁ with φ < π/4 and aᵀa* ≥ ½‖w*‖‖a*‖² "
               "satisfies T₁ ≤ C·(1/(η cos φ₀ β₀) + 1/η) for one constant C across teachers and runs; (ii) afterwards √ℓ contracts per step at the "
               "spectral radius of I − ηH at the minimum, within 1 %. How much faster Phase II is per step "
               "than Phase I's slowest stretch is reported per teacher."),
    check=check,
))
