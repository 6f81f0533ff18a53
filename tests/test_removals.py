"""Removal reports from the public form to the camera's status history."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest

from hikwatch.clock import london_today
from models import Camera, CameraStatusChange, Photo, RemovalReport, db
from tests.conftest import plain_jpeg, resource_bytes
from tests.moderation_support import approve_new, post_form, submit_report


@pytest.fixture
def camera_id(app, moderator_client) -> int:
    """A camera on the public map: one approved report."""
    assert approve_new(moderator_client, submit_report(app)).status_code == 302
    return 1


def send_removal(client, camera_id: int, **fields):
    """The public form, posted from its own page with the token it gives."""
    page = client.get(f"/cameras/{camera_id}/report-removal").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"csrf_token": token, "kind": "removed", **fields}
    return client.post(
        f"/cameras/{camera_id}/report-removal", data=data, content_type="multipart/form-data"
    )


def camera(app, camera_id: int) -> Camera:
    with app.app_context():
        row = db.session.get(Camera, camera_id)
        db.session.expunge(row)
        return row


def history(app, camera_id: int) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            db.select(CameraStatusChange).filter_by(camera_id=camera_id).order_by("id")
        ).scalars()
        return [(row.status, row.changed_on, row.removal_report_id) for row in rows]


def report(app, report_id: int = 1) -> RemovalReport:
    with app.app_context():
        row = db.session.get(RemovalReport, report_id)
        db.session.expunge(row)
        return row


def test_a_removal_report_end_to_end(app, moderator_client, camera_id, moderator):
    public = app.test_client()
    page = public.get(f"/cameras/{camera_id}/report-removal").get_data(as_text=True)
    assert 'href="/cameras/1"' in page
    assert page.count('type="radio"') == 3
    assert "<script>" not in page

    response = send_removal(
        public,
        camera_id,
        kind="replaced",
        observed_on="2026-10-20",
        note="A Bosch camera on the same bracket",
        contact_email="walker@example.org",
        photo=(io.BytesIO(resource_bytes("newyear_london.jpg")), "gone.jpg"),
    )
    assert response.status_code == 302
    reference = report(app).reference
    assert response.headers["Location"] == f"/removal-reports/{reference}?sent=1"
    status_page = public.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you" in status_page and "Pending" in status_page
    assert "walker@example.org" not in status_page

    queue = moderator_client.get("/moderate/?tab=removals").get_data(as_text=True)
    assert reference in queue and "<strong>1</strong> removal report" in queue
    review = moderator_client.get("/moderate/removals/1").get_data(as_text=True)
    photo_id = report(app).photo_id
    for text in ["walker@example.org", "A Bosch camera", "20 Oct 2026", "Replaced by another"]:
        assert text in review
    assert f"/moderate/photos/{photo_id}/display.jpg" in review
    # Not public until a moderator confirms it.
    assert public.get(f"/photos/{photo_id}/display.jpg").status_code == 404

    data = {"confirm-note": "Seen on Street View too"}
    assert post_form(moderator_client, "/moderate/removals/1/confirm", data).status_code == 302
    changed = camera(app, camera_id)
    assert (changed.status, changed.status_changed_on) == ("replaced", date(2026, 10, 20))
    assert history(app, camera_id)[-1] == ("replaced", date(2026, 10, 20), 1)
    decided = report(app)
    assert (decided.status, decided.decided_by_id) == ("confirmed", moderator)
    assert decided.decision_note == "Seen on Street View too"
    assert "Confirmed" in public.get(f"/removal-reports/{reference}").get_data(as_text=True)
    assert public.get(f"/photos/{photo_id}/display.jpg").status_code == 200
    camera_page = moderator_client.get("/moderate/cameras/1").get_data(as_text=True)
    assert "Status history" in camera_page and reference in camera_page


def test_confirming_a_report_without_a_date_uses_today(app, moderator_client, camera_id):
    assert send_removal(app.test_client(), camera_id, kind="covered").status_code == 302
    assert post_form(moderator_client, "/moderate/removals/1/confirm").status_code == 302
    assert camera(app, camera_id).status_changed_on == london_today()
    assert camera(app, camera_id).status == "covered"


def test_rejecting_a_removal_report_leaves_the_camera_alone(app, moderator_client, camera_id):
    assert send_removal(app.test_client(), camera_id).status_code == 302
    response = post_form(
        moderator_client, "/moderate/removals/1/reject", {"reject-note": "Still there"}
    )
    assert response.status_code == 302
    assert camera(app, camera_id).status == "active"
    assert report(app).status == "rejected" and report(app).decision_note == "Still there"
    assert len(history(app, camera_id)) == 1
    again = post_form(moderator_client, "/moderate/removals/1/confirm")
    assert again.status_code == 409


def test_a_second_report_of_the_same_change_keeps_the_first_date(app, moderator_client, camera_id):
    for observed in ("2026-09-01", "2026-10-01"):
        assert send_removal(app.test_client(), camera_id, observed_on=observed).status_code == 302
    post_form(moderator_client, "/moderate/removals/1/confirm")
    post_form(moderator_client, "/moderate/removals/2/confirm")
    assert camera(app, camera_id).status_changed_on == date(2026, 9, 1)
    assert [entry[0] for entry in history(app, camera_id)] == ["active", "removed"]
    assert report(app, 2).status == "confirmed"


def test_a_removed_camera_can_be_marked_active_again(app, moderator_client, camera_id):
    send_removal(app.test_client(), camera_id, observed_on="2026-09-01")
    post_form(moderator_client, "/moderate/removals/1/confirm")
    page = moderator_client.get("/moderate/cameras/1").get_data(as_text=True)
    assert "Mark active again" in page
    data = {"reactivate-on": "2026-10-05", "reactivate-note": "Cover taken off"}
    assert post_form(moderator_client, "/moderate/cameras/1/reactivate", data).status_code == 302
    assert camera(app, camera_id).status == "active"
    assert history(app, camera_id)[-1] == ("active", date(2026, 10, 5), None)
    again = post_form(moderator_client, "/moderate/cameras/1/reactivate", data)
    assert again.status_code == 409


def test_any_camera_on_the_public_map_can_be_reported(app, client):
    assert client.get("/cameras/99/report-removal").status_code == 404
    with app.app_context():  # a camera row, as on the public map and camera page
        db.session.add(
            Camera(
                lat=51.5,
                lon=-0.12,
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
    assert client.get("/cameras/1/report-removal").status_code == 200


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"kind": ""}, 400, "Choose what has happened"),
        ({"observed_on": (date.today() + timedelta(days=2)).isoformat()}, 400, "future"),
        ({"contact_email": "nope"}, 400, "Enter an email address"),
        ({"photo": (io.BytesIO(b"GIF89a not a photo"), "x.gif")}, 415, "not a photo"),
    ],
    ids=["no-kind", "future-date", "bad-email", "bad-photo"],
)
def test_bad_removal_reports_are_refused_and_leave_nothing(app, camera_id, fields, status, words):
    files_before = sorted(app.extensions["file_store"].walk())
    response = send_removal(app.test_client(), camera_id, **fields)
    assert response.status_code == status
    assert words in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(RemovalReport)).first() is None
    assert sorted(app.extensions["file_store"].walk()) == files_before


def test_the_removal_form_needs_its_csrf_token(app, client, camera_id):
    response = client.post(f"/cameras/{camera_id}/report-removal", data={"kind": "removed"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.execute(db.select(RemovalReport)).first() is None


def test_sweeping_old_uploads_keeps_removal_report_photos(app, runner, camera_id):
    photo = (io.BytesIO(plain_jpeg(size=(80, 60))), "spot.jpg")
    assert send_removal(app.test_client(), camera_id, photo=photo).status_code == 302
    with app.app_context():
        for row in db.session.execute(db.select(Photo)).scalars():
            row.created_at -= timedelta(days=3)
        db.session.commit()
    result = runner.invoke(args=["uploads", "sweep"])
    assert "Removed 0" in result.output
    with app.app_context():
        assert db.session.get(RemovalReport, 1).photo_id is not None
        assert db.session.execute(db.select(db.func.count()).select_from(Photo)).scalar() == 2


def test_an_unknown_removal_reference_is_a_friendly_404(client):
    response = client.get("/removal-reports/ZZZZ-ZZZZ")
    assert response.status_code == 404
    assert "No removal report has that reference" in response.get_data(as_text=True)


def test_decisions_on_removal_reports_need_the_csrf_token(app, moderator_client, camera_id):
    send_removal(app.test_client(), camera_id)
    assert moderator_client.post("/moderate/removals/1/confirm").status_code == 400
    assert report(app).status == "pending"
