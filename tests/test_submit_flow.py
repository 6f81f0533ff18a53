"""The resident's flow through the Flask test client, with CSRF on."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image

from hikwatch.clock import london_today
from models import Photo, Sighting, db
from tests.conftest import plain_jpeg, resource_bytes

WESTMINSTER = {"lat": 51.50075, "lon": -0.12457}


def upload(api, data: bytes, name: str = "photo.jpg"):
    return api.post("/api/uploads", data={"photo": (io.BytesIO(data), name)})


def stored_files(app) -> list[str]:
    return sorted(app.extensions["file_store"].walk())


def row_counts(app) -> tuple[int, int]:
    with app.app_context():
        photos = db.session.execute(db.select(db.func.count()).select_from(Photo)).scalar()
        sightings = db.session.execute(db.select(db.func.count()).select_from(Sighting)).scalar()
    return photos, sightings


def submit(api, upload_id, **fields):
    payload = {"upload_id": upload_id, **WESTMINSTER, "location_source": "map", **fields}
    return api.post("/api/sightings", json=payload)


# ---------- the submission page ----------


def test_submission_page_labels_every_input(client):
    html = client.get("/submit").get_data(as_text=True)
    assert 'capture="environment"' in html
    for field_id in [
        "lat",
        "lon",
        "brand",
        "brand_evidence",
        "camera_type",
        "mount",
        "direction",
        "operator_type",
        "seen_on",
        "note",
        "contact_email",
        "photo-camera",
        "photo-library",
    ]:
        assert f'for="{field_id}"' in html, field_id
    assert "never published" in html


def test_about_page_shows_attribution(client):
    html = client.get("/about").get_data(as_text=True)
    assert "Open Government Licence v3.0" in html
    assert "Ordnance Survey data © Crown copyright" in html
    assert "top10vpn.com" in html


def test_pages_use_local_leaflet_when_configured(client):
    html = client.get("/submit").get_data(as_text=True)
    assert "/static/vendor/leaflet-1.9.4/leaflet.js" in html
    assert "unpkg.com" not in html


def test_pages_use_cdn_with_sri_by_default(tmp_path, migrated_database):
    from hikwatch import create_app
    from tests.conftest import base_config

    config = base_config(tmp_path, migrated_database)
    del config["LEAFLET_SOURCE"]
    html = create_app(config).test_client().get("/").get_data(as_text=True)
    assert 'src="https://unpkg.com/leaflet@1.9.4/dist/leaflet.js" integrity="sha256-' in html


# ---------- step 1: upload ----------


def test_upload_with_exif_gps_finds_the_borough(api):
    response = upload(api, resource_bytes("big_ben.jpg"), "IMG_0001.jpg")
    assert response.status_code == 201
    body = response.get_json()
    assert body["location"]["source"] == "exif"
    assert body["location"]["lat"] == pytest.approx(51.5006944, abs=1e-6)
    assert body["borough"] == {"code": "E09000033", "name": "Westminster"}
    assert len(body["upload_id"]) >= 32
    preview = api.get(body["preview_url"])
    assert preview.status_code == 200 and preview.mimetype == "image/jpeg"


def test_upload_of_iphone_heic_reads_location(api):
    response = upload(api, resource_bytes("lupine-oakland.heic"), "IMG_4321.HEIC")
    assert response.status_code == 201
    body = response.get_json()
    assert body["location"]["lat"] == pytest.approx(37.808175, abs=1e-6)
    assert body["borough"] is None  # Oakland, California
    assert api.get(body["preview_url"]).status_code == 200


def test_upload_without_gps_returns_no_location(api):
    body = upload(api, resource_bytes("with-null-coordinates.jpg")).get_json()
    assert body["location"] is None and body["borough"] is None


def test_preview_is_private_to_the_uploader(api, app):
    body = upload(api, resource_bytes("big_ben.jpg")).get_json()
    stranger = app.test_client()
    assert stranger.get(body["preview_url"]).status_code == 404


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        (b"", 422, "empty"),
        (bytes(range(256)) * 40, 415, "JPEG"),
        (resource_bytes("gps.jpg")[:30000], 422, ""),
        (b"<html><script>alert(1)</script></html>", 415, ""),
    ],
    ids=["empty", "random-bytes", "truncated-jpeg", "html"],
)
def test_bad_uploads_are_refused_and_leave_nothing(api, app, data, status, words):
    response = upload(api, data, "camera.jpg")
    assert response.status_code == status
    assert words in response.get_json()["error"]
    assert stored_files(app) == []
    assert row_counts(app) == (0, 0)


def test_upload_over_the_photo_size_limit_is_413(app, api):
    app.config["PHOTO_MAX_BYTES"] = 50_000
    response = upload(api, resource_bytes("gps.jpg"))  # ~197 kB
    assert response.status_code == 413
    assert "too large" in response.get_json()["error"]
    assert stored_files(app) == []


def test_request_over_the_content_length_is_413_json(app, api):
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    response = upload(api, resource_bytes("gps.jpg"))
    assert response.status_code == 413
    assert "error" in response.get_json()


def test_pixel_bomb_is_refused(app, api):
    app.config["PHOTO_MAX_PIXELS"] = 1_000_000
    response = upload(api, plain_jpeg(size=(2000, 1000)))
    assert response.status_code == 413
    assert stored_files(app) == []


def test_animation_with_many_frames_is_refused(api, app):
    frames = [Image.new("RGB", (32, 32), (i, 0, 0)) for i in range(40)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "WEBP", save_all=True, append_images=frames[1:])
    response = upload(api, buffer.getvalue(), "anim.webp")
    assert response.status_code == 422
    assert stored_files(app) == []


def test_upload_without_the_field_is_400(api):
    response = api.post("/api/uploads", data={})
    assert response.status_code == 400
    assert "photo" in response.get_json()["error"]


def test_upload_without_csrf_token_is_refused(client, app):
    response = client.post(
        "/api/uploads", data={"photo": (io.BytesIO(resource_bytes("big_ben.jpg")), "a.jpg")}
    )
    assert response.status_code == 400
    assert "error" in response.get_json()
    assert stored_files(app) == []


# ---------- step 2: the report ----------


def test_whole_submission_is_stored_pending(api, app, client):
    body = upload(api, resource_bytes("big_ben.jpg")).get_json()
    response = submit(
        api,
        body["upload_id"],
        brand="hiwatch",
        brand_evidence="label",
        camera_type="dome",
        mount="pole",
        direction=270,
        operator_type="council_street",
        seen_on="2026-11-01",
        note="On the corner, facing the bridge",
        contact_email="resident@example.org",
        accuracy_m=12.5,
    )
    assert response.status_code == 201
    result = response.get_json()
    assert result["status"] == "pending"
    assert len(result["reference"]) == 9
    with app.app_context():
        sighting = db.session.get(Sighting, result["id"])
        assert sighting.borough_code == "E09000033"
        assert (sighting.brand, sighting.brand_evidence) == ("hiwatch", "label")
        assert (sighting.camera_type, sighting.mount) == ("dome", "pole")
        assert sighting.direction == 270
        assert sighting.operator_type == "council_street"
        assert sighting.seen_on == date(2026, 11, 1)
        assert sighting.location_source == "map" and sighting.accuracy_m == 12.5
        assert sighting.contact_email == "resident@example.org"
        assert sighting.photo.token == body["upload_id"]
    page = client.get(result["track_url"]).get_data(as_text=True)
    assert "Pending" in page and "Westminster" in page
    assert "resident@example.org" not in page


def test_missing_fields_get_their_defaults(api, app):
    body = upload(api, resource_bytes("newyear_london.jpg")).get_json()
    result = submit(api, body["upload_id"]).get_json()
    with app.app_context():
        sighting = db.session.get(Sighting, result["id"])
        assert sighting.brand == "hikvision" and sighting.brand_evidence == "logo"
        assert sighting.camera_type == "unknown" and sighting.operator_type == "unknown"
        assert sighting.mount == "other" and sighting.direction is None
        # The date seen defaults to the photo's own date.
        assert sighting.seen_on == sighting.photo.exif_taken_at.date()
        assert sighting.contact_email is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"brand": "dahua"}, "brand"),
        ({"camera_type": "bullet"}, "camera_type"),
        ({"operator_type": "aliens"}, "operator_type"),
        ({"location_source": "guess"}, "location_source"),
        ({"mount": "tree"}, "mount"),
        ({"brand_evidence": "vibes"}, "brand_evidence"),
        ({"lat": "north"}, "lat"),
        ({"lat": float("nan")}, "lat"),
        ({"lon": float("inf")}, "lon"),
        ({"lat": 95.0}, "lat"),
        ({"direction": 400}, "direction"),
        ({"direction": 12.5}, "direction"),
        ({"seen_on": "yesterday"}, "seen_on"),
        ({"contact_email": "not-an-email"}, "contact_email"),
        ({"note": "x" * 2001}, "note"),
        ({"favourite_colour": "red"}, "favourite_colour"),
        ({"brand": ["hikvision"]}, "brand"),
    ],
)
def test_bad_fields_are_400_with_the_field_named(api, app, fields, field):
    body = upload(api, resource_bytes("big_ben.jpg")).get_json()
    response = submit(api, body["upload_id"], **fields)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["field"] == field
    assert row_counts(app) == (1, 0)


def test_future_date_is_refused(api):
    body = upload(api, resource_bytes("big_ben.jpg")).get_json()
    tomorrow = (london_today() + timedelta(days=1)).isoformat()
    response = submit(api, body["upload_id"], seen_on=tomorrow)
    assert response.status_code == 400
    assert "future" in response.get_json()["error"]


def test_location_outside_london_is_refused(api, app):
    body = upload(api, resource_bytes("big_ben.jpg")).get_json()
    response = submit(api, body["upload_id"], lat=51.6565, lon=-0.3903)  # Watford
    assert response.status_code == 422
    assert "outside" in response.get_json()["error"]
    assert row_counts(app) == (1, 0)


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"text"', b"{"])
def test_malformed_json_is_400(api, body):
    response = api.post("/api/sightings", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_unknown_upload_is_refused(api):
    response = submit(api, "no-such-upload")
    assert response.status_code == 400
    assert response.get_json()["field"] == "upload_id"


def test_someone_elses_upload_cannot_be_submitted(api, app):
    from tests.conftest import csrf_token

    body = upload(api, resource_bytes("big_ben.jpg")).get_json()
    stranger = app.test_client()
    token = csrf_token(stranger)
    response = stranger.post(
        "/api/sightings",
        json={"upload_id": body["upload_id"], **WESTMINSTER},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400


def test_a_photo_is_submitted_once(api):
    body = upload(api, resource_bytes("big_ben.jpg")).get_json()
    assert submit(api, body["upload_id"]).status_code == 201
    assert submit(api, body["upload_id"]).status_code == 409


def test_submission_without_csrf_is_refused(client, app, api):
    body = upload(api, resource_bytes("big_ben.jpg")).get_json()
    response = client.post("/api/sightings", json={"upload_id": body["upload_id"], **WESTMINSTER})
    assert response.status_code == 400
    assert row_counts(app) == (1, 0)


def test_track_unknown_reference_is_a_friendly_404(client):
    response = client.get("/track/ZZZZ-ZZZZ")
    assert response.status_code == 404
    assert "No report has that reference" in response.get_data(as_text=True)


# ---------- the same flow without JavaScript ----------


def form_post(client, token, data):
    return client.post(
        "/submit", data={"csrf_token": token, **data}, content_type="multipart/form-data"
    )


def test_no_javascript_form_uses_the_photo_gps(client, app):
    from tests.conftest import csrf_token

    token = csrf_token(client)
    response = form_post(
        client,
        token,
        {
            "photo": (io.BytesIO(resource_bytes("big_ben.jpg")), "big_ben.jpg"),
            "brand": "hikvision",
            "operator_type": "council_building",
        },
    )
    assert response.status_code == 302
    assert "/track/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you" in page
    with app.app_context():
        sighting = db.session.execute(db.select(Sighting)).scalar_one()
        assert sighting.location_source == "exif"
        assert sighting.operator_type == "council_building"
    assert len(stored_files(app)) == 3


def test_no_javascript_form_without_location_asks_for_it(client, app):
    from tests.conftest import csrf_token

    token = csrf_token(client)
    response = form_post(
        client,
        token,
        {
            "photo": (io.BytesIO(resource_bytes("with-null-coordinates.jpg")), "x.jpg"),
        },
    )
    assert response.status_code == 400
    assert "type the camera" in response.get_data(as_text=True)
    assert stored_files(app) == [] and row_counts(app) == (0, 0)


def test_no_javascript_form_with_typed_coordinates(client, app):
    from tests.conftest import csrf_token

    token = csrf_token(client)
    response = form_post(
        client,
        token,
        {
            "photo": (io.BytesIO(resource_bytes("with-null-coordinates.jpg")), "x.jpg"),
            "lat": "51.5155",
            "lon": "-0.0922",  # Guildhall, City of London
        },
    )
    assert response.status_code == 302
    with app.app_context():
        sighting = db.session.execute(db.select(Sighting)).scalar_one()
        assert sighting.borough_code == "E09000001"
        assert sighting.location_source == "typed"


def test_no_javascript_form_with_bad_photo_shows_a_page(client, app):
    from tests.conftest import csrf_token

    token = csrf_token(client)
    response = form_post(
        client,
        token,
        {"photo": (io.BytesIO(b"GIF89a...."), "x.jpg"), "lat": "51.5", "lon": "-0.12"},
    )
    assert response.status_code == 415
    assert "<html" in response.get_data(as_text=True)
    assert stored_files(app) == []


# ---------- sweeping unsubmitted uploads ----------


def test_sweep_removes_only_old_unsubmitted_uploads(api, app, runner):
    kept = upload(api, resource_bytes("big_ben.jpg")).get_json()
    submit(api, kept["upload_id"])
    stale = upload(api, resource_bytes("newyear_london.jpg")).get_json()
    fresh = upload(api, resource_bytes("gps.jpg")).get_json()
    with app.app_context():
        for token in (kept["upload_id"], stale["upload_id"]):
            photo = db.session.execute(db.select(Photo).filter_by(token=token)).scalar_one()
            photo.created_at -= timedelta(hours=48)
        db.session.commit()
    result = runner.invoke(args=["uploads", "sweep"])
    assert "Removed 1" in result.output
    with app.app_context():
        tokens = set(db.session.execute(db.select(Photo.token)).scalars())
    assert tokens == {kept["upload_id"], fresh["upload_id"]}
    assert len(stored_files(app)) == 6
