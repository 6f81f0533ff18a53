"""Repairing the counts in a real browser: a moderator warned about a near-duplicate forces
it, then merges it back; an admin retracts a camera recorded in error and undoes it. The
changed pages stay clean under axe."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.accessibility import assert_accessible
from tests.e2e.browser import DESKTOP, PHONE
from tests.e2e.evidence_data import seed_camera
from tests.e2e.live_server import LiveServer, create_account, live_server, seed_report
from tests.e2e.staff_pages import (
    borough_figure,
    camera_number_in,
    flash_message,
    log_in,
    queue_item,
)

pytestmark = pytest.mark.e2e

TOWER_HAMLETS = (51.5194, -0.0612)
CANARY_WHARF = (51.5054, -0.0235)
TEN_METRES_AWAY = (51.51949, -0.0612)


@pytest.fixture
def server(tmp_path: Path, migrated_database: Path) -> Iterator[LiveServer]:
    """A server of each journey's own: they count every camera they make."""
    with live_server(tmp_path / "live-server", migrated_database) as running:
        yield running


def tower_hamlets_verified(page: Page) -> str:
    page.goto("/boroughs/tower-hamlets")
    return borough_figure(page, "verified").inner_text()


def test_a_near_duplicate_is_warned_forced_and_merged_back(
    make_context: Callable[..., BrowserContext], server: LiveServer
):
    moderator = create_account(server.app, "moderator@example.org")
    known = seed_camera(server.app, moderator, TOWER_HAMLETS)
    seed_camera(server.app, moderator, CANARY_WHARF, "newyear_london.jpg")
    reference = seed_report(
        server.app, lat=TEN_METRES_AWAY[0], lon=TEN_METRES_AWAY[1], location_source="map"
    )
    public = make_context(PHONE).new_page()
    assert tower_hamlets_verified(public) == "2"

    page = make_context(DESKTOP).new_page()
    log_in(page, moderator)
    queue_item(page, reference).click()
    warning = page.locator("#duplicate-check")
    expect(warning).to_contain_text(f"camera #{known}")
    expect(warning).to_contain_text("10 m")
    page.locator("#approve-brand_verified").check()
    page.locator("button", has_text="Approve as a new camera").click()
    expect(page.get_by_role("alert")).to_contain_text("Known cameras lie within 30 m")
    expect(page.locator("#duplicate-check")).to_contain_text(f"camera #{known}")
    assert_accessible(page)
    assert tower_hamlets_verified(public) == "2"

    # The moderator is sure: another camera on the same wall.
    page.get_by_label("This is a different camera from the known ones listed").check()
    page.locator("button", has_text="Approve as a new camera").click()
    approved = flash_message(page)
    assert "in Tower Hamlets" in approved
    duplicate = camera_number_in(approved)
    assert tower_hamlets_verified(public) == "3"

    # On second look it is the same camera: merged back from its record.
    page.goto(f"/moderate/cameras/{duplicate}")
    page.get_by_role("button", name=f"Merge #{duplicate} into #{known}").click()
    assert flash_message(page) == f"Camera #{duplicate} merged into camera #{known}."
    expect(page.locator("#merged-note")).to_contain_text(f"camera #{known}")
    assert_accessible(page)
    assert tower_hamlets_verified(public) == "2"
    assert_accessible(public)

    public.goto(f"/cameras/{duplicate}")
    expect(public).to_have_url(f"{server.url}/cameras/{known}")
    expect(public.get_by_role("heading", level=1)).to_contain_text(f"Camera {known}")
    expect(public.locator(".history")).to_contain_text("was merged into this one")
    assert_accessible(public)


def test_an_admin_retracts_a_camera_and_undoes_it(
    make_context: Callable[..., BrowserContext], server: LiveServer
):
    admin = create_account(server.app, "admin@example.org", "admin")
    camera_id = seed_camera(server.app, admin)
    public = make_context(PHONE).new_page()
    public.goto("/boroughs/westminster")
    expect(borough_figure(public, "verified")).to_have_text("1")

    page = make_context(PHONE).new_page()
    log_in(page, admin)
    page.goto(f"/moderate/cameras/{camera_id}")
    reason = "The photo shows a camera in Kent, placed here by mistake."
    page.get_by_label("Why it was recorded in error").fill(reason)
    page.get_by_role("button", name="Retract this camera").click()
    assert flash_message(page) == f"Camera #{camera_id} retracted; it is in no figure now."
    expect(page.locator("#retracted-note")).to_contain_text(reason)
    assert_accessible(page)

    public.goto(f"/cameras/{camera_id}")
    notice = public.locator("#retraction-notice")
    expect(notice).to_contain_text("Retracted: this camera was recorded in error")
    expect(notice).to_contain_text(reason)
    expect(public.get_by_role("link", name="It's still there: add a photo")).to_have_count(0)
    assert_accessible(public)
    public.goto("/boroughs/westminster")
    expect(borough_figure(public, "verified")).to_have_text("0")

    page.get_by_label("Note (optional)").fill("It is in Westminster after all.")
    page.get_by_role("button", name="Undo the retraction").click()
    assert flash_message(page) == f"Retraction undone: camera #{camera_id} is counted again."
    public.goto("/boroughs/westminster")
    expect(borough_figure(public, "verified")).to_have_text("1")
    public.goto(f"/cameras/{camera_id}")
    expect(public.locator("#retraction-notice")).to_have_count(0)
    expect(public.get_by_role("link", name="It's still there: add a photo")).to_be_visible()
