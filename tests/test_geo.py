"""Tests for geo.py: borough lookup, tie rules, bulk identity, geodesy helpers.

The reference answers below are computed independently of geo.py's grid: straight
from the GeoJSON file with fresh, unprepared shapely polygons walked in code order.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, shape

from hikwatch import geo
from hikwatch.geo import LONDON_BBOX, Borough, BoroughIndex, bbox_around, distance_m, slugify

DATA = Path(__file__).resolve().parents[1] / "data" / "london_boroughs.geojson"


@pytest.fixture(scope="module")
def index() -> BoroughIndex:
    return BoroughIndex.from_geojson(DATA)


@pytest.fixture(scope="module")
def raw() -> list[dict]:
    """The raw features, sorted by code (independent of geo.py)."""
    with DATA.open(encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    return sorted(features, key=lambda f: f["properties"]["code"])


@pytest.fixture(scope="module")
def fresh_polygons(raw: list[dict]) -> list[Polygon]:
    return [shape(f["geometry"]) for f in raw]


@pytest.fixture(scope="module")
def shared_vertices(raw: list[dict]) -> dict[tuple[float, float], list[int]]:
    """Every vertex that appears in two or more features -> the feature indexes."""
    owners: dict[tuple[float, float], set[int]] = defaultdict(set)
    for k, feature in enumerate(raw):
        for ring in feature["geometry"]["coordinates"]:
            for x, y in ring:
                owners[(x, y)].add(k)
    return {p: sorted(ks) for p, ks in sorted(owners.items()) if len(ks) >= 2}


def reference(polygons: list[Polygon], xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Brute force: index of the first (lowest-code) polygon that covers each point."""
    out = np.full(xs.shape, -1, dtype=np.int64)
    points = shapely.points(xs, ys)
    for k, poly in enumerate(polygons):
        x0, y0, x1, y1 = poly.bounds
        todo = np.flatnonzero((out < 0) & (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1))
        out[todo[shapely.covers(poly, points[todo])]] = k
    return out


def located_code(index: BoroughIndex, lon: float, lat: float) -> str | None:
    borough = index.locate(lon, lat)
    return None if borough is None else borough.code


# --------------------------------------------------------------------------- known places


@pytest.mark.parametrize(
    ("place", "lat", "lon", "code"),
    [
        ("Trafalgar Square", 51.50809, -0.12804, "E09000033"),  # Westminster
        ("Bank of England", 51.51420, -0.08861, "E09000001"),  # City of London
        ("Croydon town centre", 51.37270, -0.09900, "E09000008"),
        ("Heathrow Terminal 5", 51.47230, -0.48800, "E09000017"),  # Hillingdon
        ("Romford", 51.57680, 0.18010, "E09000016"),  # Havering
        ("Kingston town centre", 51.41230, -0.30070, "E09000021"),
        ("Greenwich Observatory", 51.47690, -0.00050, "E09000011"),
        ("Wembley Stadium", 51.55600, -0.27950, "E09000005"),  # Brent
        ("Waterloo Bridge, mid-river", 51.50806, -0.11667, "E09000022"),  # Lambeth
        ("Putney Bridge, mid-river", 51.46667, -0.21333, "E09000032"),  # Wandsworth
    ],
)
def test_known_places(index: BoroughIndex, place: str, lat: float, lon: float, code: str) -> None:
    assert located_code(index, lon, lat) == code, place
    assert index.codes_for(index.locate_many([lon], [lat])) == [code], place


@pytest.mark.parametrize(
    ("place", "lon", "lat"),
    [
        ("Watford", -0.3903, 51.6565),
        ("Paris", 2.3522, 48.8566),
        ("null island", 0.0, 0.0),
        ("NaN lon", math.nan, 51.5),
        ("NaN lat", -0.1, math.nan),
        ("inf lon", math.inf, 51.5),
        ("-inf lat", -0.1, -math.inf),
        ("both inf", math.inf, math.inf),
        ("swapped lat/lon of Trafalgar Square", 51.50809, -0.12804),
    ],
)
def test_outside_london_is_none(index: BoroughIndex, place: str, lon: float, lat: float) -> None:
    assert index.locate(lon, lat) is None, place
    assert index.locate_many(np.array([lon]), np.array([lat])).tolist() == [-1], place


def test_locate_refuses_strings(index: BoroughIndex) -> None:
    with pytest.raises(TypeError):
        index.locate("-0.128", "51.508")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- tie rules


@pytest.mark.parametrize("ways", [2, 3])
def test_shared_vertex_goes_to_lowest_code(
    index: BoroughIndex,
    raw: list[dict],
    fresh_polygons: list[Polygon],
    shared_vertices: dict[tuple[float, float], list[int]],
    ways: int,
) -> None:
    (lon, lat), owners = next((p, ks) for p, ks in shared_vertices.items() if len(ks) == ways)
    point = shapely.Point(lon, lat)
    # The test only means something if the point truly is on every owner's boundary.
    assert all(fresh_polygons[k].covers(point) for k in owners)
    assert all(fresh_polygons[k].boundary.covers(point) for k in owners)
    lowest = min(raw[k]["properties"]["code"] for k in owners)
    assert located_code(index, lon, lat) == lowest
    assert index.codes_for(index.locate_many([lon], [lat])) == [lowest]


def test_shared_edge_midpoint_goes_to_lowest_code(
    index: BoroughIndex, raw: list[dict], fresh_polygons: list[Polygon]
) -> None:
    edges: dict[frozenset, set[int]] = defaultdict(set)
    for k, feature in enumerate(raw):
        ring = feature["geometry"]["coordinates"][0]
        for a, b in itertools.pairwise(ring):
            edges[frozenset((tuple(a), tuple(b)))].add(k)
    shared = sorted((sorted(e), sorted(ks)) for e, ks in edges.items() if len(ks) >= 2)
    assert len(shared) > 1000  # neighbours really do share identical vertices

    # A float midpoint is usually a hair off the segment; take the first that is not,
    # so that it lies exactly on both boroughs' boundaries.
    for (a, b), owners in shared:
        lon, lat = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
        point = shapely.Point(lon, lat)
        if all(fresh_polygons[k].covers(point) for k in owners):
            break
    else:
        pytest.fail("no shared edge midpoint lies exactly on the edge")
    assert (lon, lat) not in {tuple(a), tuple(b)}
    assert all(fresh_polygons[k].boundary.covers(point) for k in owners)
    lowest = min(raw[k]["properties"]["code"] for k in owners)
    assert len(owners) == 2
    assert located_code(index, lon, lat) == lowest
    assert index.codes_for(index.locate_many([lon], [lat])) == [lowest]


def test_tie_rule_ignores_input_order() -> None:
    # Two unit squares sharing the edge x = 1, given highest code first.
    right = shapely.box(1, 0, 2, 1)
    left = shapely.box(0, 0, 1, 1)
    boroughs = [Borough("B2", "Right", "right"), Borough("B1", "Left", "left")]
    idx = BoroughIndex(boroughs, [right, left], cell_m=10_000)
    assert [b.code for b in idx.boroughs] == ["B1", "B2"]
    assert located_code(idx, 1.0, 0.5) == "B1"  # on the shared edge
    assert located_code(idx, 1.0, 1.0) == "B1"  # shared corner
    assert located_code(idx, 2.0, 0.5) == "B2"  # outer edge still counts (covers)
    assert located_code(idx, 1.5, 0.5) == "B2"
    assert located_code(idx, 2.0000001, 0.5) is None  # never snapped to the nearest
    assert idx.locate_many([1.0, 1.5, 2.5], [0.5, 0.5, 0.5]).tolist() == [0, 1, -1]


def test_constructor_rejects_bad_input() -> None:
    square = shapely.box(0, 0, 1, 1)
    a, b = Borough("A1", "A", "a"), Borough("A2", "B", "b")
    with pytest.raises(ValueError):
        BoroughIndex([a, b], [square])  # one geometry short
    with pytest.raises(ValueError):
        BoroughIndex([a, Borough("A1", "C", "c")], [square, square])  # duplicate code
    with pytest.raises(ValueError):
        BoroughIndex([a], [shapely.LineString([(0, 0), (1, 1)])])  # not polygonal
    with pytest.raises(ValueError):
        BoroughIndex([a], [square], cell_m=0)


# --------------------------------------------------------------------------- bulk identity


def test_locate_many_matches_locate_and_reference(
    index: BoroughIndex,
    fresh_polygons: list[Polygon],
    shared_vertices: dict[tuple[float, float], list[int]],
) -> None:
    rng = np.random.default_rng(20240607)
    x0, y0, x1, y1 = index.bounds
    n = 20_000
    shared = np.array(list(shared_vertices))
    xs = np.concatenate([rng.uniform(x0, x1, n), shared[:, 0]])
    ys = np.concatenate([rng.uniform(y0, y1, n), shared[:, 1]])

    bulk = index.locate_many(xs, ys)
    single = np.array(
        [
            -1 if (b := index.locate(x, y)) is None else index.index_of(b.code)
            for x, y in zip(xs.tolist(), ys.tolist(), strict=True)
        ]
    )
    np.testing.assert_array_equal(bulk, single)
    np.testing.assert_array_equal(bulk, reference(fresh_polygons, xs, ys))
    # Sanity on the sample itself: both inside and outside points were exercised,
    # and every shared vertex is in London.
    assert 0.4 < (bulk[:n] >= 0).mean() < 0.8
    assert (bulk[n:] >= 0).all()


def test_locate_many_near_boundaries_matches_reference(
    index: BoroughIndex, raw: list[dict], fresh_polygons: list[Polygon]
) -> None:
    # Points within centimetres of edges land in the grid's "mixed" cells and in cells
    # next to them: the hardest case for the grid shortcut.
    rng = np.random.default_rng(7)
    vertices = np.concatenate([np.array(f["geometry"]["coordinates"][0]) for f in raw])
    sample = vertices[rng.choice(len(vertices), 20_000, replace=False)]
    pts = sample + rng.normal(0.0, 3e-7, sample.shape)
    bulk = index.locate_many(pts[:, 0], pts[:, 1])
    np.testing.assert_array_equal(bulk, reference(fresh_polygons, pts[:, 0], pts[:, 1]))
    assert (bulk == -1).any() and len(set(bulk.tolist())) == 34


def test_locate_many_shapes_and_edge_cases(index: BoroughIndex) -> None:
    lons = np.array([[-0.12804, math.nan], [2.3522, -0.08861]])
    lats = np.array([[51.50809, 51.5], [48.8566, 51.51420]])
    out = index.locate_many(lons, lats)
    assert out.shape == (2, 2)
    assert np.issubdtype(out.dtype, np.integer)
    assert index.codes_for(out) == ["E09000033", None, None, "E09000001"]
    assert index.locate_many([], []).shape == (0,)
    # A scalar latitude broadcasts against many longitudes.
    assert index.locate_many([-0.12804, -0.08861], 51.5103).shape == (2,)


def test_counts(index: BoroughIndex) -> None:
    counts = index.counts(np.array([0, 0, 32, -1]))
    assert counts["E09000001"] == 2 and counts["E09000033"] == 1
    assert sum(counts.values()) == 3 and len(counts) == 33


# --------------------------------------------------------------------------- metadata


def test_boroughs_are_the_33_sorted_by_code(index: BoroughIndex) -> None:
    assert [b.code for b in index.boroughs] == [f"E090000{i:02d}" for i in range(1, 34)]
    assert len(index) == 33
    assert len({b.slug for b in index.boroughs}) == 33


@pytest.mark.parametrize(
    ("code", "name", "slug"),
    [
        ("E09000001", "City of London", "city-of-london"),
        ("E09000013", "Hammersmith and Fulham", "hammersmith-and-fulham"),
        ("E09000021", "Kingston upon Thames", "kingston-upon-thames"),
        ("E09000033", "Westminster", "westminster"),
    ],
)
def test_by_code_and_by_slug(index: BoroughIndex, code: str, name: str, slug: str) -> None:
    borough = Borough(code, name, slug)
    assert index.by_code(code) == borough
    assert index.by_slug(slug) == borough
    assert index.geometry(code).is_valid


@pytest.mark.parametrize("key", ["", "E09000034", "e09000001", "westminster "])
def test_unknown_keys(index: BoroughIndex, key: str) -> None:
    assert index.by_code(key) is None
    assert index.by_slug(key) is None
    with pytest.raises(KeyError):
        index.geometry(key)


def test_london_bbox_matches_data(index: BoroughIndex) -> None:
    assert index.bounds == LONDON_BBOX
    assert geo.LONDON_BBOX[0] < geo.LONDON_BBOX[2] and geo.LONDON_BBOX[1] < geo.LONDON_BBOX[3]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Kingston upon Thames", "kingston-upon-thames"),
        ("City of London", "city-of-london"),
        ("Hammersmith & Fulham", "hammersmith-and-fulham"),
        ("Hammersmith and Fulham", "hammersmith-and-fulham"),
        ("Barking&Dagenham", "barking-and-dagenham"),
        ("  Tower   Hamlets  ", "tower-hamlets"),
        ("King's Cross", "kings-cross"),
        ("Café Royal", "cafe-royal"),
        ("Richmond-upon-Thames", "richmond-upon-thames"),
        ("E09000001", "e09000001"),
        ("", ""),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


# --------------------------------------------------------------------------- geodesy


@pytest.mark.parametrize(
    ("lat1", "lon1", "lat2", "lon2", "expected_m", "tol_m"),
    [
        (51.0, -0.1, 52.0, -0.1, 111_195, 5),  # one degree of latitude
        (0.0, 0.0, 0.0, 1.0, 111_195, 5),  # one degree of longitude at the equator
        (51.5, -0.1, 51.5, -0.1, 0, 1e-9),
        (51.50809, -0.12804, 51.51420, -0.08861, 2_800, 50),  # Trafalgar Sq -> Bank
        (0.0, 0.0, 0.0, 180.0, math.pi * geo.EARTH_RADIUS_M, 1e-3),  # antipodes
    ],
)
def test_distance_m(
    lat1: float, lon1: float, lat2: float, lon2: float, expected_m: float, tol_m: float
) -> None:
    assert distance_m(lat1, lon1, lat2, lon2) == pytest.approx(expected_m, abs=tol_m)
    assert distance_m(lat2, lon2, lat1, lon1) == pytest.approx(expected_m, abs=tol_m)


def destination(lat: float, lon: float, bearing_deg: float, dist_m: float) -> tuple[float, float]:
    """Point reached from (lat, lon) along a great circle (for testing bbox_around)."""
    d = dist_m / geo.EARTH_RADIUS_M
    phi, lmb, th = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    phi2 = math.asin(math.sin(phi) * math.cos(d) + math.cos(phi) * math.sin(d) * math.cos(th))
    lmb2 = lmb + math.atan2(
        math.sin(th) * math.sin(d) * math.cos(phi), math.cos(d) - math.sin(phi) * math.sin(phi2)
    )
    return math.degrees(phi2), math.degrees(lmb2)


@pytest.mark.parametrize("radius_m", [0.0, 50.0, 1_000.0, 25_000.0])
def test_bbox_around_encloses_circle(radius_m: float) -> None:
    lat, lon = 51.50809, -0.12804
    min_lon, min_lat, max_lon, max_lat = bbox_around(lat, lon, radius_m)
    assert min_lon <= lon <= max_lon and min_lat <= lat <= max_lat
    for bearing in range(0, 360, 5):
        plat, plon = destination(lat, lon, bearing, radius_m)
        assert distance_m(lat, lon, plat, plon) == pytest.approx(radius_m, abs=1e-6)
        assert min_lon - 1e-12 <= plon <= max_lon + 1e-12
        assert min_lat - 1e-12 <= plat <= max_lat + 1e-12
    # ... and is not wastefully large: the north/south extent is exactly the radius.
    assert distance_m(lat, lon, max_lat, lon) == pytest.approx(radius_m, abs=1e-6)


def test_bbox_around_over_a_pole_spans_all_longitudes() -> None:
    assert bbox_around(89.9, 10.0, 50_000)[0::2] == (-180.0, 180.0)


@pytest.mark.parametrize(
    ("lat", "lon", "radius_m"),
    [(51.5, -0.1, -1.0), (math.nan, -0.1, 10.0), (51.5, math.inf, 10.0), (91.0, 0.0, 10.0)],
)
def test_bbox_around_rejects_bad_input(lat: float, lon: float, radius_m: float) -> None:
    with pytest.raises(ValueError):
        bbox_around(lat, lon, radius_m)


# --------------------------------------------------------------------------- GeoJSON out


@pytest.mark.parametrize("tolerance", [None, 0.0, 1e-4])
def test_feature_collection(index: BoroughIndex, tolerance: float | None) -> None:
    fc = index.feature_collection(tolerance)
    text = json.dumps(fc, allow_nan=False)
    assert json.loads(text) == fc
    assert fc["type"] == "FeatureCollection"
    assert len(fc["features"]) == 33
    props = [f["properties"] for f in fc["features"]]
    assert [p["code"] for p in props] == [b.code for b in index.boroughs]
    assert all(set(p) == {"code", "name", "slug"} for p in props)
    geoms = np.array([shape(f["geometry"]) for f in fc["features"]])
    assert shapely.is_valid(geoms).all()
    # Neighbours still share identical edges after simplifying and rounding: no gaps
    # or overlaps for the map to show.
    assert shapely.coverage_is_valid(geoms)
    coords = shapely.get_coordinates(geoms)
    np.testing.assert_array_equal(coords, np.round(coords, 5))
    # RFC 7946 winding: exterior rings counter-clockwise.
    assert all(g.exterior.is_ccw for g in geoms)


def test_feature_collection_simplifies(index: BoroughIndex) -> None:
    full = index.feature_collection()
    simple = index.feature_collection(1e-4)
    n_full = sum(len(f["geometry"]["coordinates"][0]) for f in full["features"])
    n_simple = sum(len(f["geometry"]["coordinates"][0]) for f in simple["features"])
    assert n_simple < 0.6 * n_full
    assert len(json.dumps(simple)) < len(json.dumps(full))
    with pytest.raises(ValueError):
        index.feature_collection(-1.0)
