"""Screenshots of every main page at phone and desktop size, for reviewing the design.

Starts its own throwaway Hikwatch server (a fresh migrated SQLite database with pending
reports, cameras, a removal report, a motion and a snapshot, as tests/e2e/evidence_data.py
seeds them), drives Debian's Chromium through the public pages and, logged in as a moderator
or an admin, the staff pages, and writes full-page PNGs into screenshots/ (git-ignored),
printing each path.

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
# hikwatch is installed; the browser-test helpers below are not (tests/ is no package to
# install), so they are imported from this checkout.
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from tests.e2e.browser import DEVICES, ChromiumMissing, launch_chromium, new_context  # noqa: E402
from tests.e2e.evidence_data import Evidence, seed_evidence  # noqa: E402
from tests.e2e.live_server import live_server, seed_report  # noqa: E402
from tests.e2e.staff_pages import logged_in_state  # noqa: E402
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


def show_box_being_drawn(path: str) -> Callable[[Page], None]:
    """A report's page with one area marked to hide, not yet saved."""

    def open_page(page: Page) -> None:
        page.goto(path, wait_until="networkidle")
        page.get_by_role("button", name="Draw boxes on the photo").click()
        row = page.locator("[data-rows] [data-row]").first
        for key, value in (("x", "35"), ("y", "20"), ("w", "30"), ("h", "15")):
            row.locator(f"[data-{key}]").fill(value)
        row.locator("[data-h]").press("Tab")
        page.evaluate("window.scrollTo(0, 0)")

    return open_page


def load_lazy_images(page: Page) -> None:
    """A full-page screenshot does not scroll, so images below the fold that load lazily
    would stay blank: load them all first."""
    page.evaluate(
        """() => document.querySelectorAll("img[loading=lazy]")
                     .forEach(img => { img.loading = "eager"; })"""
    )
    page.wait_for_function("() => Array.from(document.images).every(img => img.complete)")


def pages_to_capture(reference: str, e: Evidence) -> dict[str, tuple[str | None, Callable]]:
    """File name → (who is logged in: None, "moderator" or "admin"; how to bring the page
    into the state worth looking at)."""
    public = {
        "home": show("/"),
        "submit": show("/submit"),
        "submit-photo-uploaded": show_uploaded_photo,
        "submit-outside-london": show_pin_outside_london,
        "submit-sent": show_report_sent,
        "about": show("/about"),
        "track-just-submitted": show(f"/track/{reference}?submitted=1"),
        "track": show(f"/track/{reference}"),
        "not-found": show("/no-such-page"),
        "boroughs": show("/boroughs"),
        "borough": show(f"/boroughs/{e.borough_slug}"),
        "borough-cameras": show(f"/boroughs/{e.borough_slug}/cameras?count=verified"),
        "pack": show(f"/boroughs/{e.borough_slug}/pack"),
        "camera": show(f"/cameras/{e.camera_id}"),
        "report-removal": show(f"/cameras/{e.camera_id}/report-removal"),
        "removal-status": show(f"/removal-reports/{e.removal_reference}"),
        "methodology": show("/methodology"),
        "snapshots": show("/snapshots"),
        "snapshot": show(f"/snapshots/{e.snapshot_name}"),
        "snapshot-borough": show(f"/snapshots/{e.snapshot_name}/{e.borough_slug}"),
        "login": show("/login"),
    }
    staff = {
        "moderate-queue": ("moderator", show("/moderate/")),
        "moderate-queue-removals": ("moderator", show("/moderate/?tab=removals")),
        "moderate-report": ("moderator", show(f"/moderate/sightings/{e.pending_sighting_id}")),
        "moderate-report-hiding-area": (
            "moderator",
            show_box_being_drawn(f"/moderate/sightings/{e.pending_sighting_id}"),
        ),
        "moderate-cameras": ("moderator", show("/moderate/cameras/")),
        "moderate-camera": ("moderator", show(f"/moderate/cameras/{e.camera_id}")),
        "moderate-photo": ("moderator", show(f"/moderate/photos/{e.photo_id}")),
        "moderate-removal": ("moderator", show(f"/moderate/removals/{e.removal_report_id}")),
        "admin-users": ("admin", show("/admin/users")),
        "admin-audit": ("admin", show("/admin/audit")),
        "admin-campaign": ("admin", show(f"/admin/boroughs/{e.borough_slug}/campaign")),
        "admin-snapshots": ("admin", show("/snapshots")),
    }
    return {**{name: (None, bring_up) for name, bring_up in public.items()}, **staff}


def capture(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with (
        tempfile.TemporaryDirectory(prefix="hikwatch-screenshots-") as folder,
        live_server(Path(folder)) as server,
        sync_playwright() as playwright,
    ):
        reference = seed_report(server.app)
        evidence = seed_evidence(server.app)
        pages = pages_to_capture(reference, evidence)
        browser = launch_chromium(playwright)
        try:
            # Log in once through /login for each role; each staff page starts from its cookies.
            logins = {}
            for role, email in (("moderator", evidence.moderator), ("admin", evidence.admin)):
                context = new_context(browser, server.url, DEVICES["phone"])
                logins[role] = logged_in_state(context, email)
                context.close()
            for device_name, device in DEVICES.items():
                for number, (name, (who, bring_up)) in enumerate(pages.items()):
                    # A fresh context per page, so an earlier upload never shows in a later one.
                    state = logins[who] if who else None
                    context = new_context(browser, server.url, device, storage_state=state)
                    page = context.new_page()
                    bring_up(page)
                    load_lazy_images(page)
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
