"""How fresh each camera's evidence is: cameras not confirmed for RECHECK_MONTHS still
count, and are listed per borough as needing a fresh photo."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hikwatch.clock import london_today
from hikwatch.evidence import freshness
from models import db
from tests.factories import CAMDEN, WESTMINSTER, change_status, make_camera


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 12, 2), 12, date(2025, 12, 2)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2028, 3, 31), 1, date(2028, 2, 29)),
        (date(2026, 1, 15), 13, date(2024, 12, 15)),
    ],
)
def test_months_before_counts_calendar_months(day, months, expected):
    assert freshness.months_before(day, months) == expected


def test_stale_cameras_still_count_and_are_listed(client, app):
    today = london_today()
    stale, fresh = today - timedelta(days=400), today - timedelta(days=30)
    with app.app_context():
        old_verified = make_camera(WESTMINSTER, first_seen=stale, last_confirmed=stale).id
        old_unconfirmed = make_camera(
            WESTMINSTER, brand_verified=False, first_seen=stale, last_confirmed=stale
        ).id
        make_camera(WESTMINSTER, first_seen=fresh, last_confirmed=fresh)
        change_status(make_camera(WESTMINSTER, last_confirmed=stale), "removed")
        make_camera(WESTMINSTER, status="retracted", last_confirmed=stale)
        make_camera(CAMDEN, last_confirmed=stale)
        db.session.commit()

    page = client.get("/boroughs/westminster").get_data(as_text=True)
    assert "2 cameras need a fresh photo</a>" in page
    assert 'href="/boroughs/westminster/needs-photo"' in page
    body = client.get("/api/boroughs").get_json()["boroughs"]
    counts = next(b["counts"] for b in body if b["slug"] == "westminster")
    assert (counts["verified"], counts["unconfirmed"]) == (2, 1)  # still counted

    listing = client.get("/boroughs/westminster/needs-photo").get_data(as_text=True)
    assert "<strong>2</strong> cameras in Westminster have not been confirmed" in listing
    assert f'href="/cameras/{old_verified}"' in listing
    assert f'href="/cameras/{old_unconfirmed}"' in listing
    assert listing.count('<th scope="row"><a href="/cameras/') == 2

    camera_page = client.get(f"/cameras/{old_verified}").get_data(as_text=True)
    assert 'id="needs-photo"' in camera_page and "more than 12 months" in camera_page


def test_the_recheck_period_is_a_setting(client, app):
    app.config["RECHECK_MONTHS"] = 1
    with app.app_context():
        recent = london_today() - timedelta(days=45)
        make_camera(WESTMINSTER, first_seen=recent, last_confirmed=recent)
        db.session.commit()
    assert "1 camera needs a fresh photo" in client.get("/boroughs/westminster").get_data(
        as_text=True
    )
    assert "more than 1 months" in client.get("/boroughs/westminster/needs-photo").get_data(
        as_text=True
    )


def test_a_borough_with_nothing_stale_says_nothing(client):
    assert 'id="needs-photo"' not in client.get("/boroughs/sutton").get_data(as_text=True)
    listing = client.get("/boroughs/sutton/needs-photo")
    assert listing.status_code == 200
    assert "confirmed in the last 12 months" in listing.get_data(as_text=True)
