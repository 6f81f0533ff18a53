"""Admins keep each council's campaign record; every change is audited and public."""

from __future__ import annotations

import re

import pytest

from models import AuditEvent, BoroughCampaign, db

URL = "/admin/boroughs/camden/campaign"


def form_token(client, url: str = URL) -> str:
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def record_values(**changes) -> dict:
    values = {
        "motion_status": "none",
        "motion_date": "",
        "motion_source_url": "",
        "timetable_target": "",
        "timetable_scope": "",
        "timetable_source_url": "",
        "foi_finding": "yes",
        "foi_date": "",
        "foi_source": "Top10VPN, UK video surveillance investigation (FOI responses, 2021)",
        "foi_source_url": "https://www.top10vpn.com/research/investigations/uk-video-surveillance-investigation/",
        "note": "",
    }
    return {**values, **changes}


def save(client, **changes):
    data = {"csrf_token": form_token(client), **record_values(**changes)}
    return client.post(URL, data=data)


def campaign_events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.execute(
                db.select(AuditEvent)
                .filter_by(object_type="borough_campaign")
                .order_by(AuditEvent.id)
            ).scalars()
        )


def test_only_admins_may_edit(client, moderator_client):
    anonymous = client.get(URL)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert moderator_client.get(URL).status_code == 403
    assert moderator_client.post(URL, data=record_values()).status_code in (400, 403)


def test_form_needs_its_csrf_token(admin_client, app):
    response = admin_client.post(URL, data=record_values(motion_status="passed"))
    assert response.status_code == 400
    assert campaign_events(app) == []


def test_change_is_saved_audited_and_shown_publicly_without_who(admin_client, client, app, admin):
    response = save(
        admin_client,
        motion_status="passed",
        motion_date="2026-06-10",
        motion_source_url="https://democracy.camden.gov.uk/minutes/2026-06-10",
        timetable_target="2027-12-31",
        timetable_scope="All council street CCTV & estate cameras <by Hikvision>",
        timetable_source_url="https://democracy.camden.gov.uk/decision/42",
        note="Full council vote",
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/boroughs/camden#record")

    [event] = campaign_events(app)
    assert (event.action, event.object_id, event.user_id) == ("campaign.update", "E09000007", admin)
    assert event.before == {
        "motion_status": "none", "motion_date": None, "motion_source_url": None,
        "timetable_target": None, "timetable_scope": None, "timetable_source_url": None,
    }  # fmt: skip
    assert event.after["motion_status"] == "passed"
    assert event.after["timetable_target"] == "2027-12-31"
    with app.app_context():
        record = db.session.get(BoroughCampaign, "E09000007")
        assert record.motion_status == "passed" and str(record.timetable_target) == "2027-12-31"

    html = client.get("/boroughs/camden").get_data(as_text=True)
    assert "Motion passed</span> on <time" in html and "10 June 2026" in html
    assert "31 December 2027" in html
    assert "All council street CCTV &amp; estate cameras &lt;by Hikvision&gt;" in html
    assert 'href="https://democracy.camden.gov.uk/minutes/2026-06-10"' in html
    assert "History of this record" in html
    assert "<del>No motion yet</del> → <ins>Motion passed</ins>" in html
    assert "Note: Full council vote" in html
    assert "admin@example.org" not in html
    # The table and the API carry the new record too.
    assert "Motion passed" in client.get("/boroughs").get_data(as_text=True)
    camden = next(
        b for b in client.get("/api/boroughs").get_json()["boroughs"] if b["slug"] == "camden"
    )
    assert camden["motion_status"] == "passed" and camden["timetable_target"] == "2027-12-31"


def test_saving_without_changes_records_nothing(admin_client, app):
    assert save(admin_client).status_code == 303
    assert campaign_events(app) == []


@pytest.mark.parametrize(
    "bad",
    [
        {"motion_source_url": "javascript:alert(1)"},
        {"timetable_source_url": "ftp://example.org/file"},
        {"foi_source_url": "not a link"},
        {"motion_status": "adopted"},
        {"foi_finding": "maybe"},
        {"motion_date": "10/06/2026"},
    ],
)
def test_bad_values_are_refused_and_nothing_changes(admin_client, app, bad):
    response = save(admin_client, motion_status=bad.pop("motion_status", "passed"), **bad)
    assert response.status_code == 400
    assert campaign_events(app) == []
    with app.app_context():
        assert db.session.get(BoroughCampaign, "E09000007").motion_status == "none"


def test_unknown_borough_is_not_found(admin_client):
    assert admin_client.get("/admin/boroughs/atlantis/campaign").status_code == 404
