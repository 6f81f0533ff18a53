"""The public map's data: cameras in a box, counted in grid cells, or one by one up close.

Clustering is a grid: each camera falls in the cell (floor((lat + 90) / dlat),
floor((lon + 180) / dlon)), cells about `CELL_PX` screen pixels wide at the requested
zoom. The grid is fixed to the globe, not to the view, so clusters stay put as people pan.

Work per request is bounded whatever the box and zoom: the box is cut to London, the
cameras come from a per-data-version NumPy snapshot (mapindex.py) rather than a query,
a view is never split into more than MAX_CELLS_ACROSS cells a side, and more than
MAX_POINTS cameras are clustered even at street zoom. `grid_cells` and `coarsen` do the
same counting in SQL, for callers that need one borough's cells (the motion pack).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from hikwatch.evidence import mapindex
from hikwatch.evidence.counts import COUNT_KINDS, camera_where
from hikwatch.vocab import CameraStatus
from models import Camera, DbSession

CELL_PX = 64
KEY_BASE = 1 << 26  # more columns than a 1 m grid has around the world
MIN_ZOOM, MAX_ZOOM = 0, 22
POINTS_FROM_ZOOM = 17
MAX_POINTS = 2000  # more cameras in view than this are clustered, whatever the zoom
MAX_CELLS_ACROSS = 48  # clusters: at most this many cells along each side of the view
# Cells are near-square on a Web Mercator map at London's latitude.
LAT_PER_LON = math.cos(math.radians(51.5))
POINT_FIELDS = ["id", "lat", "lon", "status", "verified", "council"]
CLUSTER_FIELDS = ["lat", "lon", "count"]


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


def clamped(bbox: BBox, limits: BBox) -> BBox | None:
    """The part of `bbox` inside `limits` (London), or None when they do not meet."""
    box = BBox(
        max(bbox.min_lon, limits.min_lon),
        max(bbox.min_lat, limits.min_lat),
        min(bbox.max_lon, limits.max_lon),
        min(bbox.max_lat, limits.max_lat),
    )
    if box.min_lon > box.max_lon or box.min_lat > box.max_lat:
        return None
    return box


def cluster_zoom(bbox: BBox, zoom: int) -> int:
    """`zoom`, or a lower one whose cells span the box in at most MAX_CELLS_ACROSS a side.

    A browser's view is 20-30 cells of CELL_PX across, so it always gets its own zoom's
    cells; only a box far larger than a screen at that zoom gets coarser ones.
    """
    while zoom > MIN_ZOOM:
        dlat, dlon = cell_size(zoom)
        width = (bbox.max_lon - bbox.min_lon) / dlon
        height = (bbox.max_lat - bbox.min_lat) / dlat
        if width <= MAX_CELLS_ACROSS and height <= MAX_CELLS_ACROSS:
            break
        zoom -= 1
    return zoom


def map_payload(
    arrays: mapindex.CameraArrays,
    camera_filter: CameraFilter,
    bbox: BBox,
    zoom: int,
    limits: BBox,
) -> dict[str, Any]:
    """The JSON body of GET /api/map.

    The box is cut to `limits` (London: no camera lies outside). From POINTS_FROM_ZOOM,
    up to MAX_POINTS cameras come one by one; more than that, or any lower zoom, come
    counted in grid cells, a cell holding one camera being sent as that camera.
    """
    payload: dict[str, Any] = {
        "zoom": zoom,
        "statuses": list(CameraStatus),
        "fields": {"clusters": CLUSTER_FIELDS, "points": POINT_FIELDS},
        "clusters": [],
        "points": [],
        "truncated": False,
        "total": 0,
        "mode": "points" if zoom >= POINTS_FROM_ZOOM else "clusters",
        "cell": None,
        "bbox": None,
    }
    box = clamped(bbox, limits)
    if box is None:
        return payload
    payload["bbox"] = [round(v, 6) for v in (box.min_lon, box.min_lat, box.max_lon, box.max_lat)]
    positions = mapindex.selected(arrays, camera_filter, box)
    payload["total"] = len(positions)
    if zoom >= POINTS_FROM_ZOOM and len(positions) <= MAX_POINTS:
        payload["points"] = mapindex.point_rows(arrays, positions)
        return payload
    dlat, dlon = cell_size(cluster_zoom(box, zoom))
    cells = mapindex.cluster(arrays, positions, dlat, dlon)
    payload.update(
        mode="clusters",
        cell=[dlat, dlon],
        cell_origin=[-90, -180],
        clusters=cells.clusters,
        points=mapindex.point_rows(arrays, cells.singles),
    )
    return payload
