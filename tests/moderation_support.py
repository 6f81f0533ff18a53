"""Helpers for the moderation tests: reports sent the way residents send them, and forms
posted the way the pages post them (with the CSRF token read from the page)."""

from __future__ import annotations

import io
import re

from tests.accounts import log_in, make_user
from tests.conftest import csrf_token, resource_bytes

WESTMINSTER = {"lat": 51.50075, "lon": -0.12457}
# About 20 m north-east of WESTMINSTER, and about 200 m away (both in Westminster).
NEAR_WESTMINSTER = {"lat": 51.50088, "lon": -0.12438}
FAR_FROM_WESTMINSTER = {"lat": 51.50255, "lon": -0.12457}
CAMDEN = {"lat": 51.5390, "lon": -0.1426}
WATFORD = {"lat": 51.6565, "lon": -0.3903}  # outside Greater London


def submit_report(app, photo: bytes | None = None, *, where=WESTMINSTER, **fields) -> int:
    """A pending report through the resident's API, from a fresh browser; its sighting id."""
    resident = app.test_client()
    headers = {"X-CSRFToken": csrf_token(resident)}
    data = {"photo": (io.BytesIO(photo or resource_bytes("big_ben.jpg")), "camera.jpg")}
    uploaded = resident.post("/api/uploads", data=data, headers=headers)
    assert uploaded.status_code == 201, uploaded.get_json()
    payload = {
        "upload_id": uploaded.get_json()["upload_id"],
        "location_source": "map",
        **where,
        **fields,
    }
    sent = resident.post("/api/sightings", json=payload, headers=headers)
    assert sent.status_code == 201, sent.get_json()
    return sent.get_json()["id"]


def page_token(client, url: str = "/moderate/") -> str:
    """The CSRF token a page gives its forms (every page carries it in a meta tag)."""
    html = client.get(url).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def post_form(client, url: str, data: dict | None = None, **kwargs):
    """POST a form as the browser would, token included."""
    return client.post(url, data={"csrf_token": page_token(client), **(data or {})}, **kwargs)


def approve_data(where=WESTMINSTER, **overrides) -> dict:
    """What the 'Approve as a new camera' form sends, with its field prefix."""
    fields = {
        "lat": where["lat"],
        "lon": where["lon"],
        "brand": "hikvision",
        "brand_evidence": "logo",
        "camera_type": "dome",
        "mount": "wall",
        "direction": "",
        "operator_type": "council_street",
        **overrides,
    }
    return {f"approve-{name}": value for name, value in fields.items() if value is not None}


def approve_new(client, sighting_id: int, **overrides):
    return post_form(
        client, f"/moderate/sightings/{sighting_id}/approve", approve_data(**overrides)
    )


def second_moderator_client(app, email: str = "second@example.org"):
    make_user(app, email, "moderator")
    client = app.test_client()
    assert log_in(client, email).status_code == 302
    return client
