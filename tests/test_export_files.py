"""The full exports as files: built outside requests, served as files, rebuilt after changes;
filtered exports paged; a failure mid-stream is a broken transfer, never a short 200."""

from __future__ import annotations

import csv
import gzip
import io
import json
import socket
import sqlite3
import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from hikwatch.evidence import export_files
from hikwatch.web.export_serving import build_now
from models import db
from tests.factories import CAMDEN, WESTMINSTER, make_camera
from tests.security.gunicorn_server import GunicornServer, server_environment

LICENCE = '<https://opendatacommons.org/licenses/odbl/1-0/>; rel="license"'
WAIT_SECONDS = 60


def plain_client(app) -> FlaskClient:
    """A client that builds nothing itself (conftest's default client stands for a builder
    that has caught up)."""
    return FlaskClient(app, app.response_class, use_cookies=True)


def cameras(app, n: int, place=WESTMINSTER) -> list[int]:
    with app.app_context():
        ids = [make_camera(place).id for _ in range(n)]
        db.session.commit()
    return ids


def feature_ids(body: bytes) -> list[int]:
    return [f["id"] for f in json.loads(body)["features"]]


def manifest(app) -> export_files.Manifest | None:
    return export_files.read_manifest(Path(app.config["EXPORTS_FOLDER"]))


def wait_for(condition, what: str):
    """Poll (bounded) until `condition()` is truthy; fail saying what never happened."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} within {WAIT_SECONDS} s")


def test_before_the_first_build_the_answer_is_503_with_retry_after(app):
    client = plain_client(app)
    for path in ("/api/cameras.geojson", "/api/cameras.csv?status=all", "/api/boroughs"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert int(response.headers["Retry-After"]) > 0
        assert "prepared" in response.get_json()["error"]
    # Filtered exports are made per request and need no file.
    assert client.get("/api/cameras.geojson?borough=camden").status_code == 200


def test_files_are_sent_with_etag_ranges_and_their_own_gzip(app):
    ids = cameras(app, 3)
    with app.app_context():
        build_now(base="https://hikwatch.example/")
    client = plain_client(app)

    whole = client.get("/api/cameras.geojson")
    assert whole.status_code == 200 and whole.mimetype == "application/geo+json"
    assert whole.headers["Link"] == LICENCE and whole.headers["Last-Modified"]
    assert "Content-Encoding" not in whole.headers and "Accept-Encoding" in whole.headers["Vary"]
    assert feature_ids(whole.data) == ids
    assert json.loads(whole.data)["features"][0]["properties"]["hikwatch:url"] == (
        f"https://hikwatch.example/cameras/{ids[0]}"
    )

    zipped = client.get("/api/cameras.geojson", headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == whole.data
    assert zipped.headers["ETag"] != whole.headers["ETag"]
    # Flask-Compress would have used Brotli: the file is sent as built, not compressed again.
    brotli_only = client.get("/api/boroughs", headers={"Accept-Encoding": "br"})
    assert "Content-Encoding" not in brotli_only.headers
    assert len(brotli_only.get_json()["boroughs"]) == 33

    part = client.get("/api/cameras.geojson", headers={"Range": "bytes=10-29"})
    assert part.status_code == 206 and part.data == whole.data[10:30]
    assert part.headers["Content-Range"] == f"bytes 10-29/{len(whole.data)}"
    again = client.get("/api/cameras.geojson", headers={"If-None-Match": whole.headers["ETag"]})
    assert again.status_code == 304

    table = client.get("/api/cameras.csv?status=all")
    assert table.mimetype == "text/csv" and table.headers["Link"] == LICENCE
    assert "hikwatch-cameras-all.csv" in table.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(table.get_data(as_text=True))))
    assert [int(row["id"]) for row in rows] == ids


def test_a_change_is_served_from_the_previous_file_until_the_builder_process_has_rebuilt(app):
    app.config.update(EXPORTS_AUTO_BUILD=True, EXPORTS_DEBOUNCE_SECONDS=0)
    first = cameras(app, 2)
    with app.app_context():
        built = build_now()
    client = plain_client(app)
    assert feature_ids(client.get("/api/cameras.geojson").data) == first

    added = cameras(app, 1, place=CAMDEN)
    # The request does not build: it sends the previous file and starts a builder process.
    stale = client.get("/api/cameras.geojson")
    assert stale.status_code == 200 and feature_ids(stale.data) == first
    starter = app.extensions["export_starter"]
    assert starter._process is not None

    wait_for(lambda: manifest(app).files != built.files, "no rebuild")
    assert feature_ids(client.get("/api/cameras.geojson").data) == first + added
    assert starter._process.wait(timeout=WAIT_SECONDS) == 0
    # The previous build's files stay for downloads begun before the switch; older go.
    folder = Path(app.config["EXPORTS_FOLDER"])
    assert len(list(folder.glob("cameras.*.geojson"))) == 2


def test_a_snapshot_has_the_files_rebuilt_without_waiting_for_quiet(app, runner):
    app.config.update(EXPORTS_AUTO_BUILD=True, EXPORTS_DEBOUNCE_SECONDS=3600)
    with app.app_context():
        built = build_now()
    cameras(app, 1)
    result = runner.invoke(args=["snapshots", "take"])
    assert result.exit_code == 0, result.output
    # With an hour's debounce only the snapshot's hurry explains a build now.
    wait_for(lambda: manifest(app).files != built.files, "no rebuild after a snapshot")
    assert app.extensions["export_starter"]._process.wait(timeout=WAIT_SECONDS) == 0


def test_a_burst_of_changes_waits_for_quiet_then_builds_once(app, monkeypatch):
    from hikwatch.evidence import export_builder

    cameras(app, 1)
    changes = iter(range(3))
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # a change at each of the first three polls
        slept.append(seconds)
        if next(changes, None) is not None:
            cameras(app, 1)

    with app.app_context():
        folder = Path(app.config["EXPORTS_FOLDER"])
        monkeypatch.setattr(export_builder, "POLL_SECONDS", 0.0)
        export_builder.wait_for_quiet(db.engine, folder, debounce=0.05, sleep=sleep)
        assert len(slept) >= 3  # still waiting while the data moved
        assert export_builder.run(db.engine, folder, "http://localhost/", 0.0, now=False) == 1
        assert export_builder.run(db.engine, folder, "http://localhost/", 0.0, now=False) == 0


def test_filtered_exports_are_paged_with_a_next_link(app):
    app.config["EXPORT_PAGE_SIZE"] = 2
    ids = cameras(app, 5)
    client = plain_client(app)
    seen: list[int] = []
    url: str | None = "/api/cameras.geojson?borough=westminster"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = json.loads(response.data)
        seen += [f["id"] for f in body["features"]]
        links = response.headers["Link"]
        assert links.startswith(LICENCE)
        url = links.split(", <", 1)[1].split(">", 1)[0] if 'rel="next"' in links else None
        if url:
            assert body["links"][0] == {"rel": "next", "type": "application/geo+json", "href": url}
            url = url.removeprefix("http://localhost")
        pages += 1
    assert seen == ids and pages == 3

    rows = client.get("/api/cameras.csv?borough=westminster&offset=4").get_data(as_text=True)
    assert rows.splitlines()[1].startswith(f"{ids[4]},")
    assert client.get("/api/cameras.csv?borough=westminster&limit=3").status_code == 400
    assert client.get("/api/cameras.csv?borough=westminster&offset=-1").status_code == 400


# ---------------------------------------------------------------- on a real server


def raw_get(port: int, path: str, version: str = "HTTP/1.1") -> tuple[bytes, bytes]:
    """Send one GET and read until the server closes: (head, body as sent)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
        connection.sendall(
            f"GET {path} {version}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    return head, body


@pytest.fixture
def server_with_a_corrupt_row(tmp_path, migrated_database, app):
    """gunicorn over a SQLite database where one camera's date is not a date: reading that
    row fails, as a disk or driver error would, after the download has begun. (SQLite on
    purpose, whatever the suite's engine: only it stores a bad value in a date column.)"""
    database = tmp_path / "corrupt.db"
    database.write_bytes(migrated_database.read_bytes())
    url = f"sqlite:///{database}"
    from hikwatch import create_app
    from tests.conftest import base_config

    seeding = create_app({**base_config(tmp_path, database), "SQLALCHEMY_DATABASE_URI": url})
    with seeding.app_context():
        ids = [make_camera(WESTMINSTER).id for _ in range(3)]
        db.session.commit()
        db.engine.dispose()
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE camera SET first_seen = 'not a date' WHERE id = ?", (ids[1],))
    server = GunicornServer(server_environment(url, tmp_path), workers=1)
    server.start(tmp_path / "gunicorn.log")
    try:
        yield server
    finally:
        server.stop()


def test_a_failure_mid_stream_breaks_the_transfer_and_the_log_says_why(
    server_with_a_corrupt_row,
):
    server = server_with_a_corrupt_row
    head, body = raw_get(server.port, "/api/cameras.geojson?borough=westminster")
    assert head.startswith(b"HTTP/1.1 200") and b"chunked" in head.lower()
    # The collection had begun; the closing chunk (0 CRLF CRLF) never came.
    assert b'"type": "FeatureCollection"' in body and not body.endswith(b"0\r\n\r\n")

    # HTTP/1.0 has no chunks to tell a short body by: it gets an error, not part of a file.
    head, body = raw_get(server.port, "/api/cameras.geojson?borough=westminster", "HTTP/1.0")
    assert head.startswith(b"HTTP/1.1 500") or head.startswith(b"HTTP/1.0 500")
    assert b"Feature" not in body

    wait_for(lambda: "cut short" in server.log_path.read_text(), "no log line")
    log = server.log_path.read_text()
    assert "GET /api/cameras.geojson?borough=westminster cut short after" in log
    assert "Couldn't parse date string" in log or "not a date" in log
