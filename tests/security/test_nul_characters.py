"""A NUL character anywhere in a request is a 400, never text handed to the database
(PostgreSQL refuses it with an error, which would be a 500). Found by the API fuzz test
on PostgreSQL: ?borough=Ñ%00Y on the camera exports."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token


@pytest.mark.parametrize(
    "url",
    [
        "/api/cameras.geojson?borough=%C3%91%00Y",
        "/api/cameras.csv?operator=council_street&borough=camden%00",
        "/boroughs?sort=%00",
        "/snapshots/2026-12-02T09-41Z%00",
        "/track/AB%00C-DEFG",
        "/api/postcodes?q=SW1%00",
    ],
)
def test_nul_in_the_address_is_a_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert "not allowed" in response.get_json()["error"]


def test_nul_in_json_is_a_400(client):
    token = csrf_token(client)
    response = client.post(
        "/api/sightings",
        data='{"upload_id": "x\\u0000y"}',
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400
    assert "not allowed" in response.get_json()["error"]


def test_nul_in_a_form_is_a_400(client):
    token = csrf_token(client)
    response = client.post("/login", data={"csrf_token": token, "email": "a\x00@b.org"})
    assert response.status_code == 400
