"""The application factory. Composition only: config, extensions, blueprints, CLI."""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
from pathlib import Path

from flask import Flask
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event, make_url
from sqlalchemy.engine import Engine

from hikwatch import config, errors, geo, mail
from hikwatch.config import ROOT
from hikwatch.security.accounts import login_manager
from hikwatch.security.inputs import BoundedIntConverter
from hikwatch.storage import open_store
from hikwatch.web import compression as response_compression
from hikwatch.web import resident_mail
from models import db

migrate = Migrate()
csrf = CSRFProtect()


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then FLASK_* environment variables, then test_config."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    # Private from the start: the secret key and the SQLite database live here.
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)
    app.config.from_mapping(config.defaults(app.instance_path))
    app.config.from_prefixed_env()
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(app.instance_path)
    private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path)
    # Ids in paths stop where the database's integers do (before the blueprints' routes).
    app.url_map.converters["int"] = BoundedIntConverter

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    response_compression.init_app(app)
    login_manager.init_app(app)

    mail.init_app(app)
    resident_mail.init_app(app)

    app.extensions["borough_index"] = load_borough_index(app.config["BOROUGHS_GEOJSON"])
    app.extensions["file_store"] = store = open_store(app.config)
    # Photos served from object storage by URL are images of another origin.
    app.config["_PHOTO_URL_ORIGIN"] = store.url_origin

    index = app.extensions["borough_index"]
    app.jinja_env.globals.update(
        leaflet_version=config.LEAFLET_VERSION,
        london_bounds=[round(v, 5) for v in index.bounds],
    )

    from hikwatch.web import register_blueprints

    register_blueprints(app)
    errors.register_handlers(app)

    from hikwatch import security

    # After the blueprints: it applies rate limits to the views they registered.
    security.init_app(app)

    from hikwatch.cli import register_commands

    register_commands(app)
    return app


@functools.cache
def load_borough_index(path: str) -> geo.BoroughIndex:
    """Boundaries are read once per process (and shared by test apps)."""
    return geo.BoroughIndex.from_geojson(path)


def instance_secret(instance_path: str) -> str:
    """A per-install random key kept in instance/, so no secret ships in the repo; created
    0600 (never readable by others, not even for a moment)."""
    path = Path(instance_path) / "secret_key"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def private_sqlite_file(uri: str, instance_path: str) -> None:
    """Create a new SQLite database file 0600 in a 0700 folder before SQLite does (it would
    use 0644): it holds staff password hashes, residents' emails and pending reports."""
    url = make_url(uri)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    # Flask-SQLAlchemy reads a relative SQLite path as relative to the instance folder.
    path = Path(instance_path) / url.database
    if path.exists() or url.database.startswith("file:"):
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL and a busy timeout let several workers share SQLite; enforce foreign keys."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
