"""Issue 27's page, read from the quick report: a verdict line of at most 40 words per claim, every
symbol of the summary in the glossary, no link that breaks when the file is moved, every figure's
data as CSV (series that the legend tells apart drawn apart), every case kept in claims.json, and
"What ran" counted from what ran."""

import base64
import csv
import io
import json
import re
import urllib.parse

import pytest

from checks.app import page
from checks.figures.render import look_alike_series
from checks.verdicts.outcome import Series

pytestmark = pytest.mark.xdist_group("quick-report")


@pytest.fixture(scope="module")
def built(quick_report):
    _, out, _ = quick_report
    return json.loads((out / "claims.json").read_text()), (out / "index.html").read_text()


def _summary_lines(html: str) -> list[str]:
    summary = html[html.index('<section id="summary">'):html.index("</section>")]
    return [re.sub(r"<[^>]+>", "", line) for line in re.findall(r'<p class="verdict-line">(.*?)</p>', summary)]


def test_every_verdict_line_of_the_summary_has_at_most_40_words(built):
    doc, html = built
    lines = _summary_lines(html)
    assert len(lines) == len(doc["claims"])
    assert all(0 < len(line.split()) <= page.VERDICT_LINE_WORDS for line in lines), lines


# symbols the summary's lines may use; each must be defined in the glossary
_SYMBOLS = ("k", "p", "r", "r_b", "r/r_b", "κ", "κ*", "η", "φ", "ℓ", "T₁", "w*", "a*", "1ᵀa*", "v₀", "a₀", "p = ∞")


def test_every_symbol_and_family_the_summary_uses_is_in_the_glossary(built):
    doc, html = built
    defined = page.glossary_terms()
    text = " ".join(_summary_lines(html))
    used = {s for s in _SYMBOLS if re.search(rf"(?<![\w*/]){re.escape(s)}(?![\w*/₀])", text)}
    assert used <= defined, used - defined
    families = {f for claim in doc["claims"] for part in claim["evidence"].get("parts", {}).values()
                for f in part.get("families", [])}
    assert families <= defined, families - defined


def test_the_page_has_no_link_that_breaks_when_it_is_moved(built):
    _, html = built
    targets = re.findall(r'(?:href|src)="([^"]*)"', html)
    assert targets
    # in-page anchors, the figures' data (CSV) and matplotlib's embedded images: all inside the file
    outside = [t for t in targets if not t.startswith(("#", "data:text/csv", "data:image/png"))]
    assert outside == []
    ids = set(re.findall(r'id="([^"]+)"', html))
    assert {t[1:] for t in targets if t.startswith("#")} <= ids    # every in-page link lands


def _data(href: str) -> list[list[str]]:
    head, _, payload = href.partition(",")
    text = base64.b64decode(payload).decode() if head.endswith(";base64") else urllib.parse.unquote(payload)
    return list(csv.reader(io.StringIO(text)))


def test_every_figure_has_its_data_as_csv_and_the_csv_is_the_figures_series(built):
    doc, html = built
    figures = [f for claim in doc["claims"] for f in claim["figures"]]
    links = re.findall(r'<a download="[^"]*-data\.csv" href="([^"]+)"', html)
    assert len(links) == len(figures)
    for figure, link in zip(figures, links, strict=True):
        rows = _data(link)
        assert rows[0][0] == "series" and len(rows) - 1 == sum(len(s["rows"]) for s in figure["series"])
        assert figure["series"], figure["title"]


def test_no_two_series_a_legend_tells_apart_look_alike(built):
    doc, _ = built
    for claim in doc["claims"]:
        for figure in claim["figures"]:
            series = [Series(**{**s, "columns": tuple(s["columns"]), "rows": ()}) for s in figure["series"]]
            assert look_alike_series(series) == [], (claim["id"], figure["title"])


def test_look_alike_series_are_found():
    a = Series("panel", "k = 2", "line", "x", "y", ("x", "y"), (), "#000000", "o", "-")
    assert look_alike_series([a, Series("panel", "k = 3", "line", "x", "y", ("x", "y"), (), "#000000", "o", "-")])
    assert not look_alike_series([a, Series("panel", "k = 3", "line", "x", "y", ("x", "y"), (), "#000000", "s",
                                            "-")])
    assert not look_alike_series([a, Series("other", "k = 3", "line", "x", "y", ("x", "y"), (), "#000000", "o",
                                            "-")])


def test_claims_json_keeps_every_case(built):
    doc, _ = built
    for claim in doc["claims"]:
        for name, part in claim["evidence"].get("parts", {}).items():
            assert len(part["all_cases"]) == part["cases"], (claim["id"], name)


def test_what_ran_is_counted_from_the_cases_that_ran(built):
    doc, html = built
    section = html[html.index('<section id="what-ran">'):]
    section = section[:section.index("</section>")]
    for claim in doc["claims"]:
        ran = page.what_ran(claim)
        cases = sum(p["cases"] for p in claim["evidence"].get("parts", {}).values())
        assert ran.cases == cases
        assert f'href="#claim-{claim["id"]}">{claim["id"]}</a></td><td>{ran.budget}</td><td>{cases:,}</td>' in section
