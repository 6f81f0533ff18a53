"""A real Hikwatch server on a free local port, for the browser tests and `make screenshots`.

The app is built with `create_app` like production, but with its own migrated SQLite
database, its own upload folder, Leaflet served locally and no tile server, so nothing
it serves makes the browser reach beyond 127.0.0.1.
"""

from __future__ import annotations

import secrets
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyotp
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import inspect
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from hikwatch import create_app
from hikwatch.security.accounts import create_user
from hikwatch.submissions import PhotoLimits, create_sighting, store_upload
from hikwatch.web.export_serving import build_now
from models import Photo, Sighting, db, utcnow

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
# The password of every account the browser tests make (the app wants 12 characters or more).
STAFF_PASSWORD = "correct horse battery staple"
# The authenticator secret of each account made with two-factor, by email: what the
# staff's phones would hold (one per email, whichever server the account is on).
TOTP_SECRETS: dict[str, str] = {}


def server_config(folder: Path, database_file: Path) -> dict:
    return {
        "SECRET_KEY": secrets.token_hex(32),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database_file}",
        "UPLOAD_FOLDER": str(folder / "uploads"),
        "LEAFLET_SOURCE": "local",
        # No tiles: maps draw boundaries and pins on a plain background, and no request
        # leaves the machine.
        "TILE_URL": "",
        # A test session uploads more photos from 127.0.0.1 than a resident would.
        "RATELIMIT_ENABLED": False,
        # One round of PBKDF2 instead of scrypt: the browser tests log in a lot.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
        # The open-data files: built at start (as the set-up does), then rebuilt by the
        # real builder process as soon as the data changes (no quiet period to wait for).
        "EXPORTS_FOLDER": str(folder / "exports"),
        "EXPORTS_DEBOUNCE_SECONDS": 0,
    }


def migrate_database(folder: Path) -> Path:
    """A freshly migrated database file, made with the real Alembic migrations."""
    database_file = folder / "template.db"
    template_app = create_app(server_config(folder, database_file))
    with template_app.app_context():
        upgrade()
        # Close connections so SQLite folds its write-ahead log into the file others copy.
        db.engine.dispose()
    return database_file


class ProblemsOnlyRequestHandler(WSGIRequestHandler):
    """Log only requests that went wrong: the dozen fine ones of each page load bury them."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if str(code).isdigit() and int(code) >= 400:
            super().log_request(code, size)


@dataclass
class LiveServer:
    app: Flask
    url: str


@contextmanager
def live_server(
    folder: Path, template_database: Path | None = None, settings: dict | None = None
) -> Iterator[LiveServer]:
    """Serve a new app from `folder` until the block ends.

    `template_database` is an already migrated database to copy (the test suite migrates
    one per session); without it the migrations run here. `settings` go on top of the
    server's own (e.g. a photo store).
    """
    folder.mkdir(parents=True, exist_ok=True)
    if template_database is None:
        template_database = migrate_database(folder)
    database_file = folder / "hikwatch.db"
    shutil.copyfile(template_database, database_file)
    app = create_app({**server_config(folder, database_file), **(settings or {})})
    # Threaded, because a browser loads a page's styles, scripts and API calls in parallel.
    server: BaseWSGIServer = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=ProblemsOnlyRequestHandler
    )
    url = f"http://127.0.0.1:{server.server_port}"
    with app.app_context():
        build_now(base=url + "/")
    thread = threading.Thread(target=server.serve_forever, name="hikwatch-live-server")
    thread.daemon = True
    thread.start()
    try:
        yield LiveServer(app=app, url=url)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


def seed_report(app: Flask, photo_name: str = "big_ben.jpg", **fields) -> str:
    """Store a pending report made from a test photo, as a resident would; return its reference."""
    with app.app_context():
        photo = store_upload(
            (RESOURCES / photo_name).read_bytes(),
            PhotoLimits.from_config(app.config),
            app.extensions["file_store"],
            owner="seeded-by-tests",
        )
        values = {
            "lat": photo.exif_lat,
            "lon": photo.exif_lon,
            "location_source": "exif",
            "camera_type": "dome",
            "mount": "pole",
            "operator_type": "council_street",
            **fields,
        }
        sighting = create_sighting(values, photo, app.extensions["borough_index"])
        db.session.commit()
        return sighting.reference


def create_account(
    app: Flask,
    email: str,
    role: str = "moderator",
    password: str = STAFF_PASSWORD,
    two_factor: bool | None = None,
) -> str:
    """A moderator or admin account in the live server's database, as `flask users create`
    makes one; returns the email to log in with (tests/e2e/staff_pages.py: log_in).

    Admins need two-factor: unless `two_factor` is False, an admin's account has an
    authenticator secret already (TOTP_SECRETS[email]), as if it had enrolled."""
    with app.app_context():
        user = create_user(email, password, role)
        if role == "admin" if two_factor is None else two_factor:
            user.totp_secret = TOTP_SECRETS.setdefault(email, pyotp.random_base32())
            user.totp_enabled_at = utcnow()
        db.session.commit()
    return email


def stored_sighting(app: Flask, reference: str) -> dict | None:
    """The report with this reference as the database holds it: its columns, plus the
    council area's name and the photo's format and upload token."""
    with app.app_context():
        sighting = db.session.execute(
            db.select(Sighting).filter_by(reference=reference)
        ).scalar_one_or_none()
        if sighting is None:
            return None
        columns = inspect(Sighting).column_attrs
        row = {column.key: getattr(sighting, column.key) for column in columns}
        return {
            **row,
            "borough_name": sighting.borough.name,
            "photo_format": sighting.photo.format,
            "upload_id": sighting.photo.token,
        }


def sightings_of_upload(app: Flask, upload_id: str) -> int:
    """How many reports use the photo uploaded with this token (0 or 1)."""
    with app.app_context():
        return db.session.execute(
            db.select(db.func.count())
            .select_from(Sighting)
            .join(Photo, Sighting.photo_id == Photo.id)
            .where(Photo.token == upload_id)
        ).scalar_one()
