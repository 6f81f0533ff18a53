"""Every public page works for people using screen readers, keyboards and phones."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.accessibility import (
    assert_accessible,
    assert_focus_rings_visible,
    press_tab_until,
    rule_checked_elements,
    unlabelled_controls,
)
from tests.e2e.browser import DEVICES
from tests.e2e.live_server import RESOURCES, LiveServer, stored_sighting
from tests.e2e.submit_page import SubmitPage

pytestmark = pytest.mark.e2e

# Every page a member of the public can reach today, by what it shows.
PUBLIC_PAGES = {
    "home": "/",
    "submit": "/submit",
    "about": "/about",
    "track": "/track/{reference}",
    "track-just-submitted": "/track/{reference}?submitted=1",
    "not-found": "/no-such-page",
}

WATFORD = (51.6565, -0.3903)
WESTMINSTER = (51.5007, -0.1246)


def open_public_page(page: Page, name: str, reference: str) -> None:
    # The home map fetches the council boundaries after load; the other pages are whole then.
    settled = "networkidle" if name == "home" else "load"
    response = page.goto(PUBLIC_PAGES[name].format(reference=reference), wait_until=settled)
    assert response is not None
    assert response.status == (404 if name == "not-found" else 200)


@pytest.mark.parametrize("device_name", ["phone", "desktop"])
@pytest.mark.parametrize("page_name", PUBLIC_PAGES)
def test_public_page_has_no_serious_accessibility_violations(
    page_name: str,
    device_name: str,
    make_context: Callable[..., BrowserContext],
    seeded_reference: str,
):
    page = make_context(DEVICES[device_name]).new_page()
    open_public_page(page, page_name, seeded_reference)
    results = assert_accessible(page)
    # Text contrast is axe's color-contrast rule; make sure it measured real text here.
    assert rule_checked_elements(results, "color-contrast") > 0


def test_submission_page_stays_accessible_through_the_whole_flow(page: Page):
    submit = SubmitPage(page).open()
    submit.upload("big_ben.jpg")
    expect(submit.borough).to_contain_text("Westminster")
    assert_accessible(page)  # photo preview, map pin and council area shown

    submit.type_coordinates(*WATFORD)
    expect(submit.borough).to_contain_text("Outside London")
    submit.send_button.click()
    expect(submit.errors).to_be_visible()
    assert_accessible(page)  # error summary and a field error shown

    submit.type_coordinates(*WESTMINSTER)
    expect(submit.borough).to_contain_text("Westminster")
    submit.send()
    assert_accessible(page)  # thank-you message shown


def choose_file_with_space(page: Page, path) -> None:
    """Press Space on the focused file input and pick `path` in the chooser it opens.

    On a heavily loaded machine Chromium has been seen to drop the first key press before
    the chooser opens; pressing again is what a person would do, so allow up to three.
    """
    for _ in range(3):
        try:
            with page.expect_file_chooser(timeout=5_000) as file_chooser:
                page.keyboard.press("Space")
        except PlaywrightTimeoutError:
            continue
        file_chooser.value.set_files(path)
        return
    raise AssertionError("Space on the focused file input never opened the file chooser")


def test_resident_can_report_a_camera_with_the_keyboard_alone(page: Page, server: LiveServer):
    keyboard = page.keyboard
    submit = SubmitPage(page).open()

    keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    keyboard.press("Enter")
    assert press_tab_until(page, "#photo-camera") == 1, "The skip link should skip the header"

    press_tab_until(page, "#photo-library")
    choose_file_with_space(page, RESOURCES / "with-null-coordinates.jpg")
    submit.wait_until_uploaded()

    # No GPS in the photo: type the coordinates instead of using the map.
    press_tab_until(page, "#lat")
    keyboard.type(str(WESTMINSTER[0]))
    keyboard.press("Tab")
    keyboard.type(str(WESTMINSTER[1]))
    keyboard.press("Tab")
    expect(submit.borough).to_have_text("Council area: Westminster")
    expect(page.locator("#brand")).to_be_focused()

    # A closed select takes type-ahead: typing an option's first letters picks it.
    press_tab_until(page, "#camera_type")
    keyboard.type("Dome")
    press_tab_until(page, "#mount")
    keyboard.type("Pole")
    press_tab_until(page, "#operator_type")
    keyboard.type("School")
    press_tab_until(page, "#direction")
    keyboard.type("180")
    press_tab_until(page, "#note")
    keyboard.type("On the corner of the playground.")

    press_tab_until(page, "#submit-button")
    keyboard.press("Enter")
    expect(submit.thanks).to_be_focused()
    reference = submit.reference.inner_text()

    press_tab_until(page, "#thanks-track", max_presses=1)
    keyboard.press("Enter")
    expect(page).to_have_url(f"{server.url}/track/{reference}")
    expect(page.locator(".badge")).to_have_text("Pending")

    row = stored_sighting(server.app, reference)
    assert row is not None
    assert row["location_source"] == "typed"
    assert (row["camera_type"], row["mount"], row["operator_type"]) == ("dome", "pole", "school")
    assert row["direction"] == 180
    assert row["note"] == "On the corner of the playground."


@pytest.mark.parametrize("page_name", ["home", "about", "track", "not-found"])
def test_every_focus_stop_shows_a_focus_ring(page: Page, page_name: str, seeded_reference: str):
    open_public_page(page, page_name, seeded_reference)
    assert_focus_rings_visible(page)


def test_every_focus_stop_on_the_submission_page_shows_a_focus_ring(page: Page):
    submit = SubmitPage(page).open()
    submit.upload("big_ben.jpg")  # so the map pin and preview are on the page too
    expect(submit.marker).to_be_visible()
    assert_focus_rings_visible(page)


@pytest.mark.parametrize("page_name", ["submit", "about"])  # the pages with form controls
def test_every_control_has_an_accessible_name(page: Page, page_name: str, seeded_reference: str):
    open_public_page(page, page_name, seeded_reference)
    if page_name == "submit":
        SubmitPage(page).upload("big_ben.jpg")
    controls = page.locator("input:not([type=hidden]), select, textarea, button").count()
    assert controls > 0
    assert unlabelled_controls(page) == []


def test_messages_are_announced_to_screen_readers(page: Page):
    submit = SubmitPage(page).open()
    # Live regions must be in the page before their text changes, or nothing is read out.
    expect(submit.errors).to_have_attribute("role", "alert")
    expect(submit.borough).to_have_attribute("role", "status")
    expect(submit.borough).to_have_attribute("aria-live", "polite")
    expect(submit.photo_status).to_have_attribute("role", "status")
    field_errors = page.locator(".field-error")
    assert field_errors.count() > 0
    for index in range(field_errors.count()):
        expect(field_errors.nth(index)).to_have_attribute("aria-live", "polite")

    submit.send_button.click()
    expect(submit.errors).to_be_visible()
    expect(submit.errors).to_have_text("Add a photo of the camera first.")

    submit.upload("with-null-coordinates.jpg")
    submit.send_button.click()
    expect(submit.errors).to_contain_text("Set the camera's location")
    # The message is tied to the field, so it is read out when the field takes focus.
    expect(submit.lat).to_be_focused()
    expect(submit.lat).to_have_attribute("aria-describedby", "lat-error")
    expect(submit.field_error("lat")).to_contain_text("Set the camera's location")


@pytest.mark.parametrize("page_name", PUBLIC_PAGES)
def test_no_text_needs_an_emoji_font(page: Page, page_name: str, seeded_reference: str):
    """Phones and PCs without an emoji font draw emoji as empty boxes; icons are SVG."""
    open_public_page(page, page_name, seeded_reference)
    emoji = page.evaluate(
        """() => Array.from(document.body.innerText.matchAll(/\\p{Emoji_Presentation}/gu))
                     .map(match => match[0])"""
    )
    assert emoji == []


# Pairs of visible buttons closer than 4 CSS pixels, which a thumb cannot tell apart.
TOUCHING_BUTTONS_JS = """() => {
    const buttons = Array.from(document.querySelectorAll(".button, button"))
        .filter(el => el.getClientRects().length)
        .map(el => ({name: el.textContent.trim(), box: el.getBoundingClientRect()}));
    const gap = 4;
    const touching = [];
    buttons.forEach((a, i) => buttons.slice(i + 1).forEach(b => {
        const apart = a.box.right + gap <= b.box.left || b.box.right + gap <= a.box.left
            || a.box.bottom + gap <= b.box.top || b.box.bottom + gap <= a.box.top;
        if (!apart) { touching.push([a.name, b.name]); }
    }));
    return touching;
}"""


@pytest.mark.parametrize("page_name", PUBLIC_PAGES)
def test_buttons_keep_apart_on_a_phone(page: Page, page_name: str, seeded_reference: str):
    open_public_page(page, page_name, seeded_reference)
    assert page.locator(".button, button").count() > 0
    assert page.evaluate(TOUCHING_BUTTONS_JS) == []


def test_buttons_keep_apart_after_sending_a_report(page: Page):
    submit = SubmitPage(page).open()
    submit.upload("big_ben.jpg")
    submit.send()
    assert page.evaluate(TOUCHING_BUTTONS_JS) == []
