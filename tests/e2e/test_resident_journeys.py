"""A resident reports a camera from their phone, in a real browser against a real server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.browser import DEVICES, PHONE, page_log
from tests.e2e.live_server import LiveServer, sightings_of_upload, stored_sighting
from tests.e2e.submit_page import (
    UPLOAD_TIMEOUT_MS,
    SubmitPage,
    london_photo_of_size,
    record_upload_progress,
    slow_upload_link,
    touch_drag,
    upload_progress_seen,
)

pytestmark = pytest.mark.e2e

# Where the test photos and devices say they are (tests/resources/manifest.csv).
BIG_BEN_EXIF = (51.5006944, -0.1245749)
ST_PAULS = {"latitude": 51.5136, "longitude": -0.0983, "accuracy": 25}
OAKLAND_EXIF = (37.808175, -122.243072)
HACKNEY_TOWN_HALL = (51.5450, -0.0553)
WATFORD = (51.6565, -0.3903)

# About 700 kB at 200 kB/s: three to four seconds of visible progress.
SLOW_UPLOAD_BYTES_PER_SECOND = 200 * 1024


@pytest.fixture(scope="session")
def big_london_photo(tmp_path_factory) -> Path:
    return london_photo_of_size(tmp_path_factory.mktemp("photos") / "camera.jpg")


@pytest.mark.parametrize("device_name", ["phone", "desktop"])
def test_photo_with_london_gps_goes_from_upload_to_pending(
    device_name: str,
    make_context: Callable[..., BrowserContext],
    server: LiveServer,
    big_london_photo: Path,
):
    seconds_to_send = big_london_photo.stat().st_size / SLOW_UPLOAD_BYTES_PER_SECOND
    assert 2 < seconds_to_send < UPLOAD_TIMEOUT_MS / 1000 / 3, "Resize the test photo"
    page = make_context(DEVICES[device_name]).new_page()
    submit = SubmitPage(page).open()
    record_upload_progress(page)

    with slow_upload_link(page, SLOW_UPLOAD_BYTES_PER_SECOND):
        submit.choose_photo(big_london_photo)
        expect(submit.progress_box).to_be_visible()
        submit.wait_until_uploaded()

    progress = upload_progress_seen(page)
    partial = [value for value in progress if 0 < value < 100]
    assert len(partial) >= 3, f"The bar should rise in steps while uploading; saw {progress}"
    assert progress == sorted(progress), f"The bar went backwards: {progress}"
    expect(submit.progress_box).to_be_hidden()

    lat, lon = submit.coordinates()
    assert (lat, lon) == pytest.approx(BIG_BEN_EXIF, abs=1e-6)
    expect(submit.location_source).to_have_value("exif")
    expect(submit.marker).to_be_visible()
    expect(submit.borough).to_have_text("Council area: Westminster")
    assert submit.preview_width() > 0

    submit.describe_camera(
        brand="hilook",
        camera_type="dome",
        mount="pole",
        operator_type="council_street",
    )
    page.locator("#direction").fill("90")
    page.locator("#note").fill("Above the bus stop, facing the bridge.")
    page.locator("#contact_email").fill("resident@example.org")
    reference = submit.send()

    page.locator("#thanks-track").click()
    expect(page).to_have_url(f"{server.url}/track/{reference}")
    expect(page.locator(".badge")).to_have_text("Pending")
    expect(page.locator(".facts")).to_contain_text("Westminster")

    row = stored_sighting(server.app, reference)
    assert row is not None, f"No report {reference} in the database"
    assert row["status"] == "pending"
    assert row["location_source"] == "exif"
    assert (row["lat"], row["lon"]) == pytest.approx(BIG_BEN_EXIF, abs=1e-6)
    assert row["borough_name"] == "Westminster"
    assert (row["brand"], row["camera_type"], row["mount"]) == ("hilook", "dome", "pole")
    assert (row["operator_type"], row["direction"]) == ("council_street", 90)
    assert row["contact_email"] == "resident@example.org"


def test_photo_without_gps_is_placed_by_phone_location_then_dragged(
    make_context: Callable[..., BrowserContext], server: LiveServer
):
    context = make_context(PHONE, geolocation=ST_PAULS, permissions=["geolocation"])
    page = context.new_page()
    submit = SubmitPage(page).open()
    submit.upload("with-null-coordinates.jpg")
    expect(submit.photo_status).to_contain_text("no GPS position")
    expect(submit.borough).to_have_text("No location yet.")
    # With no GPS in the photo the page offers the phone's location next.
    expect(submit.use_my_location).to_be_focused()

    submit.use_my_location.tap()
    expect(submit.borough).to_have_text("Council area: City of London")
    expect(submit.location_source).to_have_value("device")
    expect(page.locator("#accuracy_m")).to_have_value("25")
    assert submit.coordinates() == pytest.approx((ST_PAULS["latitude"], ST_PAULS["longitude"]))

    # The fix is a little off: zoom out to see the river, then drag the pin south across it.
    zoom_out = page.locator("#submit-map .leaflet-control-zoom-out")
    zoom_out.tap()
    zoom_out.tap()
    touch_drag(page, submit.marker, dx=0, dy=220)
    expect(submit.location_source).to_have_value("map")
    expect(submit.borough).to_have_text("Council area: Southwark")
    dragged_lat, dragged_lon = submit.coordinates()
    assert dragged_lat < ST_PAULS["latitude"] - 0.003, "The pin should have moved south"
    assert dragged_lon == pytest.approx(ST_PAULS["longitude"], abs=0.001)
    expect(page.locator("#accuracy_m")).to_have_value("")

    reference = submit.send()
    row = stored_sighting(server.app, reference)
    assert row is not None
    assert row["location_source"] == "map"
    assert row["borough_name"] == "Southwark"
    assert (row["lat"], row["lon"]) == pytest.approx((dragged_lat, dragged_lon), abs=1e-6)
    assert row["accuracy_m"] is None


def test_iphone_heic_photo_outside_london_is_moved_by_typed_coordinates(
    page: Page, server: LiveServer
):
    submit = SubmitPage(page).open()
    submit.upload("lupine-oakland.heic")
    # The server turned the HEIC into a JPEG preview every browser can show.
    assert submit.preview_width() > 0
    assert submit.coordinates() == pytest.approx(OAKLAND_EXIF, abs=1e-5)
    expect(submit.borough).to_contain_text("Outside London")

    submit.type_coordinates(*HACKNEY_TOWN_HALL)
    expect(submit.borough).to_have_text("Council area: Hackney")
    expect(submit.location_source).to_have_value("typed")
    expect(submit.marker).to_be_visible()

    reference = submit.send()
    row = stored_sighting(server.app, reference)
    assert row is not None
    assert row["photo_format"] == "heif"
    assert row["location_source"] == "typed"
    assert (row["lat"], row["lon"]) == pytest.approx(HACKNEY_TOWN_HALL)
    assert row["borough_name"] == "Hackney"


def test_pin_outside_london_cannot_be_sent(page: Page, server: LiveServer):
    submit = SubmitPage(page).open()
    submit.upload("with-null-coordinates.jpg")
    submit.type_coordinates(*WATFORD)
    expect(submit.borough).to_contain_text("Outside London")

    submit.send_button.click()
    expect(submit.errors).to_be_visible()
    expect(submit.errors).to_contain_text("outside the 33 London council areas")
    expect(submit.field_error("lat")).to_contain_text("outside the 33 London council areas")
    expect(submit.lat).to_be_focused()
    expect(submit.thanks).to_be_hidden()

    # Nor does the server take it if a script skips the page's own check.
    status = page.evaluate(
        """async ([lat, lon]) => {
            const response = await fetch("/api/sightings", {
                method: "POST",
                headers: {"Content-Type": "application/json", "X-CSRFToken": Hikwatch.csrfToken()},
                body: JSON.stringify({upload_id: document.getElementById("upload_id").value,
                                      lat, lon, location_source: "typed"}),
            });
            return response.status;
        }""",
        list(WATFORD),
    )
    assert status == 422
    assert sightings_of_upload(server.app, submit.upload_id()) == 0


def test_pages_load_nothing_from_other_sites(make_context: Callable[..., BrowserContext]):
    """Offline-safe and private: no CDN, tile server or font host is asked for anything."""
    context = make_context()
    page = context.new_page()
    for path in ("/", "/submit", "/about"):
        page.goto(path, wait_until="networkidle")
    blocked = page_log(context).blocked_urls
    assert blocked == [], f"Pages asked other sites for: {blocked}"


def test_refused_location_permission_points_to_the_other_ways(
    make_context: Callable[..., BrowserContext],
):
    page = make_context(PHONE, geolocation=ST_PAULS, permissions=[]).new_page()
    submit = SubmitPage(page).open()
    submit.use_my_location.tap()
    expect(submit.borough).to_have_text(
        "Location permission was refused: tap the map or type the coordinates instead."
    )
    expect(submit.location_source).to_have_value("typed")
    expect(submit.lat).to_have_value("")


def test_file_that_is_not_a_photo_is_refused_with_a_message(page: Page, tmp_path: Path):
    not_a_photo = tmp_path / "camera.jpg"
    not_a_photo.write_text("This is a shopping list, not a JPEG.")
    submit = SubmitPage(page).open()
    submit.choose_photo(not_a_photo)
    expect(submit.errors).to_be_visible()
    message = submit.errors.inner_text()
    assert message, "The error summary is empty"
    expect(submit.photo_status).to_have_text(message)
    expect(submit.progress_box).to_be_hidden()
    expect(submit.preview).to_be_hidden()
    assert submit.upload_id() == ""


def test_enter_straight_after_typing_coordinates_sends_the_report(page: Page, server: LiveServer):
    """Enter, or a phone keyboard's Go key, in the longitude field submits the form at the
    moment the council-area check starts; the report must wait for it, not be refused."""
    submit = SubmitPage(page).open()
    submit.upload("with-null-coordinates.jpg")
    submit.lat.fill(str(HACKNEY_TOWN_HALL[0]))
    submit.lon.fill(str(HACKNEY_TOWN_HALL[1]))
    submit.lon.press("Enter")
    expect(submit.thanks).to_be_visible()
    expect(submit.errors).to_be_hidden()
    row = stored_sighting(server.app, submit.reference.inner_text())
    assert row is not None
    assert row["borough_name"] == "Hackney"
