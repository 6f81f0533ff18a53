"""Cameras described for people, for OpenStreetMap-style tools and for spreadsheets.

Shared by the camera page, the popup JSON, GeoJSON, CSV and the motion pack, so a
camera reads the same everywhere. No Flask: callers pass the URL of each camera.

CSV files follow RFC 4180: UTF-8, CRLF line ends, the first line is the header, so
`csv.DictReader`, `pandas.read_csv` and `ogrinfo` read them without options. The licence
and attribution travel in the response's `Link: <…>; rel="license"` header, on the data
page (/about#licence) and in the README, never inside the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from hikwatch import vocab
from hikwatch.evidence.counts import figures_of
from hikwatch.evidence.osm import osm_tags
from hikwatch.vocab import Brand, BrandEvidence, CameraStatus, CameraType, Mount, OperatorType
from models import Camera

DATA_LICENCE = "ODbL-1.0"
DATA_LICENCE_URL = "https://opendatacommons.org/licenses/odbl/1-0/"
PHOTO_LICENCE = "CC-BY-SA-4.0"
PHOTO_LICENCE_URL = "https://creativecommons.org/licenses/by-sa/4.0/"
ATTRIBUTION = "Hikwatch London contributors"
LICENCE_NOTE = (
    f"Data: {DATA_LICENCE} ({DATA_LICENCE_URL}), attribution '{ATTRIBUTION}'. "
    f"Photos: {PHOTO_LICENCE} ({PHOTO_LICENCE_URL})."
)

CSV_COLUMNS = [
    "id", "lat", "lon", "borough_code", "borough_name", "status", "status_changed_on",
    "brand", "brand_verified", "brand_evidence", "camera_type", "mount", "direction",
    "operator_type", "council_operated", "first_seen", "last_confirmed", "figures",
    "merged_into", "url",
]  # fmt: skip


def long_date(value: date | datetime | str | None) -> str:
    """5 May 2026 (dates) or 5 May 2026, 14:03 UTC (moments): unambiguous in print."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        iso = value.removesuffix("Z")
        try:
            moment = date.fromisoformat(iso) if len(iso) == 10 else datetime.fromisoformat(iso)
        except ValueError:
            return value
    else:
        moment = value
    text = f"{moment.day} {moment:%B %Y}"
    return f"{text}, {moment:%H:%M} UTC" if isinstance(moment, datetime) else text


def is_council(camera: Camera) -> bool:
    return camera.operator_type in vocab.COUNCIL_OPERATOR_TYPES


SHORT_CAMERA_TYPES: dict[str, str] = {
    CameraType.FIXED: "Fixed camera",
    CameraType.DOME: "Dome camera",
    CameraType.PANNING: "Panning (PTZ) camera",
    CameraType.PANORAMA: "360° panoramic camera",
}


def plain_description(camera: Camera) -> str:
    """One phrase a councillor can read aloud: what, on what, facing where."""
    text = SHORT_CAMERA_TYPES.get(camera.camera_type, "Camera of unrecorded type")
    mount = Mount.of(camera.mount)
    if mount is not None and mount is not Mount.OTHER:
        text += f" on a {mount.label.lower()}"
    if camera.direction is not None:
        text += f", facing {compass(camera.direction)} ({camera.direction}°)"
    return text


def compass(degrees: int) -> str:
    points = ["north", "north-east", "east", "south-east", "south", "south-west", "west",
              "north-west"]  # fmt: skip
    return points[round(degrees / 45) % 8]


def osm_link(lat: float, lon: float) -> str:
    """A short OpenStreetMap link with a marker on the spot (5 decimals: about 1 m)."""
    return f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}&zoom=19"


def camera_summary(camera: Camera, url: str, thumb_url: str | None) -> dict[str, Any]:
    """The popup's JSON: short, plain words, nothing about who reported it."""
    return {
        "id": camera.id,
        "lat": round(camera.lat, 6),
        "lon": round(camera.lon, 6),
        "status": camera.status,
        "status_label": CameraStatus.label_of(camera.status),
        "brand": Brand.label_of(camera.brand),
        "brand_verified": bool(camera.brand_verified),
        "evidence": BrandEvidence.label_of(camera.brand_evidence),
        "camera_type": CameraType.label_of(camera.camera_type),
        "operator": OperatorType.label_of(camera.operator_type),
        "council_operated": is_council(camera),
        "figures": figures_of(camera),
        "borough": {"code": camera.borough.code, "name": camera.borough.name},
        "first_seen": camera.first_seen.isoformat(),
        "last_confirmed": camera.last_confirmed.isoformat(),
        "thumb_url": thumb_url,
        "url": url,
    }


def geojson_feature(camera: Camera, url: str) -> dict[str, Any]:
    properties: dict[str, Any] = dict(osm_tags(camera))
    properties.update(
        {
            "hikwatch:id": camera.id,
            "hikwatch:borough": camera.borough_code,
            "hikwatch:borough_name": camera.borough.name,
            "hikwatch:status": camera.status,
            "hikwatch:figures": " ".join(figures_of(camera)),
            "hikwatch:verified": "yes" if camera.brand_verified else "no",
            "hikwatch:evidence": camera.brand_evidence,
            "hikwatch:operator": camera.operator_type,
            "hikwatch:first_seen": camera.first_seen.isoformat(),
            "hikwatch:last_confirmed": camera.last_confirmed.isoformat(),
            "hikwatch:url": url,
        }
    )
    if camera.merged_into_id is not None:
        properties["hikwatch:merged_into"] = camera.merged_into_id
    return {
        "type": "Feature",
        "id": camera.id,
        "geometry": {"type": "Point", "coordinates": [round(camera.lon, 7), round(camera.lat, 7)]},
        "properties": properties,
    }


def csv_row(camera: Camera, url: str) -> list[Any]:
    return [
        camera.id, round(camera.lat, 7), round(camera.lon, 7), camera.borough_code,
        camera.borough.name, camera.status,
        camera.status_changed_on.isoformat() if camera.status_changed_on else "",
        camera.brand, "yes" if camera.brand_verified else "no", camera.brand_evidence,
        camera.camera_type, camera.mount, "" if camera.direction is None else camera.direction,
        camera.operator_type, "yes" if is_council(camera) else "no",
        camera.first_seen.isoformat(), camera.last_confirmed.isoformat(),
        " ".join(figures_of(camera)),
        "" if camera.merged_into_id is None else camera.merged_into_id, url,
    ]  # fmt: skip


def csv_document(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV text, streamed, RFC 4180: the first row given is the header; CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def spreadsheet_safe(value: Any) -> Any:
    """Text typed by people cannot start a spreadsheet formula when the CSV is opened."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [spreadsheet_safe(v) for v in values]
