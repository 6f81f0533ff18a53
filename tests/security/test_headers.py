"""Security headers on every response, the Content-Security-Policy, and session cookies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hikwatch import create_app
from hikwatch.security.headers import content_security_policy, origin_of
from tests.conftest import base_config
from tests.security.routes import fetch, get_rules, sample_path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def csp_directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


def assert_hardened(response, path: str) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (path, name)
    policy = csp_directives(response.headers["Content-Security-Policy"])
    assert "'unsafe-inline'" not in policy["script-src"], path
    assert "'unsafe-eval'" not in policy["script-src"], path
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    permissions = response.headers["Permissions-Policy"]
    assert "camera=(self)" in permissions and "geolocation=(self)" in permissions
    assert "microphone=()" in permissions


def test_every_route_carries_the_security_headers(app, client):
    """GET every rule in the URL map (whatever status it answers) and the error pages."""
    paths = [sample_path(rule) for rule in get_rules(app)]
    paths += ["/no-such-page", "/api/no-such-endpoint"]
    for path in paths:
        assert_hardened(fetch(client, path), path)
    # A refused POST goes through the error handlers: the headers are there too.
    assert_hardened(client.post("/api/sightings", json={}), "POST /api/sightings")


def test_policy_names_the_cdn_and_tile_server_only_when_configured(tmp_path, database_uri):
    config = {**base_config(tmp_path, tmp_path / "x.db"), "SQLALCHEMY_DATABASE_URI": database_uri}
    config.update(LEAFLET_SOURCE="cdn", TILE_URL="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    response = create_app(config).test_client().get("/")
    policy = csp_directives(response.headers["Content-Security-Policy"])
    leaflet = "https://unpkg.com/leaflet@1.9.4/dist/"
    assert policy["script-src"] == ["'self'", leaflet + "leaflet.js"]
    assert policy["style-src"] == ["'self'", leaflet + "leaflet.css"]
    assert policy["img-src"] == [
        "'self'",
        "data:",
        "https://tile.openstreetmap.org",
        leaflet + "images/",
    ]
    assert policy["connect-src"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]


def test_policy_for_local_leaflet_and_no_tiles_allows_only_this_site(client):
    policy = csp_directives(client.get("/").headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8080"),
        ("/tiles/{z}/{x}/{y}.png", None),
        ("", None),
        ("javascript:alert(1)", None),
    ],
)
def test_origin_of_tile_templates(url, origin):
    assert origin_of(url) == origin


def test_policy_is_built_from_config_alone():
    config = {
        "LEAFLET_SOURCE": "local",
        "LEAFLET_CDN": "https://unpkg.com/leaflet@1.9.4/dist/",
        "TILE_URL": "",
    }
    assert "unpkg" not in content_security_policy(config)


def test_https_responses_add_strict_transport_security(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://hikwatch.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_is_httponly_and_lax(client):
    client.get("/submit")  # the CSRF token puts something in the session
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only and cookie.same_site == "Lax"
    assert not cookie.secure  # plain-HTTP test server; production sets it (next test)


def test_session_cookie_is_secure_when_configured(tmp_path, database_uri):
    config = {**base_config(tmp_path, tmp_path / "x.db"), "SQLALCHEMY_DATABASE_URI": database_uri}
    config["SESSION_COOKIE_SECURE"] = True
    client = create_app(config).test_client()
    client.get("/submit", base_url="https://hikwatch.example")
    assert client.get_cookie("session", domain="hikwatch.example").secure


def test_proxy_fix_trusts_the_forwarded_scheme_only_when_enabled(tmp_path, database_uri):
    config = {**base_config(tmp_path, tmp_path / "x.db"), "SQLALCHEMY_DATABASE_URI": database_uri}
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    plain = create_app(config).test_client().get("/", headers=forwarded)
    assert "Strict-Transport-Security" not in plain.headers
    behind_proxy = create_app({**config, "PROXY_FIX": 1}).test_client().get("/", headers=forwarded)
    assert "Strict-Transport-Security" in behind_proxy.headers


def test_moderator_pages_are_not_cached(moderator_client):
    assert moderator_client.get("/moderate/").headers["Cache-Control"] == "private, no-store"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)


def test_templates_have_no_inline_script_handlers_or_style_attributes():
    """What the CSP would block: <script> without src, on*= handlers, style= attributes."""
    found = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(template.read_text().splitlines(), 1):
            for kind, pattern in [
                ("inline script", INLINE_SCRIPT),
                ("event handler attribute", INLINE_HANDLER),
                ("style attribute", STYLE_ATTRIBUTE),
            ]:
                if pattern.search(line):
                    found.append(f"{template.relative_to(TEMPLATES)}:{number}: {kind}")
    assert found == [], "Blocked by the Content-Security-Policy:\n" + "\n".join(found)
