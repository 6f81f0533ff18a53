"""A resident finds a place by postcode on a phone; the map moves, the pin stays theirs."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from hikwatch.geo import distance_m
from tests.e2e.accessibility import assert_accessible
from tests.e2e.live_server import LiveServer, stored_sighting
from tests.e2e.submit_page import SubmitPage

pytestmark = pytest.mark.e2e

STREET_ZOOM = 17
# The ONS's point for SW1A 1AA (Buckingham Palace), as /api/postcodes gives it.
SW1A_1AA = (51.50101, -0.141563)

MAP_VIEW_JS = """(id) => {
    const map = Hikwatch.mapFor(document.getElementById(id));
    const centre = map.getCenter();
    return {lat: centre.lat, lon: centre.lng, zoom: map.getZoom()};
}"""


@pytest.fixture(autouse=True)
def postcodes_built(london_postcodes):
    """The live server reads the same built file."""


def map_view(page: Page, map_id: str) -> dict:
    return page.evaluate(MAP_VIEW_JS, map_id)


def test_postcode_centres_the_map_then_the_resident_places_the_pin(page: Page, server: LiveServer):
    submit = SubmitPage(page).open()
    submit.upload("with-null-coordinates.jpg")
    expect(submit.photo_status).to_contain_text("no GPS position")

    box = page.locator("#postcode")
    expect(box).to_be_visible()
    box.fill("sw1a1aa")
    box.press("Enter")  # inside the report form: finds the postcode, sends nothing
    status = page.locator("#postcode-status")
    expect(status).to_have_text(
        "Map moved to SW1A 1AA (Westminster). Now tap the map where the camera is."
    )
    expect(box).to_have_value("SW1A 1AA")
    view = map_view(page, "submit-map")
    assert view["zoom"] == STREET_ZOOM
    assert distance_m(view["lat"], view["lon"], *SW1A_1AA) < 1
    # The postcode's point is not the camera's: no pin, no coordinates, nothing sent.
    expect(submit.marker).to_have_count(0)
    expect(submit.lat).to_have_value("")
    expect(submit.lon).to_have_value("")
    expect(submit.borough).to_have_text("No location yet.")
    expect(submit.errors).to_be_hidden()

    # The resident taps the camera's spot, a little north-east of the map's centre.
    page.locator("#submit-map").scroll_into_view_if_needed()
    map_box = page.locator("#submit-map").bounding_box()
    assert map_box is not None
    page.touchscreen.tap(
        map_box["x"] + map_box["width"] / 2 + 80, map_box["y"] + map_box["height"] / 2 - 60
    )
    expect(submit.marker).to_be_visible()
    expect(submit.location_source).to_have_value("map")
    expect(submit.borough).to_have_text("Council area: Westminster")
    pin = submit.coordinates()
    assert distance_m(*pin, *SW1A_1AA) > 30, "The pin should be where the resident tapped"

    reference = submit.send()
    row = stored_sighting(server.app, reference)
    assert row is not None
    assert row["location_source"] == "map"
    assert (row["lat"], row["lon"]) == pytest.approx(pin, abs=1e-6)
    assert distance_m(row["lat"], row["lon"], *SW1A_1AA) > 30


def test_suggestions_and_plain_messages(page: Page):
    SubmitPage(page).open()
    box = page.locator("#postcode")
    box.press_sequentially("SW1A 1", delay=30)
    options = page.locator("#postcode-suggestions option")
    expect(options).to_have_count(10)
    expect(options.first).to_have_attribute("value", "SW1A 1AA")
    expect(options.first).to_have_attribute("label", "Westminster")

    status = page.locator("#postcode-status")
    box.fill("M1 1AE")
    page.locator("#postcode-find").tap()
    expect(status).to_contain_text("M1 1AE is not a London postcode")
    expect(box).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)  # the box with its error shown

    box.fill("hello")
    box.press("Enter")
    expect(status).to_contain_text("is not a postcode")

    box.fill("")
    page.locator("#postcode-find").tap()
    expect(status).to_have_text("Type a postcode, such as SW1A 1AA.")
    expect(box).to_be_focused()

    box.press_sequentially("e201ej", delay=30)
    expect(box).not_to_have_attribute("aria-invalid", "true")
    box.press("Enter")
    expect(status).to_contain_text("Map moved to E20 1EJ (Newham).")
    expect(box).not_to_have_attribute("aria-invalid", "true")
    assert_accessible(page)  # the box with its answer shown


def test_picking_a_suggestion_moves_the_map(page: Page):
    SubmitPage(page).open()
    box = page.locator("#postcode")
    box.press_sequentially("W1A 1", delay=30)
    expect(page.locator("#postcode-suggestions option").first).to_have_attribute("value", "W1A 1AA")
    # What the browser does when a <datalist> suggestion is chosen: one replacing input.
    box.evaluate(
        """(input) => {
            input.value = "W1A 1AA";
            input.dispatchEvent(new InputEvent("input", {inputType: "insertReplacementText"}));
        }"""
    )
    expect(page.locator("#postcode-status")).to_contain_text("Map moved to W1A 1AA")
    assert map_view(page, "submit-map")["zoom"] == STREET_ZOOM


def test_home_map_goes_to_a_postcode(page: Page):
    page.goto("/", wait_until="networkidle")
    box = page.locator("#map-postcode")
    expect(box).to_be_visible()
    box.fill("SE10 8XJ")
    page.locator("#map-postcode-find").tap()
    expect(page.locator("#map-postcode-status")).to_have_text("Map moved to SE10 8XJ (Greenwich).")
    view = map_view(page, "camera-map")
    assert view["zoom"] == STREET_ZOOM
    assert distance_m(view["lat"], view["lon"], 51.477346, -0.000848) < 1
    # The box fits the phone: nothing pushed past the right edge.
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert_accessible(page)
