"""Cameras described for people, for OpenStreetMap-style tools and for spreadsheets.

Shared by the camera page, the popup JSON, GeoJSON, CSV and the motion pack, so a
camera reads the same everywhere. No Flask: callers pass the URL of each camera.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from hikwatch import vocab
from hikwatch.evidence.counts import CAVEAT
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
    "operator_type", "council_operated", "first_seen", "last_confirmed", "url",
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


def osm_tags(camera: Camera) -> dict[str, str]:
    """OpenStreetMap tags for the camera (https://wiki.openstreetmap.org/wiki/Key:surveillance).

    A removed camera takes OSM's lifecycle prefix (`removed:`) and a replaced one keeps
    the mast but loses the maker (`was:manufacturer`), so nobody importing the data adds
    a camera that is gone or a Hikvision that is not.
    """
    tags: dict[str, str] = {"man_made": "surveillance", "surveillance:type": "camera"}
    manufacturer = vocab.OSM_MANUFACTURER.get(camera.brand)
    if manufacturer:
        tags["manufacturer"] = manufacturer
    if camera.camera_type in vocab.OSM_CAMERA_TYPES:
        tags["camera:type"] = camera.camera_type
    if camera.mount in vocab.OSM_MOUNTS:
        tags["camera:mount"] = camera.mount
    if camera.direction is not None:
        tags["camera:direction"] = str(camera.direction)
    if camera.operator_type in vocab.OSM_OPERATOR_TYPE:
        tags["operator:type"] = vocab.OSM_OPERATOR_TYPE[camera.operator_type]
    if camera.operator_type in vocab.OSM_SURVEILLANCE_ZONE:
        tags["surveillance:zone"] = vocab.OSM_SURVEILLANCE_ZONE[camera.operator_type]
    tags["check_date"] = camera.last_confirmed.isoformat()
    if camera.status == CameraStatus.REMOVED:
        tags = {f"removed:{key}" if key == "man_made" else key: v for key, v in tags.items()}
    elif camera.status == CameraStatus.REPLACED and "manufacturer" in tags:
        tags["was:manufacturer"] = tags.pop("manufacturer")
    return tags


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
            "hikwatch:verified": "yes" if camera.brand_verified else "no",
            "hikwatch:evidence": camera.brand_evidence,
            "hikwatch:operator": camera.operator_type,
            "hikwatch:first_seen": camera.first_seen.isoformat(),
            "hikwatch:url": url,
        }
    )
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
        camera.first_seen.isoformat(), camera.last_confirmed.isoformat(), url,
    ]  # fmt: skip


def csv_document(preamble: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV text, streamed: '# ' comment lines, then rows (pandas: read_csv(comment='#'))."""
    for line in preamble:
        yield "# " + " ".join(line.split()) + "\r\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def standard_preamble(title: str, generated_at: str) -> list[str]:
    return [title, f"Generated {generated_at}. {CAVEAT}", LICENCE_NOTE]


def spreadsheet_safe(value: Any) -> Any:
    """Text typed by people cannot start a spreadsheet formula when the CSV is opened."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [spreadsheet_safe(v) for v in values]
