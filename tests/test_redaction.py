"""Hiding areas of a photo: public images rebuilt from the untouched private original."""

from __future__ import annotations

import hashlib
import io

import numpy as np
from PIL import Image

from hikwatch import photos
from models import Photo, Sighting, db
from tests.conftest import resource_bytes
from tests.moderation_support import approve_new, post_form, second_moderator_client, submit_report

# gps.jpg is a 920x570 street photo with detail everywhere, so hiding shows.
PHOTO = "gps.jpg"


def published_photo(app, moderator_client) -> int:
    """A report approved as a camera, so its photo is public; the photo's id."""
    sighting_id = submit_report(app, resource_bytes(PHOTO))
    assert approve_new(moderator_client, sighting_id).status_code == 302
    with app.app_context():
        return db.session.get(Sighting, sighting_id).photo_id


def photo_row(app, photo_id: int) -> Photo:
    with app.app_context():
        photo = db.session.get(Photo, photo_id)
        db.session.expunge(photo)
        return photo


def stored(app, relative: str) -> bytes:
    return app.extensions["file_store"].read(relative)


def pixels(jpeg: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB"), dtype=np.int16)


def region(array: np.ndarray, x: float, y: float, w: float, h: float) -> np.ndarray:
    """The part of an image given in fractions, shrunk by a pixel on each side."""
    height, width = array.shape[:2]
    top, left = int(y * height) + 1, int(x * width) + 1
    return array[top : int((y + h) * height) - 1, left : int((x + w) * width) - 1]


def save_boxes(client, photo_id: int, boxes: list[tuple], **extra):
    """Post the redaction form: one row per (x, y, w, h, mode) in percent, plus a blank row."""
    rows = [*boxes, ("", "", "", "", "blur")]
    data = {f"redaction-{key}": [str(row[i]) for row in rows] for i, key in enumerate("xywh")}
    data["redaction-mode"] = [row[4] for row in rows]
    return post_form(client, f"/moderate/photos/{photo_id}/redactions", {**data, **extra})


def test_a_black_box_rebuilds_the_public_images_from_the_original(app, moderator_client):
    photo_id = published_photo(app, moderator_client)
    before = photo_row(app, photo_id)
    original_sha = hashlib.sha256(stored(app, before.original_path)).hexdigest()
    old_display = stored(app, before.display_path)

    response = save_boxes(moderator_client, photo_id, [(10, 20, 30, 25, "black")])
    assert response.status_code == 302

    after = photo_row(app, photo_id)
    assert after.redactions == [{"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.25, "mode": "black"}]
    assert after.display_path != before.display_path and after.thumb_path != before.thumb_path
    store = app.extensions["file_store"]
    assert not store.exists(before.display_path) and not store.exists(before.thumb_path)
    new_display = stored(app, after.display_path)
    # Inside the box: black. Far from it: the same picture, give or take JPEG noise.
    box = region(pixels(new_display), 0.1, 0.2, 0.3, 0.25)
    assert box.max() <= 12
    far_before = region(pixels(old_display), 0.6, 0.6, 0.35, 0.35)
    far_after = region(pixels(new_display), 0.6, 0.6, 0.35, 0.35)
    assert np.abs(far_before - far_after).mean() < 2.0
    assert region(pixels(old_display), 0.1, 0.2, 0.3, 0.25).mean() > 40  # it was not dark
    # Public images carry no metadata; the original is the very file uploaded.
    assert photos.metadata_free(new_display)
    assert photos.metadata_free(stored(app, after.thumb_path))
    assert stored(app, after.original_path) == resource_bytes(PHOTO)
    assert hashlib.sha256(stored(app, after.original_path)).hexdigest() == original_sha
    # The public route serves the rebuilt image.
    public = app.test_client().get(f"/photos/{photo_id}/display.jpg")
    assert public.status_code == 200 and public.get_data() == new_display


def test_a_blur_box_removes_the_detail_there_only(app, moderator_client):
    photo_id = published_photo(app, moderator_client)
    old_display = stored(app, photo_row(app, photo_id).display_path)
    assert save_boxes(moderator_client, photo_id, [(50, 10, 40, 40, "blur")]).status_code == 302
    new_display = stored(app, photo_row(app, photo_id).display_path)

    def detail(jpeg: bytes, *box) -> float:
        # Mean difference between neighbouring pixels: high for texture, low for blur.
        area = region(pixels(jpeg), *box).mean(axis=2)
        return float(np.abs(np.diff(area, axis=1)).mean())

    assert detail(new_display, 0.5, 0.1, 0.4, 0.4) < detail(old_display, 0.5, 0.1, 0.4, 0.4) / 3
    far = (0.05, 0.6, 0.35, 0.35)
    assert abs(detail(new_display, *far) - detail(old_display, *far)) < 1.0


def test_removing_every_box_brings_the_area_back(app, moderator_client):
    photo_id = published_photo(app, moderator_client)
    first_display = stored(app, photo_row(app, photo_id).display_path)
    save_boxes(moderator_client, photo_id, [(10, 10, 50, 50, "black")])
    assert save_boxes(moderator_client, photo_id, []).status_code == 302
    photo = photo_row(app, photo_id)
    assert photo.redactions is None
    restored = pixels(stored(app, photo.display_path))
    assert np.abs(restored - pixels(first_display)).mean() < 1.0


def test_unreadable_boxes_are_refused_and_change_nothing(app, moderator_client):
    photo_id = published_photo(app, moderator_client)
    before = photo_row(app, photo_id)
    files = sorted(app.extensions["file_store"].walk())
    response = save_boxes(moderator_client, photo_id, [(150, 10, 10, 10, "black")])
    assert response.status_code == 302
    page = moderator_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rectangle 1: use percentages from 0 to 100." in page
    assert photo_row(app, photo_id).display_path == before.display_path
    assert sorted(app.extensions["file_store"].walk()) == files


def test_boxes_are_listed_for_editing_and_returned_to_the_page(app, moderator_client):
    photo_id = published_photo(app, moderator_client)
    back = "/moderate/cameras/1"
    response = save_boxes(moderator_client, photo_id, [(12.5, 20, 30, 25, "blur")], next=back)
    assert response.headers["Location"] == back
    camera_page = moderator_client.get(back).get_data(as_text=True)
    assert f"/moderate/photos/{photo_id}?next=/moderate/cameras/1" in camera_page
    html = moderator_client.get(f"/moderate/photos/{photo_id}?next={back}").get_data(as_text=True)
    assert 'name="redaction-x" min="0" max="100" step="0.01" inputmode="decimal"' in html
    assert 'value="12.5"' in html and 'value="30.0"' in html


def test_saving_never_redirects_off_site(app, moderator_client):
    photo_id = published_photo(app, moderator_client)
    response = save_boxes(moderator_client, photo_id, [], next="https://evil.example/")
    assert response.headers["Location"] == f"/moderate/photos/{photo_id}"
    assert len(list(app.extensions["file_store"].walk())) == 3


def test_someone_elses_claimed_report_cannot_be_redacted(app, moderator_client):
    sighting_id = submit_report(app, resource_bytes(PHOTO))
    moderator_client.get(f"/moderate/sightings/{sighting_id}")  # claims it
    with app.app_context():
        photo_id = db.session.get(Sighting, sighting_id).photo_id
    other = second_moderator_client(app)
    response = save_boxes(other, photo_id, [(10, 10, 10, 10, "black")])
    assert response.status_code == 409
    assert photo_row(app, photo_id).redactions is None
