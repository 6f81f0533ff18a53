"""GET /api/map (server-side clusters and points) and GET /api/cameras/<id> (popups)."""

from __future__ import annotations

import json

import pytest

from models import db
from tests.factories import CITY, WESTMINSTER, change_status, make_camera, make_sighting

LONDON = "-0.6,51.2,0.4,51.8"
AROUND_TRAFALGAR = "-0.1300,51.5070,-0.1250,51.5100"


def grid_of_cameras(app, centre=WESTMINSTER, n=5, step=0.0004, **fields) -> list[int]:
    """n×n cameras about 30-45 m apart around `centre`."""
    with app.app_context():
        ids = [
            make_camera((centre[0] + i * step, centre[1] + j * step), **fields).id
            for i in range(n)
            for j in range(n)
        ]
        db.session.commit()
    return ids


def get_map(client, query: str) -> dict:
    response = client.get(f"/api/map?{query}")
    assert response.status_code == 200, response.get_json()
    assert response.headers["Link"].startswith("<https://opendatacommons.org/licenses/odbl")
    return response.get_json()


def test_low_zoom_gives_clusters_with_counts_and_centroids(client, app):
    grid_of_cameras(app)
    body = get_map(client, f"bbox={LONDON}&zoom=10")
    assert body["mode"] == "clusters"
    assert body["total"] == 25
    assert sum(row[2] for row in body["clusters"]) + len(body["points"]) == 25
    lat, lon, count = body["clusters"][0]
    assert count == 25  # 160 m of cameras fit in one ~2 km cell
    assert lat == pytest.approx(WESTMINSTER[0] + 0.0008, abs=1e-5)
    assert lon == pytest.approx(WESTMINSTER[1] + 0.0008, abs=1e-5)
    assert len(body["cell"]) == 2 and body["fields"]["clusters"] == ["lat", "lon", "count"]


def test_high_zoom_gives_individual_cameras(client, app):
    ids = grid_of_cameras(app)
    body = get_map(client, f"bbox={AROUND_TRAFALGAR}&zoom=18")
    assert body["mode"] == "points" and body["clusters"] == []
    assert body["fields"]["points"] == ["id", "lat", "lon", "status", "verified", "council"]
    shown = {row[0] for row in body["points"]}
    assert shown and shown <= set(ids)
    row = body["points"][0]
    assert body["statuses"][row[3]] == "active" and row[4] == 1 and row[5] == 1


def test_a_lone_camera_in_a_cell_comes_as_a_point_to_open_its_popup(client, app):
    with app.app_context():
        lone = make_camera(CITY).id
        db.session.commit()
    body = get_map(client, f"bbox={LONDON}&zoom=12")
    assert body["clusters"] == []
    assert [row[0] for row in body["points"]] == [lone]


def test_medium_zoom_splits_clusters(client, app):
    grid_of_cameras(app, n=4, step=0.004)  # 300 m apart
    coarse = get_map(client, f"bbox={LONDON}&zoom=11")
    fine = get_map(client, "bbox=-0.14,51.50,-0.10,51.53&zoom=16")
    assert coarse["total"] == fine["total"] == 16
    assert len(fine["clusters"]) + len(fine["points"]) > len(coarse["clusters"]) + len(
        coarse["points"]
    )


def test_filters(client, app):
    with app.app_context():
        make_camera(WESTMINSTER, operator_type="council_street", brand_verified=True)
        make_camera(WESTMINSTER, operator_type="business", brand_verified=False)
        change_status(make_camera(WESTMINSTER, operator_type="school"), "removed")
        make_camera(CITY, operator_type="council_housing", brand_verified=False)
        db.session.commit()

    def total(query: str) -> int:
        return get_map(client, f"bbox={LONDON}&zoom=18&{query}")["total"]

    assert total("") == 3  # active only by default
    assert total("status=all") == 4
    assert total("status=removed") == 1
    assert total("status=active,removed") == 4
    assert total("operator=council") == 2
    assert total("operator=business") == 1
    assert total("verified=yes") == 1
    assert total("verified=no") == 2
    assert total("borough=city-of-london") == 1
    assert total("borough=E09000033&operator=council") == 1


@pytest.mark.parametrize(
    "query",
    [
        "zoom=10",
        f"bbox={LONDON}",
        "bbox=-0.6,51.2,0.4&zoom=10",
        "bbox=a,b,c,d&zoom=10",
        "bbox=nan,51.2,0.4,51.8&zoom=10",
        "bbox=0.4,51.2,-0.6,51.8&zoom=10",
        "bbox=-0.6,51.8,0.4,51.2&zoom=10",
        "bbox=-0.6,-95,0.4,51.8&zoom=10",
        "bbox=-190,51.2,0.4,51.8&zoom=10",
        f"bbox={LONDON}&zoom=abc",
        f"bbox={LONDON}&zoom=23",
        f"bbox={LONDON}&zoom=-1",
        f"bbox={LONDON}&zoom=10&status=pending",
        f"bbox={LONDON}&zoom=10&operator=aliens",
        f"bbox={LONDON}&zoom=10&verified=maybe",
        f"bbox={LONDON}&zoom=10&borough=atlantis",
    ],
)
def test_bad_requests_get_a_400_json_error(client, query):
    response = client.get(f"/api/map?{query}")
    assert response.status_code == 400
    assert response.is_json and response.get_json()["error"]


def test_city_wide_view_follows_changes(client, app):
    """The low-zoom grid is cached, but a new camera or a removal shows at once."""
    grid_of_cameras(app, n=2)
    assert get_map(client, f"bbox={LONDON}&zoom=10")["total"] == 4
    with app.app_context():
        extra = make_camera(CITY)
        db.session.commit()
        assert get_map(client, f"bbox={LONDON}&zoom=10")["total"] == 5
        change_status(extra, "removed")
        db.session.commit()
    assert get_map(client, f"bbox={LONDON}&zoom=10")["total"] == 4


def test_response_stays_compact(client, app):
    grid_of_cameras(app, n=20, step=0.00005)  # 400 cameras within a few metres
    body = client.get(f"/api/map?bbox={AROUND_TRAFALGAR}&zoom=19").get_data()
    assert len(json.loads(body)["points"]) == 400
    assert len(body) < 400 * 60


def test_camera_popup_json(client, app):
    with app.app_context():
        camera = make_camera(WESTMINSTER, operator_type="council_street", brand_verified=True)
        sighting = make_sighting(camera)
        photo_id, camera_id = sighting.photo_id, camera.id
        db.session.commit()
    body = client.get(f"/api/cameras/{camera_id}").get_json()
    assert body["id"] == camera_id
    assert body["brand"] == "Hikvision" and body["brand_verified"] is True
    assert body["evidence"] == "Logo visible in the photo"
    assert body["camera_type"] == "Dome"
    assert body["operator"] == "Council: street CCTV" and body["council_operated"] is True
    assert body["borough"] == {"code": "E09000033", "name": "Westminster"}
    assert (body["first_seen"], body["last_confirmed"]) == ("2026-03-01", "2026-04-01")
    assert body["thumb_url"] == f"/photos/{photo_id}/thumb.jpg"
    assert body["url"] == f"http://localhost/cameras/{camera_id}"


def test_missing_camera_popup_is_a_json_404(client):
    response = client.get("/api/cameras/999")
    assert response.status_code == 404 and response.get_json()["error"]


def test_coarser_grids_merged_from_the_cached_one_match_direct_aggregation(app):
    """City-wide zooms reuse one fine grid; merging it must equal grouping afresh."""
    import random

    from hikwatch.evidence import mapdata

    rng = random.Random(4)
    with app.app_context():
        for _ in range(300):
            make_camera((51.42 + rng.random() * 0.16, -0.30 + rng.random() * 0.35))
        db.session.commit()
        where = mapdata.CameraFilter().where()
        base = mapdata.grid_cells(db.session, where, *mapdata.cell_size(13))
        for zoom in (8, 10, 12):
            direct = mapdata.grid_cells(db.session, where, *mapdata.cell_size(zoom))
            merged = mapdata.coarsen(base, 13 - zoom)

            def summary(cells):
                return sorted((c.key, c.count, c.first_id, round(c.lat, 9)) for c in cells)

            assert summary(merged) == summary(direct)


def test_numpy_clusters_match_the_sql_grid(app, client):
    """The map's clusters (NumPy, per request) count exactly what the SQL grid counts."""
    import random

    from hikwatch.evidence import mapdata

    rng = random.Random(7)
    with app.app_context():
        for _ in range(300):
            make_camera((51.42 + rng.random() * 0.16, -0.30 + rng.random() * 0.35))
        db.session.commit()
        where = mapdata.CameraFilter().where()
        for zoom in (10, 11, 12):  # the whole London box at its own zoom's cells
            body = get_map(client, f"bbox={LONDON}&zoom={zoom}")
            assert body["cell"] == list(mapdata.cell_size(zoom))
            cells = mapdata.grid_cells(db.session, where, *mapdata.cell_size(zoom))
            expected = sorted(
                (round(c.lat, 5), round(c.lon, 5), c.count) for c in cells if c.count > 1
            )
            assert sorted(tuple(row) for row in body["clusters"]) == expected
            assert len(body["points"]) == sum(1 for c in cells if c.count == 1)


def test_the_box_is_cut_to_london(client, app):
    ids = grid_of_cameras(app, n=2)
    body = get_map(client, "bbox=-180,-90,180,90&zoom=17")
    min_lon, min_lat, max_lon, max_lat = body["bbox"]
    assert -0.52 < min_lon < max_lon < 0.34 and 51.28 < min_lat < max_lat < 51.70
    assert sorted(row[0] for row in body["points"]) == ids
    paris = get_map(client, "bbox=2.2,48.8,2.4,48.9&zoom=12")
    assert paris["bbox"] is None and paris["total"] == 0 and paris["points"] == []


def test_too_many_cameras_in_view_are_clustered_even_at_street_zoom(client, app, monkeypatch):
    from hikwatch.evidence import mapdata

    monkeypatch.setattr(mapdata, "MAX_POINTS", 10)
    grid_of_cameras(app, n=4, step=0.00002)  # 16 cameras within a few metres
    body = get_map(client, f"bbox={AROUND_TRAFALGAR}&zoom=18")
    assert body["mode"] == "clusters" and body["total"] == 16
    assert sum(row[2] for row in body["clusters"]) + len(body["points"]) == 16


def test_a_box_far_larger_than_a_screen_gets_coarser_cells(client, app):
    from hikwatch.evidence import mapdata

    grid_of_cameras(app, n=3, step=0.05)  # 9 cameras kilometres apart
    body = get_map(client, "bbox=-180,-90,180,90&zoom=16")
    dlat, dlon = body["cell"]
    min_lon, min_lat, max_lon, max_lat = body["bbox"]
    assert (max_lon - min_lon) / dlon <= mapdata.MAX_CELLS_ACROSS
    assert (max_lat - min_lat) / dlat <= mapdata.MAX_CELLS_ACROSS
    assert dlon > mapdata.cell_size(16)[1]
