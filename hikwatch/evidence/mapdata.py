"""The public map's data: cameras in a box, clustered in SQL at low zoom, points up close.

Clustering is a grid: each camera falls in the cell (floor((lat + 90) / dlat),
floor((lon + 180) / dlon)), cells about `CELL_PX` screen pixels wide at the requested
zoom, and one GROUP BY gives every cell's count and centroid. The grid is fixed to the
globe, not to the view, so clusters stay put as people pan.

At city-wide zooms the whole (filtered) grid is computed once per data version at
`WHOLE_GRID_MAX_ZOOM` and merged into coarser grids and cut to the view in Python,
because aggregating 300,000 rows takes longer than a request should. Closer in, the
view's box is small enough to aggregate per request. From `POINTS_FROM_ZOOM`
individual cameras are sent, a few compact fields each.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from hikwatch.evidence.counts import COUNT_KINDS, camera_where
from hikwatch.vocab import COUNCIL_OPERATOR_TYPES, CameraStatus
from models import Camera, DbSession

CELL_PX = 64
KEY_BASE = 1 << 26  # more columns than a 1 m grid has around the world
MIN_ZOOM, MAX_ZOOM = 0, 22
POINTS_FROM_ZOOM = 17
WHOLE_GRID_MAX_ZOOM = 13
MAX_POINTS = 4000
# Cells are near-square on a Web Mercator map at London's latitude.
LAT_PER_LON = math.cos(math.radians(51.5))
POINT_FIELDS = ["id", "lat", "lon", "status", "verified", "council"]
CLUSTER_FIELDS = ["lat", "lon", "count"]

GridCache = Callable[[Hashable, Callable[[], Any]], Any]


@dataclass(frozen=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def where(self) -> list[ColumnElement[bool]]:
        return [
            Camera.lat >= self.min_lat,
            Camera.lat <= self.max_lat,
            Camera.lon >= self.min_lon,
            Camera.lon <= self.max_lon,
        ]

    def contains(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon


@dataclass(frozen=True)
class CameraFilter:
    """Which public cameras a map view or an export covers. Hashable, so it keys caches."""

    statuses: tuple[str, ...] = (CameraStatus.ACTIVE,)
    borough_code: str | None = None
    operator_types: tuple[str, ...] | None = None
    brand_verified: bool | None = None
    camera_types: tuple[str, ...] | None = None
    count: str | None = None  # a counts.COUNT_KINDS key: exactly the cameras of one figure

    def where(self) -> list[ColumnElement[bool]]:
        clauses = camera_where(
            statuses=self.statuses,
            borough_code=self.borough_code,
            operator_types=self.operator_types,
            brand_verified=self.brand_verified,
            camera_types=self.camera_types,
        )
        if self.count is not None:
            clauses.extend(COUNT_KINDS[self.count].where())
        return clauses


@dataclass(frozen=True)
class Cell:
    """A grid cell's cameras: how many, the sums of their positions, the lowest id."""

    key: int
    count: int
    sum_lat: float
    sum_lon: float
    first_id: int

    @property
    def lat(self) -> float:
        return self.sum_lat / self.count

    @property
    def lon(self) -> float:
        return self.sum_lon / self.count


class cell_key(FunctionElement):
    """SQL for the integer key of the grid cell holding (lat, lon): row * KEY_BASE + column.

    Rows and columns are counted from (-90°, -180°), so they are never negative, and one
    integer key groups twice as fast as two columns. SQLite computes it with CAST, which
    truncates (the same as floor for positive numbers) and is several times faster than
    its floor() extension; PostgreSQL, whose CAST rounds instead, uses FLOOR.
    """

    type = BigInteger()
    name = "cell_key"
    inherit_cache = True


@compiles(cell_key)
def _cell_key_floor(element, compiler, **kw) -> str:
    lat, lon, dlat, dlon = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(FLOOR(({lat} + 90) / {dlat}) * {KEY_BASE} + FLOOR(({lon} + 180) / {dlon}))"


@compiles(cell_key, "sqlite")
def _cell_key_sqlite(element, compiler, **kw) -> str:
    lat, lon, dlat, dlon = (compiler.process(arg, **kw) for arg in element.clauses)
    return (
        f"(CAST(({lat} + 90) / {dlat} AS INTEGER) * {KEY_BASE}"
        f" + CAST(({lon} + 180) / {dlon} AS INTEGER))"
    )


def cell_size(zoom: int) -> tuple[float, float]:
    """(dlat, dlon) in degrees of a grid cell about CELL_PX pixels wide at `zoom`."""
    dlon = 360.0 / 2**zoom * CELL_PX / 256
    return dlon * LAT_PER_LON, dlon


def grid_cells(
    session: DbSession, where: list[ColumnElement[bool]], dlat: float, dlon: float
) -> list[Cell]:
    """Count, position sums and lowest id of the matching cameras in every non-empty cell."""
    # Grouping by the inner query's column keeps GROUP BY and SELECT identical on
    # PostgreSQL, which refuses two copies of an expression with separate parameters.
    inner = (
        select(
            cell_key(Camera.lat, Camera.lon, dlat, dlon).label("k"),
            Camera.lat,
            Camera.lon,
            Camera.id,
        )
        .where(*where)
        .subquery()
    )
    rows = session.execute(
        select(
            inner.c.k,
            func.count(),
            func.sum(inner.c.lat),
            func.sum(inner.c.lon),
            func.min(inner.c.id),
        ).group_by(inner.c.k)
    )
    return [Cell(int(k), n, float(lat), float(lon), first) for k, n, lat, lon, first in rows]


def coarsen(cells: list[Cell], levels: int) -> list[Cell]:
    """Merge cells into the grid `levels` zooms out, whose cells are 2**levels times wider.

    Every cell size is 90° / 2**zoom (times a constant for latitude) from one origin, so
    each coarse cell is exactly a square of 2**levels × 2**levels finer ones.
    """
    if levels == 0:
        return cells
    merged: dict[int, list] = {}
    for cell in cells:
        row, column = divmod(cell.key, KEY_BASE)
        key = (row >> levels) * KEY_BASE + (column >> levels)
        entry = merged.setdefault(key, [0, 0.0, 0.0, cell.first_id])
        entry[0] += cell.count
        entry[1] += cell.sum_lat
        entry[2] += cell.sum_lon
        entry[3] = min(entry[3], cell.first_id)
    return [Cell(key, n, lat, lon, first) for key, (n, lat, lon, first) in merged.items()]


def point_rows(session: DbSession, where: list[ColumnElement[bool]], limit: int) -> list[list]:
    """Compact rows [id, lat, lon, status index, verified 0/1, council 0/1], by id."""
    rows = session.execute(
        select(
            Camera.id,
            Camera.lat,
            Camera.lon,
            Camera.status,
            Camera.brand_verified,
            Camera.operator_type,
        )
        .where(*where)
        .order_by(Camera.id)
        .limit(limit)
    )
    status_index: dict[str, int] = {status: i for i, status in enumerate(CameraStatus)}
    return [
        [
            camera_id,
            round(lat, 6),
            round(lon, 6),
            status_index.get(status, 0),
            int(bool(verified)),
            int(operator_type in COUNCIL_OPERATOR_TYPES),
        ]
        for camera_id, lat, lon, status, verified, operator_type in rows
    ]


def map_payload(
    session: DbSession,
    camera_filter: CameraFilter,
    bbox: BBox,
    zoom: int,
    grid_cache: GridCache | None = None,
) -> dict[str, Any]:
    """The JSON body of GET /api/map: clusters below POINTS_FROM_ZOOM, points from it."""
    payload: dict[str, Any] = {
        "zoom": zoom,
        "statuses": list(CameraStatus),
        "fields": {"clusters": CLUSTER_FIELDS, "points": POINT_FIELDS},
        "clusters": [],
        "truncated": False,
    }
    where = camera_filter.where()
    if zoom >= POINTS_FROM_ZOOM:
        points = point_rows(session, where + bbox.where(), MAX_POINTS + 1)
        payload.update(
            mode="points",
            cell=None,
            points=points[:MAX_POINTS],
            truncated=len(points) > MAX_POINTS,
            total=min(len(points), MAX_POINTS),
        )
        return payload

    dlat, dlon = cell_size(zoom)
    if grid_cache is not None and zoom <= WHOLE_GRID_MAX_ZOOM:
        # One pass over all matching cameras at the finest cached zoom serves every
        # coarser zoom: their cells are unions of its cells.
        base = grid_cache(
            ("grid", camera_filter),
            lambda: grid_cells(session, where, *cell_size(WHOLE_GRID_MAX_ZOOM)),
        )
        whole = grid_cache(
            ("grid", camera_filter, zoom), lambda: coarsen(base, WHOLE_GRID_MAX_ZOOM - zoom)
        )
        cells = [cell for cell in whole if bbox.contains(cell.lat, cell.lon)]
    else:
        cells = grid_cells(session, where + bbox.where(), dlat, dlon)

    # A cell holding one camera is drawn as that camera, so it can open its popup.
    single_ids = [cell.first_id for cell in cells if cell.count == 1]
    points = []
    if single_ids:
        points = point_rows(session, where + [Camera.id.in_(single_ids)], len(single_ids))
    payload.update(
        mode="clusters",
        cell=[dlat, dlon],
        cell_origin=[-90, -180],
        clusters=[
            [round(cell.lat, 5), round(cell.lon, 5), cell.count] for cell in cells if cell.count > 1
        ],
        points=points,
        total=sum(cell.count for cell in cells),
    )
    return payload
