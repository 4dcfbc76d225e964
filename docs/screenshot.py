"""Regenerate docs/report-screenshot.png, the README's picture of the report, from a report folder.

    python docs/screenshot.py [REPORT_DIR]      # default: reports/ (write it with `theorycheck report`)

Opens REPORT_DIR/index.html in Chromium (playwright, as tests/system/test_browser.py does) at a
laptop's width, saves the top of the page, and writes docs/report-screenshot.json beside it with the
verdict counts, budget, seed and commit of the report it shows: tests/unit/test_docs.py checks those
counts against the README's words, and the quick report's counts against them (the picture can then
not show other counts than the text without a test failing).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
PICTURE, RECORD = DOCS / "report-screenshot.png", DOCS / "report-screenshot.json"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def main(folder: Path) -> None:
    """Take the screenshot of ``folder``'s report and record what it shows."""
    from playwright.sync_api import sync_playwright  # the test extra's; only this script needs it
    doc = json.loads((folder / "claims.json").read_text(encoding="utf-8"))
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.goto((folder / "index.html").resolve().as_uri())
        page.screenshot(path=str(PICTURE))
        browser.close()
    environment = doc["environment"]
    RECORD.write_text(json.dumps({"counts": doc["summary"]["counts"], "budget": environment["budget"],
                                  "seed": environment["seed"], "git_commit": environment["git_commit"]},
                                 indent=2) + "\n", encoding="utf-8")
    print(f"wrote {PICTURE} and {RECORD}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("reports"))
