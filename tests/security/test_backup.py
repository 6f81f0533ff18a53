"""`flask backup` and `flask restore`: every row and every file comes back, and a damaged
backup is refused before anything is touched."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from PIL import Image

from hikwatch import audit, create_app
from hikwatch.security.accounts import create_user
from models import Camera, db
from tests.conftest import base_config, csrf_token
from tests.object_storage import BOTH_STORES

WESTMINSTER = {"lat": 51.50075, "lon": -0.12457}


def photo_bytes(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (80, 60), (shade, 40, 200 - shade)).save(buffer, "JPEG")
    return buffer.getvalue()


def populate(app) -> None:
    """Photos (submitted and not), sightings, a camera, users and audit events."""
    client = app.test_client()
    token = csrf_token(client)
    headers = {"X-CSRFToken": token}
    for shade in range(4):
        response = client.post(
            "/api/uploads",
            data={"photo": (io.BytesIO(photo_bytes(shade * 40)), "c.jpg")},
            headers=headers,
        )
        assert response.status_code == 201
        if shade < 3:  # the last stays an unsubmitted upload
            report = client.post(
                "/api/sightings",
                json={
                    "upload_id": response.get_json()["upload_id"],
                    **WESTMINSTER,
                    "note": f"note {shade} ünïcödé",
                    "contact_email": f"r{shade}@example.org",
                    "seen_on": "2026-03-0" + str(shade + 1),
                },
                headers=headers,
            )
            assert report.status_code == 201
    with app.app_context():
        admin = create_user("admin@example.org", "a long enough password", "admin")
        create_user("mod@example.org", "another long password", "moderator")
        db.session.flush()
        camera = Camera(
            lat=51.5007,
            lon=-0.1246,
            borough_code="E09000033",
            brand="hikvision",
            brand_evidence="logo",
            brand_verified=True,
            camera_type="dome",
            mount="wall",
            direction=90,
            operator_type="council_street",
            first_seen=date(2026, 3, 1),
            last_confirmed=date(2026, 3, 2),
        )
        db.session.add(camera)
        db.session.flush()
        audit.record(admin, "camera.create", "camera", camera.id, after={"lat": camera.lat})
        audit.record(None, "note", "sighting", 1, before={"x": [1, 2]}, reason="why")
        db.session.commit()


def table_rows(app) -> dict[str, list[dict]]:
    with app.app_context():
        return {
            table.name: [
                dict(row)
                for row in db.session.execute(
                    table.select().order_by(*table.primary_key.columns)
                ).mappings()
            ]
            for table in db.metadata.sorted_tables
        }


def upload_files(app) -> dict[str, bytes]:
    store = app.extensions["file_store"]
    return {relative: store.read(relative) for relative in store.walk()}


@pytest.fixture
def second_store(request, photo_store) -> dict:
    """The restored instance keeps its photos as the first one does (or, parametrized with
    "s3", in a bucket whatever the first does), in a folder or bucket of its own."""
    if not photo_store and getattr(request, "param", None) != "s3":
        return {}
    server = request.getfixturevalue("s3_server")
    return server.store_config(server.new_bucket())


@pytest.fixture
def second_app(tmp_path, postgres_template, second_store):
    """An empty instance (a new database, no migrations yet, an empty photo store)."""
    folder = tmp_path / "restored"
    folder.mkdir()
    config = {**base_config(folder, folder / "restored.db"), **second_store}
    created = None
    if postgres_template is not None:
        server, _ = postgres_template
        created = server.new_name("restore")
        config["SQLALCHEMY_DATABASE_URI"] = server.create(created)
    restored = create_app(config)
    yield restored
    with restored.app_context():
        db.engine.dispose()
    if created:
        server.drop(created)


@BOTH_STORES
def test_backup_and_restore_round_trip_every_row_and_file(app, runner, second_app, tmp_path):
    populate(app)
    destination = tmp_path / "backup-1"
    result = runner.invoke(args=["backup", str(destination)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((destination / "manifest.json").read_text())
    assert manifest["row_counts"]["photo"] == 4 and manifest["row_counts"]["sighting"] == 3
    assert len(manifest["uploads"]) == 12
    kind = "sqlite" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else "jsonl"
    assert manifest["database"]["kind"] == kind

    restored = second_app.test_cli_runner().invoke(args=["restore", str(destination)])
    assert restored.exit_code == 0, restored.output
    assert table_rows(second_app) == table_rows(app)
    assert upload_files(second_app) == upload_files(app)
    # The restored instance works: a new report gets fresh ids that do not collide.
    client = second_app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/api/uploads",
        data={"photo": (io.BytesIO(photo_bytes(7)), "c.jpg")},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201, response.get_json()
    check = second_app.test_cli_runner().invoke(args=["storage", "check"])
    assert check.exit_code == 0, check.output


@BOTH_STORES
def test_a_damaged_backup_is_refused_before_anything_changes(app, runner, second_app, tmp_path):
    populate(app)
    destination = tmp_path / "backup-2"
    assert runner.invoke(args=["backup", str(destination)]).exit_code == 0
    victim = next((destination / "uploads").rglob("*.jpg"))
    victim.write_bytes(victim.read_bytes()[:-1] + b"\x00")
    result = second_app.test_cli_runner().invoke(args=["restore", str(destination)])
    assert result.exit_code != 0
    assert "does not match its manifest" in result.output and "changed: uploads/" in result.output
    assert upload_files(second_app) == {}


def test_restore_refuses_to_overwrite_data_without_replace(app, runner, tmp_path):
    populate(app)
    destination = tmp_path / "backup-3"
    assert runner.invoke(args=["backup", str(destination)]).exit_code == 0
    refused = runner.invoke(args=["restore", str(destination)])
    assert refused.exit_code != 0 and "--replace" in refused.output
    replaced = runner.invoke(args=["restore", "--replace", str(destination)])
    assert replaced.exit_code == 0, replaced.output


def test_backup_needs_a_new_folder(app, runner, tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "something").write_text("x")
    result = runner.invoke(args=["backup", str(tmp_path / "used")])
    assert result.exit_code != 0 and "not empty" in result.output


def test_an_unfinished_backup_is_not_restored(runner, tmp_path):
    (tmp_path / "half").mkdir()
    result = runner.invoke(args=["restore", str(tmp_path / "half")])
    assert result.exit_code != 0 and "unfinished" in result.output


@pytest.mark.parametrize("second_store", ["s3"], indirect=True)
def test_a_folder_backup_restores_into_a_bucket(app, runner, second_app, tmp_path):
    """How an installation moves its photos to object storage: back up, then restore into
    an instance whose PHOTO_STORE is a bucket."""
    populate(app)
    destination = tmp_path / "backup-to-bucket"
    assert runner.invoke(args=["backup", str(destination)]).exit_code == 0
    restored = second_app.test_cli_runner().invoke(args=["restore", str(destination)])
    assert restored.exit_code == 0, restored.output
    bucket_store = second_app.extensions["file_store"]
    assert bucket_store.location.startswith("s3://")
    assert upload_files(second_app) == upload_files(app)
    check = second_app.test_cli_runner().invoke(args=["storage", "check"])
    assert check.exit_code == 0, check.output
