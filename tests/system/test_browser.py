
"""The report in a real browser: headless Chromium (Debian's, driven by Playwright) renders the
page; every claim section and every figure must be present and visible, every figure titled,
captioned and with labelled axes, no two tick labels of an axis may overlap; the page must fit a
1280 px screen without a horizontal scrollbar and print to A4 with figures at the text width. A
full-page screenshot is saved in the test's temporary
folder, and copied into $THEORYCHECK_ARTIFACTS when that is set (.ci/run keeps it as an artifact);
no test writes into the user's reports/.

Skipped, with the reason, only where Chromium or Playwright is not installed (.ci/run installs
both).
"""

import itertools
import os
import re
import shutil
from pathlib import Path

import pytest

from checks import claims as catalogue

# The rendered page in a real browser: the slow group (pyproject.toml), run by .ci/run.
pytestmark = pytest.mark.slow


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH (Debian package 'chromium'; .ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.mark.xdist_group("quick-report")
def test_every_claim_and_figure_is_visible_in_chromium(browser, quick_report, tmp_path):
    _, report_path, _ = quick_report
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto((report_path / "index.html").as_uri())
    assert page.title().startswith("theorycheck")
    assert page.locator("#summary").is_visible()
    for claim in catalogue.all_claims():
        section = page.locator(f"#claim-{claim.id}")
        assert section.count() == 1 and section.is_visible(), claim.id
        assert section.locator(".verdict").first.is_visible()
        assert claim.id in section.locator("code").last.inner_text()  # the reproducer
    figures = page.locator("figure svg")
    assert figures.count() >= len(catalogue.all_claims())    # every claim has at least one figure
    for i in range(figures.count()):
        figure = figures.nth(i)
        figure.scroll_into_view_if_needed()
        box = figure.bounding_box()
        assert figure.is_visible() and box and box["width"] > 200 and box["height"] > 150
    assert all(url.startswith("file:") for url in requests), "the page must not touch the network"
    page.goto((report_path / "index.html").as_uri())
    screenshot = tmp_path / "screenshot.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
    if os.environ.get("THEORYCHECK_ARTIFACTS"):   # asked for by CI, never by default
        Path(os.environ["THEORYCHECK_ARTIFACTS"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, Path(os.environ["THEORYCHECK_ARTIFACTS"]) / "screenshot.png")
    page.close()


@pytest.mark.xdist_group("quick-report")
def test_every_figure_has_a_title_axis_labels_and_a_caption(browser, quick_report):
    _, tmp_path, _ = quick_report
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((tmp_path / "index.html").as_uri())
    figures = page.locator("figure")
    assert figures.count() >= len(catalogue.all_claims())
    for i in range(figures.count()):
        figure = figures.nth(i)
        title = figure.locator("figcaption b").inner_text().strip(" .")
        caption = figure.locator("figcaption").inner_text()
        assert title and len(caption) > len(title) + 20, caption
        described = figure.locator("svg").get_attribute("aria-label")
        assert described.startswith(title), (title, described)
        axes = described[len(title):].split(" | ")
        assert axes and all("x: " in a and "; y: " in a for a in axes if not a.startswith("colour: ")), described
    page.close()


@pytest.mark.xdist_group("quick-report")
def test_the_page_fits_a_laptop_screen_and_prints(browser, quick_report, tmp_path):
    _, report_path, _ = quick_report
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((report_path / "index.html").as_uri())
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"horizontal scrollbar at 1280 px ({overflow} px too wide)"
    page.emulate_media(media="print")
    pdf = page.pdf(path=str(tmp_path / "report.pdf"), format="A4", print_background=True)
    assert pdf[:5] == b"%PDF-" and len(pdf) > 100_000
    # printed, every figure keeps most of the A4 text width (≈ 720 px) rather than shrinking
    page.set_viewport_size({"width": 794, "height": 1123})
    widths = page.evaluate("[...document.querySelectorAll('figure svg')].map(s => s.getBoundingClientRect().width)")
    body = page.evaluate("document.body.getBoundingClientRect().width")
    assert min(widths) >= 0.9 * body - 40, (min(widths), body)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.close()


# For every word of every table cell: the pieces it is laid out in (one piece when it is not broken).
WORD_PIECES = """() => {
  const out = [];
  for (const cell of document.querySelectorAll('th, td')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const words = /\\S+/g; let m;
      while ((m = words.exec(node.data)) !== null) {
        const pieces = []; let top = null;
        for (let i = 0; i < m[0].length; i++) {
          const range = document.createRange();
          range.setStart(node, m.index + i); range.setEnd(node, m.index + i + 1);
          const rect = range.getClientRects()[0];
          if (!rect) continue;
          if (top === null || Math.round(rect.top) !== top) pieces.push('');
          pieces[pieces.length - 1] += m[0][i]; top = Math.round(rect.top);
        }
        if (pieces.length > 1) out.push([cell.tagName, pieces]);
      }
    }
  }
  return out;
}"""


NUMBER = re.compile(r"^[(\[]?[-−+]?[\d.,]*\d(e[-+]\d+)?[)\],;]*$")


@pytest.mark.xdist_group("quick-report")
def test_table_cells_wrap_at_word_boundaries_only(browser, quick_report):
    """At 1280 px (evidence tables open): no header breaks inside a word, no number breaks at all,
    and a word of a cell breaks only after a hyphen, dash or slash, or before punctuation or an opening
    parenthesis (κ* | (k, r)) —
    never letter by letter ("ca/se/s", 110 as "11/0" before)."""
    _, report_path, _ = quick_report
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((report_path / "index.html").as_uri())
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    broken = page.evaluate(WORD_PIECES)
    page.close()
    headers = [pieces for tag, pieces in broken if tag == "TH"]
    assert not headers, f"table headers broken inside a word: {headers[:10]}"
    numbers = [pieces for _, pieces in broken if NUMBER.match("".join(pieces))]
    assert not numbers, f"numbers broken across lines: {numbers[:10]}"
    inside = [pieces for _, pieces in broken
              if any(not (a[-1] in "-‐–—/|" or b[0] in ",;:)](") for a, b in itertools.pairwise(pieces))]
    assert not inside, f"words broken between letters: {inside[:10]}"


# Pairs of tick labels of one axis whose rendered boxes overlap. matplotlib writes each tick label
# as a group of glyph paths inside its tick's group, so the browser's boxes are the drawn text's.
TICK_OVERLAPS = """() => {
  const out = []; let axes = 0;
  for (const svg of document.querySelectorAll('svg[role="img"]')) {
    const title = (svg.getAttribute('aria-label') || '').split('. x:')[0];
    for (const axis of svg.querySelectorAll('g[id^="matplotlib.axis"]')) {
      axes += 1;
      const labels = ':scope > g[id^="xtick"] > g[id^="text"], :scope > g[id^="ytick"] > g[id^="text"]';
      const boxes = [...axis.querySelectorAll(labels)]
        .map(t => t.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0);
      for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const r = boxes[i], s = boxes[j];
        const dx = Math.min(r.right, s.right) - Math.max(r.left, s.left);
        const dy = Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top);
        if (dx > 0.5 && dy > 0.5) out.push([title, axis.id, i, j]);
      }
    }
  }
  return [axes, out];
}"""


@pytest.mark.xdist_group("quick-report")
def test_tick_labels_never_overlap(browser, quick_report):
    _, report_path, _ = quick_report
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((report_path / "index.html").as_uri())
    axes, overlaps = page.evaluate(TICK_OVERLAPS)
    page.close()
    assert axes >= 2 * len(catalogue.all_claims())      # the tick groups were found
    assert not overlaps, f"tick labels that overlap (figure, axis, labels): {overlaps[:10]}"


def test_overlapping_tick_labels_are_found_in_the_browser(browser, tmp_path):
    from checks.figures.render import new_figure, to_figure
    fig, axes = new_figure(width=2.0)
    axes[0, 0].plot([300, 400], [1, 2])
    axes[0, 0].set_xticks([300, 301, 302], ["three hundred", "three hundred one", "302"])
    axes[0, 0].set_xlabel("x")
    axes[0, 0].set_ylabel("y")
    (tmp_path / "f.html").write_text(f"<html><body>{to_figure(fig, 'Crowded', 'ticks').svg}</body></html>",
                                     encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((tmp_path / "f.html").as_uri())
    _, overlaps = page.evaluate(TICK_OVERLAPS)
    page.close()
    assert overlaps and overlaps[0][0] == "Crowded"
