"""Claim `spurious-probability`: with constant probability, GD converges to the spurious minimum.

Judged where the outcome law lives (checks.experiments.invariant_grid): on fixed teachers (k, r/r_b, κ),
along p up to p = ∞, and on the map of P_∞ over (k, r/r_b, κ). How the verdict decides, fixed
before measuring: a configuration *has* the constant when its interval on P(spurious) lies above
NEGLIGIBLE + ZONE (1 % + 0.5 %), *lacks* it below NEGLIGIBLE − ZONE, and is at the threshold
inside (checks.verdicts.estimates.Requirement). At p = ∞ P_∞ is estimated by quadrature
(seed-free; its error estimate is the interval; sampled runs beside it must agree); at finite p it
is sampled sequentially with one family-wise error rate for the claim. Readings of "could … with
constant probability", each its own part:

* **some teacher** (the paper's words, read as a family uniform in k and p): the witness family
  r = 0.5, κ = k at every k of the grid — P_∞(spurious) 0.16–0.24 for k = 2 … 10⁴ by quadrature,
  and larger at finite p; a single teacher (k = 2) would test uniformity in p only;
* **every teacher** with a spurious minimum (r < r_b), uniformly in p ≤ ∞ — a stronger reading of
  ours: every map cell and every p-series cell, the smallest counterexample reported.

Where the claim holds is stated from κ*(k, r): at p = ∞ the outcome is a function of a₀ alone,
so P_∞(spurious) > 0 exactly when some a₀ of the ball reaches the spurious basin — above κ*. A
part that must hold in any case checks that no map cell below κ* has P_∞ > 0 or a spurious run;
a cell on a bracket's end (to rounding, checks.verdicts.cases.side) is placed neither side.

A zero-sum teacher (r = 0) at p = ∞ starts at a critical point (φ₀ = π/2, a₀ = 0: the saddle
cone) and never moves — exactly, so it is stated, not run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from checks.experiments import invariant_grid as ig
from checks.experiments import judged as jd
from checks.experiments.cells import Threshold
from checks.experiments.outcomes import NEGLIGIBLE, decisions_part, decisions_that_fail_to_hold
from checks.experiments.plan import ClaimSettings, Plan, setting
from checks.figures import outcomes as outcome_figures
from checks.figures.basins import basin_disk_figure
from checks.figures.flow import flow_figure
from checks.verdicts.budget import PerBudget
from checks.verdicts.cases import AT_THRESHOLD, FAIL, PASS, UNDECIDED, Part, Record
from checks.verdicts.claim import Claim, rng_for
from checks.verdicts.coverage import coverage
from checks.verdicts.estimates import Requirement
from checks.verdicts.outcome import Outcome, SensitivityRow, combine
from theory import basins, decisions, dynamics, invariants

__all__ = ["CLAIM", "CLAIM_ID", "FAMILY_ALPHA", "FLOW", "REPORT_ORDER", "REQUIREMENT", "SETTINGS", "WITNESS_R", "ZONE",
           "Settings", "check", "configurations", "region_text", "size", "threshold_of", "witness_family"]

REPORT_ORDER = 130
CLAIM_ID = "spurious-probability"
FAMILY_ALPHA = 1e-3
ZONE = 0.005           # P(spurious) within 1 % ± 0.5 % is at the threshold (stated before any run)
REQUIREMENT = Requirement(NEGLIGIBLE, ZONE, above=True)
WITNESS_R = 0.5        # the witness family: r = 0.5 (below every r_b), κ = k (witness_family)
FLOW = (10, 0.3, 10.0)   # the teacher of the dynamics picture: (k, r/r_b, κ), κ above κ*(10, 0.3 r_b) ≈ 1.2


@dataclass(frozen=True)
class Settings(ClaimSettings):
    flow_runs: int = setting("runs in the flow figure")
    sensitivity: bool = setting("sensitivity of the verdict to our knobs (η, ‖v₀‖, the constant) at p = ∞")


SETTINGS = PerBudget(quick=Settings(flow_runs=200, sensitivity=False),
                     standard=Settings(flow_runs=400, sensitivity=False),
                     thorough=Settings(flow_runs=800, sensitivity=True))


def size(row: Record) -> float:
    """Orders counterexamples: smaller k first, then smaller p; p = ∞ last."""
    return row["k"] * 1e13 + (1e12 if row["p"] == "inf" else row["p"])


def threshold_of(found: Sequence[Threshold], k: int, ratio: float) -> Threshold | None:
    return next((t for t in found if t.k == k and math.isclose(t.ratio_over_boundary, ratio, rel_tol=1e-9)), None)


def witness_family(plan: Plan) -> list[ig.Point]:
    """The witness of "with constant probability": r = WITNESS_R (absolute, below every r_b) with
    κ = k, at every k of the grid — a family fixed before these runs, by the quadrature's measured
    P_∞(spurious) of 0.16–0.24 for k = 2 … 10⁴ (docs/dynamics.md, last section); finite p only
    raises it (the limits k → ∞ and p → ∞ do not commute)."""
    return [ig.Point(k, WITNESS_R / invariants.boundary(k), float(k), "witness") for k in plan.invariant_grid.ks]


def configurations(plan: Plan) -> list[tuple[ig.Point, float]]:
    """Every configuration judged, once: the map at p = ∞, the p-series teachers with a spurious
    minimum at the budget's p and ∞, and the witness family at every k and p."""
    series = witness_family(plan) + [p for p in ig.series_points(plan) if p.ratio < 1]
    found: dict[tuple, tuple[ig.Point, float]] = {}     # the witness first: a map cell it meets is its own
    for point, p in [(s, p) for s in series for p in ig.series_ps(plan, s)] + [(m, ig.INF)
                                                                              for m in ig.map_points(plan)]:
        found.setdefault((point.k, float(f"{point.ratio:.9g}"), float(f"{point.kappa:.9g}"), p), (point, p))
    return list(found.values())


def _size(j: jd.Judged) -> float:
    return j.point.k * 1e13 + (1e12 if j.p == ig.INF else j.p)


def check(plan: Plan, seed: int) -> Outcome:
    configs = configurations(plan)
    at_infinity = [point for point, p in configs if p == ig.INF]
    alpha = FAMILY_ALPHA / (len(configs) + len(at_infinity))   # the configurations and the runs beside each quadrature
    judged = [jd.judge(seed, plan, point, p, decisions.Outcome.SPURIOUS, REQUIREMENT, alpha) for point, p in configs]
    found = ig.thresholds(plan)
    rule = (f"P(spurious) against {NEGLIGIBLE:g} ± {ZONE:g}: has the constant above {NEGLIGIBLE + ZONE:g}, lacks it "
            f"below {NEGLIGIBLE - ZONE:g}, at the threshold inside; P_∞ at p = ∞ estimated by quadrature (its error "
            "estimate as the interval), finite p sampled sequentially (exact intervals, family-wise error "
            f"{FAMILY_ALPHA:g}, runs stopped by the step cap counted both ways)")
    family = witness_family(plan)
    in_family = {(f.k, f.kappa) for f in family}
    some = Part("some-teacher", f"the witness family r = {WITNESS_R:g}, κ = k (1ᵀa* ≠ 0, fixed before these runs) at "
                f"every k of the grid and every p of the budget and p = ∞: {rule}", "interval lower end on P(spurious)",
                lower_bound=True, settle="more runs per teacher", zone=ZONE, reading_kind="paper",
                reading=f"for some teacher family with 1ᵀa* ≠ 0 (r = {WITNESS_R:g}, κ = k), uniformly in k and p ≤ ∞")
    every = Part("every-teacher", f"every teacher with a spurious minimum on the map (p = ∞) and along p: {rule}",
                 "interval lower end on P(spurious)", lower_bound=True, settle="more runs per teacher", zone=ZONE,
                 reading="for every teacher with a spurious minimum, uniformly in p ≤ ∞", reading_kind="stronger")
    below = Part("none-below-threshold", "map cells with κ below κ*(k, r)'s bracket (its ends are on it, to "
                 "rounding): P_∞(spurious) = 0 by quadrature, and no sampled run reaches the spurious minimum (at "
                 "p = ∞ no a₀ of the paper's ball does, by the threshold search)", "P_∞(spurious) + spurious runs")
    agrees = Part("quadrature-agrees", "every configuration at p = ∞ estimated by quadrature is also sampled "
                  f"({plan.invariant_grid.runs:,} runs): the sampled exact interval must meet the quadrature's",
                  "sampled interval's distance from the quadrature's (0: they meet)")
    for j in judged:
        target = some if (j.point.k, j.point.kappa) in in_family and j.point.name == "witness" else every
        note = {UNDECIDED: "interval straddles the zone", AT_THRESHOLD: "inside 1 % ± 0.5 %"}.get(j.status, "")
        target.add(j.record(), REQUIREMENT.measured(j.estimate), NEGLIGIBLE, size=_size(j), status=j.status, note=note)
        if target is some and j.point.ratio < 1:        # the witness has a spurious minimum: every teacher too
            every.add(j.record(), REQUIREMENT.measured(j.estimate), NEGLIGIBLE, size=_size(j), status=j.status)
    sampled_inf = ig.run_cells(seed, plan, at_infinity, (ig.INF,), alpha)
    by_key = {(point.k, point.ratio, point.kappa): row for point, row in zip(at_infinity, sampled_inf, strict=True)}
    proved = jd.proved_part(plan.invariant_grid)
    for j in judged:
        if j.p != ig.INF or j.quadrature is None:
            continue
        row = by_key[(j.point.k, j.point.ratio, j.point.kappa)]
        status, record, distance = jd.agreement_status(j, row, alpha)
        agrees.add(record, distance, 0.0, size=_size(j), status=status)
        if j.proved is not None:
            status, record, distance = jd.proved_agreement(j, row, alpha)
            proved.add(record, distance, 0.0, size=_size(j), status=status)
    on_map = {(m.k, m.ratio, m.kappa) for m in ig.map_points(plan)}
    map_judged = [j for j in judged if j.p == ig.INF and (j.point.k, j.point.ratio, j.point.kappa) in on_map]
    map_rows = [by_key[(j.point.k, j.point.ratio, j.point.kappa)] for j in map_judged]
    for j, row in zip(map_judged, map_rows, strict=True):
        bracket = threshold_of(found, j.point.k, j.point.ratio)
        if bracket is not None and bracket.side(j.point.kappa) == "below":
            spurious_runs = row.counts[decisions.Outcome.SPURIOUS]
            below.add({**j.record(), "kappa_low": bracket.kappa_low, "spurious_runs": spurious_runs},
                      j.estimate.value + spurious_runs, 0, size=_size(j))
    held = decisions_part(decisions.Outcome.SPURIOUS)
    witness = family[len(family) // 2]
    teacher = invariants.canonical_teacher(witness.k, witness.r, witness.kappa)
    batch = dynamics.reduced_runs(teacher, 400, rng_for(seed, CLAIM_ID, "decisions"), max_steps=plan.run_steps,
                                  p=math.inf)
    failed, checked = decisions_that_fail_to_hold(teacher, batch, decisions.Outcome.SPURIOUS)
    held.add({"witness": witness.label(), "checked": checked}, failed, 0)

    map_values = {(j.point.k, j.point.ratio, j.point.kappa): j.estimate.value for j in map_judged
                  if j.quadrature is not None}
    phase_map = [{"k": j.point.k, "ratio_over_boundary": j.point.ratio, "kappa": j.point.kappa,
                  "p_spurious": j.estimate} for j in map_judged]
    thresholds = [replace(t, witness=None) for t in found]   # the search's witness stays out of the evidence
    region = region_text(map_judged, found)
    series_rows = [j.row for j in judged if j.p != ig.INF and j.row is not None]
    figures = [
        outcome_figures.map_figure(ig.as_grid_result(map_rows, plan, found, alpha), quadrature=map_values),
        outcome_figures.probability_figure(ig.as_grid_result(series_rows, plan, [], alpha),
                                           bounds={decisions.Outcome.SPURIOUS:
                                                   (NEGLIGIBLE, "the constant's threshold")}),
        flow_figure(*FLOW, n=plan.settings(CLAIM_ID, Settings).flow_runs, seed=seed),
    ]
    drawn = next((j.proved for j in map_judged if j.proved is not None), None)
    if drawn is not None:     # what "the probability of reaching the spurious minimum" is, cell by cell
        figures.append(basin_disk_figure(drawn.map, basins.GLOBAL, basins.SPURIOUS))
    witness_judged = [j for j in judged if j.point.name == "witness"]
    infinity_text = ", ".join(f"k = {j.point.k:,}: {j.estimate.value:.3f}" for j in witness_judged if j.p == ig.INF)

    def where_some() -> str:
        decided = sum(j.status == PASS for j in witness_judged)
        return (f"{decided} of {len(witness_judged)} of its configurations are decided above {NEGLIGIBLE + ZONE:g}; "
                f"P_∞(spurious) by quadrature {infinity_text}; finite p raises it (the limits k → ∞ and p → ∞ do "
                "not commute)")

    def where_every() -> str:
        lacking = [j for j in judged if j.status == FAIL]
        text = f"{len(lacking)} of {len(judged)} configurations lack the constant (decided below {NEGLIGIBLE - ZONE:g})"
        if lacking:
            first = min(lacking, key=_size)
            text += f", the smallest k = {first.point.k:,}, r/r_b = {first.point.ratio:.3g}, κ = {first.point.kappa:g}"
            text += f", p = {'∞' if first.p == ig.INF else f'{first.p:,.0f}'}"
        open_ = sum(j.status in (UNDECIDED, AT_THRESHOLD) for j in judged)
        return text + (f"; {open_} neither (undecided or at the threshold)" if open_ else "")

    def summary_confirmed():
        return f"P(spurious) > {NEGLIGIBLE:g} for every teacher tried with a spurious minimum; {region}"

    def summary_qualified():
        held_readings = [p.reading for p in (some, every) if p.verdict == "confirmed"]
        failed_readings = [p.reading for p in (some, every) if p.verdict == "refuted"]
        return (f"holds {'; '.join(held_readings) or 'for no reading'} ({where_some()}) — fails "
                f"{'; '.join(failed_readings)}: {where_every()}. {region}")

    parts = [some, every, below, agrees, *([proved] if proved.cases else []), held]
    sensitivity = (_sensitivity(plan, judged, parts) if plan.settings(CLAIM_ID, Settings).sensitivity else [])
    return combine(parts, summary_confirmed, summary_qualified=summary_qualified,
                   says="with constant probability, the same procedure could also converge to the spurious local "
                        "minimum",
                   where={"some-teacher": where_some, "every-teacher": where_every},
                   exclusions=("1ᵀa* = 0 at p = ∞: GD starts on the saddle cone and never moves (P_∞ = 0 exactly)",
                               f"'constant' read as above {NEGLIGIBLE:g} ± {ZONE:g} (ours)"),
                   figures=figures, teachers=[j.record() for j in judged], phase_map=phase_map,
                   thresholds=thresholds, map_cells=[j.record() for j in map_judged], skipped_for_budget=[],
                   requirement=REQUIREMENT, sensitivity=sensitivity, witness_family={"r": WITNESS_R, "kappa": "k",
                                                            "ks": [f.k for f in family]},
                   quadrature_agreement=[c.instance for c in agrees.cases],
                   coverage=coverage(parts, plan.budget,
                                     also=ig.covered(plan, [j.record() | {"runs": j.row.runs if j.row else 0}
                                                            for j in judged]) + "; P_∞ by quadrature at p = ∞"),
                   family_alpha=FAMILY_ALPHA,
                   zero_sum_at_infinity="r = 0 at p = ∞: φ₀ = π/2 and a₀ = 0 is a critical point (the saddle "
                   "cone); GD never leaves it, so P_∞(global) = P_∞(spurious) = 0 exactly (not run)")


def _readings(judged: Sequence[jd.Judged], requirement: Requirement) -> tuple[Part, Part]:
    """The two reading parts re-decided against ``requirement`` (the sensitivity table's verdicts)."""
    some = Part("some-teacher", "", "", lower_bound=True, reading="some", reading_kind="paper")
    every = Part("every-teacher", "", "", lower_bound=True, reading="every", reading_kind="stronger")
    for j in judged:
        status = requirement.decide(j.estimate)
        target = some if j.point.name == "witness" else every
        target.add({}, requirement.measured(j.estimate), requirement.threshold, status=status)
        if target is some and j.point.ratio < 1:
            every.add({}, requirement.measured(j.estimate), requirement.threshold, status=status)
    return some, every


def _sensitivity(plan: Plan, judged: list[jd.Judged], parts: list[Part]) -> list[SensitivityRow]:
    """Our knobs and whether the verdict flips: the constant (re-judged on the same estimates), η and
    ‖v₀‖ (the p = ∞ configurations re-estimated by quadrature, finite p kept)."""
    ours = combine(parts, lambda: "-").verdict

    def verdict_with(rejudged: Sequence[jd.Judged], requirement: Requirement) -> tuple[str, str]:
        some, every = _readings(rejudged, requirement)
        return (combine([some, every, *parts[2:]], lambda: "-").verdict,
                f"some teacher family: {some.verdict}; every teacher: {every.verdict}")

    rows = []
    for constant in (0.05, 0.1):
        verdict, readings = verdict_with(judged, replace(REQUIREMENT, threshold=constant))
        rows.append(SensitivityRow("the constant (P(spurious) > c)", f"{NEGLIGIBLE:g}", f"{constant:g}", ours, verdict,
                                   readings, "every configuration, the same estimates"))
    return rows + jd.knob_rows(judged, plan.invariant_grid.sensitivity_tolerance, REQUIREMENT, ours, verdict_with)


def region_text(maps: Sequence[jd.Judged], found: Sequence[Threshold]) -> str:
    """Where P_∞(spurious) is a constant, in (k, r/r_b, κ), from the map's quadrature and κ* — seed-free:
    each count is of configurations decided one way."""
    def placed(where: str) -> list[jd.Judged]:    # the one boundary rule (Threshold.side)
        return [j for j in maps if (t := threshold_of(found, j.point.k, j.point.ratio)) is not None
                and t.side(j.point.kappa) == where]
    above, on = placed("above"), placed("at")
    without = sorted({j.point.k for j in maps if threshold_of(found, j.point.k, j.point.ratio) is None})
    constant = [j for j in above if j.status == PASS]
    faint = [j for j in above if j.status == FAIL]
    spans = "; ".join(f"k = {t.k:,}, r/r_b = {t.ratio_over_boundary:g}: κ* ∈ [{t.kappa_low:.3g}, "
                      f"{t.kappa_high:.3g}]" for t in found)
    return (f"Where it holds: at p = ∞, P_∞(spurious) > 0 exactly for κ above κ*(k, r) ({spans}); below κ* no map "
            f"cell has P_∞ > 0. Of the {len(above)} map cells above κ*, {len(constant)} are decided above "
            f"{NEGLIGIBLE + ZONE:g}" + (f" and {len(faint)} below {NEGLIGIBLE - ZONE:g} (at k = "
                                        f"{', '.join(sorted({f'{j.point.k:,}' for j in faint}))}: the spurious starts "
                                        "lie in the outer part of the paper's ball, where its law puts little mass)"
                                        if faint else "")
            + (f"; {len(on)} cells lie on a bracket (its ends included): placed neither side" if on else "")
            + f". κ* rises with r/r_b and with k (k = {', '.join(f'{k:,}' for k in sorted({t.k for t in found}))} "
            "computed here" + (f"; none at k = {', '.join(f'{k:,}' for k in without)}, whose cells are judged "
                              "but not placed against κ*" if without else "")
            + "). Finite p lets runs start past π/2; P(p) approaches P_∞ as p grows (benchmarks/p_limit.py).")


CLAIM = Claim(
    id=CLAIM_ID,
    title="Spurious convergence with constant probability",
    source="paper",
    wording=("We also show that with constant probability, the same procedure could also converge to "
             "the spurious local minimum"),
    reconstruction=(f"'Constant' is read as: a probability above {NEGLIGIBLE:g} that does not fade as p grows, "
                    "up to p = ∞ (exact intervals); the outcome law depends on the teacher only through "
                    "(k, r = (1ᵀa*)²/‖a*‖², κ = (‖w*‖‖a*‖/‖v₀‖)²) (docs/mathematics.md), so teachers are "
                    "points of that space and κ is varied. 'Could' is read as some teacher with 1ᵀa* ≠ 0 (the "
                    "paper's ball non-degenerate) or every teacher with a spurious minimum — both are checked. "
                    "‖v₀‖ = 1 is our reconstruction of the paper's sphere."),
    statement=("With the paper's initialization, GD ends at the spurious minimum with a probability above "
               f"{NEGLIGIBLE:g}, uniformly in p up to p = ∞: for some teacher with 1ᵀa* ≠ 0, and for every "
               "teacher with a spurious minimum, judged on canonical teachers over k, r/r_b and κ (exact "
               "Clopper–Pearson intervals, family-wise error 1e-3); where it holds is stated through the "
               "threshold κ*(k, r) above which P_∞(spurious) > 0."),
    check=check,
)

