"""Snapshots: dated, one per day, never changing, and checkable by anyone."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

import pytest

from hikwatch.evidence import snapshots
from models import Snapshot, db
from tests.factories import CAMDEN, WESTMINSTER, change_status, make_camera


def take_as_admin(admin_client):
    html = admin_client.get("/snapshots").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return admin_client.post("/snapshots", data={"csrf_token": token})


def westminster_row(payload: dict) -> dict:
    return next(b for b in payload["boroughs"] if b["code"] == "E09000033")


def test_admin_takes_one_snapshot_a_day(admin_client, app):
    with app.app_context():
        make_camera(WESTMINSTER)
        db.session.commit()
    first = take_as_admin(admin_client)
    assert first.status_code == 303
    day = re.search(r"/snapshots/(\d{4}-\d{2}-\d{2})$", first.headers["Location"]).group(1)
    assert "taken" in admin_client.get(first.headers["Location"]).get_data(as_text=True)

    second = take_as_admin(admin_client)
    assert second.status_code == 303 and second.headers["Location"].endswith("/snapshots")
    message = admin_client.get("/snapshots").get_data(as_text=True)
    assert f"A snapshot for {day} already exists" in message
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Snapshot.id))).scalar() == 1


def test_only_admins_take_snapshots(client, moderator_client):
    anonymous = client.post("/snapshots")
    assert anonymous.status_code in (302, 400)  # the login page, or the missing CSRF token
    html = moderator_client.get("/snapshots").get_data(as_text=True)
    assert "Take today" not in html
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
    assert moderator_client.post("/snapshots", data={"csrf_token": token}).status_code == 403


def test_cli_takes_a_snapshot_and_refuses_a_second(runner, app):
    with app.app_context():
        make_camera(CAMDEN)
        db.session.commit()
    result = runner.invoke(args=["snapshots", "take"])
    assert result.exit_code == 0, result.output
    assert "1 active cameras" in result.output
    again = runner.invoke(args=["snapshots", "take"])
    assert again.exit_code != 0 and "already exists" in again.output


def without_csrf_token(html: str) -> str:
    """The page as a reader sees it: the CSRF token is signed with the current second."""
    return re.sub(r'<meta name="csrf-token" content="[^"]*">', "", html)


def test_snapshot_reads_the_same_after_cameras_change(client, app):
    with app.app_context():
        council = make_camera(WESTMINSTER, operator_type="council_street")
        make_camera(WESTMINSTER, operator_type="business")
        council_id = council.id
        db.session.commit()
        snapshot = snapshots.take(db.session, None, now=datetime(2026, 6, 1, 9, 30))
        digest = snapshot.payload_sha256
    url = "/snapshots/2026-06-01"
    before = without_csrf_token(client.get(url).get_data(as_text=True))
    before_csv = client.get(url + ".csv").get_data(as_text=True)

    with app.app_context():  # the world moves on
        change_status(db.session.get(type(council), council_id), "removed")
        for _ in range(3):
            make_camera(WESTMINSTER)
        db.session.commit()
    live = client.get("/api/boroughs").get_json()
    live_westminster = next(b for b in live["boroughs"] if b["code"] == "E09000033")
    assert live_westminster["counts"]["active"] == 4

    assert without_csrf_token(client.get(url).get_data(as_text=True)) == before
    assert client.get(url + ".csv").get_data(as_text=True) == before_csv
    with app.app_context():
        stored = snapshots.by_day(db.session, datetime(2026, 6, 1).date())
        row = westminster_row(stored.payload)
        assert row["counts"] == {"active": 2, "council": 1, "verified": 2, "removed": 0}
        assert row["camera_ids"]["council"] == [council_id]
        assert stored.payload_sha256 == digest and snapshots.verified(stored)


def test_snapshot_page_json_and_csv_agree_and_can_be_checked(client, app):
    with app.app_context():
        council = make_camera(WESTMINSTER, operator_type="council_street")
        gone = make_camera(WESTMINSTER)
        change_status(gone, "covered")
        ids = (council.id, gone.id)
        db.session.commit()
        snapshots.take(db.session, None, now=datetime(2026, 6, 2, 23, 30))  # 00:30 in London

    listing = client.get("/snapshots").get_data(as_text=True)
    assert 'href="/snapshots/2026-06-03"' in listing  # London's date, not UTC's
    html = client.get("/snapshots/2026-06-03").get_data(as_text=True)
    assert "Known minimum: coverage is incomplete." in html
    assert "(verified now)" in html

    raw = client.get("/snapshots/2026-06-03.json").get_data()
    digest = re.search(r'<code class="hash">([0-9a-f]{64})</code>', html).group(1)
    assert hashlib.sha256(raw).hexdigest() == digest

    csv_text = client.get("/snapshots/2026-06-03.csv").get_data(as_text=True)
    lines = csv_text.splitlines()
    assert lines[0].startswith("# Hikwatch snapshot 2026-06-03")
    assert any(digest in line for line in lines if line.startswith("#"))
    header = next(line for line in lines if not line.startswith("#"))
    assert header.startswith("code,name,active,council,verified,removed,progress_percent")
    westminster = next(line for line in lines if line.startswith("E09000033"))
    assert f",{ids[0]},{ids[0]},{ids[1]}" in westminster.replace(" ", ",")

    detail = client.get("/snapshots/2026-06-03/westminster").get_data(as_text=True)
    assert f'href="/cameras/{ids[0]}"' in detail and f'href="/cameras/{ids[1]}"' in detail


def test_borough_page_links_the_latest_snapshot(client, app):
    with app.app_context():
        snapshots.take(db.session, None, now=datetime(2026, 6, 1, 12))
        snapshots.take(db.session, None, now=datetime(2026, 6, 5, 12))
    html = client.get("/boroughs/westminster").get_data(as_text=True)
    assert 'href="/snapshots/2026-06-05"' in html
    assert "http://localhost/snapshots/2026-06-05" in html  # in the citation


def test_snapshots_cannot_be_rewritten(app):
    with app.app_context():
        snapshot = snapshots.take(db.session, None, now=datetime(2026, 6, 1, 12))
        snapshot.payload_sha256 = "0" * 64
        with pytest.raises(RuntimeError, match="immutable"):
            db.session.commit()


@pytest.mark.parametrize("day", ["2026-02-30", "yesterday", "2026-6-1", "2099-01-01"])
def test_unknown_dates_are_not_found(client, day):
    assert client.get(f"/snapshots/{day}").status_code == 404
    assert client.get(f"/snapshots/{day}.csv").status_code == 404
