"""From residents' reports to the figures campaigners cite: moderators and admins at work
in a real browser, and what the public then sees on the map, the borough pages, the
exports and the snapshots."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.browser import DEVICES, PHONE
from tests.e2e.evidence_data import CAMDEN, seed_camera
from tests.e2e.live_server import (
    LiveServer,
    create_account,
    live_server,
    seed_report,
    stored_sighting,
)
from tests.e2e.staff_pages import (
    borough_figure,
    camera_number_in,
    csv_data_rows,
    drag_across,
    flash_message,
    log_in,
    map_status,
    queue_item,
    redaction_rows,
    waiting_line,
)
from tests.e2e.submit_page import SubmitPage

pytestmark = pytest.mark.e2e

# About 10 m from where big_ben.jpg's GPS puts the camera (51.50069, -0.12457): the same
# camera, seen by a second resident whose own photo's GPS was 300 m out.
NEAR_BIG_BEN = (51.50078, -0.12452)
# The box a moderator draws over a face: from 20 % / 30 % of the photo to 70 % / 60 %.
BOX_FROM, BOX_TO = (0.2, 0.3), (0.7, 0.6)


@pytest.fixture
def server(tmp_path: Path, migrated_database: Path) -> Iterator[LiveServer]:
    """A server of each journey's own: they count every camera on the map and in the
    exports, so they must see only what they made themselves."""
    with live_server(tmp_path / "live-server", migrated_database) as running:
        yield running


def report_from_a_phone(
    make_context: Callable[..., BrowserContext],
    photo: str,
    typed: tuple[float, float] | None = None,
) -> str:
    """A resident sends a photo from their phone (moving the pin by typing, if asked);
    returns the report's reference."""
    page = make_context(PHONE).new_page()
    submit = SubmitPage(page).open()
    submit.upload(photo)
    if typed:
        submit.type_coordinates(*typed)
    expect(submit.borough).to_have_text("Council area: Westminster")
    reference = submit.send()
    page.close()
    return reference


def region_mean(jpeg: bytes, box: dict[str, float], inset: float = 0.1) -> float:
    """Mean brightness (0–255) inside a box given in percent of the image, a little inset
    so the JPEG's blurring across the box's edges does not count."""
    image = Image.open(io.BytesIO(jpeg)).convert("L")
    width, height = image.size
    left, top = box["x"] / 100 * width, box["y"] / 100 * height
    right, bottom = left + box["w"] / 100 * width, top + box["h"] / 100 * height
    dx, dy = (right - left) * inset, (bottom - top) * inset
    crop = image.crop((round(left + dx), round(top + dy), round(right - dx), round(bottom - dy)))
    return ImageStat.Stat(crop).mean[0]


def wait_for_image(page: Page, selector: str) -> dict:
    """Wait until the image has loaded; its natural size."""
    image = page.locator(selector)
    image.scroll_into_view_if_needed()
    handle = image.element_handle()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=handle)
    return image.evaluate("img => ({width: img.naturalWidth, height: img.naturalHeight})")


# The mean brightness of a box (in percent) of an image as the page itself decoded it.
PAGE_REGION_MEAN_JS = """(img, box) => {
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext("2d");
    context.drawImage(img, 0, 0);
    const x = Math.round((box.x + box.w * 0.1) / 100 * img.naturalWidth);
    const y = Math.round((box.y + box.h * 0.1) / 100 * img.naturalHeight);
    const w = Math.round(box.w * 0.8 / 100 * img.naturalWidth);
    const h = Math.round(box.h * 0.8 / 100 * img.naturalHeight);
    const pixels = context.getImageData(x, y, w, h).data;
    let sum = 0;
    for (let i = 0; i < pixels.length; i += 4) {
        sum += 0.299 * pixels[i] + 0.587 * pixels[i + 1] + 0.114 * pixels[i + 2];
    }
    return sum / (pixels.length / 4);
}"""


@pytest.mark.parametrize("device_name", ["phone", "desktop"])
def test_two_reports_become_one_verified_camera_with_a_hidden_area(
    device_name: str, make_context: Callable[..., BrowserContext], server: LiveServer
):
    device = DEVICES[device_name]
    moderator = create_account(server.app, "moderator@example.org")

    # Two residents report the same camera: one photo's GPS places it, the other resident
    # types where it is.
    first = report_from_a_phone(make_context, "big_ben.jpg")
    second = report_from_a_phone(make_context, "newyear_london.jpg", typed=NEAR_BIG_BEN)
    first_photo = stored_sighting(server.app, first)["photo_id"]

    page = make_context(device).new_page()
    log_in(page, moderator)
    expect(waiting_line(page)).to_have_text("2 camera reports and 0 removal reports waiting.")
    expect(page.get_by_role("link", name="Camera reports (2)")).to_be_visible()
    expect(page.locator(".queue-item")).to_have_count(2)

    # The first report: a camera nobody had reported, its brand plain on the photo.
    queue_item(page, first).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(first)
    expect(page.locator("#claim-status")).to_contain_text("You are checking this report")
    page.locator("#approve-brand_verified").check()
    page.locator("button", has_text="Approve as a new camera").click()
    approved = flash_message(page)
    assert "Approved as new camera" in approved and "in Westminster" in approved
    camera_id = camera_number_in(approved)
    expect(waiting_line(page)).to_contain_text("1 camera report and 0 removal reports")

    # Someone looks at the new camera's public page before anything is hidden.
    viewer = make_context(PHONE).new_page()
    viewer.goto(f"/cameras/{camera_id}")
    photo_selector = f'.photos img[src$="/photos/{first_photo}/display.jpg"]'
    wait_for_image(viewer, photo_selector)
    photo_url = viewer.locator(photo_selector).get_attribute("src")
    unredacted = viewer.request.get(photo_url)
    assert unredacted.ok

    # The moderator goes back to the camera and hides an area of the photo, drawing a box
    # with a finger on a phone and with the mouse on a desktop.
    page.get_by_role("link", name="All cameras").click()
    page.locator(".queue-item", has_text=f"#{camera_id}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Camera #{camera_id}")
    page.locator(".suggestion", has_text=first).get_by_role(
        "link", name="Hide areas of this photo"
    ).click()
    expect(page.get_by_role("heading", name="Hide areas of a photo")).to_be_visible()
    page.get_by_label("New boxes").select_option("black")
    draw = page.get_by_role("button", name="Draw boxes on the photo")
    draw.click()
    expect(page.get_by_role("button", name="Stop drawing")).to_have_attribute(
        "aria-pressed", "true"
    )
    drag_across(
        page,
        page.locator("[data-overlay]"),
        BOX_FROM,
        BOX_TO,
        touch=bool(device.get("has_touch")),
    )
    rows = redaction_rows(page)
    assert len(rows) == 1, f"Drawing should add exactly one box; the form has {rows}"
    box = {key: float(rows[0][key]) for key in ("x", "y", "w", "h")}
    expected = {"x": 20, "y": 30, "w": 50, "h": 30}
    assert box == pytest.approx(expected, abs=1.5), "The box is not where it was drawn"
    assert rows[0]["mode"] == "black"
    expect(page.locator("[data-overlay] .redaction-box")).to_have_count(1)
    page.get_by_role("button", name="Save hidden areas").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Camera #{camera_id}")
    assert flash_message(page).startswith("Saved: 1 area(s) hidden")

    # The second report is the same camera: the page suggests it, and one tap confirms it.
    page.goto("/moderate/")
    queue_item(page, second).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(second)
    known = page.locator(".suggestion", has_text=f"Camera #{camera_id}")
    expect(known).to_contain_text("m away")
    known.get_by_role("button", name=f"Confirm as camera #{camera_id}").click()
    assert flash_message(page) == f"Approved as a confirmation of camera #{camera_id}."
    expect(waiting_line(page)).to_have_text("0 camera reports and 0 removal reports waiting.")

    # The public map shows one camera, not two.
    with viewer.expect_response(lambda r: "/api/map?" in r.url) as map_response:
        viewer.goto("/")
    assert map_response.value.json()["total"] == 1
    expect(map_status(viewer)).to_have_text("1 camera in this part of the map.")
    expect(viewer.locator(".headline .figure").first).to_have_text("1")

    # Westminster counts it once, as brand-verified.
    viewer.goto("/boroughs/westminster")
    expect(borough_figure(viewer, "verified")).to_have_text("1")
    expect(borough_figure(viewer, "verified")).to_have_text("1")

    # The open data has one row for it, once the builder process has caught up (the first
    # request after the change started it; until then the previous file is served).
    for _ in range(120):
        exported = viewer.request.get("/api/cameras.csv")
        assert exported.ok
        rows = csv_data_rows(exported.text())
        if rows:
            break
        viewer.wait_for_timeout(250)
    assert [(row["id"], row["borough_name"], row["brand_verified"]) for row in rows] == [
        (str(camera_id), "Westminster", "yes")
    ]

    # The camera page shows both residents' reports and the photo with the area hidden, also
    # to the visitor who saw it before.
    viewer.goto(f"/cameras/{camera_id}")
    expect(viewer.locator(".facts")).to_contain_text("2 resident reports matched")
    size = wait_for_image(viewer, photo_selector)
    redacted = viewer.request.get(photo_url)
    assert redacted.ok
    assert Image.open(io.BytesIO(redacted.body())).size == (size["width"], size["height"])
    before = region_mean(unredacted.body(), box)
    after = region_mean(redacted.body(), box)
    assert after < 20, f"The hidden area should be black; its mean brightness is {after:.0f}"
    assert before - after > 40, f"The area looked the same before ({before:.0f}) and after"
    # Only the box changed: the strip above it is as it was.
    strip = {"x": 0, "y": 0, "w": 100, "h": 25}
    assert region_mean(redacted.body(), strip) == pytest.approx(
        region_mean(unredacted.body(), strip), abs=6
    )
    shown = viewer.locator(photo_selector).evaluate(PAGE_REGION_MEAN_JS, box)
    assert shown < 20, f"The page still shows the area unhidden (brightness {shown:.0f})"


def test_camera_reported_removed_leaves_the_active_count_and_the_default_map(
    make_context: Callable[..., BrowserContext], server: LiveServer
):
    moderator = create_account(server.app, "moderator@example.org")
    camera_id = seed_camera(server.app, moderator)

    # Anyone can say the camera has gone, from its page.
    visitor = make_context(PHONE).new_page()
    visitor.goto(f"/cameras/{camera_id}")
    visitor.get_by_role("link", name="Report it removed, replaced or covered").tap()
    expect(visitor).to_have_url(f"{server.url}/cameras/{camera_id}/report-removal")
    visitor.get_by_label("Removed: the camera is gone").check()
    visitor.get_by_label("Anything else (optional)").fill("Only the bracket is left.")
    visitor.get_by_role("button", name="Send the report").click()
    expect(visitor.get_by_role("heading", name="Thank you: your report is in")).to_be_visible()
    reference = visitor.locator(".alert .reference").inner_text().strip()
    expect(visitor.locator(".facts")).to_contain_text("Pending")

    page = make_context(PHONE).new_page()
    log_in(page, moderator)
    expect(waiting_line(page)).to_have_text("0 camera reports and 1 removal report waiting.")
    page.get_by_role("link", name="Removal reports (1)").click()
    queue_item(page, reference).click()
    expect(page.locator(".facts")).to_contain_text("Only the bracket is left.")
    page.get_by_role("button", name=f"Confirm: camera #{camera_id} is removed").click()
    assert flash_message(page) == f"Confirmed {reference}: camera #{camera_id} is now removed."
    expect(waiting_line(page)).to_have_text("0 camera reports and 0 removal reports waiting.")

    visitor.goto("/boroughs/westminster")
    expect(borough_figure(visitor, "verified")).to_have_text("0")
    expect(borough_figure(visitor, "removed")).to_have_text("1")

    visitor.goto(f"/cameras/{camera_id}")
    expect(visitor.locator("h1 .badge")).to_have_text("Removed")
    report_link = visitor.get_by_role("link", name="Report it removed, replaced or covered")
    expect(report_link).to_have_count(0)

    # The map shows active cameras unless asked for the removed ones too.
    with visitor.expect_response(lambda r: "/api/map?" in r.url) as map_response:
        visitor.goto("/")
    assert map_response.value.json()["total"] == 0
    expect(map_status(visitor)).to_have_text(
        "No cameras with these filters in this part of the map."
    )
    with visitor.expect_response(lambda r: "status=active%2Cremoved" in r.url) as map_response:
        visitor.get_by_label("Removed", exact=True).check()
    assert map_response.value.json()["total"] == 1
    expect(map_status(visitor)).to_have_text("1 camera in this part of the map.")


def test_motion_and_timetable_are_shown_and_a_snapshot_never_changes(
    make_context: Callable[..., BrowserContext], server: LiveServer
):
    admin = create_account(server.app, "admin@example.org", "admin")
    seed_camera(server.app, admin)
    page = make_context(PHONE).new_page()
    log_in(page, admin)

    # The admin records Westminster's motion and its removal timetable.
    page.goto("/boroughs/westminster")
    page.get_by_role("link", name="Edit campaign record").click()
    expect(page).to_have_url(f"{server.url}/admin/boroughs/westminster/campaign")
    page.get_by_label("Motion status").select_option("passed")
    page.get_by_label("Date of the motion or of its latest step").fill("2026-01-20")
    page.get_by_label("Source: the council's minutes or agenda").fill(
        "https://example.org/westminster/minutes/2026-01-20"
    )
    page.get_by_label("Committed target date for removal").fill("2027-03-31")
    page.get_by_label("What the council committed to remove, in its words").fill(
        "All Hikvision cameras on council streets and buildings."
    )
    page.get_by_label("Source of the timetable").fill("https://example.org/westminster/cabinet")
    page.get_by_role("button", name="Save the record").click()
    expect(page).to_have_url(f"{server.url}/boroughs/westminster#record")
    assert flash_message(page) == "Campaign record saved."
    record = page.locator("#record")
    expect(record).to_contain_text("Motion passed on 20 January 2026")
    expect(record).to_contain_text("Committed to remove by 31 March 2027")
    expect(record).to_contain_text("All Hikvision cameras on council streets and buildings.")
    expect(record.get_by_role("link", name="Council minutes or agenda")).to_have_attribute(
        "href", "https://example.org/westminster/minutes/2026-01-20"
    )

    page.goto("/boroughs")
    westminster = page.locator("tbody tr", has_text="Westminster")
    expect(westminster).to_contain_text("Motion passed")
    expect(westminster).to_contain_text("20 January 2026")
    expect(westminster).to_contain_text("31 March 2027")

    # A snapshot, taken from the admin's button.
    page.goto("/snapshots")
    page.get_by_role("button", name="Take a snapshot now").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Snapshot 20")
    snapshot_url = page.url
    assert flash_message(page).endswith("taken.")
    page.goto(snapshot_url)
    frozen = page.locator("main").inner_text()
    frozen_json = page.request.get(snapshot_url + ".json").body()
    row = page.locator("tbody tr", has_text="Westminster")
    expect(row).to_contain_text("Motion passed, 20 January 2026")
    expect(row.locator("td.num").first).to_have_text("1")
    assert "London: 1 verified cameras" in frozen

    # Later, another camera is approved, in Camden.
    reference = seed_report(server.app, lat=CAMDEN[0], lon=CAMDEN[1], location_source="map")
    page.goto("/moderate/")
    queue_item(page, reference).click()
    page.locator("#approve-brand_verified").check()
    page.locator("button", has_text="Approve as a new camera").click()
    assert "in Camden" in flash_message(page)

    page.goto("/boroughs")
    expect(page.locator(".headline .figure").first).to_have_text("2")
    page.goto(snapshot_url)
    assert page.locator("main").inner_text() == frozen
    assert page.request.get(snapshot_url + ".json").body() == frozen_json
    expect(page.locator("main")).to_contain_text("(verified now)")
