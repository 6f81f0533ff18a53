"""Two moderators on the same report in real browsers: the second sees who holds it, and
sees it come free within seconds of its release, without reloading. Removal reports are
locked like camera reports. The audit trail reads as sentences."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.accessibility import assert_accessible
from tests.e2e.browser import DESKTOP
from tests.e2e.evidence_data import report_removal, seed_camera
from tests.e2e.live_server import LiveServer, create_account, seed_report, stored_sighting
from tests.e2e.staff_pages import log_in

pytestmark = pytest.mark.e2e


def two_moderators(
    make_context: Callable[..., BrowserContext], server: LiveServer, name: str
) -> tuple[Page, Page, str]:
    first_email = create_account(server.app, f"{name}-first@example.org")
    second_email = create_account(server.app, f"{name}-second@example.org")
    first = make_context(DESKTOP).new_page()
    log_in(first, first_email)
    second = make_context(DESKTOP).new_page()
    log_in(second, second_email)
    return first, second, first_email


def follow_a_release(first: Page, second: Page, url: str, holder: str) -> None:
    """The first opens the report, the second sees it taken; the first releases it and the
    second's open page takes it, decision controls and all."""
    first.goto(url)
    expect(first.locator("#claim-status")).to_contain_text("You are checking this report")
    second.goto(url)
    claim = second.locator("#claim-status")
    expect(claim).to_contain_text(f"Being checked by {holder}")
    expect(second.locator(".decision-set")).to_have_js_property("disabled", True)
    expect(second.locator("[data-claim-release]")).to_be_hidden()
    assert_accessible(second)

    first.get_by_role("button", name="Release it to the queue").click()
    # Polled every few seconds: no reload on the second page.
    expect(claim).to_contain_text("You are checking this report")
    expect(second.locator(".decision-set")).to_have_js_property("disabled", False)
    expect(second.locator("[data-claim-release]")).to_be_visible()
    expect(second.locator("[data-claim-blocked]")).to_be_hidden()
    assert_accessible(second)


def test_a_camera_report_released_elsewhere_comes_free_on_the_open_page(
    make_context: Callable[..., BrowserContext], server: LiveServer
):
    first, second, holder = two_moderators(make_context, server, "claims")
    reference = seed_report(server.app)
    sighting_id = stored_sighting(server.app, reference)["id"]
    follow_a_release(first, second, f"/moderate/sightings/{sighting_id}", holder)
    # The first moderator, looking again, now sees the second holding it.
    first.goto(f"/moderate/sightings/{sighting_id}")
    expect(first.locator("#claim-status")).to_contain_text("Being checked by claims-second@")


def test_a_removal_report_is_locked_and_released_the_same_way(
    make_context: Callable[..., BrowserContext], server: LiveServer
):
    first, second, holder = two_moderators(make_context, server, "removals")
    camera_id = seed_camera(server.app, holder)
    report_id, _reference = report_removal(server.app, camera_id)
    follow_a_release(first, second, f"/moderate/removals/{report_id}", holder)
    second.get_by_role("button", name=f"Confirm: camera #{camera_id} is removed").click()
    expect(second.locator("main > .alert-success")).to_contain_text("Confirmed")


def test_the_audit_trail_reads_as_sentences(
    make_context: Callable[..., BrowserContext], server: LiveServer
):
    admin_email = create_account(server.app, "audit-admin@example.org", role="admin")
    camera_id = seed_camera(server.app, admin_email)
    page = make_context(DESKTOP).new_page()
    log_in(page, admin_email)
    page.goto("/admin/audit?claims=1")
    first_event = page.locator(".audit-event").filter(has_text=f"created camera #{camera_id}")
    expect(first_event).to_contain_text(f"{admin_email} created camera #{camera_id}.")
    first_event.locator("summary").first.click()
    expect(first_event.locator(".audit-changes")).to_contain_text("Council: street CCTV")
    assert_accessible(page)
