"""Nothing lost, nothing left over: failed commits, `flask storage check`, the sweep."""

from __future__ import annotations

import io
import os
import time

from models import Photo, Sighting, db
from tests.conftest import plain_jpeg
from tests.object_storage import BOTH_STORES

WESTMINSTER = {"lat": 51.50075, "lon": -0.12457}


def stored_files(app) -> list[str]:
    return sorted(app.extensions["file_store"].walk())


def upload(api) -> str:
    response = api.post("/api/uploads", data={"photo": (io.BytesIO(plain_jpeg()), "c.jpg")})
    assert response.status_code == 201
    return response.get_json()["upload_id"]


def make_old(app, *relatives: str) -> None:
    """Age files past the check's grace period."""
    old = time.time() - 3600
    for relative in relatives:
        os.utime(app.extensions["file_store"].path(relative), (old, old))


def fail_commits(monkeypatch):
    def refuse():
        raise RuntimeError("the database went away")

    monkeypatch.setattr(db.session, "commit", refuse)


@BOTH_STORES
def test_a_failed_commit_of_an_upload_leaves_no_files(app, api, monkeypatch):
    fail_commits(monkeypatch)
    response = api.post("/api/uploads", data={"photo": (io.BytesIO(plain_jpeg()), "c.jpg")})
    assert response.status_code == 500
    assert "error" in response.get_json()
    monkeypatch.undo()
    assert stored_files(app) == []
    with app.app_context():
        assert db.session.execute(db.select(Photo)).first() is None


@BOTH_STORES
def test_a_failed_commit_of_the_form_leaves_no_files_and_no_rows(app, client, monkeypatch):
    from tests.conftest import csrf_token

    token = csrf_token(client)
    fail_commits(monkeypatch)
    response = client.post(
        "/submit",
        data={
            "csrf_token": token,
            "photo": (io.BytesIO(plain_jpeg()), "c.jpg"),
            "lat": "51.50075",
            "lon": "-0.12457",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 500
    monkeypatch.undo()
    assert stored_files(app) == []
    with app.app_context():
        assert db.session.execute(db.select(Photo)).first() is None
        assert db.session.execute(db.select(Sighting)).first() is None


@BOTH_STORES
def test_check_reports_nothing_when_all_agree(app, api, runner):
    upload(api)
    result = runner.invoke(args=["storage", "check"])
    assert result.exit_code == 0, result.output
    assert "Checked 1 photo row(s) and 3 file(s)" in result.output
    assert "agree" in result.output


def test_check_finds_and_fix_removes_orphans_and_temporary_files(app, api, runner):
    upload(api)
    store = app.extensions["file_store"]
    store.write("display/ab/abababababababababababababababab.jpg", b"orphan")
    temporary = store.root / "thumbs" / "cd" / ".tmp-cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd.jpg"
    temporary.parent.mkdir(parents=True, exist_ok=True)
    temporary.write_bytes(b"half a photo")
    make_old(app, "display/ab/abababababababababababababababab.jpg", "thumbs/cd/" + temporary.name)

    result = runner.invoke(args=["storage", "check"])
    assert result.exit_code == 1
    assert "orphaned file: display/ab/abababababababababababababababab.jpg" in result.output
    assert f"temporary file: thumbs/cd/{temporary.name}" in result.output

    fixed = runner.invoke(args=["storage", "check", "--fix"])
    assert fixed.exit_code == 0, fixed.output
    assert "Deleted 2 file(s)" in fixed.output
    assert len(stored_files(app)) == 3
    assert runner.invoke(args=["storage", "check"]).exit_code == 0


@BOTH_STORES
def test_check_finds_and_fix_removes_orphaned_files_in_either_store(app, api, runner):
    upload(api)
    store = app.extensions["file_store"]
    orphan = "display/ab/abababababababababababababababab.jpg"
    store.write(orphan, b"orphan")
    result = runner.invoke(args=["storage", "check", "--grace-minutes", "0"])
    assert result.exit_code == 1
    assert f"orphaned file: {orphan}" in result.output
    assert f"in {store.location}" in result.output

    fixed = runner.invoke(args=["storage", "check", "--fix", "--grace-minutes", "0"])
    assert fixed.exit_code == 0, fixed.output
    assert "Deleted 1 file(s)" in fixed.output
    assert orphan not in stored_files(app) and len(stored_files(app)) == 3


@BOTH_STORES
def test_check_leaves_files_younger_than_the_grace_period(app, runner):
    """A running app writes files just before committing their row: not orphans yet."""
    store = app.extensions["file_store"]
    store.write("originals/ef/efefefefefefefefefefefefefefefef.jpg", b"being saved")
    result = runner.invoke(args=["storage", "check", "--fix"])
    assert result.exit_code == 0
    assert "1 unreferenced file(s) younger than 15 minutes left alone" in result.output
    assert stored_files(app) == ["originals/ef/efefefefefefefefefefefefefefefef.jpg"]
    immediate = runner.invoke(args=["storage", "check", "--fix", "--grace-minutes", "0"])
    assert "Deleted 1 file(s)" in immediate.output
    assert stored_files(app) == []


@BOTH_STORES
def test_fix_deletes_an_unsubmitted_photo_with_missing_files_but_never_a_report(app, api, runner):
    kept = upload(api)
    assert api.post("/api/sightings", json={"upload_id": kept, **WESTMINSTER}).status_code == 201
    unsubmitted = upload(api)
    store = app.extensions["file_store"]
    with app.app_context():
        photos = {photo.token: photo for photo in db.session.execute(db.select(Photo)).scalars()}
        submitted_display = photos[kept].display_path
        store.delete(submitted_display, photos[unsubmitted].original_path)
        unsubmitted_id, kept_id = photos[unsubmitted].id, photos[kept].id

    result = runner.invoke(args=["storage", "check"])
    assert result.exit_code == 1
    assert f"missing files for photo {kept_id} (photo of a report)" in result.output
    assert f"missing files for photo {unsubmitted_id} (unsubmitted upload)" in result.output

    fixed = runner.invoke(args=["storage", "check", "--fix"])
    assert fixed.exit_code == 1  # the report's photo cannot be repaired from here
    assert f"NOT FIXED: photo {kept_id} belongs to a report" in fixed.output
    with app.app_context():
        assert db.session.get(Photo, unsubmitted_id) is None
        assert db.session.get(Photo, kept_id) is not None
        assert db.session.execute(db.select(db.func.count()).select_from(Sighting)).scalar() == 1
    assert len(stored_files(app)) == 2  # the report's original and thumbnail


@BOTH_STORES
def test_sweep_keeps_photos_that_a_removal_report_refers_to(app, api, runner):
    from datetime import date, timedelta

    from models import Camera, RemovalReport

    token = upload(api)
    with app.app_context():
        photo = db.session.execute(db.select(Photo).filter_by(token=token)).scalar_one()
        photo.created_at -= timedelta(days=3)
        camera = Camera(
            lat=51.5,
            lon=-0.12,
            borough_code="E09000033",
            brand="hikvision",
            brand_evidence="logo",
            camera_type="dome",
            mount="wall",
            operator_type="unknown",
            first_seen=date(2026, 1, 1),
            last_confirmed=date(2026, 1, 1),
        )
        db.session.add(camera)
        db.session.flush()
        db.session.add(
            RemovalReport(reference="RMVL-0001", camera_id=camera.id, kind="removed", photo=photo)
        )
        db.session.commit()
    result = runner.invoke(args=["uploads", "sweep"])
    assert result.exit_code == 0, result.output
    assert "Removed 0" in result.output
    assert len(stored_files(app)) == 3


def test_check_never_touches_files_outside_the_upload_kinds(app, runner):
    """Only originals/, display/ and thumbs/ are walked: other files (.keep) stay."""
    keep = app.extensions["file_store"].root / ".keep"
    keep.parent.mkdir(parents=True, exist_ok=True)
    keep.write_text("")
    runner.invoke(args=["storage", "check", "--fix", "--grace-minutes", "0"])
    assert keep.exists()
