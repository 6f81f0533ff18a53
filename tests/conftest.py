"""Shared fixtures: every test app has its own database and upload folder."""

from __future__ import annotations

import io
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from PIL import Image

from hikwatch import create_app
from hikwatch.web.export_serving import build_now
from models import db
from tests.databases import PostgresServer, postgres_enabled

RESOURCES = Path(__file__).parent / "resources"

pytest_plugins = ["tests.accounts", "tests.object_storage", "tests.postcode_data"]


def base_config(tmp_path: Path, database_file: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database_file}",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "LEAFLET_SOURCE": "local",
        # No tile server in tests: the map draws boundaries and pins on a blank background.
        "TILE_URL": "",
        # Limits off, so no test trips over another's requests; tests/security enables them.
        "RATELIMIT_ENABLED": False,
        # One round of PBKDF2 instead of scrypt: no test is about the hash's cost.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
        # Export files in the test's folder, built when a test says (tests/exports.py);
        # tests/test_export_files.py turns the builder process on.
        "EXPORTS_FOLDER": str(tmp_path / "exports"),
        "EXPORTS_AUTO_BUILD": False,
    }


def pytest_ignore_collect(collection_path, config):
    """The PostgreSQL pass (HIKWATCH_SKIP_E2E=1, set by the Makefile) skips the browser
    tests, which always run on SQLite."""
    if os.environ.get("HIKWATCH_SKIP_E2E") == "1" and "e2e" in collection_path.parts:
        return True
    return None


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> Path:
    """Apply the real migrations once; each test then gets a copy of the result."""
    folder = tmp_path_factory.mktemp("template-db")
    database_file = folder / "template.db"
    template_app = create_app(base_config(folder, database_file))
    with template_app.app_context():
        upgrade()
        # Close connections so SQLite folds its write-ahead log into the file we copy.
        db.engine.dispose()
    return database_file


@pytest.fixture(scope="session")
def postgres_template(tmp_path_factory):
    """With TEST_DATABASE_URL set: (server, name) of a PostgreSQL database migrated once with
    the real migrations, which each test copies. None on SQLite runs."""
    if not postgres_enabled():
        yield None
        return
    server = PostgresServer()
    server.drop_leftovers()
    name = server.new_name("template")
    url = server.create(name)
    folder = tmp_path_factory.mktemp("postgres-template")
    template_app = create_app(
        {**base_config(folder, folder / "unused.db"), "SQLALCHEMY_DATABASE_URI": url}
    )
    with template_app.app_context():
        upgrade()
        # CREATE DATABASE … TEMPLATE refuses while anyone is connected to the template.
        db.engine.dispose()
    yield server, name
    server.drop(name)


@contextmanager
def fresh_database(folder: Path, migrated_database: Path, postgres_template) -> Iterator[str]:
    """The URL of a freshly migrated database of its own, dropped afterwards: a PostgreSQL
    copy of the template when TEST_DATABASE_URL is set, else a copy of the SQLite file."""
    if postgres_template is None:
        database_file = folder / "hikwatch.db"
        shutil.copyfile(migrated_database, database_file)
        yield f"sqlite:///{database_file}"
        return
    server, template = postgres_template
    name = server.new_name("db")
    yield server.create(name, template=template)
    server.drop(name)


@pytest.fixture
def database_uri(tmp_path, migrated_database, postgres_template) -> Iterator[str]:
    """A freshly migrated database of this test's own."""
    with fresh_database(tmp_path, migrated_database, postgres_template) as uri:
        yield uri


@pytest.fixture
def photo_store(request) -> dict:
    """Where the test app keeps photos: its own folder, or a new bucket on the local S3
    server for tests parametrized with `photo_store` "s3" (indirect=True)."""
    if getattr(request, "param", "folder") == "s3":
        return request.getfixturevalue("s3_photo_store")
    return {}


EXPORT_PATHS = frozenset(
    {"/api/cameras.geojson", "/api/cameras.csv", "/api/boroughs", "/api/boroughs.csv"}
)


class BuiltExportsClient(FlaskClient):
    """A client of a site whose export builder has caught up with the data: before a request
    for an export, the files are built if the data moved (as the builder process would,
    a few seconds later). tests/test_export_files.py tests the real timing with a plain
    FlaskClient."""

    def open(self, *args, **kwargs):
        if args and isinstance(args[0], str) and args[0].partition("?")[0] in EXPORT_PATHS:
            with self.application.app_context():
                build_now(if_stale=True)
        return super().open(*args, **kwargs)


@pytest.fixture
def app(tmp_path, database_uri, photo_store):
    config = base_config(tmp_path, tmp_path / "hikwatch.db")
    app = create_app({**config, "SQLALCHEMY_DATABASE_URI": database_uri, **photo_store})
    app.test_client_class = BuiltExportsClient
    yield app
    # Close pooled connections so the test's database can be dropped or deleted.
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client) -> str:
    """The token a page gives the browser, read from the submission page's meta tag."""
    html = client.get("/submit").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


@pytest.fixture
def api(client):
    """A client that sends the CSRF header the pages send."""
    token = csrf_token(client)

    class Api:
        def post(self, url, **kwargs):
            headers = {"X-CSRFToken": token, **kwargs.pop("headers", {})}
            return client.post(url, headers=headers, **kwargs)

        def get(self, url, **kwargs):
            return client.get(url, **kwargs)

        @property
        def token(self):
            return token

    return Api()


def resource_bytes(name: str) -> bytes:
    return (RESOURCES / name).read_bytes()


def plain_jpeg(size=(64, 48), color=(120, 40, 40)) -> bytes:
    """A small JPEG with no EXIF at all."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()
