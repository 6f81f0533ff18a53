"""Schemathesis against the live app: every operation in /api/openapi.json, with inputs
generated from the description (valid ones and deliberately invalid ones), sent to real
gunicorn on a loopback port. Each answer must not be a server error, must have a status
code, content type and body the description allows.

A fixed budget of examples per operation (and no deadline: nothing here is timed) keeps
the run to a couple of minutes. The database holds cameras with public photos and a
snapshot, so generated ids and dates can find real rows.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from hikwatch import create_app
from hikwatch.evidence import snapshots
from hikwatch.web.apidocs import description
from hikwatch.web.export_serving import build_now
from models import db
from tests.conftest import base_config, fresh_database
from tests.factories import CAMDEN, WESTMINSTER, make_camera, make_sighting
from tests.security.gunicorn_server import GunicornServer, server_environment
from tests.test_openapi import served_operations

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 100
REJECTIONS = ["400", "404", "409", "413", "414", "415", "422", "429"]
DERANDOMIZE = os.environ.get("FUZZ_RANDOM") != "1"
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def seed(folder: Path, database_uri: str) -> None:
    """Cameras with approved reports and public photos, today's snapshot, the export files."""
    app = create_app(
        {**base_config(folder, folder / "unused.db"), "SQLALCHEMY_DATABASE_URI": database_uri}
    )
    with app.app_context():
        for place in (WESTMINSTER, CAMDEN):
            make_sighting(make_camera(place))
        make_camera(CAMDEN, status="removed")
        db.session.commit()
        snapshots.take(db.session, None)
        db.session.commit()
        # As the set-up does (`flask --app app exports build`): the files exist from the start.
        build_now()
        db.engine.dispose()


@pytest.fixture(scope="module")
def live_api(tmp_path_factory, migrated_database, postgres_template) -> Iterator[GunicornServer]:
    folder = tmp_path_factory.mktemp("fuzzed")
    with fresh_database(folder, migrated_database, postgres_template) as database_uri:
        seed(folder, database_uri)
        server = GunicornServer(server_environment(database_uri, folder), workers=2)
        server.start(folder / "gunicorn.log")
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module")
def resident(live_api: GunicornServer) -> requests.Session:
    """A browser session with its CSRF token, as the submission page gives one."""
    session = requests.Session()
    page = session.get(f"{live_api.url}/submit", timeout=30).text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    session.headers["X-CSRFToken"] = token
    return session


def described_api():
    """The app's own description, without operations described ahead of their route (see
    test_openapi.py): those wait for it."""
    config = SchemathesisConfig.from_dict(
        {
            "generation": {"max-examples": EXAMPLES_PER_OPERATION},
            # What the app answers to requests outside the description: all documented.
            "checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}},
        }
    )
    schema = schemathesis.openapi.from_dict(description(), config=config)
    served = served_operations(create_app({"TESTING": True, "SECRET_KEY": "unused"}))
    for path in [path for path in description()["paths"] if path not in served]:
        schema = schema.exclude(path=path)
    return schema


api = described_api()


@api.parametrize()
@settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=DERANDOMIZE,
)
def test_the_api_answers_as_described(case, live_api: GunicornServer, resident: requests.Session):
    case.call_and_validate(base_url=live_api.url, session=resident, checks=CHECKS, timeout=60)
