"""`theorycheck teacher`: one teacher of the user's own, examined by :func:`theory.examine.examine`
— printed in plain lines, and written as teacher.json and a small page, teacher.html."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import numpy as np

from checks.app.files import publish
from checks.app.page import figure_csv, figure_legend_csv, format_number
from checks.figures.render import new_figure, to_figure
from checks.verdicts.jsonable import jsonable
from checks.verdicts.outcome import Figure
from theory import Teacher, examine, invariants

__all__ = ["MANIFEST", "document", "lines", "teacher_of", "trace_figure", "write_page"]

MANIFEST = "teacher-manifest.json"


def _p(p: float) -> str:
    return "∞" if p == math.inf else f"{p:,}"


def lines(facts: examine.TeacherFacts) -> list[str]:
    """What the command prints: the invariants, the landscape, κ*, the probabilities, the trace."""
    inv = facts.invariants
    out = [f"teacher: k = {inv.k:,}, p = {facts.teacher.p:,}; r = (1ᵀa*)²/‖a*‖² = {inv.r:.6g}, "
           f"r_b = {inv.boundary:.6g}, r/r_b = {inv.ratio_over_boundary:.6g}; κ = {inv.kappa:.6g} (‖v₀‖ = 1)",
           "spurious local minimum: " + ("yes (r < r_b)" if facts.spurious_minimum else "no (r ≥ r_b)")]
    for point in facts.critical_points:
        positive, zero, negative = point.inertia
        out.append(f"  {point.kind:<8} φ = {point.phi:.6g}, ℓ = {point.loss:.6g}, Hessian eigenvalues "
                   f"+{positive} 0×{zero} −{negative}")
    if facts.threshold is not None:
        out.append(f"κ*(k, r) in [{facts.threshold.kappa_low:.4g}, {facts.threshold.kappa_high:.4g}]: at p = ∞ GD "
                   f"can reach the spurious minimum exactly when κ > κ* (this teacher: κ = {inv.kappa:.4g})")
    else:
        out.append(f"κ*(k, r): not found, because {facts.threshold_note}")
    if facts.p_infinity is not None:
        q = facts.p_infinity
        out.append(f"p = ∞ (quadrature, deterministic): P(global) = {q.global_:.6f}, P(spurious) = {q.spurious:.6f} "
                   f"(error estimate {q.error_estimate:.1e}, not a bound)")
    else:
        out.append(f"p = ∞: not computed, because {facts.p_infinity_note}")
    if facts.enclosure is not None:
        e = facts.enclosure
        out.append(f"p = ∞, proved (theory.certify.enclosure): P(global) in [{e.global_low:.6f}, {e.global_high:.6f}], "
                   f"P(spurious) in [{e.spurious_low:.6f}, {e.spurious_high:.6f}]; unresolved mass {e.unresolved:.2g}, "
                   f"stopped: {e.stopped}{f' ({e.note})' if e.note else ''}")
    else:
        out.append(f"p = ∞, proved: none ({facts.enclosure_note})")
    for s in facts.sampled:
        out.append(f"p = {_p(s.p)} ({s.runs:,} seeded runs): P(global) in [{s.global_interval[0]:.4f}, "
                   f"{s.global_interval[1]:.4f}], P(spurious) in [{s.spurious_interval[0]:.4f}, "
                   f"{s.spurious_interval[1]:.4f}] at confidence {examine.CONFIDENCE} each; counts {dict(s.counts)}")
    if facts.trace is not None:
        t = facts.trace
        phase_one = f"Phase I ended at step {t.t1:,}" if t.t1 >= 0 else "Phase I did not end"
        floor = f"ℓ fell 10¹⁰-fold by step {t.t_floor:,}" if t.t_floor >= 0 else "ℓ did not reach the floor"
        out.append(f"two-phase trace (p = ∞, first seeded draw): {t.outcome}; {phase_one}; {floor}")
    else:
        out.append(f"two-phase trace: none, because {facts.trace_note}")
    return out


def document(facts: examine.TeacherFacts) -> dict[str, Any]:
    """teacher.json: every fact, JSON-ready."""
    inv = facts.invariants
    return jsonable({
        "teacher": facts.teacher.to_json(), "invariants": inv.to_json(), "spurious_minimum": facts.spurious_minimum,
        "critical_points": [{"kind": c.kind, "phi": c.phi, "loss": c.loss, "inertia": list(c.inertia),
                             "v": [float(x) for x in c.v], "a": [float(x) for x in c.a]}
                            for c in facts.critical_points],
        "kappa_star": (facts.threshold.to_json() if facts.threshold
                       else {"found": False, "reason": facts.threshold_note}),
        "p_infinity": ({"global": facts.p_infinity.global_, "spurious": facts.p_infinity.spurious,
                        "error_estimate": facts.p_infinity.error_estimate, "method": "quadrature (estimated)"}
                       if facts.p_infinity else {"reason": facts.p_infinity_note}),
        "p_infinity_proved": (facts.enclosure.to_json() if facts.enclosure is not None
                              else {"reason": facts.enclosure_note}),
        "sampled": [s.to_json() for s in facts.sampled],
        "trace": facts.trace.to_json() if facts.trace else {"reason": facts.trace_note},
        "printed": lines(facts)})


def trace_figure(trace: examine.PhaseTrace) -> Figure:
    """ℓ against the step on a log scale, with the end of Phase I marked."""
    fig, axes = new_figure(width=6.4, height=3.6)
    ax = axes[0, 0]
    steps = np.arange(len(trace.loss)) * trace.stride
    ax.plot(steps, trace.loss, color="#0072b2", marker="", label=f"ℓ ({trace.outcome})")
    if trace.t1 >= 0:
        ax.axvline(trace.t1, color="#d55e00", linestyle="--", label=f"T₁ = {trace.t1:,}")
    ax.set_yscale("log")
    ax.set_xlabel("GD step")
    ax.set_ylabel("population loss ℓ")
    ax.set_title("Two phases of one run at p = ∞")
    ax.legend(fontsize="small")
    return to_figure(fig, "The run's loss", "Phase I (slow) ends at T₁, where φ < π/4 and aᵀa* ≥ ½‖w*‖‖a*‖²; "
                     "Phase II converges linearly.")


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>theorycheck — one teacher</title>
<style>body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
figure svg { width: 100%; height: auto; } pre { white-space: pre-wrap; background: #f5f5f5; padding: .5rem; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .2rem .5rem; }</style></head>
<body><h1>One teacher, examined</h1>
<p>k = {{ doc.invariants.k | num }}, r = {{ doc.invariants.r | num }},
r/r_b = {{ doc.invariants.ratio_over_boundary | num }},
κ = {{ doc.invariants.kappa | num }}. Spurious local minimum: <b>{{ 'yes' if doc.spurious_minimum else 'no' }}</b>.</p>
<table><tr><th>critical point</th><th>φ</th><th>ℓ</th><th>Hessian eigenvalues + / 0 / −</th></tr>
{% for c in doc.critical_points %}<tr><td>{{ c.kind }}</td><td>{{ c.phi | num }}</td><td>{{ c.loss | num }}</td>
<td>{{ c.inertia | join(' / ') }}</td></tr>{% endfor %}</table>
<h2>What theorycheck found</h2><pre>{{ doc.printed | join('\n') }}</pre>
{% if svg %}<figure>{{ svg }}<figcaption>{{ caption }}
<a download="teacher-trace-data.csv" href="{{ data }}">Its data (CSV)</a>,
<a download="teacher-trace-legend.csv" href="{{ legend }}">what each series is (CSV)</a>.</figcaption></figure>
{% endif %}
<h2>The teacher</h2><pre>{{ teacher }}</pre>
<p>Glossary: k patches, p the patch size; r = (1ᵀa*)²/‖a*‖²; r_b = (k + π − 1)/π, below which a spurious
minimum exists; κ = (‖w*‖‖a*‖/‖v₀‖)²; κ* the least κ at which GD reaches the spurious minimum at p = ∞;
T₁ the end of Phase I.</p></body></html>
"""


def write_page(facts: examine.TeacherFacts, out_dir: Path) -> list[Path]:
    """teacher.json and teacher.html, written together with their manifest (the caller holds the lock)."""
    doc = document(facts)
    figure = trace_figure(facts.trace) if facts.trace is not None else None
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["num"] = format_number

    def data(text: str) -> str:
        return "data:text/csv;charset=utf-8;base64," + base64.b64encode(text.encode()).decode("ascii")
    record = figure.to_json() if figure is not None else {}
    page = env.from_string(_TEMPLATE).render(
        doc=doc, svg=markupsafe.Markup(figure.svg) if figure else "", caption=figure.caption if figure else "",
        data=data(figure_csv(record)) if figure else "", legend=data(figure_legend_csv(record)) if figure else "",
        teacher=json.dumps(doc["teacher"]))
    publish(out_dir, {"teacher.json": json.dumps(doc, indent=2, ensure_ascii=False) + "\n", "teacher.html": page},
            MANIFEST)
    return [out_dir / "teacher.json", out_dir / "teacher.html"]


def teacher_of(a: tuple[float, ...] | None, w: tuple[float, ...] | None, k: int | None, r: float | None,
               kappa: float | None):
    """The teacher the options name: (--a, --w) as given, or the canonical teacher of (--k, --r, --kappa)."""
    given, invariant = (a, w), (k, r, kappa)
    if any(x is not None for x in given) and any(x is not None for x in invariant):
        raise ValueError("give either --a and --w, or --k, --r and --kappa, not both")
    if a is not None and w is not None:
        return Teacher(np.array(w, dtype=float), np.array(a, dtype=float))
    if k is not None and r is not None and kappa is not None:
        return invariants.canonical_teacher(k, r, kappa)
    raise ValueError("give the teacher: --a and --w (its output weights and filter), or --k, --r and --kappa")
