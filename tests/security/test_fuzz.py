"""No input gives a 5xx: hypothesis throws odd values at every route's query parameters and
every form's fields, and odd JSON at the API, as a logged-in admin (who can reach every
page), and every answer must be below 500.

The parameter names are read from the code (`args.get("…")` and friends in
hikwatch/web), the field names from every Flask-WTF form the app defines, with the
prefixes the views give them, so a new parameter or field is fuzzed without anyone
listing it here.
"""

from __future__ import annotations

import inspect
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from tests.factories import make_camera, make_photo, make_removal_report, make_sighting
from tests.security.routes import sample_path
from tests.security.test_access_matrix import app_routes

WEB = Path(__file__).resolve().parents[2] / "hikwatch" / "web"
PARAMETER = re.compile(
    r'args\.get\("(\w+)"|args\.getlist\("(\w+)"|listed\(args, "(\w+)"|query_int\("(\w+)"'
    r'|args\["(\w+)"\]|form\.get\("(\w+)"|getlist\(f?"([\w-]+?)(?:\{key\})?"'
)
PREFIX = re.compile(r'prefix="(\w+)"')
# Logging out would end the admin's session and leave the rest of the run anonymous.
SKIPPED_POSTS = {"auth.logout"}

ODD_VALUES = [
    "",
    " ",
    "0",
    "-1",
    "1.5",
    "9223372036854775807",
    "-9223372036854775809",
    "9" * 40,
    "1e309",
    "nan",
    "inf",
    "-inf",
    "0x1f",
    "١٢",  # Arabic-Indic digits: str.isdigit() says yes
    "2026-02-30",
    "9999-12-31",
    "0000-01-01",
    "1,2,3,4",
    "-180,-90,180,90",
    ",,,",
    "all",
    "console",
    "../../etc/passwd",
    "//evil.example/",
    "\\\\evil.example",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\x00",
    "é" * 300,
]
VALUES = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(max_size=40),
)


def source_names() -> list[str]:
    names = set()
    for path in WEB.rglob("*.py"):
        for match in PARAMETER.finditer(path.read_text()):
            names.update(group.rstrip("-") for group in match.groups() if group)
    return sorted(names | {"page", "per_page"})


def all_forms(cls: type = FlaskForm) -> list[type]:
    found = []
    for subclass in cls.__subclasses__():
        found += [subclass, *all_forms(subclass)]
    return found


def field_names() -> list[str]:
    prefixes = {m for path in WEB.rglob("*.py") for m in PREFIX.findall(path.read_text())}
    names = set()
    for form in all_forms():
        if not form.__module__.startswith("hikwatch."):
            continue
        for name in dir(form):
            if isinstance(getattr(form, name, None), UnboundField):
                names.add(name)
                names.update(f"{prefix}-{name}" for prefix in prefixes)
    redaction = [f"redaction-{key}" for key in ("x", "y", "w", "h", "mode")]
    return sorted(names | set(redaction) | set(source_names()))


def own_names(app, endpoint: str) -> list[str]:
    """The parameters a view reads itself (paging is read by Flask-SQLAlchemy)."""
    view = app.view_functions[endpoint]
    view = getattr(view, "__wrapped__", view)
    try:
        source = inspect.getsource(view)
    except (OSError, TypeError):
        source = ""
    found = {g.rstrip("-") for m in PARAMETER.finditer(source) for g in m.groups() if g}
    return sorted(found | {"page", "per_page"})


GET_ROUTES = "get"
FORM_ROUTES = "form"


@pytest.fixture
def world(app, admin_client):
    """Something behind every id: a pending and an approved report, a camera, a removal
    report; returns (admin client, CSRF token, the routes with those ids filled in)."""
    with app.app_context():
        from models import db

        camera = make_camera()
        pending = make_sighting(status="pending")
        make_sighting(camera)
        removal = make_removal_report(camera, status="pending", photo=make_photo())
        db.session.commit()
        ids = {
            "id": pending.id,
            "sighting_id": pending.id,
            "camera_id": camera.id,
            "removal_id": removal.id,
            "report_id": removal.id,
            "photo_id": pending.photo_id,
            "reference": pending.reference,
        }
    html = admin_client.get("/submit").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
    routes = {
        (endpoint, method): sample_path(rule, ids) for endpoint, method, rule in app_routes(app)
    }
    return admin_client, token, routes


def route_keys(kind: str) -> list[tuple[str, str]]:
    """(endpoint, method) of every route to fuzz, from an app built for the listing."""
    from hikwatch import create_app
    from tests.conftest import base_config

    folder = Path(tempfile.mkdtemp())
    listing = create_app(base_config(folder, folder / "unused.db"))
    keys = []
    for endpoint, method, _ in app_routes(listing):
        if endpoint == "static" or (method != "GET") != (kind == FORM_ROUTES):
            continue
        if method != "GET" and endpoint in SKIPPED_POSTS:
            continue
        keys.append((endpoint, method))
    shutil.rmtree(folder, ignore_errors=True)
    return sorted(set(keys))


FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "12")),
    deadline=None,
    database=None,  # no .hypothesis folder in the repository
    # The same inputs on every run, so a red CI run is reproducible; FUZZ_RANDOM=1 (with
    # FUZZ_EXAMPLES=500, say) explores new ones, as the API fuzz test does.
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def assert_no_server_error(response, what: str) -> None:
    response.get_data()
    response.close()
    assert response.status_code < 500, (what, response.status_code, response.get_data()[:300])


def names_for(app, endpoint: str, everything: list[str]) -> st.SearchStrategy[str]:
    """Mostly the view's own parameters, sometimes any the app reads anywhere."""
    return st.one_of(st.sampled_from(own_names(app, endpoint)), st.sampled_from(everything))


@pytest.mark.parametrize(("endpoint", "method"), route_keys(GET_ROUTES))
@FUZZ
@given(data=st.data())
def test_no_query_string_gives_a_server_error(app, world, endpoint, method, data):
    client, _, routes = world
    path = routes[(endpoint, method)]
    names = names_for(app, endpoint, source_names())
    params = data.draw(st.dictionaries(names, VALUES, max_size=4))
    assert_no_server_error(client.get(path, query_string=params), f"GET {path} {params!r}")


@pytest.mark.parametrize(("endpoint", "method"), route_keys(FORM_ROUTES))
@FUZZ
@given(data=st.data())
def test_no_form_gives_a_server_error(app, world, endpoint, method, data):
    client, token, routes = world
    path = routes[(endpoint, method)]
    fields = data.draw(st.dictionaries(st.sampled_from(field_names()), VALUES, max_size=8))
    response = client.open(path, method=method, data={**fields, "csrf_token": token})
    assert_no_server_error(response, f"{method} {path} {fields!r}")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=20) | VALUES,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=12,
)


@settings(FUZZ, max_examples=200)
@given(
    payload=st.one_of(
        JSON_VALUES,
        st.dictionaries(st.sampled_from(field_names()), JSON_VALUES, max_size=8),
    )
)
def test_no_json_gives_a_server_error(world, payload):
    client, token, _ = world
    response = client.post("/api/sightings", json=payload, headers={"X-CSRFToken": token})
    assert_no_server_error(response, f"POST /api/sightings {payload!r}")
