"""A report's whole journey with photos on object storage: a resident submits a photo, a
moderator approves it, and the public camera page shows it, every file in a bucket on the
local S3 server and none on the app's disk."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.browser import PHONE
from tests.e2e.live_server import LiveServer, create_account, live_server, stored_sighting
from tests.e2e.staff_pages import camera_number_in, flash_message, log_in, queue_item
from tests.e2e.submit_page import SubmitPage
from tests.object_storage import S3Server

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(tmp_path: Path, migrated_database: Path, s3_server: S3Server) -> Iterator[LiveServer]:
    settings = s3_server.store_config(s3_server.new_bucket())
    with live_server(tmp_path / "live-server", migrated_database, settings) as running:
        yield running


def test_a_photo_in_the_bucket_is_submitted_approved_and_published(
    make_context: Callable[..., BrowserContext], server: LiveServer, tmp_path: Path
):
    store = server.app.extensions["file_store"]
    assert store.location.startswith("s3://")
    moderator = create_account(server.app, "moderator@example.org")

    resident = make_context(PHONE).new_page()
    submit = SubmitPage(resident).open()
    submit.upload("big_ben.jpg")
    assert submit.preview_width() > 0  # the preview came from the bucket, through the app
    reference = submit.send()
    photo_id = stored_sighting(server.app, reference)["photo_id"]
    stored = sorted(store.walk())
    assert [key.split("/")[0] for key in stored] == ["display", "originals", "thumbs"]
    assert not (tmp_path / "live-server" / "uploads").exists()

    staff = make_context(PHONE).new_page()
    log_in(staff, moderator)
    queue_item(staff, reference).click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text(reference)
    staff.locator("#approve-brand_verified").check()
    staff.locator("button", has_text="Approve as a new camera").click()
    camera_id = camera_number_in(flash_message(staff))

    viewer = make_context(PHONE).new_page()
    viewer.goto(f"/cameras/{camera_id}")
    image = viewer.locator(f'.photos img[src$="/photos/{photo_id}/display.jpg"]')
    image.scroll_into_view_if_needed()
    viewer.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    served = viewer.request.get(image.get_attribute("src"))
    display = next(key for key in stored if key.startswith("display/"))
    assert served.ok and served.body() == store.read(display)
