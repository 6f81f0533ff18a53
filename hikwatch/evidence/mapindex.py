"""Every mapped camera as a few NumPy columns, so any map view costs the same few ms.

One query per data version loads the id, position and filterable attributes of every
camera the map may show (about 10 MB for 300,000 cameras); a view is then a handful of
vectorised comparisons (filters and box) and, for clusters, three `bincount`s over a grid
of at most MAX_CELLS_ACROSS cells a side. No view, whatever its box or zoom, makes the
database or Python walk the cameras one by one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import case, select

from hikwatch.evidence.counts import COUNT_KINDS
from hikwatch.vocab import (
    COUNCIL_OPERATOR_TYPES,
    MAPPED_STATUSES,
    Brand,
    CameraStatus,
    CameraType,
    OperatorType,
)
from models import Borough, Camera, DbSession

STATUSES: list[str] = list(CameraStatus)  # a point's status is its index in this list


@dataclass(frozen=True)
class Words:
    """Text values of one column, numbered: the column holds each value's index."""

    values: tuple[str, ...]

    @classmethod
    def of(cls, values: Iterable[str]) -> Words:
        return cls(tuple(str(value) for value in values))

    def index(self, value: str) -> int:
        return self.values.index(value) if value in self.values else -1

    def indexes(self, values) -> list[int]:
        return [self.values.index(v) for v in values if v in self.values]


@dataclass(frozen=True)
class CameraArrays:
    ids: np.ndarray  # int64, ascending
    lat: np.ndarray  # float64
    lon: np.ndarray  # float64
    status: np.ndarray  # int8: index in STATUSES
    verified: np.ndarray  # bool
    council: np.ndarray  # bool: a council operates it
    borough: np.ndarray  # int16: index in boroughs.values
    operator: np.ndarray  # int16
    camera_type: np.ndarray  # int16
    figures: np.ndarray  # uint8: bit i set when COUNT_KINDS' i-th figure counts it
    boroughs: Words
    operators: Words
    camera_types: Words

    def __len__(self) -> int:
        return len(self.ids)


def coded(column, words: Words):
    """SQL: the index of the column's value in `words` (len(words.values) for any other)."""
    return case(
        {value: i for i, value in enumerate(words.values)},
        value=column,
        else_=len(words.values),
    )


def plain_rows(session: DbSession, query) -> list[tuple]:
    """The query's rows as the driver's plain tuples: NumPy reads 300,000 of those in tens
    of milliseconds, SQLAlchemy's Row objects in seconds. Every value in the query is the
    app's own (vocabulary and borough codes), so it is sent with its literals inline."""
    connection = session.connection()
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def load(session: DbSession) -> CameraArrays:
    """Every camera with a mapped status, by id.

    Text columns come numbered by the database (CASE over the vocabulary) and packed into
    one integer per camera, so 300,000 rows arrive as four numbers each: several times
    faster than converting text in Python.
    """
    words = {
        "status": Words.of(STATUSES),
        "operator": Words.of(OperatorType),
        "camera_type": Words.of(CameraType),
        "brand": Words.of(Brand),
        "borough": Words(
            tuple(session.execute(select(Borough.code).order_by(Borough.code)).scalars())
        ),
    }
    columns = {
        "status": Camera.status,
        "operator": Camera.operator_type,
        "camera_type": Camera.camera_type,
        "brand": Camera.brand,
        "borough": Camera.borough_code,
    }
    packed: Any = case((Camera.brand_verified.is_(True), 1), else_=0)
    shifts, shift = {}, 1
    for name, column in columns.items():
        shifts[name] = shift
        packed = packed + coded(column, words[name]) * (1 << shift)
        shift += len(words[name].values).bit_length()
    query = (
        select(Camera.id, Camera.lat, Camera.lon, packed)
        .where(Camera.status.in_([str(status) for status in MAPPED_STATUSES]))
        .order_by(Camera.id)
    )
    rows = plain_rows(session, query)
    table = np.array(rows, dtype=np.float64).reshape(len(rows), 4)
    bits = table[:, 3].astype(np.int64)

    def field(name: str) -> np.ndarray:
        width = len(words[name].values).bit_length()
        return ((bits >> shifts[name]) & ((1 << width) - 1)).astype(np.int16)

    status, operator, brand = field("status"), field("operator"), field("brand")
    verified = (bits & 1).astype(bool)
    figures = np.zeros(len(rows), np.uint8)
    for bit, kind in enumerate(COUNT_KINDS.values()):
        counted = (
            np.isin(status, words["status"].indexes(kind.statuses))
            & np.isin(brand, words["brand"].indexes(kind.brands))
            & (verified == kind.brand_verified)
        )
        if kind.operator_types is not None:
            counted &= np.isin(operator, words["operator"].indexes(kind.operator_types))
        figures[counted] |= np.uint8(1 << bit)
    return CameraArrays(
        ids=table[:, 0].astype(np.int64),
        lat=np.ascontiguousarray(table[:, 1]),
        lon=np.ascontiguousarray(table[:, 2]),
        status=status.astype(np.int8),
        verified=verified,
        council=np.isin(operator, words["operator"].indexes(COUNCIL_OPERATOR_TYPES)),
        borough=field("borough"),
        operator=operator,
        camera_type=field("camera_type"),
        figures=figures,
        boroughs=words["borough"],
        operators=words["operator"],
        camera_types=words["camera_type"],
    )


def selected(arrays: CameraArrays, camera_filter, bbox) -> np.ndarray:
    """Positions (ascending, so by id) of the cameras a filter and a box select."""
    keep = (
        (arrays.lat >= bbox.min_lat)
        & (arrays.lat <= bbox.max_lat)
        & (arrays.lon >= bbox.min_lon)
        & (arrays.lon <= bbox.max_lon)
    )
    status_index = {s: i for i, s in enumerate(STATUSES)}
    keep &= np.isin(arrays.status, [status_index[s] for s in camera_filter.statuses])
    if camera_filter.borough_code is not None:
        keep &= arrays.borough == arrays.boroughs.index(camera_filter.borough_code)
    if camera_filter.operator_types is not None:
        keep &= np.isin(arrays.operator, arrays.operators.indexes(camera_filter.operator_types))
    if camera_filter.brand_verified is not None:
        keep &= arrays.verified == camera_filter.brand_verified
    if camera_filter.camera_types is not None:
        keep &= np.isin(arrays.camera_type, arrays.camera_types.indexes(camera_filter.camera_types))
    if camera_filter.count is not None:
        bit = list(COUNT_KINDS).index(camera_filter.count)
        keep &= (arrays.figures & np.uint8(1 << bit)) != 0
    return np.flatnonzero(keep)


def point_rows(arrays: CameraArrays, positions: np.ndarray) -> list[list]:
    """Compact rows [id, lat, lon, status index, verified 0/1, council 0/1]."""
    return [
        list(row)
        for row in zip(
            arrays.ids[positions].tolist(),
            np.round(arrays.lat[positions], 6).tolist(),
            np.round(arrays.lon[positions], 6).tolist(),
            arrays.status[positions].tolist(),
            arrays.verified[positions].astype(np.int8).tolist(),
            arrays.council[positions].astype(np.int8).tolist(),
            strict=True,
        )
    ]


@dataclass(frozen=True)
class Cells:
    clusters: list[list[float]]  # [lat, lon, count] of cells holding several cameras
    singles: np.ndarray  # positions of the cameras alone in their cell, ascending


def cluster(arrays: CameraArrays, positions: np.ndarray, dlat: float, dlon: float) -> Cells:
    """Cameras counted in the grid of (dlat, dlon) cells fixed at (-90°, -180°).

    Cell numbers are taken relative to the view's first cell, so the three bincounts are
    as long as the view has cells, not the globe.
    """
    if len(positions) == 0:
        return Cells([], positions)
    lat, lon = arrays.lat[positions], arrays.lon[positions]
    rows = np.floor((lat + 90) / dlat).astype(np.int64)
    columns = np.floor((lon + 180) / dlon).astype(np.int64)
    rows -= rows.min()
    columns -= columns.min()
    width = int(columns.max()) + 1
    cell = rows * width + columns
    size = int(cell.max()) + 1
    count = np.bincount(cell, minlength=size)
    sum_lat = np.bincount(cell, weights=lat, minlength=size)
    sum_lon = np.bincount(cell, weights=lon, minlength=size)
    several = np.flatnonzero(count > 1)
    clusters = [
        list(row)
        for row in zip(
            np.round(sum_lat[several] / count[several], 5).tolist(),
            np.round(sum_lon[several] / count[several], 5).tolist(),
            count[several].tolist(),
            strict=True,
        )
    ]
    singles = positions[count[cell] == 1]
    return Cells(clusters, singles)
