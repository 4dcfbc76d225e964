"""The report's HTML page: self-contained (no link leaves the file; the mathematics it needs is
rendered into it), every string from outside escaped, a verdict line of at most 40 words per claim
with the details folded, a glossary of every symbol and family the page uses, and every figure's
data as a CSV link."""

from __future__ import annotations

import base64
import csv
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from checks.app.evidence_text import named_fields, proportion_text
from checks.verdicts.stats import Proportion

__all__ = ["GLOSSARY", "MATHEMATICS", "VERDICT_LINE_WORDS", "MathSection", "WhatRan", "figure_csv",
           "figure_legend_csv", "format_number", "glossary_terms", "mathematics_sections", "referenced_sections",
           "render_html", "thinned_note", "verdict_line", "what_ran"]

# The mathematics page of the repository: the sections the report needs are rendered into it.
MATHEMATICS = Path(__file__).resolve().parents[2] / "docs" / "mathematics.md"
_REFERENCE = re.compile(r"docs/mathematics\.md(?:#([a-z0-9-]+))?")
# Sections every report needs whatever its claims cite: the model and the invariants (k, r, κ).
_ALWAYS = ("the-model", "parameters-of-the-dynamics")
VERDICT_LINE_WORDS = 40

# One name per symbol and family the page uses, each once. tests/system/test_report_page.py checks
# that every symbol of the summary and every family of a report is here.
GLOSSARY: tuple[tuple[str, str], ...] = (
    ("k", "the number of patches of the input, and of output weights (a ∈ ℝᵏ)"),
    ("p", "the patch size: the dimension of each patch and of the filter (w ∈ ℝᵖ)"),
    ("p = ∞", "the limit of large p, where the initial angle φ₀ is exactly π/2"),
    ("w*, a*", "the teacher: the filter and output weights that label the data"),
    ("teacher", "the network (w*, a*) whose outputs GD learns"),
    ("v, a", "the student: its filter v (used as w = v/‖v‖, weight normalization) and output weights a"),
    ("v₀, a₀", "the student's starting point (the paper's initialization: v₀ on a sphere, a₀ in a ball)"),
    ("‖·‖", "the Euclidean length of a vector"),
    ("1ᵀa*", "the sum of the teacher's output weights (1 is the vector of ones)"),
    ("φ", "the angle between v and w*"),
    ("ℓ", "the population loss: half the mean squared difference of student and teacher outputs"),
    ("η", "the step size of gradient descent; the default is ¼ of the largest stable one"),
    ("GD", "gradient descent on the population loss"),
    ("r", "(1ᵀa*)²/‖a*‖², between 0 and k"),
    ("r_b", "(k + π − 1)/π: for p ≥ 2 a spurious local minimum exists exactly when r < r_b"),
    ("r/r_b", "r as a multiple of r_b: the spurious minimum exists below 1"),
    ("κ", "(‖w*‖‖a*‖/‖v₀‖)²: how large the teacher is against the starting filter"),
    ("κ*", "κ*(k, r): the least κ at which GD can reach the spurious minimum at p = ∞"),
    ("global minimum", "where the student equals the teacher: ℓ = 0"),
    ("spurious minimum", "the local minimum at φ = π, with ℓ > 0, that the paper proves exists"),
    ("P(global), P(spurious)", "the probability that GD from the paper's initialization reaches the global, "
                               "or the spurious, minimum; P_∞ at p = ∞"),
    ("undecided", "a run not yet in either basin when its step cap ran out"),
    ("diverged", "a run whose loss left float64's range"),
    ("T₁", "the end of Phase I: the first step with φ < π/4 and aᵀa* ≥ ½‖w*‖‖a*‖²"),
    ("Phase I, Phase II", "GD's slow start and its fast, linear convergence after T₁"),
    ("interval", "an exact (Clopper–Pearson) confidence interval for a probability"),
    ("case", "one instance checked against its requirement; a part collects the cases of one property"),
    ("reading", "one way to read the paper's words; a claim is qualified when some readings hold and others fail"),
    ("family canonical", "the teacher of given (k, r, κ): ‖a*‖ = 1, 1ᵀa* = √r, w* = √κ·‖v₀‖·e₁"),
    ("family gaussian", "a* with independent standard normal entries"),
    ("family gaussian-like", "the canonical teacher with r = 1 and κ = k, where gaussian teachers sit on average"),
    ("family one-hot", "a* with one nonzero entry (r = 1; on the grid also κ = 1)"),
    ("family zero-sum", "1ᵀa* = 0 (r = 0): the paper's initialization then starts at a₀ = 0"),
    ("family average-pooling", "a* = 1, all ones (r = k: no spurious minimum)"),
    ("family boundary-inside", "a teacher just below the boundary, r = r_b·(1 − 10⁻⁹)"),
    ("family boundary-outside", "a teacher just above the boundary, r = r_b·(1 + 10⁻⁹)"),
    ("family k=1", "one patch: r = 1 = r_b, the degenerate equality"),
    ("family random", "a random teacher per cell (the sweep's --family random)"),
    ("family witness", "the canonical teachers with r = 0.5 and κ = k, one per k: the family that shows P(spurious) "
     "bounded below uniformly in k and p"),
)


def glossary_terms() -> set[str]:
    """Every name the glossary defines (each of "w*, a*" counts)."""
    return {part.strip() for term, _ in GLOSSARY for part in term.removeprefix("family ").split(",")}


# --- the verdict line -------------------------------------------------------------------------

def _words(text: str) -> int:
    return len(text.split())


def _own_line(evidence: Mapping[str, Any]) -> str:
    """The outcome's own verdict line (``evidence.verdict_line``: a text, or a record with its
    ``text`` and ``readings`` — checks.verdicts' VerdictLine) when it fits VERDICT_LINE_WORDS; a
    longer one shortened to its readings' verdicts; "" when there is none."""
    own = evidence.get("verdict_line")
    if isinstance(own, str):
        return own.strip() if own.strip() and _words(own) <= VERDICT_LINE_WORDS else ""
    if not isinstance(own, Mapping):
        return ""
    text = str(own.get("text", "")).strip()
    if text and _words(text) <= VERDICT_LINE_WORDS:
        return text
    readings = [r for r in own.get("readings", []) if isinstance(r, Mapping)]
    short = "; ".join(f"{r.get('verdict', '')} under “{r.get('reading', '')}”" for r in readings)
    short = short[:1].upper() + short[1:] + "." if short else ""
    return short if short and _words(short) <= VERDICT_LINE_WORDS else ""


def _quoted(readings: list[str]) -> str:
    return " and ".join(f"“{reading}”" for reading in readings)


def verdict_line(claim: Mapping[str, Any]) -> str:
    """The claim's verdict in plain words, at most VERDICT_LINE_WORDS words: the outcome's own line
    when it has one that short (:func:`_own_line`), else one built from the typed evidence —
    how many cases met their requirements, or which readings hold and fail, or what failed."""
    evidence = claim["evidence"]
    if own := _own_line(evidence):
        return own
    parts = evidence.get("parts", {})
    cases = sum(int(p.get("cases", 0)) for p in parts.values())
    verdict = claim["verdict"]
    if verdict == "confirmed":
        return f"Confirmed: all {cases:,} cases in {len(parts)} part{'s' if len(parts) != 1 else ''} met their " \
               "requirements."
    if verdict == "qualified":
        held = [r["reading"] for r in evidence.get("holds_when", [])]
        failed = [r["reading"] for r in evidence.get("fails_when", [])]
        line = f"Qualified: holds when read as {_quoted(held)}; fails when read as {_quoted(failed)}."
        if _words(line) <= VERDICT_LINE_WORDS:
            return line
        return (f"Qualified: holds under {len(held)} reading{'s' if len(held) != 1 else ''} and fails under "
                f"{len(failed)}; the section names them.")
    if verdict == "refuted":
        counter = evidence.get("counterexample") or {}
        part = counter.get("part", "")
        failed_cases = parts.get(part, {}).get("failed", 0)
        of = parts.get(part, {}).get("cases", 0)
        return f"Refuted: {failed_cases:,} of {of:,} cases of part {part} fail; the smallest opens its section."
    undecided = sum(int(p.get("undecided", 0)) for p in parts.values())
    return (f"Inconclusive: {undecided:,} of {cases:,} cases could not be decided; the section says what would "
            "settle it.")


# --- what ran ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class WhatRan:
    """One claim's row of the "What ran" table, read from its evidence (its every case and its coverage)."""

    id: str
    budget: str
    cases: int
    families: tuple[str, ...]
    k: str
    p: str
    runs: str
    not_run: str


def _span(values: list[float]) -> str:
    """The values that ran: each of them when there are at most four ("10, 1,000, ∞"), else the
    range ("2 to 1,000", with "and ∞" when p = ∞ ran too)."""
    if not values:
        return "—"
    finite = sorted({v for v in values if v != math.inf})
    infinite = ["∞"] if math.inf in values else []
    if len(finite) + len(infinite) <= 4:
        return ", ".join([f"{int(v):,}" for v in finite] + infinite)
    return f"{int(finite[0]):,} to {int(finite[-1]):,}" + (" and ∞" if infinite else "")


def _dimension(instance: Mapping[str, Any], name: str, vector: str) -> float | None:
    """k or p of a case's instance: its own field (p may be "inf": p = ∞), else its vector's length."""
    value = instance.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if value in ("inf", math.inf):
        return math.inf
    if isinstance(instance.get(vector), list):
        return len(instance[vector])
    return None


def what_ran(claim: Mapping[str, Any]) -> WhatRan:
    """What ran for ``claim`` (a claims.json record): cases, families, k and p counted from every
    case it kept; GD runs from its coverage, else summed over the cases that count runs; what was
    not run (and why) from its coverage or its lists of skipped instances."""
    evidence = claim["evidence"]
    every = [case for part in evidence.get("parts", {}).values() for case in part.get("all_cases", [])]
    instances = [c.get("instance", {}) for c in every if isinstance(c.get("instance"), dict)]
    families = sorted({str(i["family"]) for i in instances if "family" in i})
    ks = [k for i in instances if (k := _dimension(i, "k", "a_star")) is not None]
    ps = [p for i in instances if (p := _dimension(i, "p", "w_star")) is not None]
    coverage = evidence.get("coverage") or {}
    runs = coverage.get("runs")
    if not isinstance(runs, int):
        counted = [i["runs"] for i in instances if isinstance(i.get("runs"), int) and not isinstance(i["runs"], bool)]
        runs = sum(counted) if counted else None
    not_run = coverage.get("not_run") or ""
    skipped = [key for key, rows in evidence.items() if key.startswith("skipped") or key.endswith("skipped_for_budget")]
    for key in skipped:
        rows = evidence[key]
        if isinstance(rows, list) and rows and not not_run:
            not_run = f"{len(rows)} instance(s) listed under {key.replace('_', ' ')}"
    return WhatRan(claim["id"], coverage.get("budget", ""), len(every), tuple(families), _span(ks), _span(ps),
                   f"{runs:,}" if isinstance(runs, int) else "—", not_run)


# --- figures' data ----------------------------------------------------------------------------

def figure_csv(figure: Mapping[str, Any]) -> str:
    """The data of every series of a figure (its record in the report) as one CSV table: the
    series' number (:func:`figure_legend_csv` names it), then its columns by name."""
    series = figure.get("series", [])
    columns: list[str] = []
    for s in series:
        columns += [c for c in s["columns"] if c not in columns]
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(["series", *columns])
    for number, s in enumerate(series, 1):
        for row in s["rows"]:
            values = dict(zip(s["columns"], row, strict=True))
            writer.writerow([number, *(_csv_number(values.get(c)) for c in columns)])
    return table.getvalue()


def figure_legend_csv(figure: Mapping[str, Any]) -> str:
    """What each series of :func:`figure_csv` is: its number, panel, label and kind, the axes'
    labels, its look, and how many rows it has of the rows drawn."""
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(["series", "panel", "label", "kind", "x axis", "y axis", "colour", "marker", "line style",
                     "rows", "rows drawn"])
    for number, s in enumerate(figure.get("series", []), 1):
        writer.writerow([number, *(_csv_text(str(s.get(key, ""))) for key in
                                   ("panel", "label", "kind", "x_label", "y_label", "colour", "marker", "linestyle")),
                         len(s["rows"]), s.get("drawn_rows", len(s["rows"]))])
    return table.getvalue()


def _csv_text(text: str) -> str:
    """A label for a CSV cell: spreadsheets run a cell that starts with = + - @ as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _csv_number(value: Any) -> str:
    if value is None:
        return ""
    return repr(float(value)) if isinstance(value, (int, float)) else str(value)


def _data_href(text: str) -> str:
    """The CSV inside the link itself (base64: a third larger, where percent-encoding triples it)."""
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")


def thinned_note(figure: Mapping[str, Any]) -> str:
    """What the CSV of ``figure`` leaves out: "" when it holds every row drawn."""
    thinned = [s for s in figure.get("series", []) if s.get("drawn_rows", len(s["rows"])) > len(s["rows"])]
    if not thinned:
        return ""
    kept = sum(len(s["rows"]) for s in thinned)
    drawn = sum(s["drawn_rows"] for s in thinned)
    return (f" ({len(thinned):,} long series thinned evenly, ends kept: {kept:,} of their {drawn:,} points; "
            "the reproducer recomputes every one)")


def _download_name(claim_id: str, index: int, what: str = "data") -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", f"{claim_id}-figure-{index}-{what}.csv")


# --- the mathematics --------------------------------------------------------------------------

@dataclass(frozen=True)
class MathSection:
    """A section of docs/mathematics.md rendered for the page: its anchor, title and HTML."""

    anchor: str
    title: str
    html: str


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a heading (the docs' links use it)."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def referenced_sections(texts: Iterable[str]) -> list[str]:
    """The anchors of docs/mathematics.md that ``texts`` refer to, in first-seen order, after the
    sections every page needs."""
    found = list(_ALWAYS)
    for text in texts:
        for match in _REFERENCE.finditer(text):
            if match.group(1) and match.group(1) not in found:
                found.append(match.group(1))
    return found


def _sections(markdown: str) -> dict[str, tuple[str, int, str]]:
    """{anchor: (title, level, body)} of every heading of ``markdown`` (code blocks skipped); a body
    runs to the next heading of the same or a higher level."""
    lines = markdown.splitlines()
    headings, fenced = [], False
    for number, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (match := re.match(r"(#{1,6}) (.+)", line)):
            headings.append((number, len(match.group(1)), match.group(2).strip()))
    out = {}
    for i, (number, level, title) in enumerate(headings):
        end = next((n for n, lv, _ in headings[i + 1:] if lv <= level), len(lines))
        out[_anchor(title)] = (title, level, "\n".join(lines[number + 1:end]))
    return out


def mathematics_sections(anchors: Iterable[str], source: Path | None = None) -> list[MathSection]:
    """The sections ``anchors`` of docs/mathematics.md as HTML (markdown-it, raw HTML off): links
    to an included section point into the page, every other link becomes its text. Empty when the
    docs are not installed (a wheel without the repository): the page then says where they are."""
    path = source or MATHEMATICS
    try:
        sections = _sections(path.read_text(encoding="utf-8"))
    except OSError:
        return []
    from markdown_it import MarkdownIt  # rich's own dependency: installed with theorycheck
    wanted = [a for a in dict.fromkeys(anchors) if a in sections]
    included = set(wanted)
    # a subsection inside an included section is already there: its links point at its heading
    for anchor in wanted:
        for other, (title, level, _) in sections.items():
            if other not in included and f"\n{'#' * level} {title}" in "\n" + sections[anchor][2]:
                included.add(other)
    render = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

    def link(match: re.Match) -> str:
        target = match.group(2)
        if target.startswith("#") and target[1:] in included:
            return f"[{match.group(1)}](#math-{target[1:]})"
        return match.group(1)
    out = []
    for anchor in wanted:
        title, level, body = sections[anchor]
        body = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", link, body)
        body = re.sub(r"^(#{2,6}) (.+)$", lambda m: f"{m.group(1)} {m.group(2)} {{#math-{_anchor(m.group(2))}}}",
                      body, flags=re.M)
        html = render.render(body)
        # headings inside a section: give them the ids their links point at
        html = re.sub(r"<h(\d)>(.*?) \{#(math-[a-z0-9-]+)\}</h\1>", r'<h\1 id="\3">\2</h\1>', html)
        out.append(MathSection(anchor, title, html))
    return out


# --- the page ---------------------------------------------------------------------------------

_SCIENTIFIC = re.compile(r"\d[\d.,]*e[-+]\d+")


def _unbroken_numbers(escaped: str) -> str:
    """Numbers in scientific notation kept on one line (browsers break "1e-30" after its hyphen)."""
    return _SCIENTIFIC.sub(lambda m: f'<span class="n">{m.group(0)}</span>', escaped)


def _prose(text: Any, included: set[str]) -> markupsafe.Markup:
    """``text`` escaped, its numbers kept whole, and every reference to docs/mathematics.md made a
    link to that section rendered in the page (or, when the page does not hold it, left as text)."""
    escaped = _unbroken_numbers(str(markupsafe.escape(text)))

    def link(match: re.Match) -> str:
        anchor = match.group(1)
        if anchor in included:
            return f'<a href="#math-{anchor}">{match.group(0)}</a>'
        if anchor is None and included:
            return f'<a href="#mathematics">{match.group(0)}</a>'
        return match.group(0)
    return markupsafe.Markup(_REFERENCE.sub(link, escaped))


_HIDDEN_COLUMNS = {"w_star", "a_star", "regenerate", "v", "a"}


def _table_columns(rows: list[dict]) -> list[str]:
    """The columns of an evidence table: scalar fields and proportions (shown with their
    intervals), in first-seen order; nested records and long vectors left out."""
    columns: list[str] = []
    for row in rows:
        for key, value in row.items():
            if key in _HIDDEN_COLUMNS or key in columns or isinstance(value, (dict, list)):
                continue
            columns.append(key)
    return columns


def format_number(x: Any) -> str:
    """One format for every number on the page: 4 significant digits, thousands separated."""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        return f"{x:,.4g}" if 1e-4 <= abs(x) < 1e6 or x == 0 else f"{x:.4g}"
    return str(x)


def _cell(row: dict, column: str) -> str:
    value = row.get(column, "")
    if isinstance(value, Proportion):
        return proportion_text(value, with_counts=False)
    return format_number(value) if value is not None else "—"


def _shared_families(parts: dict) -> list[str] | None:
    """The teacher families when every part lists the same ones (shown once, not per row)."""
    lists = [tuple(part["families"]) for part in parts.values()]
    return list(lists[0]) if lists and lists[0] and len(set(lists)) == 1 else None


def _texts(doc: Mapping[str, Any]) -> Iterable[str]:
    """Every text of the document that may cite the mathematics."""
    for claim in doc["claims"]:
        yield from (str(claim.get(key, "")) for key in ("statement", "reconstruction"))
        yield str(claim["evidence"].get("summary", ""))
        yield str((claim["evidence"].get("coverage") or {}).get("text", ""))
        yield from (str(f.get("caption", "")) for f in claim.get("figures", []))


def render_html(doc: dict[str, Any]) -> str:
    """The HTML page of a report document: one file, nothing outside it."""
    sections = mathematics_sections(referenced_sections(_texts(doc)))
    included = {s.anchor for s in sections}
    env = jinja2.Environment(loader=jinja2.PackageLoader("checks.app", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = lambda x: markupsafe.Markup(_unbroken_numbers(str(markupsafe.escape(format_number(x)))))
    env.filters["table_columns"] = _table_columns
    env.filters["cell"] = lambda row, column: markupsafe.Markup(
        _unbroken_numbers(str(markupsafe.escape(_cell(row, column)))))
    env.filters["shared_families"] = _shared_families
    env.filters["prose"] = lambda text: _prose(text, included)
    env.filters["named_fields"] = named_fields
    env.filters["verdict_line"] = verdict_line
    env.filters["what_ran"] = what_ran
    env.filters["csv_href"] = lambda figure: _data_href(figure_csv(figure))
    env.filters["legend_href"] = lambda figure: _data_href(figure_legend_csv(figure))
    env.filters["csv_name"] = _download_name
    env.filters["thinned_note"] = thinned_note
    return env.get_template("report.html.j2").render(doc=doc, glossary=GLOSSARY, mathematics=sections,
                                                     markup=markupsafe.Markup)
