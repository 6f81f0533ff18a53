"""Compressed responses keep their meaning: right headers, same bytes once decoded, and
nothing compressed that should not be (photos, PNGs, slices of files, small bodies)."""

from __future__ import annotations

import gzip
import json
import zlib

from hikwatch import create_app
from tests.conftest import base_config

LEAFLET_JS = "/static/vendor/leaflet-1.9.4/leaflet.js"
LEAFLET_PNG = "/static/vendor/leaflet-1.9.4/images/layers.png"
BROWSER = {"Accept-Encoding": "gzip, deflate"}


def test_pages_are_gzipped_with_their_security_headers(client):
    plain = client.get("/about")
    compressed = client.get("/about", headers={"Accept-Encoding": "gzip"})
    assert compressed.status_code == 200
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed.headers["Vary"]
    assert int(compressed.headers["Content-Length"]) == len(compressed.data)
    assert len(compressed.data) < len(plain.data) / 2
    html = gzip.decompress(compressed.data).decode()
    assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"):
        assert compressed.headers[header] == plain.headers[header]


def test_json_decodes_to_the_same_document(client):
    plain = client.get("/api/boroughs/boundaries.geojson")
    compressed = client.get("/api/boroughs/boundaries.geojson", headers={"Accept-Encoding": "gzip"})
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert compressed.headers["Cache-Control"] == plain.headers["Cache-Control"]
    assert json.loads(gzip.decompress(compressed.data)) == plain.get_json()


def test_without_accept_encoding_nothing_is_compressed(client):
    response = client.get("/about")
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" in response.headers["Vary"]  # caches keep the two apart


def test_static_script_compressed_and_revalidates(client):
    plain = client.get(LEAFLET_JS)
    first = client.get(LEAFLET_JS, headers=BROWSER)
    assert first.headers["Content-Encoding"] == "deflate"
    assert zlib.decompress(first.data) == plain.data
    # The compressed copy has its own validator, and revalidating it answers 304.
    assert first.headers["ETag"] != plain.headers["ETag"]
    again = client.get(LEAFLET_JS, headers={**BROWSER, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_range_requests_get_uncompressed_slices(client):
    response = client.get(LEAFLET_JS, headers={**BROWSER, "Range": "bytes=0-9999"})
    assert response.status_code == 206
    assert "Content-Encoding" not in response.headers
    assert response.headers["Content-Range"].startswith("bytes 0-9999/")
    assert len(response.data) == 10_000 == int(response.headers["Content-Length"])


def test_images_are_left_alone(client):
    response = client.get(LEAFLET_PNG, headers=BROWSER)
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers


def test_compression_can_be_turned_off(tmp_path, database_uri):
    config = {
        **base_config(tmp_path, tmp_path / "unused.db"),
        "SQLALCHEMY_DATABASE_URI": database_uri,
    }
    app = create_app({**config, "COMPRESS_REGISTER": False})
    response = app.test_client().get("/about", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
