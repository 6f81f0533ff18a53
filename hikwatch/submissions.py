"""A resident's report from photo to pending sighting: the steps shared by the API and pages.

Each function takes plain values, so views stay short and tests can call it
directly. Files are written before the database commit and removed again if
the commit fails: a submission is stored whole or not at all.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hikwatch import photos, vocab
from hikwatch.clock import london_today
from hikwatch.errors import SubmissionError
from hikwatch.geo import BoroughIndex
from hikwatch.hashing import salted_hash
from hikwatch.storage import FileStore
from hikwatch.vocab import CameraStatus, LocationSource, PhotoFolder, SightingStatus
from models import Camera, Photo, Sighting, db, utcnow

# Crockford's base32 without I, L, O, U: easy to read aloud and type on a phone.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True)
class PhotoLimits:
    max_bytes: int
    max_pixels: int
    display_px: int
    thumb_px: int
    decode_budget: int = photos.DEFAULT_DECODE_BUDGET_BYTES

    @classmethod
    def from_config(cls, config: Any) -> PhotoLimits:
        return cls(
            max_bytes=config["PHOTO_MAX_BYTES"],
            max_pixels=config["PHOTO_MAX_PIXELS"],
            display_px=config["DISPLAY_PX"],
            thumb_px=config["THUMB_PX"],
            decode_budget=config["DECODE_BUDGET_BYTES"],
        )


def owner_hash(secret_key: str, session_id: str) -> str:
    """Bind an upload to the browser session that made it, without storing the session id."""
    return salted_hash(secret_key, "upload-owner", session_id)


def new_reference() -> str:
    """A short reference such as 'K7P3-9QXM' that a resident can keep to track a report."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def unused_reference() -> str:
    """A fresh reference; with 32**8 possibilities a clash is rare, but check anyway."""
    while True:
        reference = new_reference()
        taken = db.session.execute(db.select(Sighting.id).filter_by(reference=reference)).first()
        if not taken:
            return reference


@contextmanager
def commit_with_files(store: FileStore) -> Iterator[list[str]]:
    """Commit the session after the block; if anything fails, roll back and delete the files.

    The block appends the relative path of every file it writes to the yielded list.
    """
    written: list[str] = []
    try:
        yield written
        db.session.commit()
    except BaseException:
        db.session.rollback()
        store.delete(*written)
        raise


def process_upload(data: bytes, limits: PhotoLimits) -> photos.ProcessedPhoto:
    """Validate and decode a photo under these limits; raises PhotoError (a Refusal)."""
    photos.check_decode_budget(data, limits.decode_budget)
    return photos.process_photo(
        data,
        max_bytes=limits.max_bytes,
        max_pixels=limits.max_pixels,
        display_px=limits.display_px,
        thumb_px=limits.thumb_px,
    )


def add_photo(
    original: bytes,
    processed: photos.ProcessedPhoto,
    store: FileStore,
    written: list[str],
    owner: str,
) -> Photo:
    """Write the three files and stage the Photo row (the caller commits)."""
    paths = (
        store.new_name(PhotoFolder.ORIGINALS, processed.extension),
        store.new_name(PhotoFolder.DISPLAY, "jpg"),
        store.new_name(PhotoFolder.THUMBS, "jpg"),
    )
    for path, data in zip(
        paths, (original, processed.display_jpeg, processed.thumb_jpeg), strict=True
    ):
        store.write(path, data)
        written.append(path)
    exif = processed.exif
    photo = Photo(
        token=secrets.token_urlsafe(24),
        owner_hash=owner,
        format=processed.format,
        width=processed.width,
        height=processed.height,
        size_bytes=len(original),
        sha256=processed.sha256,
        phash=processed.phash,
        original_path=paths[0],
        display_path=paths[1],
        thumb_path=paths[2],
        exif_lat=exif.lat,
        exif_lon=exif.lon,
        exif_taken_at=exif.taken_at,
        exif_make=exif.make,
        exif_model=exif.model,
        exif_orientation=exif.orientation,
    )
    db.session.add(photo)
    return photo


def store_upload(
    data: bytes, limits: PhotoLimits, store: FileStore, owner: str, client: str | None = None
) -> Photo:
    """Step 1 of the resident's flow: keep the photo, not yet a report. `client` (a salted
    hash of the address) counts it against that client's MAX_PENDING_UPLOADS."""
    processed = process_upload(data, limits)
    with commit_with_files(store) as written:
        photo = add_photo(data, processed, store, written, owner)
        photo.client_hash = client
    return photo


def refuse_too_many_pending(client: str, limit: int, max_age_hours: float) -> None:
    """Refuse another upload while this client holds `limit` photos not sent as reports
    (younger than the sweep's age): each may be 20 MB, and nobody needs more at once."""
    since = utcnow() - timedelta(hours=max_age_hours)
    pending = db.session.execute(
        db.select(db.func.count())
        .select_from(Photo)
        .where(
            Photo.client_hash == client,
            Photo.created_at >= since,
            Photo.id.not_in(photos_in_use()),
        )
    ).scalar_one()
    if pending >= limit:
        raise SubmissionError(
            429,
            f"You have {pending} uploaded photos that are not yet sent as reports. Send "
            "those reports first (or wait a day, when unsent photos are removed).",
            "photo",
        )


def find_own_upload(token: str | None, owner: str) -> Photo:
    """The not-yet-submitted photo this browser uploaded, or a clear refusal."""
    if not token:
        raise SubmissionError(400, "Add a photo of the camera first.", "upload_id")
    photo = db.session.execute(db.select(Photo).filter_by(token=token)).scalar_one_or_none()
    if photo is None or photo.owner_hash != owner:
        raise SubmissionError(
            400,
            "That photo upload was not found or has expired; please add the photo again.",
            "upload_id",
        )
    if db.session.execute(db.select(Sighting.id).filter_by(photo_id=photo.id)).first():
        raise SubmissionError(409, "This photo has already been submitted.", "upload_id")
    return photo


def create_sighting(fields: dict[str, Any], photo: Photo, index: BoroughIndex) -> Sighting:
    """Step 2: stage a pending Sighting for an uploaded photo (the caller commits).

    `fields` are already validated values (see hikwatch.web.forms.SightingFields).
    """
    lat, lon = fields["lat"], fields["lon"]
    borough = index.locate(lon, lat)
    if borough is None:
        raise SubmissionError(
            422,
            "That location is outside the 33 London council areas. "
            "Hikwatch covers Greater London only; check the pin.",
            "lat",
        )
    recheck_camera_id = fields.get("recheck_camera_id")
    if recheck_camera_id is not None:
        camera = db.session.get(Camera, recheck_camera_id)
        if camera is None or camera.status != CameraStatus.ACTIVE:
            raise SubmissionError(
                422,
                "That camera is not on the map as active any more; send the photo as a new "
                "report instead.",
                "recheck_camera_id",
            )
    seen_on = fields.get("seen_on")
    if seen_on is None:
        seen_on = photo.exif_taken_at.date() if photo.exif_taken_at else london_today()
    sighting = Sighting(
        reference=unused_reference(),
        status=SightingStatus.PENDING,
        photo=photo,
        lat=lat,
        lon=lon,
        location_source=fields.get("location_source") or LocationSource.TYPED,
        accuracy_m=fields.get("accuracy_m"),
        borough_code=borough.code,
        brand=fields.get("brand") or vocab.DEFAULTS["brand"],
        brand_evidence=fields.get("brand_evidence") or vocab.DEFAULTS["brand_evidence"],
        camera_type=fields.get("camera_type") or vocab.DEFAULTS["camera_type"],
        mount=fields.get("mount") or vocab.DEFAULTS["mount"],
        direction=fields.get("direction"),
        operator_type=fields.get("operator_type") or vocab.DEFAULTS["operator_type"],
        seen_on=seen_on,
        note=(fields.get("note") or "").strip() or None,
        contact_email=(fields.get("contact_email") or "").strip() or None,
        recheck_camera_id=recheck_camera_id,
    )
    db.session.add(sighting)
    photo.client_hash = None  # only unsent uploads are counted per client
    return sighting


def photos_in_use():
    """A select of the ids of photos some row refers to (a sighting, a removal report…).

    Found from the foreign keys, so a table added later that points at photo.id counts
    without anyone remembering to list it here.
    """
    selects = [
        db.select(fk.parent).where(fk.parent.is_not(None))
        for table in db.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == Photo.__tablename__ and table.name != Photo.__tablename__
    ]
    return db.union(*selects) if len(selects) > 1 else selects[0]


def sweep_unsubmitted(store: FileStore, max_age_hours: float) -> int:
    """Delete photos uploaded longer ago than max_age_hours and never submitted."""
    cutoff = utcnow() - timedelta(hours=max_age_hours)
    stale = db.session.execute(
        db.select(Photo).where(Photo.created_at < cutoff, Photo.id.not_in(photos_in_use()))
    ).scalars()
    removed = 0
    for photo in stale:
        paths = photo.file_paths
        db.session.delete(photo)
        db.session.commit()
        store.delete(*paths)
        removed += 1
    return removed
