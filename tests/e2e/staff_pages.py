"""Moderators' and admins' pages as a test drives them: log in, decide, hide areas of photos.

Also what a test reads off the public evidence pages (map status, borough figures, CSV),
so the journeys say what they check rather than how to find it.
"""

from __future__ import annotations

import csv
import io
import re

import pyotp
from playwright.sync_api import BrowserContext, Locator, Page, expect

from hikwatch.evidence.counts import COUNT_KINDS
from tests.e2e.live_server import STAFF_PASSWORD, TOTP_SECRETS
from tests.e2e.submit_page import point

# "Approved as new camera #12 in Westminster." and friends, from the page's flash message.
CAMERA_NUMBER = re.compile(r"camera #(\d+)")


def log_in(page: Page, email: str, password: str = STAFF_PASSWORD) -> None:
    """Log in through the real /login form, and the code page when the account has
    two-factor (admins do); moderators and admins land on the queue."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    if email in TOTP_SECRETS:
        type_code(page, pyotp.TOTP(TOTP_SECRETS[email]).now())
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()


def type_code(page: Page, code: str) -> None:
    """The second step of logging in: the code from the authenticator app."""
    expect(page.get_by_role("heading", name="Type your two-factor code")).to_be_visible()
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Log in").click()


def logged_in_state(context: BrowserContext, email: str) -> dict:
    """Log in once in `context` and return its cookies, for other contexts to start from
    (`make_context(storage_state=...)`): a login per page would only slow the suite."""
    page = context.new_page()
    log_in(page, email)
    state = context.storage_state()
    page.close()
    return state


def flash_message(page: Page) -> str:
    """The success message a decision leaves at the top of the next page."""
    message = page.locator("main > .alert-success").first
    expect(message).to_be_visible()
    return message.inner_text().strip()


def camera_number_in(message: str) -> int:
    found = CAMERA_NUMBER.search(message)
    assert found, f"No camera number in {message!r}"
    return int(found.group(1))


def waiting_line(page: Page) -> Locator:
    """The queue's "N camera reports and M removal reports waiting." line."""
    return page.locator("#waiting")


def queue_item(page: Page, reference: str) -> Locator:
    return page.locator(".queue-item", has_text=reference)


def drag_across(
    page: Page,
    target: Locator,
    start: tuple[float, float],
    end: tuple[float, float],
    *,
    touch: bool,
    steps: int = 10,
) -> None:
    """Slide a finger (or, on a desktop, the mouse with its button held) across `target`
    from `start` to `end`, each a fraction (x, y) of the element's width and height."""
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    assert box, "The element to drag on is not on screen"
    (x0, y0), (x1, y1) = (
        (box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in (start, end)
    )
    if not touch:
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move(x1, y1, steps=steps)
        page.mouse.up()
        return
    # Real touch events through the DevTools protocol, as in submit_page.touch_drag; the
    # browser turns them into the pointer events redact.js listens to.
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point(x0, y0)]})
        for step in range(1, steps + 1):
            moved = point(x0 + (x1 - x0) * step / steps, y0 + (y1 - y0) * step / steps)
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [moved]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    finally:
        cdp.detach()


def redaction_rows(page: Page) -> list[dict[str, str]]:
    """The redaction form's filled rows: the boxes as the form will send them."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll("[data-rows] [data-row]"))
            .map(row => ({x: row.querySelector("[data-x]").value,
                          y: row.querySelector("[data-y]").value,
                          w: row.querySelector("[data-w]").value,
                          h: row.querySelector("[data-h]").value,
                          mode: row.querySelector("[data-mode]").value}))
            .filter(row => row.x !== "")"""
    )


# ---------- the public evidence, as a campaigner reads it ----------


def map_status(page: Page) -> Locator:
    """The line under a camera map saying how many cameras it shows."""
    return page.locator("#map-status")


def borough_figure(page: Page, kind: str) -> Locator:
    """One of the borough page's figures (verified, council_operated, unconfirmed, removed)."""
    label = page.locator(".figure-label", has_text=COUNT_KINDS[kind].label)
    card = page.locator(".figure-card", has=label)
    return card.first.locator(".figure-number")


def csv_data_rows(text: str) -> list[dict[str, str]]:
    """The rows of an export, by the header on its first line."""
    return list(csv.DictReader(io.StringIO(text)))
