"""Which photos the public may see, and which to show for a camera.

A photo is public only while an approved sighting attached to a camera, or a confirmed
removal report, refers to it. Only its derivatives (display and thumbnail, rebuilt by
moderators after redaction) are ever served; the original never is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, exists, func, or_, select

from hikwatch.vocab import PublicPhotoKind, RemovalStatus, SightingStatus
from models import DbSession, Photo, RemovalReport, Sighting


def approved_sighting_of_camera() -> list[ColumnElement[bool]]:
    return [Sighting.status == SightingStatus.APPROVED, Sighting.camera_id.is_not(None)]


def is_public(photo_id_column) -> ColumnElement[bool]:
    """SQL condition: the photo with this id may be shown to anyone."""
    by_sighting = exists().where(
        Sighting.photo_id == photo_id_column, *approved_sighting_of_camera()
    )
    by_removal = exists().where(
        RemovalReport.photo_id == photo_id_column,
        RemovalReport.status == RemovalStatus.CONFIRMED,
    )
    return or_(by_sighting, by_removal)


def public_photo(session: DbSession, photo_id: int) -> Photo | None:
    return session.execute(
        select(Photo).where(Photo.id == photo_id, is_public(Photo.id))
    ).scalar_one_or_none()


@dataclass(frozen=True)
class CameraPhoto:
    photo_id: int
    kind: PublicPhotoKind  # the camera as reported, or as a removal report found it later
    on: date | None


def camera_photos(session: DbSession, camera_id: int) -> list[CameraPhoto]:
    """A camera's public photos: approved sightings, then confirmed removal reports."""
    sightings = session.execute(
        select(Sighting.photo_id, Sighting.seen_on)
        .where(Sighting.camera_id == camera_id, *approved_sighting_of_camera())
        .order_by(Sighting.seen_on, Sighting.id)
    )
    removals = session.execute(
        select(RemovalReport.photo_id, RemovalReport.observed_on)
        .where(
            RemovalReport.camera_id == camera_id,
            RemovalReport.status == RemovalStatus.CONFIRMED,
            RemovalReport.photo_id.is_not(None),
        )
        .order_by(RemovalReport.id)
    )
    return [CameraPhoto(pid, PublicPhotoKind.SIGHTING, on) for pid, on in sightings] + [
        CameraPhoto(pid, PublicPhotoKind.REMOVAL, on) for pid, on in removals if pid is not None
    ]


def latest_photo_ids(session: DbSession, camera_ids: list[int]) -> dict[int, int]:
    """camera id -> the newest approved sighting photo, for thumbnails in lists."""
    if not camera_ids:
        return {}
    rows = session.execute(
        select(Sighting.camera_id, func.max(Sighting.photo_id))
        .where(Sighting.camera_id.in_(camera_ids), *approved_sighting_of_camera())
        .group_by(Sighting.camera_id)
    )
    return {camera_id: photo_id for camera_id, photo_id in rows if camera_id is not None}


def confirmations(session: DbSession, camera_id: int) -> int:
    """How many residents' reports moderators matched to this camera."""
    return session.execute(
        select(func.count())
        .select_from(Sighting)
        .where(Sighting.camera_id == camera_id, *approved_sighting_of_camera())
    ).scalar_one()
