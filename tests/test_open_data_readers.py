"""The open data reads as it is in the tools people use: Python's csv module, pandas with
no options, and GDAL's ogrinfo (installed by scripts/install_ogrinfo.py, as `make test`
does; a missing ogrinfo fails these tests rather than skipping them)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pandas
import pytest

from hikwatch.evidence import snapshots
from models import db
from tests.factories import CAMDEN, WESTMINSTER, change_status, make_camera

ODBL = '<https://opendatacommons.org/licenses/odbl/1-0/>; rel="license"'


@pytest.fixture
def exports(client, app) -> dict[str, bytes]:
    """Every CSV export, and the GeoJSON, from a small dataset with awkward text in it."""
    with app.app_context():
        make_camera(WESTMINSTER, operator_type="council_street", direction=45)
        make_camera(CAMDEN, operator_type="business")
        make_camera(CAMDEN, brand_verified=False)
        change_status(make_camera(WESTMINSTER), "removed")
        db.session.commit()
        name = snapshots.take(db.session, None, now=datetime(2026, 6, 1, 9, 41)).name
    urls = {
        "cameras.csv": "/api/cameras.csv",
        "all-cameras.csv": "/api/cameras.csv?status=all",
        "boroughs.csv": "/api/boroughs.csv",
        "snapshot.csv": f"/snapshots/{name}.csv",
        "cameras.geojson": "/api/cameras.geojson",
    }
    bodies = {}
    for filename, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Link"] == ODBL, url
        if filename.endswith(".csv"):
            assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        bodies[filename] = response.get_data()
    return bodies


FIRST_COLUMNS = {
    "cameras.csv": ["id", "lat", "lon", "borough_code"],
    "all-cameras.csv": ["id", "lat", "lon", "borough_code"],
    "boroughs.csv": ["code", "name", "slug", "verified", "council_operated", "unconfirmed"],
    "snapshot.csv": ["code", "name", "verified", "council_operated", "unconfirmed", "removed"],
}
ROWS = {"cameras.csv": 2, "all-cameras.csv": 4, "boroughs.csv": 33, "snapshot.csv": 33}


@pytest.mark.parametrize("filename", sorted(FIRST_COLUMNS))
def test_csv_is_rfc_4180_with_the_header_first(exports, filename):
    raw = exports[filename]
    text = raw.decode("utf-8")  # UTF-8, and no byte-order mark before the header
    assert not text.startswith("\ufeff") and not text.startswith("#")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert list(rows[0])[: len(FIRST_COLUMNS[filename])] == FIRST_COLUMNS[filename]
    assert len(rows) == ROWS[filename]


@pytest.mark.parametrize("filename", sorted(FIRST_COLUMNS))
def test_pandas_reads_the_csv_without_options(exports, filename, tmp_path):
    path = tmp_path / filename
    path.write_bytes(exports[filename])
    frame = pandas.read_csv(path)
    assert list(frame.columns[: len(FIRST_COLUMNS[filename])]) == FIRST_COLUMNS[filename]
    assert len(frame) == ROWS[filename]
    if filename == "boroughs.csv":
        westminster = frame[frame["code"] == "E09000033"].iloc[0]
        assert (westminster["verified"], westminster["removed"]) == (1, 1)


def ogrinfo(*args: str) -> str:
    executable = shutil.which("ogrinfo")
    if executable is None:
        pytest.fail(
            "ogrinfo is missing: run `python scripts/install_ogrinfo.py` (as root) or "
            "`apt-get install gdal-bin`; `make test` does it.",
            pytrace=False,
        )
    done = subprocess.run(
        [executable, "-ro", "-al", *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("filename", sorted(FIRST_COLUMNS))
def test_ogrinfo_reads_the_columns_by_name(exports, filename, tmp_path):
    path = tmp_path / filename
    path.write_bytes(exports[filename])
    summary = ogrinfo("-so", str(path))
    assert f"Feature Count: {ROWS[filename]}" in summary
    for column in FIRST_COLUMNS[filename]:
        assert f"\n{column}: " in summary, (column, summary)
    assert "Hikwatch" not in summary.split("Feature Count")[1].split("\n")[1]


def test_ogrinfo_places_cameras_from_the_csv_and_the_geojson(exports, tmp_path):
    csv_path = tmp_path / "cameras.csv"
    csv_path.write_bytes(exports["cameras.csv"])
    points = ogrinfo("-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat", str(csv_path))
    assert points.count("POINT (") == 2
    assert "POINT (-0.12804 51.50809)" in points
    geojson_path = tmp_path / "cameras.geojson"
    geojson_path.write_bytes(exports["cameras.geojson"])
    features = ogrinfo(str(geojson_path))
    assert features.count("POINT (") == 2  # the headline cameras only, by default
    assert "man_made (String) = surveillance" in features
    assert "surveillance (String) = public" in features


def test_licence_is_documented_where_the_csv_no_longer_says_it(client):
    about = client.get("/about").get_data(as_text=True)
    assert "Open Database Licence (ODbL) 1.0" in about and 'rel="license"' in about
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert 'rel="license"' in readme and "ODbL" in readme
