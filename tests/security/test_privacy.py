"""Nothing private reaches an anonymous visitor: not a resident's email, not the note of a
report that is pending or rejected, not its reference, not an original photo or its path.

Every public GET route is fetched (pages, JSON, CSV, feeds, snapshots, photos, errors) with
its arguments filled in with the ids of exactly the rows that must stay private.
"""

from __future__ import annotations

import hashlib
import itertools

from models import db
from tests.factories import make_camera, make_photo, make_removal_report, make_sighting
from tests.security.routes import fetch, get_rules, sample_path
from tests.security.test_access_matrix import ACCESS

SECRET = "zq7private"  # every private string contains it, so a leak is easy to spot


def private_world(app, runner) -> dict:
    """A verified camera with one approved report, plus the rows that must stay private."""
    with app.app_context():
        camera = make_camera()
        # Distinct colours: identical test photos would make every file look like another.
        approved = make_sighting(
            camera,
            status="approved",
            contact_email=f"approved-{SECRET}@example.org",
            photo=make_photo(colour=(200, 10, 10)),
        )
        pending = make_sighting(
            None,
            status="pending",
            contact_email=f"pending-{SECRET}@example.org",
            note=f"pending note {SECRET}: my flat is number 4",
            photo=make_photo(colour=(10, 10, 200)),
        )
        rejected = make_sighting(
            camera,
            status="rejected",
            contact_email=f"rejected-{SECRET}@example.org",
            note=f"rejected note {SECRET}",
            photo=make_photo(colour=(200, 200, 10)),
        )
        rejected.reject_note = f"moderator's reason {SECRET}"
        removal = make_removal_report(
            camera,
            status="pending",
            contact_email=f"removal-{SECRET}@example.org",
            note=f"removal note {SECRET}",
            photo=make_photo(colour=(10, 200, 30)),
        )
        db.session.commit()
        store = app.extensions["file_store"]
        private_photos = [pending.photo, rejected.photo, removal.photo]
        world = {
            "camera_id": camera.id,
            "approved_photo_id": approved.photo.id,
            "ids": {
                "sighting": [approved.id, pending.id, rejected.id],
                "photo": [photo.id for photo in private_photos] + [approved.photo.id],
                "removal": [removal.id],
            },
            "strings": [
                approved.contact_email,
                pending.contact_email,
                rejected.contact_email,
                removal.contact_email,
                pending.note,
                rejected.note,
                rejected.reject_note,
                removal.note,
                pending.reference,
                rejected.reference,
                removal.reference,
                *(photo.original_path for photo in [*private_photos, approved.photo]),
                *(photo.token for photo in [*private_photos, approved.photo]),
            ],
            # Every file of a private photo, and every original: none may be served.
            "file_hashes": {
                hashlib.sha256(store.read(path)).hexdigest(): path
                for photo in [*private_photos, approved.photo]
                for path in (
                    photo.file_paths if photo in private_photos else (photo.original_path,)
                )
            },
        }
    runner.invoke(args=["snapshots", "take"])  # so snapshot pages have something to show
    return world


def public_paths(app, world) -> list[str]:
    """Every public GET route, once per private id it could be asked about."""
    paths = ["/no-such-page", "/api/no-such-endpoint", "/track/ZZZZ-ZZZZ"]
    ids = sorted(set(itertools.chain.from_iterable(world["ids"].values())) | {world["camera_id"]})
    for rule in get_rules(app):
        if ACCESS.get(rule.endpoint) != "public" or rule.endpoint == "static":
            continue
        if rule.endpoint in ("submit.track", "removal_reports.removal_status"):
            continue  # these show the reference you type: checked in the next test
        for some_id in ids if rule.arguments else [None]:
            path = sample_path(rule, {"id": some_id} if some_id else {})
            if path not in paths:
                paths.append(path)
    return paths


def assert_nothing_private(response, path: str, world) -> None:
    body = response.get_data()
    for secret in world["strings"]:
        assert secret.encode() not in body, f"{path} ({response.status_code}) shows {secret!r}"
    assert SECRET.encode() not in body, f"{path} shows a private value"
    leaked = world["file_hashes"].get(hashlib.sha256(body).hexdigest())
    assert leaked is None, f"{path} serves the private file {leaked}"


def test_no_public_route_shows_private_details(app, runner):
    world = private_world(app, runner)
    client = app.test_client()
    paths = public_paths(app, world)
    for path in paths:
        assert_nothing_private(fetch(client, path), path, world)
    # Refused submissions echo nothing private either.
    refused = client.post("/api/sightings", json={"upload_id": world["strings"][-2]})
    assert_nothing_private(refused, "POST /api/sightings", world)
    assert len(paths) > 20


def test_tracking_a_report_shows_its_status_but_not_its_contents(app, runner):
    world = private_world(app, runner)
    client = app.test_client()
    references = [s for s in world["strings"] if s[:1] in "TR" and "-" in s and len(s) <= 12]
    assert len(references) == 3
    for reference in references:
        for path in (f"/track/{reference}", f"/removal-reports/{reference}"):
            response = fetch(client, path)
            body = response.get_data(as_text=True)
            for secret in world["strings"]:
                if secret != reference:
                    assert secret not in body, f"{path} shows {secret!r}"
