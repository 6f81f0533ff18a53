"""The resident's submission page, as a test drives it: what to click and what to read."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from tests.e2e.live_server import RESOURCES

# Long enough for a throttled upload of the big test photo on a slow machine.
UPLOAD_TIMEOUT_MS = 30_000


def london_photo_of_size(path: Path, width: int = 1200, height: int = 900) -> Path:
    """A photo big enough (about 700 kB) for upload progress to be seen on a slow link.

    Random noise does not compress, so the size is predictable; the EXIF, with its
    GPS position at Westminster, is big_ben.jpg's, as a Canon camera wrote it.
    """
    exif = Image.open(RESOURCES / "big_ben.jpg").info["exif"]
    pixels = np.random.default_rng(seed=2024).integers(0, 256, (height, width, 3), np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=80, exif=exif)
    path.write_bytes(buffer.getvalue())
    return path


@contextmanager
def slow_upload_link(page: Page, bytes_per_second: int) -> Iterator[None]:
    """Throttle what the page sends (as on a weak mobile signal); downloads stay fast."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 20,
            "downloadThroughput": -1,
            "uploadThroughput": bytes_per_second,
        },
    )
    try:
        yield
    finally:
        cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
        cdp.detach()


class SubmitPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors = page.locator("#form-errors")
        self.photo_status = page.locator("#photo-status")
        self.progress_box = page.locator("#upload-progress")
        self.preview = page.locator("#photo-preview")
        self.borough = page.locator("#borough-result")
        self.lat = page.locator("#lat")
        self.lon = page.locator("#lon")
        self.location_source = page.locator("#location_source")
        self.marker = page.locator("#submit-map .leaflet-marker-icon")
        self.use_my_location = page.locator("#use-my-location")
        self.send_button = page.locator("#submit-button")
        self.thanks = page.locator("#thanks")
        self.reference = page.locator("#thanks-reference")

    def open(self) -> SubmitPage:
        self.page.goto("/submit")
        # The page script has run once it marks the form and shows the map.
        expect(self.page.locator("#submit-form.js")).to_be_attached()
        return self

    def choose_photo(self, path: Path) -> None:
        """What the "Choose a photo" button's file picker does when the resident picks one."""
        self.page.locator("#photo-library").set_input_files(str(path))

    def wait_until_uploaded(self) -> None:
        expect(self.photo_status).to_contain_text("Photo uploaded", timeout=UPLOAD_TIMEOUT_MS)
        expect(self.preview).to_be_visible()

    def upload(self, name: str | Path) -> None:
        path = name if isinstance(name, Path) else RESOURCES / name
        self.choose_photo(path)
        self.wait_until_uploaded()

    def preview_width(self) -> int:
        """The preview's decoded width in pixels, once the browser has loaded it."""
        self.page.wait_for_function(
            "() => { const img = document.getElementById('photo-preview');"
            " return img.complete && img.naturalWidth > 0; }"
        )
        return self.preview.evaluate("img => img.naturalWidth")

    def upload_id(self) -> str:
        return self.page.locator('input[name="upload_id"]').input_value()

    def coordinates(self) -> tuple[float, float]:
        return float(self.lat.input_value()), float(self.lon.input_value())

    def type_coordinates(self, lat: float, lon: float) -> None:
        """Type both numbers; the page checks the place once the resident leaves the field."""
        self.lat.fill(str(lat))
        self.lon.fill(str(lon))
        self.lon.press("Tab")

    def describe_camera(self, **choices: str) -> None:
        """Pick values in the "About the camera" selects, e.g. operator_type="school"."""
        for field_name, value in choices.items():
            self.page.locator(f"#{field_name}").select_option(value)

    def send(self) -> str:
        """Send the report and return the reference the page shows."""
        self.send_button.click()
        expect(self.thanks).to_be_visible()
        expect(self.thanks).to_be_focused()
        reference = self.reference.inner_text().strip()
        assert reference, "The thank-you message shows no reference"
        return reference

    def field_error(self, field_name: str) -> Locator:
        return self.page.locator(f"#{field_name}-error")


UPLOAD_PROGRESS_RECORDER = """() => {
    // Poll: the value is a property, not an attribute, so a MutationObserver would not
    // see it change.
    const bar = document.getElementById("upload-bar");
    const box = document.getElementById("upload-progress");
    window.uploadProgressSamples = [];
    setInterval(() => window.uploadProgressSamples.push({
        value: bar.value,
        shown: !box.hidden && box.getBoundingClientRect().height > 0,
    }), 25);
}"""


def record_upload_progress(page: Page) -> None:
    page.evaluate(UPLOAD_PROGRESS_RECORDER)


def upload_progress_seen(page: Page) -> list[float]:
    """The distinct bar values seen while the bar was on screen, in order."""
    samples = page.evaluate("() => window.uploadProgressSamples")
    values: list[float] = []
    for sample in samples:
        if sample["shown"] and (not values or sample["value"] != values[-1]):
            values.append(sample["value"])
    return values


def touch_drag(page: Page, target: Locator, dx: float, dy: float, steps: int = 12) -> None:
    """Press a finger on the middle of `target`, slide it by (dx, dy) CSS pixels, lift it.

    Sent as real touch events through the DevTools protocol (Playwright's touchscreen can
    only tap), so Leaflet sees what a phone sends.
    """
    box = target.bounding_box()
    assert box, "The element to drag is not on screen"
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point(x, y)]})
        for step in range(1, steps + 1):
            moved = point(x + dx * step / steps, y + dy * step / steps)
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [moved]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    finally:
        cdp.detach()


def point(x: float, y: float) -> dict:
    return {"x": x, "y": y, "radiusX": 4, "radiusY": 4, "force": 1, "id": 1}
