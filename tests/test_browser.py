"""The report in a real browser: headless Chromium (Debian's, driven by Playwright) renders the
page; every claim section and every figure must be present and visible. A full-page screenshot
is saved as reports/screenshot.png (a CI artifact).

Skipped, with the reason, only where Chromium or Playwright is not installed (.ci/run installs
both).
"""

import shutil
from pathlib import Path

import pytest

from checks import registry

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOT = Path(__file__).resolve().parent.parent / "reports" / "screenshot.png"
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
def test_every_claim_and_figure_is_visible_in_chromium(browser, quick_report):
    _, tmp_path, _ = quick_report
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto((tmp_path / "index.html").as_uri())
    assert page.title().startswith("theorycheck")
    assert page.locator("#summary").is_visible()
    for claim in registry.all_claims():
        section = page.locator(f"#claim-{claim.id}")
        assert section.count() == 1 and section.is_visible(), claim.id
        assert section.locator(".verdict").first.is_visible()
        assert claim.id in section.locator("code").last.inner_text()  # the reproducer
    figures = page.locator("figure svg")
    assert figures.count() >= 7
    for i in range(figures.count()):
        figure = figures.nth(i)
        figure.scroll_into_view_if_needed()
        box = figure.bounding_box()
        assert figure.is_visible() and box and box["width"] > 200 and box["height"] > 150
    assert all(url.startswith("file:") for url in requests), "the page must not touch the network"
    page.goto((tmp_path / "index.html").as_uri())
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000
    page.close()
