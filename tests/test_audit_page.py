"""The audit trail page reads as sentences with names and links, shows changes in the
vocabulary's words, hides claims unless asked, and records snapshots."""

from __future__ import annotations

import re

from models import AuditEvent, Sighting, Snapshot, db
from tests.moderation_support import approve_new, post_form, submit_report


def reference_of(app, sighting_id: int) -> str:
    with app.app_context():
        return db.session.get(Sighting, sighting_id).reference


def plain(html: str) -> str:
    """The page's text with tags removed and spaces collapsed, as a reader sees it."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_a_decision_reads_as_a_sentence_with_links(app, admin_client, moderator_client):
    sighting_id = submit_report(app)
    reference = reference_of(app, sighting_id)
    moderator_client.get(f"/moderate/sightings/{sighting_id}")
    approve_new(moderator_client, sighting_id, brand_verified="y")
    html = admin_client.get("/admin/audit").get_data(as_text=True)
    text = plain(html)
    assert f"moderator@example.org approved report {reference} as new camera #1." in text
    assert f'<a href="/moderate/sightings/{sighting_id}">report {reference}</a>' in html
    assert '<a href="/moderate/cameras/1">camera #1</a>' in html
    assert "moderator@example.org created camera #1." in text
    # Changes in words: no stored values, ids or JSON.
    assert "Status</th><td>Pending</td><td>Approved</td>" in html
    assert "Decided by</th><td>—</td><td>moderator@example.org</td>" in html
    assert "Operator</th><td>—</td><td>Council: street CCTV</td>" in html
    assert '"decided_by_id"' not in html and "decided_by_id" not in html


def test_claims_are_hidden_until_asked_for(app, admin_client, moderator_client):
    sighting_id = submit_report(app)
    reference = reference_of(app, sighting_id)
    moderator_client.get(f"/moderate/sightings/{sighting_id}")
    post_form(moderator_client, f"/moderate/sightings/{sighting_id}/release")
    # Only the two staff logins are left once claims are hidden.
    hidden = plain(admin_client.get("/admin/audit").get_data(as_text=True))
    assert "2 events." in hidden and "Claims (reports taken and released) are hidden" in hidden
    assert f"report {reference}" not in hidden
    shown = plain(admin_client.get("/admin/audit?claims=1").get_data(as_text=True))
    assert "4 events." in shown
    assert f"moderator@example.org took report {reference}." in shown
    assert f"moderator@example.org released report {reference}." in shown
    by_action = plain(admin_client.get("/admin/audit?action=sighting.claim").get_data(as_text=True))
    assert "1 event." in by_action
    # The filter names actions in words.
    html = admin_client.get("/admin/audit?claims=1").get_data(as_text=True)
    assert '<option value="sighting.claim">Report: taken to check</option>' in html


def test_edits_show_before_and_after_in_the_vocabularys_words(app, admin_client, moderator_client):
    approve_new(moderator_client, submit_report(app))
    form = {
        "camera-lat": "51.50075",
        "camera-lon": "-0.12457",
        "camera-brand": "hilook",
        "camera-brand_evidence": "logo",
        "camera-camera_type": "fixed",
        "camera-mount": "wall",
        "camera-direction": "90",
        "camera-operator_type": "council_street",
    }
    assert post_form(moderator_client, "/moderate/cameras/1", form).status_code == 302
    html = admin_client.get("/admin/audit?action=camera.edit").get_data(as_text=True)
    assert "moderator@example.org edited camera #1." in plain(html)
    assert "Brand</th><td>Hikvision</td><td>HiLook (a Hikvision brand)</td>" in html
    assert "Camera type</th><td>Dome</td><td>Fixed (points one way)</td>" in html
    assert "Direction</th><td>—</td><td>90°</td>" in html


def test_snapshots_are_audited_from_the_page_and_the_console(app, admin_client, admin):
    assert post_form(admin_client, "/snapshots", {}).status_code == 303
    with app.app_context():
        snapshot = db.session.execute(db.select(Snapshot)).scalar_one()
        event = db.session.execute(
            db.select(AuditEvent).filter_by(action="snapshot.take")
        ).scalar_one()
        name = snapshot.name
        assert (event.user_id, event.object_type, event.object_id) == (admin, "snapshot", name)
        assert event.after["payload_sha256"] == snapshot.payload_sha256
    html = admin_client.get("/admin/audit").get_data(as_text=True)
    assert f"admin@example.org took snapshot {name}." in plain(html)
    assert f'<a href="/snapshots/{name}">snapshot {name}</a>' in html


def test_a_console_snapshot_is_the_server_consoles(app, admin_client):
    result = app.test_cli_runner().invoke(args=["snapshots", "take"])
    assert result.exit_code == 0, result.output
    text = plain(admin_client.get("/admin/audit").get_data(as_text=True))
    with app.app_context():
        name = db.session.execute(db.select(Snapshot.name)).scalar_one()
    assert f"The server console took snapshot {name}." in text


def test_a_residents_answer_is_the_residents(app, admin_client, moderator_client):
    from tests.test_resident_replies import Resident, ask

    resident = Resident(app)
    ask(moderator_client, resident.id, "Which way?")
    assert resident.answer({"message": "East"}).status_code == 303
    text = plain(admin_client.get("/admin/audit").get_data(as_text=True))
    assert f"The resident answered the question on report {resident.reference}." in text
    assert f"moderator@example.org asked the resident about report {resident.reference}." in text
