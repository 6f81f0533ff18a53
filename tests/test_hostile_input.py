"""Hostile input, through both doors: the JSON API and the no-JavaScript form.

Every case is generated here (Pillow and plain bytes). Each one must be refused with a
4xx and a clear message (JSON {"error": ...} for /api, a friendly page otherwise) and
leave no file and no row behind, or, where it is a valid photo, be accepted with every
piece of metadata stripped from what is published. Never a 5xx.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zlib
from dataclasses import dataclass, field

import pytest
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from hikwatch import photos
from models import Photo, Sighting, db
from tests.conftest import csrf_token, plain_jpeg

WESTMINSTER = {"lat": "51.50075", "lon": "-0.12457"}
SCRIPT = "<script>alert(1)</script>"
IMG_ONERROR = '"><img src=x onerror=alert(1)>'
STORED_NAME = re.compile(
    r"^(originals|display|thumbs)/[0-9a-f]{2}/[0-9a-f]{32}\.(jpg|png|webp|heic)$"
)


# ---------------------------------------------------------------- the corpus


def jpeg(exif: bytes | None = None, size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, (40, 90, 140)).save(buffer, "JPEG", **options)
    return buffer.getvalue()


def gps_exif(lat, lon, lat_ref="N", lon_ref="W") -> bytes:
    """EXIF with a GPS IFD; lat/lon are (numerator, denominator) triples, written as given."""
    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[1], gps[3] = lat_ref, lon_ref
    gps[2] = tuple(IFDRational(*part) for part in lat)
    gps[4] = tuple(IFDRational(*part) for part in lon)
    return exif.tobytes()


def self_referencing_gps_exif() -> bytes:
    """Raw TIFF: IFD0 points at a GPS IFD whose entries and next-IFD link point at itself."""
    header = b"II*\x00" + struct.pack("<I", 8)
    gps_offset = 8 + 2 + 12 + 4
    ifd0 = struct.pack("<H", 1) + struct.pack("<HHII", 0x8825, 4, 1, gps_offset)
    ifd0 += struct.pack("<I", 8)  # IFD0's next IFD is IFD0 again
    gps = struct.pack("<H", 2) + struct.pack("<HHI4s", 1, 2, 2, b"N\x00\x00\x00")
    gps += struct.pack("<HHII", 0x8825, 4, 1, gps_offset) + struct.pack("<I", gps_offset)
    return b"Exif\x00\x00" + header + ifd0 + gps


def script_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = SCRIPT  # Make
    exif.get_ifd(ExifTags.IFD.Exif)[0x9286] = b"ASCII\x00\x00\x00" + SCRIPT.encode()
    return exif.tobytes()


def png_declaring_30000_square() -> bytes:
    """A real 30000x30000 1-bit PNG: ~110 KB on disk, 900 MP once decoded."""
    width = height = 30000

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    compressor = zlib.compressobj(9)
    row = bytes(1 + width // 8)  # filter byte 0, then 3750 bytes of black pixels
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) claims another size: no pixels allocated."""
    data = bytearray(plain_jpeg())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def animation(fmt: str, frames: int) -> bytes:
    # Distinct colours: Pillow merges identical consecutive frames.
    images = [Image.new("RGB", (8, 8), (i % 256, i // 256, 0)) for i in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, fmt, save_all=True, append_images=images[1:], duration=10)
    return buffer.getvalue()


def tiff() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (1, 2, 3)).save(buffer, "TIFF")
    return buffer.getvalue()


PAYLOAD = b"<?php system($_GET['c']); ?><html><script>alert(1)</script></html>"


@dataclass(frozen=True)
class Case:
    """One hostile input. `photo` is the file sent; `fields` override the report's fields;
    `accepted` says whether a valid photo should get through (with metadata stripped)."""

    name: str
    photo: bytes | None = None
    filename: str = "camera.jpg"
    fields: dict = field(default_factory=dict)
    accepted: bool = False
    raw_json: bytes | None = None  # sent as the /api/sightings body instead of fields
    no_csrf: bool = False
    absent_from_derivatives: bytes | None = None
    status: int | None = None  # the exact refusal, where only one is right


def photo_cases() -> list[Case]:
    return [
        Case("empty-file", b""),
        Case("random-bytes-named-jpg", bytes(range(256)) * 64),
        Case("truncated-jpeg", jpeg(size=(640, 480))[:1500]),
        Case("html-named-photo", b"<html><body>" + SCRIPT.encode() + b"</body></html>"),
        Case(
            "svg-with-script",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
            + SCRIPT.encode()
            + b"</svg>",
            filename="camera.svg",
        ),
        Case(
            "jpeg-with-php-payload-appended",
            jpeg() + PAYLOAD,
            accepted=True,
            absent_from_derivatives=b"<?php",
        ),
        Case(
            "png-30000x30000-1-bit", png_declaring_30000_square(), filename="bomb.png", status=413
        ),
        Case("jpeg-sof-65500x65500", jpeg_declaring(65500, 65500), status=413),
        Case("gif-1000-frames", animation("GIF", 1000), filename="anim.gif", status=415),
        Case("apng-1000-frames", animation("PNG", 1000), filename="anim.png", status=422),
        Case("over-the-photo-size-limit", jpeg() + bytes(20 * 1024 * 1024), status=413),
        Case("over-the-request-size-limit", jpeg() + bytes(22 * 1024 * 1024), status=413),
        Case("tiff", tiff(), filename="scan.tif", status=415),
        Case(
            "exif-zero-denominator",
            jpeg(gps_exif(((51, 0), (30, 1), (0, 1)), ((0, 1), (7, 1), (0, 1)))),
            accepted=True,
        ),
        Case(
            "exif-latitude-95",
            jpeg(gps_exif(((95, 1), (0, 1), (0, 1)), ((0, 1), (7, 1), (0, 1)))),
            accepted=True,
        ),
        Case(
            "exif-zero-zero",
            jpeg(gps_exif(((0, 1), (0, 1), (0, 1)), ((0, 1), (0, 1), (0, 1)))),
            accepted=True,
        ),
        Case("exif-gps-ifd-points-at-itself", jpeg(self_referencing_gps_exif()), accepted=True),
        Case(
            "exif-usercomment-script",
            jpeg(script_exif()),
            accepted=True,
            absent_from_derivatives=b"<script>",
        ),
        Case("filename-path-traversal", jpeg(), filename="../../app.py", accepted=True),
        Case("filename-nul", jpeg(), filename="camera\x00.php.jpg", accepted=True),
        Case("filename-unicode", jpeg(), filename="カメラ📷\u202egpj.exe", accepted=True),
        Case("filename-very-long", jpeg(), filename="a" * 5000 + ".jpg", accepted=True),
    ]


def field_cases() -> list[Case]:
    return [
        Case("lat-nan", fields={"lat": "NaN"}),
        Case("lon-infinity", fields={"lon": "Infinity"}),
        Case("lat-minus-infinity", fields={"lat": "-inf"}),
        Case("lat-string", fields={"lat": "fifty-one"}),
        Case("lat-out-of-range", fields={"lat": "95"}),
        Case("lon-out-of-range", fields={"lon": "-181"}),
        Case("outside-london", fields={"lat": "48.8584", "lon": "2.2945"}),  # Paris
        Case("unknown-brand", fields={"brand": "acme"}),
        Case("unknown-camera-type", fields={"camera_type": "<script>"}),
        Case("unknown-operator", fields={"operator_type": "aliens"}),
        Case("unknown-location-source", fields={"location_source": "psychic"}),
        Case("direction-out-of-range", fields={"direction": "720"}),
        Case("note-too-long", fields={"note": "x" * 100_000}),
        Case("email-with-markup", fields={"contact_email": IMG_ONERROR}),
        Case("oversized-json", raw_json=json.dumps({"note": "x" * 70_000}).encode(), status=413),
        Case("malformed-json", raw_json=b'{"lat": 51.5, "lon": '),
        Case("json-array", raw_json=b"[1, 2, 3]"),
        Case("json-nan-literal", raw_json=b'{"lat": NaN, "lon": -0.12}'),
        Case("missing-csrf-token", no_csrf=True),
    ]


CASES = photo_cases() + field_cases()


# ---------------------------------------------------------------- checks


def stored_files(app) -> list[str]:
    return sorted(app.extensions["file_store"].walk())


def row_counts(app) -> tuple[int, int]:
    with app.app_context():
        count = db.func.count()
        photos_ = db.session.execute(db.select(count).select_from(Photo)).scalar_one()
        sightings = db.session.execute(db.select(count).select_from(Sighting)).scalar_one()
    return photos_, sightings


def assert_refused_json(response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.data[:300])
    body = response.get_json(silent=True)
    assert isinstance(body, dict), response.data[:300]
    assert isinstance(body.get("error"), str) and len(body["error"]) > 10, body


def friendly_message(html: str) -> str:
    """The sentence shown to the resident: the form's error box or the error page's lead."""
    box = re.search(r'<div id="form-errors"[^>]*>(.*?)</div>', html, re.S)
    if box and "hidden" not in box.group(0).split(">")[0]:
        return box.group(1).strip()
    lead = re.search(r'<p class="lead">(.*?)</p>\s*<p><a class="button"', html, re.S)
    return lead.group(1).strip() if lead else ""


def assert_refused_page(response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.data[:300])
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<html" in html
    assert len(friendly_message(html)) > 10, html[:2000]


def assert_accepted_photo_is_clean(app, case: Case) -> None:
    store = app.extensions["file_store"]
    files = stored_files(app)
    assert len(files) == 3 and all(STORED_NAME.match(name) for name in files), files
    with app.app_context():
        photo = db.session.execute(db.select(Photo)).scalar_one()
        derivatives = [store.read(photo.display_path), store.read(photo.thumb_path)]
        # Hostile GPS reads as "no location", never as a nonsense position.
        assert photo.exif_lat is None and photo.exif_lon is None
    for data in derivatives:
        assert photos.metadata_free(data)
        if case.absent_from_derivatives:
            assert case.absent_from_derivatives not in data
    # Nothing was written where the file name pointed.
    assert not (store.root.parent / "app.py").exists()


# ---------------------------------------------------------------- the two doors


def send_through_api(client, case: Case):
    """Upload the case's photo (or a good one), then the report. Returns the refusing
    response, or None when both were accepted."""
    token = csrf_token(client)
    headers = {} if case.no_csrf else {"X-CSRFToken": token}
    photo = case.photo if case.photo is not None else jpeg()
    upload = client.post(
        "/api/uploads",
        data={"photo": (io.BytesIO(photo), case.filename)},
        headers=headers,
    )
    if upload.status_code != 201:
        return upload
    upload_id = upload.get_json()["upload_id"]
    if case.raw_json is not None:
        report = client.post(
            "/api/sightings", data=case.raw_json, content_type="application/json", headers=headers
        )
    else:
        payload = {"upload_id": upload_id, **WESTMINSTER, **case.fields}
        report = client.post("/api/sightings", json=payload, headers=headers)
    return None if report.status_code == 201 else report


def send_through_form(client, case: Case):
    data = {**WESTMINSTER, **case.fields}
    if not case.no_csrf:
        data["csrf_token"] = csrf_token(client)
    if case.raw_json is not None:
        # The form's equivalent of a broken JSON body: a broken multipart body.
        return client.post(
            "/submit",
            data=case.raw_json,
            content_type="multipart/form-data; boundary=nothing-matches",
        )
    photo = case.photo if case.photo is not None else jpeg()
    data["photo"] = (io.BytesIO(photo), case.filename)
    response = client.post("/submit", data=data, content_type="multipart/form-data")
    return None if response.status_code == 302 else response


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input_through_the_json_api(app, client, case):
    refusal = send_through_api(client, case)
    if case.accepted:
        assert refusal is None, (refusal.status_code, refusal.get_json())
        assert row_counts(app) == (1, 1)
        assert_accepted_photo_is_clean(app, case)
        return
    assert refusal is not None, f"{case.name} was accepted"
    assert_refused_json(refusal)
    assert case.status in (None, refusal.status_code)
    if refusal.request.path == "/api/uploads":
        assert stored_files(app) == [] and row_counts(app) == (0, 0)
    else:
        # Only the report was refused: the good photo uploaded before it remains, unsubmitted
        # (swept later by `flask uploads sweep`).
        assert len(stored_files(app)) == 3 and row_counts(app) == (1, 0)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input_through_the_form(app, client, case):
    refusal = send_through_form(client, case)
    if case.accepted:
        assert refusal is None, (refusal.status_code, friendly_message(refusal.get_data(True)))
        assert row_counts(app) == (1, 1)
        assert_accepted_photo_is_clean(app, case)
        return
    assert refusal is not None, f"{case.name} was accepted"
    assert_refused_page(refusal)
    if case.raw_json is None:  # (the form's stand-in for bad JSON is a broken body: 400)
        assert case.status in (None, refusal.status_code)
    assert stored_files(app) == [] and row_counts(app) == (0, 0)


# ---------------------------------------------------------------- escaping


def test_markup_in_a_report_is_shown_escaped(app, client, admin_client):
    """A note carrying markup, and EXIF make/comment carrying a script, render as text on
    every page that shows the report, for residents and moderators."""
    token = csrf_token(client)
    upload = client.post(
        "/api/uploads",
        data={"photo": (io.BytesIO(jpeg(script_exif())), SCRIPT + ".jpg")},
        headers={"X-CSRFToken": token},
    )
    assert upload.status_code == 201
    report = client.post(
        "/api/sightings",
        json={
            "upload_id": upload.get_json()["upload_id"],
            **WESTMINSTER,
            "note": f"{SCRIPT} and {IMG_ONERROR}",
            "contact_email": "resident+tag@example.org",
        },
        headers={"X-CSRFToken": token},
    )
    assert report.status_code == 201
    reference = report.get_json()["reference"]
    with app.app_context():
        sighting_id = db.session.execute(db.select(Sighting.id)).scalar_one()

    from tests.security.routes import fetch, html_pages_showing_a_report

    pages = html_pages_showing_a_report(app, reference, sighting_id)
    assert f"/track/{reference}" in pages
    checked = 0
    for path, audience in pages.items():
        viewer = admin_client if audience == "moderator" else client
        response = fetch(viewer, path)
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        assert SCRIPT not in html, path
        assert "<img src=x onerror" not in html, path
        checked += 1
    assert checked >= 2  # at least the track page and the moderation queue


@pytest.mark.parametrize("path", ["/api/uploads", "/submit"])
def test_a_form_part_whose_name_cannot_be_read_is_no_field(client, path):
    """A multipart part named `"\\x08\\"` (the closing quote escaped) has no readable name;
    it is dropped, and the request is answered as one without it."""
    token = csrf_token(client)
    boundary = "hikwatch-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="\x08\\"\r\n\r\n[1]\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    response = client.post(
        path,
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400
    assert "photo" in response.get_data(as_text=True).lower()
