"""An admin sets up two-factor at their first login with a code generated as their phone's
app would, keeps the recovery codes, and logs in again with a fresh code; every page on
the way passes axe. The QR code is drawn in the page, so the strict CSP holds throughout."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pyotp
import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.accessibility import assert_accessible
from tests.e2e.browser import DESKTOP
from tests.e2e.live_server import STAFF_PASSWORD, LiveServer, create_account
from tests.e2e.staff_pages import type_code

pytestmark = pytest.mark.e2e

EMAIL = "new-admin@example.org"


def test_an_admin_enrols_at_first_login_and_logs_in_again_with_a_code(
    make_context: Callable[..., BrowserContext], server: LiveServer
):
    create_account(server.app, EMAIL, "admin", two_factor=False)
    page = make_context(DESKTOP).new_page()
    page.goto("/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # The set-up page: a QR code drawn in the page, and the key to type by hand.
    expect(page.get_by_role("heading", name="Set up two-factor login")).to_be_visible()
    qr = page.get_by_role("img", name=re.compile("QR code to add new-admin@example.org"))
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 150
    assert_accessible(page)
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    app = pyotp.TOTP(secret)
    page.get_by_label("Code").fill(app.now())
    page.get_by_role("button", name="Turn on two-factor").click()

    # Ten recovery codes, shown once.
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator(".recovery-codes code")
    expect(codes).to_have_count(10)
    assert_accessible(page)
    page.get_by_role("link", name="I have saved them: continue").click()
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()

    # The account page says two-factor is on.
    page.get_by_role("link", name="Two-factor login").click()
    expect(page.get_by_text("You have 10 unused recovery codes.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()

    # Logging in again takes the password and then a fresh code. The code used to enrol
    # works once, so the phone's next one (accepted a step early: clocks drift) is typed.
    page.goto("/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Type your two-factor code")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    type_code(page, app.at(time.time() + 30))
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()
    expect(page.get_by_role("link", name="Admin")).to_be_visible()
