"""What a moderator may record: Hikvision-group brands only, verification only from a logo
or label, a new camera near a known one only when said to be different, and a resident's
"it's still there" photo only as a confirmation."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from hikwatch.clock import london_today
from models import AuditEvent, Camera, Sighting, db
from tests.conftest import csrf_token, resource_bytes
from tests.factories import make_camera
from tests.moderation_support import (
    NEAR_WESTMINSTER,
    WESTMINSTER,
    approve_data,
    approve_new,
    page_token,
    post_form,
    submit_report,
)


def cameras(app) -> list[Camera]:
    with app.app_context():
        found = db.session.execute(db.select(Camera).order_by(Camera.id)).scalars().all()
        db.session.expunge_all()
        return found


def sighting(app, sighting_id: int) -> Sighting:
    with app.app_context():
        found = db.session.get(Sighting, sighting_id)
        db.session.expunge_all()
        return found


def as_json(client, url: str, data: dict):
    """The moderators' form posted by a script that asks for JSON."""
    return client.post(
        url,
        data={"csrf_token": page_token(client), **data},
        headers={"Accept": "application/json"},
    )


# ---------- brands ----------


def test_a_brand_outside_the_group_never_becomes_a_camera(app, moderator_client):
    sighting_id = submit_report(app, brand="other", brand_evidence="form_factor")
    response = approve_new(moderator_client, sighting_id, brand="other")
    assert response.status_code == 422
    assert "Not a Hikvision-group camera" in response.get_data(as_text=True)
    refused = as_json(
        moderator_client, f"/moderate/sightings/{sighting_id}/approve", approve_data(brand="other")
    )
    assert refused.status_code == 422 and "Hikvision-group" in refused.get_json()["error"]
    assert refused.get_json()["field"] == "brand"
    assert cameras(app) == [] and sighting(app, sighting_id).status == "pending"

    rejected = post_form(
        moderator_client,
        f"/moderate/sightings/{sighting_id}/reject",
        {"reject-reason": "not_hikvision"},
    )
    assert rejected.status_code == 302
    assert sighting(app, sighting_id).reject_reason == "not_hikvision"
    page = moderator_client.get(f"/moderate/sightings/{sighting_id}").get_data(as_text=True)
    assert "Rejected: Not a Hikvision-group camera" in page


def test_form_factor_alone_cannot_verify_a_brand(app, moderator_client):
    sighting_id = submit_report(app, brand_evidence="form_factor")
    data = approve_data(brand_evidence="form_factor", brand_verified="y")
    url = f"/moderate/sightings/{sighting_id}/approve"
    page = post_form(moderator_client, url, data)
    assert page.status_code == 422
    assert "verified only from a logo or a label" in page.get_data(as_text=True)
    api = as_json(moderator_client, url, data)
    assert api.status_code == 422 and api.get_json()["field"] == "brand_verified"
    assert cameras(app) == []

    # Unticked, it is recorded, and counted as unconfirmed.
    assert (
        approve_new(moderator_client, sighting_id, brand_evidence="form_factor").status_code == 302
    )
    [camera] = cameras(app)
    assert camera.brand_verified is False
    counts = moderator_client.get("/api/boroughs").get_json()["totals"]
    assert (counts["verified"], counts["unconfirmed"]) == (0, 1)

    # Nor can a correction verify it from the shape.
    edit = {f"camera-{k.split('-', 1)[1]}": v for k, v in data.items()}
    response = post_form(moderator_client, f"/moderate/cameras/{camera.id}", edit)
    assert response.status_code == 422 and cameras(app)[0].brand_verified is False
    edit["camera-brand_evidence"] = "label"
    assert post_form(moderator_client, f"/moderate/cameras/{camera.id}", edit).status_code == 302
    assert cameras(app)[0].brand_verified is True


def test_a_confirmation_verifies_only_from_a_logo_or_label(app, moderator_client):
    first = submit_report(app, brand_evidence="form_factor")
    assert approve_new(moderator_client, first, brand_evidence="form_factor").status_code == 302
    camera_id = cameras(app)[0].id
    same_shape = submit_report(
        app, resource_bytes("newyear_london.jpg"), brand_evidence="form_factor"
    )
    url = f"/moderate/sightings/{same_shape}/confirm"
    refused = post_form(
        moderator_client, url, {"confirm-camera_id": camera_id, "confirm-verify_brand": "y"}
    )
    assert refused.status_code == 422 and cameras(app)[0].brand_verified is False
    with_logo = submit_report(app, resource_bytes("gps.jpg"), brand_evidence="logo")
    confirmed = post_form(
        moderator_client,
        f"/moderate/sightings/{with_logo}/confirm",
        {"confirm-camera_id": camera_id, "confirm-verify_brand": "y"},
    )
    assert confirmed.status_code == 302
    camera = cameras(app)[0]
    assert camera.brand_verified is True and camera.brand_evidence == "logo"


# ---------- duplicates ----------


def test_a_new_camera_near_a_known_one_needs_the_moderators_word(app, moderator_client):
    assert approve_new(moderator_client, submit_report(app)).status_code == 302
    known = cameras(app)[0].id
    near = submit_report(app, resource_bytes("newyear_london.jpg"), where=NEAR_WESTMINSTER)
    url = f"/moderate/sightings/{near}/approve"

    refused = approve_new(moderator_client, near, where=NEAR_WESTMINSTER)
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert 'id="duplicate-check"' in html and f"camera #{known}</a> (19 m, active)" in html
    assert "This is a different camera" in html
    api = as_json(moderator_client, url, approve_data(where=NEAR_WESTMINSTER))
    assert api.status_code == 409
    [candidate] = api.get_json()["candidates"]
    assert candidate["id"] == known and 15 < candidate["distance_m"] < 30
    assert candidate["status"] == "active"
    assert len(cameras(app)) == 1 and sighting(app, near).status == "pending"

    forced = approve_new(moderator_client, near, where=NEAR_WESTMINSTER, different_camera="y")
    assert forced.status_code == 302 and len(cameras(app)) == 2
    with app.app_context():
        created = (
            db.session.execute(
                db.select(AuditEvent)
                .filter_by(action="camera.create")
                .order_by(AuditEvent.id.desc())
            )
            .scalars()
            .first()
        )
        assert f"confirmed a different camera from #{known}" in created.reason


def test_the_report_page_warns_before_anyone_approves(app, moderator_client):
    with app.app_context():
        known = make_camera((WESTMINSTER["lat"], WESTMINSTER["lon"])).id
        gone = make_camera((WESTMINSTER["lat"], WESTMINSTER["lon"]), status="retracted").id
        db.session.commit()
    sighting_id = submit_report(app)
    html = moderator_client.get(f"/moderate/sightings/{sighting_id}").get_data(as_text=True)
    check = html.split('id="duplicate-check"', 1)[1].split("</div>", 1)[0]
    assert f"camera #{known}" in check and f"camera #{gone}" not in check
    assert 'name="approve-different_camera"' in check


def test_retracted_and_merged_records_are_no_duplicates(app, moderator_client):
    with app.app_context():
        make_camera((WESTMINSTER["lat"], WESTMINSTER["lon"]), status="retracted")
        make_camera((WESTMINSTER["lat"], WESTMINSTER["lon"]), status="merged")
        db.session.commit()
    assert approve_new(moderator_client, submit_report(app)).status_code == 302


# ---------- "It's still there: add a photo" ----------


def test_a_fresh_photo_of_a_known_camera_confirms_it(app, client, moderator_client):
    long_ago = london_today() - timedelta(days=500)
    with app.app_context():
        camera = make_camera(
            (WESTMINSTER["lat"], WESTMINSTER["lon"]),
            camera_type="fixed",
            first_seen=long_ago,
            last_confirmed=long_ago,
        )
        camera_id = camera.id
        db.session.commit()

    page = client.get(f"/cameras/{camera_id}").get_data(as_text=True)
    assert f'href="/submit?camera={camera_id}"' in page and "It's still there: add a photo" in page
    form = client.get(f"/submit?camera={camera_id}").get_data(as_text=True)
    assert f'name="recheck_camera_id" type="hidden" value="{camera_id}"' in form
    assert f'value="{WESTMINSTER["lat"]!r}"' in form and '<option selected value="fixed">' in form
    assert f'href="/cameras/{camera_id}"' in form

    sighting_id = submit_report(app, recheck_camera_id=camera_id, seen_on=str(london_today()))
    assert sighting(app, sighting_id).recheck_camera_id == camera_id
    review = moderator_client.get(f"/moderate/sightings/{sighting_id}").get_data(as_text=True)
    assert 'id="recheck-note"' in review and "Approve as a new camera</button>" not in review
    assert re.search(rf'id="confirm-camera_id"[^>]*value="{camera_id}"', review)

    refused = approve_new(moderator_client, sighting_id)
    assert refused.status_code == 409 and len(cameras(app)) == 1
    confirmed = post_form(
        moderator_client,
        f"/moderate/sightings/{sighting_id}/confirm",
        {"confirm-camera_id": camera_id},
    )
    assert confirmed.status_code == 302
    [camera] = cameras(app)
    assert camera.last_confirmed == london_today() and camera.first_seen == long_ago


def test_a_fresh_photo_is_only_for_a_camera_still_on_the_map(app):
    with app.app_context():
        retracted = make_camera(status="retracted").id
        db.session.commit()
    resident = app.test_client()
    headers = {"X-CSRFToken": csrf_token(resident)}
    uploaded = resident.post(
        "/api/uploads",
        data={"photo": (io.BytesIO(resource_bytes("big_ben.jpg")), "c.jpg")},
        headers=headers,
    ).get_json()
    payload = {
        "upload_id": uploaded["upload_id"],
        "recheck_camera_id": retracted,
        "location_source": "map",
        **WESTMINSTER,
    }
    sent = resident.post("/api/sightings", json=payload, headers=headers)
    assert sent.status_code == 422 and sent.get_json()["field"] == "recheck_camera_id"
    with app.app_context():  # the report was not stored
        assert db.session.execute(db.select(db.func.count(Sighting.id))).scalar() == 0
