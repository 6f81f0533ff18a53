"""Repairing the record: merging a duplicate, retracting a camera recorded in error, and an
admin undoing either; every step audited, and the figures following everywhere."""

from __future__ import annotations

from datetime import date, datetime

from hikwatch.evidence import snapshots
from models import AuditEvent, Camera, CameraStatusChange, RemovalReport, Sighting, db
from tests.factories import (
    WESTMINSTER,
    change_status,
    make_camera,
    make_removal_report,
    make_sighting,
)
from tests.moderation_support import post_form

WESTMINSTER_CODE = "E09000033"


def westminster(client) -> dict[str, int]:
    boroughs = client.get("/api/boroughs").get_json()["boroughs"]
    return next(b["counts"] for b in boroughs if b["code"] == WESTMINSTER_CODE)


def actions(app, camera_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.execute(
                db.select(AuditEvent.action)
                .filter_by(object_type="camera", object_id=str(camera_id))
                .order_by(AuditEvent.id)
            ).scalars()
        )


def seed_duplicate(app) -> dict[str, int]:
    """Camera A, and camera B: the same camera recorded again, with a report, a pending
    removal report and its own history."""
    with app.app_context():
        a = make_camera(WESTMINSTER, first_seen=date(2026, 3, 1), last_confirmed=date(2026, 4, 1))
        make_sighting(a)
        b = make_camera(WESTMINSTER, first_seen=date(2026, 2, 1), last_confirmed=date(2026, 6, 1))
        b_sighting = make_sighting(b)
        report = make_removal_report(b, status="pending")
        db.session.add(
            CameraStatusChange(camera_id=b.id, status="active", changed_on=date(2026, 2, 1))
        )
        db.session.commit()
        return {"a": a.id, "b": b.id, "b_sighting": b_sighting.id, "report": report.id}


def merge(client, duplicate: int, into: int, note: str = "The same camera twice"):
    return post_form(
        client,
        f"/moderate/cameras/{duplicate}/merge",
        {"merge-into_id": str(into), "merge-note": note},
    )


def test_merge_moves_everything_and_leaves_every_figure(app, client, moderator_client):
    ids = seed_duplicate(app)
    with app.app_context():
        frozen = snapshots.take(db.session, None, now=datetime(2026, 6, 1, 9, 0))
        name, digest = frozen.name, frozen.payload_sha256
    before_json = client.get(f"/snapshots/{name}.json").get_data()
    assert westminster(client)["verified"] == 2

    response = merge(moderator_client, ids["b"], ids["a"])
    assert response.status_code == 302
    assert f"Camera #{ids['b']} merged into camera #{ids['a']}." in moderator_client.get(
        response.headers["Location"]
    ).get_data(as_text=True)

    with app.app_context():
        a, b = db.session.get(Camera, ids["a"]), db.session.get(Camera, ids["b"])
        assert (b.status, b.merged_into_id) == ("merged", a.id)
        assert (a.first_seen, a.last_confirmed) == (date(2026, 2, 1), date(2026, 6, 1))
        assert db.session.get(Sighting, ids["b_sighting"]).camera_id == a.id
        assert db.session.get(RemovalReport, ids["report"]).camera_id == a.id
        moved = db.session.execute(
            db.select(CameraStatusChange.camera_id, CameraStatusChange.status)
        ).all()
        assert (a.id, "active") in moved and (b.id, "merged") in moved
    assert westminster(client) == {
        "verified": 1,
        "council_operated": 1,
        "unconfirmed": 0,
        "removed": 0,
    }
    assert actions(app, ids["b"])[-1] == "camera.merge" and "camera.merge" in actions(app, ids["a"])

    # /cameras/B is camera A now, for people and for the map's popups.
    for url in (f"/cameras/{ids['b']}", f"/api/cameras/{ids['b']}"):
        moved_to = client.get(url)
        assert moved_to.status_code == 301
        assert moved_to.headers["Location"].endswith(url.replace(str(ids["b"]), str(ids["a"])))
    assert client.get(f"/cameras/{ids['b']}/report-removal").status_code == 301
    page = client.get(f"/cameras/{ids['a']}").get_data(as_text=True)
    assert f"camera {ids['b']}, the same camera reported twice, was merged into this one" in page

    # B is in no export, feed or map; asked for every record, it is there with its status.
    geojson = client.get("/api/cameras.geojson").get_json()["features"]
    assert [f["properties"]["hikwatch:id"] for f in geojson] == [ids["a"]]
    every = {
        f["properties"]["hikwatch:id"]: f["properties"]
        for f in client.get("/api/cameras.geojson?status=all").get_json()["features"]
    }
    assert every[ids["b"]]["hikwatch:status"] == "merged"
    assert every[ids["b"]]["hikwatch:merged_into"] == ids["a"]
    assert "man_made" not in every[ids["b"]] and every[ids["b"]]["hikwatch:figures"] == ""
    feed = client.get("/boroughs/westminster/feed.atom").get_data(as_text=True)
    assert f"New camera {ids['b']}" not in feed and f"Camera {ids['b']} " not in feed
    points = client.get("/api/map?bbox=-0.2,51.4,0,51.6&zoom=18&status=all").get_json()["points"]
    assert [row[0] for row in points] == [ids["a"]]

    # The snapshot taken before reads as it did.
    assert client.get(f"/snapshots/{name}.json").get_data() == before_json
    with app.app_context():
        assert snapshots.by_name(db.session, name).payload_sha256 == digest


def test_an_admin_undoes_a_merge_exactly(app, client, moderator_client, admin_client):
    ids = seed_duplicate(app)
    assert merge(moderator_client, ids["b"], ids["a"]).status_code == 302
    with app.app_context():  # camera A is confirmed again after the merge
        later = make_sighting(db.session.get(Camera, ids["a"])).id
        db.session.commit()

    refused = post_form(moderator_client, f"/moderate/cameras/{ids['b']}/unmerge")
    assert refused.status_code == 403
    undone = post_form(
        admin_client, f"/moderate/cameras/{ids['b']}/unmerge", {"undo-note": "Two cameras"}
    )
    assert undone.status_code == 302
    with app.app_context():
        a, b = db.session.get(Camera, ids["a"]), db.session.get(Camera, ids["b"])
        assert (b.status, b.merged_into_id) == ("active", None)
        assert db.session.get(Sighting, ids["b_sighting"]).camera_id == b.id
        assert db.session.get(Sighting, later).camera_id == a.id  # A's own stays with A
        assert db.session.get(RemovalReport, ids["report"]).camera_id == b.id
        assert (a.first_seen, a.last_confirmed) == (date(2026, 3, 1), date(2026, 4, 1))
    assert westminster(client)["verified"] == 2
    assert client.get(f"/cameras/{ids['b']}").status_code == 200
    assert actions(app, ids["b"])[-1] == "camera.unmerge"
    staff = admin_client.get(f"/moderate/cameras/{ids['b']}").get_data(as_text=True)
    assert "undone" in staff and "Two cameras" in staff


def test_merges_that_make_no_sense_are_refused(app, moderator_client):
    ids = seed_duplicate(app)
    with app.app_context():
        c = make_camera(WESTMINSTER).id
        db.session.commit()
    assert merge(moderator_client, ids["b"], ids["b"]).status_code == 400
    assert merge(moderator_client, ids["b"], ids["a"]).status_code == 302
    again = merge(moderator_client, ids["b"], c)
    assert again.status_code == 409 and "merged into another camera" in again.get_data(as_text=True)
    assert merge(moderator_client, c, ids["b"]).status_code == 409  # B is no camera now
    assert merge(moderator_client, c, 999_999).status_code == 404


def test_retraction_says_why_and_an_admin_can_undo_it(app, client, moderator_client, admin_client):
    with app.app_context():
        camera = make_camera(WESTMINSTER)
        make_sighting(camera)
        change_status(camera, "covered")
        camera_id = camera.id
        db.session.commit()
    assert westminster(client)["removed"] == 1
    url = f"/moderate/cameras/{camera_id}"

    missing = post_form(moderator_client, url + "/retract", {"retract-reason": " "})
    assert missing.status_code == 400
    reason = "The photo shows a doorbell, not a CCTV camera."
    assert (
        post_form(moderator_client, url + "/retract", {"retract-reason": reason}).status_code == 302
    )
    assert westminster(client) == dict.fromkeys(
        ["verified", "council_operated", "unconfirmed", "removed"], 0
    )
    page = client.get(f"/cameras/{camera_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="retraction-notice"' in html and reason in html
    assert "Retracted: this camera was recorded in error" in html
    assert "man_made=" not in html and "report-removal" not in html
    assert client.get(f"/cameras/{camera_id}/report-removal").status_code == 404
    assert actions(app, camera_id)[-1] == "camera.retract"

    assert post_form(moderator_client, url + "/unretract").status_code == 403
    assert (
        post_form(admin_client, url + "/unretract", {"undo-note": "It is a camera"}).status_code
        == 302
    )
    with app.app_context():
        restored = db.session.get(Camera, camera_id)
        assert (restored.status, restored.retraction_reason) == ("covered", None)
        assert restored.status_changed_on == date(2026, 5, 1)
    assert westminster(client)["removed"] == 1
    assert actions(app, camera_id)[-1] == "camera.unretract"
    again = post_form(admin_client, url + "/unretract")
    assert again.status_code == 409


def test_moderators_see_the_repairs_on_the_camera_page(app, moderator_client):
    ids = seed_duplicate(app)
    html = moderator_client.get(f"/moderate/cameras/{ids['b']}").get_data(as_text=True)
    assert f"Merge #{ids['b']} into #{ids['a']}" in html  # the camera a few metres away
    assert "Retract this camera" in html
    assert merge(moderator_client, ids["b"], ids["a"]).status_code == 302
    html = moderator_client.get(f"/moderate/cameras/{ids['b']}").get_data(as_text=True)
    assert 'id="merged-note"' in html and "Only an admin can undo this." in html
    assert "Save changes" not in html
