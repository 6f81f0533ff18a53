"""Small builders for cameras, sightings and photos, written straight to the database.

The public pages only read what moderators produced, so tests build those rows directly
instead of driving the moderation screens. Call inside an app context; nothing commits
until the test calls db.session.commit() (or uses `commit=True` helpers).
"""

from __future__ import annotations

import itertools
import secrets
from datetime import date

from flask import current_app

from models import Camera, CameraStatusChange, Photo, RemovalReport, Sighting, db, utcnow
from tests.conftest import plain_jpeg

# Points well inside their council areas.
WESTMINSTER = (51.50809, -0.12804)  # Trafalgar Square
CITY = (51.51414, -0.08924)  # Bank of England
CAMDEN = (51.5390, -0.1426)  # Camden Town
CROYDON = (51.3762, -0.0982)

_serial = itertools.count(1)


def make_photo(*, write_files: bool = True, colour=(90, 90, 90)) -> Photo:
    """A photo row with original, display and thumbnail files in the app's store."""
    store = current_app.extensions["file_store"]
    paths = {kind: store.new_name(kind, "jpg") for kind in ("originals", "display", "thumbs")}
    if write_files:
        store.write(paths["originals"], b"ORIGINAL-" + plain_jpeg(color=colour))
        store.write(paths["display"], plain_jpeg((80, 60), colour))
        store.write(paths["thumbs"], plain_jpeg((40, 30), colour))
    photo = Photo(
        token=secrets.token_urlsafe(32),
        owner_hash="0" * 64,
        format="jpeg",
        width=80,
        height=60,
        size_bytes=1000,
        sha256=secrets.token_hex(32),
        phash="0" * 16,
        original_path=paths["originals"],
        display_path=paths["display"],
        thumb_path=paths["thumbs"],
    )
    db.session.add(photo)
    return photo


def borough_at(lat: float, lon: float) -> str:
    found = current_app.extensions["borough_index"].locate(lon, lat)
    assert found is not None, f"({lat}, {lon}) is outside London"
    return found.code


def make_camera(
    at: tuple[float, float] = WESTMINSTER,
    *,
    status: str = "active",
    operator_type: str = "council_street",
    brand_verified: bool = True,
    brand: str = "hikvision",
    camera_type: str = "dome",
    mount: str = "wall",
    direction: int | None = None,
    first_seen: date = date(2026, 3, 1),
    last_confirmed: date = date(2026, 4, 1),
) -> Camera:
    lat, lon = at
    camera = Camera(
        lat=lat,
        lon=lon,
        borough_code=borough_at(lat, lon),
        status=status,
        brand=brand,
        brand_evidence="logo" if brand_verified else "form_factor",
        brand_verified=brand_verified,
        camera_type=camera_type,
        mount=mount,
        direction=direction,
        operator_type=operator_type,
        first_seen=first_seen,
        last_confirmed=last_confirmed,
        verified_at=utcnow(),
    )
    db.session.add(camera)
    db.session.flush()
    return camera


def make_sighting(
    camera: Camera | None = None,
    *,
    status: str = "approved",
    at: tuple[float, float] | None = None,
    contact_email: str | None = None,
    note: str | None = None,
    photo: Photo | None = None,
) -> Sighting:
    """A resident's report; approved ones are attached to `camera`."""
    lat, lon = at or ((camera.lat, camera.lon) if camera else WESTMINSTER)
    sighting = Sighting(
        reference=f"T{next(_serial):03d}-{secrets.token_hex(2).upper()}",
        status=status,
        photo=photo or make_photo(),
        lat=lat,
        lon=lon,
        location_source="typed",
        borough_code=borough_at(lat, lon),
        brand="hikvision",
        brand_evidence="logo",
        camera_type="dome",
        mount="wall",
        operator_type="council_street",
        seen_on=date(2026, 3, 1),
        note=note,
        contact_email=contact_email,
        camera_id=camera.id if camera is not None else None,
    )
    db.session.add(sighting)
    db.session.flush()
    return sighting


def change_status(camera: Camera, status: str, on: date = date(2026, 5, 1)) -> None:
    """What a confirmed removal does: new status, and a row in the status history (the
    report confirmed the day it was observed)."""
    camera.status = status
    camera.status_changed_on = on
    camera.status_recorded_on = on
    db.session.add(CameraStatusChange(camera_id=camera.id, status=status, changed_on=on))
    db.session.flush()


def make_removal_report(
    camera: Camera,
    *,
    status: str = "confirmed",
    kind: str = "removed",
    contact_email: str | None = None,
    note: str | None = None,
    photo: Photo | None = None,
) -> RemovalReport:
    report = RemovalReport(
        reference=f"R{next(_serial):03d}-{secrets.token_hex(2).upper()}",
        camera_id=camera.id,
        kind=kind,
        observed_on=date(2026, 5, 1),
        note=note,
        photo=photo,
        contact_email=contact_email,
        status=status,
    )
    db.session.add(report)
    db.session.flush()
    return report
