"""Shared fixtures: every test app has its own database and upload folder."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from flask_migrate import upgrade
from PIL import Image

from app import create_app
from models import db

RESOURCES = Path(__file__).parent / "resources"

pytest_plugins = ["tests.accounts"]


def base_config(tmp_path: Path, database_file: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database_file}",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "LEAFLET_SOURCE": "local",
        # No tile server in tests: the map draws boundaries and pins on a blank background.
        "TILE_URL": "",
    }


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


@pytest.fixture
def app(tmp_path, migrated_database):
    database_file = tmp_path / "hikwatch.db"
    shutil.copyfile(migrated_database, database_file)
    app = create_app(base_config(tmp_path, database_file))
    yield app


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
