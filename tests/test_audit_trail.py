"""The audit trail: every moderation and admin action recorded, browsable, and append-only."""

from __future__ import annotations

import io
import re

import pytest

from hikwatch import audit
from hikwatch.audit import AuditTrailIsAppendOnly
from models import AuditEvent, db
from tests.accounts import PASSWORD
from tests.conftest import resource_bytes
from tests.moderation_support import approve_new, post_form, submit_report


def events(app, action: str | None = None) -> list[dict]:
    with app.app_context():
        query = db.select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.filter_by(action=action)
        return [
            {
                "action": e.action,
                "user_id": e.user_id,
                "object": (e.object_type, e.object_id),
                "before": e.before,
                "after": e.after,
                "reason": e.reason,
            }
            for e in db.session.execute(query).scalars()
        ]


def only(app, action: str) -> dict:
    found = events(app, action)
    assert len(found) == 1, (action, found)
    return found[0]


def test_decisions_are_audited_with_who_before_after_and_why(app, moderator_client, moderator):
    first = submit_report(app)
    moderator_client.get(f"/moderate/sightings/{first}")
    assert only(app, "sighting.claim")["object"] == ("sighting", str(first))
    approve_new(moderator_client, first, brand_verified="y")
    created = only(app, "camera.create")
    assert created["object"] == ("camera", "1") and created["user_id"] == moderator
    assert created["after"]["brand_verified"] is True and created["after"]["status"] == "active"
    approved = only(app, "sighting.approve_new")
    assert approved["before"]["status"] == "pending" and approved["before"]["camera_id"] is None
    assert approved["after"]["status"] == "approved" and approved["after"]["camera_id"] == 1

    later = submit_report(app, resource_bytes("newyear_london.jpg"), seen_on="2025-01-01")
    post_form(moderator_client, f"/moderate/sightings/{later}/confirm", {"confirm-camera_id": "1"})
    assert only(app, "sighting.approve_confirm")["reason"] == "Another sighting of camera #1"
    widened = only(app, "camera.confirm")
    assert widened["after"] == {"last_confirmed": "2025-01-01"}
    assert set(widened["before"]) == {"last_confirmed"}

    rejected = submit_report(app, resource_bytes("gps.jpg"))
    data = {"reject-reason": "other", "reject-note": "A doorbell"}
    post_form(moderator_client, f"/moderate/sightings/{rejected}/reject", data)
    event = only(app, "sighting.reject")
    assert event["reason"] == "Other: A doorbell"
    assert event["after"]["reject_reason"] == "other" and event["after"]["status"] == "rejected"

    asked = submit_report(app, resource_bytes("with-location-zero-coordinate.jpg"))
    data = {"info-message": "Which way does it face?"}
    post_form(moderator_client, f"/moderate/sightings/{asked}/request-info", data)
    event = only(app, "sighting.request_info")
    assert event["after"]["info_request"] == "Which way does it face?"
    assert all(e["user_id"] == moderator for e in events(app))


def test_camera_edits_record_only_what_changed(app, moderator_client, moderator):
    approve_new(moderator_client, submit_report(app))
    form = {
        "camera-lat": "51.50075",
        "camera-lon": "-0.12457",
        "camera-brand": "hikvision",
        "camera-brand_evidence": "logo",
        "camera-camera_type": "fixed",  # was dome
        "camera-mount": "wall",
        "camera-direction": "",
        "camera-operator_type": "council_street",
        "camera-brand_verified": "y",  # was not verified
    }
    assert post_form(moderator_client, "/moderate/cameras/1", form).status_code == 302
    event = only(app, "camera.edit")
    assert set(event["after"]) == {"camera_type", "brand_verified", "verified_at", "verified_by_id"}
    assert event["before"]["camera_type"] == "dome" and event["after"]["camera_type"] == "fixed"
    assert event["after"]["verified_by_id"] == moderator
    # Saving again with nothing changed adds nothing.
    assert post_form(moderator_client, "/moderate/cameras/1", form).status_code == 302
    assert len(events(app, "camera.edit")) == 1
    # Unticking is a change too.
    del form["camera-brand_verified"]
    post_form(moderator_client, "/moderate/cameras/1", form)
    assert events(app, "camera.edit")[-1]["after"]["brand_verified"] is False


def test_moving_a_camera_out_of_london_is_refused(app, moderator_client):
    approve_new(moderator_client, submit_report(app))
    form = {"camera-lat": "51.6565", "camera-lon": "-0.3903", "camera-brand": "hikvision"}
    form |= {"camera-brand_evidence": "logo", "camera-camera_type": "dome"}
    form |= {"camera-mount": "wall", "camera-operator_type": "unknown"}
    response = post_form(moderator_client, "/moderate/cameras/1", form)
    assert response.status_code == 422
    assert "outside the 33 London council areas" in response.get_data(as_text=True)
    assert events(app, "camera.edit") == []


def test_redaction_and_removals_are_audited(app, moderator_client, moderator):
    approve_new(moderator_client, submit_report(app))
    boxes = {f"redaction-{k}": v for k, v in zip("xywh", ["1", "2", "3", "4"], strict=True)}
    post_form(
        moderator_client, "/moderate/photos/1/redactions", {**boxes, "redaction-mode": "black"}
    )
    event = only(app, "photo.redact")
    assert event["before"] == {"redactions": None}
    assert event["after"]["redactions"][0]["mode"] == "black"

    public = app.test_client()
    page = public.get("/cameras/1/report-removal").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    photo = (io.BytesIO(resource_bytes("newyear_london.jpg")), "x.jpg")
    public.post(
        "/cameras/1/report-removal",
        data={"csrf_token": token, "kind": "covered", "photo": photo},
        content_type="multipart/form-data",
    )
    post_form(moderator_client, "/moderate/removals/1/confirm", {"confirm-note": "Bagged"})
    assert only(app, "removal.confirm")["after"]["status"] == "confirmed"
    status = only(app, "camera.status")
    assert status["before"]["status"] == "active" and status["after"]["status"] == "covered"
    post_form(moderator_client, "/moderate/cameras/1/reactivate", {"reactivate-note": "Unbagged"})
    event = only(app, "camera.reactivate")
    assert event["after"]["status"] == "active" and event["reason"] == "Unbagged"


def test_the_audit_page_filters_and_paginates(app, admin_client, admin, moderator_client):
    approve_new(moderator_client, submit_report(app))
    for n in range(3):
        data = {"new-email": f"helper{n}@example.org", "new-role": "moderator"}
        post_form(admin_client, "/admin/users", {**data, "new-password": f"{PASSWORD} {n}"})
    app.config["AUDIT_PAGE_SIZE"] = 2
    first = admin_client.get("/admin/audit").get_data(as_text=True)
    # Six moderation and account events, and the two logins.
    assert "Page 1 of 4" in first and "Next →" in first
    assert first.count('class="audit-event"') == 2
    created = admin_client.get("/admin/audit?action=user.create").get_data(as_text=True)
    assert "3 events" in created and "helper2@example.org" in created
    by_admin = admin_client.get(f"/admin/audit?user={admin}").get_data(as_text=True)
    assert "4 events" in by_admin  # three accounts made, and the admin's login
    cameras = admin_client.get("/admin/audit?object_type=camera&object_id=1")
    assert "1 event." in cameras.get_data(as_text=True)
    future = admin_client.get("/admin/audit?since=2999-01-01").get_data(as_text=True)
    assert "No events match." in future
    today = admin_client.get("/admin/audit?until=2999-01-01&action=camera.create")
    assert "1 event." in today.get_data(as_text=True)


def test_no_route_changes_or_deletes_audit_events(app):
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule or rule.endpoint.startswith("admin.audit"):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
        assert not rule.methods & {"PUT", "PATCH", "DELETE"}, rule


def test_the_database_layer_refuses_to_change_or_delete_an_event(app, moderator):
    with app.app_context():
        audit.record(None, "test.event", "test", 1, after={"n": 1})
        db.session.commit()
        event = db.session.execute(db.select(AuditEvent)).scalar_one()
        event.reason = "rewritten"
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.execute(db.select(AuditEvent)).scalar_one())
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.execute(db.update(AuditEvent).values(reason="bulk"))
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.execute(db.delete(AuditEvent))
        db.session.rollback()
        kept = db.session.execute(db.select(AuditEvent)).scalar_one()
        assert (kept.action, kept.reason, kept.after) == ("test.event", None, {"n": 1})
