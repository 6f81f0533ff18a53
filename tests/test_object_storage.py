"""Photos on S3-compatible object storage (PHOTO_STORE=s3://…), from the app's side: nothing
lands on this machine's disk, public derivatives are served by the app, by presigned or by
public URLs as configured, and originals only ever by the app, to moderators."""

from __future__ import annotations

import io
import urllib.request
from urllib.parse import urlsplit

import pytest

from hikwatch import create_app
from models import db
from tests.accounts import log_in, make_user
from tests.conftest import base_config, plain_jpeg
from tests.factories import make_camera, make_sighting

WESTMINSTER = {"lat": 51.50075, "lon": -0.12457}


def bucket_keys(s3_server, store_config: dict) -> list[str]:
    bucket = urlsplit(store_config["PHOTO_STORE"]).netloc
    listed = s3_server.client().list_objects_v2(Bucket=bucket).get("Contents", [])
    return sorted(item["Key"] for item in listed)


def s3_app(tmp_path, database_uri, store_config: dict):
    return create_app(
        {
            **base_config(tmp_path, tmp_path / "unused.db"),
            "SQLALCHEMY_DATABASE_URI": database_uri,
            **store_config,
        }
    )


def published_photo(app) -> tuple[int, str, str]:
    """(photo id, display key, original key) of a camera's approved report."""
    with app.app_context():
        sighting = make_sighting(make_camera())
        db.session.commit()
        photo = sighting.photo
        return photo.id, photo.display_path, photo.original_path


@pytest.mark.parametrize("photo_store", ["s3"], indirect=True)
def test_an_upload_goes_to_the_bucket_and_nothing_to_disk(
    app, api, s3_server, photo_store, tmp_path
):
    response = api.post("/api/uploads", data={"photo": (io.BytesIO(plain_jpeg()), "c.jpg")})
    assert response.status_code == 201, response.get_json()
    keys = bucket_keys(s3_server, photo_store)
    assert [key.split("/")[1] for key in keys] == ["display", "originals", "thumbs"]
    assert all(key.startswith("photos/") for key in keys)
    assert not (tmp_path / "uploads").exists()

    preview = api.get(response.get_json()["preview_url"])
    assert preview.status_code == 200 and preview.mimetype == "image/jpeg"
    display_key = next(key for key in keys if "/display/" in key)
    assert preview.data == app.extensions["file_store"].read(display_key.removeprefix("photos/"))
    assert preview.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("photo_store", ["s3"], indirect=True)
def test_the_app_serves_public_photos_from_the_bucket_by_default(app, client):
    photo_id, display, _ = published_photo(app)
    response = client.get(f"/photos/{photo_id}/display.jpg")
    assert response.status_code == 200
    assert response.data == app.extensions["file_store"].read(display)
    assert "no-cache" in response.headers["Cache-Control"]
    again = client.get(
        f"/photos/{photo_id}/display.jpg", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


@pytest.mark.parametrize("photo_store", ["s3"], indirect=True)
def test_a_photo_gone_from_the_bucket_is_not_found(app, client):
    photo_id, display, _ = published_photo(app)
    app.extensions["file_store"].delete(display)
    response = client.get(f"/photos/{photo_id}/display.jpg")
    assert response.status_code == 404


def test_presigned_urls_serve_public_photos_and_never_originals(tmp_path, database_uri, s3_server):
    config = s3_server.store_config(s3_server.new_bucket(), PHOTO_URLS="presigned")
    app = s3_app(tmp_path, database_uri, config)
    photo_id, display, _ = published_photo(app)
    client = app.test_client()

    response = client.get(f"/photos/{photo_id}/display.jpg")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(s3_server.endpoint_url + "/") and "Signature=" in location
    with urllib.request.urlopen(location, timeout=10) as signed:
        assert signed.read() == app.extensions["file_store"].read(display)
    # The browser may load images from the bucket's origin, and from nowhere else new.
    policy = response.headers["Content-Security-Policy"]
    img_src = next(part for part in policy.split("; ") if part.startswith("img-src"))
    assert img_src.split()[1:] == ["'self'", "data:", s3_server.endpoint_url]

    make_user(app, "moderator@example.org", "moderator")
    staff = app.test_client()
    log_in(staff, "moderator@example.org")
    original = staff.get(f"/moderate/photos/{photo_id}/original")
    assert original.status_code == 200 and original.data.startswith(b"ORIGINAL-")
    assert original.headers["Cache-Control"] == "private, no-store"
    with app.app_context():
        db.engine.dispose()


def test_public_urls_point_under_the_configured_base(tmp_path, database_uri, s3_server):
    config = s3_server.store_config(
        s3_server.new_bucket(),
        PHOTO_URLS="public",
        PHOTO_PUBLIC_BASE_URL="https://photos.example.org/hikwatch/",
    )
    app = s3_app(tmp_path, database_uri, config)
    photo_id, display, original = published_photo(app)
    response = app.test_client().get(f"/photos/{photo_id}/display.jpg")
    assert response.status_code == 302
    assert response.headers["Location"] == f"https://photos.example.org/hikwatch/{display}"
    assert "https://photos.example.org" in response.headers["Content-Security-Policy"]
    assert app.extensions["file_store"].public_url(original) is None
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"PHOTO_URLS": "presigned"}, "needs photos on object storage"),
        ({"PHOTO_URLS": "cdn"}, "PHOTO_URLS must be one of"),
        ({"PHOTO_STORE": "ftp://bucket/photos"}, "PHOTO_STORE must be empty or s3://"),
        ({"PHOTO_STORE": "s3:///photos"}, "s3://bucket/prefix"),
        ({"PHOTO_STORE": "s3://bucket/a/../b"}, "plain path"),
        ({"PHOTO_STORE": "s3://bucket/photos", "PHOTO_URLS": "public"}, "PHOTO_PUBLIC_BASE_URL"),
    ],
)
def test_settings_that_cannot_work_stop_the_app_starting(tmp_path, settings, complaint):
    with pytest.raises(ValueError, match=complaint):
        create_app({**base_config(tmp_path, tmp_path / "hikwatch.db"), **settings})
