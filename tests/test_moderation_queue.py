"""The queue, one report's page, the moderator-only photo routes, and claiming."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

from hikwatch.geo import distance_m
from models import Sighting, db, utcnow
from tests.conftest import plain_jpeg, resource_bytes
from tests.moderation_support import (
    CAMDEN,
    FAR_FROM_WESTMINSTER,
    NEAR_WESTMINSTER,
    approve_data,
    approve_new,
    page_token,
    post_form,
    second_moderator_client,
    submit_report,
)


def reference_of(app, sighting_id: int) -> str:
    with app.app_context():
        return db.session.get(Sighting, sighting_id).reference


def make_older(app, sighting_id: int, days: int) -> None:
    with app.app_context():
        db.session.get(Sighting, sighting_id).created_at -= timedelta(days=days)
        db.session.commit()


# ---------- the queue ----------


def test_queue_lists_pending_reports_oldest_first_with_a_count(app, moderator_client):
    newer = submit_report(app, where=CAMDEN)
    older = submit_report(app, resource_bytes("newyear_london.jpg"))
    make_older(app, older, days=3)
    html = moderator_client.get("/moderate/").get_data(as_text=True)
    assert "<strong>2</strong> camera reports" in html
    assert "<strong>0</strong> removal reports" in html
    assert html.index(reference_of(app, older)) < html.index(reference_of(app, newer))
    assert "3 days old" in html
    assert "Camden" in html and "Westminster" in html
    with app.app_context():
        photo_id = db.session.get(Sighting, older).photo_id
    assert f"/moderate/photos/{photo_id}/thumb.jpg" in html


def test_queue_filters_by_borough(app, moderator_client):
    in_camden = submit_report(app, where=CAMDEN)
    in_westminster = submit_report(app, resource_bytes("newyear_london.jpg"))
    html = moderator_client.get("/moderate/?borough=E09000007").get_data(as_text=True)
    assert reference_of(app, in_camden) in html
    assert reference_of(app, in_westminster) not in html
    assert "waiting in Camden" in html
    assert len(re.findall(r'<option value="E09\d{6}"', html)) == 33


def test_queue_ignores_an_unknown_borough(app, moderator_client):
    submit_report(app)
    html = moderator_client.get("/moderate/?borough=nonsense").get_data(as_text=True)
    assert re.search(r"<strong>1</strong> camera report\s+and", html)


def test_decided_reports_leave_the_queue(app, moderator_client):
    approved = submit_report(app)
    waiting = submit_report(app, resource_bytes("newyear_london.jpg"), where=CAMDEN)
    assert approve_new(moderator_client, approved).status_code == 302
    html = moderator_client.get("/moderate/").get_data(as_text=True)
    assert reference_of(app, approved) not in html
    assert reference_of(app, waiting) in html


# ---------- one report's page ----------


def test_report_page_shows_everything_the_resident_gave(app, moderator_client):
    sighting_id = submit_report(
        app,
        where=NEAR_WESTMINSTER,
        brand="hiwatch",
        brand_evidence="label",
        camera_type="dome",
        mount="pole",
        direction=270,
        operator_type="council_housing",
        seen_on="2026-10-01",
        note="By the bins <b>now</b>",
        contact_email="resident@example.org",
        accuracy_m=8,
    )
    html = moderator_client.get(f"/moderate/sightings/{sighting_id}").get_data(as_text=True)
    for text in [
        "HiWatch (a Hikvision brand)",
        "Label or model number read",
        "Dome",
        "Pole",
        "270°",
        "Council: housing estate",
        "1 Oct 2026",
        "By the bins &lt;b&gt;now&lt;/b&gt;",
        "resident@example.org",
        "Placed on the map",
        "±8 m",
        "Westminster",
        "Canon EOS R5",  # the photo's own EXIF
    ]:
        assert text in html, text
    # The photo's GPS, and how far it is from where the resident put the pin.
    gap = distance_m(NEAR_WESTMINSTER["lat"], NEAR_WESTMINSTER["lon"], 51.5006944, -0.1245749)
    assert "51.500694, -0.124575" in html
    assert f"{int(gap)} m from the pin" in html
    with app.app_context():
        photo_id = db.session.get(Sighting, sighting_id).photo_id
    assert f'src="/moderate/photos/{photo_id}/display.jpg"' in html
    assert f'href="/moderate/photos/{photo_id}/original"' in html
    # The map: the pin is draggable into the approve form's inputs; the boundary is drawn.
    assert 'data-lat-input="approve-lat" data-lon-input="approve-lon"' in html
    assert 'data-borough-code="E09000033"' in html
    assert 'data-boundaries-url="/api/boroughs/boundaries.geojson"' in html
    assert "<script>" not in html  # no inline scripts: the CSP forbids them


def test_report_page_maps_known_cameras_within_50_m(app, moderator_client):
    near = submit_report(app, resource_bytes("newyear_london.jpg"), where=NEAR_WESTMINSTER)
    far = submit_report(app, resource_bytes("gps.jpg"), where=FAR_FROM_WESTMINSTER)
    approve_new(moderator_client, near, where=NEAR_WESTMINSTER)
    approve_new(moderator_client, far, where=FAR_FROM_WESTMINSTER)
    sighting_id = submit_report(app)
    html = moderator_client.get(f"/moderate/sightings/{sighting_id}").get_data(as_text=True)
    cameras = json.loads(re.search(r"data-cameras='([^']*)'", html).group(1))
    assert [camera["id"] for camera in cameras] == [1]
    assert cameras[0]["status"] == "active"


def test_an_unknown_report_is_404(moderator_client):
    assert moderator_client.get("/moderate/sightings/999").status_code == 404


def test_moderator_photo_routes_are_private_and_not_cached(app, moderator_client):
    original = resource_bytes("big_ben.jpg")
    sighting_id = submit_report(app, original)
    with app.app_context():
        photo_id = db.session.get(Sighting, sighting_id).photo_id
    for kind in ("display.jpg", "thumb.jpg"):
        response = moderator_client.get(f"/moderate/photos/{photo_id}/{kind}")
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.headers["Cache-Control"] == "private, no-store"
    response = moderator_client.get(f"/moderate/photos/{photo_id}/original")
    assert response.get_data() == original
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_heic_original_downloads_rather_than_displays(app, moderator_client):
    sighting_id = submit_report(app, resource_bytes("xiaomi.heic"))
    with app.app_context():
        photo_id = db.session.get(Sighting, sighting_id).photo_id
    response = moderator_client.get(f"/moderate/photos/{photo_id}/original")
    assert response.mimetype == "image/heic"
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_photos_never_submitted_are_not_served_even_to_moderators(app, moderator_client, api):
    upload = api.post("/api/uploads", data={"photo": (io.BytesIO(plain_jpeg()), "a.jpg")})
    assert upload.status_code == 201
    assert moderator_client.get("/moderate/photos/1/display.jpg").status_code == 404


# ---------- claiming ----------


def claim_of(app, sighting_id: int):
    with app.app_context():
        sighting = db.session.get(Sighting, sighting_id)
        return sighting.claimed_by_id, sighting.claimed_until


def test_opening_a_report_claims_it_for_claim_minutes(app, moderator_client, moderator):
    sighting_id = submit_report(app)
    html = moderator_client.get(f"/moderate/sightings/{sighting_id}").get_data(as_text=True)
    holder, until = claim_of(app, sighting_id)
    assert holder == moderator
    assert timedelta(minutes=9) < until - utcnow() <= timedelta(minutes=10)
    assert "You are checking this report until" in html


DECISIONS = [
    ("approve", approve_data()),
    ("confirm", {"confirm-camera_id": "1"}),
    ("reject", {"reject-reason": "photo_unusable"}),
    ("request-info", {"info-message": "Which side of the road?"}),
]


def test_a_second_moderator_is_shown_the_claim_and_refused_with_409(app, moderator_client):
    sighting_id = submit_report(app)
    moderator_client.get(f"/moderate/sightings/{sighting_id}")
    other = second_moderator_client(app)
    html = other.get(f"/moderate/sightings/{sighting_id}").get_data(as_text=True)
    assert "Being checked by moderator@example.org until" in html
    assert '<fieldset class="decision-set" disabled>' in html
    queue = other.get("/moderate/").get_data(as_text=True)
    assert "Being checked by moderator@example.org" in queue
    for action, data in DECISIONS:
        response = post_form(other, f"/moderate/sightings/{sighting_id}/{action}", data)
        assert response.status_code == 409, action
        assert "being checked by moderator@example.org" in response.get_data(as_text=True)
    with app.app_context():
        sighting = db.session.get(Sighting, sighting_id)
        assert (sighting.status, sighting.info_request) == ("pending", None)
    renewal = other.post(
        f"/moderate/sightings/{sighting_id}/claim",
        headers={"X-CSRFToken": page_token(other), "Accept": "application/json"},
    )
    assert renewal.status_code == 409 and renewal.get_json()["held"] is False


def test_an_expired_claim_frees_the_report(app, moderator_client):
    sighting_id = submit_report(app)
    moderator_client.get(f"/moderate/sightings/{sighting_id}")
    with app.app_context():
        db.session.get(Sighting, sighting_id).claimed_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    other = second_moderator_client(app)
    html = other.get(f"/moderate/sightings/{sighting_id}").get_data(as_text=True)
    assert "You are checking this report" in html
    assert approve_new(other, sighting_id).status_code == 302
    with app.app_context():
        assert db.session.get(Sighting, sighting_id).status == "approved"


def test_the_page_renews_its_own_claim_by_json(app, moderator_client, moderator):
    sighting_id = submit_report(app)
    moderator_client.get(f"/moderate/sightings/{sighting_id}")
    _, first_until = claim_of(app, sighting_id)
    response = moderator_client.post(
        f"/moderate/sightings/{sighting_id}/claim",
        headers={"X-CSRFToken": page_token(moderator_client), "Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.get_json()["held"] is True
    assert re.fullmatch(r"\d\d:\d\d", response.get_json()["until"])
    assert claim_of(app, sighting_id)[1] >= first_until


def test_renewing_a_claim_on_a_decided_report_is_409(app, moderator_client):
    sighting_id = submit_report(app)
    assert approve_new(moderator_client, sighting_id).status_code == 302
    response = moderator_client.post(
        f"/moderate/sightings/{sighting_id}/claim",
        headers={"X-CSRFToken": page_token(moderator_client), "Accept": "application/json"},
    )
    assert response.status_code == 409
    assert response.get_json() == {
        "held": False,
        "until": None,
        "error": "This report was already decided (approved).",
    }


def test_claim_renewal_without_the_csrf_token_is_refused(app, moderator_client):
    sighting_id = submit_report(app)
    response = moderator_client.post(
        f"/moderate/sightings/{sighting_id}/claim", headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert claim_of(app, sighting_id) == (None, None)


def test_releasing_gives_the_report_to_the_next_moderator(app, moderator_client):
    sighting_id = submit_report(app)
    moderator_client.get(f"/moderate/sightings/{sighting_id}")
    response = post_form(moderator_client, f"/moderate/sightings/{sighting_id}/release")
    assert response.status_code == 302
    assert claim_of(app, sighting_id) == (None, None)
    other = second_moderator_client(app)
    assert approve_new(other, sighting_id).status_code == 302


def test_a_decided_report_cannot_be_decided_again(app, moderator_client):
    sighting_id = submit_report(app)
    assert approve_new(moderator_client, sighting_id).status_code == 302
    again = post_form(
        moderator_client, f"/moderate/sightings/{sighting_id}/reject", {"reject-reason": "unsafe"}
    )
    assert again.status_code == 409
    assert "already decided" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Sighting, sighting_id).status == "approved"
    # Opening a decided report shows it read-only and claims nothing.
    html = moderator_client.get(f"/moderate/sightings/{sighting_id}").get_data(as_text=True)
    assert "Approved as" in html and "decision-set" not in html
    assert claim_of(app, sighting_id) == (None, None)
