"""The second outside review's eleven findings, each reproduced as it was reported and
shown fixed. Broader tests of each defence live beside the feature (test_auth,
test_two_factor, test_login_throttling, test_file_modes, test_fuzz, test_rate_limits…).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
from datetime import timedelta

import pytest

from hikwatch import create_app
from hikwatch.security import headers, throttling
from models import Photo, Sighting, StaffSession, db
from tests.accounts import log_in, make_user
from tests.conftest import base_config, csrf_token, plain_jpeg
from tests.factories import make_camera, make_removal_report
from tests.security.gunicorn_server import (
    GUNICORN,
    ROOT,
    GunicornServer,
    free_port,
    server_environment,
)
from tests.security.hostile_images import blank_png
from tests.security.test_rate_limits import limited_config, upload

HUGE = "9223372036854775807"
MODERATOR = "moderator@example.org"


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def client_with_cookie(app, cookie: str, **environ):
    client = app.test_client()
    client.set_cookie("session", cookie)
    if environ:
        client.environ_base.update(environ)
    return client


# ---------- 1. logout did not end the session; a client-sent X-Forwarded-For was trusted


def test_finding_1_logout_ends_the_session_so_an_old_cookie_opens_nothing(app, moderator):
    client = app.test_client()
    assert log_in(client, MODERATOR).status_code == 302
    old_cookie = session_cookie(client)
    assert client_with_cookie(app, old_cookie).get("/moderate/").status_code == 200
    client.post("/logout", headers={"X-CSRFToken": csrf_token(client)})
    replayed = client_with_cookie(app, old_cookie).get("/moderate/")
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]


def test_finding_1_a_client_sent_forwarded_for_does_not_carry_a_session(app, moderator):
    spoofed = {"HTTP_X_FORWARDED_FOR": "10.9.9.9"}
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": "198.51.100.1", **spoofed})
    assert log_in(client, MODERATOR).status_code == 302
    cookie = session_cookie(client)
    # The same cookie and the same header, from somewhere else: no session.
    elsewhere = client_with_cookie(app, cookie, REMOTE_ADDR="203.0.113.5", **spoofed)
    assert elsewhere.get("/moderate/").status_code == 302
    # From where it was issued, it still works.
    assert (
        client_with_cookie(app, cookie, REMOTE_ADDR="198.51.100.1").get("/moderate/").status_code
        == 200
    )


def test_finding_1_behind_a_trusted_proxy_the_forwarded_address_counts(tmp_path, database_uri):
    config = {**base_config(tmp_path, tmp_path / "x.db"), "SQLALCHEMY_DATABASE_URI": database_uri}
    app = create_app({**config, "PROXY_FIX": 1})
    make_user(app, MODERATOR, "moderator")
    via_proxy = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    client = app.test_client()
    client.environ_base.update(via_proxy)
    assert log_in(client, MODERATOR).status_code == 302
    cookie = session_cookie(client)
    assert client_with_cookie(app, cookie, **via_proxy).get("/moderate/").status_code == 200
    moved = {**via_proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    assert client_with_cookie(app, cookie, **moved).get("/moderate/").status_code == 302


def test_finding_1_a_session_idle_longer_than_the_limit_has_ended(app, moderator_client):
    assert moderator_client.get("/moderate/").status_code == 200
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    with app.app_context():
        for row in db.session.execute(db.select(StaffSession)).scalars():
            row.last_seen_at -= idle
        db.session.commit()
    assert moderator_client.get("/moderate/").status_code == 302


# ---------- 2. anyone could lock a moderator out


def wrong_password(app, email: str, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return log_in(client, email, "not the password at all")


def test_finding_2_failures_from_many_addresses_do_not_lock_the_moderator_out(app, moderator):
    for n in range(app.config["LOGIN_FAILURE_LIMIT"] * 2):
        email = MODERATOR.upper() if n % 2 else MODERATOR
        assert wrong_password(app, email, f"198.51.100.{n + 1}").status_code == 401
    own = app.test_client()
    own.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    assert log_in(own, MODERATOR).status_code == 302


def test_finding_2_failures_from_one_address_do_not_lock_other_accounts(app, moderator):
    make_user(app, "other@example.org", "moderator")
    shared = "192.0.2.10"  # an office or a mobile carrier's address
    for _ in range(app.config["LOGIN_FAILURE_LIMIT"]):
        assert wrong_password(app, "other@example.org", shared).status_code == 401
    # That pair now waits…
    assert wrong_password(app, "other@example.org", shared).status_code == 429
    # …but the moderator behind the same address logs in.
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = shared
    assert log_in(client, MODERATOR).status_code == 302


def test_finding_2_delays_grow_with_each_failure_and_are_capped(app):
    with app.test_request_context():
        free = app.config["LOGIN_FAILURE_LIMIT"]
        delays = [throttling.delay_after(free + n, free) for n in range(8)]
    assert delays[:4] == [30, 60, 120, 240]
    assert delays[-1] == app.config["LOGIN_MAX_DELAY_SECONDS"] == 900
    assert throttling.delay_after(free - 1, free) == 0


# ---------- 3. staff emails could be found by timing


def test_finding_3_unknown_and_known_emails_cost_the_same_password_hash(
    app, moderator, monkeypatch
):
    compared: list[str] = []
    real = throttling.check_password_hash

    def spy(stored: str, password: str) -> bool:
        compared.append(stored.split("$", 1)[0])
        return real(stored, password)

    monkeypatch.setattr(throttling, "check_password_hash", spy)
    method = app.config["PASSWORD_HASH_METHOD"]
    for email in (MODERATOR, "nobody@example.org"):
        compared.clear()
        assert log_in(app.test_client(), email, "not the password at all").status_code == 401
        assert compared == [method], (email, compared)


# ---------- 4. 500s from deep JSON and huge page numbers


def test_finding_4_deep_json_is_a_400_not_a_500(app, api):
    response = api.post(
        "/api/sightings", data="[" * 60000, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400 and "error" in response.get_json()


@pytest.mark.parametrize(
    "path",
    [
        f"/boroughs/westminster/cameras?page={HUGE}",
        f"/moderate/?page={HUGE}",
        f"/moderate/cameras/?page={HUGE}",
        f"/admin/audit?page={HUGE}",
        f"/admin/audit?user={HUGE}",
    ],
)
def test_finding_4_huge_numbers_in_the_query_are_a_400(admin_client, path):
    response = admin_client.get(path)
    assert response.status_code == 400
    assert "must be a whole number" in response.get_data(as_text=True)


def test_finding_4_huge_ids_in_the_path_are_not_found(admin_client):
    for path in (f"/moderate/cameras/{HUGE}", f"/cameras/{HUGE}", f"/moderate/sightings/{HUGE}"):
        assert admin_client.get(path).status_code == 404, path


# ---------- 5. a chunked JSON body was read whatever its size


def chunked(api, path: str, body: bytes, content_type: str):
    """A body with no Content-Length, framed by the server as gunicorn frames chunked ones."""
    return api.post(
        path,
        input_stream=io.BytesIO(body),
        headers={"Content-Type": content_type, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_finding_5_a_big_chunked_json_body_is_refused_413(app, api):
    body = json.dumps({"note": "x" * (19 * 1024 * 1024), "lat": 51.5, "lon": -0.12}).encode()
    response = chunked(api, "/api/sightings", body, "application/json")
    assert response.status_code == 413
    assert "send at most 64 KB" in response.get_json()["error"]


def test_finding_5_a_big_chunked_form_body_is_refused_413(app, client):
    body = b"note=" + b"x" * (2 * 1024 * 1024)
    response = client.post(
        "/login",
        input_stream=io.BytesIO(body),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Transfer-Encoding": "chunked",
        },
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413


def test_finding_5_a_small_chunked_body_still_works(app, api):
    response = chunked(api, "/api/sightings", json.dumps({}).encode(), "application/json")
    assert response.status_code == 400  # read and judged: the report is empty


# ---------- 6. a small PNG took a worker from 159 MB to 956 MB


def test_finding_6_a_photo_over_the_decode_budget_is_refused_before_decoding(app, api):
    bomb = blank_png(10_000, 10_000, bands=4)  # ~400 KB, 100 MP: under the pixel cap
    assert len(bomb) < 1024 * 1024
    response = api.post("/api/uploads", data={"photo": (io.BytesIO(bomb), "big.png")})
    assert response.status_code == 413
    message = response.get_json()["error"]
    assert "10,000 x 10,000 pixels with 4 colour channels" in message
    assert "up to 256 MB" in message
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Photo)).scalar() == 0


# ---------- 7. backups, originals and the secret key were readable by others (see
# test_file_modes for every file under umask 022)


def test_finding_7_originals_are_private_files_in_private_folders(app, api):
    old = os.umask(0o022)
    try:
        response = api.post("/api/uploads", data={"photo": (io.BytesIO(plain_jpeg()), "c.jpg")})
    finally:
        os.umask(old)
    assert response.status_code == 201
    with app.app_context():
        photo = db.session.execute(db.select(Photo)).scalar_one()
        path = app.extensions["file_store"].path(photo.original_path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert path.parent.parent.stat().st_mode & 0o777 == 0o700


# ---------- 8. memory:// with several workers let 36 uploads through a limit of 20


def test_finding_8_several_workers_with_memory_limits_are_named_and_refused_in_production(
    app,
):
    from hikwatch.security.limits import check_workers

    warnings: list[str] = []
    settings = {**app.config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}
    check_workers(settings, 1, warnings.append)
    assert warnings == []
    check_workers(settings, 2, warnings.append)
    assert "2 workers" in warnings[0] and "redis://" in warnings[0]
    with pytest.raises(SystemExit, match="will not start"):
        check_workers({**settings, "PRODUCTION": True}, 2, warnings.append)
    shared = {**settings, "PRODUCTION": True, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}
    check_workers(shared, 4, warnings.append)  # fine: no exit, no new warning
    assert len(warnings) == 1


@pytest.mark.slow
def test_finding_8_gunicorn_warns_at_start_up_and_refuses_in_production(database_uri, tmp_path):
    environment = {**server_environment(database_uri, tmp_path), "FLASK_RATELIMIT_ENABLED": "true"}
    server = GunicornServer(environment, workers=2).start(tmp_path / "gunicorn.log")
    server.stop()
    log = (tmp_path / "gunicorn.log").read_text()
    assert "[WARNING] Rate limits are counted in memory (memory://) but 2 workers serve" in log
    refused = subprocess.run(
        [str(GUNICORN), "--workers", "2", "--bind", f"127.0.0.1:{free_port()}", "app:create_app()"],
        cwd=ROOT,
        env={**environment, "FLASK_PRODUCTION": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0
    assert "Hikwatch will not start" in refused.stdout + refused.stderr


# ---------- 9. the CSP allowed the whole of unpkg.com


def test_finding_9_the_policy_names_only_the_pinned_leaflet_files(app):
    config = {**app.config, "LEAFLET_SOURCE": "cdn"}
    policy = headers.content_security_policy(config)
    assert "https://unpkg.com " not in policy + " " and "https://unpkg.com;" not in policy
    assert "script-src 'self' https://unpkg.com/leaflet@1.9.4/dist/leaflet.js;" in policy
    assert "style-src 'self' https://unpkg.com/leaflet@1.9.4/dist/leaflet.css;" in policy
    local = headers.content_security_policy({**app.config, "LEAFLET_SOURCE": "local"})
    assert "script-src 'self';" in local and "style-src 'self';" in local


# ---------- 10. lookups unthrottled, unlimited unsent uploads, previews of decided reports


@pytest.fixture
def limited_app(tmp_path, database_uri):
    return create_app(limited_config(tmp_path, database_uri, RATELIMIT_LOOKUPS="3 per minute"))


@pytest.mark.parametrize("path", ["/track/ZZZZ-ZZZZ", "/removal-reports/ZZZZ-ZZZZ"])
def test_finding_10_reference_lookups_are_throttled(limited_app, path):
    client = limited_app.test_client()
    assert [client.get(path).status_code for _ in range(3)] == [404, 404, 404]
    refused = client.get(path)
    assert refused.status_code == 429
    assert "looked up a lot of references" in refused.get_data(as_text=True)


def test_finding_10_a_client_holds_at_most_max_pending_uploads(app, api):
    app.config["MAX_PENDING_UPLOADS"] = 3
    assert [upload(api, api.token).status_code for _ in range(3)] == [201, 201, 201]
    refused = upload(api, api.token)
    assert refused.status_code == 429
    assert "not yet sent as reports" in refused.get_json()["error"]
    # Another address has its own allowance…
    assert upload(api, api.token, environ_base={"REMOTE_ADDR": "198.51.100.9"}).status_code == 201
    # …and sending one as a report frees a place.
    with app.app_context():
        token = db.session.execute(db.select(Photo.token).order_by(Photo.id)).scalars().first()
    sent = api.post("/api/sightings", json={"upload_id": token, "lat": 51.50809, "lon": -0.12804})
    assert sent.status_code == 201
    assert upload(api, api.token).status_code == 201


def test_finding_10_the_preview_stops_once_the_report_is_decided(app, api):
    uploaded = upload(api, api.token).get_json()
    sent = api.post(
        "/api/sightings",
        json={"upload_id": uploaded["upload_id"], "lat": 51.50809, "lon": -0.12804},
    )
    assert sent.status_code == 201
    assert api.get(uploaded["preview_url"]).status_code == 200  # pending: still the uploader's
    with app.app_context():
        sighting = db.session.execute(db.select(Sighting)).scalar_one()
        sighting.status = "rejected"
        db.session.commit()
    assert api.get(uploaded["preview_url"]).status_code == 404


def test_finding_10_a_decided_removal_reports_photo_has_no_preview(app, api):
    uploaded = upload(api, api.token).get_json()
    with app.app_context():
        photo = db.session.execute(db.select(Photo)).scalar_one()
        make_removal_report(make_camera(), status="pending", photo=photo)
        db.session.commit()
    assert api.get(uploaded["preview_url"]).status_code == 200
    with app.app_context():
        from models import RemovalReport

        db.session.execute(db.update(RemovalReport).values(status="rejected"))
        db.session.commit()
    assert api.get(uploaded["preview_url"]).status_code == 404


# ---------- 11. any 12 characters were a password; no second factor


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "passwordpassword", "new@example.org"])
def test_finding_11_guessable_passwords_are_refused_with_advice(app, password):
    with pytest.raises(ValueError, match="too easy to guess") as refused:
        make_user(app, "new@example.org", "moderator", password=password)
    assert "Try a few unrelated words" in str(refused.value)


def test_finding_11_an_admin_cannot_log_in_with_a_password_alone(app):
    make_user(app, "admin@example.org", "admin", two_factor=False)
    client = app.test_client()
    response = log_in(client, "admin@example.org")
    assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
    # Half way: no staff page opens until two-factor is set up.
    assert client.get("/admin/users").status_code == 302
    assert client.get("/moderate/").headers["Location"].startswith("/login")
