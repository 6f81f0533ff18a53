"""Duplicate suggestions: known cameras near the pin, and earlier photos that look the same."""

from __future__ import annotations

import io
import math
from datetime import date

from PIL import Image

from hikwatch.geo import EARTH_RADIUS_M, distance_m
from hikwatch.moderation import duplicates
from models import Camera, Sighting, db
from tests.conftest import resource_bytes
from tests.moderation_support import (
    CAMDEN,
    FAR_FROM_WESTMINSTER,
    NEAR_WESTMINSTER,
    WESTMINSTER,
    approve_new,
    post_form,
    submit_report,
)


def reference_of(app, sighting_id: int) -> str:
    with app.app_context():
        return db.session.get(Sighting, sighting_id).reference


def reencoded_copy(data: bytes, scale: float = 0.6, quality: int = 40) -> bytes:
    """The same picture as a messaging app might pass it on: smaller, recompressed, no EXIF."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    image = image.resize((round(image.width * scale), round(image.height * scale)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def review(client, sighting_id: int) -> str:
    return client.get(f"/moderate/sightings/{sighting_id}").get_data(as_text=True)


# ---------- by place ----------


def test_known_cameras_within_the_radius_are_suggested_with_distance(app, moderator_client):
    approve_new(moderator_client, submit_report(app), where=WESTMINSTER)
    far = submit_report(app, resource_bytes("gps.jpg"), where=FAR_FROM_WESTMINSTER)
    approve_new(moderator_client, far, where=FAR_FROM_WESTMINSTER)
    sighting_id = submit_report(app, resource_bytes("newyear_london.jpg"), where=NEAR_WESTMINSTER)
    html = review(moderator_client, sighting_id)
    gap = distance_m(WESTMINSTER["lat"], WESTMINSTER["lon"], *NEAR_WESTMINSTER.values())
    assert 15 < gap < 25
    assert "Known cameras within 30 m" in html
    assert f"{int(gap)} m away" in html
    assert '<input type="hidden" name="confirm-camera_id" value="1">' in html
    assert "Confirm as camera #1" in html
    assert "Confirm as camera #2" not in html  # 200 m away


def test_the_radius_is_configurable(app, moderator_client):
    approve_new(moderator_client, submit_report(app), where=WESTMINSTER)
    sighting_id = submit_report(app, resource_bytes("newyear_london.jpg"), where=NEAR_WESTMINSTER)
    app.config["DUPLICATE_RADIUS_M"] = 10
    html = review(moderator_client, sighting_id)
    assert "Known cameras within 10 m" not in html
    assert "Confirm as camera #1" not in html


def test_the_box_query_is_refined_by_exact_distance(app):
    """A camera in the corner of the bounding box is further than the radius: not near."""
    radius = 30.0
    step = math.degrees(radius / EARTH_RADIUS_M) * 0.95  # just inside the box on each axis
    corner = (51.5 + step, -0.12 + step / math.cos(math.radians(51.5)))
    with app.app_context():
        for lat, lon in [(51.5, -0.12), corner]:
            db.session.add(
                Camera(
                    lat=lat,
                    lon=lon,
                    borough_code="E09000033",
                    brand="hikvision",
                    brand_evidence="logo",
                    camera_type="dome",
                    mount="wall",
                    operator_type="unknown",
                    first_seen=date(2026, 1, 1),
                    last_confirmed=date(2026, 1, 1),
                )
            )
        db.session.commit()
        near = duplicates.cameras_near(51.5, -0.12, radius)
        assert [n.camera.id for n in near] == [1]
        assert near[0].distance_m == 0.0


# ---------- by picture ----------


def test_the_same_photo_sent_twice_is_caught(app, moderator_client):
    first = submit_report(app, resource_bytes("big_ben.jpg"), where=CAMDEN)
    again = submit_report(app, resource_bytes("big_ben.jpg"), where=WESTMINSTER)
    html = review(moderator_client, again)
    assert "Reports with a photo like this one" in html
    assert reference_of(app, first) in html
    assert "the very same file" in html


def test_a_reencoded_resized_copy_is_caught(app, moderator_client):
    original = submit_report(app, resource_bytes("big_ben.jpg"))
    approve_new(moderator_client, original)
    copy = submit_report(app, reencoded_copy(resource_bytes("big_ben.jpg")), where=CAMDEN)
    with app.app_context():
        matches = duplicates.similar_reports(db.session.get(Sighting, copy), max_hamming=8)
        assert [m.sighting.id for m in matches] == [original]
        assert matches[0].hamming <= 8 and not matches[0].same_file
    html = review(moderator_client, copy)
    assert reference_of(app, original) in html
    assert "of 64 bits differ" in html
    assert "Confirm as camera #1" in html  # it is the same camera, however far the pin


def test_a_different_photo_is_not_suggested(app, moderator_client):
    submit_report(app, resource_bytes("big_ben.jpg"))
    other = submit_report(app, resource_bytes("newyear_london.jpg"), where=CAMDEN)
    html = review(moderator_client, other)
    assert "no photo like this one" in html
    assert "Reports with a photo like this one" not in html


def test_a_rejected_report_is_matched_only_by_identical_bytes(app, moderator_client):
    rejected = submit_report(app, resource_bytes("big_ben.jpg"))
    url = f"/moderate/sightings/{rejected}/reject"
    assert post_form(moderator_client, url, {"reject-reason": "photo_unusable"}).status_code == 302
    resent = submit_report(app, resource_bytes("big_ben.jpg"), where=CAMDEN)
    lookalike = submit_report(app, reencoded_copy(resource_bytes("big_ben.jpg")), where=CAMDEN)
    with app.app_context():
        for sighting_id, expected in [(resent, [rejected, lookalike]), (lookalike, [resent])]:
            sighting = db.session.get(Sighting, sighting_id)
            matches = duplicates.similar_reports(sighting, max_hamming=8)
            assert [m.sighting.id for m in matches] == expected


def test_hamming_distance_counts_differing_bits():
    assert duplicates.hamming("0000000000000000", "0000000000000000") == 0
    assert duplicates.hamming("ffffffffffffffff", "0000000000000000") == 64
    assert duplicates.hamming("8000000000000001", "0000000000000000") == 2
