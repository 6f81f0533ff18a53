"""Nothing pending, rejected, private or identifying reaches any public page or download.

The test plants distinctive secrets in every private place (residents' emails, notes and
references, unpublished reports and photos, moderators' notes, accounts), then crawls
every public page and download reachable from the home page, plus the APIs, and searches
each response for them.
"""

from __future__ import annotations

import re
from collections import deque
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import pytest

from hikwatch.evidence import snapshots
from models import CameraStatusChange, Photo, Sighting, db
from tests.factories import (
    CAMDEN,
    WESTMINSTER,
    change_status,
    make_camera,
    make_photo,
    make_removal_report,
    make_sighting,
)

PRIVATE_PREFIXES = ("/static/", "/submit", "/track", "/login", "/logout", "/moderate", "/admin")
API_URLS = [
    "/api/map?bbox=-0.6,51.2,0.4,51.8&zoom=10",
    "/api/map?bbox=-0.6,51.2,0.4,51.8&zoom=18&status=all",
    "/api/cameras.geojson",
    "/api/cameras.csv",
    "/api/boroughs",
    "/api/boroughs.csv",
]


@pytest.fixture
def planted(app, admin_client):
    """Public cameras with private things all around them; returns what must never leak."""
    with app.app_context():
        camera = make_camera(WESTMINSTER, operator_type="council_street")
        published = make_sighting(
            camera, contact_email="approved.resident@secret.example", note="APPROVED-NOTE-7Q"
        )
        # Matched to the camera but still pending: nothing of it is public.
        waiting = make_sighting(
            camera, status="pending", contact_email="waiting@secret.example", note="WAIT-NOTE-7Q"
        )
        pending = make_sighting(
            None, status="pending", at=CAMDEN, contact_email="pending@secret.example",
            note="PENDING-NOTE-7Q",
        )  # fmt: skip
        rejected = make_sighting(
            None, status="rejected", at=WESTMINSTER, contact_email="rejected@secret.example",
            note="REJECTED-NOTE-7Q",
        )  # fmt: skip
        rejected.reject_note = "REJECT-REASON-7Q"
        gone = make_camera(CAMDEN)
        gone_published = make_sighting(gone)
        confirmed = make_removal_report(
            gone, status="confirmed", contact_email="remover@secret.example",
            note="REMOVAL-NOTE-7Q", photo=make_photo(),
        )  # fmt: skip
        confirmed.decision_note = "DECISION-NOTE-7Q"
        change_status(gone, "removed")
        db.session.execute(
            db.update(CameraStatusChange).values(note="STATUS-NOTE-7Q")
        )  # moderators' notes
        pending_removal = make_removal_report(
            camera, status="pending", contact_email="pending.remover@secret.example",
            note="PENDING-REMOVAL-7Q", photo=make_photo(),
        )  # fmt: skip
        db.session.commit()

        private_photo_ids = [
            waiting.photo_id, pending.photo_id, rejected.photo_id, pending_removal.photo_id
        ]  # fmt: skip
        photos = db.session.execute(db.select(Photo)).scalars().all()
        references = db.session.execute(db.select(Sighting.reference)).scalars().all()
        secrets = [
            "@secret.example", "admin@example.org",
            "APPROVED-NOTE-7Q", "WAIT-NOTE-7Q", "PENDING-NOTE-7Q", "REJECTED-NOTE-7Q",
            "REJECT-REASON-7Q", "REMOVAL-NOTE-7Q", "DECISION-NOTE-7Q", "STATUS-NOTE-7Q",
            "PENDING-REMOVAL-7Q", confirmed.reference, pending_removal.reference,
            *references,
            *(p.token for p in photos),
            *(p.original_path for p in photos),
            *(p.display_path for p in photos),
            *(p.thumb_path for p in photos),
            *(p.sha256 for p in photos),
        ]  # fmt: skip
        public_photo_ids = {published.photo_id, gone_published.photo_id, confirmed.photo_id}
        camera_ids = [camera.id, gone.id]
        snapshots.take(db.session, None, now=datetime(2026, 6, 1, 12))
    # The admin's own changes must not name them either.
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"',
        admin_client.get("/admin/boroughs/westminster/campaign").get_data(as_text=True),
    ).group(1)
    admin_client.post(
        "/admin/boroughs/westminster/campaign",
        data={"csrf_token": token, "motion_status": "tabled", "foi_finding": "yes"},
    )
    return {
        "secrets": secrets,
        "public_photo_ids": public_photo_ids,
        "private_photo_ids": set(private_photo_ids),
        "camera_ids": camera_ids,
    }


def links(url: str, body: str) -> set[str]:
    found = set()
    for raw in re.findall(r'(?:href|src)="([^"]+)"', body):
        target = urlsplit(urljoin("http://localhost" + url, raw.replace("&amp;", "&")))
        if target.netloc == "localhost":
            found.add(target.path + (f"?{target.query}" if target.query else ""))
    return found


def test_no_public_response_carries_anything_private(client, planted):
    start = ["/", *API_URLS, *(f"/api/cameras/{i}" for i in planted["camera_ids"])]
    queue, seen, pages = deque(start), set(start), 0
    while queue:
        url = queue.popleft()
        response = client.get(url)
        photo = re.match(r"/photos/(\d+)/", url)
        if photo:
            assert int(photo.group(1)) in planted["public_photo_ids"], url
            assert response.status_code == 200, url
            continue
        assert response.status_code == 200, (url, response.status_code)
        body = response.get_data(as_text=True)
        pages += 1
        for secret in planted["secrets"]:
            assert secret not in body, f"{secret!r} leaked in {url}"
        for photo_id in planted["private_photo_ids"]:
            assert f"/photos/{photo_id}/" not in body, f"private photo {photo_id} linked in {url}"
        for target in links(url, body):
            path = urlsplit(target).path
            if (
                target not in seen
                and not path.startswith(PRIVATE_PREFIXES)
                and not path.endswith("/report-removal")
                and "page=" not in target
            ):
                seen.add(target)
                queue.append(target)
    # The crawl really reached the evidence: council pages, lists, packs, feeds, snapshots.
    assert pages > 100
    for expected in ("/boroughs/westminster/pack", "/boroughs/camden/feed.atom",
                     "/snapshots/2026-06-01T12-00Z.csv", "/snapshots/2026-06-01T12-00Z/westminster",
                     f"/cameras/{planted['camera_ids'][1]}", "/methodology"):  # fmt: skip
        assert expected in seen


def test_private_photos_are_not_found(client, planted):
    for photo_id in planted["private_photo_ids"]:
        assert client.get(f"/photos/{photo_id}/display.jpg").status_code == 404
