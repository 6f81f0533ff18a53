"""What the borough page, the motion pack and the borough feed say about one council area.

Flask-free: it takes a session, the borough, and the counts the caller already holds
(the same cached figures as every other page), and returns plain data for templates.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from shapely.geometry.base import BaseGeometry
from sqlalchemy import select

from hikwatch.evidence import campaign, charts, counts, exports, mapdata, public_photos, snapshots
from hikwatch.evidence.campaign import HistoryEntry
from hikwatch.vocab import GONE_STATUSES, Brand, CameraStatus, Count, OperatorType
from models import Borough, BoroughCampaign, Camera, CameraStatusChange, DbSession, Snapshot

T = TypeVar("T")
Cache = Callable[[Hashable, Callable[[], T]], T]

RECENT_CAMERAS = 12
RECENT_REMOVALS = 10
PACK_COUNCIL_CAMERAS = 100
FEED_ENTRIES = 50


@dataclass
class BoroughReport:
    borough: Borough
    campaign: BoroughCampaign | None
    counts: dict[str, int]
    progress: float | None
    by_operator: list[tuple[str, int]]
    by_type: list[tuple[str, int]]
    recent: list[tuple[Camera, int | None]]
    removals: list[tuple[str, date, int]]
    history: list[HistoryEntry]
    latest_snapshot: Snapshot | None
    days_to_target: int | None

    @property
    def removals_needed_per_month(self) -> float | None:
        """How fast the remaining active cameras must go to meet the committed target."""
        days, remaining = self.days_to_target, self.counts.get(Count.ACTIVE, 0)
        if days is None or days <= 0 or remaining == 0:
            return None
        return remaining / (days / 30.44)


def uncached(key: Hashable, compute: Callable[[], T]) -> T:
    return compute()


def build(
    session: DbSession,
    borough: Borough,
    figures: dict[str, int],
    today: date,
    cached: Cache = uncached,
) -> BoroughReport:
    """Everything the borough page shows; `cached` may reuse figures derived from cameras."""
    record = session.get(BoroughCampaign, borough.code)

    def breakdown(column: str) -> list[tuple[str, int]]:
        return cached(
            ("breakdown", borough.code, column),
            lambda: counts.breakdown(session, borough.code, column),
        )

    return BoroughReport(
        borough=borough,
        campaign=record,
        counts=figures,
        progress=counts.progress(figures),
        by_operator=breakdown("operator_type"),
        by_type=breakdown("camera_type"),
        recent=with_photos(session, recent_cameras(session, borough.code, RECENT_CAMERAS)),
        removals=recent_removals(session, borough.code, RECENT_REMOVALS),
        history=campaign.history(session, borough.code),
        latest_snapshot=snapshots.latest(session),
        days_to_target=campaign.days_to_target(record, today),
    )


def recent_cameras(session: DbSession, code: str, limit: int) -> list[Camera]:
    return list(
        session.execute(
            select(Camera)
            .where(Camera.borough_code == code, *counts.COUNT_KINDS[Count.ACTIVE].where())
            .order_by(Camera.id.desc())
            .limit(limit)
        ).scalars()
    )


def with_photos(session: DbSession, cameras: list[Camera]) -> list[tuple[Camera, int | None]]:
    photo_ids = public_photos.latest_photo_ids(session, [c.id for c in cameras])
    return [(camera, photo_ids.get(camera.id)) for camera in cameras]


def recent_removals(session: DbSession, code: str, limit: int) -> list[tuple[str, date, int]]:
    """(status, date, camera id) of the latest recorded removals, replacements, coverings."""
    rows = session.execute(
        select(CameraStatusChange.status, CameraStatusChange.changed_on, Camera.id)
        .join(Camera, Camera.id == CameraStatusChange.camera_id)
        .where(
            Camera.borough_code == code,
            CameraStatusChange.status.in_(GONE_STATUSES),
        )
        .order_by(CameraStatusChange.changed_on.desc(), CameraStatusChange.id.desc())
        .limit(limit)
    )
    return [(status, changed_on, camera_id) for status, changed_on, camera_id in rows]


def council_cameras(session: DbSession, code: str, limit: int) -> list[tuple[Camera, int | None]]:
    """Active council-operated cameras for the motion pack, oldest evidence first."""
    cameras = session.execute(
        select(Camera)
        .where(Camera.borough_code == code, *counts.COUNT_KINDS[Count.COUNCIL].where())
        .order_by(Camera.first_seen, Camera.id)
        .limit(limit)
    ).scalars()
    return with_photos(session, list(cameras))


@dataclass
class StaticMap:
    projection: charts.Projection
    outline: str
    dots: list[tuple[float, float, float, int]]
    council_dots: list[tuple[float, float, float, int]]


def static_map(session: DbSession, code: str, geometry: BaseGeometry) -> StaticMap:
    """The borough outline with its active cameras as dots, council ones drawn apart.

    Nearby cameras merge into one larger dot (a grid of about 10 px, 3 mm on paper), so
    a borough with ten thousand cameras still prints as a light page.
    """
    projection = charts.projection_for(geometry)
    dlat = 10 / projection.scale
    dlon = dlat / projection.x_factor

    def dots(count_key: Count) -> list[tuple[float, float, float, int]]:
        where = [Camera.borough_code == code, *counts.COUNT_KINDS[count_key].where()]
        cells = mapdata.grid_cells(session, where, dlat, dlon)
        return [(*projection.xy(c.lon, c.lat), charts.dot_radius(c.count), c.count) for c in cells]

    return StaticMap(projection, charts.outline_path(geometry, projection), dots(Count.ACTIVE),
                     dots(Count.COUNCIL))  # fmt: skip


@dataclass(frozen=True)
class FeedEntry:
    key: str
    at: datetime
    camera: Camera
    title: str
    summary: str


def feed_entries(session: DbSession, code: str, limit: int = FEED_ENTRIES) -> list[FeedEntry]:
    """Newly verified cameras and status changes in a borough, newest first."""
    added = session.execute(
        select(Camera).where(Camera.borough_code == code).order_by(Camera.id.desc()).limit(limit)
    ).scalars()
    entries = [
        FeedEntry(
            "verified",
            camera.verified_at or camera.created_at,
            camera,
            f"New camera {camera.id}: {exports.plain_description(camera)}",
            f"{Brand.label_of(camera.brand)} camera, "
            f"{OperatorType.label_of(camera.operator_type).lower()}; "
            f"first seen {camera.first_seen.isoformat()}.",
        )
        for camera in added
    ]
    changes = session.execute(
        select(CameraStatusChange, Camera)
        .join(Camera, Camera.id == CameraStatusChange.camera_id)
        .where(Camera.borough_code == code)
        .order_by(CameraStatusChange.recorded_at.desc(), CameraStatusChange.id.desc())
        .limit(limit)
    )
    for change, camera in changes:
        status = CameraStatus.label_of(change.status).lower()
        entries.append(
            FeedEntry(
                f"status-{change.id}",
                change.recorded_at,
                camera,
                f"Camera {camera.id} recorded as {status}",
                f"{exports.plain_description(camera)}: {status} on "
                f"{change.changed_on.isoformat()}.",
            )
        )
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]
