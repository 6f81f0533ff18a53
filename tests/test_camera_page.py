"""A camera's public page, and which photos anyone may see."""

from __future__ import annotations

import re

import pytest

from models import db
from tests.factories import (
    WESTMINSTER,
    change_status,
    make_camera,
    make_photo,
    make_removal_report,
    make_sighting,
)


def test_camera_page_in_plain_words_and_osm_tags(client, app):
    with app.app_context():
        camera = make_camera(
            WESTMINSTER, operator_type="council_street", camera_type="dome", mount="street_lamp",
            direction=180,
        )  # fmt: skip
        make_sighting(camera)
        make_sighting(camera)
        change_status(camera, "covered")
        camera_id = camera.id
        db.session.commit()
    html = client.get(f"/cameras/{camera_id}").get_data(as_text=True)
    assert f"Camera {camera_id}" in html
    assert "Dome camera on a street lamp, facing south (180°), in Westminster" in html
    assert "2 resident reports matched to this camera by moderators. It counts once." in html
    assert "recorded as covered" in html and "1 May 2026" in html
    assert "First seen</dt><dd>1 March 2026" in html
    assert "Last confirmed</dt><dd>1 April 2026" in html
    # Covered: still on its lamp but not watching, checked the day the report was confirmed.
    for tag in ('class="tags">disused:man_made=surveillance', "surveillance=public",
                "surveillance:zone=town", "surveillance:type=camera", "manufacturer=Hikvision",
                "camera:type=dome", "camera:mount=street_lamp", "camera:direction=180",
                "operator:type=government", "check_date=2026-05-01"):  # fmt: skip
        assert tag in html
    assert "\nman_made=" not in html
    assert f'href="/cameras/{camera_id}/report-removal"' in html
    assert f"http://localhost/cameras/{camera_id}" in html  # permalink in the citation
    assert len(re.findall(r'src="/photos/\d+/display.jpg"', html)) == 2


def test_removed_camera_takes_the_osm_lifecycle_prefix(client, app):
    with app.app_context():
        camera = make_camera(WESTMINSTER)
        change_status(camera, "removed")
        camera_id = camera.id
        db.session.commit()
    html = client.get(f"/cameras/{camera_id}").get_data(as_text=True)
    assert "disused:man_made=surveillance" in html
    assert "\nman_made=surveillance" not in html
    assert "check_date=2026-05-01" in html  # the day its removal was confirmed
    assert "report-removal" not in html  # nothing left to report
    assert "still-there" not in html


def test_unknown_camera_is_not_found(client):
    assert client.get("/cameras/12345").status_code == 404


@pytest.fixture
def photos(app):
    """Photo ids in every state a photo can be in."""
    with app.app_context():
        camera = make_camera(WESTMINSTER)
        approved = make_sighting(camera).photo_id
        pending = make_sighting(None, status="pending").photo_id
        rejected = make_sighting(None, status="rejected").photo_id
        # Approved but not (yet) attached to a camera: not public either.
        loose = make_sighting(None, status="approved").photo_id
        removal_photo, pending_removal_photo = make_photo(), make_photo()
        make_removal_report(camera, status="confirmed", photo=removal_photo)
        make_removal_report(camera, status="pending", photo=pending_removal_photo)
        unattached = make_photo()
        db.session.commit()
        return {
            "public": [approved, removal_photo.id],
            "private": [pending, rejected, loose, pending_removal_photo.id, unattached.id],
        }


def test_only_public_photos_are_served_and_only_their_derivatives(client, photos):
    for photo_id in photos["public"]:
        for variant in ("thumb", "display"):
            response = client.get(f"/photos/{photo_id}/{variant}.jpg")
            assert response.status_code == 200
            assert response.mimetype == "image/jpeg"
            assert not response.get_data().startswith(b"ORIGINAL-")
        assert client.get(f"/photos/{photo_id}/original.jpg").status_code == 404
    for photo_id in photos["private"]:
        for variant in ("thumb", "display", "original"):
            assert client.get(f"/photos/{photo_id}/{variant}.jpg").status_code == 404


def test_photo_stops_being_public_when_its_report_is_withdrawn(client, app):
    with app.app_context():
        sighting = make_sighting(make_camera(WESTMINSTER))
        photo_id = sighting.photo_id
        db.session.commit()
        assert client.get(f"/photos/{photo_id}/thumb.jpg").status_code == 200
        sighting.status = "rejected"
        db.session.commit()
    assert client.get(f"/photos/{photo_id}/thumb.jpg").status_code == 404


def test_public_photos_are_revalidated_so_a_new_redaction_shows_at_once(app, client):
    """A re-redacted photo must never be served stale from a cache."""
    from tests.factories import make_camera, make_sighting

    with app.app_context():
        photo_id = make_sighting(make_camera()).photo_id
        db.session.commit()
    response = client.get(f"/photos/{photo_id}/display.jpg")
    assert response.status_code == 200
    assert "no-cache" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    again = client.get(f"/photos/{photo_id}/display.jpg", headers={"If-None-Match": etag})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/api/cameras/34304882240588789841920",
        "/cameras/2147483648",
        "/photos/34304882240588789841920/thumb.jpg",
    ],
)
def test_a_number_larger_than_any_row_id_is_not_found(client, path):
    response = client.get(path)
    assert response.status_code == 404
