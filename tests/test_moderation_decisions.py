"""Each decision a moderator can make on a report, through the item page's forms."""

from __future__ import annotations

from datetime import date

from models import Camera, CameraStatusChange, Sighting, db
from tests.conftest import resource_bytes
from tests.moderation_support import (
    CAMDEN,
    NEAR_WESTMINSTER,
    WATFORD,
    approve_new,
    post_form,
    submit_report,
)


def load(app, model, row_id):
    """A detached copy of a row's columns, readable outside the app context."""
    with app.app_context():
        row = db.session.get(model, row_id)
        return None if row is None else {c.key: getattr(row, c.key) for c in model.__table__.c}


def camera_count(app) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count()).select_from(Camera)).scalar_one()


def confirm(client, sighting_id: int, camera_id: int, **extra):
    data = {"confirm-camera_id": str(camera_id), **extra}
    return post_form(client, f"/moderate/sightings/{sighting_id}/confirm", data)


# ---------- approve as a new camera ----------


def test_approving_as_new_creates_an_active_verified_camera(app, moderator_client, moderator):
    sighting_id = submit_report(app, seen_on="2026-09-15", brand="hilook")
    response = approve_new(
        moderator_client,
        sighting_id,
        where=NEAR_WESTMINSTER,
        brand="hilook",
        brand_evidence="label",
        camera_type="fixed",
        mount="pole",
        direction="90",
        operator_type="council_street",
        brand_verified="y",
    )
    assert response.status_code == 302 and response.headers["Location"] == "/moderate/"
    camera = load(app, Camera, 1)
    assert (camera["lat"], camera["lon"]) == (NEAR_WESTMINSTER["lat"], NEAR_WESTMINSTER["lon"])
    assert camera["borough_code"] == "E09000033" and camera["status"] == "active"
    assert camera["first_seen"] == camera["last_confirmed"] == date(2026, 9, 15)
    assert (camera["brand"], camera["brand_evidence"]) == ("hilook", "label")
    assert (camera["camera_type"], camera["mount"], camera["direction"]) == ("fixed", "pole", 90)
    assert camera["brand_verified"] is True
    assert camera["verified_by_id"] == moderator and camera["verified_at"] is not None
    assert camera["created_by_id"] == moderator
    sighting = load(app, Sighting, sighting_id)
    assert (sighting["status"], sighting["camera_id"]) == ("approved", 1)
    assert sighting["decided_by_id"] == moderator and sighting["decided_at"] is not None
    assert sighting["claimed_by_id"] is None
    with app.app_context():
        history = db.session.execute(db.select(CameraStatusChange)).scalars().all()
        assert [(h.status, h.changed_on) for h in history] == [("active", date(2026, 9, 15))]
    assert "Approved as new camera #1 in Westminster." in moderator_client.get(
        "/moderate/"
    ).get_data(as_text=True)


def test_without_the_tick_the_brand_is_not_verified(app, moderator_client):
    sighting_id = submit_report(app)
    assert approve_new(moderator_client, sighting_id).status_code == 302
    camera = load(app, Camera, 1)
    assert camera["brand_verified"] is False
    assert camera["verified_at"] is None and camera["verified_by_id"] is None


def test_a_moved_pin_gets_its_council_area_worked_out_again(app, moderator_client):
    sighting_id = submit_report(app)  # the resident put it in Westminster
    assert approve_new(moderator_client, sighting_id, where=CAMDEN).status_code == 302
    assert load(app, Camera, 1)["borough_code"] == "E09000007"
    # The report itself keeps what the resident said.
    assert load(app, Sighting, sighting_id)["borough_code"] == "E09000033"


def test_approving_outside_london_is_refused_and_keeps_the_form(app, moderator_client):
    sighting_id = submit_report(app)
    response = approve_new(moderator_client, sighting_id, where=WATFORD)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "outside the 33 London council areas" in html
    assert 'value="51.6565"' in html  # what the moderator typed is still there
    assert camera_count(app) == 0
    assert load(app, Sighting, sighting_id)["status"] == "pending"


def test_approve_form_errors_are_shown_on_the_page(app, moderator_client):
    sighting_id = submit_report(app)
    response = approve_new(moderator_client, sighting_id, lat="north", direction="400")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Enter a number" in html and "Direction is 0 to 359 degrees." in html
    assert camera_count(app) == 0


# ---------- approve as a confirmation of a known camera ----------


def test_confirming_a_known_camera_counts_it_once_and_widens_its_dates(app, moderator_client):
    first = submit_report(app, seen_on="2026-05-01")
    assert approve_new(moderator_client, first).status_code == 302
    later = submit_report(
        app, resource_bytes("newyear_london.jpg"), where=NEAR_WESTMINSTER, seen_on="2026-08-01"
    )
    assert confirm(moderator_client, later, 1).status_code == 302
    earlier = submit_report(app, resource_bytes("gps.jpg"), seen_on="2026-03-01")
    assert confirm(moderator_client, earlier, 1).status_code == 302
    assert camera_count(app) == 1
    camera = load(app, Camera, 1)
    assert camera["last_confirmed"] == date(2026, 8, 1)
    assert camera["first_seen"] == date(2026, 3, 1)
    for sighting_id in (first, later, earlier):
        assert load(app, Sighting, sighting_id)["camera_id"] == 1
    assert load(app, Sighting, later)["status"] == "approved"


def test_confirming_can_verify_the_brand(app, moderator_client, moderator):
    assert approve_new(moderator_client, submit_report(app)).status_code == 302
    assert load(app, Camera, 1)["brand_verified"] is False
    second = submit_report(app, resource_bytes("newyear_london.jpg"))
    assert confirm(moderator_client, second, 1, **{"confirm-verify_brand": "y"}).status_code == 302
    camera = load(app, Camera, 1)
    assert camera["brand_verified"] is True and camera["verified_by_id"] == moderator


def test_confirming_a_camera_that_does_not_exist_is_refused(app, moderator_client):
    sighting_id = submit_report(app)
    response = confirm(moderator_client, sighting_id, 99)
    assert response.status_code == 422
    assert "There is no camera #99." in response.get_data(as_text=True)
    assert load(app, Sighting, sighting_id)["status"] == "pending"


# ---------- reject ----------


def test_rejecting_with_a_reason(app, moderator_client, moderator, client):
    sighting_id = submit_report(app)
    url = f"/moderate/sightings/{sighting_id}/reject"
    response = post_form(moderator_client, url, {"reject-reason": "not_hikvision"})
    assert response.status_code == 302
    sighting = load(app, Sighting, sighting_id)
    assert (sighting["status"], sighting["reject_reason"]) == ("rejected", "not_hikvision")
    assert sighting["decided_by_id"] == moderator and sighting["camera_id"] is None
    assert camera_count(app) == 0
    # The resident learns it was not accepted; it stays in the record.
    assert "Not accepted" in client.get(f"/track/{sighting['reference']}").get_data(as_text=True)
    page = moderator_client.get(f"/moderate/sightings/{sighting_id}").get_data(as_text=True)
    assert "Rejected: Not a Hikvision-group camera" in page


def test_rejecting_as_other_needs_a_note(app, moderator_client):
    sighting_id = submit_report(app)
    url = f"/moderate/sightings/{sighting_id}/reject"
    response = post_form(moderator_client, url, {"reject-reason": "other", "reject-note": "  "})
    assert response.status_code == 400
    assert "Say why the report is rejected" in response.get_data(as_text=True)
    assert load(app, Sighting, sighting_id)["status"] == "pending"
    data = {"reject-reason": "other", "reject-note": "A doorbell camera, not CCTV"}
    assert post_form(moderator_client, url, data).status_code == 302
    sighting = load(app, Sighting, sighting_id)
    assert (sighting["reject_reason"], sighting["reject_note"]) == (
        "other",
        "A doorbell camera, not CCTV",
    )


def test_an_unknown_reject_reason_is_refused(app, moderator_client):
    sighting_id = submit_report(app)
    url = f"/moderate/sightings/{sighting_id}/reject"
    assert post_form(moderator_client, url, {"reject-reason": "bored"}).status_code == 400
    assert load(app, Sighting, sighting_id)["status"] == "pending"


# ---------- needs more information ----------


def test_asking_for_information_keeps_it_pending_and_tells_the_resident(
    app, moderator_client, client
):
    sighting_id = submit_report(app)
    moderator_client.get(f"/moderate/sightings/{sighting_id}")
    message = "Which side of the road is it on? <script>"
    url = f"/moderate/sightings/{sighting_id}/request-info"
    assert post_form(moderator_client, url, {"info-message": message}).status_code == 302
    sighting = load(app, Sighting, sighting_id)
    assert sighting["status"] == "pending" and sighting["info_request"] == message
    assert sighting["claimed_by_id"] is None  # back in the queue for anyone
    track = client.get(f"/track/{sighting['reference']}").get_data(as_text=True)
    assert "A moderator needs more information" in track
    assert "Which side of the road is it on? &lt;script&gt;" in track
    assert "Information requested" in moderator_client.get("/moderate/").get_data(as_text=True)


def test_an_empty_information_request_is_refused(app, moderator_client):
    sighting_id = submit_report(app)
    url = f"/moderate/sightings/{sighting_id}/request-info"
    assert post_form(moderator_client, url, {"info-message": ""}).status_code == 400
    assert load(app, Sighting, sighting_id)["info_request"] is None


def test_decisions_without_the_csrf_token_are_refused(app, moderator_client):
    sighting_id = submit_report(app)
    for action in ("approve", "confirm", "reject", "request-info", "release"):
        response = moderator_client.post(f"/moderate/sightings/{sighting_id}/{action}", data={})
        assert response.status_code == 400, action
    assert load(app, Sighting, sighting_id)["status"] == "pending"
