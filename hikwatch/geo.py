"""Point-in-borough lookup and small geodesy helpers for Hikwatch.

This module is deliberately free of Flask so that it can be imported by the app,
by scripts and by tests alike. The app builds one :class:`BoroughIndex` at start-up
with :meth:`BoroughIndex.from_geojson` and shares it read-only between requests.

Lookup rules (see data/README.md):

* ``covers`` semantics: a point on a borough boundary belongs to that borough.
* A point on an edge or vertex shared by several boroughs goes to the one with the
  lowest GSS code, so the answer never depends on polygon order or on chance.
* A point outside all 33 polygons is outside Greater London: we return ``None``
  (or ``-1`` in bulk) and never snap it to the nearest borough.

How bulk lookup stays both fast and exact: at construction a regular grid of
roughly ``cell_m``-metre cells is laid over the data's bounding box. Every cell
that no polygon edge passes through lies wholly inside one borough's interior or
wholly outside London, so it stores that answer. Only points falling in the ~1%
of cells that an edge crosses are tested exactly against the polygons, with
prepared geometries. The single-point :meth:`BoroughIndex.locate` uses the very
same grid and the very same exact test, so it always agrees with
:meth:`BoroughIndex.locate_many`.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

__all__ = [
    "EARTH_RADIUS_M",
    "LONDON_BBOX",
    "Borough",
    "BoroughIndex",
    "bbox_around",
    "distance_m",
    "slugify",
]

#: Bounding box (min_lon, min_lat, max_lon, max_lat) of the 33 polygons in
#: data/london_boroughs.geojson, copied exactly from the data so that it can be used
#: without loading the file; tests check that it equals ``BoroughIndex.bounds``.
LONDON_BBOX: tuple[float, float, float, float] = (-0.5103561, 51.2867587, 0.3340439, 51.691877)

#: Mean Earth radius (IUGG), in metres. A sphere is accurate to ~0.5% for distances,
#: which is plenty for "cameras within N metres".
EARTH_RADIUS_M = 6_371_008.8

# Grid cell values besides borough indexes 0..32.
_OUTSIDE = -1  # the whole cell is outside every borough
_MIXED = -2  # a boundary may cross the cell: test points in it exactly

# Every grid cell is treated as if it were this much bigger on each side (degrees,
# ~0.1 mm). It absorbs the floating-point rounding of "which cell is this point in"
# (errors around 1e-14 degrees), so a point that rounds into a neighbouring cell is
# still inside the box that was proven boundary-free.
_CELL_MARGIN_DEG = 1e-9

# Bulk lookups run in chunks so that the temporaries stay in cache and memory use is
# bounded for very large inputs.
_CHUNK = 1 << 18


@dataclass(frozen=True)
class Borough:
    """A London local authority: ONS GSS code, display name and URL slug."""

    code: str
    name: str
    slug: str


def slugify(name: str) -> str:
    """Return a URL slug: lowercase ASCII words joined by '-', with '&' spelt 'and'.

    >>> slugify("Kingston upon Thames")
    'kingston-upon-thames'
    >>> slugify("Hammersmith & Fulham")
    'hammersmith-and-fulham'
    """
    # Strip accents rather than dropping accented letters ("Café" -> "cafe").
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = text.lower().replace("&", " and ")
    # An apostrophe joins, it does not split: "King's Cross" -> "kings-cross".
    text = re.sub(r"['\u2019]", "", text)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres between two lat/lon points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    # min() guards against a rounding a hair above 1 for antipodal points.
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bbox_around(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """Return (min_lon, min_lat, max_lon, max_lat) enclosing the circle of ``radius_m``.

    The box always contains every point within ``radius_m`` (by :func:`distance_m`), so
    it can pre-filter a database query that is then refined with :func:`distance_m`.
    Longitudes are not wrapped at the antimeridian (irrelevant for London).
    """
    if not (math.isfinite(lat) and math.isfinite(lon) and math.isfinite(radius_m)):
        raise ValueError("lat, lon and radius_m must be finite")
    if radius_m < 0:
        raise ValueError("radius_m must not be negative")
    if not -90.0 <= lat <= 90.0:
        raise ValueError("lat must be within [-90, 90]")
    d = radius_m / EARTH_RADIUS_M  # angular radius
    dlat = math.degrees(d)
    min_lat, max_lat = lat - dlat, lat + dlat
    if min_lat <= -90.0 or max_lat >= 90.0 or d >= math.pi / 2:
        # The circle reaches a pole, so it spans every longitude.
        return (-180.0, max(min_lat, -90.0), 180.0, min(max_lat, 90.0))
    # The widest longitude of a spherical circle is asin(sin d / cos lat), which is a
    # little more than the naive d / cos lat; using it keeps the box a true superset.
    dlon = math.degrees(math.asin(math.sin(d) / math.cos(math.radians(lat))))
    return (lon - dlon, min_lat, lon + dlon, max_lat)


def _rings(geom: BaseGeometry) -> list[NDArray[np.float64]]:
    """Coordinates of every ring (exteriors and holes) of a (multi)polygon."""
    rings = []
    for part in shapely.get_parts(geom):
        rings.append(shapely.get_coordinates(part.exterior))
        rings.extend(shapely.get_coordinates(r) for r in part.interiors)
    return rings


def _round_ring(coords: NDArray[np.float64], decimals: int) -> list[list[float]]:
    """Round a closed ring for GeoJSON output and drop repeated consecutive points."""
    r = np.round(coords[:, :2], decimals)
    keep = np.ones(len(r), dtype=bool)
    keep[1:] = np.any(r[1:] != r[:-1], axis=1)
    deduped = r[keep]
    # Rounding never merges the first and last point of a closed ring, but a ring that
    # collapsed below 4 points would be invalid GeoJSON: keep it un-deduplicated then.
    return (deduped if len(deduped) >= 4 else r).tolist()


class BoroughIndex:
    """Find which London borough covers a point, one at a time or in bulk.

    Build it once with :meth:`from_geojson`; it is read-only afterwards and safe to
    share between threads.
    """

    def __init__(
        self,
        boroughs: Sequence[Borough],
        geometries: Sequence[BaseGeometry],
        *,
        cell_m: float = 30.0,
    ) -> None:
        """Index polygonal ``geometries`` (one per borough, same order).

        ``cell_m`` is the approximate grid cell size in metres: smaller cells mean fewer
        exact tests per bulk lookup but a bigger grid (1 byte per cell: ~2.9 MB at 30 m).
        """
        if len(boroughs) != len(geometries) or not boroughs:
            raise ValueError("need one geometry per borough, and at least one borough")
        if not (math.isfinite(cell_m) and cell_m > 0):
            raise ValueError("cell_m must be a positive number of metres")
        if len(boroughs) > 127:
            raise ValueError("at most 127 boroughs fit the int8 grid")
        # Sort by code once, so that "first polygon in order that covers the point" is
        # exactly the lowest-code tie rule everywhere below.
        order = sorted(range(len(boroughs)), key=lambda i: boroughs[i].code)
        self.boroughs: tuple[Borough, ...] = tuple(boroughs[i] for i in order)
        geoms = np.array([geometries[i] for i in order], dtype=object)
        kinds = set(shapely.get_type_id(geoms).tolist())
        if not kinds <= {3, 6}:  # Polygon, MultiPolygon
            raise ValueError("every borough geometry must be a Polygon or MultiPolygon")
        if not shapely.is_valid(geoms).all():
            raise ValueError("every borough geometry must be valid")

        self._by_code = {b.code: i for i, b in enumerate(self.boroughs)}
        self._by_slug = {b.slug: i for i, b in enumerate(self.boroughs)}
        if len(self._by_code) != len(self.boroughs) or len(self._by_slug) != len(self.boroughs):
            raise ValueError("borough codes and slugs must be unique")

        self._geoms = geoms
        shapely.prepare(self._geoms)
        # GEOS builds a prepared polygon's point locator lazily on first use. Build it
        # now, single-threaded, with a point that is surely inside, so that concurrent
        # request threads only ever read it.
        shapely.covers(self._geoms, shapely.point_on_surface(self._geoms))

        self._env = shapely.bounds(self._geoms)  # (n, 4): per-borough envelope
        self._env_list = [tuple(row) for row in self._env.tolist()]
        x0, y0, x1, y1 = (float(v) for v in shapely.total_bounds(self._geoms))
        self.bounds: tuple[float, float, float, float] = (x0, y0, x1, y1)
        self._build_grid(cell_m)

    @classmethod
    def from_geojson(cls, path: str | PathLike[str], *, cell_m: float = 30.0) -> BoroughIndex:
        """Load a FeatureCollection whose features have ``code`` and ``name`` properties."""
        with open(path, encoding="utf-8") as fh:
            return cls.from_feature_collection(json.load(fh), cell_m=cell_m)

    @classmethod
    def from_feature_collection(
        cls, collection: dict[str, Any], *, cell_m: float = 30.0
    ) -> BoroughIndex:
        """Build from an already-parsed GeoJSON FeatureCollection dict."""
        boroughs, geometries = [], []
        for feature in collection["features"]:
            props = feature["properties"]
            name = str(props["name"])
            boroughs.append(Borough(code=str(props["code"]), name=name, slug=slugify(name)))
            geometries.append(shape(feature["geometry"]))
        return cls(boroughs, geometries, cell_m=cell_m)

    # ------------------------------------------------------------------ grid build

    def _build_grid(self, cell_m: float) -> None:
        """Classify every grid cell as one borough, outside, or mixed (see module doc)."""
        x0, y0, x1, y1 = self.bounds
        mid_lat = math.radians((y0 + y1) / 2)
        deg_per_m = 1.0 / (EARTH_RADIUS_M * math.pi / 180.0)
        nx = max(1, math.ceil((x1 - x0) / (cell_m * deg_per_m / math.cos(mid_lat))))
        ny = max(1, math.ceil((y1 - y0) / (cell_m * deg_per_m)))
        # The grid spans the data's bounds exactly; points beyond them are outside.
        dx, dy = (x1 - x0) / nx, (y1 - y0) / ny
        self._nx, self._ny, self._dx, self._dy = nx, ny, dx, dy

        mixed = np.zeros(ny * nx, dtype=bool)
        for geom in self._geoms:
            for ring in _rings(geom):
                mixed[self._cells_near_ring(ring)] = True

        # Cells that no edge comes near: consecutive ones in a row form a connected,
        # boundary-free strip, so one exact test of a cell centre classifies the run.
        free = ~mixed
        prev_mixed = np.empty_like(mixed)
        prev_mixed[0] = True
        prev_mixed[1:] = mixed[:-1]
        prev_mixed[::nx] = True  # a run never continues onto the next row
        starts = free & prev_mixed
        start_idx = np.flatnonzero(starts)
        cx = x0 + (start_idx % nx + 0.5) * dx
        cy = y0 + (start_idx // nx + 0.5) * dy
        run_value = self._exact_many(cx, cy)
        run_id = np.cumsum(starts) - 1
        grid = np.full(ny * nx, _MIXED, dtype=np.int8)
        grid[free] = run_value[run_id[free]]
        self._grid = grid
        self.mixed_fraction = float(mixed.mean())

    def _cells_near_ring(self, ring: NDArray[np.float64]) -> NDArray[np.int64]:
        """Flat indexes of every cell whose (margin-expanded) box a ring edge may touch.

        Edges are cut into pieces no longer than one cell, so each piece's bounding box,
        widened by the margin, spans at most 3x3 cells. Marking all of them is a
        superset of the cells the edge truly crosses, which is all correctness needs.
        """
        x0, y0 = self.bounds[0], self.bounds[1]
        nx, ny, dx, dy = self._nx, self._ny, self._dx, self._dy
        a, b = ring[:-1, :2], ring[1:, :2]
        length = np.maximum(np.abs(b[:, 0] - a[:, 0]) / dx, np.abs(b[:, 1] - a[:, 1]) / dy)
        pieces = np.maximum(np.ceil(length).astype(np.int64), 1)
        seg = np.repeat(np.arange(len(a)), pieces)
        j = np.arange(seg.size) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        k = pieces[seg]
        t0, t1 = j / k, (j + 1) / k
        d = b[seg] - a[seg]
        p = a[seg] + t0[:, None] * d
        q = a[seg] + t1[:, None] * d
        m = _CELL_MARGIN_DEG
        lo = np.minimum(p, q) - m
        hi = np.maximum(p, q) + m
        i0 = np.clip(np.floor((lo[:, 0] - x0) / dx), 0, nx - 1).astype(np.int64)
        i1 = np.clip(np.floor((hi[:, 0] - x0) / dx), 0, nx - 1).astype(np.int64)
        j0 = np.clip(np.floor((lo[:, 1] - y0) / dy), 0, ny - 1).astype(np.int64)
        j1 = np.clip(np.floor((hi[:, 1] - y0) / dy), 0, ny - 1).astype(np.int64)
        out = []
        for oi in range(3):
            for oj in range(3):
                sel = (i0 + oi <= i1) & (j0 + oj <= j1)
                out.append((j0[sel] + oj) * nx + (i0[sel] + oi))
        return np.concatenate(out)

    # ------------------------------------------------------------------ exact tests

    def _exact_one(self, x: float, y: float) -> int:
        """Index of the lowest-code borough covering (x, y), or -1. No grid involved."""
        point = None
        for k, (ex0, ey0, ex1, ey1) in enumerate(self._env_list):
            if ex0 <= x <= ex1 and ey0 <= y <= ey1:
                if point is None:
                    point = shapely.Point(x, y)
                if shapely.covers(self._geoms[k], point):
                    return k
        return _OUTSIDE

    def _exact_many(
        self, xs: NDArray[np.floating[Any]], ys: NDArray[np.floating[Any]]
    ) -> NDArray[np.int8]:
        """Vectorised :meth:`_exact_one`: same predicate, same lowest-code rule."""
        out = np.full(xs.shape, _OUTSIDE, dtype=np.int8)
        if xs.size == 0:
            return out
        points = shapely.points(xs, ys)
        for k, (ex0, ey0, ex1, ey1) in enumerate(self._env_list):
            # Walking boroughs in code order and skipping points already claimed gives
            # the lowest code on shared edges (and saves work).
            cand = np.flatnonzero(
                (out == _OUTSIDE) & (xs >= ex0) & (xs <= ex1) & (ys >= ey0) & (ys <= ey1)
            )
            if cand.size:
                hit = shapely.covers(self._geoms[k], points[cand])
                out[cand[hit]] = k
        return out

    # ------------------------------------------------------------------ public API

    def by_code(self, code: str) -> Borough | None:
        """The borough with this GSS code, or None."""
        i = self._by_code.get(code)
        return None if i is None else self.boroughs[i]

    def by_slug(self, slug: str) -> Borough | None:
        """The borough with this URL slug, or None."""
        i = self._by_slug.get(slug)
        return None if i is None else self.boroughs[i]

    def index_of(self, code: str) -> int:
        """Position of ``code`` in :attr:`boroughs` (raises KeyError if unknown)."""
        return self._by_code[code]

    def geometry(self, code: str) -> BaseGeometry:
        """The borough's shapely (multi)polygon in lon/lat. Raises KeyError if unknown."""
        return self._geoms[self._by_code[code]]

    def locate(self, lon: float, lat: float) -> Borough | None:
        """The borough covering (lon, lat), lowest code on shared edges; None if outside.

        Non-finite input (NaN, inf) gives None. Strings are refused with TypeError:
        parse and validate form input first.
        """
        if isinstance(lon, (str, bytes)) or isinstance(lat, (str, bytes)):
            raise TypeError("locate() takes numbers, not strings")
        x, y = float(lon), float(lat)
        x0, y0, x1, y1 = self.bounds
        # Written so that NaN fails the test; infinities are out of bounds anyway.
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            return None
        # Same arithmetic as locate_many, so both pick the same cell.
        ix = min(int((x - x0) / self._dx), self._nx - 1)
        iy = min(int((y - y0) / self._dy), self._ny - 1)
        k = int(self._grid[iy * self._nx + ix])
        if k == _MIXED:
            k = self._exact_one(x, y)
        return None if k == _OUTSIDE else self.boroughs[k]

    def locate_many(self, lons: ArrayLike, lats: ArrayLike) -> NDArray[np.int64]:
        """Indexes into :attr:`boroughs` for many points (-1 where outside London).

        ``lons`` and ``lats`` are broadcast together; the result has their shape. Each
        answer is identical to :meth:`locate` for the same point.
        """
        xs, ys = np.broadcast_arrays(
            np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64)
        )
        shape_ = xs.shape
        xs, ys = xs.ravel(), ys.ravel()
        out = np.empty(xs.size, dtype=np.int64)
        for s in range(0, xs.size, _CHUNK):
            out[s : s + _CHUNK] = self._locate_chunk(xs[s : s + _CHUNK], ys[s : s + _CHUNK])
        return out.reshape(shape_)

    def _locate_chunk(self, xs: NDArray[np.float64], ys: NDArray[np.float64]) -> NDArray[np.int8]:
        x0, y0, x1, y1 = self.bounds
        inside = (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1)  # False for NaN
        # Park out-of-bounds points on cell 0 so that the int cast never sees NaN/inf;
        # their answer is overwritten with -1 below.
        fx = np.where(inside, (xs - x0) / self._dx, 0.0)
        fy = np.where(inside, (ys - y0) / self._dy, 0.0)
        ix = np.minimum(fx.astype(np.int64), self._nx - 1)
        iy = np.minimum(fy.astype(np.int64), self._ny - 1)
        res = self._grid[iy * self._nx + ix]
        res[~inside] = _OUTSIDE
        todo = np.flatnonzero(res == _MIXED)
        if todo.size:
            res[todo] = self._exact_many(xs[todo], ys[todo])
        return res

    def codes_for(self, indexes: Iterable[int]) -> list[str | None]:
        """Turn :meth:`locate_many` output into GSS codes (None for -1)."""
        codes = [b.code for b in self.boroughs]
        return [None if i < 0 else codes[i] for i in np.asarray(indexes).ravel().tolist()]

    def counts(self, indexes: ArrayLike) -> dict[str, int]:
        """Points per borough code in :meth:`locate_many` output (outside ones dropped)."""
        idx = np.asarray(indexes).ravel()
        tally = np.bincount(idx[idx >= 0], minlength=len(self.boroughs))
        return {b.code: int(n) for b, n in zip(self.boroughs, tally, strict=True)}

    def feature_collection(
        self, simplify_tolerance: float | None = None, *, decimals: int = 5
    ) -> dict[str, Any]:
        """GeoJSON FeatureCollection of the boundaries, for drawing on a web map.

        ``simplify_tolerance`` is in degrees (1e-4 is ~11 m north-south, ~7 m east-west).
        Simplification treats the boroughs as one coverage, so neighbours keep sharing
        the same simplified edge: no slivers or overlaps appear on the map. Coordinates
        are rounded to ``decimals`` places (5 is ~1 m). Features carry ``id`` = code and
        properties code, name and slug. Build it once and cache the result: it is not
        cheap to compute.
        """
        geoms = self._geoms
        if simplify_tolerance is not None:
            if not (math.isfinite(simplify_tolerance) and simplify_tolerance >= 0):
                raise ValueError("simplify_tolerance must be a finite number >= 0")
            if simplify_tolerance > 0:
                geoms = shapely.coverage_simplify(geoms, simplify_tolerance)
        # RFC 7946: exterior rings counter-clockwise, holes clockwise.
        geoms = shapely.orient_polygons(geoms, exterior_cw=False)
        features = []
        for b, geom in zip(self.boroughs, geoms, strict=True):
            polys = [
                [_round_ring(shapely.get_coordinates(part.exterior), decimals)]
                + [_round_ring(shapely.get_coordinates(h), decimals) for h in part.interiors]
                for part in shapely.get_parts(geom)
            ]
            geometry: dict[str, Any] = (
                {"type": "Polygon", "coordinates": polys[0]}
                if len(polys) == 1
                else {"type": "MultiPolygon", "coordinates": polys}
            )
            features.append(
                {
                    "type": "Feature",
                    "id": b.code,
                    "properties": {"code": b.code, "name": b.name, "slug": b.slug},
                    "geometry": geometry,
                }
            )
        return {"type": "FeatureCollection", "features": features}

    @property
    def grid_shape(self) -> tuple[int, int]:
        """(rows, columns) of the lookup grid, for diagnostics and benchmarks."""
        return (self._ny, self._nx)

    def __len__(self) -> int:
        return len(self.boroughs)
