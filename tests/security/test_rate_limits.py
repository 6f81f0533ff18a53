"""Rate limits: named, configurable, keyed on a salted hash of the client, shared by workers."""

from __future__ import annotations

import io
import os
import secrets

import pytest

from hikwatch import create_app
from hikwatch.security.limits import LIMIT_CONFIG_KEYS, client_key
from tests.accounts import log_in
from tests.conftest import base_config, csrf_token, plain_jpeg

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip()


def limited_config(tmp_path, database_uri, **overrides) -> dict:
    return {
        **base_config(tmp_path, tmp_path / "unused.db"),
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_UPLOADS": "3 per minute",
        "RATELIMIT_SUBMISSIONS": "2 per minute",
        "RATELIMIT_REMOVALS": "2 per minute",
        "RATELIMIT_LOGIN": "2 per minute",
        **overrides,
    }


@pytest.fixture
def limited_app(tmp_path, database_uri):
    return create_app(limited_config(tmp_path, database_uri))


def upload(client, token, **kwargs):
    return client.post(
        "/api/uploads",
        data={"photo": (io.BytesIO(plain_jpeg()), "c.jpg")},
        headers={"X-CSRFToken": token},
        **kwargs,
    )


def test_uploads_are_limited_with_a_clear_json_answer(limited_app):
    client = limited_app.test_client()
    token = csrf_token(client)
    assert [upload(client, token).status_code for _ in range(3)] == [201, 201, 201]
    refused = upload(client, token)
    assert refused.status_code == 429
    assert "uploaded a lot of photos" in refused.get_json()["error"]
    assert int(refused.headers["Retry-After"]) > 0


def test_the_form_and_the_api_share_the_upload_allowance(limited_app):
    client = limited_app.test_client()
    token = csrf_token(client)
    for _ in range(3):
        upload(client, token)
    # Looking at the form costs nothing; posting it is another upload.
    assert client.get("/submit").status_code == 200
    refused = client.post(
        "/submit",
        data={"csrf_token": token, "photo": (io.BytesIO(plain_jpeg()), "c.jpg")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert "Too many requests" in html and "uploaded a lot of photos" in html


def test_submissions_are_limited(limited_app):
    client = limited_app.test_client()
    token = csrf_token(client)
    statuses = [
        client.post("/api/sightings", json={}, headers={"X-CSRFToken": token}).status_code
        for _ in range(3)
    ]
    # Refused reports count too: a spammer's junk is what the limit is for.
    assert statuses == [400, 400, 429]


def test_login_posts_are_limited_with_a_page(limited_app):
    client = limited_app.test_client()
    statuses = [log_in(client, f"nobody{i}@example.org", "wrong").status_code for i in range(2)]
    assert statuses == [401, 401]
    refused = log_in(client, "nobody@example.org", "wrong")
    assert refused.status_code == 429
    assert "Too many login attempts" in refused.get_data(as_text=True)
    assert client.get("/login").status_code == 200


def test_each_client_address_has_its_own_allowance(limited_app):
    client = limited_app.test_client()
    token = csrf_token(client)
    for _ in range(3):
        upload(client, token)
    assert upload(client, token).status_code == 429
    other = {"REMOTE_ADDR": "198.51.100.7"}
    assert upload(client, token, environ_base=other).status_code == 201


def test_the_limiter_stores_a_salted_hash_never_the_address(limited_app):
    client = limited_app.test_client()
    upload(client, csrf_token(client), environ_base={"REMOTE_ADDR": "203.0.113.99"})
    storage = limited_app.extensions["hikwatch_limiter"].storage
    keys = " ".join(map(str, storage.events)) + " ".join(map(str, storage.storage))
    assert keys, "nothing was counted"
    assert "203.0.113.99" not in keys
    with limited_app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.99"}):
        assert client_key() in keys and len(client_key()) == 64


def test_every_named_limit_is_applied_to_a_route(limited_app):
    """Each limit (uploads, submissions, login, removals) guards at least one endpoint once
    the routes exist; a name that guards nothing is a forgotten decorator."""
    limited = {
        getattr(view, "rate_limit", None) for view in limited_app.view_functions.values()
    } - {None}
    expected = set(LIMIT_CONFIG_KEYS)
    if not any(rule.rule.endswith("/report-removal") for rule in limited_app.url_map.iter_rules()):
        expected.discard("removals")  # the removal-report route is not registered yet
    assert expected <= limited, f"no route uses the limits {sorted(expected - limited)}"


def test_removal_reports_are_limited_when_the_route_exists(limited_app):
    rule = next(
        (r for r in limited_app.url_map.iter_rules() if r.rule.endswith("/report-removal")), None
    )
    if rule is None:
        pytest.skip("POST /cameras/<id>/report-removal is not registered yet")
    client = limited_app.test_client()
    token = csrf_token(client)
    path = rule.rule.replace("<int:camera_id>", "1")
    statuses = [client.post(path, data={"csrf_token": token}).status_code for _ in range(3)]
    assert statuses[-1] == 429 and 429 not in statuses[:2], statuses


def test_limits_are_off_in_the_rest_of_the_suite(app, api):
    """The base test config turns limits off, so no other test trips over them."""
    assert app.config["RATELIMIT_ENABLED"] is False
    app.config["RATELIMIT_UPLOADS"] = "1 per minute"
    assert [upload(api, api.token).status_code for _ in range(3)] == [201, 201, 201]


@pytest.mark.skipif(not TEST_REDIS_URL, reason="TEST_REDIS_URL is not set (.ci/run sets it)")
def test_workers_share_counts_through_redis(tmp_path, database_uri):
    """Two app instances stand for two gunicorn workers: with Redis they share one count."""
    config = limited_config(
        tmp_path,
        database_uri,
        RATELIMIT_STORAGE_URI=TEST_REDIS_URL,
        # A fresh salt gives this run its own keys, so parallel runs never collide.
        SECRET_KEY=secrets.token_hex(16),
    )
    first, second = create_app(config), create_app(config)
    clients = [first.test_client(), second.test_client()]
    tokens = [csrf_token(client) for client in clients]
    statuses = [upload(clients[i % 2], tokens[i % 2]).status_code for i in range(4)]
    assert statuses == [201, 201, 201, 429]
    storage = first.extensions["hikwatch_limiter"].storage
    assert storage.check()
    with first.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        key = client_key()
    names = [name.decode() for name in storage.storage.scan_iter(match=f"*{key}*")]
    assert names, "no counter in Redis for this client"
    assert all("127.0.0.1" not in name for name in names)
