"""The moderators' and admins' pages, and the public evidence pages (boroughs, cameras,
snapshots), work with screen readers, keyboards and phones.

One server for the module, filled by tests/e2e/evidence_data.py with something on every
page: pending reports, cameras (one removed), a removal report, a motion, a snapshot.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.accessibility import (
    assert_accessible,
    assert_focus_rings_visible,
    focused_element,
    press_tab_until,
    rule_checked_elements,
    unlabelled_controls,
)
from tests.e2e.browser import PHONE, new_context
from tests.e2e.evidence_data import Evidence, seed_evidence
from tests.e2e.live_server import LiveServer, live_server
from tests.e2e.staff_pages import logged_in_state

pytestmark = pytest.mark.e2e

# Page name -> (who is logged in, address). None: a member of the public.
PAGES = {
    "login": (None, "/login"),
    "queue": ("moderator", "/moderate/"),
    "queue-removals": ("moderator", "/moderate/?tab=removals"),
    "report": ("moderator", "/moderate/sightings/{e.pending_sighting_id}"),
    "cameras-list": ("moderator", "/moderate/cameras/"),
    "camera-record": ("moderator", "/moderate/cameras/{e.camera_id}"),
    "photo-redaction": ("moderator", "/moderate/photos/{e.photo_id}"),
    "removal-report": ("moderator", "/moderate/removals/{e.removal_report_id}"),
    "users": ("admin", "/admin/users"),
    "audit": ("admin", "/admin/audit"),
    "campaign-edit": ("admin", "/admin/boroughs/{e.borough_slug}/campaign"),
    "snapshots-admin": ("admin", "/snapshots"),
    "boroughs": (None, "/boroughs"),
    "borough": (None, "/boroughs/{e.borough_slug}"),
    "borough-verified": (None, "/boroughs/{e.borough_slug}/cameras?count=verified"),
    "borough-council-street": (
        None,
        "/boroughs/{e.borough_slug}/cameras?count=council_operated&operator=council_street",
    ),
    "borough-removed": (None, "/boroughs/{e.borough_slug}/cameras?count=removed"),
    "pack": (None, "/boroughs/{e.borough_slug}/pack"),
    "needs-photo": (None, "/boroughs/{e.borough_slug}/needs-photo"),
    "still-there": (None, "/submit?camera={e.camera_id}"),
    "camera": (None, "/cameras/{e.camera_id}"),
    "report-removal": (None, "/cameras/{e.camera_id}/report-removal"),
    "removal-status": (None, "/removal-reports/{e.removal_reference}"),
    "methodology": (None, "/methodology"),
    "snapshots": (None, "/snapshots"),
    "snapshot": (None, "/snapshots/{e.snapshot_name}"),
    "snapshot-borough": (None, "/snapshots/{e.snapshot_name}/{e.borough_slug}"),
}

# A group of nearby cameras on the map (the legend's sample cluster is outside the map).
CLUSTER = "#camera-map .cluster"

# Pages whose every focus stop is walked with Tab: all but the long tables and lists, where
# a hundred stops would take long and show nothing the shorter pages do not.
FOCUS_WALK_PAGES = [
    "login",
    "queue",
    "queue-removals",
    "report",
    "camera-record",
    "removal-report",
    "users",
    "campaign-edit",
    "borough",
    "camera",
    "report-removal",
    "methodology",
    "snapshots",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory, migrated_database: Path) -> Iterator[LiveServer]:
    """This module's own server, so what it seeds (accounts, today's snapshot) meets no
    other test's data."""
    folder = tmp_path_factory.mktemp("evidence-server")
    with live_server(folder, migrated_database) as running:
        yield running


@pytest.fixture(scope="module")
def evidence(server: LiveServer) -> Evidence:
    return seed_evidence(server.app)


@pytest.fixture(scope="module")
def logins(browser: Browser, server: LiveServer, evidence: Evidence) -> dict[str, dict]:
    """Cookies of a moderator and an admin, each logged in once through /login."""
    states = {}
    for role, email in (("moderator", evidence.moderator), ("admin", evidence.admin)):
        context = new_context(browser, server.url, PHONE)
        states[role] = logged_in_state(context, email)
        context.close()
    return states


@pytest.fixture
def open_page(
    make_context: Callable[..., BrowserContext], evidence: Evidence, logins: dict[str, dict]
) -> Callable[[str], Page]:
    """Open a page of PAGES on a phone, logged in as the page needs, once it has settled
    (maps fetch their data after load)."""

    def opener(name: str) -> Page:
        who, address = PAGES[name]
        context = make_context(PHONE, storage_state=logins[who] if who else None)
        page = context.new_page()
        response = page.goto(address.format(e=evidence), wait_until="networkidle")
        assert response is not None and response.status == 200, f"{address}: {response}"
        return page

    return opener


@pytest.mark.parametrize("page_name", PAGES)
def test_page_is_accessible_and_fits_a_phone(page_name: str, open_page: Callable[[str], Page]):
    page = open_page(page_name)
    results = assert_accessible(page)
    assert rule_checked_elements(results, "color-contrast") > 0
    assert unlabelled_controls(page) == []
    # Nothing pushes the page sideways (long links, tables, label columns).
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"], f"The page is {width} px wide on a phone"


@pytest.mark.parametrize("page_name", FOCUS_WALK_PAGES)
def test_every_focus_stop_shows_a_focus_ring(page_name: str, open_page: Callable[[str], Page]):
    assert_focus_rings_visible(open_page(page_name))


def test_report_page_stays_accessible_while_hiding_areas(open_page: Callable[[str], Page]):
    """The drawing mode, the box drawn and the rows it fills are labelled and readable."""
    page = open_page("report")
    page.get_by_role("button", name="Draw boxes on the photo").click()
    rows = page.locator("[data-rows] [data-row]")
    rows.first.locator("[data-x]").fill("10")
    rows.first.locator("[data-y]").fill("10")
    rows.first.locator("[data-w]").fill("30")
    rows.first.locator("[data-h]").fill("20")
    rows.first.locator("[data-h]").press("Tab")
    expect(page.locator("[data-overlay] .redaction-box")).to_have_count(1)
    assert_accessible(page)
    assert unlabelled_controls(page) == []


def test_keyboard_gets_past_the_home_map_in_a_few_presses(page: Page, evidence: Evidence):
    """Each council outline used to be a Tab stop: 33 presses to get past the map."""
    page.goto("/", wait_until="networkidle")
    expect(page.locator(CLUSTER)).to_have_count(1)
    before_map = page.locator("#locate-me")  # the last control above the map
    after_map = 'section[aria-labelledby="evidence-heading"] a'
    before_map.focus()
    presses = press_tab_until(page, after_map, max_presses=40)
    assert presses <= 8, f"{presses} presses of Tab to get past the map"


def test_cluster_is_a_button_that_zooms_in(page: Page, evidence: Evidence):
    page.goto("/", wait_until="networkidle")
    page.locator("#locate-me").focus()
    press_tab_until(page, CLUSTER, max_presses=6)
    expect(page.locator(CLUSTER)).to_have_attribute("role", "button")
    assert page.evaluate("() => location.hash") == "", "The map moved before any Enter"
    page.keyboard.press("Enter")  # zooms in on its cameras, as a tap does
    expect(page).to_have_url(re.compile(r"#map=(1[1-8])/"))
    expect(page.locator("#camera-map")).to_be_focused()


# True once focus has left the map for the page after it.
FOCUS_PAST_MAP_JS = """() => {
    const map = document.getElementById("camera-map");
    return !map.contains(document.activeElement)
        && Boolean(map.compareDocumentPosition(document.activeElement)
                   & Node.DOCUMENT_POSITION_FOLLOWING);
}"""


@pytest.mark.parametrize("address", ["/boroughs", "/boroughs/westminster"])
def test_council_outlines_are_not_tab_stops(page: Page, address: str, evidence: Evidence):
    page.goto(address, wait_until="networkidle")
    expect(page.locator("#camera-map path.leaflet-interactive").first).to_be_attached()
    page.locator("#camera-map").focus()
    stops = []
    while not page.evaluate(FOCUS_PAST_MAP_JS):
        assert len(stops) < 40, f"Tab never left the map: {stops}"
        page.keyboard.press("Tab")
        stops.append(focused_element(page))
    assert "path" not in stops, f"Council outlines take Tab focus: {stops}"
    assert len(stops) <= 6, f"Too many Tab stops in the map: {stops}"


def test_filter_disclosure_shows_whether_it_is_open(page: Page, evidence: Evidence):
    """'Filter by council…' is a <details>: its marker must show it opens, and when it is open."""
    page.goto("/")
    summary = page.locator(".more-filters summary")
    expect(summary).to_be_visible()
    marker_js = "el => getComputedStyle(el, '::before').content"
    assert "▸" in summary.evaluate(marker_js)
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".more-filters")).to_have_attribute("open", "")
    assert "▾" in summary.evaluate(marker_js)
    assert focused_element(page) == "summary"
