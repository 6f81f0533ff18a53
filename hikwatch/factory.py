"""The application factory. Composition only: config, extensions, blueprints, CLI."""

from __future__ import annotations

import functools
import os
import secrets
from pathlib import Path

from flask import Flask
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine

from hikwatch import geo
from hikwatch.security.accounts import login_manager
from hikwatch.storage import FileStore
from hikwatch.web import compression as response_compression
from models import db

# The project folder: templates/, static/, data/, migrations/ and uploads/ sit at its top.
ROOT = Path(__file__).resolve().parent.parent
migrate = Migrate()
csrf = CSRFProtect()

LEAFLET_VERSION = "1.9.4"


def default_config(instance_path: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "hikwatch.db"),
        "UPLOAD_FOLDER": str(ROOT / "uploads"),
        "BOROUGHS_GEOJSON": str(ROOT / "data" / "london_boroughs.geojson"),
        "FOI_CSV": str(ROOT / "data" / "foi_hikvision_london.csv"),
        # Photos: 20 MB per file; the request may carry a little form data besides.
        "PHOTO_MAX_BYTES": 20 * 1024 * 1024,
        "MAX_CONTENT_LENGTH": 21 * 1024 * 1024,
        "PHOTO_MAX_PIXELS": 100_000_000,
        "DISPLAY_PX": 1600,
        "THUMB_PX": 400,
        # Uploads the resident never submitted are swept after this many hours.
        "UPLOAD_MAX_AGE_HOURS": 24,
        # "cdn" (the design card's default) or "local" (served from static/vendor,
        # fetched by `make run`/`make test`; what tests and offline machines use).
        "LEAFLET_SOURCE": "cdn",
        "LEAFLET_CDN": f"https://unpkg.com/leaflet@{LEAFLET_VERSION}/dist/",
        "LEAFLET_JS_SRI": "sha256-20nQCchB9co0qIjJZRGuk2/Z9VM+kNiyxNV1lvTlZBo=",
        "LEAFLET_CSS_SRI": "sha256-p4NxAoJBhIIN+hmNHrzRCf9tD/miZyoHS5obTRR9BMY=",
        "TILE_URL": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "TILE_ATTRIBUTION": (
            '&copy; <a href="https://www.openstreetmap.org/copyright">'
            "OpenStreetMap</a> contributors"
        ),
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Failed logins per email and per client within the window before a pause.
        "LOGIN_FAILURE_LIMIT": 5,
        "LOGIN_FAILURE_WINDOW_MINUTES": 15,
        # Moderation: opening a report reserves it for its moderator this long; duplicate
        # suggestions are cameras this close to the pin and photos this few bits apart
        # (of 64 in the perceptual hash); the map shows known cameras this close.
        "CLAIM_MINUTES": 10,
        "DUPLICATE_RADIUS_M": 30,
        "PHASH_MAX_DISTANCE": 8,
        "NEARBY_CAMERAS_M": 50,
        "AUDIT_PAGE_SIZE": 50,
    }


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then FLASK_* environment variables, then test_config."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(default_config(app.instance_path))
    app.config.from_prefixed_env()
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(app.instance_path)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    response_compression.init_app(app)
    login_manager.init_app(app)

    app.extensions["borough_index"] = load_borough_index(app.config["BOROUGHS_GEOJSON"])
    app.extensions["file_store"] = FileStore(app.config["UPLOAD_FOLDER"])

    index = app.extensions["borough_index"]
    app.jinja_env.globals.update(
        leaflet_version=LEAFLET_VERSION,
        london_bounds=[round(v, 5) for v in index.bounds],
    )

    from hikwatch.web import register_blueprints

    register_blueprints(app)

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
    """A per-install random key kept in instance/, so no secret ships in the repo."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


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
