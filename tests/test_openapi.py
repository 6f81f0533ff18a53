"""The public API's OpenAPI description: valid OpenAPI 3.1, naming every public API route
and nothing the app does not serve, with the vocabulary's words; and its reading page.

Schemathesis runs the description against a live server in tests/test_api_fuzz.py."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from hikwatch.evidence import counts
from hikwatch.vocab import CameraStatus, OperatorType, PhotoVariant, SightingStatus
from hikwatch.web.apidocs import SWAGGER_UI_VERSION

# Public routes outside /api/ that scripts use, and so are described too.
DESCRIBED_OUTSIDE_API = {
    "cameras.photo",
    "snapshots.download_json",
    "snapshots.download_csv",
}
# A page for people, not an operation.
NOT_DESCRIBED = {"apidocs.docs"}


def served_operations(app) -> dict[str, set[str]]:
    """OpenAPI path -> methods, for every public API route in the app's URL map."""
    operations: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_DESCRIBED:
            continue
        if rule.rule.startswith("/api/") or rule.endpoint in DESCRIBED_OUTSIDE_API:
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            methods = {m.lower() for m in rule.methods or ()} - {"head", "options"}
            operations.setdefault(path, set()).update(methods)
    return operations


def described_operations(document: dict) -> dict[str, set[str]]:
    return {path: set(item) - {"parameters"} for path, item in document["paths"].items()}


def test_the_description_is_valid_openapi_3_1(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_public_api_route_is_described_and_nothing_else(app, client):
    described = described_operations(client.get("/api/openapi.json").get_json())
    served = served_operations(app)
    assert {path: served[path] for path in served if path not in described} == {}
    unserved = {path for path in described if path not in served}
    assert unserved == set(), "described but not served"
    for path, methods in served.items():
        assert described[path] == methods, path


def test_lists_of_words_are_the_vocabulary(client):
    document = client.get("/api/openapi.json").get_json()
    parameters = document["components"]["parameters"]
    assert parameters["Status"]["schema"]["items"]["enum"] == [*CameraStatus, "gone", "all", ""]
    assert parameters["Operator"]["schema"]["items"]["enum"] == [*OperatorType, "council", ""]
    assert parameters["Count"]["schema"]["enum"] == [*counts.COUNT_KINDS, ""]
    created = document["paths"]["/api/sightings"]["post"]["responses"]["201"]
    status = created["content"]["application/json"]["schema"]["properties"]["status"]
    assert status["enum"] == list(SightingStatus)
    photo = document["paths"]["/photos/{photo_id}/{variant}.jpg"]["get"]["parameters"]
    assert photo[1]["schema"]["enum"] == list(PhotoVariant)


def test_the_docs_page_loads_swagger_ui_from_this_site_under_the_strict_policy(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    vendor = f"/static/vendor/swagger-ui-dist-{SWAGGER_UI_VERSION}/"
    assert f'<script src="{vendor}swagger-ui-bundle.js">' in html
    assert f'<link rel="stylesheet" href="{vendor}swagger-ui.css">' in html
    assert 'data-spec-url="/api/openapi.json"' in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, "an inline script"
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
