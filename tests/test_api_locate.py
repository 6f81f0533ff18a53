"""GET /api/boroughs/locate."""

import pytest


@pytest.mark.parametrize(
    ("query", "status", "expected"),
    [
        ("lat=51.50809&lon=-0.12804", 200, {"code": "E09000033", "name": "Westminster"}),
        ("lat=51.51414&lon=-0.08924", 200, {"code": "E09000001", "name": "City of London"}),
        ("lat=51.6565&lon=-0.3903", 404, None),  # Watford
        ("lat=0&lon=0", 404, None),
        ("lon=-0.12", 400, None),
        ("lat=51.5", 400, None),
        ("lat=abc&lon=-0.12", 400, None),
        ("lat=NaN&lon=-0.12", 400, None),
        ("lat=51.5&lon=inf", 400, None),
        ("lat=91&lon=0", 400, None),
        ("lat=51.5&lon=-181", 400, None),
        ("lat=&lon=", 400, None),
    ],
)
def test_locate(client, query, status, expected):
    response = client.get(f"/api/boroughs/locate?{query}")
    assert response.status_code == status
    body = response.get_json()
    if expected:
        assert body == expected
    else:
        assert isinstance(body["error"], str) and body["error"]


def test_boundaries_for_maps(client):
    body = client.get("/api/boroughs/boundaries.geojson").get_json()
    assert len(body["features"]) == 33
    assert {"code", "name", "slug"} <= set(body["features"][0]["properties"])
