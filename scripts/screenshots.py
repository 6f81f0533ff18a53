"""Screenshots of every main page at phone and desktop size, for reviewing the design.

Starts its own throwaway Hikwatch server (a fresh migrated SQLite database, one seeded
report so a tracking page has something to show), drives Debian's Chromium through the
pages, and writes full-page PNGs into screenshots/ (git-ignored), printing each path.

    make screenshots
    .venv/bin/python scripts/screenshots.py --out /tmp/shots
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from tests.e2e.browser import DEVICES, ChromiumMissing, launch_chromium, new_context  # noqa: E402
from tests.e2e.live_server import live_server, seed_report  # noqa: E402
from tests.e2e.submit_page import SubmitPage  # noqa: E402

WATFORD = (51.6565, -0.3903)


def show(path: str) -> Callable[[Page], None]:
    def open_page(page: Page) -> None:
        page.goto(path, wait_until="networkidle")

    return open_page


def show_uploaded_photo(page: Page) -> None:
    submit = SubmitPage(page).open()
    submit.upload("big_ben.jpg")
    expect(submit.borough).to_contain_text("Westminster")


def show_pin_outside_london(page: Page) -> None:
    submit = SubmitPage(page).open()
    submit.upload("with-null-coordinates.jpg")
    submit.type_coordinates(*WATFORD)
    expect(submit.borough).to_contain_text("Outside London")
    submit.send_button.click()
    expect(submit.errors).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")


def show_report_sent(page: Page) -> None:
    show_uploaded_photo(page)
    SubmitPage(page).send()


def pages_to_capture(reference: str) -> dict[str, Callable[[Page], None]]:
    """File name → how to bring the page into the state worth looking at."""
    return {
        "home": show("/"),
        "submit": show("/submit"),
        "submit-photo-uploaded": show_uploaded_photo,
        "submit-outside-london": show_pin_outside_london,
        "submit-sent": show_report_sent,
        "about": show("/about"),
        "track-just-submitted": show(f"/track/{reference}?submitted=1"),
        "track": show(f"/track/{reference}"),
        "not-found": show("/no-such-page"),
    }


def capture(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with (
        tempfile.TemporaryDirectory(prefix="hikwatch-screenshots-") as folder,
        live_server(Path(folder)) as server,
        sync_playwright() as playwright,
    ):
        reference = seed_report(server.app)
        browser = launch_chromium(playwright)
        try:
            for device_name, device in DEVICES.items():
                for number, (name, bring_up) in enumerate(pages_to_capture(reference).items()):
                    # A fresh context per page, so an earlier upload never shows in a later one.
                    context = new_context(browser, server.url, device)
                    page = context.new_page()
                    bring_up(page)
                    path = out / f"{device_name}-{number + 1:02d}-{name}.png"
                    page.screenshot(path=str(path), full_page=True)
                    context.close()
                    written.append(path)
                    print(path, flush=True)
        finally:
            browser.close()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots", help="folder for PNGs")
    args = parser.parse_args()
    try:
        capture(args.out)
    except ChromiumMissing as missing:
        print(missing, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
