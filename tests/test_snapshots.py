"""Snapshots: named by their time, several a day, never changing, and checkable by anyone."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

import pytest

from hikwatch.errors import SnapshotExists
from hikwatch.evidence import snapshots
from models import Snapshot, db
from tests.factories import CAMDEN, WESTMINSTER, change_status, make_camera


def take_as_admin(admin_client):
    html = admin_client.get("/snapshots").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return admin_client.post("/snapshots", data={"csrf_token": token})


def without_csrf_token(html: str) -> str:
    """The page without its session's CSRF token, which is signed with the time."""
    return re.sub(r'<meta name="csrf-token" content="[^"]+">', "", html)


def westminster_row(payload: dict) -> dict:
    return next(b for b in payload["boroughs"] if b["code"] == "E09000033")


def test_admin_takes_snapshots_named_by_their_time_several_a_day(admin_client, app):
    with app.app_context():
        make_camera(WESTMINSTER)
        db.session.commit()
    first = take_as_admin(admin_client)
    assert first.status_code == 303
    name = re.search(r"/snapshots/([0-9T-]+Z)$", first.headers["Location"]).group(1)
    assert snapshots.NAME.match(name)
    assert "taken" in admin_client.get(first.headers["Location"]).get_data(as_text=True)

    second = take_as_admin(admin_client)
    assert second.status_code == 303 and second.headers["Location"] != first.headers["Location"]
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Snapshot.id))).scalar() == 2
        stored = snapshots.by_name(db.session, name)
        assert stored.payload["format"] == "hikwatch-snapshot/2"
        assert stored.payload["name"] == name and snapshots.verified(stored)


def test_names_are_the_utc_minute_then_the_second(app):
    with app.app_context():
        moment = datetime(2026, 12, 2, 9, 41, 7)
        assert snapshots.take(db.session, None, now=moment).name == "2026-12-02T09-41Z"
        assert snapshots.take(db.session, None, now=moment).name == "2026-12-02T09-41-07Z"
        with pytest.raises(SnapshotExists) as refused:
            snapshots.take(db.session, None, now=moment)
        assert refused.value.status == 409


def test_only_admins_take_snapshots(client, moderator_client):
    anonymous = client.post("/snapshots")
    assert anonymous.status_code in (302, 400)  # the login page, or the missing CSRF token
    html = moderator_client.get("/snapshots").get_data(as_text=True)
    assert "Take today" not in html
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
    assert moderator_client.post("/snapshots", data={"csrf_token": token}).status_code == 403


def test_cli_takes_snapshots(runner, app):
    with app.app_context():
        make_camera(CAMDEN)
        db.session.commit()
    result = runner.invoke(args=["snapshots", "take"])
    assert result.exit_code == 0, result.output
    assert "1 verified cameras, 1 council-operated, 0 unconfirmed" in result.output
    again = runner.invoke(args=["snapshots", "take"])  # a second one today is fine
    assert again.exit_code == 0, again.output


def test_snapshot_reads_the_same_after_cameras_change(client, app):
    with app.app_context():
        council = make_camera(WESTMINSTER, operator_type="council_street")
        make_camera(WESTMINSTER, operator_type="business")
        council_id = council.id
        db.session.commit()
        snapshot = snapshots.take(db.session, None, now=datetime(2026, 6, 1, 9, 30))
        digest = snapshot.payload_sha256
    url = "/snapshots/2026-06-01T09-30Z"
    before = without_csrf_token(client.get(url).get_data(as_text=True))
    before_csv = client.get(url + ".csv").get_data(as_text=True)

    with app.app_context():  # the world moves on
        change_status(db.session.get(type(council), council_id), "removed")
        for _ in range(3):
            make_camera(WESTMINSTER)
        db.session.commit()
    live = client.get("/api/boroughs").get_json()
    live_westminster = next(b for b in live["boroughs"] if b["code"] == "E09000033")
    assert live_westminster["counts"]["verified"] == 4

    assert without_csrf_token(client.get(url).get_data(as_text=True)) == before
    assert client.get(url + ".csv").get_data(as_text=True) == before_csv
    with app.app_context():
        stored = snapshots.by_name(db.session, "2026-06-01T09-30Z")
        row = westminster_row(stored.payload)
        assert row["counts"] == {
            "verified": 2,
            "council_operated": 1,
            "unconfirmed": 0,
            "removed": 0,
        }
        assert row["camera_ids"]["council_operated"] == [council_id]
        assert stored.payload_sha256 == digest and snapshots.verified(stored)


def test_snapshot_page_json_and_csv_agree_and_can_be_checked(client, app):
    with app.app_context():
        council = make_camera(WESTMINSTER, operator_type="council_street")
        gone = make_camera(WESTMINSTER)
        change_status(gone, "covered")
        ids = (council.id, gone.id)
        db.session.commit()
        snapshots.take(db.session, None, now=datetime(2026, 6, 2, 23, 30))  # 00:30 in London

    name = "2026-06-02T23-30Z"  # UTC, though it was 00:30 on 3 June in London
    listing = client.get("/snapshots").get_data(as_text=True)
    assert f'href="/snapshots/{name}"' in listing
    html = client.get(f"/snapshots/{name}").get_data(as_text=True)
    assert "Known minimum: coverage is incomplete." in html
    assert "(verified now)" in html

    raw = client.get(f"/snapshots/{name}.json").get_data()
    digest = re.search(r'<code class="hash">([0-9a-f]{64})</code>', html).group(1)
    assert hashlib.sha256(raw).hexdigest() == digest

    csv_text = client.get(f"/snapshots/{name}.csv").get_data(as_text=True)
    lines = csv_text.splitlines()
    assert lines[0].startswith("code,name,verified,council_operated,unconfirmed,removed,progress")
    assert not any(line.startswith("#") for line in lines)
    westminster = next(line for line in lines if line.startswith("E09000033"))
    assert f",{ids[0]},{ids[0]},,{ids[1]}" in westminster.replace(" ", ",")

    detail = client.get(f"/snapshots/{name}/westminster").get_data(as_text=True)
    assert f'href="/cameras/{ids[0]}"' in detail and f'href="/cameras/{ids[1]}"' in detail

    # Links cited when snapshots were one a day (by London date) still lead to it.
    for suffix in ("", ".json", ".csv", "/westminster"):
        moved = client.get(f"/snapshots/2026-06-03{suffix}")
        assert moved.status_code == 301
        assert moved.headers["Location"] == f"/snapshots/{name}{suffix}"


def test_borough_page_links_the_latest_snapshot(client, app):
    with app.app_context():
        snapshots.take(db.session, None, now=datetime(2026, 6, 1, 12))
        snapshots.take(db.session, None, now=datetime(2026, 6, 5, 12))
    html = client.get("/boroughs/westminster").get_data(as_text=True)
    assert "http://localhost/snapshots/2026-06-05T12-00Z" in html  # in the citation
    assert "2026-06-01T12-00Z" not in html


def test_snapshots_cannot_be_rewritten(app):
    with app.app_context():
        snapshot = snapshots.take(db.session, None, now=datetime(2026, 6, 1, 12))
        snapshot.payload_sha256 = "0" * 64
        with pytest.raises(RuntimeError, match="immutable"):
            db.session.commit()


@pytest.mark.parametrize(
    "name", ["2026-02-30", "yesterday", "2026-6-1", "2099-01-01", "2026-06-01T09-30Z"]
)
def test_unknown_names_are_not_found(client, name):
    assert client.get(f"/snapshots/{name}").status_code == 404
    assert client.get(f"/snapshots/{name}.csv").status_code == 404


def old_payload() -> dict:
    """A snapshot taken before the four figures: active, council, verified, removed."""
    old_keys = [("active", "Active cameras"), ("council", "Council-operated"),
                ("verified", "Brand verified"), ("removed", "Removed")]  # fmt: skip
    westminster = {"active": [1, 2, 3], "council": [1], "verified": [1, 2], "removed": []}
    empty = {key: [] for key, _ in old_keys}
    boroughs = []
    for code, name, slug in [("E09000007", "Camden", "camden"),
                             ("E09000033", "Westminster", "westminster")]:  # fmt: skip
        ids = westminster if code == "E09000033" else empty
        boroughs.append(
            {
                "code": code,
                "name": name,
                "slug": slug,
                "counts": {key: len(v) for key, v in ids.items()},
                "progress_percent": 0.0,
                "camera_ids": ids,
                "campaign": {
                    "foi_finding": "yes",
                    "motion_status": "none",
                    "motion_date": None,
                    "timetable_target": None,
                },  # fmt: skip
            }
        )
    return {
        "format": "hikwatch-snapshot/1",
        "taken_on": "2026-05-01",
        "taken_at": "2026-05-01T10:00:00Z",
        "caveat": "Known minimum: coverage is incomplete.",
        "licence": "ODbL",
        "definitions": {
            key: {"label": label, "definition": f"Old {key}."} for key, label in old_keys
        },  # fmt: skip
        "totals": {"active": 3, "council": 1, "verified": 2, "removed": 0},
        "boroughs": boroughs,
    }


def test_snapshots_of_the_earlier_format_still_render(client, app):
    payload = old_payload()
    with app.app_context():
        db.session.add(
            Snapshot(
                name="2026-05-01T10-00Z", taken_on=datetime(2026, 5, 1).date(),
                taken_at=datetime(2026, 5, 1, 10), payload=payload,
                payload_sha256=snapshots.digest(payload),
            )
        )  # fmt: skip
        db.session.commit()
    url = "/snapshots/2026-05-01T10-00Z"
    html = client.get(url).get_data(as_text=True)
    assert "hikwatch-snapshot/1" in html and "(verified now)" in html
    assert "<strong>3</strong> active cameras" in html
    csv_text = client.get(url + ".csv").get_data(as_text=True)
    assert csv_text.startswith("code,name,active,council,verified,removed,progress_percent")
    assert "Brand verified: 2" in client.get(url + "/westminster").get_data(as_text=True)
    # The pack prints the old figures as they were, without comparing them with today's.
    pack = client.get("/boroughs/westminster/pack?snapshot=2026-05-01T10-00Z").get_data(
        as_text=True
    )
    assert "snapshot 2026-05-01T10-00Z" in pack
    assert re.search(r'figure-active"><span class="figure-number">3<', pack)
    assert "since-snapshot" not in pack
    assert client.get("/snapshots/2026-05-01").status_code == 301
