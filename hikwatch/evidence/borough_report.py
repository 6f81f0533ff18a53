"""What the borough page, the motion pack and the borough feed say about one council area.

Flask-free: it takes a session, the borough, and the counts the caller already holds
(the same cached figures as every other page), and returns plain data for templates.
Citations (the page's "cite this" and the pack) print their figures from a snapshot
(`report.cited`); the page's own figures are live.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from shapely.geometry.base import BaseGeometry
from sqlalchemy import select

from hikwatch.evidence import (
    campaign,
    charts,
    counts,
    exports,
    freshness,
    mapdata,
    public_photos,
    snapshots,
)
from hikwatch.evidence.campaign import HistoryEntry
from hikwatch.vocab import (
    GONE_STATUSES,
    WITHDRAWN_STATUSES,
    Brand,
    CameraStatus,
    Count,
    OperatorType,
)
from models import Borough, BoroughCampaign, Camera, CameraStatusChange, DbSession, Snapshot

T = TypeVar("T")
Cache = Callable[[Hashable, Callable[[], T]], T]

RECENT_CAMERAS = 12
RECENT_REMOVALS = 10
PACK_COUNCIL_CAMERAS = 100
FEED_ENTRIES = 50
# Camera ids per query when a pack reads a snapshot's cameras (well under every
# database's limit on bound parameters).
ID_BATCH = 5000


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
    cited: snapshots.Cited
    days_to_target: int | None
    needs_photo: int
    recheck_before: date

    @property
    def latest_snapshot(self) -> Snapshot | None:
        return self.cited.snapshot

    def record_figures(self, from_snapshot: bool = False) -> RecordFigures:
        """The removal progress the council's record shows: live on the borough page, the
        cited snapshot's in the motion pack (whose every figure comes from it)."""
        if not from_snapshot or self.cited.snapshot is None:
            remaining, removed = self.counts[Count.VERIFIED], self.counts[Count.REMOVED]
            return RecordFigures(remaining, removed, self.progress, self.days_to_target)
        # A snapshot of an earlier format called its headline "active".
        headline = Count.VERIFIED if self.cited.current_format else "active"
        remaining, removed = self.cited.count(headline), self.cited.count(Count.REMOVED)
        return RecordFigures(remaining, removed, self.cited.progress, self.days_to_target)


@dataclass(frozen=True)
class RecordFigures:
    remaining: int
    removed: int
    progress: float | None
    days_to_target: int | None

    @property
    def removals_needed_per_month(self) -> float | None:
        """How fast the remaining verified cameras must go to meet the committed target."""
        days, remaining = self.days_to_target, self.remaining
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
    *,
    recheck_months: int,
    snapshot: Snapshot | None = None,
) -> BoroughReport:
    """Everything the borough page shows; `cached` may reuse figures derived from cameras.

    Citations print `snapshot`'s figures (the latest snapshot when None is given)."""
    record = session.get(BoroughCampaign, borough.code)
    recheck_before = freshness.cutoff(today, recheck_months)

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
        cited=snapshots.cited(snapshot or snapshots.latest(session), borough.code, figures),
        days_to_target=campaign.days_to_target(record, today),
        needs_photo=freshness.needs_photo_count(session, borough.code, recheck_before),
        recheck_before=recheck_before,
    )


def recent_cameras(session: DbSession, code: str, limit: int) -> list[Camera]:
    """The borough's newest cameras in the headline."""
    return list(
        session.execute(
            select(Camera)
            .where(Camera.borough_code == code, *counts.HEADLINE.where())
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


def cited_ids(cited: snapshots.Cited, key: str) -> list[int] | None:
    """The camera ids behind one cited figure, or None when it is printed live."""
    if cited.camera_ids is None:
        return None
    return list(cited.camera_ids.get(key, []))


def council_cameras(
    session: DbSession, code: str, limit: int, cited: snapshots.Cited
) -> list[tuple[Camera, int | None]]:
    """The council-operated cameras behind the cited figure, oldest evidence first: the
    snapshot's own list (the cameras as they are now), or the live figure's cameras."""
    key = Count.COUNCIL_OPERATED if cited.current_format else "council"
    ids = cited_ids(cited, key)
    order = (Camera.first_seen, Camera.id)
    if ids is None:
        where = [Camera.borough_code == code, *counts.COUNT_KINDS[key].where()]
        cameras = session.execute(select(Camera).where(*where).order_by(*order).limit(limit))
        return with_photos(session, list(cameras.scalars()))
    keyed = [
        (first_seen, camera_id)
        for start in range(0, len(ids), ID_BATCH)
        for first_seen, camera_id in session.execute(
            select(*order).where(Camera.id.in_(ids[start : start + ID_BATCH]))
        )
    ]
    chosen = [camera_id for _, camera_id in sorted(keyed)[:limit]]
    cameras = session.execute(select(Camera).where(Camera.id.in_(chosen)).order_by(*order))
    return with_photos(session, list(cameras.scalars()))


@dataclass
class StaticMap:
    projection: charts.Projection
    outline: str
    dots: list[tuple[float, float, float, int]]
    council_dots: list[tuple[float, float, float, int]]


def static_map(
    session: DbSession, code: str, geometry: BaseGeometry, cited: snapshots.Cited
) -> StaticMap:
    """The borough outline with the cited figure's cameras as dots, council ones apart.

    Nearby cameras merge into one larger dot (a grid of about 10 px, 3 mm on paper), so
    a borough with ten thousand cameras still prints as a light page.
    """
    projection = charts.projection_for(geometry)
    dlat = 10 / projection.scale
    dlon = dlat / projection.x_factor
    old = not cited.current_format

    def dots(count_key: str) -> list[tuple[float, float, float, int]]:
        ids = cited_ids(cited, count_key)
        if ids is None:
            where = [Camera.borough_code == code, *counts.COUNT_KINDS[count_key].where()]
            cells = mapdata.grid_cells(session, where, dlat, dlon)
        else:
            batches = [ids[start : start + ID_BATCH] for start in range(0, len(ids), ID_BATCH)]
            cells = merge(
                cell
                for batch in batches
                for cell in mapdata.grid_cells(session, [Camera.id.in_(batch)], dlat, dlon)
            )
        return [(*projection.xy(c.lon, c.lat), charts.dot_radius(c.count), c.count) for c in cells]

    return StaticMap(
        projection,
        charts.outline_path(geometry, projection),
        dots("active" if old else Count.VERIFIED),
        dots("council" if old else Count.COUNCIL_OPERATED),
    )


def merge(cells: Iterable[mapdata.Cell]) -> list[mapdata.Cell]:
    """Cells of several batches, with the same key summed."""
    merged: dict[int, mapdata.Cell] = {}
    for cell in cells:
        seen = merged.get(cell.key)
        merged[cell.key] = cell if seen is None else mapdata.Cell(
            cell.key, seen.count + cell.count, seen.sum_lat + cell.sum_lat,
            seen.sum_lon + cell.sum_lon, min(seen.first_id, cell.first_id),
        )  # fmt: skip
    return list(merged.values())


@dataclass(frozen=True)
class FeedEntry:
    key: str
    at: datetime
    camera: Camera
    title: str
    summary: str


def feed_entries(session: DbSession, code: str, limit: int = FEED_ENTRIES) -> list[FeedEntry]:
    """New cameras and status changes in a borough, newest first: only cameras some figure
    counts, so merged-away and retracted records leave the feed."""
    counted = [Camera.borough_code == code, counts.in_any_figure()]
    added = session.execute(
        select(Camera).where(*counted).order_by(Camera.id.desc()).limit(limit)
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
        .where(*counted, CameraStatusChange.status.not_in(WITHDRAWN_STATUSES))
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
